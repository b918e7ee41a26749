"""The review's figures are computed in one pass over the invoices, grouped by client (linear in
clients and invoices). Each grouped function must give exactly what the plain definition gives:
a scan of the client's own invoices, or a filter then a sum. The references below are those
definitions, written out the slow way, compared on generated registers to the cent."""

import statistics
from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import given, settings, strategies as st

from addin.core import aging
from addin.core.model import ZERO, Client, ClientType, Invoice, InvoiceState, Settings, Status, cents

AS_OF = date(2025, 10, 31)
CODES = ("C1", "C2", "C3", "C4")

money = st.decimals(min_value=D("-300.00"), max_value=D("9000.00"), places=2)


@st.composite
def states(draw):
    """Invoice states as the ledger gives them at AS_OF: open, paid (early, late, long ago),
    disputed, promised, in error, credit notes; penalties on some."""
    out = []
    for k in range(draw(st.integers(0, 30))):
        client = draw(st.sampled_from(CODES))
        status = draw(st.sampled_from(list(Status)))
        due = AS_OF + timedelta(days=draw(st.integers(-2200, 60)))
        amount = draw(money)
        balance = amount
        paid_on = None
        if status is Status.CREDIT_NOTE:
            amount = balance = -abs(amount) if amount else D("-1.00")
            balance = draw(st.sampled_from([amount, D("0.00")]))
        elif status is Status.PAID:
            balance = D("0.00")
            paid_on = due + timedelta(days=draw(st.integers(-20, 200)))
        elif status is Status.ERROR:
            due = None
        penalties = draw(st.sampled_from([(ZERO, ZERO), (D("12.34"), D("40")), (D("0.50"), ZERO)]))
        invoice = Invoice(f"F{k:03d}", client, (due or AS_OF) - timedelta(days=30), amount,
                          draw(st.sampled_from([None, cents(amount / D("1.2"))])),
                          dispute="contesté" if status is Status.DISPUTED else "")
        late = max(0, (AS_OF - due).days) if due else 0
        out.append(InvoiceState(invoice, due, amount - balance, balance, status, late, *penalties, paid_on=paid_on))
    return out


clients_list = st.lists(
    st.builds(Client, st.sampled_from(CODES), st.just("Nom"), st.sampled_from(list(ClientType)),
              credit_limit=st.sampled_from([None, D("0"), D("500"), D("5000")])),
    unique_by=lambda c: c.code, min_size=1, max_size=len(CODES))


def breaches_per_client(clients, items, policy, as_of):
    """The credit policy the slow way: each client's invoices taken from the whole list."""
    out = []
    for client in clients:
        mine = [s for s in items if s.invoice.client == client.code and aging.is_open(s)]
        disputed = [s for s in mine if s.status is Status.DISPUTED]
        counted = [s for s in mine if s.status is not Status.DISPUTED]
        late = {id(s): (as_of - s.due).days for s in counted if s.status is not Status.CREDIT_NOTE and s.due}
        overdue = [s for s in counted if late.get(id(s), 0) > 0]
        worst = max((late[id(s)] for s in overdue), default=0)
        overdue_amount = sum((s.balance for s in overdue), ZERO)
        balance = sum((s.balance for s in counted), ZERO)
        too_late = bool(policy.hold_days_late) and worst > policy.hold_days_late
        too_much = policy.hold_amount_overdue is not None and overdue_amount > policy.hold_amount_overdue
        over_limit = client.credit_limit is not None and balance > client.credit_limit
        if too_late or too_much or over_limit:
            out.append(aging.Breach(
                client.code, worst if too_late else None, policy.hold_days_late if too_late else None,
                overdue_amount if too_much else None, policy.hold_amount_overdue if too_much else None,
                balance if over_limit else None, client.credit_limit if over_limit else None,
                tuple(s.invoice.number for s in disputed), sum((s.balance for s in disputed), ZERO)))
    return out


@settings(max_examples=120, deadline=None)
@given(states(), clients_list, st.sampled_from([0, 30, 60]), st.sampled_from([None, D("0"), D("2000")]))
def test_credit_policy_in_one_pass_equals_each_clients_own_scan(items, clients, days, overdue):
    policy = Settings(hold_days_late=days, hold_amount_overdue=overdue)
    assert aging.credit_policy_breaches(clients, items, policy, AS_OF) == \
        breaches_per_client(clients, items, policy, AS_OF)


@settings(max_examples=120, deadline=None)
@given(states(), clients_list)
def test_payer_profiles_grouped_equal_each_clients_profile_and_the_statistics_median(items, clients):
    profiles = aging.payer_profiles(clients, items)
    assert profiles == {c.code: aging.payer_profile(c, items) for c in clients}
    for client in clients:
        delays = [max(0, (s.paid_on - s.due).days) for s in items if s.invoice.client == client.code
                  and s.status is Status.PAID and s.paid_on and s.due and s.invoice.amount_ttc > 0]
        profile = profiles[client.code]
        assert profile.paid_invoices == len(delays)
        if delays:  # the median as statistics.median gives it (a float for an even count), to 0.1 day
            assert profile.median_days_late == D(str(statistics.median(delays))).quantize(D("0.1"))


@settings(max_examples=120, deadline=None)
@given(states(), clients_list)
def test_headline_claimable_and_doubtful_in_one_pass_equal_their_definitions(items, clients):
    invoices = [s for s in items if aging.is_open(s) and s.status is not Status.CREDIT_NOTE]
    wrong = [s for s in items if aging.needs_fixing(s)]
    notes = sum((s.balance for s in items if s.status is Status.CREDIT_NOTE and aging.is_open(s)), ZERO)
    due = sum((s.balance for s in invoices), ZERO)
    to_fix = sum((s.balance for s in wrong), ZERO)
    assert aging.receivables(items, AS_OF) == aging.Receivables(
        cents(due), cents(sum((s.balance for s in invoices if s.due is not None and s.due < AS_OF), ZERO)),
        cents(to_fix), len(wrong), cents(notes), cents(due + to_fix + notes))

    kinds = {c.code: c.type for c in clients}
    settled = [s for s in items if not (aging.is_open(s) and s.status is not Status.CREDIT_NOTE)
               and s.status is Status.PAID and s.paid_on is not None and (s.interest or s.indemnity)
               and aging.limitation_date(s.paid_on, kinds.get(s.invoice.client, ClientType.BUSINESS)) > AS_OF]
    assert aging.claimable(items, clients, AS_OF) == aging.Claimable(
        sum((s.interest for s in invoices), ZERO), sum((s.indemnity for s in invoices), ZERO),
        sum((s.interest for s in settled), ZERO), sum((s.indemnity for s in settled), ZERO))

    flagged = {d.invoice: d for d in aging.doubtful_debts(items, clients, AS_OF)}
    for s in items:  # each open invoice owing something is flagged by the first rule that applies
        if s not in invoices or s.due is None or s.balance <= 0:
            assert s.invoice.number not in flagged
            continue
        limit = aging.limitation_date(s.due, kinds.get(s.invoice.client, ClientType.BUSINESS))
        late = (AS_OF - s.due).days
        expected = ((limit - AS_OF).days <= aging.LIMITATION_WARNING_DAYS or late > 365
                    or (s.status is Status.DISPUTED and late > 90) or late > 180)
        assert (s.invoice.number in flagged) == expected


@settings(max_examples=80, deadline=None)
@given(states(), clients_list, st.sampled_from([0, 30, -1]), st.sampled_from([None, D("0"), D("-1")]),
       st.sampled_from([None, D("-1"), D("0")]))
def test_credit_policy_decides_a_client_with_nothing_open_as_its_own_scan_does(items, clients, days, overdue, limit):
    """Clients with nothing open are decided once for all (0 days late, 0 overdue, 0 balance): with
    limits below those (a negative days or amount limit, a credit limit under 0) each of them is
    held, as the client's own scan says; otherwise none is."""
    policy = Settings(hold_days_late=days, hold_amount_overdue=overdue)
    idle = Client("C9", "Sans facture", credit_limit=limit)
    assert aging.credit_policy_breaches([*clients, idle], items, policy, AS_OF) == \
        breaches_per_client([*clients, idle], items, policy, AS_OF)


@settings(max_examples=80, deadline=None)
@given(states(), clients_list)
def test_the_figures_read_on_the_unpaid_states_only_are_those_of_all_the_states(items, clients):
    """The review filters the paid invoices out once (``aging.unpaid``) for the figures that skip
    them: each gives what it gives on every state."""
    from addin.reports.review import not_covered, snapshot_lines

    unpaid = aging.unpaid(items)
    assert all(s.status is not Status.PAID for s in unpaid)
    assert [s for s in items if s not in unpaid] == [s for s in items if s.status is Status.PAID]
    policy = Settings(hold_days_late=30, hold_amount_overdue=D("100"))
    assert aging.aged_balance(unpaid, clients, AS_OF, {}) == aging.aged_balance(items, clients, AS_OF, {})
    assert aging.receivables(unpaid, AS_OF) == aging.receivables(items, AS_OF)
    assert aging.credit_policy_breaches(clients, unpaid, policy, AS_OF) == \
        aging.credit_policy_breaches(clients, items, policy, AS_OF)
    assert aging.overdue_share(unpaid, AS_OF) == aging.overdue_share(items, AS_OF)
    doubtful = aging.doubtful_debts(items, clients, AS_OF)
    assert aging.doubtful_debts(unpaid, clients, AS_OF) == doubtful
    assert not_covered(doubtful, unpaid, {"C1": D("50.00")}, AS_OF) == \
        not_covered(doubtful, items, {"C1": D("50.00")}, AS_OF)
    assert snapshot_lines(unpaid, AS_OF) == snapshot_lines(items, AS_OF)
