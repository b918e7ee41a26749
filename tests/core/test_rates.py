from datetime import date
from decimal import Decimal as D

import pytest

from addin.core.dates import half_year_start
from addin.core.rates import (
    ECB_MRO_CHANGES,
    SHEET_HEADERS,
    SHIPPED_HALVES,
    HalfYearRates,
    MissingRate,
    RateTable,
    read_fraction,
    rows_from_sheet,
)

TABLE = RateTable.shipped()

# LAW.md §6, copied verbatim: half, ECB, default (+10), legal indiv., legal other, floor (3 × other).
LAW_TABLE = """
2015 1 0.05 10.05 4.06 0.93 2.79
2015 2 0.05 10.05 4.29 0.99 2.97
2016 1 0.05 10.05 4.54 1.01 3.03
2016 2 0.00 10.00 4.35 0.93 2.79
2017 1 0.00 10.00 4.16 0.90 2.70
2017 2 0.00 10.00 3.94 0.90 2.70
2018 1 0.00 10.00 3.73 0.89 2.67
2018 2 0.00 10.00 3.60 0.88 2.64
2019 1 0.00 10.00 3.40 0.86 2.58
2019 2 0.00 10.00 3.26 0.87 2.61
2020 1 0.00 10.00 3.15 0.87 2.61
2020 2 0.00 10.00 3.11 0.84 2.52
2021 1 0.00 10.00 3.14 0.79 2.37
2021 2 0.00 10.00 3.12 0.76 2.28
2022 1 0.00 10.00 3.13 0.76 2.28
2022 2 0.00 10.00 3.15 0.77 2.31
2023 1 2.50 12.50 4.47 2.06 6.18
2023 2 4.00 14.00 6.82 4.22 12.66
2024 1 4.50 14.50 8.01 5.07 15.21
2024 2 4.25 14.25 8.16 4.92 14.76
2025 1 3.15 13.15 7.21 3.71 11.13
2025 2 2.15 12.15 6.65 2.76 8.28
2026 1 2.15 12.15 6.67 2.62 7.86
2026 2 2.40 12.40 6.84 2.75 8.25
"""


def _law_rows():
    for line in LAW_TABLE.strip().splitlines():
        year, half, *percents = line.split()
        yield int(year), int(half), [D(p) / 100 for p in percents]


def test_every_law_half_year_is_shipped_with_its_derived_columns():
    rows = list(_law_rows())
    assert len(rows) == len(SHIPPED_HALVES) == 24
    for year, half, (ecb, default, individual, other, floor) in rows:
        row = TABLE.get(year, half)
        assert row.ecb == ecb
        assert row.legal_individual == individual and row.legal_other == other
        # Derived, not stored: they must still equal the brief's columns.
        assert row.default_penalty == default
        assert row.floor == floor
        assert TABLE.default_penalty_rate(half_year_start(year, half)) == default
        assert TABLE.floor(half_year_start(year, half)) == floor


def test_reference_rate_is_the_mro_in_force_on_1_january_and_1_july():
    # L441-10 II: 1 January for the first half-year, 1 July for the second.
    for row in SHIPPED_HALVES:
        assert TABLE.reference_rate(row.year, row.half) == TABLE.ecb_rate_on(half_year_start(row.year, row.half))


def test_ecb_history_lookups():
    assert TABLE.ecb_rate_on(date(2024, 6, 11)) == D("0.045")
    assert TABLE.ecb_rate_on(date(2024, 6, 12)) == D("0.0425")  # effective from its date
    assert TABLE.ecb_rate_on(date(2016, 3, 16)) == D("0")
    with pytest.raises(MissingRate):
        TABLE.ecb_rate_on(date(2008, 7, 8))  # before the first known change
    with pytest.raises(MissingRate):
        TABLE.ecb_rate_on(date(2027, 1, 1))  # after the date the history was checked


def test_unverified_figures_are_marked():
    assert not TABLE.get(2026, 2).verified
    assert "NON VÉRIFIÉ" in TABLE.get(2026, 2).source
    assert all(row.verified for row in SHIPPED_HALVES if (row.year, row.half) != (2026, 2))
    unverified = {c.effective for c in ECB_MRO_CHANGES if not c.verified}
    assert unverified == {date(2026, 6, 17), date(2026, 9, 16)}


def test_rates_of_a_date_use_its_half_year():
    assert TABLE.default_penalty_rate(date(2025, 6, 30)) == D("0.1315")  # 3.15 + 10
    assert TABLE.default_penalty_rate(date(2025, 7, 1)) == D("0.1215")  # 2.15 + 10
    assert TABLE.public_rate(date(2025, 6, 11)) == D("0.1115")  # 3.15 + 8
    assert TABLE.legal_rate(date(2025, 3, 1)) == D("0.0371")
    assert TABLE.legal_rate(date(2025, 3, 1), "individual") == D("0.0721")
    # 2024: the default (14.50 %) is below the floor (3 × 5.07 = 15.21 %), LAW.md §6.
    assert TABLE.default_penalty_rate(date(2024, 3, 1)) < TABLE.floor(date(2024, 3, 1)) == D("0.1521")
    with pytest.raises(ValueError):
        TABLE.legal_rate(date(2025, 3, 1), "banks")


def test_missing_half_year_raises_with_a_french_message():
    with pytest.raises(MissingRate) as caught:
        TABLE.default_penalty_rate(date(2027, 2, 1))
    assert (caught.value.year, caught.value.half) == (2027, 1)
    assert "1er semestre 2027" in str(caught.value) and "feuille Taux" in str(caught.value)
    with pytest.raises(MissingRate):
        TABLE.get(2014, 2)
    assert isinstance(caught.value, ValueError)


def test_overrides_replace_and_extend():
    new = HalfYearRates(2027, 1, D("0.0265"), D("0.07"), D("0.03"), True, "arrêté du 20/12/2026")
    fixed = HalfYearRates(2026, 2, D("0.024"), D("0.0684"), D("0.0275"), True, "vérifié")
    table = TABLE.with_overrides([new, fixed])
    assert table.default_penalty_rate(date(2027, 3, 1)) == D("0.1265")
    assert table.get(2026, 2).verified
    assert table.get(2025, 1) == TABLE.get(2025, 1)
    assert len(table.halves) == 25
    with pytest.raises(MissingRate):
        TABLE.get(2027, 1)  # the original is unchanged


def test_sheet_round_trip():
    headers, rows = TABLE.sheet_rows()
    assert headers == SHEET_HEADERS
    assert headers[0] == "Année" and headers[-2] == "Vérifié (Oui/Non)"
    row_2024 = next(r for r in rows if r[:2] == (2024, 1))
    assert row_2024[2:8] == (D("0.045"), D("0.145"), D("0.125"), D("0.0801"), D("0.0507"), D("0.1521"))
    assert row_2024[8] == "Oui" and rows[-1][8] == "Non"
    back, errors = rows_from_sheet(headers, rows)
    assert errors == []
    assert RateTable(tuple(back)) == TABLE


def test_sheet_rows_typed_by_a_person_extend_the_table():
    headers = ("Year", "Half", "ECB rate", "Legal rate (individual creditor)", "Legal rate (other cases)",
               "Verified", "Source")
    rows = [
        (2027, "S1", "2,65 %", 7.02, "0,0301", "", ""),  # percent text, percent number, fraction text
        (2027.0, 2, 0.029, "7,1", "3,1 %", "Non", "BdF"),
        (None, None, None, None, None, None, None),  # blank line
        (2028, 1, "abc", 7, 3, "Oui", ""),
        (2028, 3, 2, 7, 3, "Oui", ""),
    ]
    found, errors = rows_from_sheet(headers, rows, first_row=5)
    assert [(r.year, r.half) for r in found] == [(2027, 1), (2027, 2)]
    first, second = found
    assert (first.ecb, first.legal_individual, first.legal_other) == (D("0.0265"), D("0.0702"), D("0.0301"))
    assert first.verified and first.source == "feuille Taux"  # blank « Vérifié »: the user's own row
    assert (second.ecb, second.legal_individual, second.legal_other) == (D("0.029"), D("0.071"), D("0.031"))
    assert not second.verified
    assert len(errors) == 2
    assert "ligne 8" in errors[0] and "taux BCE" in errors[0]
    assert "ligne 9" in errors[1] and "semestre" in errors[1]
    table = TABLE.with_overrides(found)
    assert table.default_penalty_rate(date(2027, 1, 1)) == D("0.1265")  # 2.65 + 10
    assert table.floor(date(2027, 12, 31)) == D("0.093")  # 3 × 3.1


@pytest.mark.parametrize("column, value, shown", [
    (2, "0,5", "50 %"),  # meant 0.5 %: a bare number below 1 is a fraction, 50 % is not an ECB rate
    (2, 0.5, "50 %"),
    (3, 30, "30 %"),  # legal rate (individual) of 30 %
    (4, "26 %", "26 %"),
])
def test_an_implausible_reference_rate_is_refused_with_a_hint(column, value, shown):
    # ECB and legal rates have never come near 25 % (LAW.md §6: at most 8.16 %).
    headers = ("Année", "Semestre", "Taux BCE", "Intérêt légal (particulier créancier)",
               "Intérêt légal (autres cas)")
    row = [2027, 1, "2,65 %", "7,02 %", "3,01 %"]
    row[column] = value
    found, errors = rows_from_sheet(headers, [tuple(row)], first_row=4)
    assert found == []
    [error] = errors
    assert "ligne 4" in error and shown in error and "25 %" in error and "%" in error


def test_a_reference_rate_of_exactly_25_percent_is_kept():
    headers = ("Année", "Semestre", "Taux BCE", "Intérêt légal (particulier créancier)",
               "Intérêt légal (autres cas)")
    found, errors = rows_from_sheet(headers, [(2027, 1, "0,5 %", 0.25, "3,01 %")])
    assert errors == [] and (found[0].ecb, found[0].legal_individual) == (D("0.005"), D("0.25"))


def test_sheet_without_required_columns_is_refused_as_data():
    found, errors = rows_from_sheet(("Année", "Semestre", "Taux BCE"), [(2027, 1, 0.02)])
    assert found == []
    assert "Intérêt légal (autres cas)" in errors[0]


def test_read_fraction_accepts_percentages_and_fractions():
    assert read_fraction("12,15 %") == D("0.1215")
    assert read_fraction(12.15) == D("0.1215")
    assert read_fraction(0.1215) == D("0.1215")  # the float's decimal text, not its binary value
    assert read_fraction(D("0.1215")) == D("0.1215")
    assert read_fraction("0,5\u00a0%") == D("0.005")
    with pytest.raises(ValueError):
        read_fraction("douze")
