"""referential: the shipped referentials, local ones, ``extends`` and code suggestions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from portfolio_builder.core import datafile, referential
from portfolio_builder.core.problems import ProblemSink
from portfolio_builder.resources import referentials_dir

# id: (domains, competencies, rule, min_validated, max per domain, QCM per domain)
SHIPPED = {
    "c2i1-2011": (5, 20, "all", None, None, True),
    "c2i2e-2011": (7, 28, "threshold", 23, 2, False),
    "c2i2ms-2011": (4, 14, "all", None, None, True),
    "c2i2md-2011": (6, 18, "all", None, None, False),
    "c2i2mi-2011": (5, 19, "all", None, None, True),  # probable (issue 15): the institution may waive it
    "c2i2mead-2011": (5, 15, "all", None, None, False),
    "crcn-2019": (5, 16, "all", None, None, False),
    "digcomp-2.2": (5, 21, "all", None, None, False),
}


def test_shipped_ids():
    assert referential.shipped_ids() == sorted(SHIPPED)


@pytest.mark.parametrize("ref_id", list(SHIPPED))
def test_shipped_referential_loads_validates_and_counts(ref_id):
    domains, competencies, rule, minimum, per_domain, qcm = SHIPPED[ref_id]
    path = referential.shipped_path(ref_id)
    sink = ProblemSink(path.name)
    doc, valid = datafile.read(path, sink, "referential")
    assert valid and sink.items == []
    result = referential.load(ref_id, Path("/nonexistent"))
    assert result.problems == []
    ref = result.referential
    assert ref.id == ref_id and ref.shipped
    assert (len(ref.domains), len(ref.competencies)) == (domains, competencies)
    assert (ref.rules.validation, ref.rules.min_validated, ref.rules.max_not_validated_per_domain, ref.rules.qcm_per_domain) == (
        rule, minimum, per_domain, qcm
    )
    assert ref.title and ref.short_title and ref.legal_basis and ref.version
    codes = [c.code for d in ref.domains for c in d.competencies]
    assert len(codes) == len(set(codes)) == competencies
    for domain in ref.domains:
        assert domain.competencies, domain.code
        for comp in domain.competencies:
            assert comp.domain == domain.code and comp.title.strip() == comp.title != ""
            assert isinstance(comp.code, str) and " " not in comp.code


def test_c2i1_codes_and_titles():
    ref = referential.load_shipped("c2i1-2011")
    assert [d.code for d in ref.domains] == ["D1", "D2", "D3", "D4", "D5"]
    assert [len(d.competencies) for d in ref.domains] == [4, 4, 5, 4, 3]
    assert ref.competencies["D4.4"].title == "Organiser une veille informationnelle"
    assert ref.domain_index["D2"].title == "Être responsable à l'ère du numérique"


def test_c2i2e_domains_and_groups():
    ref = referential.load_shipped("c2i2e-2011")
    assert [(d.code, len(d.competencies)) for d in ref.domains] == [
        ("A.1", 5), ("A.2", 3), ("A.3", 4), ("B.1", 3), ("B.2", 5), ("B.3", 5), ("B.4", 3)
    ]
    assert [g[0] for g in ref.groups] == ["A", "B"]
    assert {d.group for d in ref.domains} == {"A", "B"}


def test_crcn_codes_are_text_like_1_1():
    ref = referential.load_shipped("crcn-2019")
    assert [d.code for d in ref.domains] == ["1", "2", "3", "4", "5"]
    assert "1.1" in ref.competencies and "2.3" in ref.competencies
    assert all(isinstance(code, str) for code in ref.competencies)


@pytest.mark.parametrize("ref_id", ["c2i2ms-2011", "c2i2md-2011", "c2i2mi-2011", "c2i2mead-2011"])
def test_c2i2_specialties_extend_the_common_domains(ref_id):
    ref = referential.load_shipped(ref_id)
    assert [d.code for d in ref.domains[:3]] == ["D1", "D2", "D3"]
    assert [len(d.competencies) for d in ref.domains[:3]] == [3, 3, 3]
    common = referential.load_shipped("c2i2md-2011").domains[:3]
    assert ref.domains[:3] == common


def test_the_abstract_common_part_cannot_be_used_alone():
    assert "c2i2-common-2011" not in referential.shipped_ids()
    result = referential.load("c2i2-common-2011", Path("/nonexistent"))
    assert result.referential is None
    assert [(p.code, p.line) for p in result.problems] == [("config", 8)]
    with pytest.raises(LookupError):
        referential.load_shipped("c2i2-common-2011")


def test_unknown_name():
    result = referential.load("c2i3-2011", Path("/nonexistent"))
    assert result.referential is None and result.path is None and result.problems == []
    assert referential.suggest_shipped("c2i1-2012") == "c2i1-2011"
    assert referential.suggest_shipped("zzzzzz") is None


@pytest.mark.parametrize(
    "written, known, expected",
    [
        ("d1.1", "c2i1-2011", "D1.1"),
        ("D1-1", "c2i1-2011", "D1.1"),
        ("1.1", "c2i1-2011", "D1.1"),
        ("D11", "c2i1-2011", "D1.1"),
        ("A.11", "c2i2e-2011", "A.1-1"),
        ("a1-1", "c2i2e-2011", "A.1-1"),
        ("1.10", "crcn-2019", "1.1"),
        ("", "c2i1-2011", None),
        ("zzz", "c2i1-2011", None),
    ],
)
def test_suggest(written, known, expected):
    assert referential.load_shipped(known).suggest(written) == expected


def test_suggest_domain():
    ref = referential.load_shipped("c2i1-2011")
    assert ref.suggest_domain("d2") == "D2"
    assert ref.suggest_domain("D7") is None or ref.suggest_domain("D7") in ref.domain_index


# --- local referentials -----------------------------------------------------------

HEADER = 'id: local-2024\ntitle: Référentiel local\nversion: "1"\nlanguage: fr\nsource:\n  legal_basis: délibération du CA\n'
GOOD = HEADER + (
    "domains:\n"  # 7
    "  - code: X1\n"  # 8
    "    title: Premier\n"
    "    competencies:\n"
    "      - code: X1.1\n"  # 11
    "        title: Un\n"
    "      - code: X1.2\n"  # 13
    "        title: Deux\n"
    "  - code: X2\n"  # 15
    "    title: Second\n"
    "    competencies:\n"
    "      - code: X2.1\n"  # 18
    "        title: Trois\n"
    "rules:\n"  # 20
    "  validation: threshold\n"
    "  min_validated: 2\n"  # 22
    "  max_not_validated_per_domain: 1\n"
)


def load_local(tmp_path: Path, text: str, name: str = "ref.yml"):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    result = referential.load(name, tmp_path)
    return result, [(p.code, p.file, p.line) for p in result.problems]


def test_local_referential(tmp_path):
    result, found = load_local(tmp_path, GOOD)
    assert found == []
    ref = result.referential
    assert not ref.shipped and ref.id == "local-2024"
    assert list(ref.competencies) == ["X1.1", "X1.2", "X2.1"]
    assert ref.rules == referential.Rules("threshold", 2, 1, False)
    assert ref.short_title == "Référentiel local"


def test_local_referential_by_absolute_path_and_subfolder(tmp_path):
    load_local(tmp_path, GOOD, "refs/local.yml")
    assert referential.load("refs/local.yml", tmp_path).referential.id == "local-2024"
    absolute = str(tmp_path / "refs" / "local.yml")
    assert referential.load(absolute, Path("/")).referential.id == "local-2024"


def test_every_problem_of_a_bad_local_referential_at_its_line(tmp_path):
    text = HEADER + (
        "domains:\n"  # 7
        "  - code: X1\n"  # 8
        "    title: Premier\n"
        "    competencies:\n"
        "      - code: X1.1\n"  # 11
        "        title: Un\n"
        "      - code: X1.1\n"  # 13
        "        title: Un encore\n"
        "  - code: X2\n"  # 15
        "    title: Vide\n"
        "    competencies: []\n"  # 17
        "  - code: X1\n"  # 18
        "    title: Premier encore\n"
        "    competencies:\n"
        "      - code: X3.1\n"
        "        title: Trois\n"
        "rules:\n"  # 23
        "  validation: majority\n"  # 24
    )
    result, found = load_local(tmp_path, text)
    assert result.referential is None
    assert sorted(found, key=lambda f: f[2]) == [
        ("duplicate-code", "ref.yml", 13),
        ("empty-domain", "ref.yml", 17),
        ("duplicate-code", "ref.yml", 18),
        ("unknown-rule", "ref.yml", 24),
    ]
    duplicate = next(p for p in result.problems if p.line == 13)
    assert duplicate.field == "domains[0].competencies[1].code"
    assert duplicate.message("fr") == "le code « X1.1 » est déjà utilisé"
    assert duplicate.hint("fr") == "première occurrence ligne 11"
    rule = next(p for p in result.problems if p.code == "unknown-rule")
    assert rule.message("en") == "'majority' is not allowed (all, threshold)"


def test_duplicate_code_in_a_valid_referential(tmp_path):
    result, found = load_local(tmp_path, GOOD.replace("code: X2.1", "code: X1.2"))
    assert result.referential is None
    assert found == [("duplicate-code", "ref.yml", 18)]


def test_a_competency_code_may_not_reuse_a_domain_code(tmp_path):
    _, found = load_local(tmp_path, GOOD.replace("code: X1.1", "code: X2"))
    assert found == [("duplicate-code", "ref.yml", 15)]


def test_threshold_needs_its_numbers(tmp_path):
    text = GOOD.replace("  min_validated: 2\n  max_not_validated_per_domain: 1\n", "")
    result, found = load_local(tmp_path, text)
    assert result.referential is None
    # Required *because* validation is threshold: both point at `validation`.
    assert [(c, line) for c, _, line in found] == [("schema", 21), ("schema", 21)]
    assert {p.field for p in result.problems} == {"rules.min_validated", "rules.max_not_validated_per_domain"}


def test_minimum_above_the_number_of_competencies(tmp_path):
    result, found = load_local(tmp_path, GOOD.replace("min_validated: 2", "min_validated: 4"))
    assert result.referential is None
    assert found == [("config", "ref.yml", 22)]
    assert result.problems[0].message("fr") == "minimum de 4 compétences, mais le référentiel n'en compte que 3"


def test_unquoted_numeric_codes_get_the_quote_hint(tmp_path):
    result, found = load_local(tmp_path, GOOD.replace("code: X1.1", "code: 1.10"))
    assert found == [("schema", "ref.yml", 11)]
    assert result.problems[0].hint("fr") == 'mettez la valeur entre guillemets : "1.1"'


def test_rules_are_required_unless_abstract(tmp_path):
    result, found = load_local(tmp_path, GOOD.split("rules:")[0])
    assert [c for c, _, _ in found] == ["schema"]
    assert result.problems[0].field == "rules"


def test_missing_and_unknown_fields(tmp_path):
    text = GOOD.replace('version: "1"\n', "").replace("title: Trois", "titel: Trois")
    _, found = load_local(tmp_path, text)
    assert sorted(found) == [("schema", "ref.yml", 1), ("schema", "ref.yml", 17), ("schema", "ref.yml", 18)]


def test_extends_a_shipped_part(tmp_path):
    text = GOOD.replace("id: local-2024", "id: local-c2i2\nextends: c2i2-common-2011").replace(
        "  validation: threshold\n  min_validated: 2\n  max_not_validated_per_domain: 1\n", "  validation: all\n"
    )
    result, found = load_local(tmp_path, text)
    assert found == []
    assert [d.code for d in result.referential.domains] == ["D1", "D2", "D3", "X1", "X2"]
    assert len(result.referential.competencies) == 12


def test_extends_with_an_inherited_duplicate(tmp_path):
    text = "id: local-c2i2\nextends: c2i2-common-2011\n" + GOOD.split("\n", 1)[1].replace("code: X1\n", "code: D2\n")
    text = text.replace("  validation: threshold\n  min_validated: 2\n  max_not_validated_per_domain: 1\n", "  validation: all\n")
    result, found = load_local(tmp_path, text)
    assert found == [("duplicate-code", "ref.yml", 9)]
    assert result.problems[0].hint("en") == "it already comes from the extended referential (extends)"


def test_extends_cycle_is_reported_not_looped(tmp_path):
    a = GOOD.replace("id: local-2024", "id: a\nextends: b.yml")
    b = GOOD.replace("id: local-2024", "id: b\nextends: a.yml").replace("X", "Y")
    (tmp_path / "b.yml").write_text(b, encoding="utf-8")
    result, found = load_local(tmp_path, a, "a.yml")
    assert result.referential is None
    assert found == [("config", "b.yml", 2)]
    assert result.problems[0].message("en") == "'extends: a.yml' makes a loop"


def test_extends_an_unknown_referential(tmp_path):
    _, found = load_local(tmp_path, GOOD.replace("id: local-2024", "id: x\nextends: nulle-part"))
    assert found == [("unknown-referential", "ref.yml", 2)]


def test_reloaded_when_the_file_changes(tmp_path):
    first, _ = load_local(tmp_path, GOOD)
    assert first.referential.title == "Référentiel local"
    path = tmp_path / "ref.yml"
    path.write_text(GOOD.replace("Référentiel local", "Référentiel modifié, plus long"), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    again = referential.load("ref.yml", tmp_path)
    assert again.referential.title == "Référentiel modifié, plus long"


def test_problems_of_a_shipped_file_name_it_inside_the_package():
    path = referentials_dir() / "c2i1-2011.yml"
    assert referential._display(path, Path("/")) == "<portfolio_builder>/referentials/c2i1-2011.yml"


def test_empty_and_not_mapping_files(tmp_path):
    result, found = load_local(tmp_path, "")
    assert found == [("schema", "ref.yml", 1)] and result.referential is None
    result, found = load_local(tmp_path, "- a\n- b\n", "list.yml")
    assert found == [("schema", "list.yml", 1)] and result.referential is None
