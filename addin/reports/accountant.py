"""The accountant's copy: a values-only workbook anyone can open, with nothing private in it.

Built as a NEW workbook written cell by cell from the register's values, which is
the simplest way to be sure nothing leaks:
- every formula is replaced by its last computed value (a formula never computed
  is left blank and counted in the summary); no macro, no external link, no
  defined name, no data connection can come along;
- the SMTP settings and anything whose key looks like a secret are removed from
  ``Paramètres`` (the IBAN stays: it is printed on every invoice);
- hidden sheets (the review's memory, an add-in's ``.conf`` sheet) are left out;
- a sheet ``Intérêts (détail)`` gives the interest breakdown of every invoice
  (period, days, base, rate, source), so each amount can be checked by hand.
Number formats, column widths, bold headers and frozen panes are kept; the review's
chart is kept (a chart is values, not code). The same inputs give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Sequence

import openpyxl
from openpyxl.styles import Font, PatternFill

from addin.core.model import InvoiceState
from addin.files import atomic_write
from addin.register import schema

DETAIL_SHEET = "Intérêts (détail)"
_SECRET_SETTINGS = {"smtp_host", "smtp_port", "smtp_user", "smtp_security"}
_HEADER_FILL = PatternFill("solid", start_color="FFDDEBF7", end_color="FFDDEBF7")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    summary: str
    blank_formulas: int
    removed_settings: tuple[str, ...]


def _excluded(ws) -> bool:
    title = ws.title.lower()
    return ws.sheet_state != "visible" or title.startswith("_") or title.endswith(".conf")


def _is_secret(key: object) -> bool:
    column = schema.match_setting(key)
    if column is not None and column.key in _SECRET_SETTINGS:
        return True
    return bool(schema.PASSWORD_KEY.search(schema.normalize(key)))


def build(book_path: Path, states: Sequence[InvoiceState], *, today: date) -> tuple[bytes, int, tuple[str, ...]]:
    """The copy's bytes, the count of formulas left blank, and the settings removed."""
    from addin.books.file import _set, workbook_bytes

    values = openpyxl.load_workbook(book_path, data_only=True)
    formulas = openpyxl.load_workbook(book_path, data_only=False)
    out = openpyxl.Workbook()
    out.remove(out.active)
    blank = 0
    removed: list[str] = []
    settings_name = schema.find_sheet(values.sheetnames, schema.PARAMETRES)
    for ws in values.worksheets:
        if _excluded(ws):
            continue
        target = out.create_sheet(ws.title)
        source_formulas = formulas[ws.title]
        skip_rows: set[int] = set()
        if ws.title == settings_name:
            for row in ws.iter_rows(min_row=1):
                key = row[0].value
                if key is not None and _is_secret(key):
                    skip_rows.add(row[0].row)
                    removed.append(str(key))
        shift = 0
        for row in ws.iter_rows():
            r = row[0].row
            if r in skip_rows:
                shift += 1
                continue
            for cell in row:
                if cell.value is None:
                    if source_formulas.cell(r, cell.column).data_type == "f":
                        blank += 1
                    continue
                new = target.cell(r - shift, cell.column)
                _set(new, cell.value)
                new.number_format = cell.number_format
                if cell.font is not None and cell.font.b:
                    new.font = Font(bold=True)
                if cell.fill is not None and cell.fill.fgColor is not None and cell.fill.fill_type == "solid":
                    new.fill = PatternFill("solid", start_color=cell.fill.fgColor, end_color=cell.fill.fgColor)
        for letter, dim in ws.column_dimensions.items():
            if dim.width:
                target.column_dimensions[letter].width = dim.width
        target.freeze_panes = ws.freeze_panes
        for chart in getattr(ws, "_charts", []):  # the review's chart: values, not code
            target.add_chart(chart)
    _interest_detail(out.create_sheet(DETAIL_SHEET), states, today)
    props = out.properties
    props.creator = props.lastModifiedBy = "Relance"
    props.title = "Copie pour le comptable (valeurs seules)"
    props.created = props.modified = datetime(today.year, today.month, today.day)
    return workbook_bytes(out), blank, tuple(removed)


def _interest_detail(ws, states: Sequence[InvoiceState], today: date) -> None:
    headers = ("N° facture", "Code client", "Échéance", "Du", "Au", "Jours", "Base TTC", "Taux annuel",
               "Source du taux", "Intérêts", "Total facture", "Indemnité")
    from addin.books.file import _set

    ws.append([f"Intérêts de retard au {today:%d/%m/%Y} : détail par période (base × taux × jours / 365)"])
    ws["A1"].font = Font(bold=True)
    for j, header in enumerate(headers, start=1):
        cell = ws.cell(2, j, header)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    formats = ("@", "@", "dd/mm/yyyy", "dd/mm/yyyy", "dd/mm/yyyy", "0", '#,##0.00 "€"', "0.00 %", "@",
               '#,##0.00 "€"', '#,##0.00 "€"', '#,##0.00 "€"')
    row = 3
    for state in states:
        for k, p in enumerate(state.periods):
            last = k == len(state.periods) - 1
            values = (state.invoice.number, state.invoice.client, state.due, p.start, p.end, p.days, p.base, p.rate,
                      p.rate_source, p.amount.quantize(p.amount.__class__("0.0001")),
                      state.interest if last else None, state.indemnity if last else None)
            for j, (value, fmt) in enumerate(zip(values, formats), start=1):
                if value is None:
                    continue
                cell = ws.cell(row, j)
                _set(cell, value)
                cell.number_format = fmt
            row += 1
    for letter, width in zip("ABCDEFGHIJKL", (14, 12, 12, 12, 12, 8, 14, 11, 44, 12, 14, 12)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A3"


def write(data: bytes, out: Path) -> None:
    """Atomically: a temporary file in the same folder, then replace."""
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, data)
