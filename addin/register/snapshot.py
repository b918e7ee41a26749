"""The workbook as read once, before anything is written: a read-only ``Book``.

An action that writes (refresh) reads every sheet it needs first, through
``Snapshot.read``, then computes from the snapshot, then writes to the real book.
The loaders (``load``, ``load_rates``, ``load_scenarios``, the journal and the
decisions of the queue) take the snapshot as their ``Book``: they read from memory,
so the live book makes one bulk read per sheet (a handful of Excel calls, whatever
the register's size) and none after its first write. Reading back a sheet after
writing it is impossible by construction: the snapshot has no write methods.

The sheets read are those of ``READ``: the input sheets, ``Scénarios``, ``Journal``,
``Relances`` (its ``Décision`` and ``Commentaire`` cells), ``Taux`` and Relance's own
hidden record (``_Relance``). The user's other sheets are never read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from addin.books.base import Book, BookError, SheetData
from addin.register import schema

READ: tuple[schema.Sheet, ...] = (
    schema.PARAMETRES, schema.CLIENTS, schema.FACTURES, schema.PAIEMENTS, schema.ECHEANCIERS, schema.SCENARIOS,
    schema.JOURNAL, schema.RELANCES, schema.TAUX, schema.RECORD,
)


@dataclass(frozen=True)
class Snapshot:
    """Sheet names and the sheets of ``READ`` as they were when the action started."""

    names: tuple[str, ...]
    sheets: Mapping[str, SheetData] = field(default_factory=dict)
    epoch_1904: bool = False
    path: Path | None = None

    @classmethod
    def read(cls, book: Book, sheets: tuple[schema.Sheet, ...] = READ) -> "Snapshot":
        """One ``read_sheet`` per sheet of ``sheets`` the workbook has, and nothing else."""
        from addin.register.load import epoch_1904

        names = tuple(book.sheet_names())
        found: dict[str, SheetData] = {}
        for sheet in sheets:
            name = schema.find_sheet(names, sheet)
            if name is not None and name not in found:
                found[name] = book.read_sheet(name)
        path = getattr(book, "path", None)
        return cls(names, found, epoch_1904(book), Path(path) if path is not None else None)

    def sheet_names(self) -> list[str]:
        return list(self.names)

    def read_sheet(self, name: str) -> SheetData:
        if name in self.sheets:
            return self.sheets[name]
        if name in self.names:
            # A sheet Relance does not read (the user's own): asking for it is a bug in Relance.
            raise KeyError(f"sheet {name!r} was not read into the snapshot (see snapshot.READ)")
        raise BookError(f"La feuille « {name} » n'existe pas dans ce classeur.")

    def data(self, sheet: schema.Sheet) -> tuple[str | None, SheetData | None]:
        """(real name, data) of a sheet of the contract; (None, None) when the workbook has none."""
        name = schema.find_sheet(self.names, sheet)
        return (name, self.sheets.get(name)) if name is not None else (None, None)
