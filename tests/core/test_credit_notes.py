"""Credit notes linked to their original invoice, a public buyer's receipt date, the penalty mode.

Worked examples of issue 13, points 1-3, each computed by both engines (``ledger`` the
reference, ``fast`` the production one) with the arithmetic written here.
"""

from datetime import date
from decimal import Decimal as D

import pytest

from addin.core import fast, ledger
from addin.core.model import Client, ClientType, Invoice, Payment, Register, Settings, Status
from addin.core.rates import RateTable

RATES = RateTable.shipped()
PRO = Client("C1", "Atelier Dupont", ClientType.BUSINESS, terms="30 jours", row=2)
PUB = Client("C2", "Mairie de Lyon", ClientType.PUBLIC, terms="30 jours", row=3)
ENGINES = [ledger.compute, fast.compute]


def run(engine, invoices, payments=(), today=date(2025, 4, 30), settings=Settings()):
    register = Register(settings, (PRO, PUB), tuple(invoices), tuple(payments))
    result, problems = engine(register, today, RATES)
    return result.by_number(), problems


# --- point 1: « Mode de pénalité » ------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_legal_mode_ignores_the_invoice_rate(engine):
    # 2,000 € TTC due 17 Mar 2025 (issued 15 Feb, 30 days), rate typed 15 %, on 30 Apr 2025:
    # legal: 44 days × 13.15 % → 2000 × 0.1315 × 44 / 365 = 31.70 (not 2000 × 0.15 × 44 / 365 = 36.16).
    invoice = Invoice("F1", "C1", date(2025, 2, 15), D("2000.00"), penalty_rate=D("0.15"), row=2)
    states, problems = run(engine, [invoice], settings=Settings(penalty_mode="legal"))
    assert states["F1"].due == date(2025, 3, 17) and states["F1"].days_late == 44
    assert states["F1"].interest == D("31.70")
    assert states["F1"].periods[0].rate == D("0.1315")
    assert [p.code for p in problems] == ["interest.mode_legal"]


@pytest.mark.parametrize("engine", ENGINES)
def test_contract_mode_applies_the_invoice_rate(engine):
    # Same invoice, « contract »: 2000 × 0.15 × 44 / 365 = 36.16.
    invoice = Invoice("F1", "C1", date(2025, 2, 15), D("2000.00"), penalty_rate=D("0.15"), row=2)
    states, problems = run(engine, [invoice], settings=Settings(penalty_mode="contract"))
    assert states["F1"].interest == D("36.16") and not problems


# --- point 2: a credit note reduces the invoice it corrects -----------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_a_linked_credit_note_reduces_the_balance_and_the_interest_base(engine):
    # 1,200 € due 2 Apr 2025 (issued 3 Mar, 30 days); credit note 200 € dated 20 Mar naming it.
    # On 30 Apr: 28 days × 1,000 € × 13.15 % / 365 = 10.087… → 10.09 (not 1200 × … = 12.11).
    invoices = [Invoice("F1", "C1", date(2025, 3, 3), D("1200.00"), row=2),
                Invoice("AV1", "C1", date(2025, 3, 20), D("-200.00"), corrects="F1", row=3)]
    states, problems = run(engine, invoices)
    f1, av1 = states["F1"], states["AV1"]
    assert (f1.due, f1.days_late) == (date(2025, 4, 2), 28)
    assert (f1.balance, f1.credited, f1.paid) == (D("1000.00"), D("200.00"), 0)
    assert f1.interest == D("10.09")
    assert [(p.days, p.base) for p in f1.periods] == [(28, D("1000.00"))]
    assert (av1.status, av1.balance) == (Status.CREDIT_NOTE, D("0.00"))  # used: no longer a client credit
    assert not problems


@pytest.mark.parametrize("engine", ENGINES)
def test_an_unlinked_credit_note_stays_a_client_credit(engine):
    # Without « Facture d'origine »: 1200 × 0.1315 × 28 / 365 = 12.105… → 12.11, the credit note -200.
    invoices = [Invoice("F1", "C1", date(2025, 3, 3), D("1200.00"), row=2),
                Invoice("AV1", "C1", date(2025, 3, 20), D("-200.00"), row=3)]
    states, _ = run(engine, invoices)
    assert (states["F1"].balance, states["F1"].interest) == (D("1200.00"), D("12.11"))
    assert states["AV1"].balance == D("-200.00")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_credit_note_after_the_due_date_lowers_the_base_from_its_own_date(engine):
    # Credit note 200 € dated 16 Apr: 3-15 Apr = 13 days on 1,200, 16-30 Apr = 15 days on 1,000:
    # (1200 × 13 + 1000 × 15) × 0.1315 / 365 = 30600 × 0.1315 / 365 = 11.024… → 11.02.
    invoices = [Invoice("F1", "C1", date(2025, 3, 3), D("1200.00"), row=2),
                Invoice("AV1", "C1", date(2025, 4, 16), D("-200.00"), corrects="F1", row=3)]
    states, _ = run(engine, invoices)
    assert [(p.start, p.days, p.base) for p in states["F1"].periods] == [
        (date(2025, 4, 3), 13, D("1200.00")), (date(2025, 4, 16), 15, D("1000.00"))]
    assert states["F1"].interest == D("11.02")


@pytest.mark.parametrize("engine", ENGINES)
def test_what_a_credit_note_gives_beyond_its_invoice_stays_a_credit(engine):
    # 1,500 € credit on a 1,200 € invoice: the invoice is settled (nothing late: credited before its due
    # date, no 40 €), 300 € stay on the credit note.
    invoices = [Invoice("F1", "C1", date(2025, 3, 3), D("1200.00"), row=2),
                Invoice("AV1", "C1", date(2025, 3, 20), D("-1500.00"), corrects="F1", row=3)]
    states, _ = run(engine, invoices)
    assert (states["F1"].balance, states["F1"].status, states["F1"].indemnity) == (D("0.00"), Status.PAID, D("0"))
    assert states["AV1"].balance == D("-300.00")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_payment_only_pays_what_the_credit_note_left(engine):
    # 1,200 € invoice, 200 € credit note, 1,200 € paid on 10 Apr naming it: 1,000 € pay it off
    # (8 days late: 1000 × 0.1315 × 8 / 365 = 2.88), 200 € are the client's credit (reported).
    invoices = [Invoice("F1", "C1", date(2025, 3, 3), D("1200.00"), row=2),
                Invoice("AV1", "C1", date(2025, 3, 20), D("-200.00"), corrects="F1", row=3)]
    payments = [Payment(date(2025, 4, 10), "C1", D("1200.00"), "F1", row=2)]
    register = Register(Settings(), (PRO, PUB), tuple(invoices), tuple(payments))
    result, problems = engine(register, date(2025, 4, 30), RATES)
    f1 = result.by_number()["F1"]
    assert (f1.paid, f1.balance, f1.status, f1.interest) == (D("1000.00"), D("0.00"), Status.PAID, D("2.88"))
    assert result.credits == {"C1": D("200.00")}
    assert [p.code for p in problems] == ["payment.exceeds_balance"]


# --- point 3: a public buyer's payment period runs from its receipt of the request ------------


@pytest.mark.parametrize("engine", ENGINES)
def test_public_buyer_terms_count_from_the_receipt_date(engine):
    # Issued 10 Jan 2025, « 30 jours », received (Chorus Pro deposit) 20 Jan: due 20 Jan + 30 = 19 Feb.
    # Blank: the invoice date + 2 days (R2192-14) = 12 Jan + 30 = 11 Feb.
    # Blank, performed 25 Jan (after that date, R2192-13): 25 Jan + 30 = 24 Feb.
    # A business ignores the column: 10 Jan + 30 = 9 Feb.
    invoices = [Invoice("P1", "C2", date(2025, 1, 10), D("100.00"), received=date(2025, 1, 20), row=2),
                Invoice("P2", "C2", date(2025, 1, 10), D("100.00"), row=3),
                Invoice("P3", "C2", date(2025, 1, 10), D("100.00"), delivered=date(2025, 1, 25), row=4),
                Invoice("B1", "C1", date(2025, 1, 10), D("100.00"), received=date(2025, 1, 20), row=5)]
    states, _ = run(engine, invoices)
    assert [states[n].due for n in ("P1", "P2", "P3", "B1")] == [
        date(2025, 2, 19), date(2025, 2, 11), date(2025, 2, 24), date(2025, 2, 9)]


@pytest.mark.parametrize("engine", ENGINES)
def test_public_buyer_interest_from_the_day_after_the_receipt_based_due_date(engine):
    # 20,000 € issued 11 May 2025, received 13 May (the default would say the same), « 30 jours »:
    # due 12 Jun; paid 25 Jul: 43 days × (3.15 + 8) % → 20000 × 0.1115 × 43 / 365 = 262.71.
    invoices = [Invoice("P1", "C2", date(2025, 5, 11), D("20000.00"), received=date(2025, 5, 13), row=2)]
    payments = [Payment(date(2025, 7, 25), "C2", D("20000.00"), "P1", row=2)]
    states, _ = run(engine, invoices, payments, today=date(2025, 8, 1))
    assert (states["P1"].due, states["P1"].days_late) == (date(2025, 6, 12), 43)
    assert states["P1"].interest == D("262.71")


def test_reminders_claim_the_reduced_balance_and_no_second_deduction():
    # The 1,200 € invoice less its 200 € credit note: the reminder asks 1,000 €, lists no credit note
    # beside it (it was used), and its interest is the reduced one (10.09 € on 30 Apr 2025).
    from addin.core.dunning import DEFAULTS, History, queue

    client = Client("C1", "Atelier Dupont", ClientType.BUSINESS, terms="30 jours", email="a@dupont.fr", row=2)
    invoices = (Invoice("F1", "C1", date(2025, 3, 3), D("1200.00"), row=2),
                Invoice("AV1", "C1", date(2025, 3, 20), D("-200.00"), corrects="F1", row=3))
    result, _ = fast.compute(Register(Settings(), (client,), invoices), date(2025, 4, 30), RATES)
    actions, _ = queue(result.states, [client], DEFAULTS, History(), Settings(), date(2025, 4, 30), result.credits)
    written = [a for a in actions if a.step.channel.value != "appel"]
    assert [(i.number, i.kind, i.balance, i.interest) for i in written[0].items] == [
        ("F1", "invoice", D("1000.00"), D("10.09"))]
    assert written[0].total_balance == D("1000.00")
