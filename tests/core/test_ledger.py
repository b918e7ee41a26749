"""The ledger: every computed column of Factures, on LAW.md's worked examples."""

from datetime import date
from decimal import Decimal as D

from hypothesis import given, settings, strategies as st

from addin.core.ledger import compute
from addin.core.model import Client, ClientType, Invoice, Payment, PlanStep, Register, Settings, Status
from addin.core.rates import RateTable

RATES = RateTable.shipped()
PRO = Client("C1", "Atelier Dupont", ClientType.BUSINESS, terms="30 jours")
PUB = Client("C2", "Mairie de Lyon", ClientType.PUBLIC, terms="30 jours")
CONS = Client("C3", "Léa Martin", ClientType.CONSUMER, terms="à réception")


def run(invoices, payments=(), today=date(2025, 6, 1), clients=(PRO, PUB, CONS), steps=()):
    register = Register(Settings(), tuple(clients), tuple(invoices), tuple(payments), tuple(steps))
    ledger, problems = compute(register, today, RATES)
    return ledger.by_number(), problems, ledger


def test_example_1_paid_late_in_full():
    # Issued 21 Jan 2025 at 30 days -> due 20 Feb 2025; paid 1 Apr 2025: 40 days late.
    # 8000 x 0.1315 x 40 / 365 = 115.29 ; the 40 EUR indemnity is owed (D441-5).
    inv = Invoice("F1", "C1", date(2025, 1, 21), D("8000.00"), row=2)
    states, problems, _ = run([inv], [Payment(date(2025, 4, 1), "C1", D("8000.00"), "F1")])
    s = states["F1"]
    assert s.due == date(2025, 2, 20)
    assert (s.paid, s.balance, s.status) == (D("8000.00"), D("0.00"), Status.PAID)
    assert s.days_late == 40 and s.paid_on == date(2025, 4, 1)
    assert s.interest == D("115.29")
    assert s.indemnity == D("40")
    assert not [p for p in problems if p.sheet == "Factures"]


def test_example_3_partial_payments_reduce_the_base():
    # Due 30 Nov 2024 (issued 31 Oct, 30 days); 2000 paid 20 Dec 2024, 3000 paid 31 Jan 2025:
    # (5000 x 20 x 0.1425 + 3000 x 11 x 0.1425 + 3000 x 31 x 0.1315) / 365 = 85.43
    inv = Invoice("F3", "C1", date(2024, 10, 31), D("5000.00"))
    pays = [Payment(date(2025, 1, 31), "C1", D("3000.00")), Payment(date(2024, 12, 20), "C1", D("2000.00"))]
    s = run([inv], pays)[0]["F3"]
    assert s.due == date(2024, 11, 30)
    assert s.interest == D("85.43")
    assert [p.days for p in s.periods] == [20, 11, 31]


def test_unpaid_overdue_invoice_accrues_to_today():
    # 1000 due 1 Apr 2025 (issued 2 Mar, 30 days), unpaid on 1 Jun 2025: 61 days at 13.15 % (2025 H1)
    # 1000 x 0.1315 x 61 / 365 = 21.98
    s = run([Invoice("F4", "C1", date(2025, 3, 2), D("1000.00"))])[0]["F4"]
    assert s.status is Status.OVERDUE and s.days_late == 61
    assert s.interest == D("21.98") and s.indemnity == D("40")


def test_not_yet_due_owes_nothing():
    s = run([Invoice("F5", "C1", date(2025, 5, 20), D("1000.00"))])[0]["F5"]
    assert s.status is Status.NOT_DUE
    assert (s.days_late, s.interest, s.indemnity) == (0, D("0"), D("0"))


def test_public_buyer_rate_of_the_half_year_interest_started():
    # Example 4: 20,000 due 10 Jun 2025 (received by the buyer 11 May, 30 days), paid 25 Jul 2025:
    # 45 days x (3.15 + 8) % = 20000 x 0.1115 x 45 / 365 = 274.93
    inv = Invoice("F6", "C2", date(2025, 5, 11), D("20000.00"), received=date(2025, 5, 11))
    s = run([inv], [Payment(date(2025, 7, 25), "C2", D("20000.00"), "F6")], today=date(2025, 8, 1))[0]["F6"]
    assert s.interest == D("274.93") and s.indemnity == D("40")


def test_consumer_owes_no_indemnity_and_no_interest_before_formal_notice():
    inv = Invoice("F7", "C3", date(2025, 3, 1), D("1500.00"))
    s = run([inv])[0]["F7"]
    assert s.status is Status.OVERDUE
    assert (s.interest, s.indemnity) == (D("0"), D("0"))


def test_consumer_interest_from_the_formal_notice():
    # LAW.md §6b: 1,500 due 30 Apr 2025, notice received 2 Jun 2025, paid 15 Jul 2025:
    # 28 d at 3.71 % + 15 d at 2.76 % = 1500 x (0.0371 x 28 + 0.0276 x 15) / 365 = 5.97
    inv = Invoice("F8", "C3", date(2025, 4, 30), D("1500.00"), notice_date=date(2025, 6, 2))
    s = run([inv], [Payment(date(2025, 7, 15), "C3", D("1500.00"), "F8")], today=date(2025, 8, 1))[0]["F8"]
    assert s.interest == D("5.97") and s.indemnity == D("0")


def test_credit_note_stays_a_negative_item():
    s = run([Invoice("AV1", "C1", date(2025, 5, 1), D("-120.00"), D("-100.00"))])[0]["AV1"]
    assert s.status is Status.CREDIT_NOTE and s.balance == D("-120.00") and s.interest == D("0")


def test_unreadable_terms_are_a_problem_at_their_cell_and_others_go_on():
    bad = Invoice("F9", "C1", date(2025, 3, 1), D("100.00"), terms="45 jours fin du mois prochain", row=7)
    good = Invoice("F10", "C1", date(2025, 3, 1), D("100.00"), row=8)
    states, problems, _ = run([bad, good])
    assert states["F9"].status is Status.ERROR
    assert states["F10"].status is Status.OVERDUE
    (p,) = [p for p in problems if p.code == "terms.unreadable"]
    assert (p.sheet, p.row, p.column) == ("Factures", 7, "Conditions de paiement")
    assert "45 jours fin de mois" in p.fix


def test_a_due_date_before_the_invoice_date_is_clamped_and_reported():
    # Delivered 1 Jan 2025, invoiced 1 Mar 2025, « 30 jours après livraison »: 31 Jan 2025 is before
    # the invoice; the due date is 1 Mar 2025 and Anomalies says why. As of 1 Jun 2025: 92 days late
    # (31 + 30 + 31), 1000 x 0.1315 x 92 / 365 = 33.15.
    inv = Invoice("F20", "C1", date(2025, 3, 1), D("1000.00"), delivered=date(2025, 1, 1),
                  terms="30 jours après livraison", row=9)
    states, problems, _ = run([inv])
    assert states["F20"].due == date(2025, 3, 1)
    assert states["F20"].days_late == 92 and states["F20"].interest == D("33.15")
    (p,) = [p for p in problems if p.code == "terms.due_before_invoice"]
    assert (p.sheet, p.row, p.column, p.severity.value) == ("Factures", 9, "Conditions de paiement", "avertissement")
    assert "31/01/2025" in p.message and "01/03/2025" in p.message


def test_dispute_and_promise_show_in_the_status():
    disputed = Invoice("F11", "C1", date(2025, 3, 1), D("100.00"), dispute="Livrable incomplet")
    promised = Invoice("F12", "C1", date(2025, 3, 1), D("100.00"), promise=date(2025, 6, 12))
    broken = Invoice("F13", "C1", date(2025, 3, 1), D("100.00"), promise=date(2025, 5, 12))
    states = run([disputed, promised, broken])[0]
    assert states["F11"].status is Status.DISPUTED
    assert states["F12"].status is Status.PROMISED
    assert states["F13"].status is Status.OVERDUE  # a broken promise is late again


def test_early_payment_discount_settles_the_invoice():
    # 1,000 HT + 20 % VAT = 1,200; 2 % escompte = 20.00 HT + 4.00 VAT = 24.00; paid 1,176.00
    # within 10 days of the invoice date: nothing is left to pay.
    inv = Invoice("F14", "C1", date(2025, 5, 2), D("1200.00"), D("1000.00"), discount_rate=D("0.02"))
    s = run([inv], [Payment(date(2025, 5, 10), "C1", D("1176.00"), "F14")])[0]["F14"]
    assert s.status is Status.PAID and s.balance == D("0.00") and s.paid == D("1176.00")


def test_discount_not_earned_after_the_deadline():
    inv = Invoice("F15", "C1", date(2025, 5, 2), D("1200.00"), D("1000.00"), discount_rate=D("0.02"))
    s = run([inv], [Payment(date(2025, 5, 20), "C1", D("1176.00"), "F15")])[0]["F15"]
    assert s.balance == D("24.00") and s.status is Status.NOT_DUE


def test_installment_plan_moves_the_expected_date_but_not_the_interest():
    inv = Invoice("F16", "C1", date(2025, 1, 2), D("3000.00"))  # due 1 Feb 2025
    steps = [PlanStep("P1", "C1", f"M{k}", total=D("3000.00"), amount=D("1000.00"), due=d, invoice="F16")
             for k, d in enumerate([date(2025, 5, 15), date(2025, 6, 15), date(2025, 7, 15)], 1)]
    pays = [Payment(date(2025, 5, 15), "C1", D("1000.00"), "F16")]
    s = run([inv], pays, steps=steps)[0]["F16"]
    assert s.plan_due == date(2025, 6, 15)
    assert s.status is Status.NOT_DUE  # the next installment is not due yet
    assert s.interest > 0  # the plan, agreed after default, does not stop penalties (LAW.md §6b)


def test_a_half_year_missing_from_the_rates_gives_the_interest_up_to_the_table_and_says_so():
    # Issued 1 Nov 2026, 30 days: due 1 Dec 2026; as of 1 Mar 2027, 2027 S1 is not in the table.
    # Covered: 2-31 Dec 2026 = 30 days at 2026 S2 (2.40 + 10 = 12.40 %, unverified):
    # 1000 x 0.124 x 30 / 365 = 10.19; the rest of the delay (1 Jan-1 Mar 2027) is unknown.
    states, problems, _ = run([Invoice("F17", "C1", date(2026, 11, 1), D("1000.00"), row=5)], today=date(2027, 3, 1))
    s = states["F17"]
    assert s.interest == D("10.19") and not s.interest_known
    assert [(p.start, p.end, p.days) for p in s.periods] == [(date(2026, 12, 2), date(2026, 12, 31), 30)]
    assert s.days_late == 90 and s.indemnity == D("40")  # 30 + 31 + 28 + 1: not a matter of rates
    (p,) = [p for p in problems if p.code == "rates.missing"]
    assert (p.sheet, p.row, p.column) == ("Factures", 5, "Intérêts de retard")
    assert "31/12/2026" in p.message and "10,19 €" in p.message and "1er semestre 2027" in p.message
    assert "Taux" in p.fix and "2027" in p.fix


def test_a_known_interest_is_known():
    s = run([Invoice("F4", "C1", date(2025, 3, 2), D("1000.00"))])[0]["F4"]
    assert s.interest_known and s.interest == D("21.98")


def test_a_public_buyer_whose_starting_half_year_is_missing_has_no_interest_known():
    # Due 31 Dec 2026 (1 Dec + 30): the public rate is the one of 2027 S1, where interest starts,
    # for the whole delay; unknown, so nothing can be computed (0, and not known).
    states, problems, _ = run([Invoice("F18", "C2", date(2026, 12, 1), D("1000.00"))], today=date(2027, 2, 1))
    assert (states["F18"].interest, states["F18"].interest_known, states["F18"].periods) == (D("0"), False, ())
    (p,) = [p for p in problems if p.code == "rates.missing"]
    assert "aucun intérêt" in p.message and "1er semestre 2027" in p.message


def test_a_contract_rate_still_needs_the_half_years_floor():
    # A contract rate is checked against each half-year's floor, so 2027 S1 is needed too.
    # Covered: 2-31 Dec 2026, 30 days at 15 % (above the 2026 S2 floor 8.25 %): 1000 x 0.15 x 30 / 365 = 12.33.
    inv = Invoice("F19", "C1", date(2026, 11, 1), D("1000.00"), penalty_rate=D("0.15"))
    s = run([inv], today=date(2027, 1, 15))[0]["F19"]
    assert (s.interest, s.interest_known) == (D("12.33"), False)


def test_unverified_rate_rows_are_reported_once():
    invoices = [Invoice(f"F{k}", "C1", date(2026, 6, 1), D("100.00")) for k in range(20)]
    _, problems, _ = run(invoices, today=date(2026, 11, 23))
    unverified = [p for p in problems if p.code == "rates.unverified"]
    assert len(unverified) == 1 and unverified[0].sheet == "Taux"


amounts = st.decimals(min_value=D("1.00"), max_value=D("50000.00"), places=2)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 400), amounts), min_size=1, max_size=6),
    st.lists(st.tuples(st.integers(0, 500), amounts, st.booleans()), max_size=8),
)
def test_money_is_conserved_and_balances_add_up(invoice_specs, payment_specs):
    start = date(2024, 1, 1)
    invoices = [Invoice(f"F{k}", "C1", date.fromordinal(start.toordinal() + d), a)
                for k, (d, a) in enumerate(invoice_specs)]
    payments = [Payment(date.fromordinal(start.toordinal() + d), "C1", a, f"F{k % len(invoices)}" if named else None)
                for k, (d, a, named) in enumerate(payment_specs)]
    today = date(2025, 6, 30)
    states, _, ledger = run(invoices, payments, today=today)
    accepted = sum((p.amount for p in payments if p.paid_on <= today), D(0))
    applied = sum((s.paid for s in states.values()), D(0))
    assert applied + sum(ledger.credits.values(), D(0)) == accepted
    for s in states.values():
        assert s.balance == s.invoice.amount_ttc - s.paid
        assert D(0) <= s.paid <= s.invoice.amount_ttc
        assert s.interest >= 0
        if s.status is Status.PAID:
            assert s.paid_on is not None and s.days_late == max(0, (s.paid_on - s.due).days)


def _plan_register(suspends: bool) -> Register:
    # 4,500 € due 25 Feb 2025, spread after default into 3 × 1,500 € on 31 Mar, 30 Apr, 31 May.
    invoice = Invoice("F1", "C1", date(2025, 1, 26), D("4500.00"), terms="30 jours")
    steps = tuple(PlanStep("P1", "C1", name, amount=D("1500.00"), due=when, invoice="F1", suspends_penalties=suspends)
                  for name, when in (("1/3", date(2025, 3, 31)), ("2/3", date(2025, 4, 30)), ("3/3", date(2025, 5, 31))))
    return Register(Settings(), (Client("C1", "Atelier"),), (invoice,),
                    (Payment(date(2025, 3, 31), "C1", D("1500.00"), "F1"),), steps)


def test_a_plan_that_suspends_penalties_charges_each_installment_from_its_own_date():
    # LAW.md §6b: a plan agreed after default stops the penalties only if it says so.
    # Suspended, as of 15 May 2025: installment 1 paid on its date; installment 2 (30 Apr)
    # unpaid for 15 days (1–15 May) at 13.15 %: 1500 × 0.1315 × 15 / 365 = 8.1061… → 8.11 €;
    # installment 3 not due yet.
    ledger, _ = compute(_plan_register(True), date(2025, 5, 15), RATES)
    [state] = ledger.states
    assert state.interest == D("8.11")
    assert [(p.start, p.end, p.base) for p in state.periods] == [(date(2025, 5, 1), date(2025, 5, 15), D("1500.00"))]
    assert state.indemnity == D("40")  # the 40 € was owed when the invoice fell late, before the plan


def test_a_plan_that_does_not_say_so_leaves_the_interest_running_from_the_original_due_date():
    # Not suspended: 4,500 from 26 Feb to 31 Mar (34 d) then 3,000 to 15 May (45 d), at 13.15 %:
    # 4500 × 0.1315 × 34 / 365 = 55.1219 + 3000 × 0.1315 × 45 / 365 = 48.6370 → 103.76 €.
    ledger, _ = compute(_plan_register(False), date(2025, 5, 15), RATES)
    assert ledger.states[0].interest == D("103.76")


def test_the_fast_path_agrees_on_a_suspending_plan():
    from addin.core import fast

    for suspends in (True, False):
        register = _plan_register(suspends)
        assert fast.compute(register, date(2025, 5, 15), RATES) == compute(register, date(2025, 5, 15), RATES)


def test_later_is_the_tuple_it_makes_made_once_when_first_read():
    import pickle

    from addin.core.ledger import Later

    calls = []
    later = Later(lambda: calls.append(1) or (1, 2, 3))
    assert calls == []  # nothing made before it is read
    assert later == (1, 2, 3) and (1, 2, 3) == later and later != (1, 2)
    assert list(later) == [1, 2, 3] and later[1] == 2 and later[-2:] == (2, 3) and len(later) == 3
    assert repr(later) == "(1, 2, 3)" and hash(later) == hash((1, 2, 3))
    assert pickle.loads(pickle.dumps(later)) == (1, 2, 3) and type(pickle.loads(pickle.dumps(later))) is tuple
    assert calls == [1]  # made once, then kept
