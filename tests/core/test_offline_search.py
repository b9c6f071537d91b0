"""The offline site's local search (web/offline_search.py): the index conversion, the pages
it touches and the limits it keeps. The browser side is in tests/browser/test_offline.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portfolio_builder.web import offline_search
from portfolio_builder.web.offline_search import convert, inject, plain_text, publish

HOSTILE = "<img src=x onerror=alert(1)>"

MKDOCS_INDEX = {
    "config": {"lang": ["fr"], "separator": "[\\s\\-]+"},
    "docs": [
        {"location": "", "title": "Accueil", "text": "<p>Bienvenue</p>"},
        {"location": "productions/p.html", "title": "Une preuve", "text": ""},
        {
            "location": "productions/p.html#le-code",
            "title": "Le <code>code</code>",
            "text": "<p>J'ai écrit <code>&lt;img src=x onerror=alert(1)&gt;</code> &amp; c&#39;est tout.</p>"
            "<ul><li>un</li><li>deux</li></ul>",
        },
    ],
}

# The shape Zensical writes (search.json at the site's root), as zensical 0.0.73 does.
ZENSICAL_INDEX = {
    "config": {"lang": ["en"], "separator": "[\\s\\-_,:!=\\[\\]()\\\\\"`/]+|\\.(?!\\d)"},
    "items": [
        {"location": "", "level": 1, "title": "Home", "text": "<p>Hello</p>", "path": ["Home"], "tags": []},
        {"location": "sub/deep.html", "level": 1, "title": "Deep", "text": "<p>zebra</p>", "path": ["Sub", "Deep"], "tags": []},
        {"location": "sub/deep.html#part", "level": 2, "title": "Part", "text": "<p>stripes</p>", "path": ["Sub", "Deep"], "tags": []},
    ],
}


def test_the_mkdocs_index_becomes_plain_text_entries_with_their_page():
    entries = convert(MKDOCS_INDEX)
    assert [e["location"] for e in entries] == ["", "productions/p.html", "productions/p.html#le-code"]
    section = entries[2]
    assert section["title"] == "Le code" and section["page"] == "Une preuve"
    # The candidate's markup is text now: the UI shows it with textContent, never as HTML.
    assert section["text"] == f"J'ai écrit {HOSTILE} & c'est tout. un deux"
    assert entries[1]["page"] == ""  # a page is not its own parent


def test_the_zensical_index_is_read_too():
    entries = convert(ZENSICAL_INDEX)
    assert [(e["location"], e["title"], e["page"], e["text"]) for e in entries] == [
        ("", "Home", "", "Hello"),
        ("sub/deep.html", "Deep", "", "zebra"),
        ("sub/deep.html#part", "Part", "Deep", "stripes"),
    ]


@pytest.mark.parametrize("data", [None, [], {"docs": "x"}, {"docs": [1, None, {"title": 3}]}])
def test_an_index_of_another_shape_gives_what_it_can(data):
    entries = convert(data)
    assert all(set(e) == {"location", "title", "page", "text"} for e in entries)


@pytest.mark.parametrize(
    "location",
    ["javascript:alert(1)", "//evil.example/x.html", "/etc/passwd", "../../outside.html", "a\\b.html", "https://x.org/", 7],
)
def test_a_location_that_would_leave_the_site_is_dropped(location):
    assert convert({"docs": [{"location": location, "title": "x", "text": "y"}]}) == []


def test_scripts_and_styles_of_the_index_are_not_text():
    assert plain_text("<p>a</p><script>evil()</script><style>p{}</style><p>b</p>") == "a b"


def test_a_huge_page_is_cut_and_the_whole_index_is_bounded(monkeypatch):
    # Malicious input: a page of megabytes of words would make every reader's browser load it all.
    monkeypatch.setattr(offline_search, "MAX_TOTAL_CHARS", 250_000)
    huge = {"location": "big.html", "title": "Big", "text": "<p>" + "mot " * 100_000 + "</p>"}
    entries = convert({"docs": [huge, {**huge, "location": "big2.html"}, {**huge, "location": "big3.html"}]})
    assert [len(e["text"]) for e in entries] == [offline_search.MAX_ENTRY_CHARS, offline_search.MAX_ENTRY_CHARS, 0]
    assert entries[2]["title"] == "Big"  # past the budget a page is still found by its title


def _site(tmp_path: Path, index: dict, *, lang: str = "fr", where: str = "search/search_index.json") -> Path:
    site = tmp_path / "site"
    page = "<!doctype html><html><head><title>t</title></head><body><header class=\"md-header\">" \
           "<nav class=\"md-header__inner md-grid\" aria-label=\"En-tête\"><a href=\"#\">x</a></nav></header>" \
           "<main>contenu</main></body></html>"
    for rel in ("index.html", "productions/p.html", "a/b/c/index.html", "404.html", "productions/copie.html"):
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(page, encoding="utf-8")
    (site / where).parent.mkdir(parents=True, exist_ok=True)
    (site / where).write_text(json.dumps(index), encoding="utf-8")
    (site / "report.json").write_text(json.dumps({"language": lang}), encoding="utf-8")
    return site


def test_publish_writes_the_index_script_and_our_files_and_each_page_links_them_relatively(tmp_path):
    site = _site(tmp_path, MKDOCS_INDEX)
    docs = tmp_path / "docs"
    (docs / "productions").mkdir(parents=True)
    (docs / "productions" / "copie.html").write_text("<html><head></head><body>mine</body></html>", encoding="utf-8")
    copied = (site / "productions" / "copie.html").read_bytes()
    result = publish(site, docs)
    assert result.skipped == "" and result.entries == 3 and result.pages == 4
    assert sorted(p.name for p in (site / "search").iterdir()) == [
        "lunr.fr.js", "lunr.js", "lunr.stemmer.support.js", "portfolio-search.css", "portfolio-search.js", "search_index.js",
    ]
    script = (site / "search" / "search_index.js").read_text(encoding="ascii")
    prefix = "window.portfolioSearchIndex = "
    data = json.loads(script[script.index(prefix) + len(prefix):].rstrip().rstrip(";"))
    assert data["lang"] == "fr" and data["docs"] == convert(MKDOCS_INDEX)
    assert not (site / "search" / "search_index.json").exists()  # replaced by the script
    for rel, root in (("index.html", "./"), ("productions/p.html", "../"), ("a/b/c/index.html", "../../../")):
        page = (site / rel).read_text(encoding="utf-8")
        assert f'<script src="{root}search/portfolio-search.js" defer></script>' in page
        assert f'href="{root}search/portfolio-search.css"' in page
        assert f'data-root="{root}"' in page
        assert page.index('class="pb-search"') < page.index("</nav>")  # in Material's header
        assert "<script>" not in page and " style=" not in page  # nothing inline: the CSP holds
    # A file the candidate put in the docs folder is published as written, never rewritten.
    assert (site / "productions" / "copie.html").read_bytes() == copied


def test_the_words_are_the_dossiers_language(tmp_path):
    site = _site(tmp_path, ZENSICAL_INDEX, lang="en", where="search.json")
    result = publish(site)
    assert result.source == "search.json" and result.entries == 3
    page = (site / "index.html").read_text(encoding="utf-8")
    assert 'aria-label="Search the dossier"' in page and 'data-lang="en"' in page
    assert 'data-files="search/lunr.js search/search_index.js"' in page  # no French stemmer for English
    assert (site / "search.json").exists()  # Zensical's own file is left as it wrote it


def test_an_index_over_the_limit_leaves_the_site_without_search(tmp_path, monkeypatch):
    # Malicious input: an index too big to hand a browser is not converted at all.
    site = _site(tmp_path, MKDOCS_INDEX)
    monkeypatch.setattr(offline_search, "MAX_INDEX_BYTES", 100)
    before = (site / "index.html").read_bytes()
    result = publish(site)
    assert result.skipped == "search.offline.too_large"
    assert (site / "index.html").read_bytes() == before and not (site / "search" / "search_index.js").exists()


def test_no_engine_index_no_search(tmp_path):
    site = _site(tmp_path, MKDOCS_INDEX)
    (site / "search" / "search_index.json").unlink()
    assert publish(site).skipped == "search.offline.no_index"


def test_a_candidates_search_json_is_not_taken_for_the_engines_index(tmp_path):
    # Malicious input: docs/search.json, copied to the site's root by MkDocs, where Zensical writes its index.
    site = _site(tmp_path, {"docs": [{"location": "index.html", "title": "Fausse entrée", "text": "x"}]}, where="search.json")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "search.json").write_text("{}", encoding="utf-8")
    assert publish(site, docs).skipped == "search.offline.no_index"
    assert "Fausse" not in (site / "index.html").read_text(encoding="utf-8")


def test_the_form_goes_at_the_top_of_the_body_without_materials_header():
    page = "<html><head></head><body class=x><p>a</p></body></html>"
    out = inject(page, "fr", "./", ["lunr.js"])
    assert out is not None and out.index("<body class=x>") < out.index('<form class="pb-search"') < out.index("<p>a</p>")
    assert inject("<p>no head</p>", "fr", "./", []) is None


def test_the_forms_words_are_escaped_attributes():
    form = offline_search.form_html("fr", "../", ["lunr.js"])
    assert "n&#x27;a pas pu" in form and "« {query} »" in form


def test_the_form_closes_materials_header_not_a_nav_inside_it():
    # Material's search dialog, in the header of a site built with it, has a <nav> of its own.
    page = ('<html><head></head><body><nav class="md-header__inner md-grid"><form class="md-search__form">'
            '<nav class="md-search__options"></nav></form></nav><nav class="md-nav">x</nav></body></html>')
    out = inject(page, "fr", "./", [])
    assert out is not None
    assert out.index('<nav class="md-search__options"></nav></form>') < out.index('<form class="pb-search"')
    assert '</div></form></nav><nav class="md-nav">' in out  # ours ends where the header ends
