"""What a jury keeps (issue 13): the dossier as one PDF, the offline site, the zip."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.conftest import evidence_page, portfolio_in_process
from tests.site.conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("test_outputs")]  # its module fixtures built once (make test: --dist loadgroup)
pypdf = pytest.importorskip("pypdf")
if importlib.util.find_spec("weasyprint") is None:  # found, not imported: collection stays cheap (~0.7 s of CPU)
    pytest.skip("WeasyPrint is not installed (the `pdf` extra)", allow_module_level=True)
POPPLER = shutil.which("pdftotext") is not None

ECHEC = ROOT / "sample_dnc" / "echec-qcm"


def portfolio(*args: str, cwd: Path = ROOT, without_weasyprint: bool = False) -> subprocess.CompletedProcess[str]:
    """``portfolio ARGS`` run from ``cwd``, in this process: WeasyPrint is imported once for the
    module (~0.7 s of CPU per process), not once per PDF."""
    return portfolio_in_process(*args, cwd=cwd, without_weasyprint=without_weasyprint)


def outline_titles(reader) -> list[str]:
    return [item.title for item in reader.outline if not isinstance(item, list)]


def pdf_text(path: Path) -> str:
    if POPPLER:
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(str(path)).pages)


@pytest.fixture(scope="module")
def echec_zip(tmp_path_factory) -> Path:
    """The second example's zip, signed: printing a PDF costs seconds of CPU, so the PDF tests,
    the zip test and the signed-attestation test read the one this makes."""
    from portfolio_builder.core import credentials

    work = tmp_path_factory.mktemp("zip")
    keys = work / "keys"
    keys.mkdir()
    credentials.new_keys(keys, "valcourt", credentials.Issuer("https://univ-valcourt.example.fr", "Université de Valcourt"))
    target = work / "dossier.zip"
    result = portfolio("zip", str(ECHEC), "-o", str(target), "--sign", str(keys / "valcourt.private.jwk"))
    assert result.returncode == 0, result.stderr
    return target


@pytest.fixture(scope="module")
def echec_pdf(echec_zip) -> Path:
    target = echec_zip.with_name("echec.pdf")
    with zipfile.ZipFile(echec_zip) as archive:
        target.write_bytes(archive.read("dossier.pdf"))
    return target


def test_the_pdf_has_cover_report_evidence_and_attestation_with_bookmarks(echec_pdf):
    reader = pypdf.PdfReader(str(echec_pdf))
    report = json.loads(reader.attachments["report.json"][0])
    titles = outline_titles(reader)
    assert titles[0] == "Dossier numérique de compétences"  # the cover
    assert titles[1] == "Rapport de couverture"
    evidence = [e["title"] for e in report["evidence"]]
    page_titles = [t for t in titles[2:-1] if t != "Pièces jointes"]
    assert len(page_titles) == len(evidence), (titles, evidence)
    assert titles[-1].startswith("Attestation")
    text = pdf_text(echec_pdf)
    for words in ("Thomas Girard", "Université de Valcourt", "2026-juin", "certification", "Non certifié",
                  "Décision du jury", "Pour le jury", "Fiche de la preuve"):
        assert words in text, words  # searchable text


def test_the_pdf_embeds_report_and_manifest_and_targets_pdf_a3(echec_pdf):
    reader = pypdf.PdfReader(str(echec_pdf))
    attachments = reader.attachments
    assert {"report.json", "manifest.json"} <= set(attachments)
    report = json.loads(attachments["report.json"][0])
    manifest = json.loads(attachments["manifest.json"][0])
    assert report["dossier"]["candidate"]["name"] == "Thomas Girard"
    assert "report.json" in json.dumps(manifest)
    xmp = reader.xmp_metadata
    assert xmp is not None
    raw = xmp.stream.get_data()
    assert b"pdfaid" in raw and b"<pdfaid:part>3</pdfaid:part>" in raw.replace(b" ", b"") or b'pdfaid:part="3"' in raw


def test_attachments_that_are_pdfs_or_images_are_embedded_others_listed_with_their_hash(project, tmp_path):
    """The sample's own PDF, PNG and CSV attachments, on one page of a small dossier (the whole
    sample prints in ~8 s of CPU; its PDF is the zip test's)."""
    files = ROOT / "sample_dnc" / "docs"
    pdf, png = "productions/fichiers/comparatif-formats.pdf", "productions/fichiers/carte-itineraires-cyclables.png"
    csv = "externes/fichiers/budget-association.csv"
    extra = "attachments:\n" + "".join(f"  - path: {name}\n    title: Pièce {name[-3:]}\n" for name in (pdf, png, csv))
    root = project({
        "docs/p.md": evidence_page("D1.1", extra=extra),
        **{f"docs/{name}": (files / name).read_bytes() for name in (pdf, png, csv)},
    })
    target = tmp_path / "lea.pdf"
    result = portfolio("pdf", str(root), "-o", str(target))
    assert result.returncode == 0, result.stderr
    reader = pypdf.PdfReader(str(target))
    names = set(reader.attachments)
    assert "productions_fichiers_comparatif-formats.pdf" in names
    assert "productions_fichiers_carte-itineraires-cyclables.png" in names
    assert not any(name.endswith(".csv") for name in names)  # a spreadsheet is listed, not embedded
    import hashlib

    text = pdf_text(target).replace("\n", " ")
    digest = hashlib.sha256((files / csv).read_bytes()).hexdigest()
    squashed = text.replace(" ", "")
    assert digest in squashed and csv in text
    assert "Pièces jointes" in outline_titles(reader)


def test_a_dossier_with_problems_still_prints_with_its_problems(project, tmp_path):
    root = project({"docs/p.md": evidence_page("D1.1", "D9.9", title="Une preuve bancale")})
    target = tmp_path / "bancal.pdf"
    result = portfolio("pdf", str(root), "-o", str(target))
    assert result.returncode == 0, result.stderr
    text = pdf_text(target)
    assert "unknown-competency" in text and "D9.9" in text


def test_a_missing_weasyprint_names_the_extra_and_exits_2(tmp_path):
    target = tmp_path / "x.pdf"
    result = portfolio("pdf", str(ECHEC), "-o", str(target), without_weasyprint=True)
    assert result.returncode == 2, result.stderr
    assert "portfolio-builder[pdf]" in result.stderr and "Traceback" not in result.stderr
    assert not target.exists()


def test_the_output_cannot_be_a_folder(tmp_path):
    result = portfolio("pdf", str(ECHEC), "-o", str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_the_pdf_reads_nothing_outside_the_site(tmp_path):
    """A page cannot make the PDF read another file of the machine, follow a symbolic link out,
    or reach the network: the fetcher allows the site's own files and data: URLs only."""
    import weasyprint

    from portfolio_builder.outputs import site_fetcher

    site = tmp_path / "site"
    site.mkdir()
    (site / "ok.css").write_text("p{}", encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("secret", encoding="utf-8")
    (site / "link.css").symlink_to(secret)
    fetcher = site_fetcher(weasyprint, site.resolve())
    fetch = getattr(fetcher, "fetch", fetcher)
    fetch((site / "ok.css").resolve().as_uri())
    for url in (secret.as_uri(), (site / "link.css").as_uri(), (site / ".." / "secret.txt").as_uri(),
                "http://127.0.0.1:9/x.css", "https://example.org/x.png", "ftp://example.org/x"):
        with pytest.raises(ValueError):
            fetch(url)
    # End to end: an evidence page pointing at a file outside the dossier prints without it.
    root = tmp_path / "dossier"
    (root / "docs").mkdir(parents=True)
    from tests.conftest import mkdocs_text

    (root / "mkdocs.yml").write_text(mkdocs_text(None, None), encoding="utf-8")
    (root / "docs" / "p.md").write_text(
        evidence_page("D1.1", body=f"# Page\n\n![x]({secret.as_uri()})\n\n<img src=\"{secret}\">\n"), encoding="utf-8")
    target = tmp_path / "p.pdf"
    result = portfolio("pdf", str(root), "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert b"secret" not in b"".join(p.get_contents().get_data() for p in pypdf.PdfReader(str(target)).pages if p.get_contents())


def test_offline_build_links_to_files_and_verify_still_works(tmp_path):
    site = tmp_path / "site"
    result = portfolio("build", str(ECHEC), "-d", str(site), "--offline", "--allow-dirty", "-q")
    assert result.returncode == 0, result.stderr
    report = (site / "portfolio" / "report.html").read_text(encoding="utf-8")
    assert 'href="../index.html"' in report and 'href="competencies/' in report or "competencies/" in report
    import re

    hrefs = re.findall(r'href="([^"#?]+)"', report)
    internal = [h for h in hrefs if "://" not in h and not h.startswith("mailto:")]
    assert internal and all(not h.endswith("/") for h in internal), [h for h in internal if h.endswith("/")]
    for href in internal:
        assert (site / "portfolio" / href).resolve().exists(), href
    # The local search's files are published files like any other: in the manifest, checked by verify.
    listed = {entry["path"] for entry in json.loads((site / "manifest.json").read_text(encoding="utf-8"))["site"]}
    ours = {"search/search_index.js", "search/portfolio-search.js", "search/portfolio-search.css", "search/lunr.js"}
    assert ours <= listed and not (site / "search" / "search_index.json").exists()
    assert 'src="../search/portfolio-search.js"' in report and 'data-root="../"' in report
    result = portfolio("verify", str(site), str(ECHEC))
    assert result.returncode == 0, result.stdout + result.stderr


def test_zip_holds_the_offline_site_the_manifest_and_the_pdf(echec_zip):
    with zipfile.ZipFile(echec_zip) as archive:
        names = set(archive.namelist())
        assert {"site/index.html", "site/portfolio/report.html", "site/report.csv", "manifest.json", "dossier.pdf"} <= names
        assert archive.read("manifest.json") == archive.read("site/manifest.json")
        assert archive.read("dossier.pdf").startswith(b"%PDF-")
        assert all(not n.startswith("/") and ".." not in n.split("/") for n in names)


def test_a_signed_build_embeds_the_signed_attestation(echec_zip, echec_pdf):
    with zipfile.ZipFile(echec_zip) as archive:
        assert {"site/attestation.jwt", "site/report.jwt", "site/manifest.jwt"} <= set(archive.namelist())
    attachments = pypdf.PdfReader(str(echec_pdf)).attachments
    assert {"attestation.jwt", "report.jwt", "manifest.jwt"} <= set(attachments)
    assert attachments["attestation.jwt"][0].count(b".") == 2  # a compact JWS


def test_the_pdf_is_never_written_into_the_pages(project, tmp_path):
    root = project({"docs/p.md": evidence_page("D1.1")})
    result = portfolio("pdf", str(root), "-o", str(root / "docs" / "dossier.pdf"))
    assert result.returncode == 2 and not (root / "docs" / "dossier.pdf").exists()
    assert "Traceback" not in result.stderr


def test_zip_without_weasyprint_still_holds_the_site_and_says_why_there_is_no_pdf(tmp_path):
    target = tmp_path / "d.zip"
    result = portfolio("zip", str(ECHEC), "-o", str(target), without_weasyprint=True)
    assert result.returncode == 0, result.stderr
    assert "portfolio-builder[pdf]" in result.stdout
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
    assert "site/index.html" in names and "manifest.json" in names and "dossier.pdf" not in names


def test_offline_drops_what_needs_a_server(project, tmp_path):
    from tests.conftest import mkdocs_text

    config = mkdocs_text().replace("theme:\n  name: material\n", "theme:\n  name: material\n  features: [navigation.instant, navigation.instant.prefetch, navigation.sections]\n")
    root = project({"docs/p.md": evidence_page("D1.1"), "mkdocs.yml": config})
    site = tmp_path / "site"
    result = portfolio("build", str(root), "-d", str(site), "--offline", "--allow-dirty", "-q")
    assert result.returncode == 0, result.stderr
    page = (site / "index.html").read_text(encoding="utf-8")
    assert "navigation.instant" not in page and "navigation.sections" in page
    assert 'href="portfolio/report.html"' in page
    # Material's search box (a web worker) is left out; ours, that works from disk, is there.
    assert 'class="md-search"' not in page and 'class="pb-search"' in page


def test_the_online_site_keeps_materials_search_and_an_offline_one_without_a_search_plugin_has_none(project, tmp_path):
    root = project({"docs/p.md": evidence_page("D1.1")})
    site = tmp_path / "online"
    assert portfolio("build", str(root), "-d", str(site), "--allow-dirty", "-q").returncode == 0
    page = (site / "index.html").read_text(encoding="utf-8")
    assert 'class="md-search"' in page and "pb-search" not in page
    assert (site / "search" / "search_index.json").is_file() and not (site / "search" / "search_index.js").exists()
    # No `search` plugin: no index to search, so no box; the build still succeeds and says why.
    from tests.conftest import mkdocs_text

    plain = project({"docs/p.md": evidence_page("D1.1"), "mkdocs.yml": mkdocs_text().replace("  - search\n", "")})
    offline = tmp_path / "offline"
    result = portfolio("build", str(plain), "-d", str(offline), "--offline", "--allow-dirty")
    assert result.returncode == 0, result.stderr
    assert "pb-search" not in (offline / "index.html").read_text(encoding="utf-8") and not (offline / "search").exists()
    assert "pas d'index de recherche" in result.stderr


def test_a_dossier_cannot_replace_the_offline_searchs_files(project, tmp_path):
    # Malicious input: the candidate's own search script (or index) in place of ours.
    evil = "document.title = 'pwned';\n"
    root = project({
        "docs/p.md": evidence_page("D1.1"),
        "docs/search/portfolio-search.js": evil,
        "docs/search/search_index.js": evil,
        "docs/Search/lunr.js": evil,
    })
    site = tmp_path / "site"
    result = portfolio("build", str(root), "-d", str(site), "--offline", "--allow-dirty")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("reserved-path") >= 3, result.stderr
    from portfolio_builder.resources import theme_dir

    assert (site / "search" / "portfolio-search.js").read_bytes() == (theme_dir() / "offline" / "search.js").read_bytes()
    for name in ("search_index.js", "lunr.js"):
        assert evil not in (site / "search" / name).read_text(encoding="utf-8")
