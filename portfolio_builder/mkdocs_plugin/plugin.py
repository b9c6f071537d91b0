"""The ``portfolio`` MkDocs plugin: a thin adapter between MkDocs and the core.

Each event handler delegates: the core checks the dossier and produces the data
of every page (``core.view``); ``generated`` adds the competency, report and
attestation pages and their nav; ``web`` sanitises HTML and sets the CSP; the
fragments in ``theme/portfolio/`` (rendered by ``publish/render.py``) lay the data out.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from portfolio_builder.core import docs_tree, frontmatter, integrity, view
from portfolio_builder.core import report as report_mod
from portfolio_builder.core.check import Dossier, Options, check_project
from portfolio_builder.core.limits import DEFAULT as DEFAULT_LIMITS
from portfolio_builder.core.limits import Limits
from portfolio_builder.core.problems import ProblemSink
from portfolio_builder.core.project import ConfigError, Untrusted, load_project
from portfolio_builder.i18n import LANGUAGES, strings, translate
from portfolio_builder.mkdocs_plugin import generated, incremental, livereload, nav_cache, theme_env
from portfolio_builder.mkdocs_plugin.config import PortfolioConfig
from portfolio_builder.publish import guard, postprocess, render
from portfolio_builder.resources import material_overrides_dir
from portfolio_builder.web import sanitize

log = get_plugin_logger("portfolio")

CSS_PATH = "assets/portfolio/portfolio.css"


@dataclass
class BuildOptions:
    """How this build runs: given as arguments by `portfolio build`/`serve` (``construct``);
    a user's own `mkdocs build`/`serve` constructs the plugin bare and gets these defaults
    (and stops if a variable earlier versions read is set: ``_former_variables``)."""

    public: bool = False
    allow_dirty: bool = False
    source_config: Path | None = None  # cohort: read the dossier's metadata from here, as data
    untrusted: Untrusted | None = None  # cohort: the dossier is untrusted input, read as data only
    site_target: Path | None = None  # where `portfolio build` will publish (not a change to the dossier)
    issuers: tuple[Any, ...] = ()  # trusted issuers' public keys (credentials.KeyFile)
    sign_key: Any = None  # the institution's private key: report.jwt and manifest.jwt are written
    limits: Limits = DEFAULT_LIMITS  # `portfolio build --limit`, or the cohort's
    shared_assets: Path | None = None  # cohort: the theme's assets are hard links into this store


# What earlier versions read from the environment for a bare plugin, and the flags that say it now.
_FORMER_VARIABLES = {
    "PORTFOLIO_PUBLIC": "--public",
    "PORTFOLIO_ALLOW_DIRTY": "--allow-dirty",
    "PORTFOLIO_ISSUERS": "--issuer",
}


def _former_variables() -> list[str]:
    """The variables of earlier versions set here: a bare plugin refuses to build rather than
    quietly build otherwise than asked (a private build where PORTFOLIO_PUBLIC asked a public one)."""
    return [name for name in _FORMER_VARIABLES if os.environ.get(name)]


class _Seal(BasePlugin):
    """Runs after every other plugin's ``on_post_build`` (the search index included), so that
    the manifest lists every published file."""

    def __init__(self, owner: PortfolioPlugin) -> None:
        self.owner = owner

    @event_priority(-1000)
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        self.owner.seal(Path(config.site_dir))


class PortfolioPlugin(BasePlugin[PortfolioConfig]):
    def __init__(self, options: BuildOptions | None = None) -> None:
        # `portfolio serve` constructs the plugin with its options (``construct``); a user's own
        # `mkdocs build`/`serve` constructs it bare, with the defaults.
        self.bare = options is None
        self.given = options or BuildOptions()
        self.is_serve = False
        self.options = self.given
        self.dossier: Dossier | None = None
        self.pages: generated.GeneratedPages | None = None
        self.env: Any = None
        self.report_json = ""
        self.report: dict[str, Any] = {}  # report.json read back: every page's data comes from it alone
        self.manifest: dict[str, Any] = {}
        self.manifest_view: dict[str, Any] = {}
        self.evidence_index: dict[str, Any] = {}
        self._credential: str | None = None
        self.dirty = False
        self.incremental = incremental.State()
        self._files: Files | None = None

    # -- lifecycle -------------------------------------------------------------
    def on_startup(self, *, command: str, dirty: bool) -> None:
        # Defining on_startup keeps this object across `mkdocs serve` rebuilds (and, as MkDocs
        # caches it per process, across builds: on_shutdown forgets this build's options).
        self.is_serve = command == "serve"
        # `portfolio serve` rebuilds incrementally (MkDocs' dirty mode), kept correct by `incremental`.
        self.dirty = dirty and self.is_serve
        self.incremental = incremental.State()

    def on_shutdown(self) -> None:
        self.options = self.given
        self.dossier = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        if config.theme.name != "material":
            raise PluginError(translate("fr", "plugin.needs_material"))
        former = _former_variables() if self.bare else []
        if former:
            flags = ", ".join(_FORMER_VARIABLES[name] for name in former)
            raise PluginError(translate("fr", "plugin.env_options", names=", ".join(former), flags=flags))
        self._credential = None  # issued again by each build (serve rebuilds)
        theme_env.install(config.theme)  # the theme's listing without its hidden folders, compiled templates reused
        if "portfolio-seal" not in config.plugins:
            config.plugins["portfolio-seal"] = _Seal(self)
        source = self.options.source_config or Path(config.config_file_path)
        try:
            project = load_project(source, docs_dir=Path(config.docs_dir), untrusted=self.options.untrusted)
        except ConfigError as error:
            for problem in error.problems:
                log.error(problem.format("fr"))
            raise PluginError(translate("fr", "plugin.config_failed")) from None
        dossier = check_project(
            project, Options(strict=config.strict, public=self.options.public, issuers=self.options.issuers, limits=self.options.limits)
        )
        self.dossier = dossier
        lang = dossier.lang
        for problem in dossier.problems:
            if problem.code == "missing-competency" and not problem.is_error:
                continue  # summarised below in one line; the report page lists them
            (log.error if problem.is_error else log.warning)(problem.format(lang))
        # The report document, once per build: the pages are laid out from report.json itself.
        self.report_json = report_mod.to_json(report_mod.build(dossier))
        self.report = json.loads(self.report_json)
        log.info(view.summary_line(self.report))
        self._refuse_fatal(config, dossier)
        self._configure_theme(config, dossier)
        return config

    def _refuse_fatal(self, config: MkDocsConfig, dossier: Dossier) -> None:
        """Stop before MkDocs cleans the site folder or walks the docs folder (publish/guard.py)."""
        outputs = tuple(p for p in (self.options.site_target,) if p is not None)
        reason = guard.fatal_reason(
            dossier, strict=config.strict, serve=self.is_serve, untrusted=self.options.untrusted is not None,
            allow_dirty=self.options.allow_dirty, outputs=outputs,
        )
        if reason is not None:
            raise PluginError(reason)

    def _configure_theme(self, config: MkDocsConfig, dossier: Dossier) -> None:
        theme = config.theme
        ours = str(material_overrides_dir())
        if ours not in theme.dirs:
            # After the user's custom_dir (so they can override us), before Material.
            position = 1 if config.theme.custom_dir else 0
            theme.dirs.insert(position, ours)
        if CSS_PATH not in [str(c) for c in config.extra_css]:
            config.extra_css.append(CSS_PATH)
        # No third-party requests (Google Fonts): the CSP allows only the site itself.
        theme["font"] = False
        features = theme.get("features") or []
        if dossier.project.settings.prune_nav and "navigation.prune" not in features and "navigation.expand" not in features:
            # Material renders the whole nav into every page: without pruning the build is quadratic.
            theme["features"] = [*features, "navigation.prune"]
        theme["language"] = dossier.lang if theme.get("language") in (None, *LANGUAGES) else theme["language"]

    # -- files and navigation ---------------------------------------------------
    @event_priority(-50)
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        dossier = self._dossier()
        inert = self.options.public or self.options.untrusted is not None
        shadowed: list[str] = []
        for file in list(files):
            src = file.src_uri
            if file.generated_by is not None or file.src_dir != config.docs_dir:
                continue  # the theme's files and generated pages
            if src in dossier.refused_files:
                files.remove(file)
                if docs_tree.reserved(src):
                    shadowed.append(src)
            elif self.options.public and self._is_private(src):
                files.remove(file)
            elif inert and src in dossier.active_files:
                files.remove(file)
                files.append(_inert(file, config))
        # MkDocs skipped the theme's own copy of a file the docs folder shadowed: put it back.
        for path in shadowed:
            for folder in config.theme.dirs:
                if os.path.isfile(os.path.join(folder, path)) and files.get_file_from_path(path) is None:
                    files.append(File(path, folder, config.site_dir, config.use_directory_urls))
                    break
        self.pages = generated.add_pages(files, config, self.report)
        self._files = files
        if self.options.shared_assets is not None:
            from portfolio_builder.mkdocs_plugin import shared

            shared.share_theme_files(files, config.theme.dirs, self.options.shared_assets, config.site_dir, config.use_directory_urls)
        return files

    def _is_private(self, src: str) -> bool:
        return src in self._dossier().private_pages

    @event_priority(-50)
    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        assert self.pages is not None
        nav = generated.attach_nav(nav, files, self.pages, self.report)
        if self.dirty:
            incremental.mark_stale(self.incremental, files, nav, self._dossier(), config.config_file_path, self.report)
        return nav

    # -- pages --------------------------------------------------------------
    def on_page_read_source(self, *, page: Page, config: MkDocsConfig) -> str | None:
        """A page MkDocs cannot decode (Latin-1, binary) is shown with replacement characters
        instead of stopping the build: the core reports it as `encoding` at its line."""
        path = page.file.abs_src_path
        if path is None or page.file.generated_by is not None:
            return None
        try:
            data = Path(path).read_bytes()
        except OSError:
            return ""  # reported by the core (`encoding`: unreadable)
        try:
            return data.decode("utf-8-sig")  # what MkDocs itself would read
        except UnicodeDecodeError:
            return data.decode("utf-8-sig", errors="replace")

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        if self.options.untrusted is not None and page.file.generated_by is None:
            # A dossier never picks the template its page is rendered with (redirect.html,
            # our report's…): MkDocs reads `template:` from the page's front matter.
            page.meta.pop("template", None)
        if page.meta or not markdown.startswith("---"):
            return markdown
        # MkDocs drops a front matter it cannot load (a date like 2025-13-01) and shows it as
        # text; our reader keeps what it can, and the problem is on the report page.
        source = frontmatter.split(markdown, ProblemSink(page.file.src_uri))
        if not source.has_front_matter or source.body == markdown:
            return markdown
        page.meta = dict(source.meta)
        if self.options.untrusted is not None:
            page.meta.pop("template", None)
        return source.body

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        dossier = self._dossier()
        if page.file.generated_by is None:
            if dossier.project.settings.sanitize_html or self.options.untrusted is not None:
                html = sanitize.clean(html)
        return html

    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        dossier = self._dossier()
        self.env = env
        # Every template (404.html and the footer included) reads our words from `t`.
        env.globals["t"] = strings(dossier.lang)
        # Compiling Material's templates is most of a small build: they are reused across builds
        # (the cache theme_env.install, in on_config, gives every environment of the theme).
        # Each nav item off the current page's path rendered once, not once per page.
        nav_cache.install(env)
        self.manifest = integrity.manifest(dossier, self.report_json)
        self.manifest_view = view.manifest_summary(self.manifest, dossier.lang)
        self.evidence_index = dossier.evidence_by_path()
        _escape_page_text(files, every_string=self.options.untrusted is not None)
        return env

    @event_priority(-100)
    # MkDocs types the context as a closed TypedDict, yet themes and plugins add their own keys to it.
    def on_page_context(self, context: dict[str, Any], *, page: Page, config: MkDocsConfig, nav: Navigation) -> dict[str, Any]:  # type: ignore[override]
        assert self.pages is not None
        self.incremental.rebuilt.add(page.url)
        url_for = generated.url_resolver(page, self.pages.urls)
        context["portfolio_site"] = view.site(self.report, url_for)
        context["portfolio_manifest"] = self.manifest_view
        generated_page = self.pages.generated.get(page.file.src_uri)
        if generated_page is not None:
            # Our pages are our fragments, rendered by our own environment (publish/render.py).
            page.content = render.page(generated_page, self.report, url_for, self.manifest_view, self.signer)
            return context
        card = None
        if page.file.src_uri in self.evidence_index:
            card = render.evidence_card(self.report, page.file.src_uri, url_for)
        elif page.is_homepage:
            card = render.home_card(self.report, url_for, context["portfolio_site"])
        if card is not None:
            page.content = render.after_title(page.content or "", card)
        return context

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        return self._finish_html(output)

    def on_post_template(self, output_content: str, *, template_name: str, config: MkDocsConfig) -> str:
        if not template_name.endswith(".html"):
            return output_content  # sitemap.xml and the like
        return self._finish_html(output_content)

    def _finish_html(self, output: str) -> str:
        dossier = self._dossier()
        return postprocess.finish_html(output, dossier.lang, noindex=not dossier.project.settings.indexing)

    @event_priority(50)  # before the search plugin writes its index
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.dirty and self._files is not None:
            incremental.merge_search_index(self.incremental, config.plugins, self._files)
        site = Path(config.site_dir)
        postprocess.write_data(site, self.report_json, self.credential)
        if self.is_serve:
            livereload.write_script(site)  # served sites only: see livereload.py

    def seal(self, site: Path) -> None:
        """Last of the build (``_Seal``): the manifest of every published file, then the signatures."""
        postprocess.seal(site, self.manifest, self.report_json, self.options.sign_key)

    @property
    def signer(self) -> str:
        """Who signs this build's attestation credential ("" when none is issued)."""
        return self.options.sign_key.issuer.name if self.credential and self.options.sign_key is not None else ""

    @property
    def credential(self) -> str:
        """The signed attestation of this build, issued once, when the jury has decided."""
        if self._credential is None:
            self._credential = ""
            dossier = self.dossier
            if self.options.sign_key is not None and dossier is not None and view.has_attestation(self.report):
                from portfolio_builder.core import attestation

                try:
                    self._credential = attestation.issue_credential(dossier, self.options.sign_key)
                except attestation.NotDecided:
                    self._credential = ""
        return self._credential

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        livereload.install(server)  # the reload script by URL: the page's CSP forbids inline script
        dossier = self.dossier
        if dossier is None:
            return server
        project = dossier.project
        settings = project.settings
        names = [settings.reviews_dir, settings.jury, *settings.previous_attestations]
        watched = [project.resolve(name) for name in names if name]
        if dossier.referential is not None and not dossier.referential.shipped:
            watched.append(Path(dossier.referential.origin))
        for path in watched:
            livereload.watch(server, path)  # also when created later (a first jury.yml)
        return server

    def _dossier(self) -> Dossier:
        if self.dossier is None:  # pragma: no cover - on_config always runs first
            raise PluginError("portfolio: on_config did not run")
        return self.dossier


# Front-matter keys Material writes into pages without escaping them.
_RENDERED_RAW = ("title", "description", "author")


def _escape_page_text(files: Files, every_string: bool) -> None:
    """Escape the page text Material renders raw: titles (from front matter, the first
    heading or the file name) and meta values. A title like « R&D <2> » then shows as
    written, and an untrusted dossier cannot smuggle markup into the header or nav."""
    for file in files.documentation_pages():
        page = file.page
        if page is None or file.generated_by is not None:
            continue
        title = page.title
        # A front matter `title:` that is not text (a mapping, a number) is shown as text, never a crash.
        page.title = html.escape(title if isinstance(title, str) else "" if title is None else str(title), quote=False)
        page.meta = {
            key: _escaped(value) if every_string or key in _RENDERED_RAW else value
            for key, value in page.meta.items()
        }


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return html.escape(value)
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    return value


def _inert(file: File, config: MkDocsConfig) -> File:
    """An active file a browser would run, made inert: SVG cleaned (images keep working),
    HTML and XML published as text under ``<name>.txt`` (links to it follow, as MkDocs
    resolves them from the file's new URL)."""
    if docs_tree.active_kind(file.src_uri) == docs_tree.ACTIVE_SVG:
        file.content_bytes = sanitize.clean_svg(file.content_bytes)
        return file
    return File(
        file.src_uri,
        file.src_dir,
        config.site_dir,
        config.use_directory_urls,
        dest_uri=docs_tree.inert_name(file.dest_uri),
        inclusion=file.inclusion,
    )


def construct(options: BuildOptions | None) -> None:
    """The plugin MkDocs will use in this process, constructed here with its options as
    arguments (`portfolio serve`, and ``build.build_plugin``); None forgets it. MkDocs keeps
    one instance per process of a plugin that has ``on_startup`` (its ``plugin_cache``, which
    `mkdocs serve` reuses at every rebuild): the one put there is the one every load of the
    configuration returns. No environment variable is read, and nothing is set after loading."""
    from mkdocs.config.defaults import MkDocsConfig

    plugins = dict(MkDocsConfig._schema)["plugins"]
    cache = plugins.plugin_cache  # type: ignore[attr-defined]
    if options is None:
        cache.pop("portfolio", None)
    else:
        cache["portfolio"] = PortfolioPlugin(options)
