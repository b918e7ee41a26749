"""Exporter pour le comptable: a values-only copy of the register, safe to e-mail.

See ``addin.reports.accountant`` for what is kept and what is left out.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from addin.reports.accountant import ExportResult, build, write


def export(book_path: Path, out: Path, *, today: date) -> Path:
    """Write the accountant's copy of the workbook at ``book_path`` to ``out``; returns ``out``."""
    return run(book_path, out, today=today).path


def run(book, out: Path | None = None, *, today: date) -> ExportResult:
    """Write the accountant's copy of ``book`` (a path, or a book with a ``path``) to ``out``.

    ``out`` defaults to ``<book> - comptable <date>.xlsx`` next to the workbook. The
    register itself is never written.
    """
    from addin.books.file import FileBook
    from addin.core.ledger import compute
    from addin.register.load import load, load_rates

    book_path = Path(book if isinstance(book, (str, Path)) else book.path)
    out = Path(out) if out else book_path.with_name(f"{book_path.stem} - comptable {today:%Y-%m-%d}.xlsx")
    if out.resolve() == book_path.resolve():
        raise ValueError("La copie pour le comptable ne peut pas remplacer le registre : choisissez un autre nom.")
    if out.suffix.lower() != ".xlsx":
        raise ValueError(f"La copie pour le comptable est un fichier .xlsx (reçu « {out.name} »).")
    source = FileBook.open(book_path)
    register, _ = load(source)
    rates, _ = load_rates(source)
    ledger, _ = compute(register, today, rates)
    copy = build(book_path, ledger.states, today=today)
    write(copy.data, out)
    lines = [f"Copie pour le comptable : {out}",
             "  valeurs seules, sans macros ni formules, avec le détail des intérêts par facture"]
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
                        copy.dropped_sheets)
