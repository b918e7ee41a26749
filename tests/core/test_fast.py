"""``fast.compute`` agrees with ``ledger.compute`` (the reference) on every computed column, to the cent.

The property: on random registers — partial and unnamed payments, payments to unknown
invoices or another client's, credit notes, unknown terms, delivery terms without a
delivery date, contractual rates, consumers with and without a formal notice, public
buyers, early-payment discounts, installment plans, disputes and promises — and on
dates on both sides of half-year changes (and in a half-year the rate table does not
know), both paths give the same ledger (states with their interest breakdown, credits,
applications) and the same problems in the same order. A second strategy makes payments
interact (invoices paid in parts, twice on one day, on a due date or a half-year's last
day, unnamed payments spread over several invoices, overpayments, a number twice, an
amount not in cents) and also compares the reprs: the same Decimals, exponents included.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from addin.core import fast, ledger
from addin.core.model import (
    Client,
    ClientType,
    Invoice,
    Payment,
    PlanStep,
    Register,
    Settings,
    Status,
)
from addin.core.rates import RateTable

RATES = RateTable.shipped()
TERMS = [None, "30 jours", "45 jours fin de mois", "fin de mois 45 jours", "à réception", "60 jours",
         "30 jours fin de mois le 10", "30 jours date de livraison", "90 jours",
         "45 jours fin du mois prochain"]  # the last one is unreadable: an error row

money = st.integers(min_value=1, max_value=2_000_000).map(lambda c: Decimal(c).scaleb(-2))
day_in = st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 6, 30))


@st.composite
def registers(draw):
    n_clients = draw(st.integers(1, 4))
    clients = tuple(
        Client(code=f"C{i}", name=f"Client {i}", type=draw(st.sampled_from(list(ClientType))),
               terms=draw(st.sampled_from(TERMS)), row=i + 2)
        for i in range(n_clients)
    )
    invoices = []
    for k in range(draw(st.integers(1, 8))):
        client = draw(st.sampled_from(clients))
        issued = draw(day_in)
        amount = draw(money)
        credit_note = draw(st.integers(0, 9)) == 0
        discount = draw(st.integers(0, 5)) == 0
        invoices.append(Invoice(
            number=f"F{k}", client=client.code, issued=issued,
            amount_ttc=-amount if credit_note else amount,
            amount_ht=(amount / Decimal("1.2")).quantize(Decimal("0.01")) if discount else None,
            # Delivered long before the invoice too: a due date clamped to the invoice date.
            delivered=draw(st.one_of(st.none(), st.just(issued - timedelta(days=3)),
                                     st.just(issued - timedelta(days=75)))),
            terms=draw(st.one_of(st.none(), st.sampled_from(TERMS))),
            penalty_rate=draw(st.one_of(st.none(), st.none(), st.sampled_from(
                [Decimal("0.15"), Decimal("0.05"), Decimal("0.12")]))),
            discount_rate=Decimal("0.02") if discount else None,
            dispute="contesté" if draw(st.integers(0, 9)) == 0 else "",
            promise=draw(st.one_of(st.none(), day_in)) if draw(st.booleans()) else None,
            notice_date=draw(st.one_of(st.none(), day_in)),
            row=k + 2,
            # A public buyer's receipt of the request (its terms count from it), or none (+ 2 days).
            received=draw(st.one_of(st.none(), st.just(issued + timedelta(days=5)))),
        ))
    numbers = [inv.number for inv in invoices] + ["F-INCONNUE"]
    # Credit notes naming the invoice they correct (any number: its own client's or not, unknown).
    invoices = [dataclasses.replace(inv, corrects=draw(st.one_of(st.none(), st.sampled_from(numbers))))
                if inv.amount_ttc < 0 else inv for inv in invoices]
    payments = []
    for k in range(draw(st.integers(0, 12))):
        target = draw(st.one_of(st.none(), st.sampled_from(numbers)))
        owner = next((inv.client for inv in invoices if inv.number == target), None)
        client = owner if owner and draw(st.integers(0, 7)) else draw(st.sampled_from(clients)).code
        amount = draw(st.one_of(money, st.just(Decimal("0.00")),
                                st.sampled_from([inv.amount_ttc for inv in invoices])))
        payments.append(Payment(paid_on=draw(day_in), client=client, amount=amount, invoice=target, row=k + 2))
    steps = []
    if draw(st.booleans()):
        spread = draw(st.sampled_from(invoices))
        first = spread.issued + timedelta(days=30)
        suspends = draw(st.booleans())  # « Pénalités suspendues »: each installment from its own date
        for k in range(3):
            steps.append(PlanStep("P1", spread.client, f"Mensualité {k + 1}", amount=draw(money),
                                  due=first + timedelta(days=30 * k), invoice=spread.number, row=k + 2,
                                  suspends_penalties=suspends))
    mode = draw(st.sampled_from(["contract", "legal"]))  # « Mode de pénalité »
    return Register(Settings(penalty_mode=mode), clients, tuple(invoices), tuple(payments), tuple(steps))


todays = st.one_of(
    day_in,
    st.sampled_from([date(2025, 6, 30), date(2025, 7, 1), date(2025, 12, 31), date(2026, 1, 1),
                     date(2026, 11, 30),  # 2026 H2: a rate marked unverified
                     date(2027, 3, 1)]),  # a half-year the table does not know
)


@st.composite
def busy_registers(draw):
    """Larger registers where payments interact: each client's invoices paid in parts, in full, late,
    twice on one day, on a due date or a half-year's last day, by unnamed payments spread over several
    invoices, or overpaid; and now and then an amount not in cents or a number twice (the reference then)."""
    clients = tuple(
        Client(code=f"C{i}", name=f"Client {i}", type=draw(st.sampled_from(list(ClientType))),
               terms=draw(st.sampled_from(TERMS[:-1])), row=i + 2)
        for i in range(draw(st.integers(1, 5)))
    )
    invoices = []
    for k in range(draw(st.integers(1, 30))):
        client = draw(st.sampled_from(clients))
        amount = draw(money)
        invoices.append(Invoice(
            number=f"F{k}", client=client.code, issued=draw(day_in),
            amount_ttc=-amount if draw(st.integers(0, 14)) == 0 else amount,
            delivered=None, terms=draw(st.one_of(st.none(), st.none(), st.sampled_from(TERMS))),
            penalty_rate=Decimal("0.15") if draw(st.integers(0, 14)) == 0 else None,
            dispute="contesté" if draw(st.integers(0, 14)) == 0 else "",
            promise=draw(day_in) if draw(st.integers(0, 9)) == 0 else None,
            row=k + 2,
        ))
    if draw(st.integers(0, 19)) == 0:  # a number twice: the loader refuses it, the engine must still agree
        twin = draw(st.sampled_from(invoices))
        invoices.append(Invoice(twin.number, twin.client, twin.issued, twin.amount_ttc, row=len(invoices) + 2))
    # Credit notes naming the invoice they correct, one of their client's (payments then pay only
    # what they leave), and public buyers' receipt dates.
    own: dict[str, list[str]] = {}
    for invoice in invoices:
        if invoice.amount_ttc > 0:
            own.setdefault(invoice.client, []).append(invoice.number)
    invoices = [dataclasses.replace(inv, corrects=draw(st.sampled_from(own.get(inv.client, ["F-INCONNUE"]))))
                if inv.amount_ttc < 0 and draw(st.integers(0, 3)) else inv for inv in invoices]
    invoices = [dataclasses.replace(inv, received=inv.issued + timedelta(days=draw(st.sampled_from([0, 3, 40]))))
                if draw(st.integers(0, 4)) == 0 else inv for inv in invoices]
    payments = []
    for invoice in invoices:
        if invoice.amount_ttc <= 0 or draw(st.integers(0, 3)) == 0:
            continue
        parts = draw(st.integers(1, 3))
        cut = sorted(draw(st.lists(st.integers(1, int(invoice.amount_ttc * 100)), min_size=parts - 1,
                                   max_size=parts - 1)))
        edges = [0, *cut, int(invoice.amount_ttc * 100)]
        due_ish = invoice.issued + timedelta(days=draw(st.sampled_from([0, 1, 29, 30, 31, 60, 200])))
        when = draw(st.one_of(st.just(due_ish), day_in, st.sampled_from(
            [date(2024, 6, 30), date(2024, 12, 31), date(2025, 6, 30), date(2025, 7, 1)])))
        for low, high in zip(edges, edges[1:]):
            if high == low:
                continue
            named = draw(st.integers(0, 4)) > 0
            payments.append(Payment(paid_on=when, client=invoice.client, amount=Decimal(high - low).scaleb(-2),
                                    invoice=invoice.number if named else None))
            when = when + timedelta(days=draw(st.sampled_from([0, 0, 1, 15, 90, 181])))
    for _ in range(draw(st.integers(0, 4))):  # lump sums, overpayments, nothing
        payments.append(Payment(paid_on=draw(day_in), client=draw(st.sampled_from(clients)).code,
                                amount=draw(st.one_of(money, st.just(Decimal("0.00")), st.just(Decimal("-5.00")))),
                                invoice=draw(st.one_of(st.none(), st.sampled_from([i.number for i in invoices])))))
    if draw(st.integers(0, 19)) == 0:  # an amount not in whole cents (or another exponent): the reference then
        payments.append(Payment(paid_on=draw(day_in), client=clients[0].code,
                                amount=draw(st.sampled_from([Decimal("10.005"), Decimal("100"), Decimal("12.3")]))))
    payments = draw(st.permutations(payments))
    payments = [dataclasses.replace(p, row=k + 2) for k, p in enumerate(payments)]
    return Register(Settings(sector_max_days=draw(st.sampled_from([None, 30]))), clients, tuple(invoices),
                    tuple(payments))


def columns(states):
    """The computed columns of ``Factures`` and the breakdown, as comparable tuples."""
    return [(s.invoice.number, s.due, s.paid, s.balance, s.status, s.days_late, s.interest, s.interest_known,
             s.indemnity, s.paid_on, s.plan_due, s.periods, s.credited) for s in states]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(register=registers(), today=todays)
def test_fast_agrees_with_the_reference(register, today):
    expected, expected_problems = ledger.compute(register, today, RATES)
    got, got_problems = fast.compute(register, today, RATES)
    assert columns(got.states) == columns(expected.states)
    assert got == expected  # credits and applications too
    assert got_problems == expected_problems
    assert repr(got) == repr(expected)  # the same Decimals (exponents too), not only equal ones


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(register=busy_registers(), today=todays)
def test_fast_agrees_with_the_reference_when_payments_interact(register, today):
    expected, expected_problems = ledger.compute(register, today, RATES)
    got, got_problems = fast.compute(register, today, RATES)
    assert columns(got.states) == columns(expected.states)
    assert got == expected
    assert got_problems == expected_problems
    # The same Decimals, not only equal ones: 1.50 stays 1.50, never 1.5 or 1.500.
    assert repr(got) == repr(expected)
    assert repr(got_problems) == repr(expected_problems)


def test_the_fast_path_does_the_common_invoices_itself(monkeypatch):
    """The property above would prove nothing if every invoice went to the reference."""
    handed_over = []
    original = ledger._state
    monkeypatch.setattr(ledger, "_state", lambda invoice, *a, **k: handed_over.append(invoice.number) or
                        original(invoice, *a, **k))
    clients = (Client("B", "Pro", ClientType.BUSINESS), Client("P", "Mairie", ClientType.PUBLIC))
    invoices = (
        Invoice("F1", "B", date(2025, 1, 10), Decimal("1200.00"), row=2),
        Invoice("F2", "P", date(2025, 1, 10), Decimal("600.00"), row=3),
        Invoice("F3", "B", date(2025, 1, 10), Decimal("600.00"), penalty_rate=Decimal("0.15"), row=4),
        Invoice("AV1", "B", date(2025, 2, 1), Decimal("-120.00"), row=5),
    )
    register = Register(Settings(default_terms="30 jours"), clients, invoices)
    got, _ = fast.compute(register, date(2025, 11, 14), RATES)
    assert handed_over == ["F3"]  # a contractual rate only (a credit note takes no computation)
    assert got == ledger.compute(register, date(2025, 11, 14), RATES)[0]


@pytest.mark.parametrize("default_terms", ["30 jours", "", None, 45])
def test_terms_that_are_not_texts_agree_with_the_reference(default_terms):
    """Due dates are grouped by text: numbers of days, empty and missing terms, the client's, the book's default."""
    clients = (Client("B", "Pro", ClientType.BUSINESS, terms=30), Client("P", "Mairie", ClientType.PUBLIC, terms=""),
               Client("C", "Dupont", ClientType.CONSUMER, terms="30 jours date de livraison"))
    invoices = tuple(
        Invoice(f"F{k}", client, date(2025, 1, 10 + k % 3), Decimal("100.00"), terms=terms,
                delivered=date(2025, 1, 2) if k % 2 else None, row=k + 2)
        for k, (client, terms) in enumerate(
            (client, terms) for client in ("B", "P", "C", "X")
            for terms in (None, "", 30, 30.0, Decimal("60"), True, "30 jours", "45 jours fin du mois prochain")))
    register = Register(Settings(default_terms=default_terms), clients, invoices)
    for today in (date(2025, 1, 20), date(2025, 11, 14)):
        expected, expected_problems = ledger.compute(register, today, RATES)
        got, got_problems = fast.compute(register, today, RATES)
        assert got == expected
        assert got_problems == expected_problems
        assert repr(got) == repr(expected)


def test_partial_payment_across_a_half_year_worked_example():
    """1,200.00 € due 9 Feb 2025 (30 days), 500.00 € paid on 31 Mar, the rest still due on 14 Nov 2025.

    Reference rate = ECB rate in force on 1 January / 1 July: 2025 S1 3.15 % + 10 pts = 13.15 %;
    2025 S2 2.15 % + 10 pts = 12.15 %.
    10 Feb – 31 Mar: 50 days on 1,200.00 = 1200 × 0.1315 × 50 / 365 = 7890 / 365 = 21.6164…
    1 Apr – 30 Jun: 91 days on 700.00 = 700 × 0.1315 × 91 / 365 = 8376.55 / 365 = 22.9494…
    1 Jul – 14 Nov: 137 days on 700.00 = 700 × 0.1215 × 137 / 365 = 11651.85 / 365 = 31.9228…
    total 76.4887… → 76.49 €; days late 19 + 31 + 30 + 31 + 30 + 31 + 31 + 30 + 31 + 14 = 278;
    indemnity 40 €.
    """
    register = Register(
        Settings(), (Client("B", "Pro", ClientType.BUSINESS, terms="30 jours"),),
        (Invoice("F1", "B", date(2025, 1, 10), Decimal("1200.00"), row=2),),
        (Payment(date(2025, 3, 31), "B", Decimal("500.00"), "F1", row=2),),
    )
    got, _ = fast.compute(register, date(2025, 11, 14), RATES)
    (state,) = got.states
    assert state.due == date(2025, 2, 9)
    assert [(p.start, p.end, p.days, p.base, p.rate) for p in state.periods] == [
        (date(2025, 2, 10), date(2025, 3, 31), 50, Decimal("1200.00"), Decimal("0.1315")),
        (date(2025, 4, 1), date(2025, 6, 30), 91, Decimal("700.00"), Decimal("0.1315")),
        (date(2025, 7, 1), date(2025, 11, 14), 137, Decimal("700.00"), Decimal("0.1215")),
    ]
    assert state.interest == Decimal("76.49")
    assert (state.paid, state.balance, state.status, state.days_late, state.indemnity) == (
        Decimal("500.00"), Decimal("700.00"), Status.OVERDUE, 278, Decimal("40.00"))


def test_public_buyer_rate_of_the_day_after_the_due_date_on_the_fast_path():
    """Terms « à réception »: due on the day the buyer received the invoice. Interest starts the day after.

    Due 30 Jun 2025, paid 30 Jul: 2025 S2, 2.15 + 8 = 10.15 %: 10000 × 0.1015 × 30 / 365 = 83.42.
    Due 31 Dec 2024, paid 30 Jan 2025: 2025 S1, 3.15 + 8 = 11.15 %: 10000 × 0.1115 × 30 / 365 = 91.64.
    """
    register = Register(
        Settings(), (Client("P", "Mairie", ClientType.PUBLIC, terms="à réception"),),
        (Invoice("F1", "P", date(2025, 6, 30), Decimal("10000.00"), row=2, received=date(2025, 6, 30)),
         Invoice("F2", "P", date(2024, 12, 31), Decimal("10000.00"), row=3, received=date(2024, 12, 31))),
        (Payment(date(2025, 7, 30), "P", Decimal("10000.00"), "F1", row=2),
         Payment(date(2025, 1, 30), "P", Decimal("10000.00"), "F2", row=3)),
    )
    got = fast.compute(register, date(2025, 8, 1), RATES)[0].by_number()
    assert (got["F1"].interest, got["F1"].periods[0].rate) == (Decimal("83.42"), Decimal("0.1015"))
    assert (got["F2"].interest, got["F2"].periods[0].rate) == (Decimal("91.64"), Decimal("0.1115"))


def test_a_missing_half_year_on_the_fast_path_is_a_lower_bound_marked_unknown():
    # Due 1 Dec 2026, as of 1 Mar 2027 (2027 S1 not shipped): 2-31 Dec 2026 = 30 days at 12.40 %,
    # 1000 × 0.124 × 30 / 365 = 10.19, not known as the interest owed.
    register = Register(Settings(), (Client("B", "Pro", ClientType.BUSINESS, terms="30 jours"),),
                        (Invoice("F1", "B", date(2026, 11, 1), Decimal("1000.00"), row=2),))
    (state,) = fast.compute(register, date(2027, 3, 1), RATES)[0].states
    assert (state.interest, state.interest_known) == (Decimal("10.19"), False)


def test_one_production_engine_at_every_size():
    # No size threshold: a register of 3 invoices and one of 6,000 get the same engine.
    tiny = Register(Settings(), (), tuple(Invoice(f"F{i}", "C", date(2025, 1, 1), Decimal("1.00")) for i in range(3)))
    large = Register(Settings(), (), tuple(Invoice(f"F{i}", "C", date(2025, 1, 1), Decimal("1.00"))
                                           for i in range(6_000)))
    assert fast.choose(tiny) is fast.compute
    assert fast.choose(large) is fast.compute


def test_production_engine_equals_the_per_invoice_oracle_on_a_realistic_register():
    """The demo's generator at 3,000 invoices (terms mix, partial and unnamed payments, credit
    notes, plans, consumers, public buyers): every state (due date, paid, balance, status, days
    late, interest with each period, indemnity), every credit and every problem, to the cent and
    in the same order, as ``ledger.compute`` gives them invoice by invoice. Whatever the law
    becomes, the two must agree: this compares them, not frozen figures."""
    from addin.sample import generate

    today = date(2025, 11, 14)
    d = generate(today, clients=120, invoices=3_000, seed=11, payments_per_invoice=1.8)
    register = Register(d.settings, d.clients, d.invoices, d.payments, d.plan_steps)
    production, problems = fast.choose(register)(register, today, RATES)
    oracle, oracle_problems = ledger.compute(register, today, RATES)
    assert len(production.states) == len(register.invoices)
    assert [repr(s) for s in production.states] == [repr(s) for s in oracle.states]
    assert production.credits == oracle.credits
    assert problems == oracle_problems
    assert sum(s.interest for s in production.states) > 0
    assert {s.status for s in production.states} >= {Status.PAID, Status.OVERDUE, Status.NOT_DUE}


def test_garbage_collector_restored():
    import gc

    assert gc.isenabled()
    fast.compute(Register(Settings()), date(2025, 1, 1), RATES)
    assert gc.isenabled()
    gc.disable()
    try:
        fast.compute(Register(Settings()), date(2025, 1, 1), RATES)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_garbage_collector_restored_when_the_computation_fails(monkeypatch):
    import gc

    def broken(*args):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(fast, "_compute", broken)
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError):
        fast.compute(Register(Settings()), date(2025, 1, 1), RATES)
    assert gc.isenabled()


@pytest.mark.parametrize("imputation", ["interest_first"])
def test_interest_first_imputation_is_left_to_the_reference(imputation):
    register = Register(
        Settings(imputation=imputation), (Client("B", "Pro"),),
        (Invoice("F1", "B", date(2025, 1, 10), Decimal("1200.00"), terms="30 jours"),),
        (Payment(date(2025, 3, 31), "B", Decimal("500.00"), "F1"),),
    )
    assert fast.compute(register, date(2025, 11, 14), RATES) == ledger.compute(register, date(2025, 11, 14), RATES)


def test_the_faster_constructors_build_what_the_classes_build():
    from addin.core.allocation import Application
    from addin.core.model import InterestPeriod, InvoiceState

    invoice = Invoice("F1", "C", date(2025, 1, 10), Decimal("1200.00"), row=2)
    period = fast._new_period(date(2025, 2, 10), date(2025, 3, 31), 50, Decimal("1200.00"), Decimal("0.1315"),
                              "BCE 2025 S1", Decimal("21.6"))
    assert type(period) is InterestPeriod
    assert period == InterestPeriod(date(2025, 2, 10), date(2025, 3, 31), 50, Decimal("1200.00"), Decimal("0.1315"),
                                    "BCE 2025 S1", Decimal("21.6"))
    state = fast._new_state(invoice, date(2025, 2, 9), Decimal("0.00"), Decimal("1200.00"), Status.OVERDUE, 278,
                            Decimal("76.49"), Decimal("40.00"), (period,), None)
    assert type(state) is InvoiceState
    assert state == InvoiceState(invoice, date(2025, 2, 9), Decimal("0.00"), Decimal("1200.00"), Status.OVERDUE, 278,
                                 Decimal("76.49"), Decimal("40.00"), (period,))
    assert dataclasses.replace(state, next_action="J+7").next_action == "J+7"
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.paid = Decimal("1")  # type: ignore[misc]
    assert fast._new_application(3, "F1", date(2025, 3, 31), Decimal("500.00")) == Application(
        3, "F1", date(2025, 3, 31), Decimal("500.00"))
    with pytest.raises(TypeError):
        fast._constructor(Settings)  # not slotted: refused rather than half-built


def test_amounts_go_into_cents_only_when_exact():
    assert fast._cents([Decimal("1200.00"), Decimal("-0.05"), Decimal("0.00")]).tolist() == [120000, -5, 0]
    assert fast._cents([Decimal("10.005")]) is None  # not whole cents
    assert fast._cents([Decimal("100")]) is None  # whole cents, but exponent 0: its sums would print 100, not 100.00
    assert fast._cents([Decimal("NaN")]) is None


def test_the_applications_are_the_references_and_made_only_when_read():
    clients = (Client("B", "Pro", ClientType.BUSINESS),)
    invoices = (Invoice("F1", "B", date(2025, 1, 10), Decimal("1200.00"), row=2),
                Invoice("F2", "B", date(2025, 2, 10), Decimal("600.00"), row=3))
    payments = (Payment(date(2025, 3, 1), "B", Decimal("1000.00"), "F1", row=2),
                Payment(date(2025, 4, 1), "B", Decimal("700.00"), row=3))  # oldest due first: 200 to F1, 500 to F2
    register = Register(Settings(default_terms="30 jours"), clients, invoices, payments)
    got, _ = fast.compute(register, date(2025, 11, 14), RATES)
    assert isinstance(got.applications, ledger.Later) and got.applications._make is not None  # not made yet
    assert [(a.payment, a.invoice, a.amount) for a in got.applications] == [
        (0, "F1", Decimal("1000.00")), (1, "F1", Decimal("200.00")), (1, "F2", Decimal("500.00"))]
    assert got.applications == ledger.compute(register, date(2025, 11, 14), RATES)[0].applications


def test_a_payment_finds_its_invoice_by_the_same_string_or_an_equal_one():
    """The invoice's own string (as the loader makes it) or an equal one: the same applications."""
    number = "F-2025-001"
    equal = "".join(["F-2025-", "001"])  # equal, another object
    assert equal == number and equal is not number
    clients = (Client("B", "Pro", ClientType.BUSINESS),)
    invoices = (Invoice(number, "B", date(2025, 1, 10), Decimal("100.00"), row=2),
                Invoice("F-2025-002", "B", date(2025, 1, 5), Decimal("100.00"), row=3))
    payments = (Payment(date(2025, 3, 1), "B", Decimal("30.00"), number, row=2),
                Payment(date(2025, 3, 2), "B", Decimal("40.00"), equal, row=3),
                Payment(date(2025, 3, 3), "B", Decimal("50.00"), "F-9", row=4),  # unknown: oldest due first
                Payment(date(2025, 3, 4), "B", Decimal("60.00"), None, row=5))
    register = Register(Settings(default_terms="30 jours"), clients, invoices, payments)
    got, got_problems = fast.compute(register, date(2025, 11, 14), RATES)
    expected, expected_problems = ledger.compute(register, date(2025, 11, 14), RATES)
    assert [(a.payment, a.invoice, a.amount) for a in got.applications] == [
        (0, number, Decimal("30.00")), (1, number, Decimal("40.00")), (2, "F-2025-002", Decimal("50.00")),
        (3, "F-2025-002", Decimal("50.00")), (3, number, Decimal("10.00"))]
    assert got == expected and got_problems == expected_problems
