"""Exporter pour le comptable: a values-only copy of the register, safe to e-mail.

See ``addin.reports.accountant`` for what is kept and what is left out.

The copy is computed at one date, so that every figure in it agrees: the date of the
register's last computation (the « Relances du … » title that Actualiser, Aperçu and
Envoyer write with the computed columns of ``Factures``; else the « … au … » title of
``Anomalies``), else the export date. The computed figures of ``Factures`` are
recomputed at that date in the copy, and the interest detail too: a register edited
since its last refresh still gives a copy whose sheets agree (the summary says how
many cells changed).
"""

from __future__ import annotations

import contextlib
import re
from datetime import date
from pathlib import Path

from addin.reports.accountant import Cover, ExportResult, build, write

# The figures Actualiser writes in Factures that the copy recomputes (the next action
# and the last reminder belong to the queue and the journal, copied as they are).
RECOMPUTED = ("due", "paid", "balance", "status", "days_late", "interest", "indemnity")
_DATE = re.compile(r"\b(\d{2})/(\d{2})/(\d{4})\b")


def export(book_path: Path, out: Path, *, today: date) -> Path:
    """Write the accountant's copy of the workbook at ``book_path`` to ``out``; returns ``out``."""
    return run(book_path, out, today=today).path


def last_computed(book) -> date | None:
    """The date the register's computed columns were last written, as its sheets record it."""
    from addin.register import schema

    names = book.sheet_names()
    for sheet in (schema.RELANCES, schema.ANOMALIES):
        name = schema.find_sheet(names, sheet)
        if name is None:
            continue
        rows = book.read_sheet(name).rows
        match = _DATE.search(str(rows[0][0] if rows and rows[0] else ""))
        if match:
            try:
                return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
            except ValueError:
                continue
    return None


def run(book, out: Path | None = None, *, today: date, as_of: date | None = None) -> ExportResult:
    """Write the accountant's copy of ``book`` (a path, or a book with a ``path``) to ``out``.

    ``out`` defaults to ``<book> - comptable <date>.xlsx`` next to the workbook, ``today``
    being the export date. The figures are computed at ``as_of``, by default the date of
    the register's last computation (``last_computed``), else ``today``. The register
    itself is never written.
    """
    book_path = Path(book if isinstance(book, (str, Path)) else book.path)
    out = Path(out) if out else book_path.with_name(f"{book_path.stem} - comptable {today:%Y-%m-%d}.xlsx")
    if out.resolve() == book_path.resolve():
        raise ValueError("La copie pour le comptable ne peut pas remplacer le registre : choisissez un autre nom.")
    if out.suffix.lower() != ".xlsx":
        raise ValueError(f"La copie pour le comptable est un fichier .xlsx (reçu « {out.name} »).")
    # From Excel, the copy must show what Excel holds now (a refresh just wrote it, unsaved),
    # not the file as last saved: the live book gives a saved copy to read (LiveBook.saved_copy).
    saved_copy = None if isinstance(book, (str, Path)) else getattr(book, "saved_copy", None)
    with saved_copy() if saved_copy is not None else contextlib.nullcontext(book_path) as source_path:
        return _run(Path(source_path), book_path, out, today=today, as_of=as_of)


def _run(source_path: Path, book_path: Path, out: Path, *, today: date, as_of: date | None) -> ExportResult:
    from addin.actions.refresh import computed_values
    from addin.books.file import FileBook
    from addin.actions.queue import with_journal_notes
    from addin.core.fast import choose as engine
    from addin.mail.identity import book_id_of, find
    from addin.mail.journal import read_history
    from addin.register import schema
    from addin.register.load import load, load_rates

    source = FileBook.open(source_path)
    from addin.register.recognize import check_register

    check_register(source.sheet_names(), book_path.name)  # no copy of a workbook that is not a register
    recorded = last_computed(source)
    when = as_of or recorded or today
    register, _ = load(source)
    # The send's own log (by the workbook's identity: a moved or copied workbook's too), read only.
    history, _ = read_history(source, find(book_path, book_id_of(source)), record=False)
    register = with_journal_notes(register, history)  # the call outcomes count, as in the register
    rates, _ = load_rates(source)
    ledger, _ = engine(register)(register, when, rates)

    # Factures' computed figures at ``when``, by sheet cell, as Actualiser writes them.
    figures: dict[tuple[int, int], tuple[object, str]] = {}
    factures = schema.find_sheet(source.sheet_names(), schema.FACTURES)
    if factures is not None:
        header = schema.locate_header(source.read_sheet(factures), schema.FACTURES)
        if header.row is not None:
            for state in ledger.states:
                if state.invoice.row is None:
                    continue
                values = computed_values(state, {}, {})
                for key in RECOMPUTED:
                    figures[(state.invoice.row, header.columns[key])] = (values[key],
                                                                         schema.FACTURES.column(key).kind)
    if as_of is not None:
        origin = "date demandée"
    elif recorded is not None:
        origin = "date du dernier calcul du registre (Actualiser, Aperçu ou Envoyer)"
    else:
        origin = "aucun calcul enregistré dans le registre : date de la copie"
    cover = Cover(book_path.name, today, when, origin)
    copy = build(source_path, ledger.states, today=today, as_of=when, cover=cover,
                 figures={factures: figures} if factures else {})
    write(copy.data, out)
    lines = [f"Copie pour le comptable : {out}",
             "  valeurs seules, sans macros ni formules, avec le détail des intérêts par facture",
             f"  chiffres au {when:%d/%m/%Y} : {origin}"]
    if copy.recomputed:
        lines.append(f"  {copy.recomputed} cellule(s) de Factures recalculée(s) au {when:%d/%m/%Y} : le registre "
                     "a changé depuis son dernier calcul (lancez « Actualiser » pour le mettre à jour)")
    if copy.removed_settings:
        lines.append(f"  paramètres retirés : {', '.join(copy.removed_settings)}")
    if copy.blanked_cells:
        lines.append(f"  cellules vidées (secrets) : {', '.join(copy.blanked_cells)}")
    if copy.dropped_sheets:
        lines.append(f"  feuilles non copiées : {', '.join(copy.dropped_sheets)}")
    if copy.blank_formulas:
        lines.append(f"  {copy.blank_formulas} formule(s) jamais calculée(s) laissée(s) vides : ouvrez et "
                     "enregistrez le registre dans Excel avant d'exporter")
    return ExportResult(out, "\n".join(lines), copy.blank_formulas, copy.removed_settings, copy.blanked_cells,
                        copy.dropped_sheets, when, copy.recomputed)
