"""Stage a dossier as a plain project that any engine publishes: MkDocs, ProperDocs, Zensical.

The staged folder holds everything the site needs and nothing of ours runs in the engine
but a Python-Markdown extension (``mdext``):

- ``docs/``: the candidate's pages, their front matter rewritten by us (an escaped ``title``,
  ``description`` and ``hide``, never their ``template:``), each evidence page and the home
  page beginning with its card (our HTML, rendered by ``render``); the generated pages
  (report, competencies, each competency, attestation) as Markdown files holding our HTML;
  the candidate's other files (active ones inert, reserved and refused ones left out);
  ``report.json``, ``report.csv``, ``manifest.json``; our CSS and scripts;
- ``overrides/``: Material's inline scripts moved to files (Zensical reads the same
  partials): the CSP allows no inline script, in any engine;
- ``mkdocs.yml``: derived, **without our plugin**, with an explicit ``nav:`` and our
  extension last in ``markdown_extensions``; MkDocs, ProperDocs and Zensical read it.

The candidate's sources are only read. The stage goes where it is asked, never inside
the docs folder nor over the project; ``portfolio build`` stages beside the
output folder and removes the stage afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import os
import re
import secrets
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from portfolio_builder.core import docs_tree, integrity, view
from portfolio_builder.core import report as report_mod
from portfolio_builder.core.check import Dossier
from portfolio_builder.core.frontmatter import decode, split
from portfolio_builder.core.paths import is_inside
from portfolio_builder.core.problems import ProblemSink
from portfolio_builder.core.project import Project
from portfolio_builder.i18n import translate
from portfolio_builder.publish import guard, mdext, render
from portfolio_builder.publish.guard import StageRefused, StageRequest, check
from portfolio_builder.resources import material_overrides_dir
from portfolio_builder.web import sanitize
from portfolio_builder.web import urls as urls_mod

ENGINES = ("mkdocs", "properdocs", "zensical")
STAGE_MARK = ".portfolio-stage"  # a folder holding this file is a stage: it may be replaced
CSS_PATH = "assets/portfolio/portfolio.css"
CONFIG_NAME = "mkdocs.yml"  # MkDocs, ProperDocs and Zensical all read it
_H1 = re.compile(r"^#[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_HIDE = {"navigation", "toc", "footer", "path", "tags", "feedback"}


@dataclass
class Staged:
    root: Path
    dossier: Dossier
    token: str
    expected: dict[str, str] = field(default_factory=dict)  # page src → its HTML file in the site
    generated: list[str] = field(default_factory=list)  # the srcs of the pages we generated
    report_json: str = ""
    manifest: dict[str, Any] = field(default_factory=dict)
    credential: str = ""
    ours: dict[str, Path] = field(default_factory=dict)  # a staged file of ours → the theme folder it came from
    # A generated page's HTML, put in after the engine (engines.verify): its HTML file in the
    # site → (the stub the engine published, our HTML). The engine only sees the stub.
    deferred: dict[str, tuple[str, str]] = field(default_factory=dict)
    regions: dict[str, list[str]] = field(default_factory=dict)  # each page's token → the regions staged on it
    left_out: list[str] = field(default_factory=list)  # the keys of the dossier's mkdocs.yml not used
    warnings: list[str] = field(default_factory=list)  # for the build log (localised)

    @property
    def site(self) -> Path:
        """Where the engine writes the site (inside the stage: Zensical requires it)."""
        return self.root / "site"

    @property
    def config_file(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def lang(self) -> str:
        return self.dossier.lang

    @property
    def noindex(self) -> bool:
        return not self.dossier.project.settings.indexing


def stage(request: StageRequest, out: Path, cleared: guard.Cleared | None = None) -> Staged:
    """Write the staged project into ``out``; raise StageRefused when the dossier must not be built.

    ``cleared``: the dossier its caller checked and ``guard.refuse`` let through for this same
    request; without it, both are done here."""
    if cleared is None or cleared.request is not request:
        cleared = guard.refuse(request, cleared.dossier if cleared is not None else check(request))
    dossier = cleared.dossier
    project = dossier.project
    lang = dossier.lang
    out = _prepare(out.resolve(), project)
    raw = project.raw_config
    use_directory_urls = bool(raw.get("use_directory_urls", True)) and not request.offline
    docs = out / "docs"
    token = secrets.token_hex(16)
    staged = Staged(out, dossier, token)

    private = dossier.private_pages if request.public else set()
    pages = [p for p in dossier.pages if p not in private and p not in dossier.refused_files]
    others = [(a, rel) for a, rel in dossier.other_files if rel not in private and rel not in dossier.refused_files]
    # The report document, built once: every page we add is laid out from it alone.
    report_json = report_mod.to_json(report_mod.build(dossier))
    report = json.loads(report_json)
    generated = render.generated_pages(report, with_home=view.HOME_SRC not in pages)
    urls = _urls(pages, [rel for _a, rel in others], [g.src for g in generated], dossier.active_files, use_directory_urls)

    manifest = integrity.manifest(dossier, report_json)
    manifest_view = view.manifest_summary(manifest, lang)
    credential = _credential(dossier, report, request.sign_key)
    signer = request.sign_key.issuer.name if credential and request.sign_key is not None else ""
    staged.report_json, staged.manifest, staged.credential = report_json, manifest, credential

    evidence = {item["path"] for item in report["evidence"]}
    titles: dict[str, str] = {}
    for src in pages:
        url_for = _resolver(urls, src)
        absolute = project.docs_dir / src
        meta, body = _read_page(absolute, src, dossier.options.limits.page_bytes)
        title = _title(meta, body, src)
        titles[src] = title
        front: dict[str, Any] = {"title": html.escape(title, quote=False)}
        if isinstance(meta.get("description"), str):
            front["description"] = html.escape(meta["description"])
        hide = meta.get("hide")
        if isinstance(hide, list) and all(isinstance(h, str) and h in _HIDE for h in hide):
            front["hide"] = hide
        card = ""
        if src in evidence:
            card = render.evidence_card(report, src, url_for)
        elif src == view.HOME_SRC:
            card = render.home_card(report, url_for)
        # Every page opens with a region (its card, or an empty mark): a page our extension did
        # not process still holds the token, and the build fails (engines.verify).
        key = mdext.CARD if card else mdext.MARK
        opening = mdext.region(_page_token(staged, src, key), key, card)
        text = _front_matter(front) + opening + body
        _write(docs / src, text.encode("utf-8"))
        staged.expected[src] = urls["@dest:" + src]
    for absolute, rel in others:
        try:
            data = _read_bounded(absolute, dossier.options.limits.file_bytes)
        except OSError:
            continue  # gone since the check
        dest = rel
        if rel in dossier.active_files:
            if docs_tree.active_kind(rel) == docs_tree.ACTIVE_SVG:
                data = sanitize.clean_svg(data)
            else:
                dest = docs_tree.inert_name(rel)
        _write(docs / dest, data)
    for page in generated:
        url_for = _resolver(urls, page.src)
        front = {"title": html.escape(page.title, quote=False)}
        if page.kind in render.FULL_WIDTH:
            front["hide"] = ["navigation", "toc"]
        if not page.search_text:
            front["search"] = {"exclude": True}  # as with the plugin: only what a page has to say is indexed
        body = render.page(page, report, url_for, manifest_view, signer)
        # The engine publishes a stub holding the page's search text (what the plugin path
        # indexes too); our HTML replaces it afterwards, so the engine neither parses it as
        # Markdown nor indexes every word of it, and a 20-competency report costs nothing.
        if request.deferred:
            stub = _deferred_stub(token, page.src, page.title, page.search_text)
            staged.deferred[urls["@dest:" + page.src]] = (stub, body)
            body = stub
        _write(docs / page.src, (_front_matter(front) + mdext.region(_page_token(staged, page.src, page.kind), page.kind, body)).encode("utf-8"))
        staged.expected[page.src] = urls["@dest:" + page.src]
        staged.generated.append(page.src)
        titles[page.src] = page.title

    # Our CSS and scripts; the data files (the manifest gets the site's files after the build).
    assets = material_overrides_dir() / "assets" / "portfolio"
    shutil.copytree(assets, docs / "assets" / "portfolio", dirs_exist_ok=True)
    for path in sorted(assets.rglob("*")):
        if path.is_file():
            staged.ours[path.relative_to(material_overrides_dir()).as_posix()] = material_overrides_dir()
    _write(docs / "report.json", report_json.encode("utf-8"))
    _write(docs / "report.csv", report_mod.to_csv(report).encode("utf-8"))
    _write(docs / "manifest.json", integrity.to_json(manifest).encode("utf-8"))
    if credential:
        _write(docs / view.CREDENTIAL_SRC, credential.encode("utf-8"))

    overrides = out / "overrides"
    _copy_partials(material_overrides_dir() / "partials", overrides / "partials", lang)
    # The dossier's own `theme.custom_dir` is never copied: templates run in the engine.

    nav = _nav(dossier, report, raw.get("nav"), pages, generated, titles, project)
    if not dossier.project.settings.sanitize_html:
        staged.warnings.append(translate(lang, "stage.sanitize_forced"))
    config = _config(dossier, raw, nav, token, request, use_directory_urls, staged)
    if staged.left_out:
        staged.warnings.append(translate(lang, "stage.left_out", keys=", ".join(dict.fromkeys(staged.left_out))))
    _write(out / CONFIG_NAME, yaml.safe_dump(config, allow_unicode=True, sort_keys=False).encode("utf-8"))
    return staged


def _page_token(staged: Staged, src: str, key: str) -> str:
    token = mdext.page_token(staged.token, src)
    staged.regions.setdefault(token, []).append(key)
    return token


# -- the stage folder ---------------------------------------------------------------


_T = re.compile(r"""\bt\[["']([\w.]+)["']\]""")


def _copy_partials(source: Path, dest: Path, lang: str) -> None:
    """Our overrides of Material's partials, our words written in (the engine has no ``t``)."""
    from portfolio_builder.i18n import strings

    words = strings(lang)
    for path in sorted(source.rglob("*.html")):
        text = _T.sub(lambda m: json.dumps(words[m.group(1)], ensure_ascii=False), path.read_text(encoding="utf-8"))
        _write(dest / path.relative_to(source), text.encode("utf-8"))


def _prepare(out: Path, project: Project) -> Path:
    lang = project.settings.language
    for source in (project.root, project.docs_dir):
        if is_inside(source, out) or is_inside(out, project.docs_dir):
            # Replacing the stage would delete the sources; inside the docs folder it would be walked as docs.
            raise StageRefused(translate(lang, "stage.target_is_source", stage=str(out)))
    if out.exists():
        if not out.is_dir() or (any(out.iterdir()) and not (out / STAGE_MARK).is_file()):
            raise StageRefused(translate(lang, "stage.target_not_stage", stage=str(out)))
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / STAGE_MARK).write_text("portfolio stage\n", encoding="utf-8")
    return out


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _front_matter(front: dict[str, Any]) -> str:
    # JSON is valid YAML: every value is quoted as it must be.
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in front.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n"


def _read_bounded(path: Path, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file, opened without blocking: a file swapped for a
    FIFO, or grown past the limits, after the check neither hangs nor floods the build."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return b""
        with os.fdopen(fd, "rb", closefd=False) as source:
            return source.read(limit)
    finally:
        os.close(fd)


def _read_page(path: Path, src: str, limit: int) -> tuple[dict[str, Any], str]:
    """The page's front matter (as our reader reads it) and body; undecodable bytes replaced."""
    try:
        data = _read_bounded(path, limit)
    except OSError:
        return {}, ""  # reported by the core (`encoding`: unreadable)
    text = decode(data, ProblemSink(src))
    if text is None:
        text = data.decode("utf-8-sig", errors="replace").replace("\r\n", "\n")
    source = split(text, ProblemSink(src))
    if not source.has_front_matter:
        return {}, text
    return dict(source.meta or {}), source.body


def _title(meta: dict[str, Any], body: str, src: str) -> str:
    """The title as the engine would find it (front matter, first heading, file name), as text."""
    title = meta.get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    heading = _H1.search(body)
    if heading:
        return heading.group(1)
    path = PurePosixPath(src)
    if path.stem in ("index", "README"):
        return _dirname_title(path.parent.name) if path.parent.name else "Home"
    return _dirname_title(path.stem)


def _dirname_title(name: str) -> str:
    """How MkDocs names a section (or a page without a title) after a file or folder."""
    title = name.replace("-", " ").replace("_", " ")
    return title.capitalize() if title.lower() == title else title


# -- URLs ----------------------------------------------------------------------------


def _urls(pages: list[str], others: list[str], generated: list[str], active: set[str], use_directory_urls: bool) -> dict[str, str]:
    """Each file's URL from the site root, exactly as the engines compute it (MkDocs' File)."""
    from mkdocs.structure.files import File

    urls: dict[str, str] = {}
    for src in [*pages, *generated]:
        file = File(src, "docs", "site", use_directory_urls)
        urls[src] = file.url
        urls["@dest:" + src] = file.dest_uri
    for src in others:
        dest = docs_tree.inert_name(src) if src in active and docs_tree.active_kind(src) != docs_tree.ACTIVE_SVG else None
        urls[src] = File(src, "docs", "site", use_directory_urls, dest_uri=dest).url
    return urls


def _resolver(urls: dict[str, str], src: str) -> Callable[[str], str]:
    from mkdocs.utils import get_relative_url

    here = urls[src]

    def url_for(target_src: str) -> str:
        target = urls.get(target_src, target_src)
        return get_relative_url(target, here) if target else "."

    return url_for


# -- nav and configuration -------------------------------------------------------------


def _nav(
    dossier: Dossier, report: dict[str, Any], declared: Any, pages: list[str], generated: list[render.GeneratedPage],
    titles: dict[str, str], project: Project,
) -> list[Any]:
    """The nav as the plugin makes it: home, the candidate's pages, Compétences, the report."""
    lang = dossier.lang
    staged = set(pages) | {g.src for g in generated}
    listed: set[str] = set()
    if isinstance(declared, list):
        items = _declared_nav(declared, staged, listed)
    else:
        items = _tree_nav([p for p in pages], titles)
        listed.update(pages)
    items = [item for item in items if item != view.HOME_SRC and not (isinstance(item, dict) and view.HOME_SRC in item.values())]
    items.insert(0, {translate(lang, "nav.home"): view.HOME_SRC})
    if report["domains"] and view.COMPETENCIES_SRC in staged and view.COMPETENCIES_SRC not in listed:
        children: list[Any] = [view.COMPETENCIES_SRC]
        for domain, competencies in view.by_domain(report):
            domain_pages = [view.competency_src(c["code"]) for c in competencies]
            children.append({html.escape(view.domain_label(domain), quote=False): domain_pages})
        items.append({translate(lang, "nav.competencies"): children})
    for src in (view.REPORT_SRC, view.ATTESTATION_SRC):
        if src in staged and src not in listed:
            items.append(src)
    return items


def _declared_nav(entries: list[Any], staged: set[str], listed: set[str]) -> list[Any]:
    """The dossier's own ``nav:``, keeping only staged pages and web links; titles escaped."""
    result: list[Any] = []
    for entry in entries:
        title, value = (None, entry) if not isinstance(entry, dict) or len(entry) != 1 else next(iter(entry.items()))
        if isinstance(value, list):
            children = _declared_nav(value, staged, listed)
            if children and title is not None:
                result.append({html.escape(str(title), quote=False): children})
            continue
        if not isinstance(value, str):
            continue
        path = value.lstrip("/")
        if path in staged:
            listed.add(path)
            result.append(path if title is None else {html.escape(str(title), quote=False): path})
        elif urls_mod.web_url(value) is not None and title is not None:
            result.append({html.escape(str(title), quote=False): value})
    return result


def _tree_nav(pages: list[str], titles: dict[str, str]) -> list[Any]:
    """The nav MkDocs makes from the docs folder: a folder's pages (index first), then its
    subfolders as sections, named after their index page's title (as the plugin names them)."""
    root: dict[str, Any] = {"pages": [], "dirs": {}}
    for src in sorted(pages, key=_sort_key):
        node = root
        parts = src.split("/")
        for part in parts[:-1]:
            node = node["dirs"].setdefault(part, {"pages": [], "dirs": {}})
        node["pages"].append(src)

    def items(node: dict[str, Any], name: str) -> list[Any]:
        result: list[Any] = list(node["pages"])
        for dirname, child in node["dirs"].items():
            sub = f"{name}{dirname}/"
            index = next((p for p in child["pages"] if PurePosixPath(p).stem == "index"), None)
            title = titles.get(index) if index else None
            result.append({html.escape(title or _dirname_title(dirname), quote=False): items(child, sub)})
        return result

    return items(root, "")


def _sort_key(src: str) -> tuple[Any, ...]:
    parts = src.split("/")
    stem = PurePosixPath(parts[-1]).stem
    return (*[(1, p) for p in parts[:-1]], (0, stem not in ("index", "README"), parts[-1]))


def _config(
    dossier: Dossier, raw: dict[str, Any], nav: list[Any], token: str, request: StageRequest, use_directory_urls: bool,
    staged: Staged,
) -> dict[str, Any]:
    """The staged mkdocs.yml. Of the dossier's own, only plain data, each value checked: nothing
    in it runs (no hooks, plugins, scripts, templates, ``extra:``), reads a file (only the safe
    extensions of ``cohort/trusted``), nor breaks out of the markup Material writes it into."""
    from portfolio_builder.cohort import trusted

    project = dossier.project
    settings = project.settings
    if project.untrusted:
        return _trusted_config(dossier, raw, nav, token, request, staged)
    docs = staged.root / "docs"
    theme = _theme(raw.get("theme"), dossier.lang, docs, staged.left_out)
    features = list(theme.get("features") or [])
    declared_plugins = _plugin_names(raw.get("plugins"))
    # MkDocs' default is `search`; a dossier that lists its plugins without it has no search.
    plugins = ["search"] if "plugins" not in raw or {"search", "material/search"} & set(declared_plugins) else []
    staged.left_out.extend(
        f"plugins: {name[:40]}" for name in declared_plugins if name not in ("search", "material/search", "portfolio")
    )
    if request.offline:
        features, plugins = _offline(features, plugins)
    if settings.prune_nav and "navigation.prune" not in features and "navigation.expand" not in features:
        features.append("navigation.prune")
    theme["features"] = features
    declared = raw.get("markdown_extensions")
    extensions = trusted.safe_extensions(declared, None, own_options=True)
    kept = {_extension_name(e) for e in extensions}
    staged.left_out.extend(
        f"markdown_extensions: {name}" for name in _extension_names(declared) if name not in kept and name != _MDEXT
    )
    extensions.append(_mdext_entry(token, staged, dossier))
    css = [CSS_PATH]
    for entry in _listed(raw.get("extra_css")):
        path = urls_mod.docs_path(entry, docs)
        if path is None:
            staged.left_out.append(f"extra_css: {str(entry)[:80]!r}")
        elif path not in css:
            css.append(path)
    config: dict[str, Any] = {
        "site_name": html.escape(project.site_name or translate(dossier.lang, "nav.home"), quote=False),
        "docs_dir": "docs",
        "site_dir": "site",  # inside the stage: Zensical requires it
        "use_directory_urls": use_directory_urls,
        "theme": theme,
        "markdown_extensions": extensions,
        "plugins": plugins,
        "extra_css": css,
        "nav": nav,
    }
    for key in ("site_description", "site_author", "copyright"):
        if isinstance(raw.get(key), str):
            # Our footer (overrides/partials/copyright.html) escapes the copyright itself.
            config[key] = raw[key] if key == "copyright" else html.escape(raw[key])
    if raw.get("site_url") is not None:
        site_url = urls_mod.web_url(raw.get("site_url"))
        if site_url is None:
            staged.left_out.append("site_url")
        else:
            config["site_url"] = site_url
    for key in ("hooks", "extra_javascript", "extra"):
        if raw.get(key):
            staged.left_out.append(key)
    return config


_MDEXT = "portfolio_builder.publish.mdext"


def _mdext_entry(token: str, staged: Staged, dossier: Dossier) -> dict[str, Any]:
    # Always sanitised: `sanitize_html: false` only applies to a user's own `mkdocs build` with the plugin.
    return {_MDEXT: {"token": token, "sanitize": True, "inert": bool(dossier.active_files), "pages": staged.regions}}


def _plugin_names(declared: Any) -> list[str]:
    if isinstance(declared, dict):
        return [str(k) for k in declared]
    return [_extension_name(e) for e in _listed(declared)]


def _extension_names(declared: Any) -> list[str]:
    if isinstance(declared, dict):
        return [str(k) for k in declared]
    return [_extension_name(e) for e in _listed(declared)]


# Material's features (a name it does not know is dropped).
MATERIAL_FEATURES = frozenset({
    "announce.dismiss", "content.action.edit", "content.action.view", "content.code.annotate", "content.code.copy",
    "content.code.select", "content.footnote.tooltips", "content.tabs.link", "content.tooltips", "header.autohide",
    "navigation.expand", "navigation.footer", "navigation.indexes", "navigation.instant", "navigation.instant.prefetch",
    "navigation.instant.progress", "navigation.instant.preview", "navigation.path", "navigation.prune",
    "navigation.sections", "navigation.tabs", "navigation.tabs.sticky", "navigation.top", "navigation.tracking",
    "search.highlight", "search.share", "search.suggest", "toc.follow", "toc.integrate",
})
_WORD = re.compile(r"[a-z-]{1,40}")
_ICON = re.compile(r"[a-z0-9/_-]{1,80}")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z]{2,4})?")
_LABEL = re.compile(r"[\w ,.()-]{0,64}")
_MEDIA = {"(prefers-color-scheme)", "(prefers-color-scheme: light)", "(prefers-color-scheme: dark)"}
_THEME_KEYS = ("features", "palette", "language", "logo", "favicon", "icon", "direction")


def _theme(declared: Any, lang: str, docs: Path, left_out: list[str]) -> dict[str, Any]:
    """Material's theme: an allow-list of keys, each value checked (Material writes them raw)."""
    given: dict[str, Any] = declared if isinstance(declared, dict) else {}
    theme: dict[str, Any] = {"name": "material"}
    features = [f for f in _listed(given.get("features")) if isinstance(f, str) and f in MATERIAL_FEATURES]
    theme["features"] = features
    palette = _palette(given.get("palette"))
    if palette is not None:
        theme["palette"] = palette
    language = given.get("language")
    theme["language"] = language if isinstance(language, str) and language not in ("en", "fr") and _language_ok(language) else lang
    for key in ("logo", "favicon"):
        if given.get(key) is not None:
            path = urls_mod.docs_path(given.get(key), docs)
            if path is not None:
                theme[key] = path
    icon = _icons(given.get("icon"))
    if icon:
        theme["icon"] = icon
    if given.get("direction") in ("ltr", "rtl"):
        theme["direction"] = given["direction"]
    for key, value in given.items():
        if key not in ("name", "font") and (key not in _THEME_KEYS or (key in ("logo", "favicon") and key not in theme)):
            left_out.append(f"theme.{str(key)[:40]}")
        elif key == "language" and value != theme["language"] and value not in ("en", "fr"):
            left_out.append("theme.language")
    # Our overrides move Material's (and Zensical's) inline scripts to files: the CSP allows none.
    theme.update({"font": False, "custom_dir": "overrides"})
    return theme


def _language_ok(language: str) -> bool:
    if not _LANGUAGE.fullmatch(language):
        return False
    try:
        from importlib.resources import files

        return files("material").joinpath("templates", "partials", "languages", f"{language}.html").is_file()
    except (ImportError, OSError, ValueError):
        return False


def _palette(value: Any) -> Any:
    def one(entry: Any) -> dict[str, Any] | None:
        if not isinstance(entry, dict):
            return None
        kept: dict[str, Any] = {}
        for key in ("scheme", "primary", "accent"):
            if isinstance(entry.get(key), str) and _WORD.fullmatch(entry[key]):
                kept[key] = entry[key]
        if entry.get("media") in _MEDIA:
            kept["media"] = entry["media"]
        toggle = entry.get("toggle")
        if isinstance(toggle, dict) and isinstance(toggle.get("icon"), str) and _ICON.fullmatch(toggle["icon"]):
            name = toggle.get("name")
            kept["toggle"] = {"icon": toggle["icon"], "name": name if isinstance(name, str) and _LABEL.fullmatch(name) else ""}
        return kept or None

    if isinstance(value, dict):
        return one(value)
    if isinstance(value, list):
        entries = [e for e in (one(v) for v in value[:8]) if e is not None]
        return entries or None
    return None


def _icons(value: Any, depth: int = 0) -> dict[str, Any]:
    if not isinstance(value, dict) or depth > 1:
        return {}
    kept: dict[str, Any] = {}
    for key, item in list(value.items())[:64]:
        if not isinstance(key, str) or not _ICON.fullmatch(key):
            continue
        if isinstance(item, str) and _ICON.fullmatch(item):
            kept[key] = item
        elif isinstance(item, dict):
            inner = _icons(item, depth + 1)
            if inner:
                kept[key] = inner
    return kept


def _trusted_config(
    dossier: Dossier, raw: dict[str, Any], nav: list[Any], token: str, request: StageRequest, staged: Staged
) -> dict[str, Any]:
    """An untrusted dossier (a cohort, ``--sign/--jury/--reviews``): the institution's configuration
    (``cohort/trusted.py``), only the names of safe extensions taken from the dossier."""
    from portfolio_builder.cohort import trusted

    project = dossier.project
    theme = {"name": "material", "language": dossier.lang, "font": False, "custom_dir": "overrides",
             "features": ["navigation.sections", "navigation.indexes", "navigation.prune"]}
    options = request.trusted_options
    extensions = trusted.merged_extensions(raw.get("markdown_extensions"), options)
    extensions.append(_mdext_entry(token, staged, dossier))
    return {
        # Material writes site_name into every page as HTML: the dossier's is text.
        "site_name": html.escape(str(raw.get("site_name") or project.settings.candidate_name or "Dossier")),
        "docs_dir": "docs",
        "site_dir": "site",
        "use_directory_urls": True,
        "theme": theme,
        "markdown_extensions": extensions,
        "plugins": ["search"],
        "extra_css": [CSS_PATH],
        "nav": nav,
    }


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class _Plugins(dict):
    events: dict[str, list[Any]] = {}


def _offline(features: list[str], plugins: list[str]) -> tuple[list[str], list[str]]:
    """What ``outputs.make_offline`` does to a loaded MkDocs config, applied to the staged one."""
    from types import SimpleNamespace

    from portfolio_builder.outputs import make_offline

    config = SimpleNamespace(use_directory_urls=False, theme={"features": list(features)}, plugins=_Plugins({p: object() for p in plugins}))
    config.plugins.events = {}
    make_offline(config)
    # The search plugin stays: its index becomes the offline search (`outputs.add_offline_search`,
    # after the engine); MkDocs in this process leaves it out of the plugin table (`engines.Aids.offline`).
    return [str(f) for f in config.theme.get("features") or []], plugins


def _extension_name(entry: Any) -> str:
    return next(iter(entry)) if isinstance(entry, dict) and entry else str(entry)


def _deferred_stub(token: str, src: str, title: str, search_text: str) -> str:
    """A generated page's stand-in: its heading (so that the theme adds none) and its search
    text, in an element named by a key drawn from this build's token (unguessable, and never
    the token itself, which must not reach the site)."""
    key = hmac.new(token.encode("ascii"), f"deferred:{src}".encode(), hashlib.sha256).hexdigest()[:32]
    heading, text = html.escape(title, quote=False), html.escape(search_text, quote=False)
    return f'<div class="pb-deferred" data-pb-deferred="{key}"><h1>{heading}</h1><p>{text}</p></div>'


def _credential(dossier: Dossier, report: dict[str, Any], sign_key: Any) -> str:
    """The signed attestation of this build, when the jury has decided and the build signs."""
    if sign_key is None or not view.has_attestation(report):
        return ""
    from portfolio_builder.core import attestation

    try:
        return attestation.issue_credential(dossier, sign_key)
    except attestation.NotDecided:
        return ""
