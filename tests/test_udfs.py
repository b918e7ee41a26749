"""The worksheet functions: what Excel sends in, what a cell shows, LAW.md's answers."""

from datetime import date, datetime

import pytest

from addin import udfs


def test_due_date_accepts_what_excel_sends():
    assert udfs.due_date(datetime(2025, 1, 10), "45 jours fin de mois") == date(2025, 2, 28)
    assert udfs.due_date(datetime(2025, 1, 10), "fin de mois 45 jours") == date(2025, 3, 17)
    assert udfs.due_date(45667.0, "30 jours") == date(2025, 2, 9)  # serial 45667 = 10 Jan 2025
    assert udfs.due_date(datetime(2023, 12, 31), "60 jours") == date(2024, 2, 29)
    # Empty terms: the legal default, 30 days after delivery (L441-10 I).
    assert udfs.due_date(datetime(2025, 1, 10), None, datetime(2025, 1, 5)) == date(2025, 2, 4)


def test_penalty_rate_is_the_half_years_ecb_rate_plus_ten_points():
    assert udfs.penalty_rate(datetime(2025, 3, 1)) == pytest.approx(0.1315)
    assert udfs.penalty_rate(date(2025, 8, 1)) == pytest.approx(0.1215)


def test_late_interest_gives_the_worked_examples():
    # 8000 x 0.1315 x 40 / 365 = 115.29
    assert udfs.late_interest(8000.0, datetime(2025, 2, 20), datetime(2025, 4, 1)) == 115.29
    # 10000 x (0.1315 x 15 + 0.1215 x 45) / 365 = 203.84 (piecewise by half-year)
    assert udfs.late_interest(10000, datetime(2025, 6, 15), datetime(2025, 8, 14)) == 203.84
    # Example 3: payments given as two ranges (Excel sends lists).
    assert udfs.late_interest(5000, datetime(2024, 11, 30), datetime(2025, 1, 31),
                              payment_dates=[datetime(2024, 12, 20), datetime(2025, 1, 31)],
                              payment_amounts=[2000.0, 3000.0]) == 85.43
    # A contractual rate as a fraction: 1000 x 0.15 x 73 / 365 = 30.00
    assert udfs.late_interest(1000, date(2025, 1, 1), date(2025, 3, 15), annual_rate=0.15) == 30.0


def test_recovery_indemnity_by_client_type():
    assert udfs.recovery_indemnity("Professionnel") == 40.0
    assert udfs.recovery_indemnity("Public") == 40.0
    assert udfs.recovery_indemnity("Particulier") == 0.0
    assert udfs.recovery_indemnity("Consumer") == 0.0


def test_early_discount_and_installments():
    # 1000 HT at 20 % VAT, 2 %: 20.00 + 4.00 = 24.00 off, paid before the deadline.
    assert udfs.early_discount(1000, 0.2, 0.02, datetime(2025, 1, 20), datetime(2025, 1, 15)) == 24.0
    assert udfs.early_discount(1000, 0.2, 0.02, datetime(2025, 1, 20), datetime(2025, 1, 21)) == 0.0
    assert udfs.installments(1000, 3, datetime(2025, 1, 31)) == [
        [date(2025, 1, 31), 333.33], [date(2025, 2, 28), 333.33], [date(2025, 3, 31), 333.34]]
    rows = udfs.installments(1000, 2, datetime(2025, 1, 31), 1, 0.3)
    assert rows == [[date(2025, 1, 31), 300.0], [date(2025, 2, 28), 350.0], [date(2025, 3, 31), 350.0]]


def test_days_late_and_aging_bucket():
    assert udfs.days_late(datetime(2025, 1, 1), datetime(2025, 1, 31)) == 30
    assert udfs.days_late(datetime(2025, 1, 31), datetime(2025, 1, 1)) == 0
    assert udfs.aging_bucket(datetime(2025, 1, 1), datetime(2025, 1, 31)) == "1–30 j"
    assert udfs.aging_bucket(datetime(2025, 1, 1), datetime(2025, 5, 1)) == "> 90 j"


@pytest.mark.parametrize("call", [
    lambda: udfs.due_date("pas une date", "30 jours"),
    lambda: udfs.due_date(datetime(2025, 1, 1), "45 jours fin du mois prochain"),
    lambda: udfs.late_interest("beaucoup", datetime(2025, 1, 1), datetime(2025, 2, 1)),
    lambda: udfs.late_interest(100, datetime(2025, 1, 1), datetime(2025, 2, 1), payment_dates=[datetime(2025, 1, 5)]),
    lambda: udfs.recovery_indemnity("Martien"),
    lambda: udfs.installments(1000, 0, datetime(2025, 1, 1)),
    lambda: udfs.penalty_rate(datetime(2031, 1, 1)),
])
def test_a_bad_argument_is_a_readable_cell_error(call):
    result = call()
    assert isinstance(result, str) and result.startswith("#RELANCE! ")
    assert "Traceback" not in result and len(result) < 300


def test_column_versions_compute_a_whole_column_in_one_call():
    dates = [datetime(2025, 1, 10), None, datetime(2025, 1, 31)]
    terms = ["45 jours fin de mois", None, "30 jours"]
    assert udfs.due_date_column(dates, terms) == [[date(2025, 2, 28)], [""], [date(2025, 3, 2)]]
    assert udfs.days_late_column([datetime(2025, 1, 1), None], datetime(2025, 1, 11)) == [[10], [""]]
    interest = udfs.late_interest_column([8000.0, 1000.0], [datetime(2025, 2, 20), None], datetime(2025, 4, 1))
    assert interest == [[115.29], [""]]

# --- Payments given as two ranges ------------------------------------------------------------


def test_payment_ranges_are_paired_row_by_row():
    # Example 3 with a blank row in both ranges: skipped. 85.43 as before.
    due, as_of = datetime(2024, 11, 30), datetime(2025, 1, 31)
    assert udfs.late_interest(5000, due, as_of, payment_dates=[datetime(2024, 12, 20), None, datetime(2025, 1, 31)],
                              payment_amounts=[2000.0, None, 3000.0]) == 85.43
    # Blanks in different rows used to be filtered apart and the rest zipped: 20 Dec ↔ 2000, 31 Jan ↔ 3000,
    # a silent pairing of a date with another row's amount. Now row 2 has an amount and no date.
    result = udfs.late_interest(5000, due, as_of, payment_dates=[datetime(2024, 12, 20), None, datetime(2025, 1, 31)],
                                payment_amounts=[2000.0, 3000.0, None])
    assert result == "#RELANCE! paiement n° 2 : un montant sans date"


@pytest.mark.parametrize("dates, amounts, message", [
    ([datetime(2025, 1, 5)], [None], "paiement n° 1 : une date sans montant"),
    ([None, datetime(2025, 1, 5)], [None, ""], "paiement n° 2 : une date sans montant"),
    ([datetime(2025, 1, 5)], [-100.0], "paiement n° 1 : montant négatif"),
    ([datetime(2025, 1, 5), datetime(2025, 1, 6)], [100.0], "même taille"),
    ([datetime(2025, 1, 5)], ["cent"], "paiement n° 1 : montant illisible"),
])
def test_bad_payment_rows_are_readable_errors(dates, amounts, message):
    result = udfs.late_interest(1000, datetime(2025, 1, 1), datetime(2025, 2, 1),
                                payment_dates=dates, payment_amounts=amounts)
    assert result.startswith("#RELANCE! ") and message in result


# --- installments: whole months between payments ------------------------------------------------


@pytest.mark.parametrize("months, dates", [
    # EDATE from 31 Jan 2025: + 2 = 31 Mar, + 4 = 31 May, + 6 = 31 Jul.
    (2, [date(2025, 1, 31), date(2025, 3, 31), date(2025, 5, 31), date(2025, 7, 31)]),
    (2.0, [date(2025, 1, 31), date(2025, 3, 31), date(2025, 5, 31), date(2025, 7, 31)]),
    # + 3 = 30 Apr (30 days), + 6 = 31 Jul, + 9 = 31 Oct.
    (3, [date(2025, 1, 31), date(2025, 4, 30), date(2025, 7, 31), date(2025, 10, 31)]),
    (None, [date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30)]),  # omitted: monthly
])
def test_installments_every_n_months(months, dates):
    rows = udfs.installments(1000, 4, datetime(2025, 1, 31), months)
    assert rows == [[d, 250.0] for d in dates]  # 1000 / 4 = 250.00 each


@pytest.mark.parametrize("months", [0, 1.5, -1, "deux"])
def test_installments_refuse_a_months_between_that_is_not_a_whole_number_of_1_or_more(months):
    result = udfs.installments(1000, 4, datetime(2025, 1, 31), months)
    assert isinstance(result, str) and result.startswith("#RELANCE! mois entre échéances")


def test_installments_count_must_be_whole_and_deposit_rate_reads_like_any_rate():
    assert udfs.installments(1000, 2.5, datetime(2025, 1, 31)).startswith("#RELANCE! nombre d'échéances")
    # 30 % deposit however typed: 300.00 on 31 Jan, then 350.00 on 28 Feb and 31 Mar.
    expected = [[date(2025, 1, 31), 300.0], [date(2025, 2, 28), 350.0], [date(2025, 3, 31), 350.0]]
    for rate in (0.3, 30, "30 %", "0,3"):
        assert udfs.installments(1000, 2, datetime(2025, 1, 31), 1, rate) == expected


# --- early_discount: rates read like late_interest's -------------------------------------------


@pytest.mark.parametrize("vat, discount", [(0.2, 0.02), (20, 2), ("20 %", "2 %"), ("0,2", "0,02"), (20.0, "2%")])
def test_early_discount_reads_rates_like_late_interest(vat, discount):
    # 1,000 HT at 20 % VAT, 2 %: 20.00 + 4.00 = 24.00 off, paid before the deadline.
    assert udfs.early_discount(1000, vat, discount, datetime(2025, 1, 20), datetime(2025, 1, 15)) == 24.0


@pytest.mark.parametrize("args, message", [
    ((-1000, 0.2, 0.02), "montant HT négatif"),
    ((1000, "vingt", 0.02), "taux de TVA : taux illisible"),
    ((1000, 0.2, None), "taux d'escompte : taux attendu"),
    ((1000, -0.2, 0.02), "taux de TVA : taux négatif"),
])
def test_early_discount_bad_arguments(args, message):
    result = udfs.early_discount(*args, datetime(2025, 1, 20), datetime(2025, 1, 15))
    assert result.startswith("#RELANCE! ") and message in result

# --- Column versions: one value per row, spilling; ranges of one size ---------------------------


def test_late_interest_column_runs_to_each_rows_payment_date():
    due = datetime(2025, 2, 20)
    rows = udfs.late_interest_column(
        [8000.0, 8000.0, 8000.0, None, 8000.0],
        [due, due, due, due, due],
        datetime(2025, 6, 1),
        [datetime(2025, 4, 1), None, datetime(2025, 7, 1), None, datetime(2025, 2, 1)],
    )
    assert rows == [
        [115.29],  # paid 1 Apr 2025: 8000 x 0.1315 x 40 / 365 (the old column gave 0 on a paid invoice)
        [291.10],  # unpaid on 1 Jun: 8 + 31 + 30 + 31 + 1 = 101 days: 8000 x 0.1315 x 101 / 365
        [291.10],  # paid after the calculation date: unpaid as of 1 Jun
        [""],  # no amount: blank row
        [0.0],  # paid before its due date
    ]


def test_a_number_in_the_payment_dates_column_is_not_taken_for_a_date():
    # The column's fourth range used to be the amounts paid: 2000 read as a date would be 22 Jun 1905.
    [[cell]] = udfs.late_interest_column([8000.0], [datetime(2025, 2, 20)], datetime(2025, 6, 1), [2000.0])
    assert cell.startswith("#RELANCE! date de paiement")


@pytest.mark.parametrize("call", [
    lambda: udfs.due_date_column([datetime(2025, 1, 10), datetime(2025, 1, 11)], ["30 jours"]),
    lambda: udfs.due_date_column([datetime(2025, 1, 10)], ["30 jours"], [None, None]),
    lambda: udfs.late_interest_column([8000.0, 100.0], [datetime(2025, 2, 20)], datetime(2025, 6, 1)),
    lambda: udfs.late_interest_column([8000.0], [datetime(2025, 2, 20)], datetime(2025, 6, 1), [None, None]),
])
def test_columns_of_different_lengths_are_an_error_on_every_row(call):
    rows = call()
    assert len(rows) == 2 and all(len(row) == 1 for row in rows)
    assert all(row[0].startswith("#RELANCE! plages de tailles différentes") for row in rows)


def test_column_versions_return_one_value_per_row_as_a_2d_array():
    dates = [datetime(2025, 1, 10)] * 7
    for rows in (udfs.due_date_column(dates, ["30 jours"] * 7), udfs.days_late_column(dates, datetime(2025, 3, 1)),
                 udfs.late_interest_column([100.0] * 7, dates, datetime(2025, 3, 1))):
        assert isinstance(rows, list) and len(rows) == 7 and all(isinstance(r, list) and len(r) == 1 for r in rows)
    assert udfs.days_late_column([], datetime(2025, 3, 1)) == [[""]]


def test_no_function_uses_xlwings_legacy_expand(monkeypatch):
    """With Excel's dynamic arrays a returned 2-D list spills natively; ``expand`` is the legacy way."""
    import importlib

    import xlwings

    options = []

    def ret(*args, **kwargs):
        options.append(kwargs)
        return lambda f: f

    monkeypatch.setattr(xlwings, "ret", ret, raising=False)
    try:
        importlib.reload(udfs)
    finally:
        monkeypatch.undo()
        importlib.reload(udfs)
    assert not any("expand" in o for o in options)
