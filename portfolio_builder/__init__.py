"""portfolio_builder: check, measure and publish a dossier numérique de compétences.

The package is split in two layers:

* ``portfolio_builder.core``: a pure library (read → validate → coverage and
  verdicts → report data). It never imports MkDocs.
* adapters around it: the ``portfolio`` command line (``cli``) and the MkDocs
  plugin (``mkdocs_plugin``).
"""

__version__ = "0.1.0"
