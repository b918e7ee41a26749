"""The one place where a command takes its workbook's lock: the CLI and the ribbon both call
``command_lock`` around a whole command (``addin.books.lock`` says why and how)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import ContextManager

from addin.books.lock import hold
from addin.mail.journal import book_name, lock_path


READS_NOTHING = frozenset({"help"})  # ribbon tags that neither read nor write the workbook


def command_lock(book: object, *, tag: str = "", wait: float | None = None) -> ContextManager[None]:
    """The lock of ``book`` (a path, or a ``Book`` with a ``path``), held for a whole command;
    nothing to hold for a book without a path, or for a command that does not touch it (Aide)."""
    path = book if isinstance(book, (str, Path)) else getattr(book, "path", None)
    if path is None or str(path) == "" or tag in READS_NOTHING:
        return contextlib.nullcontext()
    return hold(lock_path(path), name=book_name(path), wait=wait)
