"""Which send log belongs to a workbook: its real path, and an identifier stored inside it.

The log (``addin.mail.journal``) lives beside the workbook's **real** file: a symbolic link or a
second path to the same file finds the same log and the same lock (``journal.locate`` resolves
links). A copy or a move changes the real path, so the workbook also carries an identifier, in
its hidden sheet ``_Relance`` (block « Identité du classeur »), and the log records it in its
first line. Each user's folder ``~/.relance/classeurs/`` remembers where the log of each
identifier is. Before a send:

- the log beside the workbook carries the workbook's identifier → the same history;
- no log beside it, but this computer knows where the identifier's log is (the workbook was
  copied or moved) → that log: the copy or the moved workbook finds the same history, and a
  reminder sent from either is never sent again from the other;
- no log anywhere for an identifier the workbook carries (copied from another computer, or its
  ``.relance`` folder deleted) → **refused** until a person decides: bring the ``.relance``
  folder beside the workbook (the same history), or start a new history on purpose
  (``relance send --new-history``; the reminders its *Journal* sheet lists are still never
  sent again);
- the log beside the workbook belongs to another identifier (another workbook was copied over
  this one, or this one over another) → refused: two histories must not mix;
- a workbook without identifier (never sent, or the save that would have stored it failed) takes
  the identifier of the log beside it, or a new one.

Refusing rather than guessing: a wrong guess either sends a client the same reminder twice
(a history lost) or never sends one (another workbook's history); a person knows which it is.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from addin.books.base import BookError
from addin.files import atomic_write
from addin.mail.journal import Journal

REGISTRY = Path(".relance") / "classeurs"  # under the home folder (RELANCE_HOME overrides the home)


def registry_folder() -> Path:
    home = os.environ.get("RELANCE_HOME")
    return Path(home) / "classeurs" if home else Path.home() / REGISTRY


def remembered(book_id: str) -> Path | None:
    """The log this computer last used for ``book_id``, if it still exists."""
    try:
        text = (registry_folder() / f"{book_id}.txt").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    path = Path(text)
    return path if text and path.exists() else None


def remember(book_id: str, log: Path) -> None:
    """Note where ``book_id``'s log is (best effort: a read-only home only loses the shortcut)."""
    try:
        folder = registry_folder()
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{book_id}.txt"
        text = str(Path(log).resolve())
        if not target.exists() or target.read_text(encoding="utf-8").strip() != text:
            atomic_write(target, text.encode("utf-8"))
    except OSError:
        pass


@dataclass(frozen=True)
class Settled:
    journal: Journal
    book_id: str
    stored: bool  # the workbook already carries ``book_id`` (else the send writes it)
    note: str = ""  # how the history was found, when not beside the workbook


class HistoryNotFound(BookError):
    """The workbook's send history is not where it should be: a person must decide."""


def settle(book_path: Path | str, book_id: str, *, new_history: bool = False) -> Settled:
    """The log of the workbook at ``book_path`` whose ``_Relance`` sheet carries ``book_id``
    ("" when it carries none); see the module docstring. Raises ``HistoryNotFound``."""
    journal = Journal.open(book_path)
    local_id = journal.book_id()
    has_log = journal.path.exists() and bool(journal.records() or local_id)
    name = Path(str(book_path)).name
    if book_id and local_id and local_id != book_id:
        raise HistoryNotFound(
            f"Le journal d'envoi à côté de « {name} » ({journal.path}) est celui d'un autre classeur : "
            "rien n'a été envoyé.",
            "Ce classeur a pris la place d'un autre (copie, restauration) : renommez-le ou placez-le dans un autre "
            "dossier avec son propre dossier .relance, puis recommencez.")
    if book_id and (not has_log or not local_id):
        # No log here, or one without identifier that a command run here since the move may
        # have started (a decision, a resolution): the workbook's own log, where it was, wins.
        found = remembered(book_id)
        if found is not None and found.resolve() != journal.path.resolve():
            other = _journal_at(found, journal)
            return Settled(other, book_id, True,
                           f"classeur copié ou déplacé : son journal d'envoi est {found} (le même historique, "
                           "rien n'est renvoyé)")
        if has_log:
            pass  # a log written before workbooks carried an identifier: this workbook's own
        elif not new_history:
            raise HistoryNotFound(
                f"« {name} » a déjà envoyé des relances, mais son journal d'envoi est introuvable ici "
                f"({journal.path.parent}) : rien n'a été envoyé, pour ne pas relancer deux fois un client.",
                "Remettez à côté du classeur le dossier .relance de son emplacement d'origine, ou, si ce classeur "
                "doit repartir d'un historique neuf, lancez une fois « relance send --new-history » "
                "(les relances de sa feuille Journal ne seront jamais renvoyées).")
        else:
            book_id = ""  # a new history: a new workbook
    if not book_id:
        book_id = local_id or uuid.uuid4().hex
        stored = False
    else:
        stored = True
    if local_id != book_id:
        journal.stamp(book_id, os.path.realpath(str(book_path)) if journal.location_note == "" else book_path)
    remember(book_id, journal.path)
    return Settled(journal, book_id, stored)


def find(book_path: Path | str, book_id: str) -> Journal:
    """The log ``settle`` would use, without writing or refusing anything (refresh, preview: the
    queue they show follows the same history as the send)."""
    journal = Journal.open(book_path)
    if not book_id or journal.book_id() == book_id:
        return journal
    found = remembered(book_id)
    if found is not None and found.resolve() != journal.path.resolve() and not journal.book_id():
        return _journal_at(found, journal)
    return journal


def book_id_of(book) -> str:
    """The identifier a workbook (a ``Book`` or a snapshot) carries in ``_Relance``, or ""."""
    from addin.register import schema
    from addin.register.record import read_record

    name = schema.find_sheet(book.sheet_names(), schema.RECORD)
    return read_record(book.read_sheet(name) if name is not None else None).book_id


def _journal_at(path: Path, like: Journal) -> Journal:
    journal = Journal(path, like.book_name)
    journal.location_note = like.location_note
    return journal
