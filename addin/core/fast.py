"""The same ledger as ``ledger.compute``, faster on large registers.

``ledger.compute`` is the reference: it states every rule once, per invoice, and
this module must agree with it to the cent on every computed column (due date,
paid, balance, status, days late, interest and its breakdown, indemnity) and on
the problems — ``tests/core/test_fast.py`` proves it on random registers.

Where the reference spends its time on 100,000 invoices (measured with
``benchmarks.registers.data(100_000)``): about 40 % in Python's cyclic garbage collector, which
re-scans the millions of objects of the register every few thousand new ones
although the engine creates no cycles; then in ``late_interest`` rebuilding the
same rate lookups and French rate labels for every invoice; then in
``allocate``. The arithmetic itself (``Decimal``) is cheap. So this path is not
vectorised: numpy would have to give up ``Decimal`` for floats (and with it the
cent-exact half-up rounding of the law's sums) to save time that is not spent
there. Instead it:

- pauses the garbage collector while it runs, and restores it in a ``finally`` (an
  error, or another thread's pause ending first, never leaves it off): measured on
  100,000 invoices and 152,899 payments, 7.7-8.5 s paused against 15.4-17.1 s running,
  so the pause stays;
- reads each distinct (terms, invoice date, delivery date, client type) once;
- looks each half-year's rate and its label up once, and computes the common
  case of the interest (a business at the legal rate, a public buyer, a
  consumer without formal notice) inline, with the same operations in the same
  order as ``penalties.late_interest``, so the same ``Decimal`` results;
- hands every other invoice (contractual rate, consumer after a formal notice,
  a half-year missing from the rate table) to the reference, one by one.

Pure: no I/O. Problems are returned, never raised, in the reference's order.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from typing import Iterator, Sequence

from addin.core import allocation as alloc
from addin.core import ledger as reference
from addin.core import penalties
from addin.core.due_dates import TermsError, due_date, parse_terms
from addin.core.model import (
    ZERO,
    Client,
    ClientType,
    InterestPeriod,
    InvoiceState,
    Problem,
    Register,
    Severity,
    Status,
    cents,
)
from addin.core.rates import MissingRate, RateTable

# Below this many invoices the reference is fast enough (well under a second) and
# refresh keeps it; at or above, refresh can take this path.
FAST_FROM = 5_000

INVOICES = reference.INVOICES
_ONE_DAY = timedelta(days=1)
_DAYS_IN_YEAR = penalties.DAYS_IN_YEAR


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector; reference counting still frees everything.

    The engine builds hundreds of thousands of small immutable records and no cycles;
    without the pause, each generation-2 collection walks every object of the register.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
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
    """The engine refresh should use for ``register``: the reference below ``FAST_FROM`` invoices."""
    return compute if len(register.invoices) >= FAST_FROM else reference.compute


# --- the computation ---------------------------------------------------------------------


def _compute(register: Register, today: date, rates: RateTable):
    problems: list[Problem] = []
    settings = register.settings
    clients = {c.code: c for c in register.clients}

    dues = _due_dates(register, clients, problems)

    known_payments = [p for p in register.payments if p.paid_on <= today]
    items = [
        alloc.OpenItem(number=inv.number, client=inv.client, issued=inv.issued,
                       due=dues[inv.number], amount=inv.amount_ttc)
        for inv in register.invoices
        if inv.amount_ttc > 0 and dues[inv.number] is not None
    ]
    allocation = alloc.allocate(items, known_payments)
    problems.extend(allocation.problems)

    installments = reference._installments_by_invoice(register.plan_steps)
    lookup = _RateLookup(rates)
    seen_rate_warnings: set[str] = set()
    states = []
    append = states.append
    payments_of = allocation._by_invoice
    for invoice in register.invoices:
        client = clients.get(invoice.client)
        due = dues[invoice.number]
        state = None
        if due is not None and invoice.amount_ttc >= 0:
            state = _state(invoice, client, due, payments_of.get(invoice.number, ()),
                           installments.get(invoice.number, ()), today, lookup, problems, seen_rate_warnings)
        if state is None:  # credit notes, unreadable terms, and what this path does not handle
            state = reference._state(invoice, client, due, allocation, installments.get(invoice.number, ()),
                                     today, rates, settings, problems, seen_rate_warnings)
        append(state)
    return (
        reference.Ledger(today=today, states=tuple(states), credits=dict(allocation.credits),
                         applications=allocation.applications),
        problems,
    )


def _due_dates(register: Register, clients: dict[str, Client], problems: list[Problem]) -> dict[str, date | None]:
    """``ledger._due_date`` for every invoice, each distinct case computed once."""
    default_terms = register.settings.default_terms
    sector_max_days = register.settings.sector_max_days
    column = "Conditions de paiement"
    memo: dict[tuple, tuple] = {}
    dues: dict[str, date | None] = {}
    for invoice in register.invoices:
        client = clients.get(invoice.client)
        text = invoice.terms or (client.terms if client else None) or default_terms
        client_type = client.type if client else ClientType.BUSINESS
        key = (text, invoice.issued, invoice.delivered, client_type)
        found = memo.get(key)
        if found is None:
            try:
                terms = parse_terms(text)
                due = due_date(invoice.issued, terms, invoice.delivered)
            except TermsError as error:
                found = (None, str(error), getattr(error, "hint", "") or "Corrigez les conditions de paiement.")
            else:
                found = (due, None, tuple(reference.terms_warnings(terms, invoice.issued, invoice.delivered,
                                                                   client_type, sector_max_days)))
            memo[key] = found
        due, error, extra = found
        if error is not None:
            problems.append(Problem(INVOICES, invoice.row, column, text, error, extra, code="terms.unreadable"))
        else:
            for message, fix, code in extra:
                problems.append(Problem(INVOICES, invoice.row, column, text, message, fix,
                                        severity=Severity.WARNING, code=code))
        dues[invoice.number] = due
    return dues


# --- one invoice ---------------------------------------------------------------------------


class _RateLookup:
    """Each half-year's rate and its label, asked of the reference once per half-year."""

    def __init__(self, rates: RateTable):
        self.rates = rates
        # The legal B2B rate does not depend on the invoice: one lookup function for all.
        _, _, self._business = penalties._rule(rates, ClientType.BUSINESS, date(2000, 1, 1), None, None,
                                               "legal_default", [])
        self.business: dict[tuple[int, int], object] = {}
        self.public: dict[tuple[int, int], object] = {}

    def business_rate(self, day: date):
        key = (day.year, 1 if day.month <= 6 else 2)
        found = self.business.get(key)
        if found is None:
            found = self.business[key] = self._business(day)  # MissingRate propagates
        return found

    def public_rate(self, first_day: date):
        """The half-year in which interest started decides, for the whole delay (R2192-31)."""
        key = (first_day.year, 1 if first_day.month <= 6 else 2)
        found = self.public.get(key)
        if found is None:
            _, _, rate_of = penalties._rule(self.rates, ClientType.PUBLIC, first_day - _ONE_DAY, None, None,
                                            "legal_default", [])
            found = self.public[key] = rate_of(first_day)
        return found


def _half_end(day: date) -> date:
    return date(day.year, 6, 30) if day.month <= 6 else date(day.year, 12, 31)


def _state(invoice, client, due: date, payments: Sequence[tuple[date, Decimal]],
           installments, today: date, lookup: _RateLookup, problems: list[Problem],
           seen_rate_warnings: set[str]) -> InvoiceState | None:
    """``ledger._state`` for the common cases; None for the others (the reference does them)."""
    client_type = client.type if client else ClientType.BUSINESS
    if client_type is ClientType.CONSUMER:
        if invoice.notice_date is not None:
            return None
    elif invoice.penalty_rate is not None:
        return None

    paid = ZERO
    for _, a in payments:
        paid += a
    amount = invoice.amount_ttc
    paid_on = reference._settled_on(payments, amount)
    discount = reference._discount(invoice, payments) if invoice.discount_rate else None
    if discount is not None and discount.applies:
        amount = invoice.amount_ttc - discount.discount_ttc
        paid_on = reference._settled_on(payments, amount)
    balance = amount - paid

    until = paid_on or today
    days_late = (until - due).days
    if days_late < 0:
        days_late = 0

    if client_type is ClientType.CONSUMER:
        interest, periods, warnings = cents(ZERO), (), ()  # no interest before a formal notice
    else:
        try:
            interest, periods, warnings = _interest(amount, due, today, payments, lookup,
                                                    client_type is ClientType.PUBLIC)
        except MissingRate:
            # The reference computes the interest up to the last day the table covers, with
            # interest_known=False and the problem naming the missing half-year.
            return None
    for warning in warnings:  # as in ledger._state
        if "non vérifi" in warning:
            if warning not in seen_rate_warnings:
                seen_rate_warnings.add(warning)
                problems.append(Problem("Taux", None, "Vérifié", None, warning,
                                        "Confirmez ce taux sur la source citée et mettez « Oui » "
                                        "dans la colonne Vérifié de la feuille Taux.",
                                        severity=Severity.WARNING, code="rates.unverified"))
            continue
        problems.append(Problem(INVOICES, invoice.row, "Taux de pénalité", invoice.penalty_rate,
                                warning, "Vérifiez le taux de pénalité de la facture.",
                                severity=Severity.WARNING, code="interest.warning"))

    indemnity = penalties.recovery_indemnity(client_type, owed=days_late > 0)
    plan_due = reference._next_installment(installments, paid) if installments else None

    if balance <= ZERO:
        status = Status.PAID
        balance = max(balance, ZERO) if discount is not None and discount.applies else balance
    elif invoice.dispute:
        status = Status.DISPUTED
    elif today <= (plan_due or due):
        status = Status.NOT_DUE
    elif invoice.promise is not None and invoice.promise >= today:
        status = Status.PROMISED
    else:
        status = Status.OVERDUE

    return InvoiceState(
        invoice=invoice, due=due, paid=cents(paid), balance=cents(balance), status=status,
        days_late=days_late, interest=interest, indemnity=indemnity, periods=periods,
        paid_on=paid_on, plan_due=plan_due,
    )


def _interest(amount: Decimal, due: date, as_of: date, payments: Sequence[tuple[date, Decimal]],
              lookup: _RateLookup, public: bool):
    """``penalties.late_interest`` at the legal rate (business) or the public rate, principal first.

    ``payments`` are in date order (the allocation's order). Same operations, same order,
    hence the same ``Decimal`` values: (amount, merged periods, warnings).
    """
    start = due + _ONE_DAY
    count = len(payments)
    while count and payments[count - 1][0] > as_of:
        count -= 1
    principal = amount
    i = 0
    while i < count and payments[i][0] < start:
        principal -= payments[i][1]
        i += 1
    if principal < ZERO:
        principal = ZERO

    periods: list[InterestPeriod] = []
    day = start
    while day <= as_of and principal > 0:
        end = _half_end(day)
        if as_of < end:
            end = as_of
        if i < count and payments[i][0] < end:
            end = payments[i][0]
        applied = lookup.public_rate(start) if public else lookup.business_rate(day)
        days = (end - day).days + 1
        periods.append(InterestPeriod(day, end, days, principal, applied.rate, applied.source,
                                      principal * applied.rate * days / _DAYS_IN_YEAR))
        while i < count and payments[i][0] == end:
            principal = principal - payments[i][1]
            if principal < ZERO:
                principal = ZERO
            i += 1
        day = end + _ONE_DAY

    merged = penalties._merge(periods) if len(periods) > 1 else periods
    warnings: list[str] = []
    total = ZERO
    for period in merged:
        total += period.amount
        if "(non vérifié)" in period.rate_source:
            note = (f"taux {period.rate_source} : ligne de la feuille Taux non vérifiée, "
                    "confirmez-la (Vérifié = Oui)")
            if note not in warnings:
                warnings.append(note)
    return cents(total), tuple(merged), warnings
