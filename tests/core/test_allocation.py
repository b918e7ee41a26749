"""Payments to invoices — the payer's choice, else oldest due first (Code civil 1342-10, LAW.md §6b)."""

from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import given, settings, strategies as st

from addin.core.allocation import OpenItem, allocate
from addin.core.model import Payment, Severity


def item(number, client, issued, due, amount):
    return OpenItem(number, client, issued, due, D(amount))


def pay(paid_on, client, amount, invoice=None, row=None):
    return Payment(paid_on=paid_on, client=client, amount=D(amount), invoice=invoice, row=row)


def applied(result):
    return [(a.payment, a.invoice, a.amount) for a in result.applications]


F1 = item("F1", "C1", date(2025, 1, 1), date(2025, 1, 31), "1000.00")
F2 = item("F2", "C1", date(2025, 1, 15), date(2025, 2, 14), "500.00")
F3 = item("F3", "C1", date(2025, 2, 1), date(2025, 3, 3), "800.00")


def test_a_named_payment_goes_to_its_invoice():
    result = allocate([F1, F2], [pay(date(2025, 2, 20), "C1", "500.00", "F2")])
    assert applied(result) == [(0, "F2", D("500.00"))]  # not the older F1: the payer chose
    assert result.paid("F2") == D("500.00") and result.paid("F1") == 0
    assert result.credits == {} and result.problems == ()


def test_unnamed_payments_go_to_the_oldest_due_first_across_invoices():
    # Given out of order, both lists. Taken by date: 1 Mar 1,200.00 first, then 10 Mar 900.00.
    # 1 Mar: F1 (due 31 Jan) 1,000.00 → settled, 200.00 left → F2 (due 14 Feb) 200.00 of 500.00.
    # 10 Mar: F2's remaining 300.00, then 600.00 of F3 (due 3 Mar) → F3 still owes 200.00.
    # 1,200 + 900 = 2,100 = 1,000 + 200 + 300 + 600: nothing left as credit.
    result = allocate([F3, F1, F2], [pay(date(2025, 3, 10), "C1", "900.00"),
                                     pay(date(2025, 3, 1), "C1", "1200.00")])
    assert applied(result) == [
        (1, "F1", D("1000.00")), (1, "F2", D("200.00")), (0, "F2", D("300.00")), (0, "F3", D("600.00")),
    ]
    assert (result.paid("F1"), result.paid("F2"), result.paid("F3")) == (D("1000.00"), D("500.00"), D("600.00"))
    assert result.payments_of("F2") == [(date(2025, 3, 1), D("200.00")), (date(2025, 3, 10), D("300.00"))]
    assert result.credits == {} and result.problems == ()


def test_oldest_due_not_oldest_issued():
    # Issued first but due later (60 days) comes after an invoice payable on receipt.
    late_due = item("A", "C1", date(2025, 1, 1), date(2025, 3, 2), "100.00")
    early_due = item("B", "C1", date(2025, 1, 10), date(2025, 1, 10), "100.00")
    result = allocate([late_due, early_due], [pay(date(2025, 2, 1), "C1", "150.00")])
    assert applied(result) == [(0, "B", D("100.00")), (0, "A", D("50.00"))]


def test_excess_of_a_named_payment_becomes_client_credit_with_a_warning():
    # 1,250.00 named to F1 (1,000.00): 1,000.00 applied, 250.00 kept as the client's credit.
    result = allocate([F1, F2], [pay(date(2025, 2, 1), "C1", "1250.00", "F1", row=7)])
    assert applied(result) == [(0, "F1", D("1000.00"))]
    assert result.paid("F2") == 0  # the excess does not flow to another invoice
    assert result.credits == {"C1": D("250.00")}
    [problem] = result.problems
    assert (problem.sheet, problem.row, problem.column) == ("Paiements", 7, "Montant")
    assert problem.severity is Severity.WARNING and problem.code == "payment.exceeds_balance"
    assert "250,00 €" in problem.message  # French format in a French message


def test_a_named_payment_to_a_settled_invoice_is_all_credit():
    result = allocate([F1], [pay(date(2025, 2, 1), "C1", "1000.00", "F1"),
                             pay(date(2025, 2, 2), "C1", "40.00", "F1", row=9)])
    assert applied(result) == [(0, "F1", D("1000.00"))]
    assert result.credits == {"C1": D("40.00")}
    assert [p.row for p in result.problems] == [9]


def test_an_unknown_invoice_warns_and_is_allocated_as_unnamed():
    result = allocate([F2, F1], [pay(date(2025, 2, 1), "C1", "1200.00", "F99", row=4)])
    assert applied(result) == [(0, "F1", D("1000.00")), (0, "F2", D("200.00"))]  # oldest due first
    [problem] = result.problems
    assert (problem.sheet, problem.row, problem.column, problem.value) == ("Paiements", 4, "N° facture", "F99")
    assert problem.severity is Severity.WARNING and problem.code == "payment.unknown_invoice"


def test_another_clients_invoice_is_a_problem_and_the_payment_goes_to_the_payers_invoices():
    other = item("G1", "C2", date(2024, 12, 1), date(2024, 12, 31), "300.00")
    result = allocate([other, F1], [pay(date(2025, 2, 1), "C1", "300.00", "G1", row=5)])
    assert applied(result) == [(0, "F1", D("300.00"))]
    assert result.paid("G1") == 0
    [problem] = result.problems
    assert (problem.sheet, problem.row, problem.code) == ("Paiements", 5, "payment.client_mismatch")
    assert "C2" in problem.message


def test_zero_or_negative_payments_are_errors_and_skipped():
    result = allocate([F1], [pay(date(2025, 2, 1), "C1", "0", row=3), pay(date(2025, 2, 2), "C1", "-50.00", row=4)])
    assert result.applications == () and result.credits == {}
    assert [(p.row, p.column, p.severity, p.code) for p in result.problems] == [
        (3, "Montant", Severity.ERROR, "payment.not_positive"),
        (4, "Montant", Severity.ERROR, "payment.not_positive"),
    ]


def test_payments_are_taken_in_date_order_whatever_the_input_order():
    # Input: 15 Mar unnamed 150.00, then 1 Mar named A1 100.00.
    # By date: 1 Mar settles A1; 15 Mar pays A2 (100.00) and leaves 50.00 as credit.
    # In input order the unnamed one would have taken A1 first and the named one would be all credit.
    a = item("A1", "C1", date(2025, 1, 1), date(2025, 1, 31), "100.00")
    b = item("A2", "C1", date(2025, 1, 2), date(2025, 2, 1), "100.00")
    result = allocate([a, b], [pay(date(2025, 3, 15), "C1", "150.00"), pay(date(2025, 3, 1), "C1", "100.00", "A1")])
    assert applied(result) == [(1, "A1", D("100.00")), (0, "A2", D("100.00"))]
    assert result.credits == {"C1": D("50.00")}
    assert result.problems == ()


def test_same_day_payments_keep_their_input_order():
    result = allocate([F1], [pay(date(2025, 2, 1), "C1", "600.00"), pay(date(2025, 2, 1), "C1", "600.00")])
    assert applied(result) == [(0, "F1", D("600.00")), (1, "F1", D("400.00"))]
    assert result.credits == {"C1": D("200.00")}


def test_no_invoice_gets_more_than_its_amount_and_credit_is_per_client():
    items = [F1, item("G1", "C2", date(2025, 1, 1), date(2025, 1, 31), "100.00")]
    result = allocate(items, [pay(date(2025, 2, 1), "C1", "5000.00"), pay(date(2025, 2, 1), "C2", "150.00")])
    assert (result.paid("F1"), result.paid("G1")) == (D("1000.00"), D("100.00"))
    assert result.credits == {"C1": D("4000.00"), "C2": D("50.00")}


def test_a_client_with_no_open_invoice_keeps_the_payment_as_credit():
    result = allocate([F1], [pay(date(2025, 2, 1), "C9", "75.00")])
    assert result.applications == () and result.credits == {"C9": D("75.00")}


# --- Invariants -------------------------------------------------------------------------------

CLIENTS = ("C1", "C2", "C3")
DAY0 = date(2025, 1, 1)
money = st.integers(1, 500_000).map(lambda c: D(c) / 100)


@st.composite
def books(draw):
    items = []
    for k in range(draw(st.integers(0, 6))):
        issued = DAY0 + timedelta(days=draw(st.integers(0, 60)))
        items.append(OpenItem(f"F{k}", draw(st.sampled_from(CLIENTS)), issued,
                              issued + timedelta(days=draw(st.integers(0, 60))), draw(money)))
    numbers = [i.number for i in items] + ["F99"]
    payments = [
        Payment(paid_on=DAY0 + timedelta(days=draw(st.integers(0, 120))), client=draw(st.sampled_from(CLIENTS)),
                amount=draw(st.one_of(money, st.integers(-1000, 0).map(lambda c: D(c) / 100))),
                invoice=draw(st.one_of(st.none(), st.sampled_from(numbers))), row=k + 2)
        for k in range(draw(st.integers(0, 8)))
    ]
    return items, payments


@settings(max_examples=200, deadline=None)
@given(books())
def test_money_is_conserved_and_no_invoice_is_overpaid(book):
    items, payments = book
    result = allocate(items, payments)
    accepted = sum((p.amount for p in payments if p.amount > 0), D(0))
    assert accepted == sum((a.amount for a in result.applications), D(0)) + sum(result.credits.values(), D(0))
    assert all(a.amount > 0 for a in result.applications)
    assert all(v > 0 for v in result.credits.values())
    for k, p in enumerate(payments):  # a payment is applied at most its amount, on its own date
        mine = [a for a in result.applications if a.payment == k]
        assert sum((a.amount for a in mine), D(0)) <= max(p.amount, D(0))
        assert all(a.paid_on == p.paid_on for a in mine)
    for i in items:
        assert result.paid(i.number) <= i.amount
        assert all(payments[a.payment].client == i.client for a in result.applications if a.invoice == i.number)
        history = result.payments_of(i.number)
        assert [d for d, _ in history] == sorted(d for d, _ in history)
        assert sum((amount for _, amount in history), D(0)) == result.paid(i.number)
    assert sum(1 for p in result.problems if p.code == "payment.not_positive") == sum(
        1 for p in payments if p.amount <= 0)


def test_a_payment_naming_an_invoice_whose_due_date_is_unknown_goes_to_it():
    # F1's terms are unreadable (due None): its amount is known, so the 4,006.80 € that name
    # it settle it, and never F2, issued a month after the payment (the reviewers' C017 case).
    f1 = OpenItem("F1", "C1", date(2025, 7, 1), None, D("4006.80"))
    f2 = OpenItem("F2", "C1", date(2025, 10, 4), date(2025, 11, 3), D("6325.20"))
    result = allocate([f1, f2], [Payment(date(2025, 9, 2), "C1", D("4006.80"), "F1")])
    assert result.payments_of("F1") == [(date(2025, 9, 2), D("4006.80"))]
    assert result.payments_of("F2") == [] and not result.problems and not result.credits
    # An unnamed payment still goes to the items whose place is known, oldest due first.
    result = allocate([f1, f2], [Payment(date(2025, 12, 1), "C1", D("100.00"))])
    assert result.payments_of("F2") == [(date(2025, 12, 1), D("100.00"))] and result.payments_of("F1") == []
