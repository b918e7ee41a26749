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


# --- The calling workbook's Taux and Paramètres (xlwings passes the calling cell as ``caller``) ---

from types import SimpleNamespace  # noqa: E402

from tests.books.fake_xlwings import FakeBook  # noqa: E402

TAUX_2027 = {  # the Taux sheet a user extended with 2027 S1 (ECB 2.65 %, legal 7.02 % / 3.01 %)
    (1, 1): "Année", (1, 2): "Semestre", (1, 3): "Taux BCE", (1, 4): "Intérêt légal (particulier créancier)",
    (1, 5): "Intérêt légal (autres cas)", (1, 6): "Vérifié (Oui/Non)",
    (2, 1): 2027, (2, 2): 1, (2, 3): 0.0265, (2, 4): 0.0702, (2, 5): 0.0301, (2, 6): "Oui",
}


def caller_in(sheets, fullname="/tmp/Registre.xlsm"):
    """A calling cell as xlwings gives it: ``caller.sheet.book`` is the workbook."""
    book = FakeBook(sheets, fullname=fullname)
    return SimpleNamespace(sheet=SimpleNamespace(book=book)), book


def settings_sheet(*rows):
    cells = {(1, 1): "Paramètre", (1, 2): "Valeur"}
    for i, (key, value) in enumerate(rows, 2):
        cells[(i, 1)], cells[(i, 2)] = key, value
    return cells


@pytest.fixture(autouse=True)
def fresh_book_cache():
    udfs._book_cache.clear()
    yield
    udfs._book_cache.clear()


def test_penalty_rate_reads_the_calling_workbooks_taux_sheet():
    # 2027 S1 is not shipped: without the workbook it is an error; with the row the user added,
    # 2.65 + 10 = 12.65 %.
    assert udfs.penalty_rate(date(2027, 3, 1)).startswith("#RELANCE! Taux inconnu")
    caller, _ = caller_in({"Taux": TAUX_2027})
    assert udfs.penalty_rate(date(2027, 3, 1), caller=caller) == pytest.approx(0.1265)
    assert udfs.penalty_rate(date(2025, 3, 1), caller=caller) == pytest.approx(0.1315)  # shipped rows still there


def test_late_interest_uses_the_workbooks_rates():
    # 1,000 € due 31 Dec 2026, as of 30 Jan 2027: 30 days at 12.65 %: 1000 x 0.1265 x 30 / 365 = 10.40.
    caller, _ = caller_in({"Taux": TAUX_2027})
    assert udfs.late_interest(1000, date(2026, 12, 31), date(2027, 1, 30), caller=caller) == 10.40
    assert udfs.late_interest(1000, date(2026, 12, 31), date(2027, 1, 30)).startswith("#RELANCE! Taux inconnu")
    # The column version too: 8000 due 31 Dec 2026, paid 30 Jan 2027: 8000 x 0.1265 x 30 / 365 = 83.18.
    assert udfs.late_interest_column([8000.0], [datetime(2026, 12, 31)], datetime(2027, 3, 1),
                                     [datetime(2027, 1, 30)], caller=caller) == [[83.18]]


def test_late_interest_follows_the_workbooks_below_floor_policy():
    # 10,000 € due 31 Jan 2024, as of 31 Mar 2024 (60 days); a 12 % contract is below the 2024 S1 floor
    # of 15.21 %. Default (legal rate): 10000 x 0.145 x 60 / 365 = 238.36. « Plancher » in Paramètres:
    # 10000 x 0.1521 x 60 / 365 = 250.03.
    assert udfs.late_interest(10000, date(2024, 1, 31), date(2024, 3, 31), annual_rate=0.12) == 238.36
    caller, _ = caller_in({"Paramètres": settings_sheet(("Taux sous le plancher", "plancher"))})
    assert udfs.late_interest(10000, date(2024, 1, 31), date(2024, 3, 31), annual_rate=0.12, caller=caller) == 250.03


def test_late_interest_follows_the_workbooks_imputation():
    # 10,000 € due 31 Jan 2025, 5,000 paid 2 Mar 2025, as of 1 Apr 2025, 13.15 % throughout.
    # Principal first: (10000 + 5000) x 0.1315 x 30 / 365 = 162.12. Interest first (C. civ. 1343-1):
    # 108.08 of the payment settles interest, so 5,108.08 runs on: 108.0822 + 55.2092 = 163.29.
    args = (10000, date(2025, 1, 31), date(2025, 4, 1), None, [date(2025, 3, 2)], [5000])
    assert udfs.late_interest(*args) == 162.12
    caller, _ = caller_in({"Paramètres": settings_sheet(("Imputation des paiements", "intérêts d'abord"))})
    assert udfs.late_interest(*args, caller=caller) == 163.29


def test_a_workbook_is_read_once_for_many_cells_then_again_after_a_few_seconds(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(udfs.time, "monotonic", lambda: clock[0])
    caller, book = caller_in({"Taux": TAUX_2027, "Paramètres": settings_sheet()})

    def reads():
        return sum(1 for call in book.app.calls if call.endswith("used_range"))

    for day in range(1, 31):  # a column of 30 formulas in one recalculation
        udfs.penalty_rate(date(2027, 1, day), caller=caller)
        udfs.late_interest(1000, date(2026, 12, 31), date(2027, 1, day), caller=caller)
    assert reads() == 2  # Taux and Paramètres, once each
    clock[0] += udfs.BOOK_CACHE_SECONDS + 1  # the user has since edited Taux
    del book._sheets[[s._name for s in book._sheets].index("Taux")]
    assert udfs.penalty_rate(date(2027, 1, 1), caller=caller).startswith("#RELANCE! Taux inconnu")
    assert reads() == 3  # Paramètres read again; Taux is gone
    # Another workbook has its own rates.
    other, _ = caller_in({"Taux": TAUX_2027}, fullname="/tmp/Autre.xlsm")
    assert udfs.penalty_rate(date(2027, 1, 1), caller=other) == pytest.approx(0.1265)


def test_a_workbook_that_cannot_be_read_is_a_readable_cell():
    class Broken:
        @property
        def fullname(self):
            raise OSError("Excel ne répond pas")

    result = udfs.penalty_rate(date(2025, 1, 1), caller=SimpleNamespace(sheet=SimpleNamespace(book=Broken())))
    assert result.startswith("#RELANCE! lecture des feuilles Taux et Paramètres impossible")


def test_excel_visible_signatures_are_the_issues():
    """``caller`` is hidden from Excel by xlwings; every other parameter is exactly as issue 2 states."""
    import inspect

    expected = {
        "due_date": ["invoice_date", "terms", "delivery_date=None"],
        "penalty_rate": ["on_date"],
        "late_interest": ["amount", "due_date", "as_of", "annual_rate=None", "payment_dates=None",
                          "payment_amounts=None", "client_type=None", "notice_date=None"],  # + issue 13
        "recovery_indemnity": ["client_type"],
        "early_discount": ["amount_ht", "vat_rate", "discount_rate", "deadline", "paid_on"],
        "installments": ["total", "count", "first_due", "months_between=1", "deposit_rate=0"],
        "days_late": ["due_date", "as_of"],
        "aging_bucket": ["due_date", "as_of"],
    }
    for name, params in expected.items():
        signature = inspect.signature(getattr(udfs, name))
        shown = [str(p) for p in signature.parameters.values() if p.name != "caller"]
        assert shown == params, name
        if "caller" in signature.parameters:
            assert list(signature.parameters)[-1] == "caller"
            assert signature.parameters["caller"].default is None


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


def test_an_empty_cell_or_an_impossible_serial_says_so_in_french():
    assert udfs.due_date(None, "30 jours") == "#RELANCE! date de facture : cellule vide, une date est attendue"
    assert "hors de la plage d'Excel" in udfs.due_date(10 ** 20, "30 jours")
    assert "Python" not in udfs.due_date(10 ** 20, "30 jours")
