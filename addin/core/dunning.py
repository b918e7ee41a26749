"""Reminder scenarios and the reminder queue (pure: no I/O).

A *scenario* is a list of ``Step`` s, each ``offset_days`` from an invoice's due
date (the first unpaid installment when the invoice is on a plan: its *reference
date*). Steps live on two tracks that do not compete with each other:

- the *written* track (e-mail, letter, formal notice): what the client receives;
- the *phone* track (``Appel``): a task for a person, which may accompany the
  e-mail of the same day (seed practice: an e-mail and a phone call at D+7).

``queue`` turns the computed ledger, the clients and the journal's ``History``
into today's actions, with these rules (each has a test in
``tests/core/test_dunning.py``):

- one action per client and track; the item that reached the highest step
  (the oldest) sets the step, and the other items that step may speak of ride
  along (see *what a step lists*);
- only the highest step reached is proposed, once: a step whose date passed while
  Relance was not run is never replayed as a backlog; a step before the due date
  (negative offset) is never proposed for an item past its due date;
- escalation is monotonic per invoice: an invoice is never listed in a step lower
  than one it already had, and a step done for an invoice (or the same action
  key) is never proposed again, so running twice a day proposes nothing new; a
  line a person ignored (``state="skipped"``) counts as done for its invoices,
  which are not listed in that step again, but it is no reminder, no gap and no
  deadline, and only takes the client's day on its track;
- at most one step per client, track and day, ``min_gap_days`` since the
  client's previous reminder on that track, and after a message that gives a
  payment deadline (``DEADLINE_TEMPLATES``, ``Settings.reminder_deadline_days``)
  the next written step waits until that deadline has passed;
- a step with ``min_previous`` (the formal notice: at least three reminders
  before it, seed practice, LAW.md §7) lists only the items that each had that
  many written reminders delivered after their own due date (courtesy e-mails
  before it do not count, nor a send whose fate is unknown, nor one only a copy
  received, nor a line a person ignored); while the oldest item
  has fewer, the next reminder above the highest it had is proposed instead, and
  when none is left below the notice the strongest one is repeated under its own
  name (``J+30 (2)``), so exactly-once still holds;
- a step whose template states interest amounts (``CLAIMING_TEMPLATES``) is held
  for a client while a listed item's interest is not known (a half-year missing
  from the rate table): its next action says « Taux manquant » and a warning
  names it;
- an item on an installment plan is listed for the installments due and unpaid
  (its ``balance`` in the action), with the invoice's remaining balance and the
  next installment; the action's total is what is due now;
- skipped: paid items, credit notes (listed as deductions instead), clients on
  hold, disputed invoices (the ``Litige`` column or a dispute in the journal: only
  that invoice pauses), invoices under a promise to pay until its date
  (inclusive), invoices in error, then residuals below ``Settings.min_balance``
  (a reason that names a person's decision comes before the threshold);
- the client's credit (credit notes, unallocated payments) covers its open items
  oldest first (as a payment would, Code civil 1342-10): a covered item (or one left
  under ``Settings.min_balance``) is not chased, its next action says « Couvert par un
  avoir … : imputez-le » and one warning per client says how to impute it; the items
  left are chased, each message listing the covered items (``kind="covered"``) beside
  the credit so that its total is the client's position;
- credit notes and unallocated payments are listed as deductions; interest and the
  40 € indemnity come from the ledger, never a flat fee; the indemnity is claimed
  only from business and public debtors, once per invoice (L441-10 II, D441-5;
  LAW.md §3, §5).

What a step lists:

- a formal notice: the overdue items not yet under notice that had enough
  reminders of their own;
- a reminder after the due date: the overdue items that entered the scenario and
  had no higher step;
- a call (phone track): the overdue items that have not had that call, and never a
  call step set before a formal notice the item already had on the written track;
- a courtesy step (before or on the due date): the items not yet overdue that
  entered the scenario, and an overdue item only when this step is its own
  (a J0 reached late); the templates word each item from its real situation.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import MISSING, dataclass, fields, replace
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Iterable, Mapping, Sequence

from addin.core.deadlines import payment_deadline
from addin.core.model import (
    ZERO,
    Action,
    ActionItem,
    Channel,
    Client,
    ClientType,
    InvoiceState,
    Problem,
    Settings,
    Severity,
    Status,
    Step,
    cents,
    format_euros,
)

PRO = ClientType.BUSINESS.value
PUBLIC = ClientType.PUBLIC.value
CONSUMER = ClientType.CONSUMER.value

# Templates the mail composer ships (mail_templates/<lang>/<name>.*).
TEMPLATES = frozenset({
    "avant_echeance", "echeance", "relance_1", "relance_2", "relance_3", "mise_en_demeure",
    "particulier_1", "particulier_2", "particulier_3", "appel",
})
# Templates that state interest and indemnity amounts: held while a rate is missing.
CLAIMING_TEMPLATES = frozenset({"relance_3", "mise_en_demeure"})
# Templates that give the client a payment deadline (Settings.reminder_deadline_days):
# the next written step waits until it has passed.
DEADLINE_TEMPLATES = frozenset({"relance_2", "relance_3", "particulier_2", "particulier_3", "mise_en_demeure"})
# Journal states that count as a reminder the client received (an « à vérifier » send
# counts as done, never re-sent, but is not proof that the client was reminded; nor is a
# « partial » one, delivered to a copy and refused for the client's own address).
DELIVERED = frozenset({"sent", "manual", "task"})
PARTIAL = "partial"
SKIPPED = "skipped"  # a line a person marked « Ignorer »: done, never sent

RATE_MISSING = "Taux manquant : complétez la feuille Taux"
# The next action of an invoice the client's credit covers, by the kinds of credit it has.
COVERED_BY = {
    "credit_note": "Couvert par un avoir : imputez-le",
    "unallocated_payment": "Couvert par un paiement non affecté : affectez-le",
    "both": "Couvert par un avoir / paiement non affecté : imputez-le",
}
COVERED = "covered"  # ActionItem.kind of an invoice the credit covers, listed beside the credit
# A consumer's legal interest runs from the receipt of the formal notice (Code civil 1231-6,
# 1344-1): once Relance sent it, the invoice asks for that date until it is typed.
NOTICE_DATE_MISSING = "À saisir : Date de mise en demeure (réception)"  # short: it fits its column

WRITTEN = frozenset({Channel.EMAIL, Channel.LETTER, Channel.FORMAL_NOTICE})
PHONE = frozenset({Channel.PHONE})

CHANNEL_LABELS = {
    Channel.EMAIL: "E-mail",
    Channel.PHONE: "Appel",
    Channel.LETTER: "Courrier",
    Channel.FORMAL_NOTICE: "Mise en demeure",
}

GAP = 5  # default minimum days between two reminders to one client


def _s(scenario: str, name: str, offset: int, channel: Channel, template: str,
       gap: int = GAP, previous: int = 0) -> Step:
    return Step(scenario, name, offset, channel, template, min_gap_days=gap, min_previous=previous)


E, A, M = Channel.EMAIL, Channel.PHONE, Channel.FORMAL_NOTICE

# The seed practice (PRODUCT.md): an e-mail 10 days before, on the day, a phone call at
# +7, reminders faster as the due date recedes, at least three reminders before the
# formal notice. Public buyers pay slower (30 to 60 days by law, LAW.md §1): their
# calendar is stretched. Consumers get a gentler calendar with their own templates and
# three reminders too before the formal notice, which matters for them: it starts the
# legal interest (Code civil 1231-6, LAW.md §5). Each reminder that gives a deadline
# (8 days by default) is followed by the next step only once that deadline has passed:
# J+15 → J+30 → J+45 leave room for it.
DEFAULT_SCENARIOS: tuple[Step, ...] = (
    _s(PRO, "J-10", -10, E, "avant_echeance"),
    _s(PRO, "J0", 0, E, "echeance"),
    _s(PRO, "J+7", 7, E, "relance_1"),
    _s(PRO, "Appel J+7", 7, A, "appel"),
    _s(PRO, "J+15", 15, E, "relance_2"),
    _s(PRO, "J+30", 30, E, "relance_3"),
    _s(PRO, "J+45", 45, M, "mise_en_demeure", previous=3),
    _s(PUBLIC, "J-10", -10, E, "avant_echeance"),
    _s(PUBLIC, "J0", 0, E, "echeance"),
    _s(PUBLIC, "J+15", 15, E, "relance_1"),
    _s(PUBLIC, "J+30", 30, E, "relance_2"),
    _s(PUBLIC, "Appel J+30", 30, A, "appel"),
    _s(PUBLIC, "J+45", 45, E, "relance_3"),
    _s(PUBLIC, "J+60", 60, M, "mise_en_demeure", previous=3),
    _s(CONSUMER, "J-5", -5, E, "avant_echeance"),
    _s(CONSUMER, "J+3", 3, E, "particulier_1"),
    _s(CONSUMER, "J+15", 15, E, "particulier_2"),
    _s(CONSUMER, "Appel J+20", 20, A, "appel"),
    _s(CONSUMER, "J+30", 30, E, "particulier_3"),
    _s(CONSUMER, "J+45", 45, M, "mise_en_demeure", previous=3),
)


def by_scenario(steps: Iterable[Step]) -> dict[str, tuple[Step, ...]]:
    """Group steps by scenario name, each scenario sorted by offset (stable)."""
    grouped: dict[str, list[Step]] = defaultdict(list)
    for step in steps:
        grouped[step.scenario].append(step)
    return {name: tuple(sorted(group, key=lambda s: s.offset_days)) for name, group in grouped.items()}


DEFAULTS: dict[str, tuple[Step, ...]] = by_scenario(DEFAULT_SCENARIOS)


def step_label(step: Step) -> str:
    """What the ``Prochaine action`` column shows, e.g. "E-mail J+7", "Appel J+7"."""
    label = CHANNEL_LABELS[step.channel]
    return step.name if step.name.lower().startswith(label.lower()) else f"{label} {step.name}"


# --- History: what the journal says was done ----------------------------------------


@dataclass(frozen=True)
class Reminder:
    """A step done (or handed to a person) for some invoices of a client.

    ``state``: "sent", "unknown" (sent, fate unknown: counts as done, never re-sent
    automatically), "task" (a call or letter handed to a person), "manual" (typed
    by a person in the Journal sheet), "skipped" (a line a person marked « Ignorer »
    in the Relances sheet: the step counts as done for its invoices, but nothing was
    sent, so it is not a reminder, sets no gap and no deadline).
    """

    client: str
    invoices: tuple[str, ...]
    step: str
    channel: Channel | None
    on: date
    key: str = ""
    state: str = "sent"


@dataclass(frozen=True)
class Promise:
    client: str
    invoices: tuple[str, ...]  # empty: all the client's invoices
    until: date  # reminders paused until this date, inclusive
    on: date | None = None


@dataclass(frozen=True)
class Dispute:
    client: str
    invoices: tuple[str, ...]  # empty: all the client's invoices
    reason: str
    on: date | None = None


@dataclass(frozen=True)
class Call:
    client: str
    invoices: tuple[str, ...]
    on: date
    outcome: str = ""
    contact: str = ""
    comment: str = ""


@dataclass(frozen=True)
class History:
    """What the journal (the log and the Journal sheet) says: steps done, promises,
    active disputes, calls."""

    reminders: tuple[Reminder, ...] = ()
    promises: tuple[Promise, ...] = ()
    disputes: tuple[Dispute, ...] = ()
    calls: tuple[Call, ...] = ()

    def keys(self) -> frozenset[str]:
        return frozenset(r.key for r in self.reminders if r.key)


def last_reminders(history: History) -> dict[str, date]:
    """Per invoice number, the date of its last written reminder (``Dernière relance``)."""
    last: dict[str, date] = {}
    for r in history.reminders:
        if (r.channel is not None and r.channel not in WRITTEN) or r.state in (SKIPPED, PARTIAL):
            continue
        for number in r.invoices:
            if number not in last or r.on > last[number]:
                last[number] = r.on
    return last


# --- Scenario choice ----------------------------------------------------------------


def scenario_for(client: Client, scenarios: Mapping[str, Sequence[Step]]) -> tuple[tuple[Step, ...], Problem | None]:
    """The client's named scenario, else the one named after its type, else the default.

    An unknown named scenario falls back to the type's, with a warning.
    """
    problem = None
    if client.scenario:
        steps = scenarios.get(client.scenario)
        if steps:
            return tuple(sorted(steps, key=lambda s: s.offset_days)), None
        problem = Problem(
            "Clients", client.row, "Scénario", client.scenario,
            f"scénario « {client.scenario} » inconnu pour le client {client.code} : "
            f"le scénario « {client.type.value} » est utilisé",
            "Choisissez un scénario de la feuille Scénarios, ou laissez la cellule vide.",
            severity=Severity.WARNING, code="scenario.unknown",
        )
    steps = scenarios.get(client.type.value) or DEFAULTS[client.type.value]
    return tuple(sorted(steps, key=lambda s: s.offset_days)), problem


def check_scenarios(clients: Sequence[Client], scenarios: Mapping[str, Sequence[Step]]) -> list[Problem]:
    """The warnings ``queue`` would act on silently: unknown scenario names on clients."""
    return [p for c in clients if (p := scenario_for(c, scenarios)[1]) is not None]


# --- The queue -----------------------------------------------------------------------

Installments = Mapping[str, Sequence[tuple[date, Decimal]]]


def queue(
    ledger_states: Sequence[InvoiceState],
    clients: Sequence[Client],
    scenarios: Mapping[str, Sequence[Step]],
    history: History,
    settings: Settings,
    today: date,
    credits: Mapping[str, Decimal] | None = None,
    *,
    installments: Installments | None = None,
    problems: list[Problem] | None = None,
) -> tuple[list[Action], dict[str, tuple[str, date | None]]]:
    """Today's actions and, per invoice number, its next action (label, date).

    Args:
        ledger_states: the ledger's states (invoices and credit notes).
        clients: the register's clients, in the order the queue should follow.
        scenarios: scenario name -> steps (``DEFAULTS`` or the ``Scénarios`` sheet).
        history: what the journal says was done.
        settings: for ``min_balance`` and ``reminder_deadline_days``.
        today: the day of the run.
        credits: client -> unallocated payments (the ledger's ``credits``).
        installments: invoice number -> its installments (date, amount), for the
            invoices an installment plan spreads (``ledger.installments_by_invoice``).
        problems: when given, the warnings of the queue are appended to it (a step
            held because a rate is missing).
    Returns:
        (actions, next_actions). ``next_actions`` names the invoices there is something
        to say about; the others (paid ones, most of a register) have no next action: read
        it with ``.get(number, ("", None))``. Unknown scenario names are reported by
        ``check_scenarios``.
    """
    credits = credits or {}
    installments = installments or {}
    problems = problems if problems is not None else []
    nexts: dict[str, tuple[str, date | None]] = {}
    by_client = _unpaid_by_client(ledger_states)
    # The journal by client, read once (a journal grows by thousands of lines a year).
    reminders_of: dict[str, list[Reminder]] = defaultdict(list)
    for r in history.reminders:
        reminders_of[r.client].append(r)
    by_person = _PersonDecisions(history)

    actions: list[Action] = []
    keys = history.keys()
    # Each client's calendar, sorted once per (scenario, type) and split once per track.
    calendars: dict[tuple[str | None, ClientType], tuple[tuple[Step, ...], _Calendar, _Calendar]] = {}
    for client in clients:
        states = by_client.get(client.code, [])
        if not states:  # only paid invoices (their next action is set), or none: nothing to chase
            continue
        eligible, deductions = _sort_items(client, states, by_person, settings, today, nexts)
        if not eligible:  # nothing to chase: no action, no plan, nothing covered
            continue
        calendar = calendars.get((client.scenario, client.type))
        if calendar is None:
            steps = scenario_for(client, scenarios)[0]
            calendar = calendars[(client.scenario, client.type)] = (
                steps, _Calendar(tuple(s for s in steps if s.channel in WRITTEN), today),
                _Calendar(tuple(s for s in steps if s.channel in PHONE), today))
        steps, written_calendar, phone_calendar = calendar
        credit = credits.get(client.code, ZERO)
        if credit > 0:
            deductions.append(ActionItem(  # no number: each template names it in its language
                number="", po_number="", issued=None, due=None,
                balance=-credit, days_late=0, interest=ZERO, indemnity=ZERO,
                kind="unallocated_payment",
            ))
        covered_label = _covered_label(deductions) if deductions else ""
        covered: list[InvoiceState] = []
        if covered_label:
            covered, eligible = _cover(eligible, deductions, settings, today, installments)
            # Beside the credit in every message, so that its total is the client's position.
            deductions[:0] = [replace(_item(s, client, today, installments.get(s.invoice.number)), kind=COVERED,
                                      interest=ZERO, indemnity=ZERO) for s in covered]
        covered_numbers = {s.invoice.number for s in covered}
        reminders = reminders_of.get(client.code, [])
        if client.type == ClientType.CONSUMER:
            reminders = _typed_notices(client, eligible, steps, reminders)
        today_numbers: dict[str, str] = {}
        actions_before = len(actions)
        made: dict[tuple[int, int, date | None], ActionItem] = {}  # the client's listed items, shared by its tracks
        for track, track_calendar in ((WRITTEN, written_calendar), (PHONE, phone_calendar)):
            if not track_calendar.steps or not eligible:
                continue
            track_reminders = [r for r in reminders if _in_track(r, track)]
            floors = _notice_floors(reminders, steps, eligible) if track is PHONE and reminders else {}
            ctx = _Track(client, track_calendar, track, track_reminders, settings, today, installments, floors,
                         covered_label, made)
            action, plan = ctx.run(eligible, deductions, keys, problems)
            if covered_label:  # else the items were under the threshold on their own: the plan says so
                covered_numbers |= ctx.covered
            if track is WRITTEN:
                nexts.update(plan)
            if action is not None:
                actions.append(action)
                label = step_label(action.step)
                for item in action.items:
                    # A held written step says why, even on the day of a call.
                    if item.kind == "invoice" and nexts.get(item.number, ("",))[0] != RATE_MISSING:
                        today_numbers.setdefault(item.number, label)
        if client.type == ClientType.CONSUMER and reminders:  # no journal, no notice sent
            for number in _notice_date_missing(reminders, steps, eligible) - set(today_numbers):
                nexts[number] = (NOTICE_DATE_MISSING, None)
        for number, label in today_numbers.items():
            nexts[number] = (label, today)
        for number in covered_numbers - set(today_numbers):
            nexts[number] = (covered_label, None)
        if covered_numbers:
            problems.append(_covered_problem(client, states, deductions, covered_numbers,
                                             chased=len(actions) > actions_before))
    return actions, nexts


def _unpaid_by_client(states: Sequence[InvoiceState]) -> dict[str, list[InvoiceState]]:
    """The states of each client but its paid invoices: they are most of a register, have no
    next action (no entry in ``nexts``) and nothing else is said of them.

    A number shared by a paid invoice and an open one (a duplicate: the loader keeps one row
    per number and reports the others, so only a register built otherwise has one) shows the
    open invoice's next action.
    """
    paid = Status.PAID
    by_client: dict[str, list[InvoiceState]] = defaultdict(list)
    for state in states:
        if state.status is not paid:
            by_client[state.invoice.client].append(state)
    return by_client


def _covered_label(deductions: Sequence[ActionItem]) -> str:
    kinds = {d.kind for d in deductions if d.balance < 0}
    if not kinds:
        return ""
    return COVERED_BY["both"] if len(kinds) > 1 else COVERED_BY[kinds.pop()]


def _cover(eligible: Sequence[InvoiceState], deductions: Sequence[ActionItem], settings: Settings, today: date,
           installments: Installments) -> tuple[list[InvoiceState], list[InvoiceState]]:
    """(covered, still to chase): the client's credit (credit notes, unallocated payments) set
    against its open items oldest first, as a payment is (Code civil 1342-10). An item whose
    amount asked is covered, or left under ``Settings.min_balance``, is not chased: the credit
    should be imputed to it. The credit left over is deducted in the client's messages."""
    available = -sum((d.balance for d in deductions if d.balance < 0), ZERO)
    covered: list[InvoiceState] = []
    rest = sorted(eligible, key=lambda s: (_ref(s), s.invoice.number))
    while rest and available > 0:
        asked = plan_position(rest[0], installments.get(rest[0].invoice.number), today)[0]
        if asked - available >= settings.min_balance:
            break
        covered.append(rest.pop(0))
        available -= asked
    if not covered:  # most often: the oldest item is more than the credit
        return covered, list(eligible)
    order = {id(s): n for n, s in enumerate(eligible)}
    return covered, sorted(rest, key=lambda s: order[id(s)])


def _covered_problem(client: Client, states: Sequence[InvoiceState], deductions: Sequence[ActionItem],
                     covered: set[str], *, chased: bool) -> Problem:
    credits = [d for d in deductions if d.balance < 0]
    names = [f"l'avoir {d.number}" if d.kind == "credit_note" else "un paiement non affecté" for d in credits]
    amount = -sum((d.balance for d in credits), ZERO)
    items = sorted((s for s in states if s.invoice.number in covered), key=lambda s: (_ref(s), s.invoice.number))
    numbers = [s.invoice.number for s in items]
    owed = sum((s.balance for s in items), ZERO)
    verb = "couvre" if len(credits) == 1 else "couvrent"
    return Problem(
        "Clients", client.row, "Code client", client.code,
        f"client {client.code} : {', '.join(names)} ({format_euros(amount)}) {verb} "
        f"{'la facture' if len(numbers) == 1 else 'les factures'} {', '.join(numbers)} ({format_euros(owed)}) : "
        + (("elle n'est pas relancée, les relances du client la listent à compenser" if len(numbers) == 1 else
            "elles ne sont pas relancées, les relances du client les listent à compenser")
           if chased else "aucune relance n'est faite (solde net nul ou sous le seuil de relance)"),
        "Imputez le crédit : pour un avoir, une ligne dans Paiements sur chaque facture couverte (Mode « Avoir "
        "AV… ») et l'avoir réduit d'autant dans Factures, ou remboursez-le ; pour un paiement non affecté, "
        "indiquez sa facture dans la colonne N° facture de Paiements (une ligne par facture si besoin).",
        severity=Severity.WARNING, code="queue.credit_covers",
    )


def _is_notice(r: Reminder, steps: Sequence[Step]) -> bool:
    """A formal notice the journal shows (its e-mail, its registered letter, or a person's row)."""
    if r.channel == Channel.FORMAL_NOTICE or r.step.endswith(" LRAR"):
        return True
    if r.channel is not None:
        return False
    index = _step_index({s.name: i for i, s in enumerate(steps)}, r.step)
    return index is not None and steps[index].channel == Channel.FORMAL_NOTICE


def _notice_floors(reminders: Sequence[Reminder], steps: Sequence[Step], eligible: Sequence[InvoiceState]
                   ) -> dict[str, int]:
    """Per invoice that had a formal notice on the written track, the offset below which a call
    step is no longer proposed for it: the calendar's notice (else the day the notice went)."""
    notices = [r for r in reminders if r.state != SKIPPED and _is_notice(r, steps)]
    if not notices:
        return {}
    offsets = [s.offset_days for s in steps if s.channel == Channel.FORMAL_NOTICE]
    refs = {s.invoice.number: _ref(s) for s in eligible}
    floors: dict[str, int] = {}
    for r in notices:
        for number in r.invoices:
            if number in refs:
                floor = min(offsets) if offsets else (r.on - refs[number]).days
                floors[number] = min(floors.get(number, floor), floor)
    return floors


def _typed_notices(client: Client, eligible: Sequence[InvoiceState], steps: Sequence[Step],
                   reminders: list[Reminder]) -> list[Reminder]:
    """A consumer's *Date de mise en demeure* typed in the register is a formal notice given: the
    queue starts from that situation (no first friendly reminder after it, issue 13 point 5), as
    from a person's row in the Journal dated that day, unless the journal already shows a notice."""
    notice = next((s for s in steps if s.channel == Channel.FORMAL_NOTICE), None)
    if notice is None:
        return reminders
    noticed = {n for r in reminders if r.state != SKIPPED and _is_notice(r, steps) for n in r.invoices}
    typed = [s.invoice for s in eligible if s.invoice.notice_date is not None and s.invoice.number not in noticed]
    if not typed:
        return reminders
    return [*reminders, *(Reminder(client.code, (inv.number,), notice.name, None, inv.notice_date, state="manual")
                          for inv in typed)]


def _notice_date_missing(reminders: Sequence[Reminder], steps: Sequence[Step], eligible: Sequence[InvoiceState]
                         ) -> set[str]:
    """The invoices whose formal notice went out (its e-mail or its registered letter, not an
    ignored line) and whose « Date de mise en demeure » is still empty."""
    sent = {n for r in reminders if r.state != SKIPPED and _is_notice(r, steps) for n in r.invoices}
    return {s.invoice.number for s in eligible if s.invoice.number in sent and s.invoice.notice_date is None}


def _in_track(reminder: Reminder, track: frozenset[Channel]) -> bool:
    if reminder.channel is None:  # a manual row without a channel: a written reminder
        return track is WRITTEN
    return reminder.channel in track


class _PersonDecisions:
    """The promises and disputes of the journal, by client (each looked up per invoice)."""

    def __init__(self, history: History):
        self.promises: dict[str, list[Promise]] = defaultdict(list)
        self.disputes: dict[str, list[Dispute]] = defaultdict(list)
        for p in history.promises:
            self.promises[p.client].append(p)
        for d in history.disputes:
            self.disputes[d.client].append(d)

    def promised_until(self, client: str, number: str) -> date | None:
        dates = [p.until for p in self.promises.get(client, ()) if not p.invoices or number in p.invoices]
        return max(dates) if dates else None

    def dispute_reason(self, client: str, number: str) -> str | None:
        for d in self.disputes.get(client, ()):
            if not d.invoices or number in d.invoices:
                return d.reason or "litige"
        return None


def _sort_items(
    client: Client, states: Sequence[InvoiceState], decisions: _PersonDecisions, settings: Settings,
    today: date, nexts: dict[str, tuple[str, date | None]],
) -> tuple[list[InvoiceState], list[ActionItem]]:
    """Split the client's states into invoices to chase and deductions; record why
    the others are not chased in ``nexts``.

    A person's decision (hold, dispute, promise) is named before the threshold, so a
    small disputed invoice still shows « En litige » and its reason.
    """
    eligible: list[InvoiceState] = []
    deductions: list[ActionItem] = []
    nothing = ("", None)
    code = client.code
    # The journal's disputes and promises are looked up per invoice only for a client that has some.
    disputes, promises = code in decisions.disputes, code in decisions.promises
    for s in states:
        inv = s.invoice
        status = s.status
        if status is Status.PAID:  # most of a register; a credit note never has this status
            nexts[inv.number] = nothing
            continue
        if status is Status.CREDIT_NOTE or inv.is_credit_note:
            if s.balance < ZERO:
                deductions.append(_deduction(s))
            nexts[inv.number] = nothing
            continue
        if s.balance <= ZERO:
            nexts[inv.number] = nothing
            continue
        if status is Status.ERROR or s.due is None:
            nexts[inv.number] = ("À corriger (voir Anomalies)", None)
            continue
        if client.on_hold:
            nexts[inv.number] = ("Relances suspendues", None)
            continue
        reason = inv.dispute.strip()
        if not reason and disputes:
            reason = decisions.dispute_reason(code, inv.number)
        if reason:
            nexts[inv.number] = (f"En litige : {reason}", None)
            continue
        promised = decisions.promised_until(code, inv.number) if promises else None
        if inv.promise is not None and (promised is None or inv.promise > promised):
            promised = inv.promise
        if promised is not None and today <= promised:
            nexts[inv.number] = ("Promesse de paiement", promised + timedelta(days=1))
            continue
        if s.balance < settings.min_balance:
            nexts[inv.number] = ("Solde sous le minimum relancé", None)
            continue
        eligible.append(s)
    return eligible, deductions


def _ref(state: InvoiceState) -> date:
    """The date reminders follow: the first unpaid installment when on a plan, else the due date."""
    return state.plan_due or state.due  # type: ignore[return-value]


_REPEAT = re.compile(r"^(.*\S) \((\d+)\)$")


def repeat_name(step: Step, n: int) -> str:
    """The name of the ``n``-th sending of a reminder repeated before a formal notice: ``J+30 (2)``."""
    return f"{step.name} ({n})"


def _step_index(names: Mapping[str, int], name: str) -> int | None:
    """The scenario step a journal step name refers to (``J+30 (2)`` is a repeat of ``J+30``)."""
    if name in names:
        return names[name]
    m = _REPEAT.match(name)
    return names.get(m.group(1)) if m else None


def step_channel(scenarios: Mapping[str, Sequence[Step]], scenario: str, name: str) -> Channel | None:
    """The channel of the step ``name`` (``J+30 (2)``: a repeat of ``J+30``) of a scenario (the
    sheet's, else the shipped one of that name); None when neither has it."""
    for steps in (scenarios.get(scenario), DEFAULTS.get(scenario)):
        if steps:
            index = _step_index({s.name: i for i, s in enumerate(steps)}, name)
            if index is not None:
                return steps[index].channel
    return None


def _is_reminder(r: Reminder) -> bool:
    """A written reminder that counts before a formal notice: not the notice itself nor its letter."""
    return r.channel != Channel.FORMAL_NOTICE and not r.step.endswith(" LRAR")


class _Calendar:
    """A track's steps (sorted by offset) and what every item asks of them, worked out once
    per queue: names, labels, formal notices, the plain reminders before each step (what a
    step waiting for reminders falls back on) and the latest reference date for which each
    step has come today."""

    __slots__ = ("after_due", "labels", "latest", "names", "notices", "offsets", "reached_on", "reminders_before",
                 "steps", "today")

    def __init__(self, steps: tuple[Step, ...], today: date):
        self.steps, self.today = steps, today
        self.names = {s.name: i for i, s in enumerate(steps)}
        self.labels = tuple(step_label(s) for s in steps)
        self.notices = [i for i, s in enumerate(steps) if s.channel == Channel.FORMAL_NOTICE]
        plain = [i for i, s in enumerate(steps)
                 if s.offset_days > 0 and not s.min_previous and s.channel != Channel.FORMAL_NOTICE]
        self.reminders_before = tuple(tuple(i for i in plain if i < index) for index in range(len(steps)))
        # The first step on or after the due date: those before it are courtesy steps.
        self.after_due = next((i for i, s in enumerate(steps) if s.offset_days >= 0), len(steps))
        self.offsets = tuple(timedelta(days=s.offset_days) for s in steps)
        # A step has come for a reference date up to today − its offset (as day numbers).
        self.latest = tuple(today.toordinal() - s.offset_days for s in steps)
        self.reached_on: dict[date, int | None] = {}  # reference date -> its step reached (dates repeat)

    def reached(self, ref: date) -> int | None:
        """The highest step whose date has come; a step before the due date only while
        the item is not past it. The steps being sorted by offset, the first one from the
        top whose date has come is the highest, and if it is before the due date so are
        those below it."""
        try:
            return self.reached_on[ref]
        except KeyError:
            pass
        reached = None
        day, latest = ref.toordinal(), self.latest
        for index in range(len(latest) - 1, -1, -1):
            if day <= latest[index]:
                reached = index if index >= self.after_due or ref >= self.today else None
                break
        self.reached_on[ref] = reached
        return reached


_NO_TIMES: Mapping[int, int] = MappingProxyType({})


class _Item:
    """One eligible invoice as a track sees it."""

    __slots__ = ("after_due", "done", "number", "reached", "ref", "skipped", "state", "times")

    def __init__(self, state: InvoiceState, ref: date, reached: int | None):
        self.state = state
        self.number: str = state.invoice.number
        self.ref = ref
        self.reached = reached  # the highest step its age reached (None: none yet)
        self.done = -1  # the highest step done for it (-1: none)
        # Step index -> times done (repeats included); its own dict once the journal names it.
        self.times: Mapping[int, int] = _NO_TIMES
        self.after_due = 0  # reminders delivered after its reference date (formal-notice prerequisite)
        self.skipped: frozenset[int] | set[int] = frozenset()  # steps a person ignored for it: never listed in them

    def overdue(self, today: date) -> bool:
        return self.ref < today


class _Track:
    """One client's track (written or phone) on one day: which step, which items, when next."""

    def __init__(self, client: Client, calendar: _Calendar, track: frozenset[Channel],
                 reminders: Sequence[Reminder], settings: Settings, today: date, installments: Installments,
                 floors: Mapping[str, int] | None = None, covered_label: str = "",
                 made: dict[tuple[int, int, date | None], ActionItem] | None = None):
        self.client, self.calendar, self.steps, self.track = client, calendar, calendar.steps, track
        # The listed items already made for this client (by state, reminders, last reminder).
        self.made = made if made is not None else {}
        self.reminders, self.settings, self.today = reminders, settings, today
        self.installments = installments
        # Phone track: per invoice under formal notice, the offset below which its call steps are moot.
        self.floors = floors or {}
        # The items today's step would list when the client's credit leaves it under the threshold
        # (the credit left over covers them): said in their next action, never silently dropped.
        self.covered_label = covered_label or "Solde sous le minimum relancé"
        self.covered: set[str] = set()
        self.names, self.notices = calendar.names, calendar.notices
        # The journal by invoice, each line once per invoice it names, in the journal's order.
        self.by_invoice: dict[str, list[Reminder]] = {}
        self.last: date | None = None
        self.deadline: date | None = None
        self.skipped_today = False
        if not reminders:  # most clients on most days
            return
        for r in reminders:
            for number in dict.fromkeys(r.invoices):
                self.by_invoice.setdefault(number, []).append(r)
        # A skipped line sends nothing: no gap, no deadline from it; it only takes its day.
        sent = [r for r in reminders if r.state != SKIPPED]
        self.last = max((r.on for r in sent), default=None)
        self.deadline = self._deadline(sent)
        self.skipped_today = any(r.state == SKIPPED and r.on == today for r in reminders)

    # history ----------------------------------------------------------------------

    def _deadline(self, reminders: Sequence[Reminder]) -> date | None:
        """The last payment deadline the client was given on this track (None: none)."""
        if self.track is not WRITTEN:
            return None
        days = max(self.settings.reminder_deadline_days, 0)
        dates = []
        for r in reminders:
            index = _step_index(self.names, r.step)
            template = self.steps[index].template if index is not None else ""
            if template in DEADLINE_TEMPLATES or r.channel == Channel.FORMAL_NOTICE:
                dates.append(payment_deadline(r.on, days))  # the date the message printed
        return max(dates, default=None)

    def _item(self, state: InvoiceState) -> _Item:
        ref = _ref(state)
        item = _Item(state, ref, self.calendar.reached(ref))
        if not self.by_invoice and not self.floors:  # no journal line for this client and track (most)
            return item
        mine = self.by_invoice.get(item.number)
        if mine:
            notices = self.notices
            times: dict[int, int] = {}
            skipped: set[int] = set()
            item.times, item.skipped = times, skipped
            for r in mine:
                index = _step_index(self.names, r.step)
                if r.channel == Channel.FORMAL_NOTICE and notices:
                    # A formal notice is the notice, whatever its name in the calendar of the day (the
                    # consumers' J+30 was the notice before it became particulier_3): nothing gentler after it.
                    index = max(index if index is not None else -1, notices[-1])
                if index is not None:
                    item.done = max(item.done, index)
                    times[index] = times.get(index, 0) + 1
                    if r.state == SKIPPED:
                        skipped.add(index)
                if r.state in DELIVERED and r.on > ref and _is_reminder(r):
                    item.after_due += 1
        floor = self.floors.get(item.number) if self.floors else None
        if floor is not None:  # a call gentler than the formal notice it had is never proposed
            below = [i for i, step in enumerate(self.steps) if step.offset_days < floor]
            if below:
                item.done = max(item.done, below[-1])
        return item

    # the step ------------------------------------------------------------------------

    def target(self, item: _Item, index: int) -> tuple[int, Step] | None:
        """The step to propose for ``item`` when its age reached ``index``: that step, or,
        when it waits for more reminders, the next reminder above the highest done, or
        the strongest one repeated."""
        step = self.steps[index]
        if not step.min_previous or item.after_due >= step.min_previous:
            return index, step
        before = self.calendar.reminders_before[index]
        above = [i for i in before if i > item.done]
        if above:
            return above[0], self.steps[above[0]]
        if not before:
            return None
        last = before[-1]
        n = max(item.times.get(last, 0), 1) + 1
        return last, replace(self.steps[last], name=repeat_name(self.steps[last], n))

    def listable(self, step: Step, index: int, item: _Item) -> bool:
        """Whether ``step`` speaks of ``item`` (see the module docstring)."""
        if item.reached is None or index in item.skipped:  # a person said not to send it this step
            return False
        overdue = item.overdue(self.today)
        if step.channel == Channel.FORMAL_NOTICE:
            return overdue and item.done < index and item.after_due >= step.min_previous
        if step.offset_days > 0:
            # A reminder may list again an item that had this step (the client's statement); a call
            # lists only the items that have not had it.
            return overdue and (item.done <= index if self.track is WRITTEN else item.done < index)
        if overdue:  # a courtesy step speaks of an overdue item only when it is the item's own
            return item.reached == index and item.done < index
        return item.reached <= index and item.done <= index

    def allowed_from(self, step: Step, last: date | None, deadline: date | None) -> date:
        """The first day a written step may go: the gap since the last one, one a day, and
        after the deadline the last message gave; not on the day a person ignored a line of
        this client and track."""
        when = self.today + timedelta(days=1) if self.skipped_today else date.min
        if last is not None:
            when = max(when, last + timedelta(days=max(step.min_gap_days, 1)))
        if deadline is not None:
            when = max(when, deadline + timedelta(days=1))
        return when

    # the day --------------------------------------------------------------------------

    def run(self, eligible: Sequence[InvoiceState], deductions: Sequence[ActionItem], keys: frozenset[str],
            problems: list[Problem]) -> tuple[Action | None, dict[str, tuple[str, date | None]]]:
        today = self.today
        items = [self._item(s) for s in eligible]
        news = [i for i in items if i.reached is not None and i.reached > i.done]
        action: Action | None = None
        held: set[str] = set()
        if news:
            # The oldest such item sets the step: the highest step reached, ties to the earliest date.
            oldest = max(news, key=lambda i: (i.reached, -i.ref.toordinal()))
            choice = self.target(oldest, oldest.reached)  # type: ignore[arg-type]
            if choice is not None:
                index, step = choice
                listed = [i for i in items if self.listable(step, index, i)]
                if listed and today >= self.allowed_from(step, self.last, self.deadline):
                    unknown = [i for i in listed if not i.state.interest_known]
                    if step.template in CLAIMING_TEMPLATES and unknown:
                        held = {i.number for i in listed}
                        problems.append(Problem(
                            "Relances", None, "Étape", step.name,
                            f"{step_label(step)} du client {self.client.code} retenue : les intérêts de "
                            f"{', '.join(i.number for i in unknown)} ne sont pas connus (taux manquant), "
                            "or ce message les chiffre",
                            "Complétez la feuille Taux (taux du semestre manquant) puis relancez « Actualiser ».",
                            severity=Severity.WARNING, code="queue.rate_missing",
                        ))
                    else:
                        candidate = self._action(step, listed, deductions)
                        if candidate.total_balance < self.settings.min_balance:
                            self.covered = {i.number for i in listed}
                        elif not keys or candidate.key not in keys:
                            action = candidate
        return action, self._plan(items, action, held)

    def _plan(self, items: Sequence[_Item], action: Action | None, held: set[str]
              ) -> dict[str, tuple[str, date | None]]:
        """Each item's next action (the written track only), once today's action counts as done."""
        if self.track is not WRITTEN:
            return {}
        today = self.today
        last, deadline = self.last, self.deadline
        if action is not None:
            last = today
            if action.step.template in DEADLINE_TEMPLATES or action.step.channel == Channel.FORMAL_NOTICE:
                deadline = max(deadline or today, payment_deadline(today, self.settings.reminder_deadline_days))
        steps, labels, after_due = self.steps, self.calendar.labels, self.calendar.after_due
        allowed: dict[int, date] = {}  # step index -> its first allowed day (a repeat has its step's gap)
        plan: dict[str, tuple[str, date | None]] = {}
        for item in items:
            number, reached = item.number, item.reached
            if number in held:
                plan[number] = (RATE_MISSING, None)
                continue
            if number in self.covered:
                plan[number] = (self.covered_label, None)
                continue
            if reached is not None and reached > item.done:  # due now
                choice, when = self.target(item, reached), today
            else:
                # The step after the highest reached or done; for an overdue item, none before the due date.
                j = max(reached if reached is not None else -1, item.done) + 1
                if item.overdue(today):
                    j = max(j, after_due)
                if j >= len(steps):
                    plan[number] = ("Scénario terminé", None)
                    continue
                choice, when = self.target(item, j), item.ref + self.calendar.offsets[j]
            if choice is None:
                plan[number] = ("Mise en demeure : relances préalables manquantes au scénario", None)
                continue
            index, step = choice
            first = allowed.get(index)
            if first is None:
                first = allowed[index] = self.allowed_from(step, last, deadline)
            plan[number] = (labels[index] if step is steps[index] else step_label(step),
                            first if first > when else when)  # the later of the two
        return plan

    # the action -------------------------------------------------------------------------

    def _listed(self, item: _Item, reminders: int, last: date | None) -> ActionItem:
        """``item`` as a message lists it, made once per client and state: the e-mail and the call
        of one day list the same (an ``ActionItem`` is frozen)."""
        key = (id(item.state), reminders, last)
        made = self.made.get(key)
        if made is None:
            made = self.made[key] = _item(item.state, self.client, self.today, self.installments.get(item.number),
                                          reminders, last)
        return made

    def _action(self, step: Step, listed: Sequence[_Item], deductions: Sequence[ActionItem]) -> Action:
        ordered = sorted(listed, key=lambda i: (i.ref, i.number))
        previous: list[Reminder] = []
        if self.reminders:
            refs = {i.number: i.ref for i in listed}
            previous = [r for r in self.reminders
                        if r.state in DELIVERED and _is_reminder(r) and r.on < self.today
                        and any(n in refs and r.on > refs[n] for n in r.invoices)]
        listing: list[ActionItem] = []
        for i in ordered:
            if not previous:
                listing.append(self._listed(i, 0, None))
                continue
            own = [r.on for r in previous if i.number in r.invoices and r.on > i.ref]
            listing.append(self._listed(i, len(own), max(own, default=None)))
        items = (*listing, *deductions)
        invoices = [i for i in items if i.kind == "invoice"]
        return Action(
            client=self.client, step=step, on=self.today, items=items,
            total_balance=sum([i.balance for i in items], ZERO),
            total_interest=sum([i.interest for i in invoices], ZERO),
            total_indemnity=sum([i.indemnity for i in invoices], ZERO),
            previous_reminders=len(previous),
            last_reminder=max(r.on for r in previous) if previous else None,
            notice_next=self._notice_next(step, listed),
        )

    def _notice_next(self, step: Step, listed: Sequence[_Item]) -> bool:
        """Whether the formal notice follows this written reminder if it stays unpaid: the
        scenario has one, and with this message every listed overdue invoice has the
        reminders it needs (``min_previous``, counted as ``_Item.after_due``). A message that
        announces the notice (« dernière relance amiable ») must be followed by it."""
        if self.track is not WRITTEN or step.channel == Channel.FORMAL_NOTICE or not self.notices:
            return False
        need = self.steps[self.notices[0]].min_previous
        overdue = [i for i in listed if i.overdue(self.today)]
        return bool(overdue) and all(i.after_due + 1 >= need for i in overdue)


def plan_position(state: InvoiceState, installments: Sequence[tuple[date, Decimal]] | None, today: date
                  ) -> tuple[Decimal, Decimal | None, date | None, Decimal | None]:
    """What a reminder asks for an invoice: (amount asked, remaining balance, next
    installment date, next installment amount).

    Off a plan: the whole balance. On an installment plan: the installments due by
    today (by the reference date when it is still to come) not covered by the
    payments, never more than the balance; ``state.due_now`` (the ledger's figure)
    wins when it is set and the item is due.
    """
    if (not installments or state.plan_due is None) and state.due_now is None:
        # Off a plan, or every installment covered (a plan for less than the invoice): the
        # reminders follow the due date, for the balance.
        return state.balance, None, None, None
    ref = _ref(state)
    cutoff = max(today, ref)
    if installments:
        due_amount = sum((amount for when, amount in installments if when <= cutoff), ZERO)
        asked = max(ZERO, min(due_amount - state.paid, state.balance))
    else:
        asked = state.balance
    if state.due_now is not None and ref <= today:
        asked = max(ZERO, min(state.due_now, state.balance))
    later = [(when, amount) for when, amount in (installments or ()) if when > cutoff]
    next_date = next_amount = None
    if later:
        next_date = later[0][0]
        through = sum((amount for when, amount in installments if when <= next_date), ZERO)  # type: ignore[union-attr]
        next_amount = cents(max(ZERO, min(through - state.paid - asked, state.balance - asked)))
    return cents(asked), state.balance, next_date, next_amount


# ActionItem's fields that have a default, with it.
_ITEM_DEFAULTS = {f.name: f.default for f in fields(ActionItem) if f.default is not MISSING}


def _action_item(values: dict[str, object]) -> ActionItem:
    """``ActionItem(**values)`` (every field given), made without the ``__init__`` a frozen
    dataclass generates (sixteen keyword arguments, one ``object.__setattr__`` per field: four
    times the cost of the dict, for every invoice a message lists). The same object: its fields
    in its ``__dict__``, equal, hashed, printed and pickled alike."""
    item = object.__new__(ActionItem)
    item.__dict__.update(values)
    return item


def _deduction(state: InvoiceState) -> ActionItem:
    inv = state.invoice
    return _action_item({
        **_ITEM_DEFAULTS, "number": inv.number, "po_number": inv.po_number, "issued": inv.issued,
        "due": state.due, "balance": state.balance, "days_late": 0, "interest": ZERO, "indemnity": ZERO,
        "kind": "credit_note",
    })


def _item(state: InvoiceState, client: Client, today: date,
          installments: Sequence[tuple[date, Decimal]] | None = None, reminders: int = 0,
          last_reminder: date | None = None) -> ActionItem:
    inv = state.invoice
    ref = _ref(state)
    # The 40 € is owed by business and public debtors only (D441-5; LAW.md §3, §5).
    indemnity = state.indemnity if client.type != ClientType.CONSUMER else ZERO
    asked, remaining, next_date, next_amount = plan_position(state, installments, today)
    on_plan = remaining is not None and (asked != state.balance or next_date is not None)
    late = (today - ref).days
    return _action_item({
        "number": inv.number, "po_number": inv.po_number, "issued": inv.issued, "due": state.due,
        "balance": asked, "days_late": late if late > 0 else 0,
        "interest": state.interest, "indemnity": indemnity, "kind": "invoice",
        "ref": ref, "interest_known": state.interest_known,
        "remaining": remaining if on_plan else None,
        "next_installment": next_date if on_plan else None,
        "next_installment_amount": next_amount if on_plan else None,
        "reminders": reminders, "last_reminder": last_reminder, "periods": state.periods,
    })
