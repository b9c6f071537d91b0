"""The report (and the attestation) printed with Chromium's print (issue 3, section 4; issue 4, section 4).

Printing lays the page out at the printable width of the paper. A4 is 210 mm
wide; the printable width is what the stylesheet's ``@page`` margins leave of
it. The layout checks set the viewport to that width and emulate print media,
which is what Chromium does when it prints.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from ._support import ATTESTATION, BROWSER, REPORT, require_browser

require_browser()

from playwright.sync_api import expect  # noqa: E402 - once we know Playwright is there

pytestmark = BROWSER

A4_MM = (210.0, 297.0)
A4_POINTS = (595.92, 842.88)  # what Chromium writes in the PDF's MediaBox
PX_PER_MM = 96 / 25.4
UNIT_MM = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72, "pc": 25.4 / 6, "px": 25.4 / 96, "q": 0.25}

# The parts of Material's chrome that must not print.
CHROME = {
    "header": ".md-header",
    "tabs": ".md-tabs",
    "primary sidebar (nav)": ".md-sidebar--primary",
    "secondary sidebar (toc)": ".md-sidebar--secondary",
    "nav": "nav.md-nav--primary",
    "search": ".md-search",
    "footer": ".md-footer",
    "back to top": ".md-top",
    "skip link": ".md-skip",
}

PAGE_MARGINS_JS = """
() => {
  const found = [];
  const visit = rules => {
    for (const rule of rules) {
      if (rule.type === CSSRule.PAGE_RULE) {
        found.push({left: rule.style.marginLeft, right: rule.style.marginRight, size: rule.style.getPropertyValue('size')});
      } else if (rule.cssRules && (rule.type !== CSSRule.MEDIA_RULE || /\\bprint\\b|\\ball\\b/.test(rule.media.mediaText))) {
        visit(rule.cssRules);
      }
    }
  };
  for (const sheet of document.styleSheets) {
    try { visit(sheet.cssRules); } catch (e) { /* a cross-origin sheet */ }
  }
  return found;
}
"""

CHROME_STATE_JS = """
selector => [...document.querySelectorAll(selector)].map(el => {
  const box = el.getBoundingClientRect();
  return {display: getComputedStyle(el).display, visible: el.checkVisibility({visibilityProperty: true}) && box.width > 0 && box.height > 0};
})
"""


def to_mm(length: str) -> float:
    match = re.fullmatch(r"\s*(-?[\d.]+)\s*([a-zA-Z]*)\s*", length or "")
    if not match:
        return 0.0
    value, unit = float(match.group(1)), match.group(2).lower() or "px"
    if value == 0:
        return 0.0
    assert unit in UNIT_MM, f"@page margin in an unexpected unit: {length!r}"
    return value * UNIT_MM[unit]


def printable_width_px(page: Any) -> float:
    """The width of A4 less the left and right margins the stylesheet's @page sets."""
    rules = page.evaluate(PAGE_MARGINS_JS)
    left = right = 0.0
    for rule in rules:  # later rules win, as in the cascade
        if rule["left"]:
            left = to_mm(rule["left"])
        if rule["right"]:
            right = to_mm(rule["right"])
    return (A4_MM[0] - left - right) * PX_PER_MM


def open_for_print(page: Any, site: Any, path: str) -> float:
    """Open ``path`` laid out as Chromium prints it on A4; return the printable width in px."""
    response = page.goto(site.url(path))
    assert response is not None and response.status == 200
    width = printable_width_px(page)
    page.set_viewport_size({"width": int(width), "height": int(A4_MM[1] * PX_PER_MM)})
    page.emulate_media(media="print")
    return width


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """The (width, height) in points of each page of a Chromium PDF (its MediaBoxes)."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in boxes]


@pytest.mark.parametrize(("site_name", "path"), [("sample_site", REPORT), ("echec_site", ATTESTATION)])
def test_prints_to_an_a4_pdf(page, request, site_name, path):
    site = request.getfixturevalue(site_name)
    response = page.goto(site.url(path))
    assert response is not None and response.status == 200
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF-"), pdf[:16]
    assert pdf.rstrip().endswith(b"%%EOF")
    pages = pdf_pages(pdf)
    assert pages, "no page in the PDF"
    for width, height in pages:
        assert abs(width - A4_POINTS[0]) < 1 and abs(height - A4_POINTS[1]) < 1, (width, height)


def test_print_stylesheet_sets_a4_margins(page, sample_site):
    page.goto(sample_site.url(REPORT))
    rules = page.evaluate(PAGE_MARGINS_JS)
    assert any(rule["size"].strip().upper().startswith("A4") for rule in rules), rules
    assert 100 * PX_PER_MM < printable_width_px(page) <= A4_MM[0] * PX_PER_MM


@pytest.mark.parametrize(("site_name", "path"), [("sample_site", REPORT), ("echec_site", ATTESTATION)])
def test_print_hides_header_nav_sidebars_and_search(page, request, site_name, path):
    site = request.getfixturevalue(site_name)
    page.goto(site.url(path))
    # On screen, at desktop width, the chrome is there (so the check below means something).
    # The report and the attestation give their whole width to the page: no side navigation.
    for name in ("header", "search"):
        assert page.locator(CHROME[name]).count() >= 1, f"no {name} ({CHROME[name]}) on the page"
    expect(page.locator(CHROME["header"]).first).to_be_visible()

    open_for_print(page, site, path)
    shown = []
    for name, selector in CHROME.items():
        for state in page.evaluate(CHROME_STATE_JS, selector):
            if state["display"] != "none" and state["visible"]:
                shown.append(f"{name} ({selector}): display {state['display']}")
    assert not shown, "printed although it is chrome:\n" + "\n".join(shown)
    expect(page.locator("article h1").first).to_be_visible()


def test_printed_matrix_is_visible_and_fits_the_a4_width(page, sample_site):
    width = open_for_print(page, sample_site, REPORT)
    table = page.locator("table.pb-matrix")
    expect(table).to_be_visible()
    geometry = table.evaluate(
        """t => {
          const box = t.getBoundingClientRect();
          const wrap = t.parentElement;
          return {left: box.left, right: box.right, width: box.width,
                  scrollWidth: t.scrollWidth, clientWidth: t.clientWidth,
                  wrapScroll: wrap.scrollWidth, wrapClient: wrap.clientWidth,
                  pageScroll: document.documentElement.scrollWidth};
        }"""
    )
    assert geometry["width"] <= width + 0.5, f"matrix {geometry['width']:.0f}px wide, A4 prints {width:.0f}px: {geometry}"
    assert geometry["left"] >= -0.5 and geometry["right"] <= width + 0.5, geometry
    # Nothing inside the matrix overflows it, and nothing is scrolled out of sight.
    assert geometry["scrollWidth"] <= geometry["clientWidth"] + 1, geometry
    assert geometry["wrapScroll"] <= geometry["wrapClient"] + 1, geometry
    assert geometry["pageScroll"] <= int(width) + 1, geometry
    # Every competency row prints.
    rows = table.locator("tbody th[scope=row]")
    assert rows.count() == 20
    for index in range(rows.count()):
        expect(rows.nth(index)).to_be_visible()
    # Each cell ends inside the printable width.
    overflowing = table.evaluate(
        f"""t => [...t.querySelectorAll('th, td')]
              .filter(c => c.getBoundingClientRect().right > {width} + 0.5 || c.scrollWidth > c.clientWidth + 1)
              .map(c => c.textContent.trim().slice(0, 60))"""
    )
    assert overflowing == [], overflowing


def test_printed_matrix_rows_do_not_split_across_pages(page, sample_site):
    open_for_print(page, sample_site, REPORT)
    breaks = page.locator("table.pb-matrix tr").evaluate_all(
        "rows => rows.map(r => getComputedStyle(r).breakInside)"
    )
    assert breaks and set(breaks) == {"avoid"}, breaks
    # The header row repeats on every printed page.
    assert page.locator("table.pb-matrix thead").evaluate("h => getComputedStyle(h).display") == "table-header-group"


# -- issue 13: pages counted and text read with poppler (pdfinfo, pdftotext) ------------

import shutil  # noqa: E402
import subprocess  # noqa: E402

POPPLER = shutil.which("pdfinfo") and shutil.which("pdftotext")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdfinfo, pdftotext) is not installed")


def chromium_print(page: Any, site: Any, path: str, tmp_path: Any) -> Any:
    """Chromium's print with default settings (A4, default margins), as a jury prints the page."""
    response = page.goto(site.url(path))
    assert response is not None and response.status == 200
    page.emulate_media(media="print")
    target = tmp_path / "printed.pdf"
    target.write_bytes(page.pdf(format="A4"))
    return target


def poppler_pages(pdf: Any) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    return [
        subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        for n in range(1, count + 1)
    ]


@needs_poppler
def test_the_report_prints_on_at_most_4_a4_pages(page, sample_site, tmp_path):
    pages = poppler_pages(chromium_print(page, sample_site, REPORT, tmp_path))
    assert 1 <= len(pages) <= 4, f"{len(pages)} pages"
    text = "\n".join(pages)
    for code in [c["code"] for c in sample_site.report()["competencies"]]:
        assert re.search(rf"(?m)^\s*{re.escape(code)}\s", text), f"{code} is not printed"


@needs_poppler
def test_the_attestation_prints_on_exactly_one_page(page, echec_site, tmp_path):
    pages = poppler_pages(chromium_print(page, echec_site, ATTESTATION, tmp_path))
    assert len(pages) == 1, f"{len(pages)} pages"
    assert "Pour le jury" in pages[0]


@needs_poppler
def test_no_word_is_broken_and_each_domain_header_stays_with_its_first_row(page, sample_site, tmp_path):
    pages = poppler_pages(chromium_print(page, sample_site, REPORT, tmp_path))
    text = "\n".join(pages)
    assert "\u2010" not in text and "\u00ad" not in text, "a word was hyphenated"
    words = set(re.findall(r"[\wÀ-ÿ]+", text))
    report = sample_site.report()
    titles = [c["title"] for c in report["competencies"]] + [e["title"] for e in report["evidence"]]
    broken = sorted({w for title in titles for w in re.findall(r"[\wÀ-ÿ]{5,}", title) if w not in words})
    assert not broken, f"words cut on paper: {broken}"
    for domain in report["domains"]:
        first = next(c["code"] for c in report["competencies"] if c["domain"] == domain["code"])
        header = re.compile(rf"(?m)^\s*{re.escape(domain['code'])} {re.escape(domain['title'][:20])}")
        row = re.compile(rf"(?m)^\s*{re.escape(first)}\s")
        on = [n for n, p in enumerate(pages) if header.search(p)]
        assert on, f"domain {domain['code']} header not printed"
        assert row.search(pages[on[-1]]), f"{domain['code']}'s header ends page {on[-1] + 1} without {first}"


def test_links_to_other_sites_print_their_address(page, sample_site):
    page.goto(sample_site.url("externes/site-club-randonnee/"))  # an attachment on another site
    page.emulate_media(media="print")
    shown = page.evaluate(
        """() => [...document.querySelectorAll('article a[href^="http"]')].map(a => getComputedStyle(a, '::after').content)"""
    )
    assert shown and all("http" in content for content in shown), shown
    internal = page.evaluate(
        """() => [...document.querySelectorAll('article a:not([href^="http"]):not([href^="mailto:"])')].map(a => getComputedStyle(a, '::after').content)"""
    )
    assert all(c in ("none", "normal", "") for c in internal), internal
