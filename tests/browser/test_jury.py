"""The jury's decision on the report and the attestation page (issue 4, section 4).

``sample_dnc/echec-qcm``: every competency validated, but the D2 QCM failed, so
the candidate is not certified and is attested domains D1, D3, D4 and D5. The
sample dossier of Léa Moreau has no jury file: its report shows a forecast.
"""

from __future__ import annotations

import re
from typing import Any

from ._support import ATTESTATION, BROWSER, REPORT, by_code, require_browser

require_browser()

from playwright.sync_api import expect  # noqa: E402 - once we know Playwright is there

pytestmark = BROWSER

REASON = "QCM du domaine D2 non réussi"
ATTESTED = ["D1", "D3", "D4", "D5"]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def visit(page: Any, site: Any, path: str) -> Any:
    response = page.goto(site.url(path))
    assert response is not None and response.status == 200, f"{site.url(path)} → {response and response.status}"
    return page


def jury_section(page: Any) -> Any:
    heading = page.get_by_role("heading", name="Décision du jury", exact=True)
    return page.locator("section").filter(has=heading)


def test_report_shows_the_jury_decision_and_its_reason(page, echec_site):
    visit(page, echec_site, REPORT)
    section = jury_section(page)
    expect(section).to_have_count(1)
    expect(section).to_be_visible()
    text = squash(section.inner_text())
    assert "Non certifié" in text
    reasons = [squash(r) for r in section.locator("li").all_inner_texts()]
    assert REASON in reasons, reasons
    assert "D1, D3, D4, D5" in text
    outcome = section.get_by_text(re.compile(r"^\W*Non certifié$"))
    expect(outcome).to_be_visible()


def test_report_shows_the_qcm_beside_each_domain_and_the_decision_beside_each_competency(page, echec_site):
    visit(page, echec_site, REPORT)
    report = echec_site.report()
    qcm = {}
    for domain in report["domains"]:
        item = page.locator(".pb-domain", has_text=re.compile(rf"^\s*{domain['code']}\b"))
        expect(item).to_have_count(1)
        qcm[domain["code"]] = squash(item.inner_text())
    assert "QCM non réussi" in qcm["D2"], qcm["D2"]
    assert all("QCM réussi" in qcm[code] for code in ATTESTED), qcm
    decisions = page.locator("table.pb-matrix tbody tr").filter(has=page.locator("th[scope=row]"))
    assert decisions.count() == len(by_code(report)) == 20
    for index in range(decisions.count()):
        assert "validée" in squash(decisions.nth(index).inner_text())
    d2 = page.locator("table.pb-matrix tr.pb-matrix__domain th", has_text=re.compile(r"^\s*D2\b"))
    assert "non validé" in squash(d2.inner_text())


def test_report_links_to_the_attestation(page, echec_site):
    visit(page, echec_site, REPORT)
    jury_section(page).get_by_role("link", name=re.compile("attestation", re.IGNORECASE)).click()
    page.wait_for_url(echec_site.url(ATTESTATION))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Attestation")


def test_attestation_lists_the_validated_domains_and_not_d2(page, echec_site):
    report = echec_site.report()
    visit(page, echec_site, ATTESTATION)
    attestation = page.locator("article.pb-attestation")
    expect(attestation).to_be_visible()
    domains = [squash(code) for code in attestation.locator("h2 .pb-code").all_inner_texts()]
    assert domains == ATTESTED
    listed = [squash(code) for code in attestation.locator("li .pb-code").all_inner_texts()]
    expected = [c["code"] for c in report["competencies"] if c["domain"] in ATTESTED]
    assert listed == expected
    assert not [code for code in listed if code.startswith("D2.")]
    text = squash(attestation.inner_text())
    for fact in ("Thomas Girard", "Université de Valcourt", "2026-juin", "24 juin 2026", "Pr. Anne Delmas", "Non certifié", REASON):
        assert fact in text, (fact, text)


def test_report_without_jury_shows_a_labelled_forecast_not_a_decision(page, sample_site):
    visit(page, sample_site, REPORT)
    expect(page.get_by_role("heading", name="Décision du jury", exact=True)).to_have_count(0)
    forecast = page.locator("section.pb-forecast")
    expect(forecast).to_be_visible()
    text = squash(forecast.inner_text())
    assert "prévision" in text.lower() and "pas une décision du jury" in text, text


def test_echec_report_json_agrees_with_portfolio_check(page, echec_site, echec_check):
    visit(page, echec_site, REPORT)
    href = page.locator("a[download][href$='report.json']").evaluate("a => a.href")
    response = page.request.get(href)
    assert response.status == 200
    document = response.json()
    assert document["outcome"]["decision"] == "not_certified"
    assert document["outcome"]["validated_domains"] == ATTESTED
    assert document["outcome"]["reasons"] == [REASON]
    assert document == echec_check
