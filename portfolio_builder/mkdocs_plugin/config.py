"""The plugin's options: the top-level keys of the ``portfolio`` entry (``core.settings``).

Generated from the one definition of the settings, never listed here. MkDocs
validates them only loosely on purpose: the core validates the same entry against
the JSON Schema generated from that definition and reports each mistake at its line
in mkdocs.yml, which MkDocs' own config errors cannot do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mkdocs.config import config_options as opt
from mkdocs.config.base import Config

from portfolio_builder.core.settings import entry_keys

if TYPE_CHECKING:

    class PortfolioConfig(Config):
        """One option per top-level key of the ``portfolio`` entry."""

else:
    PortfolioConfig = type(
        "PortfolioConfig",
        (Config,),
        {
            "__doc__": "One option per top-level key of the ``portfolio`` entry.",
            "__module__": __name__,
            **{key: opt.Optional(opt.Type(object)) for key in entry_keys()},
        },
    )
