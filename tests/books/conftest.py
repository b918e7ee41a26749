"""Workbooks built for the book tests: a rich register and a large one."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table


def png_bytes() -> bytes:
    from PIL import Image as PILImage

    out = io.BytesIO()
    PILImage.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def build_rich(path: Path) -> Path:
    """A register with everything a user may have added: the save must keep all of it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Factures"
    ws.append(["N° facture", "Code client", "Date facture", "Montant TTC", "Échéance", "Reste dû",
               "Ma colonne"])
    for i in range(1, 11):
        ws.append([f"F-{i:03d}", f"C{i % 3}", date(2024, 1, i), 100 * i + 0.5, None, None, f"note {i}"])
    for row in range(2, 12):
        ws.cell(row=row, column=3).number_format = "dd/mm/yyyy"
        ws.cell(row=row, column=6).fill = PatternFill("solid", start_color="FFF2CC", end_color="FFF2CC")
        ws.cell(row=row, column=6).font = Font(italic=True)
    ws["I1"] = "Total"
    ws["I2"] = "=SUM(D2:D11)"
    ws["A1"].comment = Comment("Numéro unique", "Marie")
    ws.column_dimensions["A"].width = 17
    ws.column_dimensions["G"].width = 31
    ws.merge_cells("I4:J5")
    ws["I4"] = "fusion"
    dv = DataValidation(type="list", formula1='"C0,C1,C2"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add("B2:B200")
    ws.conditional_formatting.add("D2:D200", CellIsRule(operator="greaterThan", formula=["500"],
                                                        fill=PatternFill("solid", start_color="FFC7CE",
                                                                         end_color="FFC7CE")))
    ws.add_table(Table(displayName="TFactures", ref="A1:G11"))
    ws.freeze_panes = "A2"
    wb.defined_names["Seuil"] = DefinedName("Seuil", attr_text="Factures!$D$2")
    ws.defined_names["Local"] = DefinedName("Local", attr_text="Factures!$A$1")

    other = wb.create_sheet("Notes perso")
    other["A1"] = "à garder"
    other["B2"] = 42
    other.add_image(Image(io.BytesIO(png_bytes())), "D2")
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=4, min_row=1, max_row=11), titles_from_data=True)
    other.add_chart(chart, "D10")
    wb.save(path)
    return path


@pytest.fixture
def rich(tmp_path) -> Path:
    return build_rich(tmp_path / "Registre.xlsx")


def rewrite_zip(path: Path, edit) -> None:
    """Rewrite a package's parts: ``edit(parts: dict[str, bytes])`` changes them in place."""
    with zipfile.ZipFile(path) as src:
        parts = {i.filename: src.read(i.filename) for i in src.infolist()}
    edit(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts.items():
            dst.writestr(name, data)
