"""``balances.open_balances`` (what bank matching reads of the ledger) equals the engine's balances.

The property: on the random registers of ``test_fast`` — credit notes linked or not, unknown
terms, early-payment discounts earned or missed, installment plans, payments unnamed, to unknown
invoices or another client's, overpayments, a number twice, amounts not in cents — the balance
of every open item (status neither credit note nor error, balance above 0) is the one
« Actualiser » computes (``fast.compute``) and the reference's (``ledger.compute``), and every
other invoice has 0.00.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings

from addin.core import balances, fast, ledger
from addin.core.model import Client, ClientType, Invoice, Payment, Register, Settings
from tests.core.test_fast import RATES, busy_registers, registers, todays


def _engine(register, today):
    return balances.from_ledger(fast.compute(register, today, RATES)[0].states)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(register=registers(), today=todays)
def test_open_balances_are_the_engines(register, today):
    expected = _engine(register, today)
    assert balances.open_balances(register, today, RATES) == expected
    assert balances.from_ledger(ledger.compute(register, today, RATES)[0].states) == expected


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(register=busy_registers(), today=todays)
def test_open_balances_are_the_engines_when_payments_interact(register, today):
    assert balances.open_balances(register, today, RATES) == _engine(register, today)


TODAY = date(2026, 3, 31)
CLIENT = Client(code="C1", name="Dupont", type=ClientType.BUSINESS, terms="30 jours", row=2)


def _register(*invoices, payments=(), **settings_):
    return Register(Settings(**settings_), (CLIENT,), tuple(invoices), tuple(payments))


def test_worked_example_credit_note_discount_and_unnamed_payment():
    # F1 1,200.00 with a linked credit note of 200.00 and 300.00 paid on it: 1,200 − 200 − 300 = 700.00.
    # F2 600.00 (HT 500.00, 2 % discount): paid 588.00 within 10 days = 600 − (10.00 + 2.00 VAT): earned, 0.00.
    # F3 1,000.00: an unnamed payment of 400.00 goes to the oldest due open item, F1 (due 2026-02-01)...
    #   so F1: 700 − 400 = 300.00, F3 stays 1,000.00.
    f1 = Invoice("F1", "C1", date(2026, 1, 2), Decimal("1200.00"), row=2)
    av = Invoice("AV1", "C1", date(2026, 1, 5), Decimal("-200.00"), corrects="F1", row=3)
    f2 = Invoice("F2", "C1", date(2026, 2, 1), Decimal("600.00"), amount_ht=Decimal("500.00"),
                 discount_rate=Decimal("0.02"), row=4)
    f3 = Invoice("F3", "C1", date(2026, 2, 15), Decimal("1000.00"), row=5)
    pays = (Payment(date(2026, 1, 20), "C1", Decimal("300.00"), "F1", row=2),
            Payment(date(2026, 2, 8), "C1", Decimal("588.00"), "F2", row=3),
            Payment(date(2026, 3, 1), "C1", Decimal("400.00"), None, row=4))
    register = _register(f1, av, f2, f3, payments=pays)
    assert balances.open_balances(register, TODAY, RATES) == [Decimal("300.00"), Decimal("0.00"),
                                                              Decimal("0.00"), Decimal("1000.00")]
    assert balances.open_balances(register, TODAY, RATES) == _engine(register, TODAY)
    # The same discount missed (paid after its deadline): 600 − 588 = 12.00 still owed.
    late = replace(pays[1], paid_on=date(2026, 2, 20))
    register = _register(f1, av, f2, f3, payments=(pays[0], late, pays[2]))
    assert balances.open_balances(register, TODAY, RATES)[2] == Decimal("12.00")


def test_a_register_the_fast_engine_leaves_to_the_reference_gets_the_engine():
    # Interest-first imputation: the engine's own answer (here 1,000 − 250 = 750.00).
    f1 = Invoice("F1", "C1", date(2026, 1, 2), Decimal("1000.00"), row=2)
    register = _register(f1, payments=(Payment(date(2026, 2, 1), "C1", Decimal("250.00"), "F1", row=2),),
                         imputation="interest_first")
    assert fast.open_balances(register, TODAY) is None
    assert balances.open_balances(register, TODAY, RATES) == [Decimal("750.00")] == _engine(register, TODAY)
