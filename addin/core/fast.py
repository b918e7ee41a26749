"""The same ledger as ``ledger.compute``, faster on large registers.

``ledger.compute`` is the reference: it states every rule once, per invoice, and
this module must agree with it on every computed column (due date, paid, balance,
status, days late, interest and its breakdown, indemnity), on the credits and
applications of the allocation, and on the problems in their order —
``tests/core/test_fast.py`` proves it on random registers.

How. The work is done per column, in numpy, wherever the reference's rule allows it,
and the records the ledger returns are built from those columns:

- amounts go into int64 cents, exactly: only when every amount is a whole number of
  cents with exponent -2 (as the loader makes them), else the whole register goes to the
  reference. Sums, balances and comparisons in cents are exact; every ``Decimal`` the
  reference would make by adding or subtracting amounts is rebuilt from cents identical
  (same value, same exponent), or is the register's own object when the reference keeps
  it (a payment taken whole, an amount still wholly due);
- due dates: each distinct case (terms, client type, invoice date, delivery date when the
  terms read it) is computed once by the reference's functions, the cases found in
  columns (``np.unique``);
- allocation: a client's payments that all name one of its open items do not interact
  with anything else, so each invoice takes them in date order up to its amount:
  cumulative sums per invoice. From a client's first payment that goes to the "oldest due
  first" queue (no invoice named, an unknown one, another client's), its payments walk the
  reference's loop, in cents;
- interest: a period ends at a payment day, a half-year end (a business's; a public
  buyer's rate holds for the whole delay) or the last day, so each invoice's periods are
  its sorted distinct boundary days; bases, days and rates come out as columns, and each
  period's amount is then computed with the reference's own ``Decimal`` operations
  (``base × rate × days ÷ 365``, unrounded), each invoice's interest the rounded sum;
- the states of plain invoices (legal rate, no discount, no plan) come from the columns;
  the others (contractual rate, consumer after a formal notice, early-payment discount,
  installment plan, a half-year missing from the rate table) are computed one by one by
  ``_state``, or handed to the reference;
- states and periods are built by ``_constructor`` (as a twin object with the same slots,
  then given its class: about a third of the cost of a frozen dataclass's ``__init__``);
  the applications of the allocation stay columns until someone reads them
  (``ledger.Later``: nothing in a refresh does);
- the records are read in few passes (each pass over a million records costs about
  0.1-0.3 s, more than its arithmetic): the client codes in one look-up each, an
  invoice's own terms, dispute and promise as one tuple, and only the records a step
  needs are picked from their lists;
- the cyclic garbage collector is paused (it would walk the whole register again and
  again while nothing it could free exists) and the new records are promoted to the
  oldest generation at the end, not walked once more.

Where the time goes (README « Performance », ``python3 -m benchmarks.run``; 2-core machine,
30 November 2026): 100,000 invoices and 152,899 payments, 1.1 s against 8.8 s for the
reference; 1,048,575 invoices and 1,603,127 payments, 12 s. What is left is mostly the
records themselves: reading a dozen attributes of every invoice and payment, turning their
``Decimal`` amounts into cents (``same_quantum`` and ``float``, the cheapest exact way
found), and building the states and interest periods (``_constructor``). Every pass over a
million records scattered in memory misses the caches (and, in CPython, even taking an
object's reference writes its reference count), so the time per invoice grows with the
register: about × 2 per doubling from 100,000 to a million rows, × 1.8 below.

Pure: no I/O. Problems are returned, never raised, in the reference's order.
"""

from __future__ import annotations

import dataclasses
import gc
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import chain, compress, count, islice, repeat
from operator import attrgetter
from typing import Iterator, Sequence

import numpy as np

from addin.core import allocation as alloc
from addin.core import credit_notes
from addin.core import ledger as reference
from addin.core import penalties
from addin.core.due_dates import TermsError, due_date, parse_terms, payment_period_start
from addin.core.model import (
    CENT,
    ZERO,
    Client,
    ClientType,
    Invoice,
    InterestPeriod,
    InvoiceState,
    Payment,
    Problem,
    Register,
    Settings,
    Severity,
    Status,
    cents,
)
from addin.core.rates import MissingRate, RateTable
from addin.core.records import fast_constructor as _constructor

INVOICES = reference.INVOICES
_ONE_DAY = timedelta(days=1)
_DISCOUNT_DAYS = timedelta(days=reference.DEFAULT_DISCOUNT_DAYS)
_DAYS_IN_YEAR = penalties.DAYS_IN_YEAR
_INDEMNITY = penalties.RECOVERY_INDEMNITY
_ZERO_CENTS = cents(ZERO)
_quantize = Decimal.quantize
_TYPES = (ClientType.BUSINESS, ClientType.PUBLIC, ClientType.CONSUMER)  # codes 0, 1, 2 in the columns
_BUSINESS, _PUBLIC, _CONSUMER = _TYPES
_FROM_DELIVERY = ("delivery_days", "legal_default")  # the kinds of terms that read the delivery date
_DAY_LIMIT = 1 << 22  # above every date ordinal (date.max is 3,652,059)
_TERMS = attrgetter("terms")
_ISSUED = attrgetter("issued")
_DELIVERED = attrgetter("delivered")
_CLIENT = attrgetter("client")
_PAID_ON = attrgetter("paid_on")
_INVOICE = attrgetter("invoice")
_OWN_TERMS = attrgetter("penalty_rate", "discount_rate", "notice_date", "dispute", "promise")
_QUIET = (None, None, None, "", None)  # no terms of its own, no dispute, no promise
# Every sum of cents here stays below this: exact in int64 and in float64.
_CENTS_LIMIT = 2 ** 51


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector; reference counting still frees everything.

    The engine builds hundreds of thousands of small immutable records and no cycles;
    without the pause, each generation-2 collection walks every object of the register.
    At the end, when nobody else has frozen objects, the records the computation made go
    straight to the oldest generation (``gc.freeze`` then ``gc.unfreeze``: two list
    splices) instead of being walked once by the first young collection after the pause,
    which would find them all alive. Garbage cycles made meanwhile, if any, wait for the
    next full collection.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


def compute(register: Register, today: date, rates: RateTable) -> tuple[reference.Ledger, list[Problem]]:
    """``ledger.compute(register, today, rates)``, the same result, faster on large registers."""
    settings = register.settings
    if (settings.imputation != "principal"
            or settings.below_floor_policy not in penalties.BELOW_FLOOR_POLICIES):
        # Interest-first imputation and invalid policies: the reference decides (and raises).
        return reference.compute(register, today, rates)
    with gc_paused():
        return _compute(register, today, rates)


def choose(register: Register):
    """The production engine, for every size of ``register``: this module's ``compute``.

    One engine, so that a register's results never depend on its size; the per-invoice
    functions of ``ledger`` stay the law's scalar functions (UDFs, letters' breakdowns) and
    the oracle ``tests/core/test_fast.py`` compares this engine with, to the cent.
    """
    return compute


# --- records and columns ------------------------------------------------------------------


_new_state = _constructor(InvoiceState)
_new_period = _constructor(InterestPeriod)
_new_application = _constructor(alloc.Application)


def _cents(amounts: Sequence[Decimal]) -> np.ndarray | None:
    """The amounts in cents (int64), or None when one is not a whole number of cents with exponent -2.

    The register's loader rounds every amount to the cent (``model.cents``), so its
    amounts qualify. With exponent -2 everywhere, every ``Decimal`` the reference makes
    by adding and subtracting them has exponent -2 too, so the ones this path rebuilds
    from cents are identical, not only equal. ``float`` of such an amount is the double
    nearest to cents / 100; times 100 it is within 2⁻⁵² × cents of the cents, so
    rounding gives them exactly while they stay under 2⁵¹.

    Each distinct object is converted once: the loader keeps one ``Decimal`` per distinct
    amount (a register of a million invoices has about a hundred thousand), and the
    conversion, through a string, costs more than finding them by identity.
    """
    ids = np.fromiter(map(id, amounts), np.int64, len(amounts))
    _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    distinct = list(map(amounts.__getitem__, first.tolist()))
    if not all(map(CENT.same_quantum, distinct)):
        return None
    found = np.rint(np.fromiter(map(float, distinct), np.float64, len(distinct)) * 100)[inverse.reshape(-1)]
    if len(found) and np.abs(found).sum() >= _CENTS_LIMIT:
        return None
    return found.astype(np.int64)


def _decimal(cents: int) -> Decimal:
    """Cents → euros with exponent -2, as ``model.cents`` gives (exact: far below 28 digits)."""
    return CENT * cents


def _objects(items: Sequence) -> np.ndarray:
    """A 1-d object array of ``items`` as they are (tuples stay elements)."""
    return np.fromiter(items, dtype=object, count=len(items))


class _Calendar:
    """``date`` objects for date ordinals, each made once (and shared: fewer objects, warmer caches)."""

    def __init__(self, days: np.ndarray):
        self._unique = np.unique(days)
        self._dates = _objects([date.fromordinal(d) for d in self._unique.tolist()])

    def dates(self, days: np.ndarray) -> np.ndarray:
        return self._dates[np.searchsorted(self._unique, days)]


# --- the computation ---------------------------------------------------------------------


_STATUS = np.array([Status.PAID, Status.DISPUTED, Status.NOT_DUE, Status.PROMISED, Status.OVERDUE], dtype=object)


@dataclasses.dataclass(frozen=True)
class _Allocated:
    """The engine's first half, shared by ``_compute`` and ``open_balances``: the payments known
    on the day, amounts in cents, each invoice's buyer kind and due date, the linked credit
    notes and the allocation of the payments."""

    day: np.ndarray  # the known payments' days (ordinals)
    number_index: dict[str, int]
    amounts: list[Decimal]
    cents: np.ndarray
    clients: dict[str, Client]
    kind: np.ndarray
    dues: np.ndarray
    due_day: np.ndarray  # 0: unreadable terms
    calendar: "_Calendar"
    links: credit_notes.Links
    linked: np.ndarray
    capacity: np.ndarray  # cents less what linked credit notes take off
    found: "_Payments"


def _allocated(register: Register, today: date, problems: list[Problem]) -> _Allocated | None:
    """The first half of the engine on ``register``; None when it goes to the reference (a
    number twice, an amount not in whole cents)."""
    invoices = register.invoices
    n = len(invoices)
    # The payments known on ``today``; later ones are ignored.
    every_day = np.fromiter(map(date.toordinal, map(_PAID_ON, register.payments)), np.int64, len(register.payments))
    known = every_day <= today.toordinal()
    if known.all():
        payments, day = register.payments, every_day
    else:
        payments, day = list(compress(register.payments, known.tolist())), every_day[known]
    numbers = [invoice.number for invoice in invoices]
    number_index = dict(zip(numbers, range(n)))
    amounts = [invoice.amount_ttc for invoice in invoices]
    given = [p.amount for p in payments]
    cents = _cents(amounts) if len(number_index) == n else None
    paid_cents = _cents(given) if cents is not None else None
    if paid_cents is None:
        # The reference keys due dates and payments by number, so that with a number twice
        # one row's figures serve both (the loader keeps the first row only); and amounts
        # not in whole cents do not go into int64 columns. Such registers get exactly the
        # reference, at its pace.
        return None
    clients = {c.code: c for c in register.clients}
    # Client codes, numbered in order of appearance, in one look-up per record: each code
    # first gets the running count as its number, then made dense.
    code_of: dict[str, int] = {}
    first_seen = np.fromiter(map(code_of.setdefault, chain(map(_CLIENT, invoices), map(_CLIENT, payments)), count()),
                             np.int64, n + len(payments))
    dense = np.zeros(len(first_seen), dtype=np.int64)
    dense[np.fromiter(code_of.values(), np.int64, len(code_of))] = np.arange(len(code_of))
    first_seen = dense[first_seen]
    invoice_client, payment_client = first_seen[:n], first_seen[n:]
    records = list(map(clients.get, code_of))  # each code's client record, None when unknown: one look-up
    kind = np.array([0 if client is None else _TYPES.index(client.type) for client in records],
                    dtype=np.int64)[invoice_client]

    code_terms = [None if client is None else client.terms for client in records]
    dues, due_day = _due_dates(invoices, invoice_client, kind, code_terms, register.settings, problems)
    calendar = _Calendar(day)
    # Linked credit notes (``credit_notes``): what they take off an invoice is not open to payments.
    links = credit_notes.link(invoices)
    linked = np.zeros(n, dtype=bool)
    capacity = cents
    if links.left:
        capacity = cents.copy()
        for number in links.applied:
            capacity[number_index[number]] -= int(links.credited(number) * 100)
        linked[[number_index[number] for number in chain(links.applied, links.left)]] = True
    found = _allocate(invoices, numbers, number_index, cents, due_day, invoice_client, payments, given, paid_cents,
                      day, payment_client, calendar, problems, capacity)
    return _Allocated(day, number_index, amounts, cents, clients, kind, dues, due_day, calendar, links, linked,
                      capacity, found)


def _compute(register: Register, today: date, rates: RateTable):
    problems: list[Problem] = []
    ready = _allocated(register, today, problems)
    if ready is None:
        return reference.compute(register, today, rates)
    invoices = register.invoices
    n = len(invoices)
    today_day = today.toordinal()
    settings = register.settings
    day, number_index, amounts, cents, clients = ready.day, ready.number_index, ready.amounts, ready.cents, ready.clients
    kind, dues, due_day, calendar = ready.kind, ready.dues, ready.due_day, ready.calendar
    links, linked, found = ready.links, ready.linked, ready.found

    # Which invoices this path computes in columns ("plain" ones): open items (positive,
    # with a due date) of a business or public buyer at the legal rate, or of a consumer
    # without a formal notice, with no early-payment discount and no installment plan; and
    # credit notes and unreadable terms, which take no computation. The others go one by
    # one through ``_state`` (or the reference).
    # (In one pass over the invoices: these three attributes and the two that may change the
    # status of an open item, a dispute and a promise, read at once; they almost always
    # have their defaults ("quiet" invoices). The others are looked at again one by one.)
    quiet = np.fromiter(map(_QUIET.__eq__, map(_OWN_TERMS, invoices)), bool, n)
    plain = quiet.copy()
    for index in np.flatnonzero(~quiet).tolist():
        invoice = invoices[index]
        plain[index] = (invoice.penalty_rate is None and not invoice.discount_rate
                        and invoice.notice_date is None)
    plain &= found.is_item
    installments = reference.installments_by_invoice(register.plan_steps)
    suspended = reference.suspended_by_plan(register.plan_steps)
    for number in installments:
        index = number_index.get(number)
        if index is not None:
            plain[index] = False
    plain &= ~linked
    inert = ((cents < 0) | (due_day == 0)) & ~linked
    amounts = _objects(amounts)  # as an array: indexed by the columns below

    balance = cents - found.paid
    settled = (found.count > 0) & (balance == 0)
    last_day = found.last_day
    until = np.where(settled, last_day, today_day)
    days_late = np.maximum(until - due_day, 0)
    start_day = due_day + 1
    # Interest runs from the day after the due date unless paid in full before it.
    runs = np.flatnonzero(plain & (kind != 2) & (start_day <= today_day) & ~(settled & (last_day < start_day)))
    lookup = _RateLookup(rates)
    interest = np.empty(n, dtype=object)
    interest.fill(_ZERO_CENTS)
    periods = np.empty(n, dtype=object)
    periods.fill(())
    notes, missing = _interest_columns(runs, start_day[runs], until[runs], cents[runs], kind[runs] == 1,
                                       found, amounts, lookup, interest, periods)
    plain[missing] = False  # a half-year the table lacks: the reference computes what it can

    # One pass in register order over the invoices that may add problems (the interest of
    # a plain invoice: an unverified rate; any other invoice: anything), so that they come
    # in the reference's order and an unverified rate is said at its first invoice.
    states = np.empty(n, dtype=object)
    seen_rate_warnings: set[str] = set()
    noted = np.zeros(n, dtype=bool)
    noted[list(notes)] = True
    looked_at = np.flatnonzero(noted | ~(plain | inert))
    their_pairs = found.pairs_of(looked_at[~plain[looked_at]])
    for index in looked_at.tolist():
        if plain[index]:
            reference.say_unverified(notes[index], problems, seen_rate_warnings)
            continue
        invoice = invoices[index]
        client = clients.get(invoice.client)
        due = dues[index]
        pairs = next(their_pairs)
        plan = installments.get(invoice.number, ()) if installments else ()
        state = None
        if invoice.amount_ttc >= 0 and invoice.number not in suspended and not linked[index]:
            state = _state(invoice, client, due, pairs, plan, today, lookup, problems, seen_rate_warnings)
        if state is None:  # what this path does not handle (a plan that suspends penalties, among others)
            one = alloc.Allocation((), _by_invoice={invoice.number: tuple(pairs)})
            state = reference._state(invoice, client, due, one, plan, today, rates, settings, problems,
                                     seen_rate_warnings, invoice.number in suspended,
                                     credits=links.applied.get(invoice.number, ()),
                                     unapplied=links.left.get(invoice.number))
        states[index] = state

    # Credit notes and unreadable terms, as ``ledger._state`` makes them.
    chosen = np.flatnonzero(inert & ~plain)
    if len(chosen):
        credit_note = cents[chosen] < 0
        # An invoice with unreadable terms keeps what was paid on it (named payments).
        paid_c = np.where(credit_note, 0, found.paid[chosen])
        paid_out = _objects([ZERO] * len(chosen))
        balance_out = amounts[chosen]
        part = np.flatnonzero(paid_c != 0)
        paid_out[part] = [_decimal(c) for c in paid_c[part].tolist()]
        balance_out[part] = [_decimal(c) for c in (cents[chosen][part] - paid_c[part]).tolist()]
        states[chosen] = _objects(list(map(
            _new_state, list(map(invoices.__getitem__, chosen.tolist())), dues[chosen].tolist(), paid_out.tolist(),
            balance_out.tolist(),
            _objects([Status.ERROR, Status.CREDIT_NOTE])[credit_note.astype(np.int64)].tolist(), repeat(0),
            repeat(ZERO), repeat(ZERO))))

    # The plain invoices, from the columns. Amounts already in cents with exponent -2 serve
    # as they are (``cents(x)`` of such an x is x): the invoice's amount for what is paid in
    # full or still wholly due, one shared 0.00 for nothing.
    chosen = np.flatnonzero(plain)
    whole = amounts[chosen]
    paid_c = found.paid[chosen]
    balance_c = balance[chosen]
    paid_out = np.where(balance_c == 0, whole, _ZERO_CENTS)
    balance_out = np.where(paid_c == 0, whole, _ZERO_CENTS)
    part = np.flatnonzero((paid_c != 0) & (balance_c != 0))
    paid_out[part] = [_decimal(c) for c in paid_c[part].tolist()]
    balance_out[part] = [_decimal(c) for c in balance_c[part].tolist()]
    picked = list(map(invoices.__getitem__, chosen.tolist()))  # only these invoices touched
    picked_dues = dues[chosen]
    # PAID; with a balance: NOT_DUE or OVERDUE, unless disputed or promised (``_open_status``).
    status = np.where(balance_c == 0, 0, np.where(due_day[chosen] >= today_day, 2, 4))
    owing = np.flatnonzero((balance_c != 0) & ~quiet[chosen])
    status[owing] = [_open_status(picked[j], picked_dues[j], today) for j in owing.tolist()]
    indemnity = np.where((days_late[chosen] > 0) & (kind[chosen] != 2), _INDEMNITY, ZERO)
    paid_on = np.where(settled[chosen], calendar.dates(last_day[chosen]) if len(day) else None, None)
    states[chosen] = np.fromiter(map(
        _new_state, picked, picked_dues.tolist(), paid_out.tolist(), balance_out.tolist(),
        _STATUS[status].tolist(), days_late[chosen].tolist(), interest[chosen].tolist(), indemnity.tolist(),
        periods[chosen].tolist(), paid_on.tolist()), object, len(chosen))
    states = tuple(states.tolist())
    reference.explain_unverified(problems, states)
    return (
        reference.Ledger(today=today, states=states, credits=found.credits,
                         applications=reference.Later(found.applications)),
        problems,
    )


def _open_status(invoice: Invoice, due: date, today: date) -> int:
    """``ledger._state``'s status (its index in ``_STATUS``) of an invoice with a balance and no installment plan."""
    if invoice.dispute:
        return 1  # DISPUTED
    if today <= due:
        return 2  # NOT_DUE
    if invoice.promise is not None and invoice.promise >= today:
        return 3  # PROMISED
    return 4  # OVERDUE


def _due_dates(invoices: Sequence[Invoice], invoice_client: np.ndarray, kind: np.ndarray,
               code_terms: Sequence, settings: Settings, problems: list[Problem]) -> tuple[np.ndarray, np.ndarray]:
    """``ledger._due_date`` of every invoice, in order, each distinct case computed once.

    A case is the terms' text, the client type and the invoice date, with the delivery
    date only for the terms that count from it (the others never read it). The text is the
    invoice's own terms, else its client's (``code_terms``, by client code), else the
    book's default; texts that are not strings (a number of days, say: 1 == 1.0 == True as
    keys) are not grouped, each such invoice is its own case. The cases are found in
    columns: an id per (text, client type), then ``np.unique`` of (id, invoice date) and of
    (that, delivery date), so the loop runs over the cases only; the problems are then said
    invoice by invoice, in order. Returns the due dates (an object array) and their
    ordinals (0 for unreadable terms).
    """
    n = len(invoices)
    default_terms = settings.default_terms
    sector_max_days = settings.sector_max_days
    column = "Conditions de paiement"
    texts: dict[str, int] = {}  # text -> id
    text_of: list = []  # id -> text
    reads_delivery: list[bool] = []  # id -> whether the terms read the delivery date
    odd: list[int] = []  # invoices whose text is not a string

    def text_id(text) -> int:
        if type(text) is not str:
            return -1
        found = texts.get(text)
        if found is None:
            found = texts[text] = len(text_of)
            text_of.append(text)
            try:
                reads_delivery.append(parse_terms(text).kind in _FROM_DELIVERY)
            except TermsError:
                reads_delivery.append(True)
        return found

    by_code = np.array([text_id(terms or default_terms) for terms in code_terms], dtype=np.int64)
    ids = by_code[invoice_client] if n else np.zeros(0, dtype=np.int64)
    own_terms = list(map(_TERMS, invoices))
    for index in compress(range(n), own_terms):  # the invoices with terms of their own
        ids[index] = text_id(own_terms[index])
    for index in np.flatnonzero(ids < 0).tolist():
        odd.append(index)
        ids[index] = len(text_of)
        text_of.append(own_terms[index] or code_terms[invoice_client[index]] or default_terms)
        reads_delivery.append(True)
    issued = np.fromiter(map(date.toordinal, map(_ISSUED, invoices)), np.int64, n)
    # A public buyer's terms count from its receipt of the request (``payment_period_start``).
    for index in np.flatnonzero(kind == 1).tolist():
        invoice = invoices[index]
        issued[index] = payment_period_start(_PUBLIC, invoice.issued, invoice.received, invoice.delivered).toordinal()
    pair = ids * 3 + kind
    _, first_key = np.unique(pair * _DAY_LIMIT + issued, return_inverse=True)
    delivered = np.zeros(n, dtype=np.int64)  # ordinals, 0: none (or not read)
    reading = np.flatnonzero(np.array(reads_delivery, dtype=bool)[ids])
    if len(reading):
        read = map(_DELIVERED, map(invoices.__getitem__, reading.tolist()))
        delivered[reading] = [0 if d is None else d.toordinal() for d in read]
    key = first_key.reshape(-1) * _DAY_LIMIT + delivered
    if odd:  # never grouped: a key of their own each
        key[odd] = -1 - np.arange(len(odd))
    _, example, case = np.unique(key, return_index=True, return_inverse=True)
    case = case.reshape(-1)
    cases = [_due_case(text_of[i], invoices[j], _TYPES[t], sector_max_days, date.fromordinal(start))
             for i, t, j, start in zip(ids[example].tolist(), kind[example].tolist(), example.tolist(),
                                       issued[example].tolist())]
    said = np.array([error is not None or bool(extra) for _, _, error, extra in cases], dtype=bool)
    for index in np.flatnonzero(said[case]).tolist():
        invoice = invoices[index]
        text = text_of[ids[index]]
        _, _, error, extra = cases[case[index]]
        if error is not None:
            problems.append(Problem(INVOICES, invoice.row, column, text, error, extra, code="terms.unreadable"))
        else:
            for message, fix, code in extra:
                problems.append(Problem(INVOICES, invoice.row, column, text, message, fix,
                                        severity=Severity.WARNING, code=code))
    dues = _objects([due for due, _, _, _ in cases])[case]
    days = np.array([day for _, day, _, _ in cases], dtype=np.int64)[case]
    return dues, days


def _due_case(text, invoice: Invoice, client_type: ClientType, sector_max_days: int | None, start: date) -> tuple:
    """(due, ordinal, None, warnings) or (None, 0, error, fix): ``ledger._due_date`` without the problems.

    ``start``: the date the terms count from (``due_dates.payment_period_start``)."""
    try:
        terms = parse_terms(text)
        due = due_date(start, terms, invoice.delivered)
    except TermsError as error:
        return None, 0, str(error), getattr(error, "hint", "") or "Corrigez les conditions de paiement."
    return due, due.toordinal(), None, tuple(reference.terms_warnings(terms, start, invoice.delivered,
                                                                      client_type, sector_max_days))


# --- the allocation ------------------------------------------------------------------------


class _Payments:
    """What ``_allocate`` found: the ledger's credits and applications, and per invoice its payments.

    Per application, in the ledger's order: ``app_payment`` (index in the known
    payments), ``app_invoice``, ``app_day`` (ordinal), ``app_take`` (cents). Per invoice:
    ``paid`` (cents), ``count`` (applications), ``last_day`` (the date ordinal of its last
    application, 0 for none). The applications as records (``alloc.Application``, with
    their dates and ``Decimal`` amounts) are made only when read: nothing a refresh does
    reads them, and at a million invoices they are a million and a half objects.
    """

    def __init__(self, credits, is_item, app_payment, app_invoice, app_day, app_take, given, paid_cents, numbers,
                 calendar):
        n = len(is_item)
        self.credits = credits
        self.is_item = is_item
        self.app_payment = app_payment
        self.app_invoice = app_invoice
        self.app_day = app_day
        self.app_take = app_take
        self._given = given
        self._paid_cents = paid_cents
        self._numbers = numbers
        self._calendar = calendar
        order = np.argsort(app_invoice, kind="stable")  # by invoice, each in date order
        self._order = order
        self.count = np.bincount(app_invoice, minlength=n)
        self._end = np.cumsum(self.count)
        self.paid = np.bincount(app_invoice, weights=app_take, minlength=n).astype(np.int64)
        has = self.count > 0
        self.last_day = np.zeros(n, dtype=np.int64)
        self.last_day[has] = app_day[order[self._end[has] - 1]]

    def _dates_and_amounts(self, at: np.ndarray) -> tuple[list[date], list[Decimal]]:
        """The date and amount of the applications at ``at``.

        A payment taken whole is the reference's own ``Decimal`` (``take = left``); a part,
        the same value rebuilt from cents.
        """
        payment, take = self.app_payment[at], self.app_take[at]
        amounts = list(map(self._given.__getitem__, payment.tolist()))
        part = np.flatnonzero(take != self._paid_cents[payment])
        for j, c in zip(part.tolist(), take[part].tolist()):
            amounts[j] = _decimal(c)
        return (self._calendar.dates(self.app_day[at]).tolist() if len(at) else []), amounts

    def applications(self) -> tuple[alloc.Application, ...]:
        """``allocation.allocate``'s applications, in its order."""
        dates, amounts = self._dates_and_amounts(np.arange(len(self.app_payment)))
        return tuple(map(_new_application, self.app_payment.tolist(),
                         map(self._numbers.__getitem__, self.app_invoice.tolist()), dates, amounts))

    def pairs_of(self, indices: np.ndarray) -> Iterator[list[tuple[date, Decimal]]]:
        """(date, amount) applied to each invoice at ``indices``, in date order (``Allocation.payments_of``).

        A list per invoice, in the order of ``indices``; the positions gathered at once.
        """
        counts = self.count[indices]
        starts = self._end[indices] - counts
        # Each invoice's positions in ``_order``: its start, then the next ones.
        ranks = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        applied = iter(list(zip(*self._dates_and_amounts(self._order[np.repeat(starts, counts) + ranks]))))
        for count_ in counts.tolist():
            yield list(islice(applied, count_))


def _allocate(invoices: Sequence[Invoice], numbers: list[str], number_index: dict[str, int], cents: np.ndarray,
              due_day: np.ndarray, invoice_client: np.ndarray, payments: Sequence[Payment], given: list[Decimal],
              paid_cents: np.ndarray, day: np.ndarray, payment_client: np.ndarray, calendar: _Calendar,
              problems: list[Problem], capacity: np.ndarray | None = None) -> _Payments:
    """``allocation.allocate`` in columns of cents, the same applications, credits and problems.

    Payments go in date order (ties in input order). A client none of whose positive
    payments misses its mark (all name an open item of that client) needs no "oldest due
    first" queue: each invoice then takes its payments in order up to its amount, whatever
    the other invoices do, so cumulative sums per invoice give every application at once.
    The other clients' payments, and the payments of zero or less, go through the
    reference's walk, in cents. Problems are appended in the reference's order.
    ``capacity``: what each invoice can take (cents less its linked credit notes), else ``cents``.
    """
    n, m = len(invoices), len(payments)
    if capacity is None:
        capacity = cents
    is_item = (cents > 0) & (due_day > 0)  # in the oldest-due-first queues
    is_target = cents > 0  # what a payment may name: an invoice whose due date is unknown too
    # Invoices by number; a payment naming anything else (or nothing: "" and None are
    # no name) goes to its client's oldest items, as in the reference.
    target = np.fromiter(map(number_index.get, map(_INVOICE, payments), repeat(-1)), np.int64, m)
    target[target >= 0] = np.where(is_target[target[target >= 0]], target[target >= 0], -1)
    if "" in number_index:
        target[[not p.invoice for p in payments]] = -1
    position = np.empty(m, dtype=np.int64)
    position[np.argsort(day, kind="stable")] = np.arange(m)  # the reference's order: (paid_on, k)

    positive = paid_cents > 0
    named = positive & (target >= 0)
    named[named] = invoice_client[target[named]] == payment_client[named]
    # A client's payments are independent of the other clients'. Until its first payment
    # that goes to the queue (naming nothing, or not one of its open items), they all name
    # their own open items; from that one on, they walk.
    queued = positive & ~named
    first_queued = np.full(len(payment_client) and int(payment_client.max()) + 1, m, dtype=np.int64)
    np.minimum.at(first_queued, payment_client[queued], position[queued])
    walk = ~positive | (position >= first_queued[payment_client])
    direct = named & ~walk

    # Payments naming their own client's open item, each invoice on its own.
    k = np.flatnonzero(direct)
    k = k[np.lexsort((position[k], target[k]))]
    to = target[k]
    amount = paid_cents[k]
    first = np.ones(len(k), dtype=bool)
    first[1:] = to[1:] != to[:-1]
    before = np.cumsum(amount) - amount
    before -= before[first][np.cumsum(first) - 1]  # paid to the same invoice before this payment
    take = np.minimum(amount, np.maximum(capacity[to] - before, 0))
    left = amount - take
    took = take > 0
    d_position, d_payment, d_invoice, d_take = position[k][took], k[took], to[took], take[took]

    # The others, in the reference's walk (``allocation.allocate``), in cents.
    events: list[tuple[int, Problem | None, str | None, int]] = []  # (position, problem, client, credit)
    for j in np.flatnonzero(left > 0).tolist():
        p = payments[int(k[j])]
        rest = int(left[j])
        events.append((int(position[k[j]]), alloc.exceeds_balance(p, _decimal(rest)), p.client, rest))
    walked = np.flatnonzero(walk)
    open_amount = capacity - np.bincount(d_invoice, weights=d_take, minlength=n).astype(np.int64)
    w_position, w_payment, w_invoice, w_take = _walk(
        walked[np.argsort(position[walked])], position, invoices, numbers, open_amount, due_day, is_item,
        invoice_client, payments, paid_cents, payment_client, target, named, events)

    events.sort(key=lambda e: e[0])
    credit: dict[str, int] = {}
    for _, problem, client, rest in events:
        if problem is not None:
            problems.append(problem)
        if rest:
            credit[client] = credit.get(client, 0) + rest

    # All applications, in the reference's order: by payment, a payment's own in queue order.
    a_order = np.argsort(np.concatenate((d_position, np.asarray(w_position, dtype=np.int64))), kind="stable")
    a_payment = np.concatenate((d_payment, np.asarray(w_payment, dtype=np.int64)))[a_order]
    a_invoice = np.concatenate((d_invoice, np.asarray(w_invoice, dtype=np.int64)))[a_order]
    a_take = np.concatenate((d_take, np.asarray(w_take, dtype=np.int64)))[a_order]
    return _Payments({c: _decimal(v) for c, v in credit.items() if v}, is_item, a_payment, a_invoice, day[a_payment],
                     a_take, given, paid_cents, numbers, calendar)


def _walk(order, position, invoices, numbers, open_amount, due_day, is_item, invoice_client, payments, paid_cents,
          payment_client, target, named, events):
    """``allocation.allocate``'s loop over the payments at ``order`` (in the reference's order), in cents.

    ``open_amount`` is each invoice's balance when the walk starts; ``target`` each
    payment's named open item (-1 for none or an unknown one); ``named`` whether that is
    an open item of the payment's own client. Returns the applications as columns
    (position, payment, invoice, cents) and appends (position, problem, client, credit)
    to ``events``. A payment only ever reaches its own client's invoices, so only theirs
    are read.
    """
    w_position: list[int] = []
    w_payment: list[int] = []
    w_invoice: list[int] = []
    w_take: list[int] = []
    if not len(order):
        return w_position, w_payment, w_invoice, w_take
    theirs = np.flatnonzero(np.isin(invoice_client, payment_client[order]))
    balance = dict(zip(theirs.tolist(), open_amount[theirs].tolist()))
    # Each walking client's open items, by due date (ties: see below), cut out of one sort:
    # thousands of clients of a few dozen items each, where a numpy call per client would
    # cost more than its work.
    items = theirs[is_item[theirs]]
    items = items[np.lexsort((due_day[items], invoice_client[items]))]
    item_clients = invoice_client[items]
    first = np.flatnonzero(np.diff(item_clients, prepend=-1))  # each client's first item
    bounds = dict(zip(item_clients[first].tolist(), zip(first.tolist(), np.append(first[1:], len(items)).tolist())))
    item_list = items.tolist()
    due_of = dict(zip(item_list, due_day[items].tolist()))
    queues: dict[int, list[int]] = {}
    cursor: dict[int, int] = {}

    def take(place: int, k: int, index: int, rest: int) -> int:
        """Payment ``k`` (at ``place``) pays what it can of the open item ``index``; what it has left."""
        open_amount = balance[index]
        part = open_amount if open_amount < rest else rest  # min(rest, open_amount)
        w_position.append(place)
        w_payment.append(k)
        w_invoice.append(index)
        w_take.append(part)
        balance[index] = open_amount - part
        return rest - part

    for k, rest, index, client, mark, place in zip(order.tolist(), paid_cents[order].tolist(), target[order].tolist(),
                                                   payment_client[order].tolist(), named[order].tolist(),
                                                   position[order].tolist()):
        if rest <= 0:
            events.append((place, alloc.not_positive(payments[k]), None, 0))
            continue
        if mark:  # names an open item of its own client
            if balance[index] > 0:
                rest = take(place, k, index, rest)
            if rest > 0:
                p = payments[k]
                events.append((place, alloc.exceeds_balance(p, _decimal(rest)), p.client, rest))
            continue
        p = payments[k]
        if p.invoice:
            if index < 0:
                events.append((place, alloc.unknown_invoice(p), None, 0))
            else:
                events.append((place, alloc.client_mismatch(p, invoices[index].client), None, 0))
        # Oldest due first (Code civil 1342-10): the client's open items by (due, issued, number).
        queue = queues.get(client)
        if queue is None:
            low, high = bounds.get(client, (0, 0))
            queue = item_list[low:high]
            if len({due_of[i] for i in queue}) < len(queue):  # equal due dates: then issued, then number
                queue.sort(key=lambda i: (due_of[i], invoices[i].issued, numbers[i]))
            queues[client] = queue
        i = cursor.get(client, 0)
        while rest > 0 and i < len(queue):
            index = queue[i]
            if balance[index] <= 0:
                i += 1
                continue
            rest = take(place, k, index, rest)
            if balance[index] <= 0:
                i += 1
        # Items before the cursor are settled; named payments never reopen an item.
        i = cursor.get(client, 0)
        while i < len(queue) and balance[queue[i]] <= 0:
            i += 1
        cursor[client] = i
        if rest > 0:
            events.append((place, None, p.client, rest))
    return w_position, w_payment, w_invoice, w_take


# --- the interest ----------------------------------------------------------------------------


_EPOCH = date(1970, 1, 1).toordinal()


def _half(day: np.ndarray) -> np.ndarray:
    """The half-year of each date ordinal, counted from 1970 S1 (0): year = 1970 + h // 2, half = h % 2 + 1."""
    return (day - _EPOCH).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) // 6


def _half_end(half: np.ndarray) -> np.ndarray:
    """The ordinal of the last day of each half-year (30 June, 31 December)."""
    return ((half + 1) * 6).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) + _EPOCH - 1


def _interest_columns(rows, start, final, amount, public, found, amounts, lookup, interest, periods):
    """``late_interest`` of the plain invoices at ``rows`` (principal first), all at once.

    ``start`` is the day after the due date, ``final`` the day the invoice was settled
    (else today), ``amount`` its cents, ``public`` whether the legal rate is the public
    buyer's. Fills ``interest`` and ``periods`` at ``rows``; returns the unverified-rate
    notes to say ({index: [note, ...]}: each at its first invoice) and the invoices whose
    delay runs into a half-year the rate table lacks (left to the reference).

    The reference walks from ``start``, ending each period at the first of: the half-year
    end, the next payment day, today; the payments of that last day lower the base from
    the next day; it stops at today or when the base is paid off — for an open item, at
    its last payment. So each invoice's periods end at the sorted, distinct days among
    its payment days from ``start`` on, the half-year ends before ``final`` (a business's:
    a public buyer's rate holds for the whole delay and ``_merge`` joins its half-years),
    and ``final``; its base is the amount less the payments before ``start`` and before each
    period. Each period's amount is then the reference's own ``Decimal`` arithmetic, and
    each invoice's interest its rounded sum, in order.
    """
    r_count = len(rows)
    if not r_count:
        return {}, np.zeros(0, dtype=np.int64)
    position = np.full(len(interest), -1, dtype=np.int64)
    position[rows] = np.arange(r_count)
    at = position[found.app_invoice]
    mine = at >= 0
    at, day, take = at[mine], found.app_day[mine], found.app_take[mine]
    early = day < start[at]
    base = amount - np.bincount(at[early], weights=take[early], minlength=r_count).astype(np.int64)
    late = ~early

    first_half = _half(start)
    crossings = np.where(public, 0, _half(final) - first_half)  # half-year ends before final
    cross_row = np.repeat(np.arange(r_count), crossings)
    cross_half = first_half[cross_row] + np.arange(len(cross_row)) - np.repeat(np.cumsum(crossings) - crossings,
                                                                                 crossings)
    row = np.concatenate((at[late], cross_row, np.arange(r_count)))
    end = np.concatenate((day[late], _half_end(cross_half), final))
    paid = np.concatenate((take[late], np.zeros(len(cross_row) + r_count, dtype=np.int64)))
    order = np.lexsort((end, row))
    row, end, paid = row[order], end[order], paid[order]
    distinct = np.ones(len(row), dtype=bool)
    distinct[1:] = (row[1:] != row[:-1]) | (end[1:] != end[:-1])
    paid = np.bincount(np.cumsum(distinct) - 1, weights=paid).astype(np.int64)  # a day's payments together
    row, end = row[distinct], end[distinct]
    opening = np.ones(len(row), dtype=bool)
    opening[1:] = row[1:] != row[:-1]
    begin = np.empty(len(row), dtype=np.int64)
    begin[opening] = start[row[opening]]
    begin[~opening] = end[:-1][~opening[1:]] + 1
    before = np.cumsum(paid) - paid
    before -= before[opening][np.cumsum(opening) - 1]
    principal = base[row] - before
    days = end - begin + 1

    # The rate of each period: its own half-year's (business), the start's (public buyer).
    rate_half = np.where(public[row], first_half[row], _half(begin)) * 2 + public[row]
    halves, which = np.unique(rate_half, return_inverse=True)
    table = [lookup.of_half(int(h) // 2, bool(h % 2)) for h in halves.tolist()]
    missing = np.unique(row[np.array([t is None for t in table], dtype=bool)[which]])
    if len(missing):
        keep = ~np.isin(row, missing)
        row, begin, end, days, principal, which = (a[keep] for a in (row, begin, end, days, principal, which))
    table = [t or (None, None, None) for t in table]
    note = _objects([t[2] for t in table])[which]

    # The breakdown, with the reference's Decimals: the base is the invoice's own amount
    # until a payment lowers it, then the same value rebuilt from cents; each amount is
    # ``base * rate * days / 365`` as ``late_interest`` writes it (numpy applies the same
    # Decimal operators element by element).
    index = rows[row]
    base = amounts[index]
    lowered = np.flatnonzero(principal != amount[row])
    base[lowered] = [CENT * c for c in principal[lowered].tolist()]
    rate = _objects([t[0] for t in table])[which]
    pieces = base * rate * days.astype(object) / _DAYS_IN_YEAR
    calendar = _Calendar(np.concatenate((begin, end)))
    made = np.fromiter(map(_new_period, calendar.dates(begin).tolist(), calendar.dates(end).tolist(),
                           days.tolist(), base.tolist(), rate.tolist(),
                           _objects([t[1] for t in table])[which].tolist(), pieces.tolist()), object, len(row))
    # Each invoice's periods are together (rows are sorted). Its interest is their sum in
    # order, rounded: ``sum(pieces, ZERO)`` is ((ZERO + p1) + p2) + ..., and ZERO + p1 is p1.
    counts = np.bincount(row, minlength=r_count)
    has = counts > 0
    first_of = (np.cumsum(counts) - counts)[has]  # each invoice's first period
    done = rows[has]
    total = np.add.reduceat(pieces, first_of) if len(pieces) else pieces
    interest[done] = list(map(_quantize, total.tolist(), repeat(CENT), repeat(ROUND_HALF_UP)))
    # The tuples of periods, made by number of periods (a few distinct sizes): those of size k
    # zip their first, second, ... k-th periods at once.
    grouped = np.empty(len(done), dtype=object)
    sizes = counts[has]
    for size in np.unique(sizes).tolist():
        chosen = np.flatnonzero(sizes == size)
        low = first_of[chosen]
        grouped[chosen] = _objects(list(zip(*(made[low + k].tolist() for k in range(size)))))
    periods[done] = grouped

    # An unverified rate is said once, at the first invoice whose interest uses it (these
    # are in register order, and their periods in date order): each note's first period.
    noted = np.flatnonzero(note != None)  # noqa: E711 (an object array)
    texts: dict[str, int] = {}
    _, first = np.unique(np.fromiter(map(texts.setdefault, note[noted].tolist(), count()), np.int64, len(noted)),
                         return_index=True)
    notes: dict[int, list[str]] = {}
    for j in np.sort(noted[first]).tolist():
        notes.setdefault(int(index[j]), []).append(note[j])
    return notes, rows[missing]


# --- one invoice ---------------------------------------------------------------------------


class _RateLookup:
    """Each day's rate, its label and its half-year's end, asked of the reference once per day or half-year.

    Keyed by the first day of a period (a due date + 1, a payment date + 1 or the start of a
    half-year: a few thousand distinct days at most), or by the half-year. A day in a
    half-year the table lacks raises ``MissingRate`` each time; ``of_half`` says None.
    """

    def __init__(self, rates: RateTable):
        self.rates = rates
        # The legal B2B rate does not depend on the invoice: one lookup function for all.
        _, _, self._business = penalties._rule(rates, _BUSINESS, date(2000, 1, 1), None, None, "legal_default", [])
        self.business: dict[date, tuple] = {}
        self.public: dict[date, tuple] = {}
        self.halves: dict[tuple[int, bool], tuple | None] = {}

    def business_rate(self, day: date) -> tuple:
        """(rate, source, last day of the half-year, note when the row is unverified)."""
        found = self.business.get(day)
        if found is None:
            applied = self._business(day)  # MissingRate propagates
            end = date(day.year, 6, 30) if day.month <= 6 else date(day.year, 12, 31)
            found = self.business[day] = (applied.rate, applied.source, end, _note(applied.source))
        return found

    def public_rate(self, first_day: date) -> tuple:
        """(rate, source, note): the half-year in which interest started decides, for the whole delay (R2192-31)."""
        found = self.public.get(first_day)
        if found is None:
            _, _, rate_of = penalties._rule(self.rates, _PUBLIC, first_day - _ONE_DAY, None, None,
                                            "legal_default", [])
            applied = rate_of(first_day)
            found = self.public[first_day] = (applied.rate, applied.source, _note(applied.source))
        return found

    def of_half(self, half: int, public: bool) -> tuple | None:
        """(rate, source, note) in the half-year ``half`` (counted from 1970 S1), None when the table lacks it."""
        key = (half, public)
        if key not in self.halves:
            first_day = date(1970 + half // 2, 1 if half % 2 == 0 else 7, 1)
            try:
                found = self.public_rate(first_day) if public else self.business_rate(first_day)
            except MissingRate:
                self.halves[key] = None
            else:
                self.halves[key] = (found[0], found[1], found[-1])
        return self.halves[key]


def _note(source: str) -> str | None:
    """``late_interest``'s warning for a period at a rate the Taux sheet marks unverified."""
    if "(non vérifié)" not in source:
        return None
    return f"taux {source} : ligne de la feuille Taux non vérifiée, confirmez-la (Vérifié = Oui)"


def _state(invoice: Invoice, client: Client | None, due: date | None, payments: Sequence[tuple[date, Decimal]],
           installments, today: date, lookup: _RateLookup, problems: list[Problem],
           seen_rate_warnings: set[str]) -> InvoiceState | None:
    """``ledger._state`` for the common cases; None for the others (the reference does them)."""
    if due is None:
        return None
    client_type = client.type if client is not None else _BUSINESS
    if invoice.penalty_rate is not None or (client_type is _CONSUMER and invoice.notice_date is not None):
        return None

    amount = invoice.amount_ttc
    paid = ZERO
    paid_on = None
    for when, part in payments:  # ledger._settled_on on the way
        paid += part
        if paid_on is None and paid >= amount:
            paid_on = when
    discounted = False
    if invoice.discount_rate:
        off = _discount(invoice, payments)
        if off is None:  # odd figures: the reference decides (and raises when it does)
            discount = reference._discount(invoice, payments)
            if discount is not None and discount.applies:
                off = discount.discount_ttc
        if off:
            discounted = True
            amount = invoice.amount_ttc - off
            paid_on = reference._settled_on(payments, amount)
    balance = amount - paid

    until = paid_on or today
    days_late = (until - due).days
    if days_late < 0:
        days_late = 0

    start = due + _ONE_DAY
    if client_type is _CONSUMER or start > today or (paid_on is not None and paid_on < start):
        # No interest before a formal notice (consumers), before the day after the due date,
        # or once paid before it ran (the payments before it only reduce the base).
        interest, periods = _ZERO_CENTS, ()
    else:
        try:
            interest, periods, notes = _interest(amount, start, today, payments, lookup, client_type is _PUBLIC)
        except MissingRate:
            return None
        reference.say_unverified(notes, problems, seen_rate_warnings)

    indemnity = _INDEMNITY if days_late > 0 and client_type is not _CONSUMER else ZERO
    plan_due = reference._next_installment(installments, paid) if installments else None

    if balance <= ZERO:
        status = Status.PAID
        balance = max(balance, ZERO) if discounted else balance
    elif invoice.dispute:
        status = Status.DISPUTED
    elif today <= (plan_due or due):
        status = Status.NOT_DUE
    elif invoice.promise is not None and invoice.promise >= today:
        status = Status.PROMISED
    else:
        status = Status.OVERDUE

    return _new_state(
        invoice, due, _quantize(paid, CENT, ROUND_HALF_UP) if paid is not ZERO else _ZERO_CENTS,
        _quantize(balance, CENT, ROUND_HALF_UP), status, days_late, interest, indemnity, periods, paid_on, plan_due,
    )


def _discount(invoice: Invoice, payments: Sequence[tuple[date, Decimal]]) -> Decimal | None:
    """The TTC amount of the early-payment discount earned (0 when not earned), as ``ledger._discount``.

    The same arithmetic as ``discounts.early_discount`` without its texts; None when the
    figures are odd (no usable HT amount, a VAT or discount rate outside 0-100 %): the
    reference then decides, and raises where it raises.
    """
    ht = invoice.amount_ht
    rate = invoice.discount_rate
    if not ht or ht <= 0 or not ZERO <= rate <= 1:
        return None
    ttc = invoice.amount_ttc
    vat_rate = (ttc - ht) / ht
    if not ZERO <= vat_rate <= 1:
        return None
    off_ht = cents(ht * rate)
    off = off_ht + cents(off_ht * vat_rate)
    owed = ttc - off
    deadline = invoice.issued + _DISCOUNT_DAYS
    total = ZERO
    for when, part in payments:  # in date order
        if when > deadline:
            break
        total += part
        if total >= owed:
            return off
    return ZERO


def _interest(amount: Decimal, start: date, as_of: date, payments: Sequence[tuple[date, Decimal]],
              lookup: _RateLookup, public: bool):
    """``penalties.late_interest`` from ``start`` at the legal rate (business) or the public rate, principal first.

    ``payments`` are in date order (the allocation's), all positive. Same operations in
    the same order, hence the same ``Decimal`` values: (rounded amount, periods, notes).
    Periods as ``_interest_columns`` explains: a business's never merge, a public buyer's
    are the spans between payments.
    """
    count = len(payments)
    while count and payments[count - 1][0] > as_of:
        count -= 1
    principal = amount
    i = 0
    while i < count and payments[i][0] < start:
        principal -= payments[i][1]
        i += 1
    periods: list[InterestPeriod] = []
    notes: list[str] = []
    total = ZERO
    day = start
    if public and day <= as_of and principal > 0:
        rate, source, note = lookup.public_rate(start)
        if note is not None:
            notes.append(note)
    while day <= as_of and principal > 0:
        if public:
            end = as_of
        else:
            rate, source, end, note = lookup.business_rate(day)
            if as_of < end:
                end = as_of
            if note is not None and note not in notes:
                notes.append(note)
        if i < count and payments[i][0] < end:
            end = payments[i][0]
        days = (end - day).days + 1
        piece = principal * rate * days / _DAYS_IN_YEAR
        periods.append(_new_period(day, end, days, principal, rate, source, piece))
        total += piece
        while i < count and payments[i][0] == end:
            principal -= payments[i][1]
            if principal < ZERO:
                principal = ZERO
            i += 1
        day = end + _ONE_DAY
    return _quantize(total, CENT, ROUND_HALF_UP), tuple(periods), notes


# --- the balances alone (bank matching) --------------------------------------------------------


def open_balances(register: Register, today: date) -> list[Decimal] | None:
    """Per invoice, in order: the balance ``compute`` gives it when it is an open item (status neither
    a credit note nor an error, balance above 0), else 0.00 — from the due dates and the allocation
    alone, without interest, statuses or state records (``addin.core.balances``, for bank matching).

    ``ledger._state``'s balance is the amount less the linked credit notes and the payments
    allocated to it, or 0 when an early-payment discount is earned (the payments made by its
    deadline then cover the amount less the discount). None when ``compute`` hands the register
    to the reference (interest-first imputation, an invalid policy, a number twice, an amount not
    in whole cents): ask the engine then.
    """
    settings = register.settings
    if settings.imputation != "principal" or settings.below_floor_policy not in penalties.BELOW_FLOOR_POLICIES:
        return None
    with gc_paused():
        return _open_balances(register, today)


def _open_balances(register: Register, today: date) -> list[Decimal] | None:
    ready = _allocated(register, today, [])
    if ready is None:
        return None
    invoices = register.invoices
    n = len(invoices)
    cents, due_day, links, capacity, found = ready.cents, ready.due_day, ready.links, ready.capacity, ready.found
    balance = capacity - found.paid
    is_open = (cents > 0) & (due_day > 0) & (balance > 0)
    out = [ZERO] * n
    for index, left in zip(np.flatnonzero(is_open).tolist(), balance[is_open].tolist()):
        out[index] = _decimal(left)
    # An early-payment discount (never with linked credit notes): earned, the invoice is paid.
    offered = [i for i in np.flatnonzero(is_open).tolist()
               if invoices[i].discount_rate and invoices[i].number not in links.applied]
    for index, pairs in zip(offered, found.pairs_of(np.array(offered, dtype=np.int64))):
        invoice = invoices[index]
        off = _discount(invoice, pairs)
        if off is None:  # odd figures: the reference decides, as in ``_state``
            discount = reference._discount(invoice, pairs)
            off = discount.discount_ttc if discount is not None and discount.applies else ZERO
        if off and out[index] - off <= 0:
            out[index] = ZERO
    return out
