"""An implausible rate in Taux (below 0, above 25 %) stops interest for its half-year, both directions.

The red team's case: the ECB rate of 2025 S1 typed « -0,5 » reads as the fraction -0.5 = -50 %, and
gave « Intérêts de retard -14 283,58 € ». No ECB or legal rate was ever negative or above 25 %
(LAW.md §6): such a row is an error and its half-year has no rate, so no interest is computed.
"""


import openpyxl
import pytest

from addin.actions import refresh
from addin.books.file import FileBook
from addin.core.model import Severity
from addin.core.rates import MissingRate, RateTable
from addin.register.load import load_rates
from tests.actions.test_refresh import TODAY, computed_columns, fill_template
from tests.register.conftest import FakeBook


def taux_with(year: int, half: int, column: int, value) -> FakeBook:
    headers, rows = RateTable.shipped().sheet_rows()
    rows = [list(r) for r in rows]
    for row in rows:
        if (row[0], row[1]) == (year, half):
            row[column] = value
    return FakeBook({"Taux": [["Taux livrés"], list(headers), *rows]})


@pytest.mark.parametrize("value, shown", [(-0.5, "lu comme -50 %"), (-0.005, "lu comme -0,5 %"), (30, "lu comme 30 %"), ("0,5", "lu comme 50 %")])
def test_an_implausible_ecb_rate_is_an_error_and_its_half_year_has_no_rate(value, shown):
    table, problems = load_rates(taux_with(2025, 1, 2, value))
    [problem] = problems
    assert problem.severity == Severity.ERROR and problem.sheet == "Taux"
    assert shown in problem.message and "1er semestre 2025" in problem.message
    with pytest.raises(MissingRate):
        table.get(2025, 1)
    assert table.get(2025, 2) == RateTable.shipped().get(2025, 2)  # the other half-years stay


def test_a_later_plausible_row_for_the_same_half_year_wins():
    headers, rows = RateTable.shipped().sheet_rows()
    rows = [list(r) for r in rows]
    bad = next(r for r in rows if (r[0], r[1]) == (2025, 1))
    good = list(bad)
    bad = list(bad)
    bad[2] = -0.5
    table, problems = load_rates(FakeBook({"Taux": [["Taux livrés"], list(headers), *rows, bad, good]}))
    assert table.get(2025, 1).ecb == RateTable.shipped().get(2025, 1).ecb
    assert all(p.severity == Severity.WARNING for p in problems)  # only « en double »


def test_refresh_leaves_the_interest_of_that_half_year_empty(tmp_path):
    register = fill_template(tmp_path / "Registre.xlsx")
    wb = openpyxl.load_workbook(register)
    if "Taux" not in wb.sheetnames:
        refresh.run(FileBook.open(register, today=TODAY), today=TODAY)
        wb = openpyxl.load_workbook(register)
    ws = wb["Taux"]
    header_row = next(r for r in ws.iter_rows() if any(c.value == "Année" for c in r))
    ecb_col = next(c.column for c in header_row if str(c.value).startswith("Taux BCE"))
    year_col = next(c.column for c in header_row if c.value == "Année")
    half_col = next(c.column for c in header_row if c.value == "Semestre")
    for row in ws.iter_rows(min_row=header_row[0].row + 1):
        if row[year_col - 1].value == 2025 and row[half_col - 1].value == 1:
            row[ecb_col - 1].value = -0.5
    wb.save(register)
    refresh.run(FileBook.open(register, today=TODAY), today=TODAY)
    rows = computed_columns(register)
    # F001: 8,000 € due 20/02/2025, paid 01/04/2025, all in 2025 S1 — 115.29 € with the real rate
    # (8000 x 13.15 % x 40 / 365); with -50 % it would be 8000 x (-50 % + 10 %) x 40 / 365 = -350.68 €.
    assert rows["F001"]["Intérêts de retard"] is None
    anomalies = [r for r in openpyxl.load_workbook(register)["Anomalies"].iter_rows(values_only=True)
                 if r and r[0] == "Taux"]
    assert any("lu comme -50 %" in str(r[4]) for r in anomalies), anomalies
