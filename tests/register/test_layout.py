"""No text overlaps or is cut in the template (issue 15 point 10), checked on the layout itself:
column widths against the texts they hold, row heights against wrapped descriptions. The demo
after a week of use is checked by tests/test_four_weeks.py with the same rules."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from addin.register import schema
from addin.register.template import HEADER_LINES, LINE_HEIGHT, wrapped_lines

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "workbook_template.xlsx"


def header_fits(text: str, width: float) -> bool:
    longest = max(len(w) for w in text.split())
    return len(text) * 1.2 / HEADER_LINES <= width and longest * 1.2 <= width


def value_fits(text: str, width: float) -> bool:
    return len(str(text)) * 1.1 <= width


def room(ws, cell, widths) -> float:
    """The width a text has: its column, and the empty cells to its right it runs over (as Excel and
    LibreOffice show it); a text is cut where the next cell holds something."""
    width = widths[cell.column]
    column = cell.column + 1
    while column in widths and ws.cell(cell.row, column).value in (None, ""):
        width += widths[column]
        column += 1
    return width


def layout_faults(path: Path) -> list[str]:
    """Every header that would be clipped, every value cut by its column, every wrapped
    description taller than its row, every raw float shown as text."""
    wb = openpyxl.load_workbook(path)
    faults = []
    for sheet in schema.SHEETS:
        if sheet.kind not in ("input", "settings", "log") or sheet.fr not in wb.sheetnames:
            continue
        ws = wb[sheet.fr]
        widths = {c.column: ws.column_dimensions[c.column_letter].width or 8.43 for c in ws[1]}
        for c in ws[1]:
            if c.value and not header_fits(str(c.value), widths[c.column]):
                faults.append(f"{sheet.fr}: en-tête coupé « {c.value} » (largeur {widths[c.column]})")
        for row in ws.iter_rows(min_row=2):
            for c in row:
                column = next((col for col in sheet.columns if col.fr == ws.cell(1, c.column).value), None)
                if column is None or not isinstance(c.value, str):
                    continue
                wraps = bool(c.alignment and c.alignment.wrap_text)  # rows without a set height grow to fit
                # « En litige : <the reason a person typed> »: her own words, whole in Litige or Journal.
                own_words = c.value.startswith("En litige : ")
                if (column.computed or column.choices) and not wraps and not own_words \
                        and not value_fits(c.value, room(ws, c, widths)):
                    faults.append(f"{sheet.fr}!{c.coordinate}: « {c.value} » coupé (largeur {widths[c.column]})")
    ws = wb[schema.PARAMETRES.fr]
    for i in range(2, ws.max_row + 1):
        help_text = ws.cell(i, 3).value
        if help_text:
            need = wrapped_lines(help_text, ws.column_dimensions["C"].width) * LINE_HEIGHT
            if (ws.row_dimensions[i].height or 15) < need:
                faults.append(f"Paramètres ligne {i} : description sur la ligne suivante")
    for name in ("Anomalies", "Problems", "Relances", "Revue"):  # sheets Relance writes whole
        if name not in wb.sheetnames:
            continue
        ws = wb[name]
        for row in ws.iter_rows(min_row=2):
            for c in row:
                if isinstance(c.value, str) and c.alignment is not None and c.alignment.wrap_text:
                    width = ws.column_dimensions[c.column_letter].width or 8.43
                    need = wrapped_lines(c.value, width) * LINE_HEIGHT * 0.8
                    if (ws.row_dimensions[c.row].height or 15) < need:
                        faults.append(f"{name}!{c.coordinate}: texte replié plus haut que sa ligne")
    for name in ("Anomalies", "Problems"):
        if name in wb.sheetnames:
            ws = wb[name]
            header = next((r for r in ws.iter_rows(max_row=5) if any(c.value in ("Valeur", "Value") for c in r)), None)
            if header:
                col = next(c.column for c in header if c.value in ("Valeur", "Value"))
                for row in ws.iter_rows(min_row=header[0].row + 1):
                    if isinstance(row[col - 1].value, float):
                        faults.append(f"{name}!{row[col - 1].coordinate}: nombre brut {row[col - 1].value}")
    return faults


def test_nothing_is_cut_or_overlapping_in_the_template():
    assert layout_faults(TEMPLATE) == []
