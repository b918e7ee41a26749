"""The reminder queue as preview, send and refresh share it: load, compute, queue, decide.

``prepare`` loads the register, applies the Journal's call outcomes (promises, disputes),
computes the ledger and the queue; ``queue_sheet`` writes the ``Relances`` sheet.
Skipping or postponing one line: the ``Relances`` sheet has a ``Décision`` column a
person types into, on the line of the action:

- « Ignorer »: that action (its ``Clé``: client, step and invoices) is not sent, and its
  step counts as done for its invoices (``dunning.Reminder`` with ``state="skipped"``):
  it is never proposed again for them, even when another invoice joins the client's
  line and changes its key; the next step of the scenario comes at its date. Nothing was
  sent: it is not one of the three reminders before a formal notice, and it starts no
  gap and no deadline. It takes the client's day on its track (nothing else that day);
  the line stays shown, « ignorée », until the end of that day;
- « Reporter au JJ/MM/AAAA » (or just a date): not sent before that date; a line of the
  same client and step that lists one of its invoices under a new key (an invoice joined)
  is postponed too.

Every preview and send reads the decisions before regenerating the sheet, writes
them back on the line of the same key, and records them in the journal log (with the
run's day), so that a decision survives a regeneration of the sheet by another action.
The sheet wins for a key it shows (clearing the cell cancels the decision); the log's
last decision applies to a key the sheet no longer shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Mapping

from addin.books.base import Block, Book, GeneratedSheet
from addin.core import dunning
from addin.core.fast import choose as engine
from addin.core.ledger import Ledger
from addin.core.model import Action, Channel, Problem, Register, Settings, Severity
from addin.mail.journal import Journal, read_history
from addin.register import schema

SHEET = schema.RELANCES.fr
HEADERS = ("Date", "Client", "Nom", "Étape", "Canal", "Destinataires", "Factures", "Reste dû", "Intérêts à date",
           "Indemnités à date", "Total réclamé", "Statut", "Décision", "Clé")
FORMATS = ("date", "text", "text", "text", "text", "text", "text", "money", "money", "money", "money", "text",
           "text", "text")
WIDTHS = (11, 10, 28, 12, 16, 30, 24, 13, 14, 16, 14, 18, 22, 36)


def decision_choices(today: date) -> tuple[str, ...]:
    """What the Décision drop-down suggests: « Ignorer », or postponing one or two weeks (any other
    date or wording ``parse_decision`` reads may be typed)."""
    from datetime import timedelta

    return ("Ignorer", *(f"Reporter au {today + timedelta(days=n):%d/%m/%Y}" for n in (7, 14)))


@dataclass(frozen=True)
class Decision:
    kind: str  # "skip" | "postpone"
    until: date | None = None
    text: str = ""
    on: date | None = None  # the run's day it was taken (first read)
    shown: tuple[tuple[str, object], ...] = ()  # its line as the sheet showed it: (header, value)

    def active(self, today: date) -> bool:
        return self.kind == "skip" or (self.until is not None and today < self.until)

    @property
    def label(self) -> str:
        return "ignorée" if self.kind == "skip" else f"reportée au {self.until:%d/%m/%Y}"


@dataclass
class Prepared:
    """Everything preview and send need, computed once."""

    register: Register
    ledger: Ledger
    settings: Settings
    scenarios: dict
    history: dunning.History
    actions: list[Action]
    next_actions: dict[str, tuple[str, date | None]]
    decisions: dict[str, Decision]
    journal: Journal
    problems: list[Problem] = field(default_factory=list)
    installments: dict = field(default_factory=dict)  # invoice -> its installments (the plans' dates)
    outcomes: dict = field(default_factory=dict)  # action key -> the call outcome typed in the Journal


def parse_decision(value: object) -> Decision | None:
    """« Ignorer », « Reporter au 12/07/2025 » (or a date) → Decision; blank → None.

    Raises ValueError for anything else.
    """
    if isinstance(value, datetime):
        return Decision("postpone", value.date(), value.strftime("%d/%m/%Y"))
    if isinstance(value, date):
        return Decision("postpone", value, value.strftime("%d/%m/%Y"))
    text = str(value or "").strip()
    words = schema.normalize(text)
    if not words or words in ("envoyer", "send", "ok"):
        return None
    if words.startswith(("ignorer", "ignore", "skip", "ne pas envoyer")):
        return Decision("skip", None, text)
    m = re.search(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})", text)
    if m and (words.startswith(("report", "postpone", "apres", "after", "le ", "au ")) or words[0].isdigit()):
        day, month, year = int(m[1]), int(m[2]), int(m[3])
        year += 2000 if year < 100 else 0
        try:
            return Decision("postpone", date(year, month, day), text)
        except ValueError:
            pass
    raise ValueError(text)


def _sheet_decisions(book: Book) -> tuple[dict[str, tuple[object, int, tuple]], list[Problem]]:
    """The ``Décision`` cells of the current ``Relances`` sheet, by key (blank cells included),
    each with its row number and its line as (header, value) pairs."""
    name = schema.find_sheet(book.sheet_names(), schema.RELANCES)
    if name is None:
        return {}, []
    data = book.read_sheet(name)
    for i, row in enumerate(data.rows[:10]):
        labels = [schema.normalize(v) for v in row]
        if "cle" in labels or "key" in labels:
            key_col = labels.index("cle") if "cle" in labels else labels.index("key")
            dec_col = next((j for j, w in enumerate(labels) if w in ("decision",)), None)
            if dec_col is None:
                return {}, []
            headers = [str(v or "").strip() for v in row]
            out: dict[str, tuple[object, int, tuple]] = {}
            for offset, r in enumerate(data.rows[i + 1:]):
                key = r[key_col] if key_col < len(r) else None
                if key:
                    shown = tuple((h, r[j] if j < len(r) else None) for j, h in enumerate(headers) if h)
                    out[str(key).strip()] = (r[dec_col] if dec_col < len(r) else None, i + 2 + offset, shown)
            return out, []
    return {}, []


def read_decisions(book: Book, journal: Journal, today: date | None = None
                   ) -> tuple[dict[str, Decision], list[Problem]]:
    """Decisions from the ``Relances`` sheet (recorded in the log, dated ``today`` when new) and,
    for keys it no longer shows, from the log."""
    cells, problems = _sheet_decisions(book)
    logged = journal.dated_decisions()
    decisions: dict[str, Decision] = {}
    for key, (value, row, shown) in cells.items():
        try:
            decision = parse_decision(value)
        except ValueError:
            problems.append(Problem(SHEET, row, "Décision", value, f"décision illisible « {value} »",
                                    "Écrivez « Ignorer » ou « Reporter au JJ/MM/AAAA », ou videz la cellule.",
                                    severity=Severity.WARNING, code="queue.decision"))
            continue
        text = "" if decision is None else decision.text
        on = logged[key][1] if key in logged else None
        if logged.get(key, ("",))[0] != text:
            journal.decide(key, text, today)
            on = today
        if decision is not None:
            decisions[key] = replace(decision, on=on, shown=shown)
    for key, (text, on) in logged.items():
        if key in cells or not text:
            continue
        try:
            decision = parse_decision(text)
        except ValueError:
            continue
        if decision is not None:
            decisions[key] = replace(decision, on=on)
    return decisions, problems


def split_key(key: str) -> tuple[str, str, str, tuple[str, ...]] | None:
    """An action key (``Action.key``) → (client, scenario, step, invoice numbers); None if unreadable."""
    parts = key.split("|")
    if len(parts) < 4:
        return None
    numbers = tuple(n for n in parts[-1].split(",") if n)
    return parts[0], "|".join(parts[1:-2]), parts[-2], numbers


def skipped_steps(decisions: Mapping[str, Decision], history: dunning.History, scenarios: Mapping,
                  today: date) -> tuple[dunning.Reminder, ...]:
    """The lines a person marked « Ignorer », as steps done for their invoices (``state="skipped"``):
    not sent, so neither a reminder nor a gap nor a deadline (``addin.core.dunning``)."""
    done = history.keys()
    out = []
    for key, decision in decisions.items():
        parts = split_key(key)
        if decision.kind != "skip" or key in done or parts is None:
            continue
        client, scenario, step, numbers = parts
        out.append(dunning.Reminder(client, numbers, step, dunning.step_channel(scenarios, scenario, step),
                                    decision.on or today, key=key, state=dunning.SKIPPED))
    return tuple(out)


def _inherit_postponements(actions: list[Action], decisions: dict[str, Decision], today: date) -> None:
    """A postponed line whose key changed (an invoice joined or left the client's line) stays
    postponed: the new key of the same client and step that lists one of its invoices gets it."""
    postponed = [(parts, d) for key, d in decisions.items()
                 if d.kind == "postpone" and d.active(today) and (parts := split_key(key)) is not None]
    if not postponed:
        return
    for action in actions:
        if action.key in decisions:
            continue
        numbers = {i.number for i in action.items if i.kind == "invoice"}
        for (client, scenario, step, invoices), decision in postponed:
            if (client, scenario, step) == (action.client.code, action.step.scenario, action.step.name) \
                    and numbers & set(invoices):
                decisions[action.key] = replace(decision, shown=())
                break


def ignored_today(actions: list[Action], decisions: Mapping[str, Decision], today: date
                  ) -> list[tuple[str, Decision]]:
    """The lines ignored today that the queue no longer proposes (their step counts as done):
    shown until the end of the day, « ignorée », so that the person sees the decision taken."""
    keys = {a.key for a in actions}
    return [(key, d) for key, d in decisions.items()
            if d.kind == "skip" and d.on == today and d.shown and key not in keys]


def prepare(book: Book, *, today: date, book_path: Path, journal: Journal | None = None) -> Prepared:
    """Load, compute and queue: the part of preview and send that changes nothing but the log."""
    from addin.register.load import load
    from addin.register.scenarios import load_scenarios

    if journal is None:  # the log that follows the workbook through links, copies and moves
        from addin.mail.identity import book_id_of, find

        journal = find(book_path, book_id_of(book))
    register, problems = load(book)
    try:
        from addin.register.load import load_rates

        rates, rate_problems = load_rates(book)
        problems = problems + rate_problems
    except ImportError:  # pragma: no cover - older register loader
        from addin.core.rates import RateTable

        rates = RateTable.shipped()
    history, history_problems = read_history(book, journal)
    # A promise or a dispute noted in the Journal (a call's outcome) is the invoice's own: its
    # Statut, the forecast and every report follow it, not only the queue.
    register = with_journal_notes(register, history)
    ledger, ledger_problems = engine(register)(register, today, rates)
    ledger = _flag_missing_rates(ledger, ledger_problems)
    scenarios, scenario_problems = load_scenarios(book)
    decisions, decision_problems = read_decisions(book, journal, today)
    # « Ignorer »: the step counts as done for its invoices (a new key for them never brings it back).
    history = replace(history, reminders=history.reminders + skipped_steps(decisions, history, scenarios, today))
    installments = installments_by_invoice(register.plan_steps)
    queue_problems: list[Problem] = []
    actions, next_actions = dunning.queue(ledger.states, register.clients, scenarios, history, register.settings,
                                          today, ledger.credits, installments=installments, problems=queue_problems)
    _inherit_postponements(actions, decisions, today)
    all_problems = [*problems, *ledger_problems, *scenario_problems, *history_problems, *decision_problems,
                    *dunning.check_scenarios(register.clients, scenarios), *queue_problems]
    if journal.location_note:  # a OneDrive/SharePoint or unsaved workbook: its files are elsewhere
        all_problems.append(Problem("Journal", None, None, None, journal.location_note,
                                    "Enregistrez le classeur dans un dossier de cet ordinateur (ou synchronisé) "
                                    "pour garder le journal d'envoi à côté de lui.",
                                    severity=Severity.WARNING, code="journal.location"))
    return Prepared(register, ledger, register.settings, scenarios, history, actions, next_actions, decisions,
                    journal, all_problems, dict(installments), journal_outcomes(book))


def with_journal_notes(register: Register, history: dunning.History) -> Register:
    """The register's invoices with the promises and disputes the Journal notes (call outcomes).

    A promise: the latest date wins, the typed *Promesse de paiement* included. A dispute: a
    typed *Litige* stays; else the Journal's reason (a note lifted by « levé » is no longer in
    the history). A note without invoices concerns all the client's invoices. Credit notes are
    left alone.
    """
    if not history.promises and not history.disputes:
        return register
    promises: dict[str, list[dunning.Promise]] = {}
    disputes: dict[str, list[dunning.Dispute]] = {}
    for p in history.promises:
        promises.setdefault(p.client, []).append(p)
    for d in history.disputes:
        disputes.setdefault(d.client, []).append(d)
    invoices = []
    changed = False
    for inv in register.invoices:
        if inv.is_credit_note or (inv.client not in promises and inv.client not in disputes):
            invoices.append(inv)
            continue
        dates = [p.until for p in promises.get(inv.client, ()) if not p.invoices or inv.number in p.invoices]
        promise = max([d for d in (inv.promise, *dates) if d is not None], default=None)
        dispute = inv.dispute.strip() or next(
            (d.reason or "litige" for d in disputes.get(inv.client, ()) if not d.invoices or inv.number in d.invoices), "")
        if promise != inv.promise or dispute != inv.dispute.strip():
            inv = replace(inv, promise=promise, dispute=dispute or inv.dispute)
            changed = True
        invoices.append(inv)
    return replace(register, invoices=tuple(invoices)) if changed else register


def _flag_missing_rates(ledger: Ledger, problems: list[Problem]) -> Ledger:
    """Mark ``interest_known=False`` on the invoices whose interest the rate table could not
    give (the ledger's « rates.missing » problems, by row), so that no message states it.

    A bridge for a ledger that does not set the flag itself; harmless once it does.
    """
    rows = {p.row for p in problems if p.code == "rates.missing" and p.row is not None}
    if not rows:
        return ledger
    states = tuple(replace(s, interest_known=False) if s.invoice.row in rows else s for s in ledger.states)
    return replace(ledger, states=states)


def installments_by_invoice(plan_steps) -> dict:
    """Invoice -> its installments (date, amount): the invoices an installment plan spreads.

    The ledger's own rule (``addin.core.ledger``), so that a reminder asks for the installments
    the ledger counts as due.
    """
    from addin.core.ledger import installments_by_invoice as by_invoice

    return dict(by_invoice(plan_steps))


def safe_name(text: str) -> str:
    """A piece of a file name: letters, digits and ``+_.-`` only (at most 40)."""
    return re.sub(r"[^0-9A-Za-z+_.-]+", "_", text).strip("_")[:40] or "x"


def file_stem(n: int, action: Action) -> str:
    """The file name (without extension) of the day's ``n``-th action: ``01-C002-J+7``. Aperçu's
    files and the outbox's drafts of the same day carry the same name."""
    return f"{n:02d}-{safe_name(action.client.code)}-{safe_name(action.step.name)}"


# --- the Relances sheet ------------------------------------------------------------------


def status(action: Action, journal: Journal, decision: Decision | None, today: date) -> str:
    """The ``Statut`` of one queued action."""
    if decision is not None and decision.active(today):
        return decision.label
    entry = journal.entries().get(action.key)
    state = entry.state if entry else None
    if action.step.channel == Channel.PHONE:
        return "à appeler"
    if action.step.channel == Channel.LETTER:
        return "courrier à envoyer" if state is None else "courrier à faire"
    if state == "sent":
        return "brouillon préparé" if entry is not None and entry.prepared else "déjà fait"
    if state == "unknown":
        return "à vérifier"
    if state == "partial":
        return "envoyé partiellement"
    if state == "failed" and entry is not None and entry.permanent:
        return "échec définitif"
    if state == "failed":
        return "échec, sera renvoyé"
    return "à envoyer"


def claimed(action: Action) -> Decimal:
    """What the message asks the client to pay (the composer's own rule)."""
    from addin.mail.claims import amount_to_pay

    return amount_to_pay(action)


def to_date(action: Action) -> tuple[Decimal | None, Decimal]:
    """The late interest (None while a listed invoice's is not known) and the indemnities the
    listed invoices carry today (none for a consumer, LAW.md §5)."""
    invoices = [i for i in action.items if i.kind == "invoice"]
    interest = None if any(not i.interest_known for i in invoices) else sum((i.interest for i in invoices), Decimal(0))
    indemnity = sum((i.indemnity for i in invoices), Decimal(0))
    return interest, indemnity


def recipients(action: Action) -> str:
    if action.step.channel == Channel.PHONE:  # the number to dial, else the address to write to
        return "; ".join(x for x in (action.client.phone or action.client.email,) if x)
    emails = [action.client.email, action.client.email_cc]
    return "; ".join(e for e in emails if e)


def journal_outcomes(book: Book) -> dict[str, str]:
    """The outcome a person typed on each row of the ``Journal`` sheet that Relance wrote (its
    ``Clé``): the call's *Issue de l'appel*, else a *Résultat* other than Relance's own."""
    name = schema.find_sheet(book.sheet_names(), schema.JOURNAL)
    if name is None:
        return {}
    data = book.read_sheet(name)
    header = schema.locate_header(data, schema.JOURNAL)
    if header.row is None or "key" not in header.columns:
        return {}
    out: dict[str, str] = {}
    for row in data.rows[header.row:]:
        def cell(k: str) -> str:
            j = header.columns.get(k)
            value = row[j - 1] if j is not None and j <= len(row) else None
            return "" if value is None else str(value).strip()
        key = cell("key")
        outcome = cell("outcome")
        promise = row[header.columns["promise_date"] - 1] if header.columns.get("promise_date", 99) <= len(row) else None
        if key and outcome:
            if isinstance(promise, (date, datetime)):
                outcome += f" ({promise:%d/%m/%Y})"
            out[key] = outcome
    return out


def done_today(actions: list[Action], journal: Journal, today: date, clients=(),
               outcomes: Mapping[str, str] | None = None) -> list[tuple]:
    """The day's actions the queue no longer proposes because they were done today (sent,
    prepared as drafts, calls and letters handed to a person), as ``Relances`` rows with their
    outcome: a second Aperçu, Envoyer or Actualiser the same day keeps them in sight."""
    listed = {a.key for a in actions}
    by_code = {c.code: c for c in clients}
    rows = []
    for e in journal.entries().values():
        if e.state is None or e.key in listed or (e.on or e.at.date()) != today:
            continue
        client = by_code.get(e.client)
        try:
            channel = Channel(e.channel)
        except ValueError:
            channel = None
        outcome = (outcomes or {}).get(e.key, "")
        if channel == Channel.PHONE:
            shown = "; ".join(x for x in ((client.phone or client.email) if client else "",) if x)
            state = outcome or ("appel fait" if e.state == "sent" else "à appeler")
        elif channel == Channel.LETTER:
            shown = ""
            state = outcome or ("lettre à poster" if e.step.endswith("LRAR") else "courrier à envoyer")
        else:
            shown = "; ".join(e.recipients)
            state = outcome or e.result_label
        rows.append((today, e.client, client.name if client else "", e.step,
                     dunning.CHANNEL_LABELS.get(channel, e.channel) if channel else e.channel, shown,
                     ", ".join(e.invoices), None, None, None, None, state, "", e.key))
    return rows


def queue_sheet(actions: list[Action], journal: Journal, decisions: Mapping[str, Decision], today: date,
                statuses: Mapping[str, str] | None = None, *, clients=(),
                outcomes: Mapping[str, str] | None = None) -> GeneratedSheet:
    from addin.mail.claims import claim

    rows = []
    for a in actions:
        decision = decisions.get(a.key)
        # « Reste dû »: what is due now (installments due on a plan), net of the credit listed;
        # « Intérêts à date » / « Indemnités à date »: what the listed invoices carry today,
        # whatever the step (blank while a rate is missing); « Total réclamé »: what the message
        # asks — interest and indemnity only on the steps that claim them.
        asked = claim(a)
        interest, indemnity = to_date(a)
        rows.append((
            a.on, a.client.code, a.client.name, a.step.name, dunning.CHANNEL_LABELS[a.step.channel],
            recipients(a), ", ".join(i.number for i in a.items if i.kind == "invoice"),
            asked.balance, interest, indemnity, asked.total,
            (statuses or {}).get(a.key) or status(a, journal, decision, today),
            decision.text if decision is not None else "", a.key,
        ))
    for key, decision in ignored_today(actions, decisions, today):  # taken today: still shown
        shown = dict(decision.shown)
        rows.append(tuple(shown.get(h) for h in HEADERS[:-3]) + (decision.label, decision.text, key))
    rows.extend(done_today(actions, journal, today, clients, outcomes))
    return GeneratedSheet(
        SHEET,
        (Block(f"Relances du {today:%d/%m/%Y}", HEADERS, tuple(rows), FORMATS, WIDTHS,
               choices=((HEADERS.index("Décision") + 1, decision_choices(today)),)),),
        note=("File des relances du jour, recalculée à chaque Aperçu / Envoi. Colonne Décision : "
              "« Ignorer » ou « Reporter au JJ/MM/AAAA » ; elle est conservée d'un calcul à l'autre."),
    )
