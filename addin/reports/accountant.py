"""The accountant's copy: a values-only workbook anyone can open, with nothing private in it.

Built as a NEW workbook written cell by cell from the register's values, which is
the simplest way to be sure nothing leaks:
- every formula is replaced by its last computed value (a formula never computed
  is left blank and counted in the summary); no macro, no external link, no
  defined name, no data connection can come along;
- ``Paramètres`` loses the SMTP settings (server, port, user, security) and every row
  whose key looks like a secret: a password, token, secret, API key, credential or any
  "key"/"clé" (see ``is_secret``). The IBAN, BIC and RIB stay: they are printed on every
  invoice. The rule is on the key, so a secret typed under an innocent key is not caught;
  the *Paramètres* help says never to type one there;
- sheets whose name starts with ``_`` (the review's memory) or ends with ``.conf`` (an
  add-in's settings) are left out, and so is any other hidden sheet; Relance's own
  sheets (Clients, Factures, Paiements...) are kept even when hidden, and shown;
- a sheet ``Intérêts (détail)`` gives the interest breakdown of every invoice
  (period, days, base, rate, source), so each amount can be checked by hand.
Number formats, column widths, bold headers and frozen panes are kept; the review's
chart is kept (a chart is values, not code) when every range it reads is in a kept
sheet. The same inputs give the same bytes.
"""

from __future__ import annotations

import re
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


_OWN_SHEETS = tuple(schema.SHEETS)
_MORE_SECRETS = re.compile(r"\b(key|keys|cle|cles|apikey|credential|credentials|identifiants?|oauth|bearer|"
                           r"private|prive|privee|passphrase|otp|2fa|session|cookie|dsn|url smtp)\b")
_BANK = re.compile(r"\b(iban|bic|rib|swift)\b")


def _excluded(ws, own: set[str]) -> bool:
    title = ws.title.lower()
    if title.startswith("_") or title.endswith(".conf"):
        return True
    return ws.sheet_state != "visible" and ws.title not in own


def is_secret(key: object) -> bool:
    """True for a ``Paramètres`` key the accountant's copy must not carry.

    The SMTP settings (server, port, user, security), and any key that reads like a
    password, token, secret, API key, credential or key ("clé"), except the bank details
    (IBAN, BIC, RIB, SWIFT), which are printed on every invoice.
    """
    column = schema.match_setting(key)
    if column is not None and column.key in _SECRET_SETTINGS:
        return True
    text = schema.normalize(key)
    if "smtp" in text or schema.PASSWORD_KEY.search(text):
        return True
    return bool(_MORE_SECRETS.search(text)) and not _BANK.search(text)


def _chart_sheets(chart) -> set[str]:
    """The sheet names a chart reads its data from."""
    from openpyxl.chart.reference import Reference  # noqa: F401  (the refs are plain strings)

    names = set()
    for series in getattr(chart, "series", []):
        for ref in (series.val and series.val.numRef, series.cat and (series.cat.numRef or series.cat.strRef),
                    series.tx and series.tx.strRef):
            formula = getattr(ref, "f", None)
            if formula:
                names.update(m.group(1) or m.group(2) for m in re.finditer(r"'((?:[^']|'')+)'!|([^'!(),\s]+)!", formula))
    return {n.replace("''", "'") for n in names}


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
    own = {name for sheet in _OWN_SHEETS if (name := schema.find_sheet(values.sheetnames, sheet))}
    kept = {ws.title for ws in values.worksheets if not _excluded(ws, own)}
    for ws in values.worksheets:
        if ws.title not in kept:
            continue
        target = out.create_sheet(ws.title)
        source_formulas = formulas[ws.title]
        skip_rows: set[int] = set()
        if ws.title == settings_name:
            for row in ws.iter_rows(min_row=1):
                key = row[0].value
                if key is not None and is_secret(key):
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
            if _chart_sheets(chart) <= kept:
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
