"""Theme assets shared by every site of a cohort: written once, hard-linked into each site.

Decided: **hard links**, not relative links to a common folder. A hard-linked file *is*
the file, so each dossier's site stays whole on its own (copied out of the cohort, the
copy carries real files), its ``manifest.json`` lists the same SHA-256 as a plain build
and ``portfolio verify`` needs no special case. Where the file system refuses a link
(another device, no hard links), the file is copied, as a plain build does.

Only the trusted theme's static files are shared (Material's and our overrides' assets,
never a file of the dossier: MkDocs lets a docs file of the same path win, and that one is
copied). The store keeps one read-only copy per theme file, keyed by its source path, size
and modification time, so a theme upgraded between two cohorts is never mixed up. Workers
fill it concurrently and safely: each copy is written under a unique name, then linked
into place; the first one wins.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from pathlib import Path

from mkdocs.structure.files import File, Files

STORE_MODE = 0o444  # a write through one site's link would change every site: refuse it


def _key(source: Path) -> str:
    info = source.stat()
    ident = f"{source.resolve()}\0{info.st_size}\0{info.st_mtime_ns}".encode()
    return hashlib.sha256(ident).hexdigest()[:40] + source.suffix


def stored(store: Path, source: Path) -> Path:
    """The store's copy of ``source``, written once (atomically, race-free across workers)."""
    target = store / _key(source)
    if target.exists():
        return target
    store.mkdir(parents=True, exist_ok=True)
    partial = store / f".{uuid.uuid4().hex}.part"
    shutil.copyfile(source, partial)
    os.chmod(partial, STORE_MODE)
    try:
        os.link(partial, target)  # fails if another worker got there first: theirs is the same
    except FileExistsError:
        pass
    finally:
        os.unlink(partial)
    return target


def place(store: Path, source: Path, dest: Path) -> bool:
    """Put ``source`` at ``dest`` as a hard link to the store; copy where links are refused.
    True when linked."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists() or dest.is_symlink():
        dest.unlink()  # never write through an existing entry
    try:
        os.link(stored(store, source), dest)
        return True
    except OSError:  # EXDEV, EPERM, EMLINK, ENOTSUP…: a plain copy, as MkDocs would make
        shutil.copyfile(source, dest)
        return False


class SharedThemeFile(File):
    """A theme static file placed by ``place`` instead of copied."""

    store: Path

    def copy_file(self, dirty: bool = False) -> None:
        assert self.abs_src_path is not None
        place(self.store, Path(self.abs_src_path), Path(self.abs_dest_path))


def share_theme_files(files: Files, theme_dirs: list[str], store: Path, site_dir: str, use_directory_urls: bool) -> int:
    """Swap each static file that comes from a theme folder for a shared one; return how many."""
    roots = {os.path.realpath(d) for d in theme_dirs}
    theirs: dict[str, bool] = {}  # src_dir → is a theme folder (a few distinct ones)
    count = 0
    for file in list(files):
        if file.is_documentation_page() or file.generated_by is not None or file.abs_src_path is None:
            continue
        src_dir = file.src_dir or ""
        if src_dir not in theirs:
            theirs[src_dir] = os.path.realpath(src_dir) in roots
        if not theirs[src_dir]:
            continue  # the dossier's own file (it wins over a theme file of the same path)
        shared = SharedThemeFile(file.src_uri, file.src_dir, site_dir, use_directory_urls)
        shared.store = store
        files.remove(file)
        files.append(shared)
        count += 1
    return count
