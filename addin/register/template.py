"""The register template, built from ``addin.register.schema`` alone.

``scripts/make_template.py`` writes it to ``workbook_template.xlsx`` at the repository root;
``relance demo`` builds it here when the package is installed without the repository.

Every input sheet is an Excel Table (``tbl`` + its French name, style
TableStyleMedium2) with French headers, a comment on each header (computed
columns: "Calculé par Relance — ne pas saisir" and their rule, shaded grey),
drop-downs, date / euro / percent formats on whole columns, a frozen header row
and set widths. Drop-downs: fixed lists refuse other values (client type,
language, yes/no, channel, settings); suggestions warn but accept them (payment
terms — the grammar reads many wordings —, scenarios, payment method, and the
client code of Factures, Paiements and Échéanciers, listed from the Clients
table's column through the defined name ``CodesClients``). ``Paramètres`` is prefilled with ``model.Settings`` defaults
(SMTP server, port and user blank, never a password), ``Taux`` with the shipped
rate table, ``Scénarios`` with ``dunning.DEFAULT_SCENARIOS``.

The file is deterministic: fixed document properties (creator "Relance",
created = modified = 2025-01-01) and zip entries with a fixed timestamp, so two
runs write identical bytes (a test checks it against the committed file).
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from decimal import Decimal

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.writer.excel import ExcelWriter

from addin.core.model import Settings
from addin.register import schema
from addin.register.schema import Column, Sheet

FIXED_TIME = datetime(2025, 1, 1)
ZIP_TIME = (2025, 1, 1, 0, 0, 0)

DATE_FORMAT = "dd/mm/yyyy"
MONEY_FORMAT = '#,##0.00 "€"'
PERCENT_FORMAT = "0.00%"
INT_FORMAT = "0"
FORMATS = {"date": DATE_FORMAT, "money": MONEY_FORMAT, "percent": PERCENT_FORMAT, "int": INT_FORMAT}
COMPUTED_FILL = PatternFill("solid", start_color="FFD9D9D9", end_color="FFD9D9D9")
LAST_ROW = 1048576
AUTHOR = "Relance"


def _comment(text: str) -> Comment:
    comment = Comment(text, AUTHOR)
    comment.width = 320
    comment.height = max(80, 20 * (1 + len(text) // 45))
    return comment


def _list_validation(choices, cells: str, strict: bool = True, error: str = "") -> DataValidation:
    """A drop-down over ``choices`` (a tuple of values, or a formula naming a range)."""
    source = choices if isinstance(choices, str) else '"' + ",".join(choices) + '"'
    dv = DataValidation(type="list", formula1=source, allow_blank=True)
    dv.showErrorMessage = True
    dv.errorStyle = "stop" if strict else "warning"
    dv.error = error or "Choisissez une valeur de la liste : " + ", ".join(choices) + "."
    dv.errorTitle = "Valeur inconnue"
    dv.add(cells)
    return dv


# The client codes of the Clients table, by a name so that Factures, Paiements and Échéanciers
# can offer them (a validation cannot name a table column itself; a defined name can, and follows
# the column wherever the user moves it).
CLIENT_CODES = "CodesClients"
_TERMS_ERROR = ("Formulation hors de la liste : Relance la lira si elle est du type « 30 jours », "
                "« 45 jours fin de mois », « fin de mois 45 jours » ou « à réception » (voir Anomalies sinon).")
_CLIENT_ERROR = "Ce code n'est pas (encore) dans la feuille Clients : ajoutez-y le client, ou corrigez le code."


def _scenario_names() -> tuple[str, ...]:
    try:
        from addin.core.dunning import DEFAULT_SCENARIOS
    except ImportError:
        return schema.CLIENT_TYPES
    return tuple(dict.fromkeys(step.scenario for step in DEFAULT_SCENARIOS))


def _choices(sheet: Sheet, col: Column) -> tuple[tuple[str, ...] | str, bool, str]:
    """Drop-down values of a column (or the name of a range), whether other values are refused,
    and the message shown for another value ("": the list's own)."""
    if sheet is schema.CLIENTS and col.key == "scenario":
        return _scenario_names(), False, ""  # the user may add scenarios in the Scénarios sheet
    if col.key == "terms":  # many wordings are read: the list suggests, it does not refuse
        return schema.TERMS_SUGGESTED, False, _TERMS_ERROR
    if col.key == "client" and sheet in (schema.FACTURES, schema.PAIEMENTS, schema.ECHEANCIERS):
        return CLIENT_CODES, False, _CLIENT_ERROR
    if col.kind == "bool":
        return schema.YES_NO, True, ""
    if sheet is schema.JOURNAL and col.key == "result":
        return schema.JOURNAL_RESULTS, False, ("Écrivez « envoyé » (vérifié, ou envoyé vous-même) ou « à renvoyer » ; "
                                              "Relance écrit les autres résultats.")
    return col.choices, col.kind == "choice" and sheet is not schema.PAIEMENTS, ""


HEADER_LINES = 2  # the header row is 32 points high: two lines of bold text
LINE_HEIGHT = 15  # points per line of wrapped text (Calibri 11)
# Computed columns whose values are longer than their header: their longest value fits.
_LONGEST_VALUE = {"status": "Promesse de paiement", "next_action": "Couvert par un paiement non affecté : affectez-le",
                  "step_status": "Facture inconnue"}


_WRAPPED: frozenset[str] = frozenset()  # LibreOffice does not grow rows on load: nothing wraps in a register row


def fit_width(col: Column) -> float:
    """A column wide enough for its header on two lines (bold text runs about 1.2 characters per
    unit of width, plus the drop-down arrow), for its drop-down values and its longest value."""
    longest_word = max((len(w) for w in col.fr.split()), default=0)
    words = [len(col.fr) * 1.2 / HEADER_LINES, longest_word * 1.2, *(len(c) * 1.1 for c in col.choices or ())]
    if col.key in _LONGEST_VALUE:
        words.append(len(_LONGEST_VALUE[col.key]) * 1.1)
    return float(max(col.width, -(-int(max(words) + 3) // 1)))


def wrapped_lines(text: str, width: float) -> int:
    """How many lines ``text`` takes wrapped in a column ``width`` wide (about one character per unit)."""
    import math

    per_line = max(int(width * 1.05), 1)
    return max(1, sum(math.ceil(max(len(part), 1) / per_line) for part in str(text).split("\n")))


def _header_sheet(ws, sheet: Sheet, rows: list[list[object]] = (), table: bool = True) -> None:
    """Headers, comments, formats, drop-downs, widths, frozen row; ``rows`` below; an Excel Table."""
    columns = sheet.columns
    for j, col in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=j, value=col.fr)
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = fit_width(col)
        if col.help:
            cell.comment = _comment(col.help)
        fmt = FORMATS.get(col.kind)
        if fmt:
            ws.column_dimensions[letter].number_format = fmt
        if col.key in _WRAPPED:  # free text (a dispute's reason) may be long: it wraps, never cut
            ws.column_dimensions[letter].alignment = Alignment(wrap_text=True, vertical="top")
        if col.computed:
            ws.column_dimensions[letter].fill = COMPUTED_FILL
            cell.fill = COMPUTED_FILL
            cell.font = Font(bold=True, italic=True, color="FF595959")
        else:
            cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        choices, strict, error = _choices(sheet, col)
        if choices and not col.computed:
            ws.add_data_validation(_list_validation(choices, f"{letter}2:{letter}{LAST_ROW}", strict, error))
    for i, values in enumerate(rows, start=2):
        for j, value in enumerate(values, start=1):
            cell = ws.cell(row=i, column=j, value=value)
            fmt = FORMATS.get(columns[j - 1].kind) if j <= len(columns) else None
            if fmt:
                cell.number_format = fmt
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 32
    if table:
        last = get_column_letter(len(columns))
        tab = Table(displayName=sheet.table, ref=f"A1:{last}{max(2, len(rows) + 1)}")
        tab.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True, showColumnStripes=False,
                                            showFirstColumn=False, showLastColumn=False)
        ws.add_table(tab)


def _settings_rows() -> list[list[object]]:
    defaults = Settings()
    blank = {"smtp_host", "smtp_port", "smtp_user"}
    rows = []
    for col in schema.SETTING_KEYS:
        value = None if col.key in blank else getattr(defaults, col.key)
        if isinstance(value, str) and not value:
            value = None
        if isinstance(value, Decimal):
            value = float(value)  # Excel stores numbers as doubles; 5.0 reads back as 5.00 €
        if col.kind == "bool":
            value = schema.YES_NO[0] if value else schema.YES_NO[1]
        value = schema.setting_label(col.key, value)
        rows.append([col.fr, value, col.help])
    return rows


def _settings_sheet(ws) -> None:
    sheet = schema.PARAMETRES
    rows = _settings_rows()
    _header_sheet(ws, sheet, rows)
    for i, col in enumerate(schema.SETTING_KEYS, start=2):
        value_cell = ws.cell(row=i, column=2)
        fmt = FORMATS.get(col.kind)
        if fmt:
            value_cell.number_format = fmt
        if col.choices:
            ws.add_data_validation(_list_validation(col.choices, f"B{i}"))
        elif col.key == "default_terms":
            ws.add_data_validation(_list_validation(schema.TERMS_SUGGESTED, f"B{i}", False, _TERMS_ERROR))
        ws.cell(row=i, column=3).alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row=i, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row=i, column=2).alignment = Alignment(vertical="top")
        # A wrapped description gets the height it needs: it never runs over the next row.
        lines = max(wrapped_lines(col.help, ws.column_dimensions["C"].width),
                    wrapped_lines(col.fr, ws.column_dimensions["A"].width))
        ws.row_dimensions[i].height = LINE_HEIGHT * lines + 3


def _scenario_rows() -> list[list[object]]:
    try:
        from addin.core.dunning import CHANNEL_LABELS, DEFAULT_SCENARIOS
    except ImportError:
        return []
    return [[s.scenario, s.name, s.offset_days, CHANNEL_LABELS[s.channel], s.template, s.min_gap_days, s.min_previous]
            for s in DEFAULT_SCENARIOS]


def _rates_sheet(ws) -> None:
    from addin.core.rates import RateTable

    headers, rows = RateTable.shipped().sheet_rows()
    for j, header in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=j, value=header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(j)].width = 70 if header == "Source" else 16
    ws.cell(row=1, column=1).comment = _comment(schema.TAUX.help)
    for i, values in enumerate(rows, start=2):
        for j, value in enumerate(values, start=1):
            if isinstance(value, Decimal):
                value = float(value)
            cell = ws.cell(row=i, column=j, value=value)
            if 3 <= j <= 8:
                cell.number_format = "0.00%"
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 45


def _generated_sheet(ws, sheet: Sheet) -> None:
    if sheet.columns:
        for j, col in enumerate(sheet.columns, start=1):
            cell = ws.cell(row=1, column=j, value=col.fr)
            cell.font = Font(bold=True)
            ws.column_dimensions[get_column_letter(j)].width = col.width
        ws.freeze_panes = "A2"
        ws.cell(row=1, column=1).comment = _comment(sheet.help)
    else:
        cell = ws.cell(row=1, column=1, value=sheet.help)
        cell.font = Font(italic=True, color="FF595959")


def _printable(ws) -> None:
    """Print (and render to PDF) landscape, one page wide."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def build() -> openpyxl.Workbook:
    """The template workbook, in memory."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet in schema.SHEETS:
        ws = wb.create_sheet(sheet.fr)
        if sheet.kind == "settings":
            _settings_sheet(ws)
        elif sheet is schema.SCENARIOS:
            _header_sheet(ws, sheet, _scenario_rows())
        elif sheet.kind == "input":
            _header_sheet(ws, sheet)
        elif sheet.kind == "log":
            _header_sheet(ws, sheet)  # an Excel Table: Relance's appended rows grow it (FileBook.append_rows)
        elif sheet is schema.TAUX:
            _rates_sheet(ws)
        else:
            _generated_sheet(ws, sheet)
        _printable(ws)
    clients = schema.CLIENTS
    wb.defined_names[CLIENT_CODES] = DefinedName(CLIENT_CODES, attr_text=f"{clients.table}[{clients.column('code').fr}]")
    wb.active = 0
    props = wb.properties
    props.creator = AUTHOR
    props.lastModifiedBy = AUTHOR
    props.title = "Relance — classeur de suivi des factures"
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    return wb


def template_bytes() -> bytes:
    """The template file's bytes: identical from one run to the next."""
    wb = build()
    raw = io.BytesIO()
    archive = zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)
    ExcelWriter(wb, archive).save()  # writes the properties as set, and closes the archive
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            fixed.create_system = 0
            dst.writestr(fixed, src.read(info.filename), compresslevel=9)
    return out.getvalue()
