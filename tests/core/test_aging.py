"""Aged balance, DSO, payer profiles, credit policy, doubtful debts and the forecast."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given, settings, strategies as st

from addin.core import aging
from addin.core.model import Client, ClientType, Invoice, InvoiceState, Register, Settings, Status

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


def test_an_invoice_without_a_due_date_is_aged_apart_not_dropped():
    # F2025-0096's terms could not be read: Statut Erreur, Reste dû 4,006.80 in Factures. It has no age,
    # so it gets the "Échéance inconnue" column; the totals row still equals Factures' open balances:
    # 1,616.40 + 4,006.80 = 5,623.20.
    error = InvoiceState(Invoice("F2025-0096", "C017", date(2025, 7, 15), D("4006.80"), D("3339.00")), None,
                         D(0), D("4006.80"), Status.ERROR, 0, D(0), D(0))
    states = [state("F1", client="C017", due=AS_OF + timedelta(days=3), balance=D("1616.40"), status=Status.NOT_DUE),
              error]
    result = aging.aged_balance(states, [Client("C017", "Communauté de communes")], AS_OF)
    row, = result.rows
    assert row.unknown == D("4006.80") and row.buckets[0] == D("1616.40") and row.total == D("5623.20")
    assert result.totals.unknown == D("4006.80") and result.totals.total == D("5623.20")
    assert aging.to_fix(states) == (D("4006.80"), 1)


amount = st.decimals(min_value=D("-500.00"), max_value=D("50000.00"), places=2)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(-60, 400), amount,
                          st.sampled_from(["C1", "C2", "C3"]),
                          st.sampled_from([Status.OVERDUE, Status.DISPUTED, Status.PROMISED, Status.PAID,
                                           Status.ERROR])),
                max_size=40),
       st.dictionaries(st.sampled_from(["C1", "C2", "C4"]), amount.filter(lambda a: a > 0), max_size=2))
def test_totals_row_equals_the_sum_of_open_balances_to_the_cent(items, credits):
    states = []
    for k, (days, balance, client, status) in enumerate(items):
        if balance < 0:
            status = Status.CREDIT_NOTE
        elif status is Status.PAID:
            balance = D("0.00")
        elif days <= 0 and status is Status.OVERDUE:
            status = Status.NOT_DUE
        item = state(f"F{k}", client, AS_OF - timedelta(days=days), balance, status,
                     ttc=max(balance, D("0.01")) if status is Status.PAID else None)
        if status is Status.ERROR:  # an invoice whose due date could not be computed
            item = InvoiceState(item.invoice, None, D(0), balance, status, 0, D(0), D(0))
        states.append(item)
    result = aging.aged_balance(states, [Client(c, c) for c in ("C1", "C2", "C3")], AS_OF, credits)
    open_sum = sum((s.balance for s in states if s.status is not Status.PAID), D(0))
    assert result.totals.total == open_sum  # unallocated payments are beside it, not netted
    assert sum(result.totals.buckets, D(0)) + result.totals.unknown + result.totals.credit_notes == open_sum
    assert sum((r.total for r in result.rows), D(0)) == open_sum
    assert result.totals.unallocated == -sum(credits.values(), D(0))
    for row in result.rows:
        assert row.total == sum(row.buckets, D(0)) + row.unknown + row.credit_notes


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
    result = {b.client: b for b in aging.credit_policy_breaches(clients, states, Settings(hold_days_late=60), AS_OF)}
    assert (result["C1"].days_late, result["C1"].days_limit) == (75, 60) and result["C1"].balance is None
    assert (result["C2"].balance, result["C2"].credit_limit) == (D("900.00"), D("500")) and result["C2"].days_late is None


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
        state("E", client="C2", due=date(2025, 7, 10), balance=D("20.00"), status=Status.NOT_DUE),  # +14 -> 24 Jul
        state("D", due=date(2025, 7, 1), balance=D("999.00"), status=Status.DISPUTED),  # not dated
    ]
    states = history + open_items
    profiles = {"C1": aging.payer_profile("C1", states)}
    result = aging.forecast(states, profiles, AS_OF)
    assert len(result.weeks) == 13 and result.weeks[0].start == date(2025, 6, 30)
    by_week = {w.start: (w.amount, w.count) for w in result.weeks}
    assert by_week[date(2025, 6, 30)] == (D("50.00"), 1)  # B, promised for 2 Jul
    assert by_week[date(2025, 7, 21)] == (D("120.00"), 2)  # A on 21 Jul, E on 24 Jul
    assert result.disputed == (D("999.00"), 1)


def test_forecast_redates_passed_expectations_and_keeps_doubtful_debts_out_of_the_weeks():
    # Review on Monday 30 Jun 2025; the client's usual delay is 14 days (median), the book's too.
    # - C: due 1 May, expected 15 May: passed, not doubtful -> re-dated 30 Jun + 14 = 14 Jul (week 3);
    # - G: due 20 Jun, promised for 25 Jun, broken -> 14 Jul as well;
    # - H: client C3 pays on time (median 0): passed -> 30 Jun + 7 (at least a week) = 7 Jul (week 2);
    # - OLD: 200 days late: a doubtful debt (50 % suggested) -> not in the weeks, on its own line;
    # - X: in error (no due date) -> on its own line.
    # Nothing that was expected in the past lands in week 1.
    due = date(2025, 3, 1)
    history = [state(f"P{k}", due=due, balance=D(0), ttc=D("10.00"), status=Status.PAID,
                     paid_on=due + timedelta(days=14)) for k in range(3)]
    history += [state(f"Q{k}", client="C3", due=due, balance=D(0), ttc=D("10.00"), status=Status.PAID,
                      paid_on=due) for k in range(3)]
    error = InvoiceState(Invoice("X", "C1", date(2025, 5, 1), D("70.00")), None, D(0), D("70.00"), Status.ERROR,
                         0, D(0), D(0))
    open_items = [
        state("C", due=date(2025, 5, 1), balance=D("30.00")),
        state("G", due=date(2025, 6, 20), balance=D("40.00"), promise=date(2025, 6, 25)),
        state("H", client="C3", due=date(2025, 6, 1), balance=D("25.00")),
        state("OLD", due=AS_OF - timedelta(days=200), balance=D("28000.00")),
        error,
    ]
    states = history + open_items
    profiles = {c: aging.payer_profile(c, states) for c in ("C1", "C3")}
    doubtful = [d.invoice for d in aging.doubtful_debts(states, [Client("C1", "A"), Client("C3", "B")], AS_OF)]
    assert doubtful == ["OLD"]
    result = aging.forecast(states, profiles, AS_OF, doubtful=doubtful)
    weeks = {w.start: w for w in result.weeks}
    assert weeks[date(2025, 6, 30)].amount == 0
    assert (weeks[date(2025, 7, 7)].amount, weeks[date(2025, 7, 7)].redated) == (D("25.00"), D("25.00"))
    assert (weeks[date(2025, 7, 14)].amount, weeks[date(2025, 7, 14)].count) == (D("70.00"), 2)
    assert result.doubtful == (D("28000.00"), 1) and result.to_fix == (D("70.00"), 1)
    # Every open invoice is in exactly one place: 25 + 70 + 28,000 + 70 = 28,165.
    placed = (sum((w.amount for w in result.weeks), D(0)) + result.beyond[0] + result.disputed[0]
              + result.doubtful[0] + result.to_fix[0])
    assert placed == D("28165.00")


def test_dso_beyond_the_window_extrapolates_at_the_average_daily_sales():
    # Receivables 5,000 at 30 Jun 2025; sales: June 1,000, May 1,000, April 1,000 (the 3-month window,
    # 30 + 31 + 30 = 91 days, all absorbed: 3,000), 2,000 left; the window sold 3,000 in 91 days, so the
    # rest counts 2,000 / (3,000 / 91) = 60.67 days. DSO = 91 + 60.67 = 151.67 -> 151.7.
    states = [state(f"S{m}", issued=date(2025, m, 2), ttc=D("1000.00"), balance=D("1000.00"),
                    due=date(2025, m, 2)) for m in (4, 5, 6)]
    states.append(state("OLD", issued=date(2024, 6, 1), ttc=D("2000.00"), balance=D("2000.00"),
                        due=date(2024, 7, 1)))
    assert aging.dso(states, AS_OF) == D("151.7")
    # A 12-month window keeps walking: March 2025 back to July 2024 sold nothing and count whole
    # (31+28+31+31+30+31+30+31+31 = 274 days), then June 2024's 2,000 are all needed: its 30 days.
    # DSO = 91 + 274 + 30 = 395.
    assert (date(2025, 4, 1) - date(2024, 7, 1)).days == 274
    assert aging.dso(states, AS_OF, months=12) == D("395.0")


def test_dso_of_a_book_that_is_owed_nothing_is_zero():
    states = [state("P", issued=date(2025, 6, 1), ttc=D("100.00"), balance=D("0.00"), status=Status.PAID)]
    assert aging.dso(states, AS_OF) == D("0.0")
    with pytest.raises(ValueError):
        aging.dso(states, AS_OF, months=0)


def test_payer_profile_accepts_the_client_record():
    due = date(2025, 3, 1)
    states = [state("P", due=due, balance=D(0), ttc=D("100.00"), status=Status.PAID, paid_on=due + timedelta(days=7))]
    assert aging.payer_profile(Client("C1", "A"), states).median_days_late == D("7.0")


def test_credit_policy_each_rule_alone_and_a_client_within_every_limit():
    states = [
        state("F1", client="LATE", due=AS_OF - timedelta(days=61), balance=D("10.00")),
        state("F2", client="SIXTY", due=AS_OF - timedelta(days=60), balance=D("10.00")),  # at the limit: fine
        state("F3", client="MUCH", due=AS_OF - timedelta(days=3), balance=D("5000.01")),
        state("F4", client="LIMIT", due=AS_OF + timedelta(days=20), balance=D("1000.00"), status=Status.NOT_DUE),
        # Over its limit before its credit note, under it after: 1,200 - 300 = 900 <= 1,000.
        state("F5", client="NETTED", due=AS_OF + timedelta(days=20), balance=D("1200.00"), status=Status.NOT_DUE),
        state("AV", client="NETTED", balance=D("-300.00"), status=Status.CREDIT_NOTE),
    ]
    clients = [Client("LATE", "a"), Client("SIXTY", "b"), Client("MUCH", "c"),
               Client("LIMIT", "d", credit_limit=D("999.99")), Client("NETTED", "e", credit_limit=D("1000"))]
    policy = Settings(hold_days_late=60, hold_amount_overdue=D("5000"))
    result = {b.client: b for b in aging.credit_policy_breaches(clients, states, policy, AS_OF)}
    assert set(result) == {"LATE", "MUCH", "LIMIT"}
    assert result["LATE"].days_late == 61
    assert result["MUCH"].overdue == D("5000.01") and result["LIMIT"].balance == D("1000.00")
    # Without a date, the ledger's own days late are used.
    with_days = [InvoiceState(s.invoice, s.due, s.paid, s.balance, s.status, max(0, (AS_OF - s.due).days)
                              if s.status is Status.OVERDUE else 0, D(0), D(0)) for s in states]
    assert {b.client: b for b in aging.credit_policy_breaches(clients, with_days, policy)} == result


def test_limitation_already_reached_and_a_business_debt_far_from_it():
    states = [state("OLD", client="P1", due=date(2023, 5, 31), balance=D("300.00")),
              state("B", client="B1", due=date(2023, 5, 31), balance=D("300.00"))]
    clients = [Client("P1", "Léa", ClientType.CONSUMER), Client("B1", "SARL")]
    found = {s.invoice: s for s in aging.doubtful_debts(states, clients, AS_OF)}
    assert found["OLD"].rule == "prescrite depuis le 31/05/2025" and found["OLD"].rate == D(1)
    assert found["B"].rule == "plus de 365 jours de retard"  # 5 years: 31/05/2028
    assert aging.limitation_date(date(2024, 2, 29), ClientType.BUSINESS) == date(2029, 2, 28)


def test_overdue_share_and_claimable_penalties():
    # Open 300 of which 100 overdue -> 33.33 %. Interest: 12.50 open; 7.25 on an invoice paid late in
    # 2024 (claimable until 2029) and 99 on one paid in 2019 (time-barred since 2024): left out.
    def with_penalties(s, interest, indemnity):
        return InvoiceState(s.invoice, s.due, s.paid, s.balance, s.status, 0, D(interest), D(indemnity),
                            paid_on=s.paid_on)

    states = [
        with_penalties(state("F1", due=AS_OF - timedelta(days=10), balance=D("100.00")), "12.50", "40"),
        state("F2", due=AS_OF + timedelta(days=10), balance=D("200.00"), status=Status.NOT_DUE),
        with_penalties(state("P1", balance=D(0), ttc=D("50"), status=Status.PAID, paid_on=date(2024, 3, 1)),
                       "7.25", "40"),
        with_penalties(state("P0", balance=D(0), ttc=D("50"), status=Status.PAID, paid_on=date(2019, 3, 1)),
                       "99", "40"),
    ]
    assert aging.overdue_share(states, AS_OF) == D("0.3333")
    assert aging.overdue_share([], AS_OF) == D(0)
    c = aging.claimable(states, [Client("C1", "A")], AS_OF)
    assert (c.open_interest, c.open_indemnity, c.settled_interest, c.settled_indemnity) == (
        D("12.50"), D(40), D("7.25"), D(40))


def test_the_aging_module_imports_only_the_core_and_the_standard_library():
    # The core is pure (docs/ARCHITECTURE.md): no babel, no mail, no books, even inside a function.
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(aging))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    outside = {m for m in imported if m.startswith("addin") and not m.startswith("addin.core")}
    assert not outside and not any(m.split(".")[0] in {"babel", "openpyxl", "xlwings", "jinja2"} for m in imported)


def test_a_disputed_invoice_triggers_no_hold_and_is_named_apart():
    # C003: F-LIT disputed, 426 days late, 1,412.40; F-OLD 30 days late, 3,000. Policy: 60 days, 2,000 overdue.
    # Without the dispute, 426 days would put C003 on hold; the dispute must not block its other invoices.
    states = [state("F-LIT", client="C003", due=AS_OF - timedelta(days=426), balance=D("1412.40"),
                    status=Status.DISPUTED, dispute="maquettes non conformes"),
              state("F-OLD", client="C003", due=AS_OF - timedelta(days=30), balance=D("3000.00")),
              state("F-ONLY", client="C004", due=AS_OF - timedelta(days=200), balance=D("900.00"),
                    status=Status.DISPUTED, dispute="prestation contestée")]
    clients = [Client("C003", "Clinique"), Client("C004", "Garage", credit_limit=D("500"))]
    policy = Settings(hold_days_late=60, hold_amount_overdue=D("2000"))
    breach, = aging.credit_policy_breaches(clients, states, policy, AS_OF)
    # Held for the 3,000 overdue of F-OLD (> 2,000), not for the 426 days of the disputed invoice.
    assert breach.client == "C003" and breach.days_late is None
    assert breach.overdue == D("3000.00") and breach.overdue_limit == D("2000")
    assert breach.disputed == ("F-LIT",) and breach.disputed_amount == D("1412.40")
    # C004's only debt is disputed: no hold at all, even above its credit limit.


def test_payer_profiles_groups_once_and_equals_each_clients_profile():
    """The review groups the paid invoices by client in one pass (linear in clients); each
    profile is the one ``payer_profile`` gives that client alone, a client with no invoice
    paid in full included (count 0, no averages)."""
    from addin.core.ledger import compute
    from addin.core.rates import RateTable
    from addin.sample import generate

    today = date(2025, 11, 14)
    d = generate(today, clients=30, invoices=200, seed=3)
    ledger, _ = compute(Register(d.settings, d.clients, d.invoices, d.payments, d.plan_steps), today,
                        RateTable.shipped())
    idle = Client("ZZ-IDLE", "Sans facture")
    profiles = aging.payer_profiles([*d.clients, idle], ledger.states)
    assert list(profiles) == [c.code for c in d.clients] + ["ZZ-IDLE"]
    assert profiles == {c.code: aging.payer_profile(c, ledger.states) for c in [*d.clients, idle]}
    assert profiles["ZZ-IDLE"] == aging.Profile("ZZ-IDLE", 0, None, None, None)
    assert sum(p.paid_invoices for p in profiles.values()) > 50
