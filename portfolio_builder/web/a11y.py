"""Small accessibility repairs to Material's markup that templates cannot reach without copying them."""

from __future__ import annotations

import html
import re

_SEARCH_DIALOG = re.compile(r'(<div class="md-search" data-md-component="search" role="dialog")(>)')


def name_search_dialog(page: str, label: str) -> str:
    """Material's search overlay is a dialog without a name (axe: aria-dialog-name)."""
    return _SEARCH_DIALOG.sub(lambda m: f'{m.group(1)} aria-label="{html.escape(label)}"{m.group(2)}', page, count=1)
