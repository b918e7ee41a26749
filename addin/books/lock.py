"""One lock per workbook: two Relance commands never read and write the same workbook at once.

Every command that writes a workbook (refresh, preview, send, review, plan, the export of the
live book, every ribbon button) holds the workbook's lock from before its first read to after
its save (``addin.actions.lock.command_lock`` takes it for the CLI and the ribbon alike). A
second command waits ``WAIT`` seconds for it, then refuses with a message saying why: a refresh
that read the book during a send and saved after it would erase that send's *Journal* rows.

The lock is an advisory lock (``flock``; ``msvcrt.locking`` on Windows) on a small file; the
operating system releases it when the process ends, however it ends (kill -9 included), so a
crash never leaves a workbook locked. It is re-entrant within one thread: the CLI takes it, and
the send action it runs takes it again without waiting for itself; another thread or process waits.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from addin.books.base import BookError

WAIT = 5.0  # seconds a second command waits for the first one (RELANCE_LOCK_WAIT overrides)

_held: dict[tuple[str, int], list] = {}  # (lock file, thread) -> [open handle, depth]
_guard = threading.Lock()


class BookBusy(BookError):
    """Another command holds the workbook's lock."""


def wait_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get("RELANCE_LOCK_WAIT", "")))
    except ValueError:
        return WAIT


def _try_lock(handle) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import errno
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError as error:
        if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False  # held by another process
        # A file system without locks (some network shares): the send still takes the log's own
        # lock (``Journal.lock``), which refuses rather than risk two sends at once.
        return True


def _unlock(handle) -> None:
    try:
        if sys.platform == "win32":  # pragma: no cover
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    except OSError:
        pass  # closing the file releases the lock anyway
    finally:
        handle.close()


@contextmanager
def hold(lock_file: Path, *, name: str, wait: float | None = None) -> Iterator[None]:
    """Hold the lock of ``lock_file`` (``name``: the workbook, for the message), waiting up to
    ``wait`` seconds (default ``wait_seconds()``); raises ``BookBusy`` when another process keeps it."""
    lock_file = Path(lock_file)
    key = (os.path.realpath(lock_file), threading.get_ident())
    with _guard:
        entry = _held.get(key)
        if entry is not None:
            entry[1] += 1
    if entry is None:
        try:
            lock_file.parent.mkdir(parents=True, exist_ok=True)
            handle = open(lock_file, "a+b")
        except PermissionError:
            # A folder nobody may write: no Relance command can replace the workbook there either
            # (each says so itself); a command that writes elsewhere (the export) goes on.
            yield
            return
        deadline = time.monotonic() + (wait_seconds() if wait is None else wait)
        while not _try_lock(handle):
            if time.monotonic() >= deadline:
                handle.close()
                raise BookBusy(
                    f"Une autre commande Relance travaille sur le classeur « {name} » (actualisation, envoi…) : "
                    "rien n'a été fait.",
                    "Attendez qu'elle se termine, puis recommencez.")
            time.sleep(0.05)
        with _guard:
            entry = _held[key] = [handle, 1]
    try:
        yield
    finally:
        with _guard:
            entry[1] -= 1
            last = entry[1] == 0
            if last:
                del _held[key]
        if last:
            _unlock(entry[0])
