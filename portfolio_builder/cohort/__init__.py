"""Cohorts: build many dossiers safely and in parallel, plus a dashboard.

Each dossier is untrusted input: it is built with the cohort's own trusted
configuration (``trusted``), never with its own mkdocs.yml; only its metadata,
pages and attachments are read, as data.
"""
