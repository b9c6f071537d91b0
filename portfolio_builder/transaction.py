"""Write several files as one: every one of them, or none.

Each new content goes to a temporary file beside its target first (flushed to
disk), each existing target keeps a hard-linked backup, then the temporary
files are renamed over the targets. If any step fails, the targets already
replaced get their backup back (or are removed when they did not exist), so a
reader never finds half a set of jury files.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path


def write_all(files: dict[Path, bytes]) -> None:
    temporaries: dict[Path, str] = {}
    backups: dict[Path, str] = {}
    replaced: list[Path] = []
    try:
        mode = _default_mode()
        for target, data in files.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.tmp-", dir=target.parent)
            temporaries[target] = tmp
            # mkstemp makes 0600: a replaced file keeps its mode, a new one gets the usual one.
            try:
                os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode) if target.is_file() else mode)
            except OSError:  # pragma: no cover - a file system without modes
                pass
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        for target in files:
            if target.exists():
                backup = tempfile.mktemp(prefix=f".{target.name}.bak-", dir=target.parent)  # noqa: S306 - linked below, never opened
                try:
                    os.link(target, backup)
                except OSError:
                    shutil.copy2(target, backup)
                backups[target] = backup
        for target in files:
            os.replace(temporaries[target], target)
            del temporaries[target]
            replaced.append(target)
        _sync_dirs({t.parent for t in files})
    except BaseException:
        for target in reversed(replaced):
            try:
                if target in backups:
                    os.replace(backups.pop(target), target)
                else:
                    target.unlink(missing_ok=True)
            except OSError:  # pragma: no cover - the disk itself failed; the backup stays beside it
                pass
        raise
    finally:
        for leftover in list(temporaries.values()) + list(backups.values()):
            Path(leftover).unlink(missing_ok=True)


def _default_mode() -> int:
    """0666 less the umask: the mode `open()` would give a new file."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_all_one(path: Path, data: bytes) -> None:
    """One file, atomically: a reader sees the old content or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_all({path: data})


def _sync_dirs(folders: set[Path]) -> None:
    for folder in folders:
        try:
            fd = os.open(folder, os.O_RDONLY)
        except OSError:  # pragma: no cover - Windows cannot open a folder
            continue
        try:
            os.fsync(fd)
        except OSError:  # pragma: no cover
            pass
        finally:
            os.close(fd)
