"""Actualiser: compute everything and write it back, touching only what Relance owns.

Three phases, in this order, so that the live book (Excel) is never read after
it is first written and makes a number of calls that does not grow with the
register:

1. **read**: every sheet Relance needs, once each, into a ``Snapshot``
   (``addin.register.snapshot``); the loaders read from it;
2. **compute**: the ledger, the queue, and every write as data (``Cells``
   blocks and ``GeneratedSheet``s), from the snapshot alone;
3. **write**: the blocks, then the generated sheets, then one save (atomic,
   with a backup, for a file).

What is written:
- the computed columns of ``Factures`` (shaded in the template; a computed column
  missing from the user's sheet is appended after the last used column, its header
  in the language of the others), in contiguous blocks that never cover a user
  column nor a totals row (``load.totals_rows``);
- the ``Statut de l'étape`` column of ``Échéanciers`` (one block), and the
  ``Montant`` cells Relance owns — blank, or still what it wrote last time — from
  the step's percentage, one block per run of adjacent cells (a typed amount is
  never overwritten);
- the generated sheets ``Relances`` (today's queue, with the user's
  ``Commentaire`` carried over by line key), ``Anomalies`` (« Problems » in an
  English register), ``Taux`` when the workbook has none, and the hidden
  ``_Relance`` record of what Relance wrote (``addin.register.record``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import Mapping, Sequence

from addin.books.base import Block, Book, GeneratedSheet, SheetData
from addin.actions.queue import Prepared, prepare, queue_sheet
from addin.core import dunning
from addin.core.ledger import Ledger
from addin.core.model import ZERO, InvoiceState, Problem, Register, Severity, Status, cents
from addin.core.plans import plan_amounts
from addin.mail.identity import book_id_of, find
from addin.mail.journal import Journal
from addin.register import schema
from addin.register.record import Record, read_record, record_sheet
from addin.register.snapshot import Snapshot

ANOMALY_HEADERS = tuple(c.fr for c in schema.ANOMALIES.columns)


@dataclass(frozen=True)
class RefreshResult:
    summary: str
    problems: tuple[Problem, ...] = ()
    actions: int = 0
    totals: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Cells:
    """One rectangular block to write (the arguments of ``Book.write_cells``)."""

    sheet: str
    row: int
    column: int
    values: tuple[tuple[object, ...], ...]
    formats: tuple[str, ...] = ()


def write_all(book: Book, cells: Sequence[Cells], sheets: Sequence[GeneratedSheet] = ()) -> None:
    for c in cells:
        book.write_cells(c.sheet, c.row, c.column, c.values, c.formats)
    for sheet in sheets:
        book.write_generated(sheet)


@dataclass(frozen=True)
class Writes:
    """Everything a refresh writes, computed from one snapshot (phase 2), and its result."""

    cells: tuple[Cells, ...]
    sheets: tuple[GeneratedSheet, ...]
    result: RefreshResult


def run(book: Book, *, today: date, book_path: Path | None = None, progress=None) -> RefreshResult:
    """Compute the register as of ``today`` and write the computed columns and sheets."""
    from addin.imports import reconcile
    from addin.register.snapshot import READ

    book_path = Path(book_path or getattr(book, "path"))
    book.progress(0.1, "Relance : lecture du classeur…")
    snapshot = Snapshot.read(book, READ + reconcile.SHEETS)  # the only reads
    bank = reconcile.run(snapshot, today=today)  # the decisions typed in Rapprochement, as payments
    journal = find(book_path, book_id_of(snapshot))  # read once: the queue's history and the rows to restore
    writes = compute_writes(bank.snapshot, today=today, book_path=book_path, extra_problems=bank.problems,
                            journal=journal)
    book.progress(0.5, "Relance : écriture des résultats…")
    bank.write(book)
    write_all(book, writes.cells, writes.sheets)
    restore_journal_rows(book, snapshot, journal)
    book.progress(0.9, "Relance : enregistrement…")
    book.save()
    book.progress(1.0, "")
    done = bank.summary()
    return replace(writes.result, summary="\n".join([*done, writes.result.summary])) if done else writes.result


def restore_journal_rows(book: Book, snapshot: Snapshot, journal: Journal) -> list[Problem]:
    """The *Journal* rows of the sends the log holds and the sheet does not show (a send whose
    save failed, a workbook copied or moved before it was saved): appended, as the next send
    would, without sending anything. ``journal`` is the log the send uses (found by the workbook's
    identity, ``addin.mail.identity.find``) and is only read; the workbook's lock, held by the
    command, keeps a send out meanwhile. A workbook never sent from gets no *Journal* sheet."""
    from addin.mail.journal import sync_sheet

    book_id = book_id_of(snapshot)
    if book_id and journal.book_id() not in ("", book_id):
        return []  # another workbook's log beside this one (a copy over it): « Envoyer » refuses it
    if not any(entry.state is not None for entry in journal.entries().values()):
        return []
    return sync_sheet(book, journal, snapshot)


def compute_writes(snapshot: Snapshot, *, today: date, book_path: Path,
                   extra_problems: Sequence[Problem] = (), journal: Journal | None = None) -> Writes:
    """Phase 2: the ledger, the queue and every write, from the snapshot alone (``extra_problems``:
    the bank import's, shown in Anomalies with the register's; ``journal``: the send log when the
    caller found it already, else ``queue.prepare`` finds it)."""

    prepared = prepare(snapshot, today=today, book_path=book_path, journal=journal)
    last = dunning.last_reminders(prepared.history)
    old_record = read_record(snapshot.data(schema.RECORD)[1])
    cells = factures_cells(snapshot, prepared.register, prepared.ledger, prepared.next_actions, last)
    plan_cells, plan_problems, amounts = plans_cells(snapshot, prepared.register, prepared.ledger, today, old_record)
    problems = as_named_in(snapshot, [*prepared.problems, *plan_problems, *extra_problems])
    lang = register_language(snapshot)
    problems_name = schema.find_sheet(snapshot.names, schema.ANOMALIES) or (
        schema.ANOMALIES.en if lang == "en" else schema.ANOMALIES.fr)
    queue, comments = with_comments(queue_sheet(prepared.actions, prepared.journal, prepared.decisions, today,
                                                clients=prepared.register.clients, outcomes=prepared.outcomes),
                                    snapshot.data(schema.RELANCES)[1], old_record)
    record = Record(amounts, comments, old_record.book_id)
    sheets = [queue, anomalies_sheet(problems, today, lang, problems_name)]
    if schema.find_sheet(snapshot.names, schema.TAUX) is None:
        sheets.append(rates_sheet())
    if record.plan_amounts or record.comments or record.book_id or schema.find_sheet(snapshot.names, schema.RECORD) is not None:
        sheets.append(record_sheet(record))
    totals = totals_of(prepared.ledger.states, today)
    result = RefreshResult(summary_text(totals, len(prepared.actions), problems, today, book_path, problems_name),
                           tuple(problems), len(prepared.actions), totals)
    return Writes(tuple([*cells, *plan_cells]), tuple(sheets), result)


# --- Factures ----------------------------------------------------------------------------

_COMPUTED_KEYS = tuple(c.key for c in schema.FACTURES.columns if c.computed)
_FORMATS = {"date": "date", "money": "money", "int": "int", "percent": "percent"}


def write_computed(book: Book, register: Register, ledger: Ledger,
                   next_actions: Mapping[str, tuple[str, date | None]],
                   last_reminders: Mapping[str, date] | None = None) -> None:
    """Read ``Factures`` and write its computed columns (for preview and send, which have
    no snapshot; refresh uses ``factures_cells`` on the snapshot it read first)."""
    name = schema.find_sheet(book.sheet_names(), schema.FACTURES)
    if name is None:
        return
    snapshot = Snapshot(tuple(book.sheet_names()), {name: book.read_sheet(name)})
    write_all(book, factures_cells(snapshot, register, ledger, next_actions, last_reminders))


def factures_cells(snapshot: Snapshot, register: Register, ledger: Ledger,
                   next_actions: Mapping[str, tuple[str, date | None]],
                   last_reminders: Mapping[str, date] | None = None) -> list[Cells]:
    """The computed columns of ``Factures``, row by row of the sheet, as blocks to write.

    Rows that hold no loaded invoice get blanks (an empty row, or one with only the
    user's own columns filled) or ``Erreur`` (a row the loader left out, with its
    anomaly), so that no stale result survives. Totals rows (``load.totals_rows``: a
    table's Total row, a ``=SUM`` under the invoices) are not written at all: their
    formulas stay.
    """
    from addin.register.load import totals_rows

    name, data = snapshot.data(schema.FACTURES)
    if data is None:
        return []
    header = schema.locate_header(data, schema.FACTURES)
    if header.row is None:
        return []
    last_reminders = last_reminders or {}
    by_row = {s.invoice.row: s for s in ledger.states if s.invoice.row is not None}
    first = header.row + 1
    last = max([len(data.rows), *by_row], default=header.row)
    if last < first:
        return []
    keys = sorted(_COMPUTED_KEYS, key=lambda k: header.columns[k])
    inputs = [j for k, j in header.columns.items()
              if k not in header.appended and not schema.FACTURES.column(k).computed]
    skipped = totals_rows(data, header)
    # Each sheet row's computed values as one tuple in the columns' order (the blocks are made of them).
    places = [_ROW_KEYS.index(k) for k in keys]
    pick = None if places == list(range(len(_ROW_KEYS))) else (
        itemgetter(*places) if len(places) > 1 else (lambda values: (values[places[0]],)))
    empty = tuple(None for _k in keys)
    error = tuple(Status.ERROR.value if k == "status" else None for k in keys)
    computed: list[tuple[object, ...]] = []
    for row in range(first, last + 1):
        state = by_row.get(row)
        if state:
            values = computed_row(state, next_actions, last_reminders)
            computed.append(values if pick is None else pick(values))
            continue
        raw = data.rows[row - 1] if row - 1 < len(data.rows) else ()
        computed.append(empty if all(raw[j - 1] in (None, "") for j in inputs if j - 1 < len(raw)) else error)

    out = [Cells(name, header.row, header.columns[key], ((header.new_label(key),),), ("text",))
           for key in header.appended]
    rows = [None if first + i in skipped else i for i in range(last - first + 1)]
    for start, offsets in _runs(rows):  # runs of rows between totals rows
        for run in _contiguous(keys, header.columns):
            block = tuple(computed[offsets[0]:offsets[0] + len(offsets)])
            if len(run) < len(keys):
                take = [keys.index(k) for k in run]
                block = tuple(tuple(values[j] for j in take) for values in block)
            formats = tuple(_FORMATS.get(schema.FACTURES.column(k).kind, "text") for k in run)
            out.append(Cells(name, first + start, header.columns[run[0]], block, formats))
    return out


ON_PLAN = "Échéancier en cours"


def status_label(state: InvoiceState) -> str:
    """The ``Statut`` shown: the engine's, except for an invoice past its own due date that an
    installment plan spreads while no installment is due (« Échéancier en cours », not « À
    échoir » beside its days late, interest and 40 €: the plan does not stop them, LAW.md §6b)."""
    if state.status is Status.NOT_DUE and state.plan_due is not None and state.days_late > 0:
        return ON_PLAN
    return state.status.value


def computed_values(state: InvoiceState, next_actions, last_reminders) -> dict[str, object]:
    return dict(zip(_ROW_KEYS, computed_row(state, next_actions, last_reminders)))


_ROW_KEYS = ("due", "paid", "balance", "status", "days_late", "interest", "indemnity", "next_action",
             "next_action_date", "last_reminder")  # computed_row's order
_NOTHING_NEXT = ("", None)


def computed_row(state: InvoiceState, next_actions, last_reminders) -> tuple[object, ...]:
    """The computed cells of ``state``'s row, in the order of ``_ROW_KEYS`` (a tuple: a hundred
    thousand rows are made at each refresh)."""
    number = state.invoice.number
    label, when = next_actions.get(number, _NOTHING_NEXT)
    return (
        state.due, state.paid, state.balance, status_label(state), state.days_late,
        # A lower bound (a half-year missing from Taux) is not the interest owed: left empty, Anomalies says why.
        state.interest if state.interest_known else None,
        state.indemnity, label or "", when, last_reminders.get(number),
    )


def _contiguous(keys: Sequence[str], columns: Mapping[str, int]) -> list[list[str]]:
    """Split computed columns into runs of adjacent columns (a user column may sit between)."""
    runs: list[list[str]] = []
    for key in keys:
        if runs and columns[key] == columns[runs[-1][-1]] + 1:
            runs[-1].append(key)
        else:
            runs.append([key])
    return runs


# --- Échéanciers -------------------------------------------------------------------------

STEP_TO_INVOICE = "À facturer"
STEP_INVOICED = "Facturée"
STEP_PAID = "Payée"
STEP_LATE = "En retard"
STEP_UNKNOWN = "Facture inconnue"


def step_status(step, state: InvoiceState | None, today: date, installment_paid: bool | None = None) -> str:
    """À facturer, Facturée, Payée or En retard, from the step's invoice and its payments."""
    if not step.invoice:
        return STEP_LATE if step.due is not None and step.due < today else STEP_TO_INVOICE
    if state is None:
        return STEP_UNKNOWN
    if installment_paid is not None:  # an installment of a spread invoice
        if installment_paid:
            return STEP_PAID
        return STEP_LATE if step.due is not None and step.due < today else STEP_INVOICED
    if state.status is Status.PAID:
        return STEP_PAID
    if state.status in (Status.OVERDUE,):
        return STEP_LATE
    return STEP_INVOICED


def plans_cells(snapshot: Snapshot, register: Register, ledger: Ledger, today: date, old: Record | None = None
                ) -> tuple[list[Cells], list[Problem], dict[tuple[str, str], Decimal]]:
    """The plan steps' status (one block) and the amounts Relance owns (one block per run of
    adjacent cells), with the plans' problems and the amounts to record as Relance's.

    Relance owns a ``Montant`` left blank or still holding what it wrote last time (the loader
    reads both as blank, see ``addin.register.record``): it gets the step's share of the plan,
    or is emptied when the share cannot be computed any more. A typed amount is never written.
    """
    from addin.core.plans import check_plan
    from addin.register.load import totals_rows

    problems = list(check_plan(register.plan_steps))
    name, data = snapshot.data(schema.ECHEANCIERS)
    old = old or Record()
    if data is None:
        return [], problems, {}
    header = schema.locate_header(data, schema.ECHEANCIERS)
    if header.row is None or not register.plan_steps:
        return [], problems, _still_shown(old, data, header)
    states = ledger.by_number()
    amounts = plan_amounts(register.plan_steps)
    spread = _installment_coverage(register, states, amounts)
    status_col = header.columns["step_status"]
    amount_col = header.columns.get("amount")
    by_row = {s.row: s for s in register.plan_steps if s.row is not None}
    first, last = header.row + 1, max(by_row)
    statuses: list[object] = []  # per row: the status, None to empty the cell, or _SKIP
    fills: list[object] = []  # per row: an amount to write, None to empty the cell, or _SKIP
    written = _still_shown(old, data, header)
    skipped = totals_rows(data, header)
    for row in range(first, last + 1):
        step = by_row.get(row)
        if step is None:
            statuses.append(_SKIP if row in skipped else None)  # a totals row keeps its cells
            fills.append(_SKIP)
            continue
        covered = spread.get((step.plan, step.invoice, step.step))
        statuses.append(step_status(step, states.get(step.invoice or ""), today, covered))
        written.pop((step.plan, step.step), None)
        if step.amount is not None or amount_col is None:
            fills.append(_SKIP)  # typed by a person
            continue
        share = amounts.get((step.plan, step.step))
        cell = data.rows[row - 1][amount_col - 1] if amount_col - 1 < len(data.rows[row - 1]) else None
        fills.append(_SKIP if share is None and cell in (None, "") else share)
        if share is not None:
            written[(step.plan, step.step)] = share
    out = []
    if "step_status" in header.appended:
        out.append(Cells(name, header.row, status_col, ((header.new_label("step_status"),),), ("text",)))
    for start, run in _runs(statuses, _SKIP):
        out.append(Cells(name, first + start, status_col, tuple((v,) for v in run), ("text",)))
    for start, run in _runs(fills, _SKIP):
        out.append(Cells(name, first + start, amount_col, tuple((a,) for a in run), ("money",)))
    return out, problems, written


_SKIP = object()


def _still_shown(record: Record, data: SheetData, header: schema.HeaderMap) -> dict[tuple[str, str], Decimal]:
    """The recorded amounts whose (plan, step) is still on a row of the sheet (a row the loader left
    out keeps its entry: once corrected, its amount is still known as Relance's)."""
    from addin.register.cells import text

    plan_col, step_col = header.columns.get("plan"), header.columns.get("step")
    if header.row is None or plan_col is None or step_col is None:
        return {}
    shown = {(text(r[plan_col - 1]), text(r[step_col - 1])) for r in data.rows[header.row:]
             if len(r) >= max(plan_col, step_col)}
    return {k: v for k, v in record.plan_amounts.items() if k in shown}


def _runs(values: Sequence[object], skip: object = None) -> list[tuple[int, list[object]]]:
    """(offset, values) of each run of adjacent values that are not ``skip``."""
    runs: list[tuple[int, list[object]]] = []
    for i, value in enumerate(values):
        if value is skip:
            continue
        if runs and runs[-1][0] + len(runs[-1][1]) == i:
            runs[-1][1].append(value)
        else:
            runs.append((i, [value]))
    return runs


def _installment_coverage(register: Register, states: Mapping[str, InvoiceState],
                          amounts: Mapping[tuple[str, str], Decimal] | None = None) -> dict:
    """For invoices spread over several steps: which installments the payments cover, in date order.

    A step's amount is the one it is due (``amounts``: typed, else from its percentage). What
    covers them is what was paid on the invoice plus what the credit notes linked to it (« Facture
    d'origine ») took off it, earliest installment first: the uncovered steps add up to the Reste
    dû, as the ledger's next installment does (``addin.core.ledger``).
    """
    amounts = amounts or {}
    groups: dict[tuple[str, str], list] = {}
    for step in register.plan_steps:
        if step.invoice:
            groups.setdefault((step.plan, step.invoice), []).append(step)
    covered: dict[tuple[str, str, str], bool] = {}
    for (plan, number), steps in groups.items():
        if len(steps) < 2 or number not in states:
            continue
        paid = states[number].paid + states[number].credited
        for step in sorted(steps, key=lambda s: (s.due or date.max, s.row or 0)):
            amount = amounts.get((plan, step.step), step.amount) or ZERO
            covered[(plan, number, step.step)] = paid >= amount
            paid = max(ZERO, paid - amount)
    return covered


# --- Relances: the user's Commentaire column -----------------------------------------------

COMMENT = "Commentaire"
_COMMENT_LABELS = ("commentaire", "commentaires", "comment", "comments")


def shown_comments(data: SheetData | None) -> dict[str, str] | None:
    """The ``Commentaire`` of each line of the ``Relances`` sheet, by its ``Clé`` (blank ones
    included: clearing the cell clears the comment); None when the sheet has no such column."""
    if data is None:
        return None
    for i, row in enumerate(data.rows[:10]):
        labels = [schema.normalize(v) for v in row]
        if "cle" not in labels and "key" not in labels:
            continue
        key_col = labels.index("cle") if "cle" in labels else labels.index("key")
        comment_col = next((j for j, w in enumerate(labels) if w in _COMMENT_LABELS), None)
        if comment_col is None:
            return None
        out: dict[str, str] = {}
        for r in data.rows[i + 1:]:
            key = r[key_col] if key_col < len(r) else None
            if key not in (None, ""):
                value = r[comment_col] if comment_col < len(r) else None
                out[str(key).strip()] = "" if value is None else str(value).strip()
        return out
    return None


def with_comments(queue: GeneratedSheet, previous: SheetData | None, record: Record
                  ) -> tuple[GeneratedSheet, dict[str, str]]:
    """The queue with a ``Commentaire`` column after ``Clé``, each line's comment carried over
    by its key, as ``Décision`` is: from the sheet for a key it showed, else from the record
    (a line back in the queue, or a sheet regenerated by Aperçu / Envoyer in between).

    Returns the sheet and every comment to record (those of lines not shown today included).
    """
    comments = dict(record.comments)
    shown = shown_comments(previous)
    if shown is not None:
        comments.update(shown)
    comments = {k: v for k, v in comments.items() if v}
    block = queue.blocks[0]
    if "Clé" not in block.headers:
        return queue, comments
    key_col = block.headers.index("Clé")
    rows = tuple((*row, comments.get(str(row[key_col]), "")) for row in block.rows)
    block = replace(block, headers=(*block.headers, COMMENT), rows=rows,
                    formats=(*block.formats, "text") if block.formats else (),
                    widths=(*block.widths, 40) if block.widths else ())
    note = (queue.note + " Colonne Commentaire : vos notes sur une ligne, conservées avec la ligne par "
            "Actualiser, Aperçu et Envoyer.")
    return replace(queue, blocks=(block, *queue.blocks[1:]), note=note), comments


# --- Anomalies, Taux, summary -------------------------------------------------------------


def as_named_in(book: Book, problems: Sequence[Problem]) -> list[Problem]:
    """Each problem with the sheet name and column label the user wrote (the engine says them in French)."""
    names = book.sheet_names()
    headers: dict[str, schema.HeaderMap] = {}
    out: list[Problem] = []
    for p in problems:
        sheet = next((s for s in schema.SHEETS if s.fr == p.sheet), None)
        actual = schema.find_sheet(names, sheet) if sheet is not None else None
        if actual is None:
            out.append(p)
            continue
        column = p.column
        col = schema.match_column(sheet, column) if column and sheet.columns else None
        if col is not None:
            if actual not in headers:
                headers[actual] = schema.locate_header(book.read_sheet(actual), sheet)
            column = headers[actual].labels.get(col.key) or column
        out.append(replace(p, sheet=actual, column=column))
    return out


def register_language(snapshot: Snapshot) -> str:
    """The language of the register's labels, as ``Factures`` shows them ("fr" without one)."""
    _, data = snapshot.data(schema.FACTURES)
    header = schema.locate_header(data, schema.FACTURES) if data is not None else None
    return header.language if header is not None and header.row is not None else "fr"


_SEVERITY_EN = {Severity.ERROR: "error", Severity.WARNING: "warning"}


def anomalies_sheet(problems: Sequence[Problem], today: date, lang: str = "fr", name: str = "") -> GeneratedSheet:
    """The problems, errors first. In an English register the sheet (« Problems »), its headers,
    title and severities are English; the messages stay French (the engine speaks French)."""
    order = {Severity.ERROR: 0, Severity.WARNING: 1}
    english = lang == "en"
    rows = tuple(
        (p.sheet, p.row, p.column or "", _shown(p.value), p.message, p.fix,
         _SEVERITY_EN.get(p.severity, p.severity.value) if english else p.severity.value)
        for p in sorted(problems, key=lambda p: (order.get(p.severity, 2), p.sheet, p.row or 0, p.column or ""))
    )
    if english:
        title = (f"{len(rows)} problem(s) on {today:%d/%m/%Y}" if rows else f"No problem on {today:%d/%m/%Y}")
        headers = tuple(c.en for c in schema.ANOMALIES.columns)
        note = ("The problems found in your data, recomputed by every refresh (messages in French). "
                "Correct the cell shown: the row is taken up again by the next refresh.")
    else:
        title = (f"{len(rows)} anomalie(s) au {today:%d/%m/%Y}" if rows
                 else f"Aucune anomalie au {today:%d/%m/%Y}")
        headers = ANOMALY_HEADERS
        note = ("Les problèmes trouvés dans vos données, recalculés à chaque « Actualiser ». "
                "Corrigez la cellule indiquée : la ligne est reprise au calcul suivant.")
    return GeneratedSheet(
        name or (schema.ANOMALIES.en if english else schema.ANOMALIES.fr),
        (Block(title, headers, rows, ("text", "int", "text", "text", "text", "text", "text"),
               (14, 7, 22, 30, 60, 60, 14)),),
        note=note,
    )


def _shown(value: object) -> object:
    """A problem's value as the person reads it: a number in French (« 3 079,20 », never the raw
    float « 3079.2 » in a text column), a date, or the text typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (float, Decimal)) and not isinstance(value, bool):
        try:
            amount = Decimal(str(value))
        except ArithmeticError:
            return str(value)
        if not amount.is_finite():
            return str(value)
        if amount == amount.to_integral_value():
            return f"{int(amount):,}".replace(",", "\u202f")
        return f"{amount:,.2f}".replace(",", "\u202f").replace(".", ",")
    if isinstance(value, (date, int)):
        return value
    return str(value)


def rates_sheet() -> GeneratedSheet:
    """The shipped Taux sheet, for a workbook without one (the user may then edit it)."""
    from addin.core.rates import RateTable

    headers, rows = RateTable.shipped().sheet_rows()
    formats = tuple("int" if i < 2 else "percent" if i < 8 else "text" for i in range(len(headers)))
    return GeneratedSheet(
        schema.TAUX.fr, (Block("Taux de référence (modifiables)", tuple(headers), tuple(map(tuple, rows)), formats),),
        note="Taux BCE et taux de l'intérêt légal par semestre. Ajoutez une ligne pour un semestre manquant ; "
             "« Vérifié = Non » : chiffre à confirmer sur la source citée.",
    )


def totals_of(states: Sequence[InvoiceState], today: date | None = None) -> dict[str, Decimal]:
    """The figures of the refresh summary (the review's « Reste dû » is the same ``due``).

    ``overdue``: open invoices past their due date (their next installment's, on a plan),
    disputed and promised ones included (they are still late: ``disputed`` and
    ``promised`` say how much of it); ``to_fix``: the balance of invoices in error, whose
    due date is unknown (not in ``due``).
    """
    paid, error, credit_note = Status.PAID, Status.ERROR, Status.CREDIT_NOTE
    unpaid = [s for s in states if s.status is not paid]  # most states are paid: one pass over them
    open_states = [s for s in unpaid if s.status is not error and s.status is not credit_note]
    late = [s for s in open_states if today is not None and (s.plan_due or s.due) is not None
            and (s.plan_due or s.due) < today] if today is not None else \
        [s for s in open_states if s.status is Status.OVERDUE]
    errors = [s for s in unpaid if s.status is error and s.balance > 0]
    return {
        "due": cents(sum((s.balance for s in open_states), ZERO)),
        "credit_notes": cents(sum((s.balance for s in unpaid if s.status is credit_note), ZERO)),
        "overdue": cents(sum((s.balance for s in late), ZERO)),
        "disputed": cents(sum((s.balance for s in late if s.status is Status.DISPUTED), ZERO)),
        "promised": cents(sum((s.balance for s in late if s.status is Status.PROMISED), ZERO)),
        "interest": cents(sum((s.interest for s in open_states), ZERO)),
        "interest_pending": Decimal(sum(1 for s in open_states if not s.interest_known)),
        "indemnity": cents(sum((s.indemnity for s in open_states), ZERO)),
        "to_fix": cents(sum((s.balance for s in errors), ZERO)),
        "to_fix_count": Decimal(len(errors)),
    }


def summary_text(totals: Mapping[str, Decimal], actions: int, problems: Sequence[Problem], today: date,
                 path: Path | None, problems_sheet: str = schema.ANOMALIES.fr) -> str:
    from addin.mail.formatting import money

    counts = Counter(p.severity for p in problems)
    lines = [
        f"Actualisé au {today:%d/%m/%Y}" + (f" : {path}" if path else ""),
        f"  Reste dû          {money(totals['due'], 'fr')} (avoirs non déduits : {money(totals['credit_notes'], 'fr')})",
        f"  dont échu         {money(totals['overdue'], 'fr')}" + _of_which(totals, money),
        f"  Intérêts de retard {money(totals['interest'], 'fr')}" + (
            f" (+ {int(totals['interest_pending'])} facture(s) dont le taux manque : voir {problems_sheet})"
            if totals.get("interest_pending") else ""),
        f"  Indemnités (40 €) {money(totals['indemnity'], 'fr')}",
        *([f"  Échéance inconnue {money(totals['to_fix'], 'fr')} ({int(totals['to_fix_count'])} facture(s) "
           f"à corriger : voir {problems_sheet})"] if totals.get("to_fix_count") else []),
        f"  Relances du jour  {actions}",
        f"  Anomalies         {counts.get(Severity.ERROR, 0)} erreur(s), {counts.get(Severity.WARNING, 0)} avertissement(s)"
        f" — voir la feuille {problems_sheet}",
    ]
    return "\n".join(lines)


def _of_which(totals: Mapping[str, Decimal], money) -> str:
    parts = [f"litiges {money(totals[k], 'fr')}" if k == "disputed" else f"promesses {money(totals[k], 'fr')}"
             for k in ("disputed", "promised") if totals.get(k)]
    return f" ({', '.join(parts)})" if parts else ""


def write_computed_columns(book: Book, prepared: Prepared, snapshot) -> bool:
    """The invoices' Prochaine action / Dernière relance columns, with the refresh's writer.

    ``snapshot`` is what the action read before its first write (``Snapshot.read``): the
    live book is never read after it is written. Returns False when the workbook has no
    readable Factures sheet (then only generated sheets are written).
    """
    last = dunning.last_reminders(prepared.history)
    cells = factures_cells(snapshot, prepared.register, prepared.ledger, prepared.next_actions, last)
    write_all(book, cells)
    return bool(cells)
