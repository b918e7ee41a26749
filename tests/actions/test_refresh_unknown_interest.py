"""Actualiser when the rate table lacks a half-year: the interest cell stays empty, Anomalies says why.

A figure computed only up to the last half-year the table covers is a lower bound; written in
« Intérêts de retard » it would read as the interest owed. The cell is left empty and the
Anomalies line gives the amount computed, up to which date, and the row to add in Taux.
"""

from __future__ import annotations

from datetime import date

import openpyxl

from addin.actions import refresh
from addin.books.file import FileBook
from tests.actions.test_refresh import computed_columns, fill_template

# 2027 S1 is not in the shipped table (nor in the template's Taux sheet).
LATER = date(2027, 3, 1)


def test_an_interest_the_table_cannot_complete_is_an_empty_cell_and_an_anomaly(tmp_path):
    register = fill_template(tmp_path / "Registre.xlsx")
    refresh.run(FileBook.open(register, today=LATER), today=LATER)
    rows = computed_columns(register)

    # F001 was paid on 1 Apr 2025: its interest (8000 x 13.15 % x 40 / 365 = 115.29) is fully known.
    assert rows["F001"]["Intérêts de retard"] == 115.29
    # F002 (1,200 € due 1 Jun 2025, unpaid) runs into 2027 S1: no figure in the cell.
    assert rows["F002"]["Intérêts de retard"] is None
    assert rows["F002"]["Statut"] == "En retard" and rows["F002"]["Indemnité forfaitaire"] == 40

    # Its Anomalies line: the amount computed up to 31 Dec 2026 and the row to add. 1,200 € from 2 Jun 2025:
    # 29 d at 13.15 % + 184 d at 12.15 % (2025 S2) + 181 d at 12.15 % (2026 S1) + 184 d at 12.40 % (2026 S2)
    # = 1200 x (0.1315 x 29 + 0.1215 x 365 + 0.124 x 184) / 365 = 233.35.
    anomalies = openpyxl.load_workbook(register)["Anomalies"].iter_rows(values_only=True)
    [line] = [row for row in anomalies if row[:3] == ("Factures", 3, "Intérêts de retard")]  # F002's row
    message, fix = line[4], line[5]
    assert "31/12/2026" in message and "233,35 €" in message and "1er semestre 2027" in message
    assert "Taux" in fix and "2027" in fix
