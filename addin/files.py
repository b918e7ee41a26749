"""Durable file writes: a crash at any moment leaves the old file or the new one, never half of one.

A write loops until every byte is down (``os.write`` may write fewer bytes than asked: a full
disk, a quota, a file-size limit) and is fsynced; a file that could not be written whole is
removed. Temporary files are named after their target (``.relance-<name>.<random>.tmp``), so a
temporary file a killed process left behind is found and removed by the next run
(``sweep_temporary``).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Callable

TMP_PREFIX = ".relance-"
TMP_SUFFIX = ".tmp"


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder; os.replace is durable enough there
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to ``fd``: ``os.write`` may write fewer (full disk, quota,
    file-size limit); the rest is written again until done or an ``OSError`` says why not.
    A write that makes no progress at all raises ``OSError(ENOSPC)``."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            import errno

            raise OSError(errno.ENOSPC, "écriture incomplète (disque plein ?)")
        view = view[written:]


def temporary_name(path: Path) -> str:
    """The prefix of the temporary files written for ``path``: ``.relance-<name>.``."""
    return f"{TMP_PREFIX}{Path(path).name}."


def atomic_write(path: Path, data: bytes, *, before_replace: Callable[[Path], None] | None = None) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, then replace ``path``.

    ``before_replace(tmp)`` runs just before the replace (copy the mode, keep a backup...).
    On any error the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    fd, name = tempfile.mkstemp(prefix=temporary_name(path), suffix=TMP_SUFFIX, dir=path.parent)
    tmp = Path(name)
    try:
        try:
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if before_replace is not None:
            before_replace(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def sweep_temporary(path: Path) -> list[Path]:
    """Remove the temporary files an interrupted write of ``path`` left beside it (call it while
    holding ``path``'s lock: no write of ``path`` is under way). Returns what was removed."""
    path = Path(path)
    pattern = re.compile(re.escape(temporary_name(path)) + r"[^/\\]*" + re.escape(TMP_SUFFIX) + "$")
    removed = []
    try:
        names = os.listdir(path.parent)
    except OSError:
        return removed
    import time

    # Files of the naming used before (``.relance-XXXXXXXX<suffix>.tmp``) carry no workbook name:
    # only those older than an hour are surely no write under way.
    legacy = re.compile(re.escape(TMP_PREFIX) + r"[a-z0-9_]{8}" + re.escape(path.suffix + TMP_SUFFIX) + "$")
    for name in names:
        old = legacy.match(name)
        if old:
            try:
                old = time.time() - os.stat(path.parent / name).st_mtime > 3600
            except OSError:
                old = False
        if pattern.match(name) or old:
            try:
                (path.parent / name).unlink()
                removed.append(path.parent / name)
            except OSError:
                pass
    return removed
