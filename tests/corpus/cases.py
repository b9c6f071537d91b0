"""The bad-input corpus, as data: each case is a change to a valid base dossier.

The base dossier (``BASE_FILES``) checks clean and builds with ``--strict``:
one page claims all 20 C2i niveau 1 competencies, with one attachment. A case
writes or replaces files over it (``files``), adds symbolic links
(``symlinks``), and names the one problem the tool must report: its ``code``,
its ``file`` (relative to the project folder, as the CLI prints it) and its
``line``. ``hint`` is text the message must also carry (a suggestion).

Line numbers of the case pages are counted by ``page()`` below, so a case
states them as ``EXTRA + n`` (the n-th line of ``extra``) instead of a bare
number that silently goes stale.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.conftest import C2I1_CODES, alias_bomb, evidence_page, mkdocs_text

# --- the base dossier ---------------------------------------------------------

BASE_PAGE = "docs/preuves/base.md"
CASE = "docs/cas.md"  # where most cases write their page

BASE_FILES: dict[str, str | bytes] = {
    "mkdocs.yml": mkdocs_text(),
    "docs/index.md": "# Dossier de Léa Moreau\n\nBienvenue.\n",
    BASE_PAGE: evidence_page(
        *C2I1_CODES,
        title="Toutes les compétences",
        extra="attachments:\n  - path: annexe.txt\n    title: Annexe\n",
    ),
    "docs/preuves/annexe.txt": "Une annexe.\n",
}

# evidence_page(code, extra=…): line 1 `---`, 2 title, 3 type, 4 date,
# 5 `competencies:`, 6 the code, then the lines of ``extra`` from line 7.
EXTRA = 6  # line of extra's n-th line is EXTRA + n


def page(extra: str = "", *codes: str, **kw) -> str:
    """A case page claiming ``codes`` (default D1.1); ``extra`` starts at line 7 with one code."""
    return evidence_page(*(codes or ("D1.1",)), extra=extra, **kw)


# mkdocs.yml lines (tests/conftest.py): 4 `plugins:`, 6 `- portfolio:`, 7 referential, 8 candidate.
PLUGINS_LINE = 4
REFERENTIAL_LINE = 7
CANDIDATE_LINE = 8


def referential_text(domains: str, rules: str = "rules:\n  validation: all\n") -> str:
    """An institution's own referential; ``domains`` starts at line 8 (line 7 is ``domains:``)."""
    head = (
        "id: local-2024\n"  # 1
        "title: Référentiel de l'université\n"  # 2
        "version: '2024'\n"  # 3
        "language: fr\n"  # 4
        "source:\n"  # 5
        "  legal_basis: Délibération du CFVU\n"  # 6
        "domains:\n"  # 7
    )
    return head + domains + rules


LOCAL_DOMAINS = (
    "- code: L1\n"  # 8
    "  title: Premier domaine\n"  # 9
    "  competencies:\n"  # 10
    "  - code: L1.1\n"  # 11
    "    title: Une compétence\n"  # 12
    "  - code: L1.2\n"  # 13
    "    title: Une autre\n"  # 14
)

REVIEW_HEAD = "reviewer: M. Durand\n"  # line 2, after `evidence:`; then 3 date, 4 `verdicts:`, 5 the verdict


@dataclass(frozen=True)
class Case:
    id: str
    code: str
    file: str
    line: int
    files: dict[str, str | bytes] = field(default_factory=dict)
    symlinks: dict[str, str] = field(default_factory=dict)  # link (project-relative) → target
    hint: str | None = None
    check_status: int | None = None  # None: any non-zero status


def _local_ref(text: str) -> dict[str, str | bytes]:
    return {"referentiel.yml": text, "mkdocs.yml": mkdocs_text({"referential": "referentiel.yml"})}


BIG = 5 * 1024 * 1024
ALIAS_BOMB = alias_bomb(9)

# Nesting: the front matter is depth 0, the value of `k<i>:` depth i + 1. The first node
# past yamlread.MAX_DEPTH (40) is the value of k40, a mapping that starts on k41's line.
DEEP_LINE = EXTRA + 1 + 41

CASES: list[Case] = [
    # --- front matter -----------------------------------------------------------------
    Case("fm-broken-yaml", "yaml-syntax", CASE, EXTRA + 1,
         {CASE: page("context: [UE Outils numériques\n")}),
    Case("fm-colon-in-value", "yaml-syntax", CASE, 2,
         {CASE: "---\ntitle: Stage: rapport: final\ntype: coursework\n---\n# x\n"}),
    Case("fm-tabs", "yaml-syntax", CASE, EXTRA + 1,
         {CASE: page("\t- D1.2\n")}),
    Case("fm-bom", "unknown-competency", CASE, 6,
         {CASE: "\ufeff" + page("", "D9.9")}),
    Case("fm-crlf", "unknown-competency", CASE, 6,
         {CASE: page("", "D9.9").replace("\n", "\r\n")}),
    Case("fm-bom-crlf", "unknown-competency", CASE, 9,
         {CASE: ("\ufeff---\r\ntitle: T\r\ntype: coursework\r\ndate: 2024-03-12\r\ncontext: UE\r\n"
                 "commentary: Texte.\r\ncompetencies:\r\n  - D1.1\r\n  - D7.7\r\n---\r\n# T\r\n").encode()}),
    Case("fm-crlf-syntax", "yaml-syntax", CASE, EXTRA + 2,
         {CASE: page("context: UE\ncommentary: Stage: rapport final\n").replace("\n", "\r\n")}),
    Case("fm-bom-missing-attachment", "missing-attachment", CASE, EXTRA + 3,
         {CASE: "\ufeff" + page("context: UE\nattachments:\n  - path: absent.pdf\n")}),
    Case("fm-cr-only", "unknown-competency", CASE, 6,
         {CASE: page("", "D9.9").replace("\n", "\r")}),
    Case("fm-unclosed", "unclosed-front-matter", CASE, 1,
         {CASE: "---\ntitle: Jamais fermé\ntype: coursework\ncompetencies:\n  - D1.1\n\n# Le texte\n"}),
    Case("fm-empty-file", "empty-page", CASE, 1, {CASE: b""}),
    Case("fm-blank-file", "empty-page", CASE, 1, {CASE: b"  \n\n\t\n"}),
    Case("fm-non-utf8", "encoding", CASE, 2,
         {CASE: "---\ntitle: Résumé\n---\n".encode("latin-1")}),
    Case("fm-5mb", "front-matter-too-large", CASE, 2,
         {CASE: "---\ntitle: Gros\ncompetencies: [D1.1]\nblob: " + "x" * BIG + "\n---\n# Gros\n"}),
    Case("fm-alias-bomb", "yaml-too-complex", CASE, EXTRA + 1,
         {CASE: page(ALIAS_BOMB)}),
    Case("fm-deep-nesting", "yaml-too-complex", CASE, EXTRA + 1,
         {CASE: page("deep: " + "[" * 5000 + "]" * 5000 + "\n")}),
    Case("fm-deep-block-nesting", "yaml-too-complex", CASE, DEEP_LINE,
         {CASE: page("".join("  " * i + f"k{i}:\n" for i in range(60)) + "  " * 60 + "fin\n")}),
    Case("fm-duplicate-key", "duplicate-key", CASE, EXTRA + 1,
         {CASE: page("title: Un autre titre\n")}),
    Case("fm-not-a-mapping", "schema", CASE, 2,
         {CASE: "---\n- D1.1\n- D1.2\n---\n# Une liste\n"}),
    Case("fm-python-tag", "yaml-syntax", CASE, EXTRA + 1,
         {CASE: page("context: !!python/object/apply:os.system ['true']\n")}),
    Case("fm-undefined-alias", "yaml-syntax", CASE, EXTRA + 1,
         {CASE: page("context: *nulle_part\n")}),
    Case("fm-missing-required", "schema", CASE, 2,
         {CASE: "---\ntitle: Sans type ni date\ncompetencies:\n  - D1.1\n---\n# x\n"}),
    Case("fm-external-no-commentary", "missing-commentary", CASE, 3,
         {CASE: page("", type="external")}),
    Case("fm-bad-date", "schema", CASE, 4, {CASE: page("", date="2024-13-45")}),
    # --- wrong types, one per field ---------------------------------------------------------
    Case("type-title", "schema", CASE, 2, {CASE: page(title="[Un, titre]")}),
    Case("type-type", "schema", CASE, 3, {CASE: page(type="travail")}),
    Case("type-date", "schema", CASE, 4, {CASE: page(date="{jour: 12}")}),
    Case("type-context", "schema", CASE, EXTRA + 1, {CASE: page("context: [UE1, UE2]\n")}),
    Case("type-competencies", "schema", CASE, 5,
         {CASE: "---\ntitle: T\ntype: coursework\ndate: 2024-03-12\ncompetencies: D1.1\n---\n# T\n"}),
    Case("type-commentary", "schema", CASE, EXTRA + 2, {CASE: page("commentary:\n  avis: bien\n")}),
    Case("type-attachments", "schema", CASE, EXTRA + 1, {CASE: page("attachments: rapport.pdf\n")}),
    Case("type-id", "schema", CASE, EXTRA + 1, {CASE: page("id: [preuve, un]\n")}),
    Case("type-visibility", "schema", CASE, EXTRA + 1, {CASE: page("visibility: secret\n")}),
    Case("type-claim-code", "schema", CASE, EXTRA + 1,
         {CASE: page("  - code: [D1.2]\n")}),
    Case("type-claim-argument", "schema", CASE, EXTRA + 2,
         {CASE: page("  - code: D1.2\n    argument: {pourquoi: parce que}\n")}),
    Case("type-claim-anchor", "schema", CASE, EXTRA + 2,
         {CASE: page("  - code: D1.2\n    anchor: [section]\n")}),
    Case("type-attachment-path", "schema", CASE, EXTRA + 2,
         {CASE: page("attachments:\n  - path: [rapport.pdf]\n")}),
    Case("type-attachment-url", "schema", CASE, EXTRA + 2,
         {CASE: page("attachments:\n  - url: {href: https://example.org}\n")}),
    Case("type-attachment-title", "schema", CASE, EXTRA + 3,
         {CASE: page("attachments:\n  - url: https://example.org/rapport\n    title: [Le, rapport]\n")}),
    # --- references -----------------------------------------------------------------------
    Case("ref-unknown-code", "unknown-competency", CASE, 6, {CASE: page("", "D9.9")}),
    Case("ref-code-as-number", "unknown-competency", CASE, 6, {CASE: page("", "1.1")}, hint="D1.1"),
    Case("ref-code-as-number-object", "unknown-competency", CASE, EXTRA + 1,
         {CASE: page("  - code: 3.5\n    argument: Un document diffusé.\n")}, hint="D3.5"),
    Case("ref-code-lowercase", "unknown-competency", CASE, 6, {CASE: page("", "d2.4")}, hint="D2.4"),
    Case("ref-duplicate-id", "duplicate-id", "docs/cas2.md", EXTRA + 1,
         {"docs/cas1.md": page("id: preuve-stage\n"), "docs/cas2.md": page("id: preuve-stage\n")}),
    Case("ref-duplicate-id-default", "duplicate-id", "docs/preuves/zz.md", EXTRA + 1,
         {"docs/preuves/zz.md": page("id: preuves/base\n")}),
    Case("ref-unknown-referential", "unknown-referential", "mkdocs.yml", REFERENTIAL_LINE,
         {"mkdocs.yml": mkdocs_text({"referential": "c2i1-2012"})}, hint="c2i1-2011", check_status=2),
    # --- paths and links ----------------------------------------------------------------------
    Case("path-missing-attachment", "missing-attachment", CASE, EXTRA + 2,
         {CASE: page("attachments:\n  - path: fichiers/rapport.pdf\n")}),
    Case("path-attachment-is-folder", "missing-attachment", CASE, EXTRA + 2,
         {CASE: page("attachments:\n  - path: preuves\n")}),
    Case("path-dotdot-escape", "attachment-outside", CASE, EXTRA + 2,
         {CASE: page("attachments:\n  - path: ../mkdocs.yml\n")}),
    Case("path-dotdot-deep", "attachment-outside", "docs/preuves/cas.md", EXTRA + 2,
         {"docs/preuves/cas.md": page("attachments:\n  - path: ../../../../../../etc/passwd\n")}),
    Case("path-absolute", "attachment-outside", CASE, EXTRA + 2,
         {CASE: page("attachments:\n  - path: /etc/passwd\n")}),
    Case("path-windows-absolute", "attachment-outside", CASE, EXTRA + 2,
         {CASE: page("attachments:\n  - path: 'C:\\Users\\lea\\rapport.pdf'\n")}),
    Case("path-home", "attachment-outside", CASE, EXTRA + 2,
         {CASE: page("attachments:\n  - path: ~/rapport.pdf\n")}),
    Case("path-symlink-file-out", "symlink-outside", CASE, EXTRA + 2,
         {CASE: page("attachments:\n  - path: hostname.txt\n")},
         symlinks={"docs/hostname.txt": "/etc/hostname"}),
    Case("path-symlink-dir-out", "symlink-outside", "docs/systeme", 1,
         symlinks={"docs/systeme": "/etc"}),
    Case("path-symlink-dir-attachment", "symlink-outside", CASE, EXTRA + 2,
         {CASE: page("attachments:\n  - path: systeme/hostname\n")},
         symlinks={"docs/systeme": "/etc"}),
    Case("path-nfd-name", "unicode-normalization", CASE, EXTRA + 2,
         {CASE: page("attachments:\n  - path: r\u00e9sum\u00e9.pdf\n"),
          "docs/re\u0301sume\u0301.pdf": b"%PDF-1.4"}),
    Case("path-javascript-url", "unsafe-url", CASE, EXTRA + 2,
         {CASE: page("attachments:\n  - url: 'javascript:alert(1)'\n    title: Clic\n")}),
    Case("path-javascript-url-mixed-case", "unsafe-url", CASE, EXTRA + 2,
         {CASE: page("attachments:\n  - url: ' JaVaScRiPt:alert(document.cookie)'\n")}),
    Case("path-data-url", "unsafe-url", CASE, EXTRA + 2,
         {CASE: page("attachments:\n  - url: 'data:text/html,<script>alert(1)</script>'\n")}),
    Case("path-reserved", "reserved-path", "docs/report.json", 1, {"docs/report.json": "{}\n"}),
    # --- an institution's own referential -----------------------------------------------------
    Case("referential-duplicate-code", "duplicate-code", "referentiel.yml", 15,
         _local_ref(referential_text(LOCAL_DOMAINS + "  - code: L1.1\n    title: Encore\n")), check_status=2),
    Case("referential-duplicate-domain", "duplicate-code", "referentiel.yml", 15,
         _local_ref(referential_text(LOCAL_DOMAINS + "- code: L1\n  title: Bis\n  competencies:\n"
                                     "  - code: L9.1\n    title: X\n")), check_status=2),
    Case("referential-empty-domain", "empty-domain", "referentiel.yml", 17,
         _local_ref(referential_text(LOCAL_DOMAINS + "- code: L2\n  title: Vide\n  competencies: []\n")),
         check_status=2),
    Case("referential-unknown-rule", "unknown-rule", "referentiel.yml", 16,
         _local_ref(referential_text(LOCAL_DOMAINS, "rules:\n  validation: majorité\n")), check_status=2),
    Case("referential-broken-yaml", "yaml-syntax", "referentiel.yml", 13,
         _local_ref(referential_text(LOCAL_DOMAINS.replace("    title: Une compétence\n", "    title: [Une\n"))),
         check_status=2),
    # --- reviews and the jury file ------------------------------------------------------------
    Case("review-unknown-evidence", "unknown-evidence", "reviews/x.yml", 1,
         {"reviews/x.yml": "evidence: preuves/absente.md\n" + REVIEW_HEAD + "date: 2024-04-01\nverdicts:\n  D1.1: met\n"}),
    Case("review-unknown-competency", "unknown-competency", "reviews/x.yml", 5,
         {"reviews/x.yml": "evidence: preuves/base.md\n" + REVIEW_HEAD + "date: 2024-04-01\nverdicts:\n  D9.9: met\n"}),
    Case("review-code-as-number", "unknown-competency", "reviews/x.yml", 5,
         {"reviews/x.yml": "evidence: preuves/base\n" + REVIEW_HEAD + "date: 2024-04-01\nverdicts:\n  2.1: met\n"},
         hint="D2.1"),
    Case("jury-unknown-competency", "unknown-competency", "jury.yml", 6,
         {"jury.yml": "session: 2024-juin\ndate: 2024-06-20\ninstitution: Université\nmembers: [Mme Martin]\n"
                      "decisions:\n  D1.9: validated\n"}),
    Case("jury-unknown-domain", "unknown-domain", "jury.yml", 8,
         {"jury.yml": "session: 2024-juin\ndate: 2024-06-20\ninstitution: Université\nmembers: [Mme Martin]\n"
                      "decisions:\n  D1.1: validated\nqcm:\n  D8:\n    passed: true\n"}),
    Case("jury-evidence-key", "schema", "jury.yml", 6,
         {"jury.yml": "session: 2024-juin\ndate: 2024-06-20\ninstitution: Université\nmembers: [Mme Martin]\n"
                      "decisions: {}\nevidence: preuves/absente.md\n"}),
    # --- mkdocs.yml --------------------------------------------------------------------------
    Case("mkdocs-no-plugin", "plugin-missing", "mkdocs.yml", PLUGINS_LINE,
         {"mkdocs.yml": "site_name: Dossier de test\ntheme:\n  name: material\nplugins:\n  - search\n"}, check_status=2),
    Case("mkdocs-no-plugins-key", "plugin-missing", "mkdocs.yml", 1,
         {"mkdocs.yml": "site_name: Dossier de test\ntheme:\n  name: material\n"}, check_status=2),
    Case("mkdocs-misspelled-option", "schema", "mkdocs.yml", CANDIDATE_LINE,
         {"mkdocs.yml": mkdocs_text({"candidate": None, "candidat": {"name": "Léa Moreau"}})}, check_status=2),
    Case("mkdocs-misspelled-language", "schema", "mkdocs.yml", CANDIDATE_LINE + 2,
         {"mkdocs.yml": mkdocs_text({"language": "français"})}, check_status=2),
    Case("mkdocs-broken-yaml", "yaml-syntax", "mkdocs.yml", 8,
         {"mkdocs.yml": mkdocs_text().replace("      candidate:\n", "      candidate: [\n")}, check_status=2),
]

# Each item of issue 6 §1 and the cases that cover it (checked by test_corpus.py).
TOPICS: dict[str, tuple[str, ...]] = {
    "broken YAML": ("fm-broken-yaml", "fm-colon-in-value", "fm-python-tag", "fm-undefined-alias"),
    "tabs": ("fm-tabs",),
    "a BOM": ("fm-bom", "fm-bom-crlf", "fm-bom-missing-attachment"),
    "CRLF": ("fm-crlf", "fm-bom-crlf", "fm-crlf-syntax", "fm-cr-only"),
    "a front matter never closed": ("fm-unclosed",),
    "an empty file": ("fm-empty-file", "fm-blank-file"),
    "a non-UTF-8 file": ("fm-non-utf8",),
    "a 5 MB front matter": ("fm-5mb",),
    "a YAML alias bomb": ("fm-alias-bomb",),
    "deeply nested YAML": ("fm-deep-nesting", "fm-deep-block-nesting"),
    "duplicate keys": ("fm-duplicate-key",),
    "wrong types in every field": tuple(
        f"type-{name}"
        for name in (
            "title", "type", "date", "context", "competencies", "commentary", "attachments", "id", "visibility",
            "claim-code", "claim-argument", "claim-anchor", "attachment-path", "attachment-url", "attachment-title",
        )
    ),
    "unknown competency codes": ("ref-unknown-code", "ref-code-lowercase"),
    "codes written as numbers": ("ref-code-as-number", "ref-code-as-number-object", "review-code-as-number"),
    "identical evidence ids": ("ref-duplicate-id", "ref-duplicate-id-default"),
    "an attachment that does not exist": ("path-missing-attachment", "path-attachment-is-folder"),
    "`../` escaping the dossier": ("path-dotdot-escape", "path-dotdot-deep"),
    "an absolute path": ("path-absolute", "path-windows-absolute", "path-home"),
    "a symlink out of the dossier": ("path-symlink-file-out", "path-symlink-dir-out", "path-symlink-dir-attachment"),
    "file names in NFD Unicode": ("path-nfd-name",),
    "a javascript: URL": ("path-javascript-url", "path-javascript-url-mixed-case", "path-data-url"),
    "referential: duplicate codes": ("referential-duplicate-code", "referential-duplicate-domain"),
    "referential: an empty domain": ("referential-empty-domain",),
    "referential: an unknown rule": ("referential-unknown-rule",),
    "review file naming unknown evidence or competencies": (
        "review-unknown-evidence", "review-unknown-competency", "review-code-as-number",
    ),
    "jury file naming unknown evidence or competencies": (
        "jury-unknown-competency", "jury-unknown-domain", "jury-evidence-key",
    ),
    "mkdocs.yml without the plugin entry": ("mkdocs-no-plugin", "mkdocs-no-plugins-key"),
    "mkdocs.yml with a misspelled option": ("mkdocs-misspelled-option", "mkdocs-misspelled-language"),
}
