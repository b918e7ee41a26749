"""The bank lines against the workbook: what an import (and « Actualiser ») does with them.

``run(snapshot, today=…, lines=…)`` works on a ``Snapshot`` (read once, before any
write) and returns a ``BankPhase``: the payments to append to *Paiements*, the IBANs
learned for *Clients*, the new *Rapprochement* rows and the hidden *_Banque* record, the
problems for *Anomalies*, and a snapshot in which *Paiements* already holds the new
payments (so the refresh computed next sees the invoices paid). Nothing is written
until ``BankPhase.write(book)``.

In this order:
1. the decisions typed in *Rapprochement* (``Décision``): « Confirmer » records the
   *Proposition*, « Ignorer » drops the line, invoice numbers or a client code record the
   line for them; a confirmed line teaches its payer's IBAN to the client (*Clients*,
   column *IBAN*) unless another client has it; a decision that cannot be read stays with
   a problem in *Anomalies*;
2. the new lines: a line whose identity is already known (in *_Banque* or *Rapprochement*)
   is counted and skipped; a sure match (``matching``) becomes one *Paiements* row per
   invoice (date, client, invoice, amount, « Virement » or « Prélèvement SEPA », the bank's
   reference); every other line goes to *Rapprochement* with the reason and the best
   candidates. A payer's IBAN that fails its check (``schwifty``) is a problem and is
   neither used nor learned.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Iterable, Sequence

from addin.books.base import Block, Book, GeneratedSheet, SheetData
from addin.core.model import ZERO, Problem, Severity, cents, format_euros
from addin.imports.matching import Allocation, Item, Matcher, Outcome, Party, compact
from addin.imports.statement import DIRECT_DEBIT, RETURNED, TRANSFER, BankLine, LineProblem
from addin.mail.qr import iban_is_valid, normalize_iban
from addin.register import cells, schema
from addin.register.snapshot import Snapshot

SHEETS = (schema.RAPPROCHEMENT, schema.BANK_LOG)
# What ``open_items`` reads (``load``, ``load_rates``): an import that does not refresh reads these
# and ``SHEETS``, never the queue's sheets (Scénarios, Journal, Relances).
REGISTER = (schema.PARAMETRES, schema.CLIENTS, schema.FACTURES, schema.PAIEMENTS, schema.ECHEANCIERS, schema.TAUX,
            schema.RECORD)
LOG_HEADERS = ("Identité", "Date", "Montant", "Issue", "Fichier")
PAID, PENDING, IGNORED = "payée", "à rapprocher", "ignorée"
METHODS = {TRANSFER: "Virement", DIRECT_DEBIT: "Prélèvement SEPA"}
OPERATIONS = {TRANSFER: "Virement", DIRECT_DEBIT: "Prélèvement", RETURNED: "Rejet"}
_KEYS = tuple(c.key for c in schema.RAPPROCHEMENT.columns)
_FORMATS = {"date": "date", "amount": "money"}


LAYOUT = "format CSV"  # the Opération of a row asking to confirm a CSV's guessed columns


@dataclass(frozen=True)
class LayoutToConfirm:
    source: str  # the file
    identity: str  # ``layout_identity`` of its format's signature
    spec: str  # the guessed columns, ``date=1 ; libellé=2 ; montant=4``
    sample: str  # its first data line, to check the guess against


def layout_identity(signature: str) -> str:
    return "csv:" + hashlib.sha256(signature.encode("utf-8")).hexdigest()[:16]


def confirmed_layouts(snapshot: Snapshot) -> dict[str, str]:
    """The CSV formats confirmed once (kept in *_Banque*): identity → columns spec."""
    found = {k: v[4] for k, v in _read_log(snapshot).items() if k.startswith("csv:") and v[3] == LAYOUT}
    _, data, header = _rows_of(snapshot, schema.RAPPROCHEMENT)
    for row in _pending_rows(data, header) if header else ():  # confirmed just now: used by this import
        if row["operation"] == LAYOUT and not cells.is_blank(row["decision"]):
            spec = _layout_spec(row)
            if spec:
                found[row["identity"]] = spec
    return found


def _layout_spec(row: dict) -> str | None:
    """The columns a decision on a « format CSV » row confirms (None: ignored or unreadable)."""
    words = schema.normalize(row["decision"])
    if words.startswith(("ignor", "non")):
        return None
    text = row["proposal"] if words.startswith(("confirm", "oui", "ok", "valid")) else row["decision"]
    return str(text) if "date" in schema.normalize(text) and "=" in str(text) else None


@dataclass
class BankPhase:
    read: Snapshot  # the workbook as read before the phase
    payments: list[tuple[object, ...]] = field(default_factory=list)  # Paiements rows, sheet's columns
    payments_sheet: str | None = None
    payments_after: int = 0
    iban_cells: list[tuple[str, int, int, object]] = field(default_factory=list)  # (sheet, row, col, value)
    reconciliation: list[dict] | None = None  # the Rapprochement rows to write (None: unchanged)
    log: list[tuple] | None = None  # the _Banque rows to add (None: unchanged)
    log_sheet: str = ""  # the existing _Banque sheet, and its last row (None: to create)
    log_after: int | None = None
    problems: list[Problem] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    paid: Decimal = ZERO
    _with_payments: Snapshot | None = field(default=None, repr=False)

    @property
    def snapshot(self) -> Snapshot:
        """The snapshot in which *Paiements* already holds the new payments (what a refresh computes
        from), made when first asked: an import that does not refresh never copies the sheet."""
        if self._with_payments is None:
            self._with_payments = _with_rows(self.read, self.payments_sheet, self.payments_after, self.payments)
        return self._with_payments

    def write(self, book: Book) -> None:
        """Every write of the phase, through the ``Book`` port (no read)."""
        if self.payments and self.payments_sheet:
            book.append_rows(self.payments_sheet, self.payments, after=self.payments_after)
        for sheet, row, col, value in self.iban_cells:
            book.write_cells(sheet, row, col, ((value,),), ("text",))
        if self.reconciliation is not None:
            _write_reconciliation(book, self.read, self.reconciliation)
        if self.log and self.log_after is not None:  # appended: a year of statements is not rewritten each time
            book.append_rows(self.log_sheet, self.log, after=self.log_after)
        elif self.log:
            book.write_generated(GeneratedSheet(
                schema.BANK_LOG.fr, (Block("", LOG_HEADERS, tuple(self.log), ("text", "date", "money", "text", "text")),),
                hidden=True, note=schema.BANK_LOG.help))

    def summary(self) -> list[str]:
        c = self.counts
        out = []
        if c["read"]:
            known = f", dont {c['known']} déjà connue(s) : rien d'ajouté pour elles" if c["known"] else ""
            out.append(f"Relevés : {c['read']} opération(s) lue(s){known}.")
        if c["paid_lines"]:
            out.append(f"  {c['paid_lines']} paiement(s) rapproché(s) avec certitude : {c['payment_rows']} ligne(s) "
                       f"ajoutée(s) à Paiements ({format_euros(self.paid)}).")
        if c["decided"] or c["ignored"]:
            out.append(f"  Vos décisions de Rapprochement appliquées : {c['decided']} enregistrée(s), "
                       f"{c['ignored']} ignorée(s).")
        if c["pending"]:
            out.append(f"  {c['pending']} opération(s) à vérifier dans la feuille « Rapprochement » "
                       f"(dont {c['listed']} débit(s), rejet(s) ou devise(s)) : choisissez une Décision.")
        if c["layouts"]:
            out.append(f"  {c['layouts']} format(s) CSV confirmé(s), gardé(s) pour les prochains imports.")
        if c["learned"]:
            out.append(f"  {c['learned']} IBAN appris dans Clients.")
        if c["unreadable"]:
            out.append(f"  {c['unreadable']} ligne(s) illisible(s), non importée(s) : voir Anomalies.")
        return out


# --- reading the workbook -----------------------------------------------------------------


def _rows_of(snapshot: Snapshot, sheet: schema.Sheet):
    name, data = snapshot.data(sheet)
    if data is None:
        return name, data, None
    header = schema.locate_header(data, sheet)
    return name, data, header if header.row is not None else None


def _value(row: tuple, header, key: str) -> object:
    j = header.columns.get(key)
    return row[j - 1] if j is not None and j - 1 < len(row) else None


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    parsed, _ = cells.parse_date(value)
    return parsed


def _parties(snapshot: Snapshot) -> tuple[list[Party], dict[str, tuple[int, list[str]]], tuple]:
    """The clients with their IBANs, where each client's IBAN cell is, and the header."""
    name, data, header = _rows_of(snapshot, schema.CLIENTS)
    parties, where = [], {}
    if header is None:
        return parties, where, (name, header, data)
    for r in range(header.row, len(data.rows)):
        row = data.rows[r]
        code = cells.text(_value(row, header, "code"))
        if not code:
            continue
        ibans = [normalize_iban(v) for v in cells.text(_value(row, header, "iban")).split(";") if v.strip()]
        parties.append(Party(code, cells.text(_value(row, header, "name")), tuple(i for i in ibans if iban_is_valid(i))))
        where[code] = (r + 1, ibans)
    return parties, where, (name, header, data)


def open_items(snapshot: Snapshot, today: date) -> list[Item]:
    """Every invoice with its balance as of ``today``: the balance « Actualiser » computes for an open
    item, 0 for the others (``core.balances``: the due dates and the allocation, not the whole ledger)."""
    return list(map(Item, *_open_columns(snapshot, today)))


def _open_columns(snapshot: Snapshot, today: date) -> tuple[list, list, list, list]:
    """``open_items`` as columns: numbers, clients, balances, purchase-order numbers."""
    from addin.core.balances import open_balances
    from addin.register.load import load, load_rates

    register, _ = load(snapshot)
    rates, _ = load_rates(snapshot)
    invoices = register.invoices
    return ([i.number for i in invoices], [i.client for i in invoices], open_balances(register, today, rates),
            [i.po_number for i in invoices])


# --- the phase ------------------------------------------------------------------------------


def run(snapshot: Snapshot, *, today: date, lines: Sequence[BankLine] = (),
        line_problems: Sequence[LineProblem] = (), layouts: Sequence[LayoutToConfirm] = (),
        items: Sequence[Item] | None = None) -> BankPhase:
    """Apply the Rapprochement decisions, then match ``lines`` (see the module's docstring).
    ``items``: ``open_items(snapshot, today)`` when the caller has them already."""
    phase = BankPhase(snapshot)
    rap_name, rap_data, rap_header = _rows_of(snapshot, schema.RAPPROCHEMENT)
    pending = _pending_rows(rap_data, rap_header) if rap_header else []
    log = _read_log(snapshot)
    before = dict(log)
    phase.problems += [_line_problem(p) for p in line_problems]
    phase.counts["unreadable"] = len(line_problems)
    decided = [r for r in pending if not cells.is_blank(r["decision"])]
    phase.problems += _client_iban_problems(snapshot)
    if not lines and not decided and not layouts:
        phase.problems += _iban_problems(pending)
        return phase  # nothing to do: refresh stays as it was for a register without bank lines

    parties, where, clients_at = _parties(snapshot)
    matcher = (Matcher.of_columns(*_open_columns(snapshot, today), parties) if items is None
               else Matcher(items, parties))
    learned: dict[str, list[str]] = {}
    payments: list[tuple[BankLine, Allocation]] = []
    kept: list[dict] = []
    for row in pending:
        if cells.is_blank(row["decision"]):
            kept.append(row)
            continue
        if row["operation"] == LAYOUT:
            _layout_decision(row, log, kept, phase)
            continue
        outcome = _decision(row, matcher, {p.code for p in parties})
        if outcome is None:
            kept.append({**row, "_unreadable": True})
            continue
        if outcome == "ignore":
            log[row["identity"]] = (row["identity"], row["date"], row["amount"], IGNORED, row["source"])
            phase.counts["ignored"] += 1
            continue
        line = _line_of(row)
        matcher.take(outcome)
        payments += [(line, a) for a in outcome]
        phase.counts["decided"] += 1
        log[row["identity"]] = (row["identity"], row["date"], row["amount"], PAID, row["source"])
        iban = normalize_iban(row["payer_iban"])
        client = outcome[0].client
        if iban and iban_is_valid(iban) and client in where and matcher.learn(client, iban):
            if iban not in where[client][1] and iban not in learned.get(client, []):
                learned.setdefault(client, []).append(iban)

    seen = set(log) | {r["identity"] for r in kept}
    new_rows: list[dict] = []
    for line in sorted(lines, key=lambda ln: (ln.booked, ln.source, ln.line)):
        phase.counts["read"] += 1
        if line.identity in seen:
            phase.counts["known"] += 1
            continue
        seen.add(line.identity)
        iban, problem = _checked_iban(line)
        if problem:
            phase.problems.append(problem)
        outcome = matcher.match(line, iban)
        if outcome.sure:
            matcher.take(outcome.allocations)
            payments += [(line, a) for a in outcome.allocations]
            phase.counts["paid_lines"] += 1
            log[line.identity] = (line.identity, line.booked, line.amount, PAID, line.source)
        else:
            new_rows.append(_row_of(line, outcome))
            log[line.identity] = (line.identity, line.booked, line.amount, PENDING, line.source)

    for ask in layouts:
        if ask.identity not in seen:
            seen.add(ask.identity)
            new_rows.append({"date": None, "amount": None, "currency": "", "operation": LAYOUT, "payer": "",
                             "payer_iban": "", "text": f"1re ligne : {ask.sample}",
                             "reason": "Colonnes de ce CSV devinées, pas lues dans ses en-têtes : corrigez la "
                                       "Proposition si besoin (n° de colonne à partir de 1), choisissez Confirmer, "
                                       "puis importez à nouveau le fichier : ce format sera ensuite lu sans "
                                       "rien demander.",
                             "proposal": ask.spec, "others": "", "decision": "", "account": "", "reference": "",
                             "source": ask.source, "identity": ask.identity})
    rows = kept + new_rows
    first = rap_header.row + 1 if rap_header else 2
    for i, row in enumerate(rows):
        row["_row"] = first + i  # where the row is written now
    phase.counts["pending"] = len(rows)
    phase.counts["listed"] = sum(1 for r in rows if r["operation"] in ("Débit", "Rejet")
                                 or (r["currency"] or "EUR") != "EUR")
    phase.problems += _iban_problems(rows) + _decision_problems(rows)
    phase.reconciliation = rows
    phase.log = [v for k, v in log.items() if before.get(k) != v]  # new lines, and lines whose fate changed
    name, data = snapshot.data(schema.BANK_LOG)
    if data is not None and _log_header(data) is not None:
        phase.log_sheet = name
        phase.log_after = _last_row(data)
    _payments_into(phase, snapshot, payments)
    _learned_into(phase, learned, where, clients_at)
    phase.counts["learned"] = sum(len(v) for v in learned.values())
    return phase


def _pending_rows(data: SheetData, header) -> list[dict]:
    out = []
    for r in range(header.row, len(data.rows)):
        row = data.rows[r]
        values = {k: _value(row, header, k) for k in _KEYS}
        if all(cells.is_blank(v) for v in values.values()):
            continue
        values["date"] = _as_date(values["date"]) if not cells.is_blank(values["date"]) else None
        values["amount"], _ = cells.parse_money(values["amount"])
        for k in _KEYS:
            if k not in ("date", "amount"):
                values[k] = cells.text(values[k])
        values["_row"] = r + 1
        if not values["identity"]:
            continue  # not a line Relance wrote
        out.append(values)
    return out


def _read_log(snapshot: Snapshot) -> dict[str, tuple]:
    _, data = snapshot.data(schema.BANK_LOG)
    log: dict[str, tuple] = {}
    if data is None:
        return log
    start = _log_header(data)
    if start is None:
        return log
    for row in data.rows[start + 1:]:
        row = tuple(row) + (None,) * (5 - len(row))
        if row[0]:  # a line's later rows (its fate decided) come after its first: the last one wins
            amount, _ = cells.parse_money(row[2])
            log[str(row[0])] = (str(row[0]), _as_date(row[1]), amount, cells.text(row[3]), cells.text(row[4]))
    return log


def _layout_decision(row: dict, log: dict, kept: list, phase: BankPhase) -> None:
    """« Confirmer » keeps the Proposition as this CSV format's columns; « Ignorer » drops the row."""
    if schema.normalize(row["decision"]).startswith(("ignor", "non")):
        phase.counts["ignored"] += 1
        return
    spec = _layout_spec(row)
    if spec is None:
        kept.append({**row, "_unreadable": True})
        return
    log[row["identity"]] = (row["identity"], None, None, LAYOUT, spec)
    phase.counts["layouts"] += 1


def _log_header(data: SheetData) -> int | None:
    """The 0-based row of *_Banque*'s headers; None when it has none (then it is written anew)."""
    return next((i for i, r in enumerate(data.rows[:5]) if r and r[0] == LOG_HEADERS[0]), None)


def _decision(row: dict, matcher: Matcher, codes: set[str]):
    """A typed decision → "ignore", the allocations it records, or None (unreadable)."""
    words = schema.normalize(row["decision"])
    amount = row["amount"]
    if amount is None or row["date"] is None:
        return None
    if words.startswith(("ignor", "non", "pas un paiement")):
        return "ignore"
    if amount <= 0 or row["currency"] not in ("", "EUR"):
        return None  # a debit or another currency is never made a payment
    text = row["proposal"] if words.startswith(("confirm", "oui", "ok", "valid")) else row["decision"]
    numbers, _ = matcher.found_in(text)
    if numbers:
        return list(matcher.spread(amount, numbers))
    by_compact = {compact(c): c for c in codes}
    for token in str(text).replace(",", " ").replace(";", " ").split():
        code = by_compact.get(compact(token))
        if code:
            return [Allocation(code, None, amount)]
    return None


def _line_of(row: dict) -> BankLine:
    family = {"Virement": TRANSFER, "Prélèvement": DIRECT_DEBIT}.get(row["operation"], "")
    return BankLine(account=row["account"], booked=row["date"], amount=row["amount"], currency=row["currency"] or "EUR",
                    text=row["text"], payer=row["payer"], payer_iban=row["payer_iban"], reference=row["reference"],
                    family=family, source=row["source"], identity=row["identity"])


def _row_of(line: BankLine, outcome: Outcome) -> dict:
    if line.amount < 0 and line.family != RETURNED:
        operation = "Débit"
    else:
        operation = OPERATIONS.get(line.family, "Crédit" if line.amount > 0 else "Débit")
    invoices = [a.invoice for a in outcome.allocations if a.invoice]
    if invoices:
        proposal = " ; ".join(invoices)
    elif outcome.allocations:
        proposal = f"Client {outcome.allocations[0].client}"
    else:
        proposal = ""
    return {"date": line.booked, "amount": line.amount, "currency": line.currency, "operation": operation,
            "payer": line.payer, "payer_iban": line.payer_iban, "text": line.text, "reason": outcome.reason,
            "proposal": proposal, "others": " | ".join(outcome.others), "decision": "", "account": line.account,
            "reference": line.reference, "source": line.source, "identity": line.identity}


def _checked_iban(line: BankLine) -> tuple[str, Problem | None]:
    raw = normalize_iban(line.payer_iban)
    if not raw:
        return "", None
    if iban_is_valid(raw):
        return raw, None
    return "", Problem(line.source, line.line or None, "IBAN payeur", line.payer_iban,
                       "IBAN du payeur invalide (clé de contrôle ou format) : il n'est ni utilisé ni appris.",
                       "Vérifiez-le sur le relevé de la banque ; l'opération est rapprochée sans lui.",
                       Severity.WARNING, "bank.iban")


def _client_iban_problems(snapshot: Snapshot) -> list[Problem]:
    """An IBAN typed in *Clients* that fails its check: a warning, and it recognises no payment."""
    name, data, header = _rows_of(snapshot, schema.CLIENTS)
    if header is None or "iban" not in header.columns:
        return []
    out = []
    for r in range(header.row, len(data.rows)):
        raw = cells.text(_value(data.rows[r], header, "iban"))
        for iban in (v for v in raw.split(";") if v.strip()):
            if not iban_is_valid(iban):
                out.append(Problem(schema.CLIENTS.fr, r + 1, header.label_of("iban"), raw,
                                   f"IBAN invalide « {iban.strip()} » (clé de contrôle ou format) : il ne reconnaît "
                                   "aucun virement.", "Corrigez-le (recopiez-le d'un relevé ou d'un RIB).",
                                   Severity.WARNING, "bank.client_iban"))
    return out


def _decision_problems(rows: Iterable[dict]) -> list[Problem]:
    return [Problem(schema.RAPPROCHEMENT.fr, row["_row"], "Décision", row["decision"],
                    "Décision illisible : ni « Confirmer », ni « Ignorer », ni un n° de facture ou un code client "
                    "connu (un débit ou une autre devise ne devient jamais un paiement).",
                    "Choisissez Confirmer ou Ignorer dans la liste, ou tapez le n° de la facture payée.",
                    Severity.WARNING, "bank.decision") for row in rows if row.get("_unreadable")]


def _iban_problems(rows: Iterable[dict]) -> list[Problem]:
    out = []
    for row in rows:
        raw = normalize_iban(row.get("payer_iban") or "")
        if raw and not iban_is_valid(raw):
            out.append(Problem(schema.RAPPROCHEMENT.fr, row["_row"], "IBAN payeur",
                               row["payer_iban"], "IBAN du payeur invalide (clé de contrôle ou format) : il n'est "
                               "ni utilisé ni appris.", "Vérifiez-le sur le relevé de la banque.", Severity.WARNING,
                               "bank.iban"))
    return out


def _line_problem(p: LineProblem) -> Problem:
    return Problem(p.source, p.line or None, None, p.value, f"Ligne de relevé illisible : {p.message}.",
                   "Elle n'est pas importée : saisissez ce paiement dans Paiements, ou corrigez le fichier et "
                   "importez-le à nouveau (les autres lignes ne seront pas doublées).", Severity.ERROR, "bank.line")


# --- writing -----------------------------------------------------------------------------------


def _payments_into(phase: BankPhase, snapshot: Snapshot, payments: list[tuple[BankLine, Allocation]]) -> None:
    """The Paiements rows, and the snapshot that already holds them."""
    if not payments:
        return
    name, data, header = _rows_of(snapshot, schema.PAIEMENTS)
    if header is None:
        raise ValueError("Le classeur n'a pas de feuille « Paiements » avec ses en-têtes : repartez du modèle "
                         "workbook_template.xlsx.")
    rows = []
    for line, a in payments:
        values = {"paid_on": line.booked, "client": a.client, "invoice": a.invoice, "amount": cents(a.amount),
                  "method": METHODS.get(line.family, ""), "reference": line.reference or line.text[:60]}
        row: list[object] = [None] * max(header.columns.values())
        for key, value in values.items():
            if key in header.columns:
                row[header.columns[key] - 1] = value
        rows.append(tuple(row))
        phase.paid += a.amount
    phase.payments, phase.payments_sheet, phase.payments_after = rows, name, _last_row(data)
    phase.counts["payment_rows"] = len(rows)


def _last_row(data: SheetData) -> int:
    """The 1-based number of the last row holding a value (0: none)."""
    rows = data.rows
    return next((i for i in range(len(rows), 0, -1) if any(v is not None for v in rows[i - 1])), 0)


def _with_rows(snapshot: Snapshot, name: str | None, after: int, rows: list[tuple]) -> Snapshot:
    """``snapshot`` with ``rows`` written in sheet ``name`` after its row ``after``."""
    if not rows or name is None:
        return snapshot
    data = snapshot.sheets[name]
    width = max(max(len(r) for r in rows), max((len(r) for r in data.rows), default=0))
    grown = [tuple(r) + (None,) * (width - len(r)) for r in data.rows[:after]]
    grown += [r + (None,) * (width - len(r)) for r in rows]
    sheets = dict(snapshot.sheets)
    sheets[name] = replace(data, rows=tuple(grown))
    return replace(snapshot, sheets=sheets)


def _learned_into(phase: BankPhase, learned: dict[str, list[str]], where, clients_at) -> None:
    if not learned:
        return
    name, header, data = clients_at
    col = header.columns.get("iban")
    if col is None:  # an older Clients sheet: the column is added after the last one
        col = max([*header.columns.values(), *(j for j, _ in header.extra), max(len(r) for r in data.rows)]) + 1
        phase.iban_cells.append((name, header.row, col, schema.CLIENTS.column("iban").fr))
    for client, ibans in learned.items():
        row, existing = where[client]
        phase.iban_cells.append((name, row, col, " ; ".join([*existing, *ibans])))


def _write_reconciliation(book: Book, snapshot: Snapshot, rows: list[dict]) -> None:
    name, data, header = _rows_of(snapshot, schema.RAPPROCHEMENT)
    if header is None:
        sheet = schema.RAPPROCHEMENT
        book.write_generated(GeneratedSheet(
            name or sheet.fr,
            (Block("", tuple(c.fr for c in sheet.columns), tuple(tuple(r[k] for k in _KEYS) for r in rows),
                   tuple(_FORMATS.get(k, "text") for k in _KEYS), tuple(c.width for c in sheet.columns)),),
            note=sheet.help))
        return
    first = header.row + 1
    height = max(len(rows), len(data.rows) - header.row)
    if height <= 0:
        return
    for key in _KEYS:
        j = header.columns.get(key)
        if j is None:
            continue
        column = tuple((rows[i][key] if i < len(rows) else None,) for i in range(height))
        book.write_cells(name, first, j, column, (_FORMATS.get(key, "text"),))
