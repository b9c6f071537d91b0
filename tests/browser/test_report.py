"""The coverage report page of the sample dossier, in Chromium (issue 3, sections 4 and 8).

The sample covers 19 of 20 competencies of the C2i niveau 1: D4.4 "Organiser une
veille informationnelle" has no evidence. The report must say so in words, mark
its matrix row, link every competency and piece of evidence to an existing page,
draw its SVG chart without JavaScript, and offer ``report.json`` and
``report.csv`` downloads that agree with ``portfolio check --format json``.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from ._support import (
    BROWSER,
    MISSING_CODE,
    MISSING_TITLE,
    REPORT,
    TYPE_LABELS,
    by_code,
    competency_url,
    page_url,
    require_browser,
)

require_browser()

from playwright.sync_api import expect  # noqa: E402 - once we know Playwright is there

pytestmark = BROWSER

# Each link of the matrix: the competency row it is in, whether it is the row's
# own (competency) link, where it points and what it says.
MATRIX_LINKS_JS = """
table => [...table.querySelectorAll('a[href]')].map(a => {
  const row = a.closest('tr');
  const head = row && row.querySelector('th[scope=row]');
  return {
    href: a.href,
    text: a.textContent.replace(/\\s+/g, ' ').trim(),
    row: head ? head.textContent.trim() : null,
    competency: a.closest('th') !== null,
  };
})
"""


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def open_report(page: Any, site: Any) -> Any:
    response = page.goto(site.url(REPORT))
    assert response is not None and response.status == 200, f"{site.url(REPORT)} → {response and response.status}"
    return page


def matrix_row(page: Any, code: str) -> Any:
    """The matrix row of one competency, found by the code in its row header."""
    header = page.locator("th[scope=row]", has_text=re.compile(rf"^\s*{re.escape(code)}\s*$"))
    return page.locator("table.pb-matrix tbody tr").filter(has=header)


def download(page: Any, name: str) -> bytes:
    """Click the report's download link for ``name`` and return the downloaded bytes."""
    link = page.locator(f"a[download][href$='{name}']")
    expect(link).to_have_count(1)
    with page.expect_download() as info:
        link.click()
    downloaded = info.value
    assert downloaded.failure() is None, f"download of {name} failed: {downloaded.failure()}"
    assert downloaded.suggested_filename == name
    return Path(downloaded.path()).read_bytes()


# -- the missing competency -------------------------------------------------------


def test_summary_line_names_the_missing_competency(page, sample_site):
    open_report(page, sample_site)
    line = page.locator(".pb-summary__line")
    expect(line).to_be_visible()
    text = squash(line.inner_text())
    assert "19 / 20 compétences couvertes" in text
    assert f"manque : {MISSING_CODE} {MISSING_TITLE}" in text


def test_missing_competency_row_is_marked_and_says_aucune_preuve(page, sample_site):
    open_report(page, sample_site)
    row = matrix_row(page, MISSING_CODE)
    expect(row).to_have_count(1)
    expect(row).to_have_class(re.compile(r"\bpb-matrix__row--missing\b"))
    expect(row).to_be_visible()
    # Text, not colour alone: the row says it in words a screen reader reads and a
    # black-and-white print shows.
    none = row.get_by_text("Aucune preuve", exact=True)
    expect(none).to_be_visible()
    row_text = squash(row.inner_text())
    assert MISSING_TITLE in row_text
    assert "manquante" in row_text, row_text
    covered = squash(matrix_row(page, "D4.3").inner_text())
    assert "manquante" not in covered and "Aucune preuve" not in covered, covered
    # It is the only row marked missing.
    marked = page.locator("table.pb-matrix tr.pb-matrix__row--missing th[scope=row]").all_inner_texts()
    assert [squash(code) for code in marked] == [MISSING_CODE]


def test_domain_of_the_missing_competency_says_what_is_missing(page, sample_site):
    open_report(page, sample_site)
    domain = page.locator(".pb-domain", has_text=re.compile(r"^\s*D4\b"))
    expect(domain).to_have_count(1)
    text = squash(domain.inner_text())
    assert "3 / 4" in text
    assert f"manque : {MISSING_CODE}" in text


# -- the matrix -------------------------------------------------------------------


def test_matrix_has_caption_and_complex_table_headers(page, sample_site):
    """RGAA 4.1 criteria 5.1-5.7: a complex data table (domain headers span a row group)."""
    open_report(page, sample_site)
    report = sample_site.report()
    table = page.locator("table.pb-matrix")
    expect(table).to_have_count(1)
    caption = table.locator("caption")
    expect(caption).to_have_count(1)
    expect(caption).to_be_visible()
    assert squash(caption.inner_text()), "the matrix caption is empty"

    columns = table.locator("thead th")
    assert columns.count() >= 3
    assert table.locator("thead th:not([scope=col])").count() == 0, "a column header lacks scope=col"
    scopes = table.evaluate("t => [...t.querySelectorAll('th')].map(th => th.getAttribute('scope'))")
    assert all(scope in {"col", "row", None} for scope in scopes), scopes
    # 5.1/5.2: the caption carries a summary of the table's structure.
    assert table.locator("caption .pb-matrix__summary").count() == 1
    assert len(squash(table.locator("caption .pb-matrix__summary").text_content() or "")) > 40
    markup = table.evaluate(
        """t => {
          const ids = [...t.querySelectorAll('[id]')].map(e => e.id);
          const cells = [...t.querySelectorAll('tbody td, tbody th[scope=row]')];
          return {
            ids, unique: new Set(ids).size === ids.length,
            withoutHeaders: cells.filter(c => !c.getAttribute('headers')).length,
            dangling: cells.flatMap(c => (c.getAttribute('headers') || '').split(/\\s+/).filter(Boolean))
                           .filter(id => !document.getElementById(id) || !t.contains(document.getElementById(id))),
            domainScoped: [...t.querySelectorAll('tr.pb-matrix__domain th')].filter(h => h.hasAttribute('scope')).length,
            domainIds: [...t.querySelectorAll('tr.pb-matrix__domain th')].filter(h => h.id).length,
            columnIds: [...t.querySelectorAll('thead th')].filter(h => h.id).length,
          };
        }"""
    )
    assert markup["unique"], markup["ids"]  # 5.7.3: unique ids
    assert markup["domainScoped"] == 0  # 5.7.3: no scope on a header that spans neither a whole row nor column
    assert markup["domainIds"] == len(report["domains"]) and markup["columnIds"] == columns.count()
    assert markup["withoutHeaders"] == 0 and markup["dangling"] == []  # 5.7.4

    # One row per competency, with its code in a row header, grouped by domain.
    codes = [squash(t) for t in table.locator("tbody th[scope=row]").all_inner_texts()]
    assert codes == [c["code"] for c in report["competencies"]]
    groups = table.locator("tbody")
    assert groups.count() == len(report["domains"])
    for index, domain in enumerate(report["domains"]):
        group = groups.nth(index)
        heading = group.locator("tr.pb-matrix__domain th")
        expect(heading).to_have_count(1)
        # Every cell of the group names its domain header.
        domain_id = heading.get_attribute("id")
        headers = group.locator("td").evaluate_all("cells => cells.map(c => c.getAttribute('headers'))")
        assert headers and all(domain_id in h.split() for h in headers), headers
        assert squash(heading.inner_text()).startswith(domain["code"] + " "), heading.inner_text()
        in_group = [squash(t) for t in group.locator("th[scope=row]").all_inner_texts()]
        assert in_group and all(code.startswith(domain["code"] + ".") for code in in_group), in_group


def test_every_matrix_link_leads_to_an_existing_page(page, sample_site):
    open_report(page, sample_site)
    report = sample_site.report()
    links = page.locator("table.pb-matrix").evaluate(MATRIX_LINKS_JS)
    assert links, "the matrix has no links"

    broken = []
    for href in sorted({link["href"] for link in links}):
        if not href.startswith(sample_site.base):
            broken.append(f"{href}: not a page of the site")
            continue
        response = page.request.get(href)
        if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            broken.append(f"{href}: HTTP {response.status} {response.headers.get('content-type')}")
    assert not broken, "matrix links that lead nowhere:\n" + "\n".join(broken)

    # The row header links to the competency's own page ...
    competency_links = {link["row"]: sample_site.path_of(link["href"]) for link in links if link["competency"]}
    assert competency_links == {code: competency_url(code) for code in by_code(report)}

    # ... and the other links of a row are exactly its evidence, by title.
    titles = {page_url(e["path"]): e["title"] for e in report["evidence"]}
    for code, competency in by_code(report).items():
        row_links = [link for link in links if link["row"] == code and not link["competency"]]
        expected = sorted(page_url(path) for path in competency["evidence"])
        assert sorted(sample_site.path_of(link["href"]) for link in row_links) == expected, code
        for link in row_links:
            assert link["text"] == titles[sample_site.path_of(link["href"])], link


EVIDENCE_CARD = re.compile(r"<aside\b[^>]*\bclass=\"[^\"]*\bpb-evidence\b")


def test_matrix_evidence_links_open_evidence_pages(page, sample_site):
    open_report(page, sample_site)
    links = page.locator("table.pb-matrix").evaluate(MATRIX_LINKS_JS)
    targets = sorted({link["href"] for link in links if not link["competency"]})
    assert targets
    not_evidence = []
    for href in targets:
        response = page.request.get(href)
        if response.status != 200 or not EVIDENCE_CARD.search(response.text()):
            not_evidence.append(f"{href}: HTTP {response.status}, no evidence card")
    assert not not_evidence, "\n".join(not_evidence)

    # And a real click follows a link to the evidence page, card and all.
    first = page.locator("table.pb-matrix a.pb-evidence-link").first
    href = first.evaluate("a => a.href")
    first.click()
    page.wait_for_url(href)
    expect(page.locator("aside.pb-evidence")).to_be_visible()


# {code: {text, items: [{hrefs, types}]}} for every row of the matrix, by its row header's code.
MATRIX_TYPES_JS = """
table => Object.fromEntries([...table.querySelectorAll('tbody tr')]
  .filter(tr => tr.querySelector('th[scope=row]'))
  .map(tr => [tr.querySelector('th[scope=row]').textContent.trim(), {
    text: tr.innerText,
    items: [...tr.querySelectorAll('ul.pb-links > li')].map(li => ({
      hrefs: [...li.querySelectorAll('a')].map(a => a.href),
      types: [...li.querySelectorAll('.pb-evidence-type')].map(t => t.innerText),
    })),
  }]))
"""


def test_matrix_lists_evidence_types_in_french(page, sample_site):
    open_report(page, sample_site)
    report = sample_site.report()
    types = {page_url(e["path"]): e["type"] for e in report["evidence"]}
    rows = page.locator("table.pb-matrix").evaluate(MATRIX_TYPES_JS)  # the whole matrix in one call
    assert sorted(rows) == sorted(by_code(report)), sorted(rows)
    for code, competency in by_code(report).items():
        text = squash(rows[code]["text"])
        for path in competency["evidence"]:
            assert TYPE_LABELS[types[page_url(path)]] in text, (code, text)
        # Each evidence line shows its own type, beside its own title (no de-duplicated column).
        for item in rows[code]["items"]:
            assert len(item["hrefs"]) == 1 and len(item["types"]) == 1, (code, item)
            label = TYPE_LABELS[types[sample_site.path_of(item["hrefs"][0])]]
            assert squash(item["types"][0]) == f"({label})", (code, item)


def test_problems_are_grouped_by_file_without_repeating_it(page, sample_site):
    open_report(page, sample_site)
    groups = page.locator(".pb-problems h3.pb-problems__file")
    assert groups.count() >= 1
    for index in range(groups.count()):
        name = squash(groups.nth(index).inner_text())
        items = groups.nth(index).locator("xpath=following-sibling::ul[1]/li")
        assert items.count() >= 1
        for item in items.all():
            assert name not in squash(item.inner_text()), item.inner_text()
            assert re.search(r"\b\d+:\d+\b", item.inner_text())


# -- the chart --------------------------------------------------------------------


def test_one_chart_only_the_bars_each_with_its_numbers(page, sample_site):
    """The small SVG duplicated the bars: the bars are the one chart, their numbers written out."""
    open_report(page, sample_site)
    report = sample_site.report()
    expect(page.locator("figure.pb-chart svg")).to_have_count(0)
    bars = page.locator("ul.pb-domains .pb-bar[role=img]")
    assert bars.count() == len(report["domains"])
    for index, domain in enumerate(report["domains"]):
        assert bars.nth(index).get_attribute("aria-label") == f"{domain['covered']} / {domain['total']}"
        expect(page.locator("ul.pb-domains > li").nth(index)).to_contain_text(f"{domain['covered']} / {domain['total']}")


CONTRAST_JS = """
() => {
  const rgb = s => s.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  return [...document.querySelectorAll('.pb-bar')].map(bar => {
    const fill = bar.querySelector('.pb-bar__fill');
    const a = lum(rgb(getComputedStyle(fill).backgroundColor)), b = lum(rgb(getComputedStyle(bar).backgroundColor));
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  });
}
"""


@pytest.mark.parametrize("scheme", ["default", "slate"])
def test_bar_colours_keep_3_to_1_against_their_track(page, sample_site, scheme):
    open_report(page, sample_site)
    page.evaluate("s => document.body.setAttribute('data-md-color-scheme', s)", scheme)
    ratios = page.evaluate(CONTRAST_JS)
    assert ratios and min(ratios) >= 3, ratios


def test_a_focused_link_is_never_hidden_under_the_sticky_header(page, sample_site):
    """WCAG 2.2 2.4.11: tabbing to a link scrolls it into view below the header, not under it."""
    open_report(page, sample_site)
    links = page.locator("table.pb-matrix a")
    count = links.count()
    assert count > 20
    hidden = []
    for index in range(0, count, 7):
        link = links.nth(index)
        # Put the link just under the top edge, where the sticky header sits, then focus it as Tab would.
        link.evaluate("a => { window.scrollTo(0, a.getBoundingClientRect().top + window.scrollY - 5); }")
        link.focus()
        state = link.evaluate(
            """a => { a.scrollIntoView({block: 'nearest'}); const header = document.querySelector('.md-header').getBoundingClientRect();
                 const box = a.getBoundingClientRect(); return {top: box.top, header: header.bottom}; }"""
        )
        if state["top"] < state["header"] - 0.5:
            hidden.append((squash(link.inner_text()), state))
    assert not hidden, hidden


def test_report_works_without_javascript(no_js_page, sample_site):
    page = open_report(no_js_page, sample_site)
    assert "no-js" in page.evaluate("document.documentElement.className"), "JavaScript ran in a no-JS context"
    expect(page.locator("ul.pb-domains .pb-bar").first).to_be_visible()
    table = page.locator("table.pb-matrix")
    expect(table).to_be_visible()
    rows = table.locator("tbody th[scope=row]")
    assert rows.count() == 20
    for index in range(rows.count()):
        expect(rows.nth(index)).to_be_visible()
    expect(matrix_row(page, MISSING_CODE).get_by_text("Aucune preuve", exact=True)).to_be_visible()
    expect(page.locator(".pb-summary__line")).to_be_visible()


def test_report_page_raises_no_script_error(page, sample_site):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(sample_site.url(REPORT), wait_until="load")
    page.evaluate("() => new Promise(resolve => requestAnimationFrame(() => resolve(null)))")
    assert errors == []


# -- the downloadable twins -----------------------------------------------------


def test_report_json_download_agrees_with_portfolio_check(page, sample_site, sample_check):
    open_report(page, sample_site)
    document = json.loads(download(page, "report.json").decode("utf-8"))
    assert document["summary"] == sample_check["summary"]
    assert document["summary"]["covered"] == 19 and document["summary"]["competencies"] == 20
    assert document["missing"] == sample_check["missing"] == [MISSING_CODE]
    assert {c["code"]: c["evidence"] for c in document["competencies"]} == {
        c["code"]: c["evidence"] for c in sample_check["competencies"]
    }
    assert document == sample_check


def test_report_csv_download_is_french_spreadsheet_csv_agreeing_with_check(page, sample_site, sample_check):
    open_report(page, sample_site)
    data = download(page, "report.csv")
    assert data.startswith(codecs.BOM_UTF8), f"no UTF-8 BOM: {data[:20]!r}"
    text = data[len(codecs.BOM_UTF8) :].decode("utf-8")  # strict: the whole file is UTF-8
    assert not text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert len(header) > 3, f"not ';'-separated: {header}"
    assert len(body) == 20 == len(sample_check["competencies"])
    assert all(len(row) == len(header) for row in body), [len(row) for row in body]

    column = {name: index for index, name in enumerate(header)}
    for name in ("code", "nombre de preuves", "chemins"):
        assert name in column, f"CSV column {name!r} missing from {header}"
    expected = by_code(sample_check)
    assert [row[column["code"]] for row in body] == list(expected)
    for row in body:
        competency = expected[row[column["code"]]]
        paths = [p for p in row[column["chemins"]].split(" | ") if p]
        assert sorted(paths) == sorted(competency["evidence"]), row
        assert int(row[column["nombre de preuves"]]) == len(competency["evidence"]), row
    missing = [row[column["code"]] for row in body if int(row[column["nombre de preuves"]]) == 0]
    assert missing == sample_check["missing"]
    covered = sum(1 for row in body if int(row[column["nombre de preuves"]]) > 0)
    assert covered == sample_check["summary"]["covered"]
