"""The debtor review's numbers: aged balance, DSO, payer profiles, credit policy, doubtful
debts and the collection forecast. Pure functions of the ledger's states.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from statistics import median
from typing import Mapping, Sequence

from addin.core.dates import add_months
from addin.core.model import ZERO, Client, ClientType, InvoiceState, Settings, Status, cents

BUCKETS = ("Non échu", "1–30 j", "31–60 j", "61–90 j", "> 90 j")
_LIMITS = (0, 30, 60, 90)

OPEN = (Status.NOT_DUE, Status.OVERDUE, Status.DISPUTED, Status.PROMISED)


def bucket(due: date, as_of: date) -> int:
    """Index in ``BUCKETS`` of an item due on ``due``: days late = as_of − due (≤ 0: not due)."""
    late = (as_of - due).days
    for index, limit in enumerate(_LIMITS):
        if late <= limit:
            return index
    return len(_LIMITS)


def is_open(state: InvoiceState) -> bool:
    """An invoice with something left to pay, or a credit note not yet used."""
    if state.status is Status.CREDIT_NOTE:
        return state.balance != 0
    return state.status in OPEN and state.balance != 0


@dataclass(frozen=True)
class AgedRow:
    client: str
    name: str
    buckets: tuple[Decimal, ...]  # one amount per BUCKETS entry
    credit_notes: Decimal  # open credit notes (negative)
    total: Decimal  # = sum of buckets + credit notes = the client's Reste dû in Factures
    unallocated: Decimal  # payments not allocated to an invoice (shown apart, not in total)


@dataclass(frozen=True)
class AgedBalance:
    rows: tuple[AgedRow, ...]
    totals: AgedRow


def aged_balance(states: Sequence[InvoiceState], clients: Sequence[Client], as_of: date,
                 credits: Mapping[str, Decimal] | None = None) -> AgedBalance:
    """Open balances per client and age bucket (by due date) as of ``as_of``.

    The total of a client is the sum of its open *Reste dû* (credit notes included);
    unallocated payments are shown beside it, not netted, so that the totals row equals
    the sum of the open balances of ``Factures`` to the cent.
    """
    credits = credits or {}
    names = {c.code: c.name for c in clients}
    per_client: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO] * (len(BUCKETS) + 1))
    for state in states:
        if not is_open(state):
            continue
        amounts = per_client[state.invoice.client]
        if state.status is Status.CREDIT_NOTE:
            amounts[-1] += state.balance
        else:
            amounts[bucket(state.due, as_of)] += state.balance
    for code, amount in credits.items():
        if amount:
            per_client[code]  # a client with only a payment on account still shows
    rows = []
    for code in sorted(per_client):
        amounts = per_client[code]
        rows.append(AgedRow(code, names.get(code, ""), tuple(amounts[:-1]), amounts[-1], sum(amounts, ZERO),
                            -credits.get(code, ZERO)))
    totals = AgedRow("", "Total",
                     tuple(sum((r.buckets[i] for r in rows), ZERO) for i in range(len(BUCKETS))),
                     sum((r.credit_notes for r in rows), ZERO), sum((r.total for r in rows), ZERO),
                     sum((r.unallocated for r in rows), ZERO))
    return AgedBalance(tuple(rows), totals)


def dso(states: Sequence[InvoiceState], as_of: date, max_months: int = 24) -> Decimal | None:
    """Days sales outstanding by the count-back method.

    Receivables (open invoices, TTC, as of ``as_of``) are matched against the sales
    (TTC of the invoices issued) of the current month, then the month before, and so on:
    each month fully covered counts all its days; the last, partly covered month counts
    its days in proportion. E.g. receivables 150 with sales of 100 this month (30 days
    elapsed) and 100 the month before (31 days): 30 + 31 × 50/100 = 45.5 days.
    None when there are no sales at all.
    """
    receivables = sum((s.balance for s in states if is_open(s) and s.status is not Status.CREDIT_NOTE), ZERO)
    sales_by_month: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    for s in states:
        if s.invoice.issued <= as_of and s.invoice.amount_ttc > 0:
            sales_by_month[(s.invoice.issued.year, s.invoice.issued.month)] += s.invoice.amount_ttc
    if not sales_by_month:
        return None
    days = ZERO
    left = receivables
    month_start = as_of.replace(day=1)
    for k in range(max_months):
        start = add_months(month_start, -k)
        length = as_of.day if k == 0 else calendar.monthrange(start.year, start.month)[1]
        sales = sales_by_month.get((start.year, start.month), ZERO)
        if left <= 0:
            break
        if sales >= left:
            days += Decimal(length) * left / sales
            left = ZERO
            break
        days += Decimal(length)
        left -= sales
    return days.quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Profile:
    client: str
    paid_invoices: int
    average_days_late: Decimal | None
    median_days_late: Decimal | None
    share_paid_late: Decimal | None  # fraction


def payer_profile(client: str, states: Sequence[InvoiceState]) -> Profile:
    """How a client pays: days late of its invoices paid in full (payment date − due date, ≥ 0)."""
    delays = [max(0, (s.paid_on - s.due).days) for s in states
              if s.invoice.client == client and s.status is Status.PAID and s.paid_on and s.due
              and s.invoice.amount_ttc > 0]
    if not delays:
        return Profile(client, 0, None, None, None)
    return Profile(client, len(delays), (Decimal(sum(delays)) / len(delays)).quantize(Decimal("0.1")),
                   Decimal(str(median(delays))).quantize(Decimal("0.1")),
                   (Decimal(sum(1 for d in delays if d > 0)) / len(delays)).quantize(Decimal("0.01")))


def credit_policy_breaches(clients: Sequence[Client], states: Sequence[InvoiceState], settings: Settings,
                           as_of: date) -> list[tuple[str, str]]:
    """Clients to put on hold, with the reason: too late, too much overdue, over their credit limit."""
    from addin.mail.formatting import money

    by_client: dict[str, list[InvoiceState]] = defaultdict(list)
    for s in states:
        by_client[s.invoice.client].append(s)
    result = []
    for client in clients:
        mine = [s for s in by_client.get(client.code, []) if is_open(s)]
        reasons = []
        overdue = [s for s in mine if s.status is not Status.CREDIT_NOTE and s.due and s.due < as_of]
        worst = max(((as_of - s.due).days for s in overdue), default=0)
        if settings.hold_days_late and worst > settings.hold_days_late:
            reasons.append(f"{worst} jours de retard (politique : {settings.hold_days_late})")
        overdue_amount = sum((s.balance for s in overdue), ZERO)
        if settings.hold_amount_overdue is not None and overdue_amount > settings.hold_amount_overdue:
            reasons.append(f"échu {money(overdue_amount)} > {money(settings.hold_amount_overdue)}")
        balance = sum((s.balance for s in mine), ZERO)
        if client.credit_limit is not None and balance > client.credit_limit:
            reasons.append(f"encours {money(balance)} > plafond {money(client.credit_limit)}")
        if reasons:
            result.append((client.code, " ; ".join(reasons)))
    return result


@dataclass(frozen=True)
class Suggestion:
    client: str
    invoice: str
    balance: Decimal
    days_late: int
    rule: str
    rate: Decimal  # suggested provision as a fraction of the HT amount still due
    provision: Decimal  # HT amount to provision


# Doubtful debts (suggestions for the accountant, never booked by Relance):
DOUBTFUL_RULES = (
    "Litige de plus de 90 jours ou retard de plus de 365 jours : provision de 100 % du HT restant dû.",
    "Retard de plus de 180 jours : provision de 50 % du HT restant dû.",
    "Prescription dans moins de 3 mois (2 ans pour un particulier, C. conso. L218-2 ; 5 ans entre "
    "professionnels, C. com. L110-4) : à traiter en priorité (100 %).",
)


def doubtful_debts(states: Sequence[InvoiceState], clients: Sequence[Client], as_of: date) -> list[Suggestion]:
    """Open invoices a prudent accountant would provision, with the rule that flags each."""
    kinds = {c.code: c.type for c in clients}
    result = []
    for s in states:
        if not is_open(s) or s.status is Status.CREDIT_NOTE or s.due is None or s.balance <= 0:
            continue
        late = (as_of - s.due).days
        years = 2 if kinds.get(s.invoice.client) is ClientType.CONSUMER else 5
        limit = s.due.replace(year=s.due.year + years) if not (s.due.month == 2 and s.due.day == 29) \
            else date(s.due.year + years, 2, 28)
        rule, rate = "", ZERO
        if limit - as_of <= timedelta(days=92):
            rule, rate = f"prescription le {limit:%d/%m/%Y}", Decimal(1)
        elif late > 365 or (s.status is Status.DISPUTED and late > 90):
            rule, rate = ("litige de plus de 90 jours" if s.status is Status.DISPUTED else "plus de 365 jours de retard"), Decimal(1)
        elif late > 180:
            rule, rate = "plus de 180 jours de retard", Decimal("0.5")
        if not rule:
            continue
        ht_share = (s.invoice.amount_ht / s.invoice.amount_ttc) if s.invoice.amount_ht and s.invoice.amount_ttc else Decimal(1)
        result.append(Suggestion(s.invoice.client, s.invoice.number, s.balance, late, rule, rate,
                                 cents(s.balance * ht_share * rate)))
    return result


def expected_date(state: InvoiceState, profiles: Mapping[str, Profile], book_delay: Decimal) -> date:
    """When an open invoice will really be paid: its promise, else due + the client's usual delay, else the book's."""
    if state.invoice.promise is not None:
        return state.invoice.promise
    base = state.plan_due or state.due
    profile = profiles.get(state.invoice.client)
    delay = profile.median_days_late if profile and profile.median_days_late is not None else book_delay
    return base + timedelta(days=int(delay))


def book_delay(states: Sequence[InvoiceState]) -> Decimal:
    """The median days late over every invoice paid in full (0 when none)."""
    delays = [max(0, (s.paid_on - s.due).days) for s in states if s.status is Status.PAID and s.paid_on and s.due]
    return Decimal(str(median(delays))) if delays else ZERO


def forecast(states: Sequence[InvoiceState], profiles: Mapping[str, Profile], as_of: date,
             weeks: int = 13) -> list[tuple[date, Decimal, int]]:
    """Expected collections per week (Monday) for the next ``weeks`` weeks.

    Disputed invoices are left out (nobody knows when); expected dates already past go to
    the first week.
    """
    delay = book_delay(states)
    first_monday = as_of - timedelta(days=as_of.weekday())
    totals = [[ZERO, 0] for _ in range(weeks)]
    for s in states:
        if not is_open(s) or s.status in (Status.CREDIT_NOTE, Status.DISPUTED) or s.balance <= 0 or s.due is None:
            continue
        when = max(expected_date(s, profiles, delay), as_of)
        index = (when - first_monday).days // 7
        if index < weeks:
            totals[index][0] += s.balance
            totals[index][1] += 1
    return [(first_monday + timedelta(weeks=k), cents(t[0]), t[1]) for k, t in enumerate(totals)]
