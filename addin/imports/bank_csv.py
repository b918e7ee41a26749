"""CSV exports of online banks: one operation per row under a header row.

Read as UTF-16 when it starts with its BOM (a bank export re-saved by Excel as « texte
Unicode »), UTF-8 (with or without BOM), else Windows-1252 / Latin-1 (what French banks'
exports use). The separator is the one of ``;``, ``,`` or tab that splits the header row
into the most columns. The header row is the first of the first 15 rows that names a
date column and either an amount column or a debit and a credit column (lines above it —
the account and period some banks print first — are skipped, the account kept when
it holds an IBAN). Known column names (accents, case and punctuation ignored):

| role | names |
|---|---|
| date | Date, Date opération, Date comptable, Date de comptabilisation, Booking date, dateOp, Settlement date (UTC), Date de la transaction (else Date de valeur, dateVal) |
| amount | Montant, Montant (EUR), Montant en euros, Amount, Total amount (incl. VAT), Montant total (TTC) |
| debit / credit | Débit, Crédit (with or without « euros », « EUR ») |
| text | Libellé, Libellé simplifié, Libellé opération, Description, Intitulé, Détail, and the complements (Libellé complémentaire, Informations complémentaires, Motif, Référence) |
| payer | Tiers, Contrepartie, Nom du tiers, Émetteur, Counterparty |
| payer's IBAN | IBAN, IBAN contrepartie, IBAN du tiers |
| currency | Devise, Currency |
| bank id | Identifiant, Id opération, Numéro d'opération, Transaction ID, Identifiant de la transaction |
| account | accountNum, Numéro de compte, Compte (else an IBAN printed above the header) |
| direction | Sens, Débit/Crédit, Credit/Debit indicator: « D », « Débit », « DBIT » make the amount money out, « C », « Crédit », « CRDT » money in |
| status | Status, Statut, État: a row « declined », « pending », « annulée », « en attente »… is left out |
| family | Payment method, Moyen de paiement, Type opération (its words join the label's to tell the family) |

Amounts: French (``1 234,56``, ``-12,50``) or English (``1,234.56``) decimals, the file's
decimal mark taken from the amounts that show their cents (``1.234`` beside ``12,50`` is
1 234; with no amount showing cents it is reported as ambiguous); a debit column read as
money out whatever its sign. Dates: ``JJ/MM/AAAA``, ``JJ/MM/AA``,
``JJ-MM-AAAA``, ``JJ.MM.AAAA``, ``AAAA-MM-JJ`` or ``AAAA/MM/JJ``, a time after it ignored
(``05-12-2026 10:32:11``, ``2026-12-05T10:32:11Z``). A row whose date or amount does not
parse is reported with its line number; the others are read — except a row without a date
that names a total or a balance (« Total des opérations », « Solde au … »), or a dated one
without any amount whose label does: the export's summary, skipped.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from addin.imports.encoding import decode
from addin.imports.statement import BankLine, LineProblem, NotAStatement, clean, family_from_text, parse_amount
from addin.register.schema import normalize

_ROLES: dict[str, tuple[str, ...]] = {
    "date": ("date", "date operation", "date d operation", "date de l operation", "date comptable",
             "date de comptabilisation", "booking date", "date operation date", "date de transaction",
             "dateop", "settlement date utc", "settlement date", "date de la transaction", "date de l operation utc",
             "operation date utc", "operation date", "transaction date", "date d execution",
             "date completed utc", "date completed"),
    "value_date": ("date valeur", "date de valeur", "value date", "dateval", "date de la valeur utc",
                   "date de la valeur"),
    "amount": ("montant", "montant eur", "montant en euros", "montant euros", "amount", "montant en eur",
               "montant de l operation", "total amount incl vat", "montant total ttc", "montant ttc",
               "montant total", "total amount", "amount eur", "montant en"),
    "debit": ("debit", "debit eur", "debit euros", "debit en euros", "debits", "montant debit"),
    "credit": ("credit", "credit eur", "credit euros", "credit en euros", "credits", "montant credit"),
    "text": ("libelle", "libelle simplifie", "libelle operation", "libelle de l operation", "description",
             "intitule", "detail", "details", "label", "nature de l operation", "operation", "nom de la transaction",
             "libelle de la transaction"),
    "more": ("libelle complementaire", "informations complementaires", "motif", "reference", "commentaire",
             "detail de l ecriture", "libelle long", "communication", "note", "comment", "reference de paiement", "payment reference"),
    "payer": ("tiers", "contrepartie", "nom du tiers", "emetteur", "counterparty", "nom de la contrepartie",
              "beneficiaire emetteur", "donneur d ordre", "counterparty name", "partner name", "payer"),
    "payer_iban": ("iban", "iban contrepartie", "iban du tiers", "iban de la contrepartie", "compte contrepartie",
                   "partner iban", "counterparty iban"),
    "currency": ("devise", "currency"),
    "bank_id": ("identifiant", "id operation", "numero d operation", "transaction id", "id", "reference banque",
                "identifiant de la transaction", "id de la transaction"),
    "account": ("accountnum", "numero de compte", "account number", "compte"),
    "status": ("status", "statut", "etat", "state"),
    "direction": ("sens", "debit credit", "credit debit", "sens de l operation", "credit debit indicator",
                  "cdtdbtind", "d c", "c d"),
    "method": ("payment method", "moyen de paiement", "type operation", "type d operation", "type de l operation",
               "mode de paiement", "type"),
}
# A row whose status says the money did not move (or not yet): not an operation of the statement.
_NOT_BOOKED = {"declined", "canceled", "cancelled", "pending", "reversed", "refusee", "refuse", "annulee", "annule",
               "en attente", "a venir", "rejetee", "echouee", "failed",
               "reverted"}
# A row without a date naming a total or a balance: the export's summary, not an operation.
_SUMMARY = re.compile(r"\b(total|totaux|solde|balance|sous total)\b")
_BY_NAME = {name: role for role, names in _ROLES.items() for name in names}
_DATE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?:[ T]+\d{1,2}[:h]\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?\s*$"
                   r"|^\s*(\d{4})[-/.](\d{2})[-/.](\d{2})")
_IBAN = re.compile(r"\b([A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?)\b")


@dataclass(frozen=True)
class Layout:
    """Where each role is (0-based columns) and the header row (0-based) of an export."""

    header_row: int
    columns: dict
    delimiter: str


def _rows(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def detect(text: str) -> Layout | None:
    """The layout of an export: separator, header row and columns, or None (not a bank CSV)."""
    head = text.splitlines()[:15]
    best: Layout | None = None
    for delimiter in (";", ",", "\t"):
        rows = _rows("\n".join(head), delimiter)
        for i, row in enumerate(rows):
            columns: dict[str, int] = {}
            for j, cell in enumerate(row):
                role = _BY_NAME.get(normalize(cell))
                if role and role not in columns:
                    columns[role] = j
            if "date" not in columns and "value_date" in columns:
                columns["date"] = columns["value_date"]
            if "date" in columns and ("amount" in columns or {"debit", "credit"} <= columns.keys()):
                if best is None or len(columns) > len(best.columns):
                    best = Layout(i, columns, delimiter)
                break
    return best


def guess(text: str) -> Layout | None:
    """Columns guessed from the values when no header row names them: the first column of dates,
    the columns of amounts (one: a signed amount; two, never both filled: debit then credit), the
    longest text. Unsure by nature: the user confirms it once (see ``addin.actions.imports``)."""
    head = text.splitlines()[:40]
    for delimiter in (";", "\t", ","):
        rows = [r for r in _rows("\n".join(head), delimiter) if any(v.strip() for v in r)]
        width = max((len(r) for r in rows), default=0)
        if width < 3:
            continue
        data = [r for r in rows if any(_DATE.match(v) for v in r)]
        if not data or len(data) < (len(rows) - 1) // 2:
            continue

        def share(j, test):
            values = [r[j].strip() for r in data if j < len(r) and r[j].strip()]
            return bool(values) and sum(1 for v in values if test(v)) >= 0.9 * len(values)

        dates = [j for j in range(width) if share(j, _DATE.match)]
        amounts = [j for j in range(width) if j not in dates and share(j, _is_amount)]
        if not dates or not amounts or len(amounts) > 2:
            continue
        columns = {"date": dates[0]}
        if len(amounts) == 1:
            columns["amount"] = amounts[0]
        else:
            columns["debit"], columns["credit"] = amounts
        texts = [j for j in range(width) if j not in dates and j not in amounts]
        if texts:
            columns["text"] = max(texts, key=lambda j: sum(len(r[j]) for r in data if j < len(r)))
        header = 0 if rows and rows[0] not in data else -1
        return Layout(text.splitlines().index(next(ln for ln in head if ln.strip())) if header == 0 else -1,
                      columns, delimiter)
    return None


def _is_amount(value: str) -> bool:
    try:
        parse_amount(value)
    except ValueError:
        return False
    return True


def signature(text: str, layout: Layout) -> str:
    """What tells one bank's export format from another: its header row (or its width)."""
    rows = _rows("\n".join(text.splitlines()[:40]), layout.delimiter)
    if layout.header_row >= 0:
        return "|".join(normalize(v) for v in rows[layout.header_row])
    return f"{max(len(r) for r in rows)} colonnes sans en-tête, séparateur {layout.delimiter!r}"


_SPEC_NAMES = {"date": "date", "amount": "montant", "debit": "débit", "credit": "crédit", "text": "libellé"}


def spec(layout: Layout) -> str:
    """The layout as a person reads and corrects it: ``date=1 ; libellé=3 ; montant=4`` (columns from 1)."""
    parts = [f"{_SPEC_NAMES[k]}={j + 1}" for k, j in sorted(layout.columns.items(), key=lambda kv: kv[1])
             if k in _SPEC_NAMES]
    return " ; ".join(parts)


def from_spec(text: str, like: Layout) -> Layout | None:
    """The layout a (possibly corrected) spec says, with the separator and header of ``like``; None
    when it has no date or no amount."""
    names = {normalize(v): k for k, v in _SPEC_NAMES.items()}
    columns = {}
    for part in str(text).split(";"):
        if "=" in part:
            name, _, number = part.partition("=")
            key = names.get(normalize(name))
            if key and number.strip().isdigit() and int(number) > 0:
                columns[key] = int(number) - 1
    if "date" not in columns or not ("amount" in columns or {"debit", "credit"} <= columns.keys()):
        return None
    return Layout(like.header_row, columns, like.delimiter)


def sniff(data: bytes) -> bool:
    text = decode(data[:8192])
    return detect(text) is not None or guess(text) is not None


_CENTS_AFTER = {",": re.compile(r",\d{1,2}\)?-?$"), ".": re.compile(r"\.\d{1,2}\)?-?$")}


def decimal_mark(amounts: list[str]) -> str | None:
    """The export's decimal mark, from the amounts that show their cents (« 12,50 », « 1.234,56 »
    → « , »; « 12.50 » → « . »); None when none does, or when both appear."""
    found = {mark for mark, pattern in _CENTS_AFTER.items()
             if any(pattern.search(a.replace("€", "").replace("EUR", "").strip()) for a in amounts if a)}
    return found.pop() if len(found) == 1 else None


def parse_date(text: str) -> date:
    m = _DATE.match(str(text))
    if not m:
        raise ValueError(f"date illisible « {text} »")
    if m.group(4):
        try:
            return date(int(m.group(4)), int(m.group(5)), int(m.group(6)))
        except ValueError:
            raise ValueError(f"date illisible « {text} »") from None
    day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    try:
        return date(year + 2000 if year < 100 else year, month, day)
    except ValueError:
        raise ValueError(f"date illisible « {text} »") from None


def read(data: bytes, source: str, account: str = "", layout: Layout | None = None
         ) -> tuple[list[BankLine], list[LineProblem]]:
    """The lines of an export, with its detected layout (or ``layout``, one the user confirmed)."""
    text = decode(data)
    layout = layout or detect(text)
    if layout is None:
        raise NotAStatement(f"{source} : ce CSV n'a pas de ligne d'en-têtes de relevé bancaire "
                            "(une colonne Date et une colonne Montant, ou Débit et Crédit).")
    reader = csv.reader(io.StringIO(text), delimiter=layout.delimiter)
    rows: list[list[str]] = []
    starts: list[int] = []  # the line each row starts on (a quoted label may hold line breaks)
    last = 0
    for row in reader:
        starts.append(last + 1)
        rows.append(row)
        last = reader.line_num
    above = " ".join(" ".join(r) for r in rows[:max(layout.header_row, 0)])
    found = _IBAN.search(above.upper())
    # Not the file's name: the same export saved twice under two names must give the same identities.
    # Without an account, the export's header row stands for it: two banks' exports holding the same
    # « PRLV EDF −80,00 » of the same day are two operations, not one seen twice.
    fallback = "CSV " + hashlib.sha256(signature(text, layout).encode("utf-8")).hexdigest()[:8]
    account = account or (found.group(1).replace(" ", "") if found else fallback)
    c = layout.columns
    lines: list[BankLine] = []
    problems: list[LineProblem] = []

    def cell(row, role) -> str:
        j = c.get(role)
        return row[j].strip() if j is not None and j < len(row) else ""

    mark = decimal_mark([cell(row, role) for row in rows[layout.header_row + 1:] for role in ("amount", "debit", "credit")])

    def money(text: str) -> Decimal:
        value = parse_amount(text, mark)
        if value.as_tuple().exponent < -2:  # « 1.234 » in a file that never shows its decimal mark
            raise ValueError(f"montant « {text} » ambigu (1,234 € ou 1 234 € ?) : le fichier n'écrit aucun "
                             "montant avec ses centimes")
        return value

    for index, row in enumerate(rows[layout.header_row + 1:], start=layout.header_row + 1):
        number = starts[index]
        if not any(v.strip() for v in row):
            continue
        if normalize(cell(row, "status")) in _NOT_BOOKED:
            continue
        if not _DATE.match(cell(row, "date")) and _SUMMARY.search(normalize(" ".join(row))):
            continue
        if not (cell(row, "amount") or cell(row, "debit") or cell(row, "credit")) and _SUMMARY.search(
                normalize(cell(row, "text"))):
            continue  # « 05/12/2026 ; Solde créditeur ; ; ; 5 000,00 »: a balance, dated
        try:
            booked = parse_date(cell(row, "date"))
            if "amount" in c and cell(row, "amount"):
                value = money(cell(row, "amount"))
                way = normalize(cell(row, "direction"))
                if way[:1] == "d":  # « D », « Débit », « DBIT »: money out whatever the amount's sign
                    value = -abs(value)
                elif way[:1] == "c":
                    value = abs(value)
            else:
                debit, credit = cell(row, "debit"), cell(row, "credit")
                if not debit and not credit:
                    raise ValueError("ni débit ni crédit")
                value = (money(credit) if credit else 0) - (abs(money(debit)) if debit else 0)
        except ValueError as error:
            problems.append(LineProblem(source, number, str(error), clean(";".join(row))[:60]))
            continue
        label = clean(" ".join(v for v in (cell(row, "text"), cell(row, "more")) if v))
        lines.append(BankLine(
            account=cell(row, "account").replace(" ", "") or account, booked=booked, amount=value,
            currency=(cell(row, "currency") or "EUR").upper(), text=label, payer=clean(cell(row, "payer")),
            payer_iban=cell(row, "payer_iban").replace(" ", "").upper(), bank_id=cell(row, "bank_id"),
            reference=cell(row, "bank_id"), family=family_from_text(f"{cell(row, 'method')} {label}"), source=source,
            line=number))
    return lines, problems
