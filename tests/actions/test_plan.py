"""Échéancier: an installment plan appended for an invoice, driving its reminders afterwards."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import openpyxl
import pytest

from addin.actions import plan, refresh
from addin.books.file import FileBook
from addin.books.live import LiveBook
from tests.actions.test_refresh import TODAY, fill_template
from tests.books.fake_xlwings import FakeBook


@pytest.fixture
def register(tmp_path):
    return fill_template(tmp_path / "Registre.xlsx")


def plan_rows(path):
    ws = openpyxl.load_workbook(path)["Échéanciers"]
    return [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0]]


def test_plan_spreads_the_balance_to_the_cent_and_appends_rows(register):
    # F002: 1,200.00 unpaid -> 3 installments 400.00 from 15 Jul 2025, monthly.
    result = plan.run(FileBook.open(register, today=TODAY), today=TODAY, invoice="F002", count=3,
                      first_due=date(2025, 7, 15))
    rows = plan_rows(register)
    assert result.plan == "P-001" and len(rows) == 3
    assert [r[6] for r in rows] == [400, 400, 400]
    assert [r[7].date() for r in rows] == [date(2025, 7, 15), date(2025, 8, 15), date(2025, 9, 15)]
    assert {r[8] for r in rows} == {"F002"} and {r[1] for r in rows} == {"C1"}
    assert "400,00\xa0€ le 15/07/2025" in result.summary


def test_plan_of_an_odd_balance_puts_the_remainder_cent_on_the_last(register):
    # F003: 6,000 - 2,000 paid = 4,000.00 in 3: 1,333.33 + 1,333.33 + 1,333.34
    plan.run(FileBook.open(register, today=TODAY), today=TODAY, invoice="F003", count=3)
    amounts = [D(str(r[6])) for r in plan_rows(register)]
    assert amounts == [D("1333.33"), D("1333.33"), D("1333.34")] and sum(amounts) == D("4000.00")


def test_the_plans_dates_drive_the_invoice_after_refresh(register):
    plan.run(FileBook.open(register, today=TODAY), today=TODAY, invoice="F002", count=2,
             first_due=date(2025, 7, 10))
    refresh.run(FileBook.open(register, today=TODAY), today=TODAY)
    ws = openpyxl.load_workbook(register)["Factures"]
    head = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "F002")
    # The next installment (10 Jul) is not due yet, but F002 is past its own due date with its days
    # late, interest and 40 €: one consistent state, not « À échoir » beside them (issue 15 point 9).
    assert row[head.index("Jours de retard")] > 0 and row[head.index("Indemnité forfaitaire")] == 40
    assert row[head.index("Statut")] == "Échéancier en cours"
    statuses = [r[9] for r in plan_rows(register)]
    assert statuses == ["Facturée", "Facturée"]


def test_a_plan_made_by_relance_is_as_complete_as_one_typed_by_hand(register):
    plan.run(FileBook.open(register, today=TODAY), today=TODAY, invoice="F002", count=2)
    head = [c.value for c in openpyxl.load_workbook(register)["Échéanciers"][1]]
    rows = plan_rows(register)
    assert [r[head.index("Pénalités suspendues")] for r in rows] == ["Non", "Non"]
    assert all(r[head.index("Objet")] and r[head.index("Montant total")] for r in rows)


@pytest.mark.parametrize("number, message", [
    ("F001", "plus rien à payer"), ("F999", "introuvable"), ("AV001", "plus rien à payer")])
def test_plan_refuses_what_cannot_be_spread(register, number, message):
    before = register.read_bytes()
    with pytest.raises(ValueError, match=message):
        plan.run(FileBook.open(register, today=TODAY), today=TODAY, invoice=number)
    assert register.read_bytes() == before


def test_a_second_plan_for_the_same_invoice_is_refused(register):
    plan.run(FileBook.open(register, today=TODAY), today=TODAY, invoice="F002")
    with pytest.raises(ValueError, match="déjà un plan"):
        plan.run(FileBook.open(register, today=TODAY), today=TODAY, invoice="F002")


def test_from_the_ribbon_the_selected_row_is_the_invoice():
    fake = FakeBook({
        "Factures": {(1, 1): "N° facture", (1, 2): "Code client", (2, 1): "F9", (2, 2): "C1"},
    })
    live = LiveBook(fake)
    sheet = fake.sheets["Factures"]
    fake.app.select(sheet, 2)
    assert plan._selected_invoice(live) == "F9"
    fake.app.select(sheet, 1)  # the header row is not an invoice
    with pytest.raises(ValueError, match="Sélectionnez la ligne"):
        plan._selected_invoice(live)


def test_from_the_ribbon_every_sheet_is_read_once_before_the_plan_is_written(tmp_path):
    from collections import Counter

    from tests.actions.test_refresh import _SHEET_READS, live_register

    fake = live_register(20, tmp_path)
    fake.app.select(fake.sheets["Factures"], 3)  # F0001: 121.00, unpaid
    fake.app.calls.clear()
    result = plan.run(LiveBook(fake), today=TODAY, count=2, first_due=date(2025, 7, 15))
    assert result.plan == "P-001" and "F0001" in result.summary
    calls = fake.app.calls
    first_write = next(i for i, c in enumerate(calls) if c.endswith("range.value="))
    # read_sheet asks for formulas once per sheet (append_rows only asks where the sheet ends).
    reads = Counter(c.split(".")[0] for c in calls[:first_write] if c.endswith(".range.formula"))
    assert reads == {name: 1 for name in ("Paramètres", "Clients", "Factures", "Paiements", "Échéanciers",
                                          "Journal")}
    assert not [c for c in calls[first_write:] if c.endswith(_SHEET_READS)]
