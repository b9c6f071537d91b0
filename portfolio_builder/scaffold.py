"""``portfolio new``: a new dossier, ready to check, build, publish and pre-commit."""

from __future__ import annotations

import json
import os
from pathlib import Path

from portfolio_builder import __version__
from portfolio_builder.core import editor_schema
from portfolio_builder.core.referential import load_shipped
from portfolio_builder.i18n import translate

SCHEMA_NAME = editor_schema.DEFAULT_NAME


class NotEmpty(Exception):
    """The target folder already holds files; nothing was written."""


def install_spec() -> str:
    """What the scaffold's CI installs: this very release, unless the institution says otherwise.

    Until portfolio-builder is published on PyPI, set PORTFOLIO_BUILDER_SPEC (for example
    ``portfolio-builder @ git+https://git.example.org/dnc/portfolio_builder@v0.1.0``)
    before ``portfolio new``.
    """
    return os.environ.get("PORTFOLIO_BUILDER_SPEC") or f"portfolio-builder=={__version__}"


def _q(text: str) -> str:
    """A YAML-safe scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _mkdocs_yml(referential_id: str, lang: str, candidate: str) -> str:
    t = lambda key, **kw: translate(lang, key, **kw)  # noqa: E731
    return f"""# {t("scaffold.mkdocs_comment")}
site_name: {_q(t("scaffold.site_name", candidate=candidate or t("scaffold.candidate_placeholder")))}
theme:
  name: material
  language: {lang}
  features:
    - navigation.sections
    - navigation.indexes
markdown_extensions:
  - admonition
  - attr_list
  - tables
  - toc:
      permalink: true
plugins:
  - search
  - portfolio:
      referential: {referential_id}
      candidate:
        name: {_q(candidate or t("scaffold.candidate_placeholder"))}
        # student_id: "12345678"   # {t("scaffold.student_id_comment")}
      institution: {_q(t("scaffold.institution_placeholder"))}
      session: {_q(t("scaffold.session_placeholder"))}
      language: {lang}
      mode: training   # {t("scaffold.mode_comment")}
"""


def _index_md(lang: str, candidate: str) -> str:
    t = lambda key, **kw: translate(lang, key, **kw)  # noqa: E731
    return f"# {t('scaffold.site_name', candidate=candidate or t('scaffold.candidate_placeholder'))}\n\n{t('scaffold.index_body')}\n"


def _first_evidence(referential_id: str, lang: str, schema_path: str) -> str:
    t = lambda key, **kw: translate(lang, key, **kw)  # noqa: E731
    competency = next(iter(load_shipped(referential_id).competencies.values()))
    # The first line tells the YAML language server which schema completes this front matter.
    return f"""---
# yaml-language-server: $schema={schema_path}
title: {_q(t("scaffold.evidence_title"))}
type: coursework
date: 2026-01-15
context: {_q(t("scaffold.evidence_context"))}
competencies:
  - code: "{competency.code}"
    argument: {_q(t("scaffold.evidence_argument", code=competency.code, title=competency.title))}
    anchor: {t("scaffold.evidence_anchor")}
---

{t("scaffold.evidence_body")}
"""


# Build output, and what a build leaves beside it (lock, temporary folders).
_GITIGNORE = "site/\npublic/\n.*.lock\n.*.tmp-*/\n.*.old-*/\n.venv/\n__pycache__/\n"


def _gitlab_ci() -> str:
    return f"""# GitLab Pages: checks the dossier, then publishes the public site (report.json included).
image: python:3.11   # with git: review dates are compared with commit dates
variables:
  GIT_DEPTH: 0        # the full history, for the same reason

pages:
  script:
    - pip install "{install_spec()}"
    - portfolio check
    - portfolio build --public -d public
  artifacts:
    paths:
      - public
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
"""


def _github_workflow() -> str:
    return f"""# GitHub Pages: checks the dossier (annotations on the pull request), then publishes the public site.
name: dossier
on:
  push:
    branches: [main]
  pull_request:
permissions:
  contents: read
  pages: write
  id-token: write
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0   # full history: review dates are compared with commit dates
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: pip install "{install_spec()}"
      - run: portfolio check --format github
      - run: portfolio build --public -d site
      - uses: actions/upload-pages-artifact@v3
        with:
          path: site
  deploy:
    if: github.ref == 'refs/heads/main'
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
    steps:
      - uses: actions/deploy-pages@v4
"""


_PRE_COMMIT = """# pre-commit (https://pre-commit.com): `pre-commit install`, then every commit runs `portfolio check`.
repos:
  - repo: local
    hooks:
      - id: portfolio-check
        name: portfolio check
        entry: portfolio check
        language: system
        pass_filenames: false
        files: '\\.(md|markdown|ya?ml)$'
"""


def _editor_settings(kind: str) -> str:
    """Editor settings that hand the dossier's pages to the YAML language server with our schema."""
    schemas = {f"./{SCHEMA_NAME}": ["docs/**/*.md"]}
    if kind == "vscode":
        settings: dict = {"yaml.schemas": schemas}
    else:  # Zed
        settings = {"lsp": {"yaml-language-server": {"settings": {"yaml": {"schemas": schemas}}}}}
    return json.dumps(settings, ensure_ascii=False, indent=2) + "\n"


def create(directory: Path, referential_id: str, lang: str, candidate: str = "") -> list[Path]:
    """Write the new dossier; refuse a folder that already has files in it."""
    if directory.exists() and any(directory.iterdir()):
        raise NotEmpty(str(directory))
    referential = load_shipped(referential_id)
    files = {
        "mkdocs.yml": _mkdocs_yml(referential_id, lang, candidate),
        "docs/index.md": _index_md(lang, candidate),
        f"docs/{translate(lang, 'scaffold.evidence_dir')}/{translate(lang, 'scaffold.evidence_file')}.md": _first_evidence(
            referential_id, lang, f"../../{SCHEMA_NAME}"
        ),
        # Completion of competency codes in the student's editor (`portfolio schema` rewrites it).
        SCHEMA_NAME: editor_schema.to_json(editor_schema.build(referential, lang)),
        ".vscode/settings.json": _editor_settings("vscode"),
        ".vscode/extensions.json": json.dumps({"recommendations": ["redhat.vscode-yaml"]}, indent=2) + "\n",
        ".zed/settings.json": _editor_settings("zed"),
        "reviews/.gitkeep": "",
        ".gitignore": _GITIGNORE,
        ".gitlab-ci.yml": _gitlab_ci(),
        ".github/workflows/dossier.yml": _github_workflow(),
        ".pre-commit-config.yaml": _PRE_COMMIT,
    }
    written = []
    for rel, text in files.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
