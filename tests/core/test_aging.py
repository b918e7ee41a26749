"""Aged balance, DSO, payer profiles, credit policy, doubtful debts and the forecast."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given, settings, strategies as st

from addin.core import aging
from addin.core.model import Client, ClientType, Invoice, InvoiceState, Settings, Status

AS_OF = date(2025, 6, 30)


def state(number, client="C1", due=AS_OF, balance=D("100.00"), status=Status.OVERDUE, ttc=None, issued=None,
          paid_on=None, promise=None, ht=None, dispute=""):
    ttc = ttc if ttc is not None else balance
    inv = Invoice(number, client, issued or due - timedelta(days=30), ttc, ht, promise=promise, dispute=dispute)
    return InvoiceState(inv, due, ttc - balance, balance, status, 0, D(0), D(0), paid_on=paid_on)


@pytest.mark.parametrize("days, index", [(-5, 0), (0, 0), (1, 1), (30, 1), (31, 2), (60, 2), (61, 3),
                                         (90, 3), (91, 4), (400, 4)])
def test_buckets_at_their_boundaries(days, index):
    assert aging.bucket(AS_OF - timedelta(days=days), AS_OF) == index


def test_aged_balance_per_client_with_credit_notes_and_unallocated_payments():
    states = [
        state("F1", due=AS_OF + timedelta(days=5), balance=D("100.00"), status=Status.NOT_DUE),
        state("F2", due=AS_OF - timedelta(days=45), balance=D("250.50")),
        state("F3", due=AS_OF - timedelta(days=120), balance=D("80.00"), status=Status.DISPUTED),
        state("AV1", balance=D("-20.00"), status=Status.CREDIT_NOTE),
        state("F4", due=AS_OF - timedelta(days=10), balance=D("0.00"), status=Status.PAID, ttc=D("70.00")),
        state("F5", client="C2", due=AS_OF - timedelta(days=75), balance=D("10.00")),
    ]
    clients = [Client("C1", "Atelier"), Client("C2", "Garage")]
    result = aging.aged_balance(states, clients, AS_OF, {"C2": D("5.00")})
    c1, c2 = result.rows
    assert c1.buckets == (D("100.00"), D(0), D("250.50"), D(0), D("80.00"))
    assert c1.credit_notes == D("-20.00") and c1.total == D("410.50")
    assert c2.buckets[3] == D("10.00") and c2.unallocated == D("-5.00") and c2.total == D("10.00")
    # The totals row = the sum of the open "Reste dû" of Factures: 100 + 250.50 + 80 - 20 + 10 = 420.50
    assert result.totals.total == D("420.50")
    assert result.totals.buckets == (D("100.00"), D(0), D("250.50"), D("10.00"), D("80.00"))


amount = st.decimals(min_value=D("-500.00"), max_value=D("50000.00"), places=2)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(-60, 400), amount, st.sampled_from(["C1", "C2", "C3"])), max_size=40))
def test_totals_row_equals_the_sum_of_open_balances_to_the_cent(items):
    states = []
    for k, (days, balance, client) in enumerate(items):
        status = Status.CREDIT_NOTE if balance < 0 else (Status.NOT_DUE if days <= 0 else Status.OVERDUE)
        states.append(state(f"F{k}", client, AS_OF - timedelta(days=days), balance, status))
    result = aging.aged_balance(states, [Client(c, c) for c in ("C1", "C2", "C3")], AS_OF)
    open_sum = sum((s.balance for s in states if aging.is_open(s)), D(0))
    assert result.totals.total == open_sum
    assert sum(result.totals.buckets, D(0)) + result.totals.credit_notes == open_sum
    assert sum((r.total for r in result.rows), D(0)) == open_sum


def test_dso_by_count_back_with_the_arithmetic():
    # Open receivables 1,500 at 30 Jun 2025. June sales (30 days) 1,000: fully covered -> 30 days,
    # 500 left; May sales (31 days) 2,000: 500 / 2,000 of May -> 31 x 0.25 = 7.75 days. DSO = 37.75 -> 37.8
    states = [
        state("J1", issued=date(2025, 6, 10), ttc=D("1000.00"), balance=D("1000.00"), due=date(2025, 7, 10),
              status=Status.NOT_DUE),
        state("M1", issued=date(2025, 5, 5), ttc=D("2000.00"), balance=D("500.00"), due=date(2025, 6, 4)),
    ]
    assert aging.dso(states, AS_OF) == D("37.8")
    assert aging.dso([], AS_OF) is None


def test_payer_profile_average_median_and_share_late():
    # Paid 0, 10 and 20 days late -> average 10, median 10, 2 of 3 late.
    due = date(2025, 3, 1)
    states = [state(f"P{k}", due=due, balance=D(0), ttc=D("100.00"), status=Status.PAID,
                    paid_on=due + timedelta(days=d)) for k, d in enumerate((-3, 10, 20))]
    p = aging.payer_profile("C1", states)
    assert (p.paid_invoices, p.average_days_late, p.median_days_late, p.share_paid_late) == (
        3, D("10.0"), D("10.0"), D("0.67"))
    assert aging.payer_profile("C9", states).paid_invoices == 0


def test_credit_policy_breaches_name_their_reason():
    states = [state("F1", due=AS_OF - timedelta(days=75), balance=D("3000.00")),
              state("F2", client="C2", due=AS_OF - timedelta(days=5), balance=D("900.00"))]
    clients = [Client("C1", "A", credit_limit=D("10000")), Client("C2", "B", credit_limit=D("500"))]
    result = dict(aging.credit_policy_breaches(clients, states, Settings(hold_days_late=60), AS_OF))
    assert "75 jours de retard" in result["C1"]
    assert "plafond" in result["C2"] and "C2" in result


def test_doubtful_debt_rules():
    states = [
        state("F200", due=AS_OF - timedelta(days=200), balance=D("1200.00"), ht=D("1000.00"), ttc=D("1200.00")),
        state("F400", due=AS_OF - timedelta(days=400), balance=D("600.00")),
        state("F100", due=AS_OF - timedelta(days=100), balance=D("600.00"), status=Status.DISPUTED),
        state("F10", due=AS_OF - timedelta(days=10), balance=D("600.00")),
    ]
    found = {s.invoice: s for s in aging.doubtful_debts(states, [Client("C1", "A")], AS_OF)}
    assert set(found) == {"F200", "F400", "F100"}
    # 50 % of the HT share of the balance: 1200 x (1000/1200) x 0.5 = 500.00
    assert found["F200"].rate == D("0.5") and found["F200"].provision == D("500.00")
    assert found["F400"].rate == D(1) and "litige" in found["F100"].rule


def test_consumer_limitation_is_flagged_three_months_ahead():
    states = [state("F1", client="P1", due=date(2023, 8, 15), balance=D("300.00"))]
    found = aging.doubtful_debts(states, [Client("P1", "Léa", ClientType.CONSUMER)], AS_OF)
    assert found and "prescription le 15/08/2025" in found[0].rule


def test_forecast_uses_promise_then_client_delay_then_book_delay():
    # Client C1 pays 14 days late (median); C2 has no history: the book's median (14) applies too.
    due = date(2025, 3, 1)
    history = [state(f"P{k}", due=due, balance=D(0), ttc=D("10.00"), status=Status.PAID,
                     paid_on=due + timedelta(days=14)) for k in range(3)]
    open_items = [
        state("A", due=date(2025, 7, 7), balance=D("100.00"), status=Status.NOT_DUE),  # +14 -> 21 Jul
        state("B", due=date(2025, 7, 1), balance=D("50.00"), status=Status.NOT_DUE, promise=date(2025, 7, 2)),
        state("C", due=date(2025, 5, 1), balance=D("30.00")),  # expected 15 May: past -> first week
        state("D", due=date(2025, 7, 1), balance=D("999.00"), status=Status.DISPUTED),  # left out
    ]
    states = history + open_items
    profiles = {"C1": aging.payer_profile("C1", states)}
    weeks = aging.forecast(states, profiles, AS_OF)
    assert len(weeks) == 13 and weeks[0][0] == date(2025, 6, 30)
    by_week = {start: (amount, count) for start, amount, count in weeks}
    assert by_week[date(2025, 6, 30)] == (D("80.00"), 2)  # B (promise 2 Jul) and C (overdue)
    assert by_week[date(2025, 7, 21)] == (D("100.00"), 1)
    assert sum(a for _, a, _ in weeks) == D("180.00")
