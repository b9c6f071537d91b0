"""Issue 15 on the site: levels where the referential has them (the CRCN sample), nothing
new where it has none, the QCM setting and the conditions on the report page."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from tests.conftest import evidence_page
from tests.site.conftest import ROOT, build_site

CRCN_SAMPLE = ROOT / "sample_dnc" / "crcn"
pytestmark = pytest.mark.xdist_group("test_levels_site")  # its module fixture built once (make test: --dist loadgroup)


@pytest.fixture(scope="module")
def crcn(tmp_path_factory):
    work = tmp_path_factory.mktemp("crcn")
    shutil.copytree(CRCN_SAMPLE, work / "crcn")
    return build_site(work / "crcn", work / "site")


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_crcn_sample_report_shows_levels(crcn):
    html = crcn.html("portfolio/report/")
    # Issue 13: complex-table markup (ids) and no de-duplicated Types column: 8 columns.
    assert '<th scope="col" id="pb-m-level">Niveau</th>' in html
    assert 'colspan="8"' in html
    plain = text(html)
    assert "niveau validé 4 (Indépendant) (tuteur) · niveau revendiqué 4 (Indépendant)" in plain
    assert "Niveaux de maîtrise : 1 à 8 — Novice (1–2), Indépendant (3–4), Avancé (5–6), Expert (7–8)" in plain
    assert "« Avancé » (5–6) et « Expert » (7–8)" in plain  # the caveat on the unconfirmed names


def test_crcn_sample_report_json_and_csv(crcn):
    report = json.loads((crcn.site / "report.json").read_text(encoding="utf-8"))
    row = next(r for r in report["competencies"] if r["code"] == "2.3")
    assert row["level"] == {"evidenced": 4, "reviewed": 3, "decided": None, "validated": 3, "validated_by": "review", "required": None}
    assert report["referential"]["levels"]["max"] == 8
    csv = (crcn.site / "report.csv").read_text(encoding="utf-8-sig").splitlines()
    assert csv[0].endswith(";niveau revendiqué;niveau validé")


def test_crcn_competency_pages_and_cards(crcn):
    page = text(crcn.html("portfolio/competencies/1-1/"))
    assert "niveau revendiqué 5" not in page
    assert "niveau revendiqué 4 (Indépendant)" in page and "niveau évalué (tuteur) 4 (Indépendant)" in page
    assert "niveau reconnu (jury) —" in page
    overview = text(crcn.html("portfolio/competencies/"))
    assert "niveau validé 4 (Indépendant)" in overview
    card = text(crcn.html("productions/revue-de-presse-ecrans/"))
    assert "Niveau 4 (Indépendant)" in card


def test_a_referential_without_levels_has_no_level_column(project, tmp_path):
    root = project({"docs/a.md": evidence_page("D1.1")})
    built = build_site(root, tmp_path / "site")
    html = built.html("portfolio/report/")
    assert 'id="pb-m-level"' not in html and 'colspan="7"' in html  # issue 13: the Types column is gone
    assert "pb-level" not in built.html("portfolio/competencies/d1-1/")


def test_report_page_says_which_qcm_setting_applied(project, tmp_path):
    jury = (
        "session: 2024-juin\ndate: 2024-06-20\ninstitution: U\nmembers: [Mme Durand]\ndecisions:\n  D1.1: validated\n"
        "qcm_required:\n  D4: false\n"
    )
    root = project(
        {"docs/a.md": evidence_page("D1.1"), "jury.yml": jury},
        portfolio={"referential": "c2i2mi-2011", "institution": "U", "session": "2024-juin"},
    )
    plain = text(build_site(root, tmp_path / "site").html("portfolio/report/"))
    assert "QCM exigé — D1, D2, D3, D5 : règle par défaut du référentiel ; certitude : probable, à confirmer" in plain
    assert "QCM non exigé — D4 : décidé par le jury pour cette session (jury.yml)" in plain


def test_condition_and_early_outcome_on_the_report(project, tmp_path):
    from portfolio_builder.core.referential import load_shipped

    codes = list(load_shipped("c2i2e-2011").competencies)
    decisions = "".join(f"  {c}: {'not_validated' if c.startswith('B.2-') and c[-1] in '123' else 'validated'}\n" for c in codes[:-2])
    jury = "session: 2024-juin\ndate: 2024-06-20\ninstitution: U\nmembers: [Mme Durand]\ndecisions:\n" + decisions
    root = project(
        {"docs/a.md": evidence_page(*codes), "jury.yml": jury},
        portfolio={"referential": "c2i2e-2011", "institution": "U", "session": "2024-juin"},
    )
    built = build_site(root, tmp_path / "site")
    plain = text(built.html("portfolio/report/"))
    assert "Non certifié" in plain
    assert "3 compétences non validées dans le domaine B.2 (maximum 2)" in plain
    assert "Encore non statué" in plain and "décision du jury pour B.4-2" in plain
    assert "attestation par le jury : au moins une situation réelle" in plain
    assert "à attester par le jury" in plain  # the condition's status in the jury section


def test_a_hostile_condition_name_is_escaped(project, tmp_path):
    jury = (
        "session: 2024-juin\ndate: 2024-06-20\ninstitution: U\nmembers: [Mme Durand]\ndecisions:\n  A.1-1: validated\n"
        "conditions:\n  '<img src=x onerror=alert(1)>': met\n"
    )
    root = project(
        {"docs/a.md": evidence_page("A.1-1"), "jury.yml": jury},
        portfolio={"referential": "c2i2e-2011", "institution": "U", "session": "2024-juin"},
    )
    html = build_site(root, tmp_path / "site").html("portfolio/report/")
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "[unknown-condition]" in html
