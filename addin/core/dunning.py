"""Reminder scenarios and the reminder queue (pure: no I/O).

A *scenario* is a list of ``Step`` s, each ``offset_days`` from an invoice's due
date (the next installment date when the invoice is on a plan). Steps live on two
tracks that do not compete with each other:

- the *written* track (e-mail, letter, formal notice): what the client receives;
- the *phone* track (``Appel``): a task for a person, which may accompany the
  e-mail of the same day (seed practice: an e-mail and a phone call at D+7).

``queue`` turns the computed ledger, the clients and the journal's ``History``
into today's actions, with these rules (each has a test in
``tests/core/test_dunning.py``):

- one action per client and track, listing all that client's open items; the
  oldest item (the highest step reached) sets the step;
- only the highest step reached is proposed, once: a step whose date passed while
  Relance was not run is never replayed as a backlog;
- a step already done for every listed invoice (or the same action key) is never
  proposed again, so running twice a day proposes nothing the second time;
- at most one step per client, track and day, and ``min_gap_days`` since the
  client's previous reminder on that track;
- a step with ``min_previous`` (the formal notice: at least three reminders before
  it, seed practice, LAW.md §7) waits until the oldest invoice has had that many
  written reminders; meanwhile the lowest post-due reminder not yet done for it is
  proposed instead, so the escalation catches up one reminder at a time;
- skipped: paid items, credit notes (listed as deductions instead), residuals
  below ``Settings.min_balance``, disputed invoices (the ``Litige`` column or a
  dispute in the journal: only that invoice pauses), invoices under a promise to
  pay until its date (inclusive), clients on hold, invoices in error;
- credit notes and unallocated payments are listed as deductions; interest and the
  40 € indemnity come from the ledger, never a flat fee; the indemnity is claimed
  only from business and public debtors, once per invoice (L441-10 II, D441-5;
  LAW.md §3, §5).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Iterable, Mapping, Sequence

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
)

PRO = ClientType.BUSINESS.value
PUBLIC = ClientType.PUBLIC.value
CONSUMER = ClientType.CONSUMER.value

# Templates the mail composer ships (mail_templates/<lang>/<name>.*).
TEMPLATES = frozenset({
    "avant_echeance", "echeance", "relance_1", "relance_2", "relance_3", "mise_en_demeure",
    "particulier_1", "particulier_2", "appel",
})

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
# calendar is stretched. Consumers get a gentler calendar with their own templates;
# their formal notice comes after two reminders, and it matters: it starts the legal
# interest (Code civil 1231-6, LAW.md §5).
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
    _s(CONSUMER, "J+30", 30, M, "mise_en_demeure", previous=2),
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
    by a person in the Journal sheet).
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

    def of_client(self, code: str) -> list[Reminder]:
        return [r for r in self.reminders if r.client == code]


def last_reminders(history: History) -> dict[str, date]:
    """Per invoice number, the date of its last written reminder (``Dernière relance``)."""
    last: dict[str, date] = {}
    for r in history.reminders:
        if r.channel is not None and r.channel not in WRITTEN:
            continue
        for number in r.invoices:
            if number not in last or r.on > last[number]:
                last[number] = r.on
    return last


def promised_until(history: History, client: str, number: str) -> date | None:
    dates = [p.until for p in history.promises
             if p.client == client and (not p.invoices or number in p.invoices)]
    return max(dates) if dates else None


def dispute_reason(history: History, client: str, number: str) -> str | None:
    for d in history.disputes:
        if d.client == client and (not d.invoices or number in d.invoices):
            return d.reason or "litige"
    return None


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


def queue(
    ledger_states: Sequence[InvoiceState],
    clients: Sequence[Client],
    scenarios: Mapping[str, Sequence[Step]],
    history: History,
    settings: Settings,
    today: date,
    credits: Mapping[str, Decimal] | None = None,
) -> tuple[list[Action], dict[str, tuple[str, date | None]]]:
    """Today's actions and, per invoice number, its next action (label, date).

    Args:
        ledger_states: the ledger's states (invoices and credit notes).
        clients: the register's clients, in the order the queue should follow.
        scenarios: scenario name -> steps (``DEFAULTS`` or the ``Scénarios`` sheet).
        history: what the journal says was done.
        settings: for ``min_balance``.
        today: the day of the run.
        credits: client -> unallocated payments (the ledger's ``credits``).
    Returns:
        (actions, next_actions). Unknown scenario names are reported by
        ``check_scenarios``.
    """
    credits = credits or {}
    by_client: dict[str, list[InvoiceState]] = defaultdict(list)
    for state in ledger_states:
        by_client[state.invoice.client].append(state)

    actions: list[Action] = []
    nexts: dict[str, tuple[str, date | None]] = {}
    for client in clients:
        states = by_client.get(client.code, [])
        if not states and not credits.get(client.code):
            continue
        steps, _ = scenario_for(client, scenarios)
        eligible, deductions = _sort_items(client, states, history, settings, today, nexts)
        credit = credits.get(client.code, ZERO)
        if credit > 0:
            deductions.append(ActionItem(  # no number: each template names it in its language
                number="", po_number="", issued=None, due=None,
                balance=-credit, days_late=0, interest=ZERO, indemnity=ZERO,
                kind="unallocated_payment",
            ))
        reminders = history.of_client(client.code)
        keys = history.keys()
        today_numbers: dict[str, str] = {}
        for track in (WRITTEN, PHONE):
            track_steps = tuple(s for s in steps if s.channel in track)
            if not track_steps or not eligible:
                continue
            track_reminders = [r for r in reminders if _in_track(r, track)]
            action, plan = _track(client, track_steps, track, eligible, deductions, track_reminders,
                                  keys, settings, today)
            if action is not None:
                actions.append(action)
                for item in action.items:
                    if item.kind == "invoice":
                        today_numbers.setdefault(item.number, step_label(action.step))
            if track is WRITTEN:
                nexts.update(plan)
        for number, label in today_numbers.items():
            nexts[number] = (label, today)
    return actions, nexts


def _in_track(reminder: Reminder, track: frozenset[Channel]) -> bool:
    if reminder.channel is None:  # a manual row without a channel: a written reminder
        return track is WRITTEN
    return reminder.channel in track


def _sort_items(
    client: Client, states: Sequence[InvoiceState], history: History, settings: Settings,
    today: date, nexts: dict[str, tuple[str, date | None]],
) -> tuple[list[InvoiceState], list[ActionItem]]:
    """Split the client's states into invoices to chase and deductions; record why
    the others are not chased in ``nexts``."""
    eligible: list[InvoiceState] = []
    deductions: list[ActionItem] = []
    for s in states:
        inv = s.invoice
        if s.status == Status.CREDIT_NOTE or inv.is_credit_note:
            if s.balance < 0:
                deductions.append(_item(s, client, kind="credit_note"))
            nexts[inv.number] = ("", None)
            continue
        if s.status == Status.PAID or s.balance <= 0:
            nexts[inv.number] = ("", None)
            continue
        if s.status == Status.ERROR or s.due is None:
            nexts[inv.number] = ("À corriger (voir Anomalies)", None)
            continue
        if s.balance < settings.min_balance:
            nexts[inv.number] = ("Solde sous le minimum relancé", None)
            continue
        if client.on_hold:
            nexts[inv.number] = ("Relances suspendues", None)
            continue
        reason = inv.dispute.strip() or dispute_reason(history, client.code, inv.number)
        if reason:
            nexts[inv.number] = (f"En litige : {reason}", None)
            continue
        promised = max([d for d in (inv.promise, promised_until(history, client.code, inv.number)) if d],
                       default=None)
        if promised is not None and today <= promised:
            nexts[inv.number] = ("Promesse de paiement", promised + timedelta(days=1))
            continue
        eligible.append(s)
    return eligible, deductions


def _ref(state: InvoiceState) -> date:
    """The date reminders follow: the next installment when on a plan, else the due date."""
    return state.plan_due or state.due  # type: ignore[return-value]


def _reached(steps: Sequence[Step], ref: date, today: date) -> int | None:
    reached = None
    for index, step in enumerate(steps):
        if ref + timedelta(days=step.offset_days) <= today:
            reached = index
    return reached


def _track(
    client: Client, steps: tuple[Step, ...], track: frozenset[Channel], eligible: Sequence[InvoiceState],
    deductions: Sequence[ActionItem], reminders: Sequence[Reminder], keys: frozenset[str],
    settings: Settings, today: date,
) -> tuple[Action | None, dict[str, tuple[str, date | None]]]:
    names = {s.name: i for i, s in enumerate(steps)}
    done: dict[str, int] = {}  # invoice -> highest step index done
    done_sets: dict[str, set[int]] = defaultdict(set)
    count: dict[str, int] = defaultdict(int)  # invoice -> reminders done on this track
    for r in reminders:
        index = names.get(r.step)
        for number in r.invoices:
            count[number] += 1
            if index is not None:
                done_sets[number].add(index)
                done[number] = max(done.get(number, -1), index)
    last = max((r.on for r in reminders), default=None)

    reached = {s.invoice.number: _reached(steps, _ref(s), today) for s in eligible}
    started = [s for s in eligible if reached[s.invoice.number] is not None]
    # Only an item that has not yet had the step its age has reached has something new to
    # say: an invoice that already had its formal notice never triggers a second one when a
    # newer invoice of the same client falls due (the newer one follows its own steps).
    news = [s for s in started if done.get(s.invoice.number, -1) < reached[s.invoice.number]]

    action = None
    blocked_until: date | None = None
    waiting: dict[str, Step] = {}  # invoice -> the step due now but held back (gap)
    if news:
        # The oldest such item sets the step: the highest step reached, ties to the earliest date.
        oldest = max(news, key=lambda s: (reached[s.invoice.number], -_ref(s).toordinal()))
        index = reached[oldest.invoice.number]
        step = steps[index]
        catching_up = False
        if step.min_previous and count[oldest.invoice.number] < step.min_previous:
            index = _catch_up(steps, index, done_sets[oldest.invoice.number])
            catching_up = True
        if index is not None:
            step = steps[index]
            listed = [s for s in started if _listable(step, s, today)]
            gap_ok = last is None or (last < today and (today - last).days >= step.min_gap_days)
            if not gap_ok and last is not None:
                blocked_until = max(last + timedelta(days=step.min_gap_days), last + timedelta(days=1))
                waiting = {s.invoice.number: step for s in listed if index not in done_sets[s.invoice.number]}
            # Done for every listed invoice (this step or a later one): nothing new to say.
            pending = any(index not in done_sets[s.invoice.number]
                          and (catching_up or done.get(s.invoice.number, -1) < index) for s in listed)
            if listed and pending and gap_ok:
                candidate = _action(client, step, today, listed, deductions)
                if candidate.key not in keys and candidate.total_balance >= settings.min_balance:
                    action = candidate

    plan: dict[str, tuple[str, date | None]] = {}
    if track is WRITTEN:
        for s in eligible:
            number = s.invoice.number
            if number in waiting and blocked_until is not None:
                plan[number] = (step_label(waiting[number]), blocked_until)
                continue
            after = max(reached[number] if reached[number] is not None else -1, done.get(number, -1))
            if after + 1 >= len(steps):
                plan[number] = ("Scénario terminé", None)
                continue
            nxt = steps[after + 1]
            when = _ref(s) + timedelta(days=nxt.offset_days)
            if last is not None:
                when = max(when, last + timedelta(days=max(nxt.min_gap_days, 1)))
            if blocked_until is not None:
                when = max(when, blocked_until)
            plan[number] = (step_label(nxt), when)
    return action, plan


def _catch_up(steps: Sequence[Step], index: int, done: set[int]) -> int | None:
    """When a step waits for more previous reminders: the lowest post-due reminder not yet
    done for the oldest invoice (None when none is left)."""
    for i in range(index):
        if i not in done and steps[i].offset_days > 0 and not steps[i].min_previous:
            return i
    return None


def _listable(step: Step, state: InvoiceState, today: date) -> bool:
    """Which open items a step lists: before the due date, every item that entered the
    scenario; after it, the items due; a formal notice only the items overdue."""
    ref = _ref(state)
    if step.channel == Channel.FORMAL_NOTICE:
        return ref < today
    if step.offset_days > 0:
        return ref <= today
    return True


def _item(state: InvoiceState, client: Client, kind: str = "invoice") -> ActionItem:
    inv = state.invoice
    # The 40 € is owed by business and public debtors only (D441-5; LAW.md §3, §5).
    indemnity = state.indemnity if client.type != ClientType.CONSUMER else ZERO
    return ActionItem(
        number=inv.number, po_number=inv.po_number, issued=inv.issued, due=state.due,
        balance=state.balance, days_late=state.days_late,
        interest=state.interest if kind == "invoice" else ZERO,
        indemnity=indemnity if kind == "invoice" else ZERO, kind=kind,
    )


def _action(client: Client, step: Step, today: date, listed: Sequence[InvoiceState],
            deductions: Sequence[ActionItem]) -> Action:
    items = tuple(_item(s, client) for s in sorted(listed, key=lambda s: (_ref(s), s.invoice.number)))
    items += tuple(deductions)
    return Action(
        client=client, step=step, on=today, items=items,
        total_balance=sum((i.balance for i in items), ZERO),
        total_interest=sum((i.interest for i in items if i.kind == "invoice"), ZERO),
        total_indemnity=sum((i.indemnity for i in items if i.kind == "invoice"), ZERO),
    )
