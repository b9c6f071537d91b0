/* portfolio_builder: the local search of the offline site (file://, under the site's CSP).
 *
 * The form is in the page (hidden without JavaScript), with its words in the dossier's
 * language (data-* attributes, from the catalog). On first use this script loads, with
 * <script src>, lunr, its stemmer and search/search_index.js (a global of plain text), in
 * that order: no fetch, no worker, no eval. Results are built with textContent and
 * setAttribute only: the index holds the candidate's text, never markup for this page.
 * Keyboard: Down/Up move through the results, Enter opens the first, Escape closes.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-pb-search]");
  if (!form || typeof Promise === "undefined" || !"".normalize) {
    return;
  }
  var root = form.getAttribute("data-root") || "./";
  var input = form.querySelector(".pb-search__input");
  var status = form.querySelector(".pb-search__status");
  var panel = form.querySelector(".pb-search__results");
  var count = form.querySelector(".pb-search__count");
  var list = form.querySelector(".pb-search__list");
  var MAX_RESULTS = 50;
  var BEFORE = 60;
  var AFTER = 180;
  var ready = null;
  var engine = null;
  var docs = [];

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  // name: a path relative to the site root (data-files).
  function loadScript(name) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = root + name;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function build() {
    var lunr = window.lunr;
    var data = window.portfolioSearchIndex || {};
    var lang = form.getAttribute("data-lang");
    docs = data.docs || [];
    // Apostrophes split words too: « l'université » is found by « université ».
    lunr.tokenizer.separator = /[\s\-'\u2019]+/;
    var foldToken = function (token) {
      return token.update(fold);
    };
    lunr.Pipeline.registerFunction(foldToken, "portfolioFold");
    engine = lunr(function () {
      var stemmer = lunr.stemmer;
      if (lang === "fr" && lunr.fr) {
        this.use(lunr.fr);
        stemmer = lunr.fr.stemmer;
      }
      // Accents folded before stemming, on both sides: « universite » finds « université ».
      this.pipeline.before(stemmer, foldToken);
      this.searchPipeline.before(stemmer, foldToken);
      this.ref("id");
      this.field("title", { boost: 10 });
      this.field("text");
      this.metadataWhitelist = ["position"];
      for (var i = 0; i < docs.length; i++) {
        this.add({ id: String(i), title: docs[i].title, text: docs[i].text });
      }
    });
  }

  function load() {
    if (!ready) {
      var files = (form.getAttribute("data-files") || "").split(" ").filter(Boolean);
      ready = files
        .reduce(function (previous, name) {
          return previous.then(function () {
            return loadScript(name);
          });
        }, Promise.resolve())
        .then(build);
    }
    return ready;
  }

  function search(query) {
    var lunr = window.lunr;
    var terms = lunr
      .tokenizer(query)
      .map(function (token) {
        return token.toString().replace(/[*:^~+]/g, "");
      })
      .filter(Boolean);
    if (!terms.length) {
      return [];
    }
    return engine.query(function (q) {
      terms.forEach(function (term) {
        q.term(term, { boost: 10 });
        if (term.length > 1) {
          q.term(fold(term), { usePipeline: false, wildcard: lunr.Query.wildcard.TRAILING });
        }
      });
    });
  }

  // A result's link, relative to this page; from disk, a folder URL names its index.html.
  function href(location) {
    var cut = location.indexOf("#");
    var path = cut < 0 ? location : location.slice(0, cut);
    var hash = cut < 0 ? "" : location.slice(cut);
    if (window.location.protocol === "file:" && (path === "" || path.slice(-1) === "/")) {
      path += "index.html";
    }
    return root + path + hash;
  }

  function positions(matchData) {
    var found = [];
    Object.keys(matchData.metadata).forEach(function (term) {
      var fields = matchData.metadata[term];
      if (fields.text && fields.text.position) {
        found = found.concat(fields.text.position);
      }
    });
    return found.sort(function (a, b) {
      return a[0] - b[0];
    });
  }

  function snippet(text, matchData) {
    var element = document.createElement("span");
    element.className = "pb-search__snippet";
    var marks = positions(matchData);
    var start = marks.length ? Math.max(0, marks[0][0] - BEFORE) : 0;
    var end = Math.min(text.length, start + BEFORE + AFTER);
    var at = start;
    if (start > 0) {
      element.appendChild(document.createTextNode("\u2026"));
    }
    marks.forEach(function (mark) {
      // A token's span holds its punctuation (« université, »): the mark covers the word only.
      var word = text.slice(mark[0], mark[0] + mark[1]);
      var lead = word.length - word.replace(/^[^\p{L}\p{N}]+/u, "").length;
      var trail = word.length - word.replace(/[^\p{L}\p{N}]+$/u, "").length;
      var from = mark[0] + lead;
      var to = Math.max(from, mark[0] + mark[1] - trail);
      if (from < at || to > end) {
        return;
      }
      element.appendChild(document.createTextNode(text.slice(at, from)));
      var highlighted = document.createElement("mark");
      highlighted.textContent = text.slice(from, to);
      element.appendChild(highlighted);
      at = to;
    });
    element.appendChild(document.createTextNode(text.slice(at, end) + (end < text.length ? "\u2026" : "")));
    return element;
  }

  function say(message) {
    status.textContent = message;
    count.textContent = message;
  }

  function open() {
    panel.hidden = false;
  }

  function close() {
    panel.hidden = true;
  }

  function render(query) {
    var results = search(query);
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    results.slice(0, MAX_RESULTS).forEach(function (result) {
      var doc = docs[Number(result.ref)];
      var item = document.createElement("li");
      var link = document.createElement("a");
      var title = document.createElement("span");
      link.className = "pb-search__link";
      link.setAttribute("href", href(doc.location));
      title.className = "pb-search__title";
      title.textContent = doc.title || doc.page || doc.location;
      link.appendChild(title);
      if (doc.page) {
        var page = document.createElement("span");
        page.className = "pb-search__page";
        page.textContent = doc.page;
        link.appendChild(page);
      }
      if (doc.text) {
        link.appendChild(snippet(doc.text, result.matchData));
      }
      item.appendChild(link);
      list.appendChild(item);
    });
    var n = results.length;
    if (n === 0) {
      say(form.getAttribute("data-none").replace("{query}", query));
    } else if (n === 1) {
      say(form.getAttribute("data-one"));
    } else {
      var key = n > MAX_RESULTS ? "data-more" : "data-many";
      say(form.getAttribute(key).replace("{count}", String(n)).replace("{shown}", String(MAX_RESULTS)));
    }
    open();
  }

  function update() {
    var query = input.value.trim();
    if (!query) {
      close();
      say("");
      return;
    }
    load().then(
      function () {
        if (input.value.trim() === query) {
          render(query);
        }
      },
      function () {
        say(form.getAttribute("data-failed"));
        open();
      }
    );
  }

  function links() {
    return Array.prototype.slice.call(list.querySelectorAll("a"));
  }

  form.hidden = false;
  input.addEventListener("input", update);
  input.addEventListener("focus", function () {
    load().catch(function () {});
    if (input.value.trim() && panel.hidden) {
      update();
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var first = links()[0];
    if (first) {
      first.click();
    }
  });
  form.addEventListener("keydown", function (event) {
    var all = links();
    var current = all.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && all.length && !panel.hidden) {
      event.preventDefault();
      all[Math.min(current + 1, all.length - 1)].focus();
    } else if (event.key === "ArrowUp" && current >= 0) {
      event.preventDefault();
      (current === 0 ? input : all[current - 1]).focus();
    } else if (event.key === "Escape" && !panel.hidden) {
      event.preventDefault();
      close();
      input.focus();
    }
  });
  // Closed when the focus leaves the form (Tab) or a click lands elsewhere on the page.
  form.addEventListener("focusout", function (event) {
    if (event.relatedTarget && !form.contains(event.relatedTarget)) {
      close();
    }
  });
  document.addEventListener("pointerdown", function (event) {
    if (!form.contains(event.target)) {
      close();
    }
  });
})();
