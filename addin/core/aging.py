"""The debtor review's numbers: aged balance, DSO, payer profiles, credit policy, doubtful
debts and the collection forecast. Pure functions of the ledger's states.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import repeat
from statistics import median
from typing import Mapping, Sequence

import numpy as np

from addin.core.dates import add_months
from addin.core.model import ZERO, Client, ClientType, InvoiceState, Settings, Status, cents
from addin.core.records import fast_constructor

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


def unpaid(states: Sequence[InvoiceState]) -> list[InvoiceState]:
    """The states not paid in full, in their order: all that the aged balance, the receivables,
    the credit policy, the overdue share, the doubtful debts and the review's snapshot read (each
    skips a paid invoice), a sixth of a register's states or so. Filtered once per review."""
    paid = Status.PAID
    return [s for s in states if s.status is not paid]


def needs_fixing(state: InvoiceState) -> bool:
    """An invoice in error (its due date could not be computed): its *Reste dû* is in
    ``Factures`` but it has no age; the Anomalies sheet says what to correct."""
    return state.status is Status.ERROR


def to_fix(states: Sequence[InvoiceState]) -> tuple[Decimal, int]:
    """The balance of the invoices in error and their count."""
    wrong = [s for s in states if needs_fixing(s)]
    return sum((s.balance for s in wrong), ZERO), len(wrong)


@dataclass(frozen=True, slots=True)
class AgedRow:
    client: str
    name: str
    buckets: tuple[Decimal, ...]  # one amount per BUCKETS entry
    unknown: Decimal  # invoices in error: due date unknown, to correct (not aged)
    credit_notes: Decimal  # open credit notes (negative)
    total: Decimal  # = buckets + unknown + credit notes = the client's open Reste dû in Factures
    unallocated: Decimal  # payments not allocated to an invoice (shown apart, not in total)


_new_aged_row = fast_constructor(AgedRow)  # a row per client with something open


@dataclass(frozen=True)
class AgedBalance:
    rows: tuple[AgedRow, ...]
    totals: AgedRow


def aged_balance(states: Sequence[InvoiceState], clients: Sequence[Client], as_of: date,
                 credits: Mapping[str, Decimal] | None = None) -> AgedBalance:
    """Open balances per client and age bucket as of ``as_of``.

    The states must have been computed by the ledger as of ``as_of`` (the caller's job):
    each open invoice's *Reste dû* goes to the bucket of its days past the due date.
    An invoice in error (no due date: its terms or a date could not be read) cannot be
    aged: its *Reste dû* goes to ``unknown`` ("Échéance inconnue (à corriger)"), included
    in the total, so that it does not vanish from the review. Open credit notes are not
    aged (they are not late): they have their own column ``credit_notes`` (negative),
    included in the client's total. Payments not allocated
    to any invoice (``credits``: client code → amount) are shown in ``unallocated``
    (negative) beside the total, not netted, so that the totals row equals the sum of the
    open balances of ``Factures`` to the cent. A client with only an unallocated payment
    still gets a row. Rows are sorted by client code.
    """
    paid, error, credit_note = Status.PAID, Status.ERROR, Status.CREDIT_NOTE  # each read once (a Python look-up)
    credits = credits or {}
    names = {c.code: c.name for c in clients}
    unknown, notes = len(BUCKETS), len(BUCKETS) + 1  # the two columns after the buckets
    per_client: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO] * (len(BUCKETS) + 2))
    buckets: dict[date, int] = {}  # due date -> its bucket (many invoices share a due date)
    for state in states:
        # needs_fixing and is_open, the status read once; a paid invoice (most) skipped first.
        status = state.status
        if status is paid:
            continue
        if status is error:
            if state.balance:
                per_client[state.invoice.client][unknown] += state.balance
            continue
        if status is credit_note:
            if state.balance != 0:
                per_client[state.invoice.client][notes] += state.balance
            continue
        if status in OPEN and state.balance != 0:
            index = buckets.get(state.due)  # type: ignore[arg-type]
            if index is None:
                index = buckets[state.due] = bucket(state.due, as_of)  # type: ignore[index, arg-type]
            per_client[state.invoice.client][index] += state.balance
    for code, amount in credits.items():
        if amount:
            per_client[code]  # a client with only a payment on account still shows
    rows = []
    for code in sorted(per_client):
        amounts = per_client[code]
        rows.append(_new_aged_row(code, names.get(code, ""), tuple(amounts[:unknown]), amounts[unknown],
                                  amounts[notes], sum(amounts, ZERO), -credits.get(code, ZERO)))
    # Each column summed down the rows (in their order), one column at a time.
    columns = list(zip(*((*r.buckets, r.unknown, r.credit_notes, r.total, r.unallocated) for r in rows))) or \
        [()] * (len(BUCKETS) + 4)
    sums = [sum(column, ZERO) for column in columns]
    totals = AgedRow("", "Total", tuple(sums[:unknown]), sums[unknown], sums[notes], sums[notes + 1], sums[notes + 2])
    return AgedBalance(tuple(rows), totals)


@dataclass(frozen=True)
class Receivables:
    """The review's headline, one definition each (docs/review.md).

    ``due`` is the *Reste dû*: the open invoices with a due date, TTC, credit notes **not**
    deducted, the figure « Actualiser » prints under the same name. ``net`` adds the
    invoices in error and deducts the credit notes: it is the aged balance's Total, the
    sum of the open *Reste dû* column of ``Factures``.
    """

    due: Decimal
    overdue: Decimal  # part of ``due`` past its due date at the review date
    to_fix: Decimal  # invoices in error: due date unknown
    to_fix_count: int
    credit_notes: Decimal  # open credit notes, negative
    net: Decimal  # due + to_fix + credit_notes


def receivables(states: Sequence[InvoiceState], as_of: date) -> Receivables:
    """The headline figures as of ``as_of`` (states computed by the ledger at that date)."""
    error, credit_note = Status.ERROR, Status.CREDIT_NOTE  # each read once (a Python look-up)
    # One pass: the open invoices (is_open, credit notes apart), those in error, the credit notes.
    due = overdue = wrong = notes = ZERO
    count = 0
    for s in states:
        status = s.status
        if status in OPEN:
            if s.balance != 0:
                due += s.balance
                if s.due is not None and s.due < as_of:
                    overdue += s.balance
        elif status is error:
            wrong += s.balance
            count += 1
        elif status is credit_note and s.balance != 0:
            notes += s.balance
    return Receivables(cents(due), cents(overdue), cents(wrong), count, cents(notes), cents(due + wrong + notes))


def dso(states: Sequence[InvoiceState], as_of: date, months: int = 3) -> Decimal | None:
    """Days sales outstanding by the count-back method.

    The receivables (open invoices, TTC, as of ``as_of``; credit notes not deducted) are
    walked back month by month through the TTC sales (invoices issued): the current month
    (its days elapsed, ``as_of.day``), then the month before, and so on. Each month whose
    sales are fully absorbed counts all its days; the month where the receivables run out
    counts its days in proportion. E.g. receivables 1,500 at 30 June with June sales 1,000
    and May sales 2,000: 30 + 31 × 500/2,000 = 37.75 days.

    The walk stops after ``months`` months that had sales (at least one month with sales,
    ten years at most): receivables still left then are turned into days at the average
    daily sales of the months walked, so that very old unpaid invoices give a large DSO
    instead of one capped at the window. None when there are no sales at all, or nothing
    is owed and nothing was sold in the window.
    """
    paid = Status.PAID  # each read once (a Python look-up)
    if months < 1:
        raise ValueError("le DSO se calcule sur au moins un mois")
    # One pass: the receivables (is_open, credit notes excepted) and the sales by day of
    # issue (a few hundred days for a million invoices), then by month: the same sums,
    # ``Decimal`` additions being exact here (far below 28 digits) in any order.
    receivables = ZERO
    sales_by_day: dict[date, Decimal] = {}
    for s in states:
        status = s.status
        if status is not paid and status in OPEN and s.balance != ZERO:
            receivables += s.balance
        inv = s.invoice
        amount = inv.amount_ttc
        if amount > ZERO:
            issued = inv.issued
            sales_by_day[issued] = sales_by_day.get(issued, ZERO) + amount
    sales_by_month: dict[tuple[int, int], Decimal] = {}
    for issued, amount in sales_by_day.items():
        if issued <= as_of:
            month = (issued.year, issued.month)
            sales_by_month[month] = sales_by_month.get(month, ZERO) + amount
    if not sales_by_month:
        return None
    days = ZERO
    left = receivables
    walked_days, walked_sales, months_with_sales = 0, ZERO, 0
    month_start = as_of.replace(day=1)
    for k in range(120):
        if left <= 0 or months_with_sales >= months:
            break
        start = add_months(month_start, -k)
        length = as_of.day if k == 0 else calendar.monthrange(start.year, start.month)[1]
        sales = sales_by_month.get((start.year, start.month), ZERO)
        walked_days += length
        walked_sales += sales
        months_with_sales += 1 if sales > 0 else 0
        if sales >= left:
            days += Decimal(length) * left / sales
            left = ZERO
            break
        days += Decimal(length)
        left -= sales
    if left > 0:
        if walked_sales <= 0:
            return None
        days += left / (walked_sales / walked_days)  # the rest at the window's average daily sales
    return days.quantize(Decimal("0.1"))


def overdue_share(states: Sequence[InvoiceState], as_of: date) -> Decimal:
    """Overdue part of the open receivables (TTC, credit notes not deducted), a fraction
    rounded to 0.01 %; 0 when nothing is owed."""
    open_items = [s for s in states if is_open(s) and s.status is not Status.CREDIT_NOTE and s.balance > 0]
    outstanding = sum((s.balance for s in open_items), ZERO)
    overdue = sum((s.balance for s in open_items if s.due is not None and s.due < as_of), ZERO)
    return (overdue / outstanding).quantize(Decimal("0.0001")) if outstanding > 0 else ZERO


@dataclass(frozen=True)
class Claimable:
    """Late interest and fixed indemnities Relance computed and the debtor owes (L441-10 II)."""

    open_interest: Decimal  # on invoices still unpaid, to the review date
    open_indemnity: Decimal
    settled_interest: Decimal  # on invoices paid late, not yet time-barred (claimable if never claimed)
    settled_indemnity: Decimal


def claimable(states: Sequence[InvoiceState], clients: Sequence[Client], as_of: date) -> Claimable:
    """Interest and indemnities owed as of ``as_of``, on open invoices and on invoices paid late.

    Relance does not know whether the penalties of a settled invoice were invoiced or
    paid: they are shown apart, as what could still be claimed before limitation
    (counted from the date of full payment).
    """
    paid = Status.PAID  # each read once (a Python look-up)
    consumers = _consumers(clients)
    open_i = open_f = settled_i = settled_f = ZERO
    # date of payment -> (time-barred at as_of for a business or public buyer, for a consumer)
    barred: dict[date, tuple[bool, bool]] = {}
    for s in states:
        status = s.status
        if status in OPEN:  # is_open, credit notes apart
            if s.balance != 0:
                open_i += s.interest
                open_f += s.indemnity
        elif status is paid and s.paid_on is not None and (s.interest or s.indemnity):
            paid_on = s.paid_on
            both = barred.get(paid_on)
            if both is None:
                both = barred[paid_on] = (limitation_date(paid_on, ClientType.BUSINESS) <= as_of,
                                          limitation_date(paid_on, ClientType.CONSUMER) <= as_of)
            # Only a consumer's limitation differs: the client is looked up when it matters.
            late = both[0] if both[0] == both[1] else both[s.invoice.client in consumers]
            if not late:
                settled_i += s.interest
                settled_f += s.indemnity
    return Claimable(open_i, open_f, settled_i, settled_f)


@dataclass(frozen=True, slots=True)
class Profile:
    client: str
    paid_invoices: int
    average_days_late: Decimal | None
    median_days_late: Decimal | None
    share_paid_late: Decimal | None  # fraction


_new_profile = fast_constructor(Profile)  # a hundred thousand clients' profiles in a review


def payer_profile(client: Client | str, states: Sequence[InvoiceState]) -> Profile:
    """How a client pays, over its invoices paid in full.

    Days late of one invoice = date of full payment − due date, 0 when paid early or on
    the day. Returns the count, the average and the median days late and the share paid
    late (None each when the client has no invoice paid in full).
    """
    client = client.code if isinstance(client, Client) else client
    codes, delays = _paid_delays(states)
    return _profile(client, [d for code, d in zip(codes, delays) if code == client])


def payer_profiles(clients: Sequence[Client | str], states: Sequence[InvoiceState]) -> dict[str, Profile]:
    """``payer_profile`` of every client, by code, in one pass over ``states`` (linear in
    clients and invoices: the review and the forecast of 100,000 clients need it).

    The delays are grouped by client in columns (numpy: sorted by client then days, so that
    each client's median is read at its middle); a client's figures depend only on its count,
    total, median and count paid late, and each distinct set of those is made once.
    """
    codes = [c.code if isinstance(c, Client) else c for c in clients]
    position = dict(zip(codes, range(len(codes))))
    whose, delays = _paid_delays(states)
    index = np.fromiter(map(position.get, whose, repeat(-1)), np.int64, len(whose))
    days = np.array(delays, dtype=np.int64)
    mine = index >= 0
    index, days = index[mine], days[mine]
    order = np.lexsort((days, index))
    index, days = index[order], days[order]
    count = np.bincount(index, minlength=len(codes))
    late = np.bincount(index[days > 0], minlength=len(codes))
    first = np.cumsum(count) - count
    total = np.zeros(len(codes), dtype=np.int64)
    some = count > 0
    if len(days):
        total[some] = np.add.reduceat(days, first[some])  # each client's days, consecutive
    middle = np.minimum(first + count // 2, max(len(days) - 1, 0))
    twice = np.zeros(len(codes), dtype=np.int64)
    if len(days):
        # odd count: twice the middle one; even: the two middle ones added
        twice = np.where(count % 2 == 1, 2 * days[middle], days[middle] + days[np.maximum(middle - 1, 0)])
        twice[count == 0] = 0  # no delay: no median (and one key for all such clients)
    figures: dict[tuple[int, int, int, int], tuple] = {}
    result = {}
    for code, key in zip(codes, zip(count.tolist(), total.tolist(), twice.tolist(), late.tolist())):
        found = figures.get(key)
        if found is None:
            found = figures[key] = _figures_of(*key)
        result[code] = _new_profile(code, *found)
    return result


def _paid_delays(states: Sequence[InvoiceState]) -> tuple[list[str], list[int]]:
    """The client and the days late at full payment of each invoice paid in full (credit
    notes left out), as two lists in the states' order."""
    paid = Status.PAID
    settled = [s for s in states if s.status is paid and s.paid_on and s.due and s.invoice.amount_ttc > ZERO]
    return [s.invoice.client for s in settled], [max(0, (s.paid_on - s.due).days) for s in settled]


_TENTH, _HUNDREDTH = Decimal("0.1"), Decimal("0.01")


def _profile(client: str, delays: list[int]) -> Profile:
    return Profile(client, *_figures(delays))


def _figures(delays: Sequence[int]) -> tuple[int, Decimal | None, Decimal | None, Decimal | None]:
    """A profile's count, average, median and share paid late (None each without a delay)."""
    ordered = sorted(delays)
    count, middle = len(ordered), len(ordered) // 2
    twice = (2 * ordered[middle] if count % 2 else ordered[middle - 1] + ordered[middle]) if count else 0
    return _figures_of(count, sum(ordered), twice, sum(1 for d in ordered if d > 0))


def _figures_of(count: int, total: int, twice_median: int, late: int
                ) -> tuple[int, Decimal | None, Decimal | None, Decimal | None]:
    """The figures of ``count`` delays summing to ``total`` days, ``late`` of them over 0, whose
    median is ``twice_median`` ÷ 2: the middle one, or the half-sum of the two middle ones
    (``statistics.median``'s value, exact, without going through a float)."""
    if not count:
        return 0, None, None, None
    return (count, (Decimal(total) / count).quantize(_TENTH), (Decimal(twice_median) / 2).quantize(_TENTH),
            (Decimal(late) / count).quantize(_HUNDREDTH))


@dataclass(frozen=True)
class Breach:
    """A client to put on hold and why: each field is set only for a rule it breaks.

    Disputed invoices are left out of every trigger (PRODUCT.md: a dispute must not block
    the client's other invoices); they are listed in ``disputed`` so the reason can say so.
    """

    client: str
    days_late: int | None = None  # the worst days late, when over ``days_limit``
    days_limit: int | None = None
    overdue: Decimal | None = None  # the overdue amount, when over ``overdue_limit``
    overdue_limit: Decimal | None = None
    balance: Decimal | None = None  # the open balance (credit notes deducted), when over ``credit_limit``
    credit_limit: Decimal | None = None
    disputed: tuple[str, ...] = ()  # the client's open disputed invoices, not counted
    disputed_amount: Decimal = ZERO


def credit_policy_breaches(clients: Sequence[Client], states: Sequence[InvoiceState], settings: Settings,
                           as_of: date | None = None) -> list[Breach]:
    """Clients to put on hold (the credit policy of ``Paramètres``), in the clients' order.

    A client breaks the policy when one of its open invoices is more than
    ``settings.hold_days_late`` days past due, when its overdue amount exceeds
    ``settings.hold_amount_overdue``, or when its open balance (credit notes deducted)
    exceeds its ``credit_limit``. Disputed invoices count for none of the three: a client
    whose only problem is a dispute is not put on hold. Days late are counted to
    ``as_of``; without it, the states' own ``days_late`` (computed by the ledger at its
    date) are used.
    """
    credit_note, disputed_status = Status.CREDIT_NOTE, Status.DISPUTED  # each read once (a Python look-up)
    # One pass over the states (linear in clients and invoices): per client, the open
    # invoices' worst days late, overdue amount and balance, and the disputed ones apart.
    worst_of: dict[str, int] = {}
    overdue_of: dict[str, Decimal] = {}
    balance_of: dict[str, Decimal] = {}
    disputed_of: dict[str, list[InvoiceState]] = defaultdict(list)
    for s in states:
        status = s.status
        if s.balance == 0 or (status is not credit_note and status not in OPEN):  # not is_open
            continue
        code = s.invoice.client
        if status is disputed_status:
            disputed_of[code].append(s)
            continue
        balance_of[code] = balance_of.get(code, ZERO) + s.balance
        if status is not credit_note and s.due:
            late = (as_of - s.due).days if as_of is not None else s.days_late
            if late > 0:
                overdue_of[code] = overdue_of.get(code, ZERO) + s.balance
                worst_of[code] = max(worst_of.get(code, 0), late)
    result = []
    days_limit, overdue_limit = settings.hold_days_late, settings.hold_amount_overdue
    # A client with nothing open (most of them) has 0 days late, ZERO overdue and a ZERO balance:
    # whether the policy's limits hold it is the same for each, found once.
    idle_held = ((bool(days_limit) and 0 > days_limit) or (overdue_limit is not None and ZERO > overdue_limit))
    for client in clients:
        code = client.code
        if code not in balance_of and code not in disputed_of and not idle_held and (
                client.credit_limit is None or not ZERO > client.credit_limit):
            continue
        worst = worst_of.get(code, 0)
        overdue_amount = overdue_of.get(code, ZERO)
        balance = balance_of.get(code, ZERO)
        too_late = bool(days_limit) and worst > days_limit
        too_much = overdue_limit is not None and overdue_amount > overdue_limit
        over_limit = client.credit_limit is not None and balance > client.credit_limit
        if too_late or too_much or over_limit:
            disputed = disputed_of.get(code, [])
            result.append(Breach(
                code,
                worst if too_late else None, settings.hold_days_late if too_late else None,
                overdue_amount if too_much else None, settings.hold_amount_overdue if too_much else None,
                balance if over_limit else None, client.credit_limit if over_limit else None,
                tuple(s.invoice.number for s in disputed), sum((s.balance for s in disputed), ZERO)))
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


# Doubtful debts: suggestions for the accountant, never booked by Relance. The rules are
# a prudent practice, not a legal scale (the accountant decides the provision); the first
# matching rule wins, in this order.
DOUBTFUL_RULES = (
    "Prescription dans moins de 3 mois ou déjà acquise (2 ans pour un particulier, C. conso. L218-2 ; "
    "5 ans entre professionnels, C. com. L110-4 ; comptés depuis l'échéance) : 100 % du HT restant dû, "
    "à traiter en priorité.",
    "Retard de plus de 365 jours : 100 % du HT restant dû.",
    "Facture en litige et échue depuis plus de 90 jours : 100 % du HT restant dû.",
    "Retard de plus de 180 jours : 50 % du HT restant dû.",
)
LIMITATION_WARNING_DAYS = 92  # "within 3 months" of the limitation date


def _consumers(clients: Sequence[Client]) -> set[str]:
    """The codes of the consumer clients: the only ones whose limitation is not 5 years (a
    set of codes, as hashing a ``ClientType`` runs Python code for each key)."""
    consumer = ClientType.CONSUMER
    kinds = {c.code: c.type for c in clients}  # a code twice: its last record, as everywhere
    return {code for code, kind in kinds.items() if kind is consumer}


def limitation_date(due: date, client_type: ClientType) -> date:
    """When the claim is time-barred: 2 years after the due date for a consumer (L218-2
    C. conso.), 5 years otherwise (L110-4 C. com.). A 29 February moves to the 28th."""
    years = 2 if client_type is ClientType.CONSUMER else 5
    if due.month == 2 and due.day == 29:
        return date(due.year + years, 2, 28)
    return due.replace(year=due.year + years)


def doubtful_debts(states: Sequence[InvoiceState], clients: Sequence[Client], as_of: date) -> list[Suggestion]:
    """Open invoices a prudent accountant would provision, with the rule that flags each.

    See ``DOUBTFUL_RULES``. The provision is a share of the amount still due *excluding
    VAT* (balance × HT / TTC of the invoice; the whole balance when the HT is unknown),
    since the VAT on a debt that turns out lost is recovered, not provisioned. The
    register does not date a dispute: "disputed for over 90 days" is read as disputed and
    over 90 days past due.
    """
    disputed_status = Status.DISPUTED  # each read once (a Python look-up)
    consumers = _consumers(clients)
    limits: dict[tuple[date, bool], date] = {}  # many invoices share a due date
    result = []
    for s in states:
        if s.status not in OPEN or s.due is None or s.balance <= 0:  # open invoices owing something
            continue
        late = (as_of - s.due).days
        key = (s.due, s.invoice.client in consumers)
        limit = limits.get(key)
        if limit is None:
            limit = limits[key] = limitation_date(key[0], ClientType.CONSUMER if key[1] else ClientType.BUSINESS)
        if limit <= as_of:
            rule, rate = f"prescrite depuis le {limit:%d/%m/%Y}", Decimal(1)
        elif (limit - as_of).days <= LIMITATION_WARNING_DAYS:
            rule, rate = f"prescription le {limit:%d/%m/%Y}", Decimal(1)
        elif late > 365:
            rule, rate = "plus de 365 jours de retard", Decimal(1)
        elif s.status is disputed_status and late > 90:
            rule, rate = "litige, échue depuis plus de 90 jours", Decimal(1)
        elif late > 180:
            rule, rate = "plus de 180 jours de retard", Decimal("0.5")
        else:
            continue
        ht = s.invoice.amount_ht
        ht_share = ht / s.invoice.amount_ttc if ht and s.invoice.amount_ttc else Decimal(1)
        result.append(Suggestion(s.invoice.client, s.invoice.number, s.balance, late, rule, rate,
                                 cents(s.balance * ht_share * rate)))
    return result


def usual_delay(client: str, profiles: Mapping[str, Profile], book_delay: Decimal) -> int:
    """The client's median days late over its invoices paid in full, else the book's (whole days)."""
    profile = profiles.get(client)
    return int(profile.median_days_late if profile and profile.median_days_late is not None else book_delay)


def expected_date(state: InvoiceState, profiles: Mapping[str, Profile], book_delay: Decimal) -> date:
    """When an open invoice will really be paid: its promise, else due + the client's usual delay, else the book's."""
    if state.invoice.promise is not None:
        return state.invoice.promise
    base = state.plan_due or state.due
    return base + timedelta(days=usual_delay(state.invoice.client, profiles, book_delay))


def book_delay(states: Sequence[InvoiceState]) -> Decimal:
    """The median days late over every invoice paid in full (0 when none)."""
    paid = Status.PAID  # each read once (a Python look-up)
    delays = [max(0, (s.paid_on - s.due).days) for s in states if s.status is paid and s.paid_on and s.due]
    return Decimal(str(median(delays))) if delays else ZERO


REDATE_MIN_DAYS = 7  # a passed expectation is moved at least a week on: a reminder needs that long


@dataclass(frozen=True)
class Week:
    start: date  # the Monday
    amount: Decimal
    count: int
    redated: Decimal  # part of ``amount`` whose first expected date had passed


@dataclass(frozen=True)
class Forecast:
    """Expected collections: the weeks, then what is not in them, as (amount, count)."""

    weeks: tuple[Week, ...]
    beyond: tuple[Decimal, int]  # expected after the last week
    disputed: tuple[Decimal, int]  # in dispute: nobody knows when
    doubtful: tuple[Decimal, int]  # a provision is suggested: not counted on
    to_fix: tuple[Decimal, int]  # in error: no due date to start from


def forecast(states: Sequence[InvoiceState], profiles: Mapping[str, Profile], as_of: date, *,
             doubtful: Sequence[str] = (), weeks: int = 13) -> Forecast:
    """Expected collections per week (Monday) for ``weeks`` weeks from the week of ``as_of``.

    Each open invoice is expected on ``expected_date`` (its promise, else its due or next
    installment date + the client's median days late, else the book's). When that date
    has passed (an overdue invoice, a broken promise), the invoice is re-dated to
    ``as_of`` + the client's usual delay, at least ``REDATE_MIN_DAYS``: it is already
    later than the client's habit, and a reminder needs a week to bring a payment; the
    weeks show how much of their amount was re-dated. Left out of the weeks, each on its
    own line: the invoices in ``doubtful`` (the provision suggestions: not counted on),
    the disputed ones (nobody knows when), those in error (no due date) and those
    expected after the last week. Every open invoice is in exactly one place.
    """
    error, disputed_status = Status.ERROR, Status.DISPUTED  # each read once (a Python look-up)
    delay = book_delay(states)
    skip = set(doubtful)
    first_monday = as_of - timedelta(days=as_of.weekday())
    totals = [[ZERO, 0, ZERO] for _ in range(weeks)]
    beyond, disputed, dubious, wrong = [ZERO, 0], [ZERO, 0], [ZERO, 0], [ZERO, 0]
    for s in states:
        status = s.status
        if status is error:  # needs_fixing
            if s.balance > 0:
                wrong[0] += s.balance
                wrong[1] += 1
            continue
        if status not in OPEN or s.balance <= 0 or s.due is None:  # open invoices owing something
            continue
        line = (dubious if s.invoice.number in skip else disputed if status is disputed_status else None)
        if line is not None:
            line[0] += s.balance
            line[1] += 1
            continue
        when = expected_date(s, profiles, delay)
        redated = when < as_of
        if redated:
            when = as_of + timedelta(days=max(REDATE_MIN_DAYS, usual_delay(s.invoice.client, profiles, delay)))
        index = (when - first_monday).days // 7
        if index >= weeks:
            beyond[0] += s.balance
            beyond[1] += 1
            continue
        totals[index][0] += s.balance
        totals[index][1] += 1
        if redated:
            totals[index][2] += s.balance
    return Forecast(
        tuple(Week(first_monday + timedelta(weeks=k), cents(t[0]), t[1], cents(t[2])) for k, t in enumerate(totals)),
        (cents(beyond[0]), beyond[1]), (cents(disputed[0]), disputed[1]), (cents(dubious[0]), dubious[1]),
        (cents(wrong[0]), wrong[1]))
