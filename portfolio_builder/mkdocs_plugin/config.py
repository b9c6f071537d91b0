"""The plugin's typed options: the dossier metadata of ``schema/dossier.schema.json``.

MkDocs validates types here only loosely on purpose: the core validates the
same entry against the JSON Schema and reports each mistake at its line in
mkdocs.yml, which MkDocs' own config errors cannot do.
"""

from __future__ import annotations

from mkdocs.config import config_options as opt
from mkdocs.config.base import Config


class PortfolioConfig(Config):
    referential = opt.Optional(opt.Type(object))
    candidate = opt.Optional(opt.Type(object))
    institution = opt.Optional(opt.Type(object))
    session = opt.Optional(opt.Type(object))
    correspondent = opt.Optional(opt.Type(object))
    language = opt.Optional(opt.Type(object))
    mode = opt.Optional(opt.Type(object))
    reviews_dir = opt.Optional(opt.Type(object))
    jury = opt.Optional(opt.Type(object))
    previous_attestations = opt.Optional(opt.Type(object))
    indexing = opt.Optional(opt.Type(object))
    sanitize_html = opt.Optional(opt.Type(object))
    prune_nav = opt.Optional(opt.Type(object))
