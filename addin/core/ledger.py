"""The whole engine for one register at one date: every computed column of ``Factures``.

For each invoice, in this order:
1. its due date from its terms (the invoice's, else the client's, else the book's
   default; ``due_dates``);
2. the payments allocated to it (named invoice, else oldest due first;
   ``allocation``), the early-payment discount when it was earned (``discounts``);
3. its balance, status and days late;
4. its late interest with the breakdown and the 40 € indemnity (``penalties``); when
   the rate table lacks a half-year the delay runs into, the interest up to the last
   day the table covers, ``interest_known=False`` and a problem naming the half-year;
5. the next installment date when it is on an installment plan (the reminders
   follow the plan's dates; the interest keeps running from the original due date,
   since a plan agreed after default does not stop penalties — LAW.md §6b).

Pure: no I/O. Problems are returned, never raised.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Callable, Mapping, Sequence

from addin.core import allocation as alloc
from addin.core import credit_notes
from addin.core.discounts import early_discount
from addin.core.due_dates import (TermsError, due_date, due_date_warnings, parse_terms, payment_period_start,
                                  term_warnings)
from addin.core.model import (
    ZERO,
    InterestPeriod,
    Client,
    ClientType,
    Invoice,
    InvoiceState,
    PlanStep,
    Problem,
    Register,
    Severity,
    Status,
    cents,
    format_euros,
)
from addin.core.dates import half_year_start
from addin.core.penalties import InterestResult, late_interest, recovery_indemnity
from addin.core.rates import MissingRate, RateTable, half_label

INVOICES = "Factures"

# How long the early-payment discount stays open when the invoice does not say
# (the register has a discount rate column, not a deadline column).
DEFAULT_DISCOUNT_DAYS = 10


class Later(Sequence):
    """A tuple made on first read by ``make`` (then kept): equal to that tuple, printed and pickled as it.

    For what a ledger offers but seldom serves: the fast path's applications (a million
    and a half records at a million invoices, which nothing in a refresh reads).
    """

    __slots__ = ("_make", "_made")

    def __init__(self, make: Callable[[], tuple]):
        self._make: Callable[[], tuple] | None = make
        self._made: tuple = ()

    def _tuple(self) -> tuple:
        if self._make is not None:
            self._made, self._make = tuple(self._make()), None
        return self._made

    def __getitem__(self, index):
        return self._tuple()[index]

    def __len__(self) -> int:
        return len(self._tuple())

    def __iter__(self):
        return iter(self._tuple())

    def __eq__(self, other) -> bool:
        return self._tuple() == (other._tuple() if isinstance(other, Later) else other)

    def __hash__(self) -> int:
        return hash(self._tuple())

    def __repr__(self) -> str:
        return repr(self._tuple())

    def __reduce__(self):
        return tuple, (self._tuple(),)


@dataclass(frozen=True)
class Ledger:
    """The computed register: one state per invoice, in the register's order."""

    today: date
    states: tuple[InvoiceState, ...]
    credits: Mapping[str, Decimal] = field(default_factory=dict)  # client -> unallocated payments
    # Payment by payment, what went to which invoice (``allocation.allocate``'s order); the
    # fast path's are a ``Later``, made when read.
    applications: Sequence[alloc.Application] = ()

    def by_client(self) -> dict[str, list[InvoiceState]]:
        grouped: dict[str, list[InvoiceState]] = defaultdict(list)
        for state in self.states:
            grouped[state.invoice.client].append(state)
        return dict(grouped)

    def by_number(self) -> dict[str, InvoiceState]:
        return {state.invoice.number: state for state in self.states}


def compute(register: Register, today: date, rates: RateTable) -> tuple[Ledger, list[Problem]]:
    """Compute every invoice of ``register`` as of ``today`` (payments after today are ignored)."""
    problems: list[Problem] = []
    settings = register.settings
    clients = {c.code: c for c in register.clients}

    dues: dict[str, date | None] = {}
    for invoice in register.invoices:
        client = clients.get(invoice.client)
        dues[invoice.number] = _due_date(invoice, client, settings.default_terms, problems,
                                         settings.sector_max_days)

    known_payments = [p for p in register.payments if p.paid_on <= today]
    links = credit_notes.link(register.invoices)
    items = [
        alloc.OpenItem(
            number=inv.number, client=inv.client, issued=inv.issued,
            due=dues[inv.number], amount=inv.amount_ttc - links.credited(inv.number),
        )
        for inv in register.invoices
        if not inv.is_credit_note and inv.amount_ttc > 0  # due None: named payments still reach it
    ]
    allocation = alloc.allocate(items, known_payments)
    problems.extend(allocation.problems)

    installments = installments_by_invoice(register.plan_steps)
    suspended = suspended_by_plan(register.plan_steps)

    seen_rate_warnings: set[str] = set()
    states = []
    for invoice in register.invoices:
        client = clients.get(invoice.client)
        states.append(
            _state(invoice, client, dues[invoice.number], allocation, installments.get(invoice.number, ()),
                   today, rates, settings, problems, seen_rate_warnings, invoice.number in suspended,
                   credits=links.applied.get(invoice.number, ()), unapplied=links.left.get(invoice.number))
        )
    explain_unverified(problems, states)
    return (
        Ledger(today=today, states=tuple(states), credits=dict(allocation.credits),
               applications=tuple(allocation.applications)),
        problems,
    )


def _due_date(invoice: Invoice, client: Client | None, default_terms: str, problems: list[Problem],
              sector_max_days: int | None = None) -> date | None:
    text = invoice.terms or (client.terms if client else None) or default_terms
    column = "Conditions de paiement"
    client_type = client.type if client else ClientType.BUSINESS
    start = payment_period_start(client_type, invoice.issued, invoice.received, invoice.delivered)
    try:
        terms = parse_terms(text)
        due = due_date(start, terms, invoice.delivered)
    except TermsError as error:
        problems.append(Problem(
            INVOICES, invoice.row, column, text, str(error),
            getattr(error, "hint", "") or "Corrigez les conditions de paiement.",
            code="terms.unreadable",
        ))
        return None
    for message, fix, code in terms_warnings(terms, start, invoice.delivered, client_type,
                                             sector_max_days):
        problems.append(Problem(INVOICES, invoice.row, column, text, message, fix,
                                severity=Severity.WARNING, code=code))
    return due


def terms_warnings(terms, issued: date, delivered: date | None, client_type: ClientType,
                   max_days: int | None = None) -> list[tuple[str, str, str]]:
    """(message, fix, code) of each warning on an invoice's terms, in the order Anomalies lists them.

    Terms beyond the legal maximum or the sector's ``max_days`` (``term_warnings``), then a
    delivery-based due date moved up to the invoice date (``due_date_warnings``). Shared
    with ``fast`` so both agree.
    """
    found = [(w, "Vérifiez que ce délai est conforme (L441-10 I du Code de commerce).", "terms.over_legal_max")
             for w in term_warnings(terms, issued, client_type, max_days)]
    found += [(w, "Vérifiez la date de livraison et la date de facture.", "terms.due_before_invoice")
              for w in due_date_warnings(issued, terms, delivered)]
    return found


def installments_by_invoice(steps: Sequence[PlanStep]) -> dict[str, tuple[tuple[date, Decimal], ...]]:
    """Installment plans: several steps of one plan scheduling the same invoice.

    A deposit or milestone plan turns each step into its own invoice (one number per
    step); an installment plan spreads one invoice over several dates (the same number
    on several steps). Only the latter changes when an invoice is expected. A step's
    amount is the typed one, else its percentage of the plan's total (``plan_amounts``).
    """
    from addin.core.plans import plan_amounts

    amounts = plan_amounts(steps)
    by_key: dict[tuple[str, str], list[tuple[date, Decimal]]] = defaultdict(list)
    for step in steps:
        amount = step.amount if step.amount is not None else amounts.get((step.plan, step.step))
        if step.invoice and step.due is not None and amount is not None:
            by_key[(step.plan, step.invoice)].append((step.due, amount))
    result: dict[str, tuple[tuple[date, Decimal], ...]] = {}
    for (_, number), group in by_key.items():
        if len(group) > 1:
            result[number] = tuple(sorted(group))
    return result


def suspended_by_plan(steps: Sequence[PlanStep]) -> frozenset[str]:
    """The invoices an installment plan spreads and whose plan says « Pénalités suspendues »."""
    spread = installments_by_invoice(steps)
    return frozenset(s.invoice for s in steps if s.suspends_penalties and s.invoice in spread)


def _plan_parts(amount: Decimal, due: date, installments: Sequence[tuple[date, Decimal]]
                ) -> list[tuple[date, Decimal]]:
    """What falls due when, under a plan that suspends penalties: its installments, and the
    rest of the invoice (a plan for less than the whole) at the original due date."""
    rest = amount - sum((a for _, a in installments), ZERO)
    parts = list(installments) + ([(due, rest)] if rest > 0 else [])
    return sorted(parts)


def _plan_interest(amount: Decimal, due: date, installments: Sequence[tuple[date, Decimal]],
                   payments: Sequence[tuple[date, Decimal]], as_of: date, **rules) -> InterestResult:
    """Late interest under a plan that suspends the penalties (LAW.md §6b): each installment
    bears interest from the day after its own date on what is still unpaid of it, the
    payments settling the installments oldest first; one rounding for the invoice."""
    parts = _plan_parts(amount, due, installments)
    left = [a for _, a in parts]
    paid_to: list[list[tuple[date, Decimal]]] = [[] for _ in parts]
    for when, paid in sorted(payments):
        i = 0
        while paid > 0 and i < len(parts):
            take = min(paid, left[i])
            if take > 0:
                paid_to[i].append((when, take))
                left[i] -= take
                paid -= take
            i += 1
    periods: list[InterestPeriod] = []
    warnings: list[str] = []
    rule = ""
    for (part_due, part), part_payments in zip(parts, paid_to):
        result = late_interest(part, part_due, as_of, payments=part_payments, **rules)
        periods.extend(result.periods)
        rule = rule or result.rule
        warnings.extend(w for w in result.warnings if w not in warnings)
    total = sum((p.amount for p in periods), ZERO)
    return InterestResult(cents(total), tuple(sorted(periods, key=lambda p: (p.start, p.end))), tuple(warnings),
                          rule)


def say_unverified(notes: Sequence[str], problems: list[Problem], seen: set[str]) -> None:
    """An unverified rate is about the rate table, not an invoice: each note said once, in ``Taux``."""
    for note in notes:
        if note not in seen:
            seen.add(note)
            problems.append(Problem("Taux", None, "Vérifié", None, note,
                                    "Confirmez ce taux sur la source citée et mettez « Oui » "
                                    "dans la colonne Vérifié de la feuille Taux.",
                                    severity=Severity.WARNING, code="rates.unverified"))


_HALF = re.compile(r"(\d{4}) S([12])")


def explain_unverified(problems: list[Problem], states: Sequence[InvoiceState]) -> None:
    """Each « rate not verified » line says which figures depend on that row and how to confirm or
    correct it in *Taux* (issue 13, point 7). Rewritten in place, once every state is known; shared
    with ``fast`` so that both say the same."""
    found = [i for i, p in enumerate(problems) if p.code == "rates.unverified"]
    if not found:
        return
    users: dict[str, list[str]] = {}
    for state in states:
        for period in state.periods:
            if "(non vérifié)" in period.rate_source:
                numbers = users.setdefault(period.rate_source, [])
                if not numbers or numbers[-1] != state.invoice.number:
                    numbers.append(state.invoice.number)
    for i in found:
        old = problems[i]
        source = old.message.removeprefix("taux ").split(" : ligne", 1)[0]
        numbers = users.get(source, [])
        half = _HALF.search(source)
        year, which = (half.group(1), half.group(2)) if half else ("?", "?")
        listed = ", ".join(numbers[:5]) + (", …" if len(numbers) > 5 else "")
        depends = (f"il entre dans les intérêts de retard de {len(numbers)} facture{'s' if len(numbers) > 1 else ''} "
                   f"({listed}), donc dans les totaux réclamés par la dernière relance et la mise en demeure qui "
                   "les citent" if numbers else "aucune facture ne l'utilise aujourd'hui")
        problems[i] = replace(old, value=f"{year} / semestre {which}", message=(
            f"Taux {source} : ligne de la feuille Taux non vérifiée (Vérifié = Non) ; {depends}."), fix=(
            f"Vérifiez le taux du {'1er janvier' if which == '1' else '1er juillet'} {year} sur sa source (taux "
            "BCE des opérations principales de refinancement : Banque centrale européenne ou Banque de France ; "
            "intérêt légal : arrêté semestriel au Journal officiel). Exact : mettez « Oui » dans la colonne "
            f"Vérifié de la ligne {year} / semestre {which} de la feuille Taux ; inexact : corrigez-y le taux et "
            "mettez « Oui » ; puis « Actualiser »."))


def _state(
    invoice: Invoice, client: Client | None, due: date | None, allocation: alloc.Allocation,
    installments: Sequence[tuple[date, Decimal]], today: date, rates: RateTable, settings,
    problems: list[Problem], seen_rate_warnings: set[str], suspended: bool = False, *,
    credits: Sequence[tuple[date, Decimal]] = (), unapplied: Decimal | None = None,
) -> InvoiceState:
    """One invoice's computed columns. ``credits``: the linked credit notes taken off it (date,
    amount); for a linked credit note, ``unapplied`` is what it gives beyond its invoice."""
    if invoice.is_credit_note:
        balance = invoice.amount_ttc if unapplied is None else (-unapplied if unapplied else ZERO)
        return InvoiceState(invoice=invoice, due=due, paid=ZERO, balance=cents(balance),
                            status=Status.CREDIT_NOTE, days_late=0, interest=ZERO, indemnity=ZERO)
    if due is None:  # unreadable terms: what was paid on it (or credited) is known, not when it fell due
        paid = allocation.paid(invoice.number)
        credited = sum((a for _, a in credits), ZERO)
        return InvoiceState(invoice=invoice, due=None, paid=cents(paid) if paid else ZERO,
                            balance=cents(invoice.amount_ttc - credited - paid) if paid or credits
                            else invoice.amount_ttc,
                            status=Status.ERROR, days_late=0, interest=ZERO, indemnity=ZERO,
                            credited=cents(credited) if credits else ZERO)

    payments = allocation.payments_of(invoice.number)
    paid = sum((amount for _, amount in payments), ZERO)
    amount = invoice.amount_ttc
    credited = sum((a for _, a in credits), ZERO)
    # Settled when the payments and the linked credit notes, in date order, reach the amount.
    paid_on = _settled_on(sorted([*payments, *credits], key=lambda e: e[0]) if credits else payments, amount)

    discount = _discount(invoice, payments) if not credits else None
    if discount is not None and discount.applies:
        amount = invoice.amount_ttc - discount.discount_ttc
        paid_on = _settled_on(payments, amount)
    balance = amount - credited - paid

    client_type = client.type if client else ClientType.BUSINESS
    until = paid_on or today
    days_late = max(0, (until - due).days)

    rules = dict(rates=rates, client_type=client_type, contract_rate=invoice.penalty_rate,
                 notice_date=invoice.notice_date, below_floor_policy=settings.below_floor_policy,
                 imputation=settings.imputation)
    if invoice.penalty_rate is not None and settings.penalty_mode == "legal":
        # « Mode de pénalité » = legal: the legal rate, whatever the invoice's own rate says.
        rules["contract_rate"] = None
        problems.append(Problem(INVOICES, invoice.row, "Taux de pénalité", invoice.penalty_rate,
                                penalty_rate_ignored(), "Mettez « contract » dans Mode de pénalité (Paramètres) pour "
                                "appliquer le taux de la facture, ou videz la cellule.",
                                severity=Severity.WARNING, code="interest.mode_legal"))

    def interest_to(as_of: date):
        if suspended and installments:
            early = [(d - timedelta(days=1), a) for d, a in credits]
            return _plan_interest(amount, due, installments, sorted([*payments, *early], key=lambda e: e[0]),
                                  as_of, **rules)
        return late_interest(amount, due, as_of, payments=payments, credits=credits, **rules)

    result, missing = _interest_as_far_as_known(interest_to, today)
    interest = result.amount if result is not None else ZERO
    periods = result.periods if result is not None else ()
    for warning in result.warnings if result is not None else ():
        if "non vérifi" in warning:  # about the rate table, not this invoice: said once
            say_unverified((warning,), problems, seen_rate_warnings)
            continue
        problems.append(Problem(INVOICES, invoice.row, "Taux de pénalité", invoice.penalty_rate,
                                warning, "Vérifiez le taux de pénalité de la facture.",
                                severity=Severity.WARNING, code="interest.warning"))
    if missing is not None:
        problems.append(_missing_rate_problem(invoice, missing, interest))

    late = days_late > 0
    indemnity = recovery_indemnity(client_type, owed=late)

    plan_due = _next_installment(installments, paid + credited)

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
        paid_on=paid_on, plan_due=plan_due, interest_known=missing is None, credited=cents(credited) if credits else ZERO,
    )


def penalty_rate_ignored() -> str:
    """The Anomalies line of an invoice rate the « legal » penalty mode leaves aside (shared with ``fast``)."""
    return ("Taux de pénalité de la facture ignoré : « Mode de pénalité » vaut legal dans Paramètres, le taux "
            "légal s'applique (BCE + 10 points ; intérêt légal pour un particulier).")


def _interest_as_far_as_known(interest_to, today: date):
    """(interest result, the MissingRate hit or None): the interest as of ``today``, else as far as the table goes.

    When a half-year the delay runs into is missing, the interest up to the day before
    that half-year (the periods are computed in date order, so every earlier one is
    known) — a lower bound, never the amount owed; the result is None when not even
    that can be computed (a public buyer's rate is the starting half-year's, for the
    whole delay).
    """
    try:
        return interest_to(today), None
    except MissingRate as error:
        missing = error
    cutoff = half_year_start(missing.year, missing.half) - timedelta(days=1)
    try:
        return interest_to(cutoff), missing
    except MissingRate:
        return None, missing


def _missing_rate_problem(invoice: Invoice, missing: MissingRate, partial: Decimal) -> Problem:
    """The Anomalies line of an invoice whose interest the rate table cannot complete."""
    start = half_year_start(missing.year, missing.half)
    cutoff = start - timedelta(days=1)
    half = half_label(missing.year, missing.half)
    if partial > 0:
        message = (f"Taux inconnu pour le {half} : intérêts de retard calculés jusqu'au {cutoff:%d/%m/%Y} "
                   f"seulement ({format_euros(partial)}), la suite manque ; la cellule reste vide tant que "
                   "le taux manque.")
    else:
        message = (f"Taux inconnu pour le {half} : aucun intérêt de retard calculable ; la cellule reste vide "
                   "tant que le taux manque.")
    month = "1er janvier" if missing.half == 1 else "1er juillet"
    return Problem(INVOICES, invoice.row, "Intérêts de retard", None, message,
                   f"Ajoutez la ligne {missing.year} / semestre {missing.half} dans la feuille Taux (taux BCE "
                   f"au {month} {missing.year}, intérêt légal des deux catégories), puis relancez « Actualiser ».",
                   code="rates.missing")


def _settled_on(payments: Sequence[tuple[date, Decimal]], amount: Decimal) -> date | None:
    """The date the cumulative payments first reach ``amount`` (None while unpaid)."""
    total = ZERO
    for paid_on, paid in payments:
        total += paid
        if total >= amount:
            return paid_on
    return None


def _discount(invoice: Invoice, payments: Sequence[tuple[date, Decimal]]):
    """The early-payment discount, when the invoice offers one and states its HT amount.

    Earned when the payments made by the deadline (invoice date + 10 days) reach the
    TTC amount minus the discount.
    """
    if not invoice.discount_rate or not invoice.amount_ht or invoice.amount_ht <= 0:
        return None
    vat_rate = (invoice.amount_ttc - invoice.amount_ht) / invoice.amount_ht
    if not ZERO <= vat_rate <= 1:
        return None
    deadline = invoice.issued + timedelta(days=DEFAULT_DISCOUNT_DAYS)
    offer = early_discount(invoice.amount_ht, vat_rate, invoice.discount_rate, deadline, None)
    due_if_earned = invoice.amount_ttc - offer.discount_ttc
    paid_on = _settled_on([(d, a) for d, a in payments if d <= deadline], due_if_earned)
    return early_discount(invoice.amount_ht, vat_rate, invoice.discount_rate, deadline, paid_on)


def _next_installment(installments: Sequence[tuple[date, Decimal]], paid: Decimal) -> date | None:
    """The first installment the payments so far do not cover."""
    covered = paid
    for when, amount in installments:
        if covered >= amount:
            covered -= amount
            continue
        return when
    return None
