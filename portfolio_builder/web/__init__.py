"""HTML helpers for the published site (no MkDocs import): sanitising, CSP, links."""
