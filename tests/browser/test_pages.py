"""Evidence pages, competency pages and the home page of the sample dossier (issue 3, sections 2, 3, 5)."""

from __future__ import annotations

import re
from typing import Any

from ._support import (
    BROWSER,
    EVIDENCE,
    EXTERNAL_EVIDENCE,
    MISSING_CODE,
    MISSING_TITLE,
    TYPE_LABELS,
    by_code,
    competency_url,
    page_url,
    require_browser,
)

require_browser()

from playwright.sync_api import expect  # noqa: E402 - once we know Playwright is there

pytestmark = BROWSER

CLAIMS_JS = """
card => [...card.querySelectorAll('a.pb-claim__competency')].map(a => ({
  href: a.href,
  code: (a.querySelector('.pb-code') || a).textContent.trim(),
  text: a.textContent.replace(/\\s+/g, ' ').trim(),
}))
"""


# What the loops over every page read, in one call per page (each locator call is a round
# trip through Playwright's driver to the page).
EVIDENCE_PAGE_JS = f"""
() => {{
  const cards = document.querySelectorAll('aside.pb-evidence');
  if (cards.length !== 1) return {{cards: cards.length}};
  const labels = cards[0].querySelectorAll('.pb-type');
  return {{cards: 1, labels: [...labels].map(l => l.innerText), claims: ({CLAIMS_JS.strip()})(cards[0])}};
}}
"""
ATTACHMENTS_JS = """
() => ({
  items: document.querySelectorAll('aside.pb-evidence ul.pb-attachments > li').length,
  links: [...document.querySelectorAll('aside.pb-evidence ul.pb-attachments a')].map(a => ({
    text: a.textContent, href: a.href, item: a.closest('li') ? a.closest('li').innerText : '',
  })),
})
"""
COMPETENCY_PAGE_JS = """
() => {
  const norm = text => text.replace(/\\s+/g, ' ').trim();
  const heading = document.querySelector('article h1');
  const article = document.querySelector('article');
  // As get_by_text("Aucune preuve", exact=True): the innermost elements with exactly that text.
  const saying = element => norm(element.textContent) === 'Aucune preuve';
  return {
    heading: heading ? heading.innerText : null,
    article: article ? article.innerText : '',
    links: [...document.querySelectorAll('.pb-evidence-item a.pb-evidence-link')].map(a => a.href),
    none: [...document.body.querySelectorAll('*')].filter(e => saying(e) && ![...e.children].some(saying)).length,
  };
}
"""


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def visit(page: Any, site: Any, path: str) -> Any:
    response = page.goto(site.url(path))
    assert response is not None and response.status == 200, f"{site.url(path)} → {response and response.status}"
    return page


def evidence_of(report: dict[str, Any], url: str) -> dict[str, Any]:
    (found,) = [e for e in report["evidence"] if page_url(e["path"]) == url]
    return found


# -- evidence pages ---------------------------------------------------------------


def test_evidence_header_card_shows_french_type_date_context_and_claims(page, sample_site):
    report = sample_site.report()
    evidence = evidence_of(report, EVIDENCE)
    visit(page, sample_site, EVIDENCE)
    card = page.locator("aside.pb-evidence")
    expect(card).to_have_count(1)
    expect(card).to_be_visible()
    expect(card.locator(".pb-type")).to_have_text(TYPE_LABELS[evidence["type"]])
    assert TYPE_LABELS[evidence["type"]] == "Production issue d'un enseignement"
    expect(card.locator(f"time[datetime='{evidence['date']}']")).to_be_visible()
    assert evidence["context"] in squash(card.inner_text())

    competencies = by_code(report)
    claims = card.evaluate(CLAIMS_JS)
    assert [claim["code"] for claim in claims] == evidence["competencies"]
    for claim in claims:
        assert sample_site.path_of(claim["href"]) == competency_url(claim["code"]), claim
        assert claim["text"] == f"{claim['code']} {competencies[claim['code']]['title']}", claim
    # Each claim comes with the student's argument.
    arguments = card.locator(".pb-claim .pb-claim__argument").all_inner_texts()
    assert len(arguments) == len(claims) and all(squash(a) for a in arguments), arguments


def test_card_sits_above_the_students_markdown(page, sample_site):
    visit(page, sample_site, EVIDENCE)
    order = page.evaluate(
        """() => {
          const card = document.querySelector('aside.pb-evidence');
          const h1 = document.querySelector('article h1');
          const text = [...document.querySelectorAll('article h2')].find(h => !card.contains(h));
          const before = (a, b) => !!(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
          return {afterTitle: before(h1, card), beforeContent: before(card, text),
                  content: text.textContent};
        }"""
    )
    assert order["afterTitle"] and order["beforeContent"], order


def test_every_evidence_page_shows_its_type_label_and_claimed_competencies(no_js_page, sample_site):
    # The card is rendered at build time: a no-JS page checks it twice as fast.
    page = no_js_page
    report = sample_site.report()
    assert len(report["evidence"]) == 15
    wrong = []
    for evidence in report["evidence"]:
        url = page_url(evidence["path"])
        shown = visit(page, sample_site, url).evaluate(EVIDENCE_PAGE_JS)
        if shown["cards"] != 1:
            wrong.append(f"{url}: {shown['cards']} evidence cards")
            continue
        labels = [squash(label) for label in shown["labels"]]
        if labels != [TYPE_LABELS[evidence["type"]]]:
            wrong.append(f"{url}: type labels {labels!r}, expected {TYPE_LABELS[evidence['type']]!r}")
        claims = shown["claims"]
        got = {(c["code"], sample_site.path_of(c["href"])) for c in claims}
        expected = {(code, competency_url(code)) for code in evidence["competencies"]}
        if got != expected:
            wrong.append(f"{url}: claims {sorted(got)}, expected {sorted(expected)}")
    assert not wrong, "\n".join(wrong)


def test_claimed_competency_link_leads_to_a_page_that_links_back_with_the_argument(page, sample_site):
    report = sample_site.report()
    visit(page, sample_site, EVIDENCE)
    claim = page.locator("aside.pb-evidence li.pb-claim", has=page.locator(".pb-code", has_text="D1.2"))
    expect(claim).to_have_count(1)
    argument = squash(claim.locator(".pb-claim__argument").inner_text())
    claim.locator("a.pb-claim__competency").click()
    page.wait_for_url(sample_site.url(competency_url("D1.2")))
    heading = squash(page.locator("article h1").first.inner_text())
    assert heading == f"D1.2 {by_code(report)['D1.2']['title']}"
    back = page.locator(".pb-evidence-item").filter(
        has=page.locator(f"a.pb-evidence-link[href$='{EVIDENCE}']")
    )
    expect(back).to_have_count(1)
    assert argument in squash(back.inner_text())


def test_external_production_shows_its_commentary(page, sample_site):
    evidence = evidence_of(sample_site.report(), EXTERNAL_EVIDENCE)
    assert evidence["type"] == "external"
    visit(page, sample_site, EXTERNAL_EVIDENCE)
    card = page.locator("aside.pb-evidence")
    expect(card.locator(".pb-type")).to_have_text("Production externe commentée")
    commentary = card.locator(".pb-commentary")
    expect(commentary).to_be_visible()
    assert len(squash(commentary.inner_text())) > 20


def test_attachments_are_listed_with_a_working_link(no_js_page, sample_site):
    page = no_js_page
    report = sample_site.report()
    with_files = [e for e in report["evidence"] if e["attachments"]]
    assert with_files, "the sample has attachments"
    wrong = []
    for evidence in with_files:
        url = page_url(evidence["path"])
        shown = visit(page, sample_site, url).evaluate(ATTACHMENTS_JS)
        if shown["items"] != len(evidence["attachments"]):
            wrong.append(f"{url}: {shown['items']} attachments shown, {len(evidence['attachments'])} declared")
            continue
        for attachment in evidence["attachments"]:
            # As locator("… a", has_text=title): the links whose text holds the title, any case.
            named = [link for link in shown["links"] if squash(attachment["title"]).lower() in squash(link["text"]).lower()]
            if len(named) != 1:
                wrong.append(f"{url}: no link named {attachment['title']!r}")
                continue
            href = named[0]["href"]
            if "url" in attachment:
                if href != attachment["url"]:
                    wrong.append(f"{url}: {attachment['title']!r} links to {href}, not {attachment['url']}")
                continue
            if sample_site.path_of(href) != attachment["path"]:
                wrong.append(f"{url}: {attachment['title']!r} links to {href}, not {attachment['path']}")
            response = page.request.get(href)
            if response.status != 200 or len(response.body()) != attachment["size"]:
                wrong.append(f"{href}: HTTP {response.status}, {len(response.body())} bytes, {attachment['size']} expected")
            item = squash(named[0]["item"])
            if not re.search(r"\(\d+(,\d+)? ?(o|Ko|Mo)\)", item):
                wrong.append(f"{url}: no size shown for {attachment['title']!r}: {item!r}")
    assert not wrong, "\n".join(wrong)


# -- competency pages -------------------------------------------------------------


def test_competency_page_lists_its_evidence_with_arguments_and_types(page, sample_site):
    report = sample_site.report()
    competency = by_code(report)["D1.1"]
    types = {page_url(e["path"]): e["type"] for e in report["evidence"]}
    visit(page, sample_site, competency_url("D1.1"))
    expect(page.locator("article h1").first).to_have_text(re.compile(r"D1\.1\s+Organiser un espace de travail complexe"))
    facts = squash(page.locator("dl.pb-facts").first.inner_text())
    assert "D1 Travailler dans un environnement numérique évolutif" in facts

    items = page.locator(".pb-evidence-item")
    assert items.count() == len(competency["evidence"]) == 2
    for index in range(items.count()):
        item = items.nth(index)
        href = item.locator("a.pb-evidence-link").evaluate("a => a.href")
        target = sample_site.path_of(href)
        assert target in {page_url(p) for p in competency["evidence"]}
        argument = squash(item.locator(".pb-claim__argument").inner_text())
        assert argument.startswith("Argument :") and len(argument) > len("Argument :") + 10, argument
        expect(item.locator(".pb-type")).to_have_text(TYPE_LABELS[types[target]])
    expect(page.get_by_text("Aucune preuve")).to_have_count(0)


def test_missing_competency_page_shows_aucune_preuve(page, sample_site):
    visit(page, sample_site, competency_url(MISSING_CODE))
    expect(page.locator("article h1").first).to_have_text(re.compile(rf"{re.escape(MISSING_CODE)}\s+{MISSING_TITLE}"))
    flag = page.get_by_text("Aucune preuve", exact=True)
    expect(flag).to_have_count(1)
    expect(flag).to_be_visible()
    expect(page.locator(".pb-evidence-item")).to_have_count(0)
    assert "manquante" in squash(page.locator("dl.pb-facts").first.inner_text())


def test_every_competency_page_matches_the_report(no_js_page, sample_site):
    page = no_js_page
    report = sample_site.report()
    domains = {d["code"]: d["title"] for d in report["domains"]}
    wrong = []
    for competency in report["competencies"]:
        code = competency["code"]
        seen = visit(page, sample_site, competency_url(code)).evaluate(COMPETENCY_PAGE_JS)
        heading = squash(seen["heading"] or "")
        if heading != f"{code} {competency['title']}":
            wrong.append(f"{code}: heading {heading!r}")
        if f"{competency['domain']} {domains[competency['domain']]}" not in squash(seen["article"]):
            wrong.append(f"{code}: domain not shown")
        shown = sorted(sample_site.path_of(href) for href in seen["links"])
        if shown != sorted(page_url(p) for p in competency["evidence"]):
            wrong.append(f"{code}: evidence {shown}")
        says_none = seen["none"] == 1
        if says_none != (not competency["evidence"]):
            wrong.append(f"{code}: 'Aucune preuve' shown={says_none} with {len(competency['evidence'])} evidence")
    assert not wrong, "\n".join(wrong)


# -- home page and navigation -----------------------------------------------------


def test_home_page_shows_the_dossier_and_its_progress(page, sample_site):
    report = sample_site.report()
    visit(page, sample_site, "")
    card = page.locator(".pb-home")
    expect(card).to_be_visible()
    text = squash(card.inner_text())
    for fact in ("Léa Moreau", report["referential"]["title"], "Université de Valcourt", "2027-juin", "entraînement"):
        assert fact in text, (fact, text)
    assert "19 / 20" in text
    missing = card.get_by_role("link", name=re.compile(re.escape(MISSING_CODE)))
    expect(missing).to_have_count(1)
    assert sample_site.path_of(missing.evaluate("a => a.href")) == competency_url(MISSING_CODE)


def test_navigation_order(page, sample_site):
    visit(page, sample_site, "")
    labels = page.evaluate(
        """() => [...document.querySelectorAll('nav.md-nav--primary > ul.md-nav__list > li')]
              .map(li => li.querySelector('.md-nav__link').textContent.replace(/\\s+/g, ' ').trim())"""
    )
    assert labels[0] == "Accueil", labels
    assert labels[-2:] == ["Compétences", "Rapport de couverture"], labels
    assert len(labels) > 3, "the student's evidence sections sit between home and the generated pages"
