"""Live reload that works under the site's Content-Security-Policy.

MkDocs' development server injects an *inline* reload script into every page it
serves; the policy of our pages forbids inline script, so the browser refused
it and never reloaded. Instead, on a served site only, the server injects a
``<script src>`` of the site itself (allowed by ``script-src 'self'``) that
carries the page's epoch in data attributes; the script is MkDocs' own,
rewritten only to read them. A built site never contains it, and its policy is
unchanged: no inline script, no ``'unsafe-inline'``, no nonce.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SCRIPT_PATH = "assets/portfolio/livereload.js"  # relative to the site root
_CALL = "livereload(${epoch}, ${request_id});"
_FROM_DATA = ";(function (script) { livereload(+script.dataset.epoch, +script.dataset.requestId); })(document.currentScript);"
# (The leading ";" ends MkDocs' `var livereload = function …}` statement, which has none.)


def script_text() -> str | None:
    """MkDocs' reload script, taking its arguments from its own tag; ``None`` if this
    MkDocs writes it differently (the server then keeps its own injection)."""
    try:
        from mkdocs import livereload
    except ImportError:  # pragma: no cover - MkDocs is a dependency
        return None
    template = getattr(livereload, "_SCRIPT_TEMPLATE_STR", None)
    if not isinstance(template, str) or _CALL not in template:
        return None
    return template.replace(_CALL, _FROM_DATA)


def write_script(site_dir: Path) -> bool:
    """Put the reload script in a served site (never in a built one)."""
    text = script_text()
    if text is None:
        return False
    target = site_dir / SCRIPT_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return True


def install(server: Any) -> bool:
    """Make MkDocs' live-reload server inject the script by URL instead of inline."""
    if not hasattr(server, "_inject_js_into_html") or script_text() is None:
        return False
    from mkdocs.livereload import _timestamp

    mount = getattr(server, "mount_path", "/") or "/"
    src = (mount if mount.endswith("/") else mount + "/") + SCRIPT_PATH

    def inject(content: bytes, epoch: int) -> bytes:
        tag = f'<script src="{src}" data-epoch="{int(epoch)}" data-request-id="{int(_timestamp())}"></script>'.encode()
        end = content.rfind(b"</body>")
        end = len(content) if end < 0 else end
        return content[:end] + tag + content[end:]

    server._inject_js_into_html = inject
    return True


def watch(server: Any, path: Path) -> None:
    """Watch ``path``, even one created after the server started (a first ``jury.yml``,
    a ``reviews/`` folder): its folder is watched until it appears."""
    path = path.absolute()
    if path.exists():
        server.watch(str(path))
        return
    parent = next((p for p in path.parents if p.is_dir()), None)
    if parent is None:
        return
    # A file created right there (jury.yml) rebuilds through this watch.
    server.watch(str(parent), recursive=False)
    observer = getattr(server, "observer", None)
    if observer is None:
        return
    import watchdog.events

    def appeared(event: Any) -> None:
        if not path.exists():
            return
        server.watch(str(path))  # a folder (reviews/): from now on, its files too
        _request_rebuild(server)

    handler = watchdog.events.FileSystemEventHandler()
    handler.on_any_event = appeared  # type: ignore[method-assign]
    observer.schedule(handler, str(parent), recursive=False)


def _request_rebuild(server: Any) -> None:
    condition = getattr(server, "_rebuild_cond", None)
    if condition is None or not hasattr(server, "_want_rebuild"):
        return
    with condition:
        server._want_rebuild = True
        condition.notify_all()
