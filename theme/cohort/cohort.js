// Sorting and filtering for the cohort dashboard. No server, no inline script
// (the page's Content-Security-Policy forbids it): this file is all there is.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    var table = document.querySelector("[data-cohort-table]");
    if (!table) return;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var form = document.querySelector("[data-cohort-filters]");
    var text = form.querySelector("[data-filter-text]");
    var outcome = form.querySelector("[data-filter-outcome]");
    var problems = form.querySelector("[data-filter-problems]");
    var count = form.querySelector("[data-filter-count]");

    function cellValue(row, index) {
      var cell = row.cells[index];
      var raw = cell.getAttribute("data-value");
      return raw === null ? cell.textContent.trim() : raw;
    }

    function applyFilters() {
      var query = text.value.trim().toLowerCase();
      var wanted = outcome.value;
      var shown = 0;
      rows.forEach(function (row) {
        var ok = (!query || row.textContent.toLowerCase().indexOf(query) !== -1) &&
          (!wanted || row.getAttribute("data-outcome") === wanted) &&
          (!problems.checked || row.getAttribute("data-problems") === "1");
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      count.textContent = shown + " / " + rows.length;
    }

    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, index) {
      var kind = th.getAttribute("data-sort");
      if (!kind) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "cb-sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (other) {
          if (other.hasAttribute("aria-sort")) other.setAttribute("aria-sort", "none");
        });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          var order = kind === "number" ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y, document.documentElement.lang);
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });

    form.addEventListener("input", applyFilters);
    form.addEventListener("change", applyFilters);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    applyFilters();
  });
})();
