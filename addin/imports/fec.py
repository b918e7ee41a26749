"""The FEC, Fichier des Écritures Comptables (Livre des procédures fiscales L47 A, arrêté A47 A-1).

Every French accounting package exports it: one line per accounting line, a header row
naming the fields, tab- or pipe-separated. The 18 fields are JournalCode, JournalLib,
EcritureNum, EcritureDate, CompteNum, CompteLib, CompAuxNum, CompAuxLib, PieceRef,
PieceDate, EcritureLib, Debit, Credit, EcritureLet, DateLet, ValidDate, Montantdevise,
Idevise (or Montant and Sens in place of Debit and Credit); cash-basis books add DateRglt,
ModeRglt, NatOp (21 fields) and IdClient (22). Dates are AAAAMMJJ, amounts use a decimal
comma. Files come in UTF-8 (with or without BOM) or Latin-1, with CRLF or CR line ends,
sometimes padded to fixed widths: all are read. So are UTF-16 files (a spreadsheet's « texte
Unicode ») and what packages and spreadsheets make of
it: semicolons and double-quoted fields, a separator closing each line, empty trailing fields
left off, names spelt in full or with accents (JournalLibelle, EcritureLettrage, Débit), columns
in another order (read by name), dates JJ/MM/AAAA or with a midnight time, amounts 1 234,56,
1.234,56, 1,234.56 or 12,50-.

What Relance takes from it: the customer accounts (411…, one client per auxiliary account
CompAuxNum, else per 411 account). On them, a debit is an invoice (number PieceRef, date
PieceDate), a credit in an entry that books sales (a 7… line) is a credit note,
any other credit a payment (date EcritureDate). Lines lettered together (EcritureLet)
settle each other: their credit notes and payments are allocated to their invoices in date
order, so each payment names the invoice it paid; an unlettered payment names the oldest
invoice the lettering left open (Code civil 1342-10), what exceeds them stays a client credit. The open items then add up, client
by client, to the FEC's customer balances to the cent.

``read(data, source)`` returns a ``Fec`` (clients, documents, payments, the balances it
found) and its problems (``Problem``, ``sheet`` = the file's name, ``row`` = its line). A
line with missing fields and an unbalanced entry are reported and left out; the rest is read.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from addin.core.model import ZERO, Problem, Severity, cents
from addin.imports.encoding import decode
from addin.imports.statement import parse_amount as statement_amount

FIELDS_18 = ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum",
             "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet",
             "ValidDate", "Montantdevise", "Idevise")
REQUIRED = ("JournalCode", "EcritureNum", "EcritureDate", "CompteNum", "CompAuxNum", "CompAuxLib", "PieceRef",
            "PieceDate", "EcritureLet")
CUSTOMER_PREFIX = "411"
SALES_PREFIXES = ("7",)  # revenue; VAT lines also sit in receipts (VAT on receipts), so they do not count


@dataclass(frozen=True)
class FecClient:
    code: str  # the auxiliary account (else the 411 account)
    name: str


@dataclass(frozen=True)
class FecDocument:
    """An invoice (amount > 0) or a credit note (amount < 0), TTC, signed as Factures wants it."""

    number: str
    client: str
    issued: date
    amount_ttc: Decimal
    amount_ht: Decimal | None
    line: int
    original_invoice: str = ""


@dataclass(frozen=True)
class FecPayment:
    client: str
    paid_on: date
    amount: Decimal  # > 0
    invoice: str  # "" : none named
    method: str
    reference: str
    line: int


@dataclass
class Fec:
    clients: list[FecClient] = field(default_factory=list)
    documents: list[FecDocument] = field(default_factory=list)
    payments: list[FecPayment] = field(default_factory=list)
    balances: dict[str, Decimal] = field(default_factory=dict)  # client -> debit - credit of the lines read
    lines: int = 0


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    journal: str
    entry: str
    entry_date: date
    account: str
    aux: str
    aux_name: str
    account_name: str
    piece: str
    piece_date: date | None
    label: str
    amount: Decimal  # debit - credit
    letter: str


def sniff(data: bytes) -> bool:
    """A FEC: its first line names at least three of the FEC's fields (JournalCode, EcritureNum…);
    one missing a field it needs is still a FEC, reported by ``read``."""
    head = data[:2048]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 (a spreadsheet's « texte Unicode »)
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    head = head.lstrip(b"\xef\xbb\xbf")
    first = re.split(rb"\r\n|\r|\n", head, maxsplit=1)[0].lower()
    first = re.sub(rb"[^a-z0-9|\t;,]", b"", first)  # « Journal Code », « ECRITURE_NUM » name the same fields
    return sum(name.lower().encode() in first for name in FIELDS_18) >= 3


def parse_amount(text: str) -> Decimal:
    """An FEC amount: empty (a debit or credit left blank) → 0, else what a bank file's amount may
    be (``1 234,56``, ``1234.56``, ``12,50-``: ``statement.parse_amount``); ``NaN``, ``1e5`` and
    other text raise ``ValueError``."""
    if not text.strip():
        return ZERO
    return statement_amount(text)


def parse_date(text: str) -> date | None:
    """``AAAAMMJJ`` (the FEC's format), also ``JJ/MM/AAAA`` and ``AAAA-MM-JJ``; empty → None."""
    t = text.strip()
    if not t:
        return None
    t = re.sub(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "", t)  # 20250110 00:00:00, 2025-01-10T00:00:00
    if re.fullmatch(r"\d{8}", t):
        return date(int(t[:4]), int(t[4:6]), int(t[6:]))
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", t)
    if m:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    return date.fromisoformat(t)


# The law's names as some packages spell them (full words, accents, underscores).
ALIASES = {"journallibelle": "journallib", "comptelibelle": "comptelib", "compauxlibelle": "compauxlib",
           "ecriturelibelle": "ecriturelib", "ecriturelettrage": "ecriturelet", "lettrage": "ecriturelet",
           "datelettrage": "datelet", "ecriturenumero": "ecriturenum", "comptenumero": "comptenum",
           "compauxnumero": "compauxnum", "pieceref": "pieceref", "numeropiece": "pieceref",
           "validdate": "validdate", "datevalidation": "validdate", "devise": "idevise", "iddevise": "idevise"}


def _canonical(name: str) -> str:
    """A header name compared without case, accents or separators, aliases mapped to the law's name."""
    import unicodedata

    bare = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    bare = re.sub(r"[^a-z0-9]", "", bare)
    return ALIASES.get(bare, bare)


def _cell(text: str) -> str:
    """A field without its padding and the double quotes some packages put around every field."""
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] == '"':
        t = t[1:-1].replace('""', '"')
    return t


def _problem(source: str, line: int | None, message: str, fix: str, code: str = "import.fec",
             severity: Severity = Severity.ERROR) -> Problem:
    return Problem(source, line, None, None, message, fix, severity, code)


def read(data: bytes, source: str) -> tuple[Fec, list[Problem]]:
    """The customer side of a FEC, and what could not be read (with its line)."""
    problems: list[Problem] = []
    fec = Fec()
    text = decode(data)
    rows = re.split(r"\r\n|\r|\n", text)
    header = rows[0] if rows else ""
    sep = max(("\t", "|", ";"), key=header.count)  # the law's tab or pipe; some packages write semicolons
    names = [_cell(h).lstrip("\ufeff") for h in header.split(sep)]
    closing = False
    while names and not names[-1]:  # a separator closing the header line (and each line) names no column
        names.pop()
        closing = True
    index: dict[str, int] = {}
    for i, n in enumerate(names):
        index.setdefault(_canonical(n), i)
    wanted = list(REQUIRED)
    if "debit" in index and "credit" in index:
        signed = False
    elif "montant" in index and "sens" in index:
        signed = True
    else:
        wanted += ["Debit", "Credit"]
        signed = False
    missing = [n for n in wanted if n.lower() not in index]
    if missing:
        problems.append(_problem(source, 1, f"FEC incomplet : colonne{'s' if len(missing) > 1 else ''} "
                                 f"{', '.join(missing)} absente{'s' if len(missing) > 1 else ''} de l'en-tête "
                                 f"({len(names)} colonnes) : fichier non importé.",
                                 "Réexportez le FEC complet (18 colonnes, ou 21/22 en comptabilité de trésorerie) "
                                 "depuis le logiciel comptable.", "import.fec.columns"))
        return fec, problems
    col = {n: index[n.lower()] for n in (*REQUIRED, "CompteLib", "EcritureLib", "DateLet")
           if n.lower() in index}
    if signed:
        col_amount, col_sens = index["montant"], index["sens"]
    else:
        col_debit, col_credit = index["debit"], index["credit"]
    width = len(names)
    quoted = header.lstrip("\ufeff").startswith('"')
    needed = 1 + max([*col.values(), *((col_amount, col_sens) if signed else (col_debit, col_credit))])

    by_entry: dict[tuple[str, str], list[_Line]] = defaultdict(list)
    entry_sales: dict[tuple[str, str], bool] = {}
    entry_method: dict[tuple[str, str], str] = {}
    totals: dict[tuple[str, str], list] = {}
    first_line: dict[tuple[str, str], int] = {}
    revenue: dict[tuple[str, str], Decimal] = {}  # sales (7…) lines, credit - debit
    receivable: dict[tuple[str, str], Decimal] = {}  # customer lines, debit - credit
    for number, raw in enumerate(rows[1:], start=2):
        if not raw.strip() or raw == header:  # a blank line; the header again (FECs of several years joined)
            continue
        fec.lines += 1
        if quoted:  # quoted fields may hold the separator: read as CSV
            cells = [c.strip() for c in next(csv.reader([raw], delimiter=sep))]
        else:
            cells = raw.split(sep)
        if needed <= len(cells) < width:  # empty trailing fields (ValidDate, Idevise…) left out by the exporter
            cells += [""] * (width - len(cells))
        if len(cells) < width:
            problems.append(_problem(source, number, f"Ligne incomplète : {len(cells)} champs au lieu de {width} : "
                                     "ligne ignorée.", "Vérifiez le séparateur et les champs de cette ligne dans le "
                                     "logiciel comptable.", "import.fec.line"))
            continue
        if closing and len(cells) == width + 1 and not cells[-1].strip():  # a separator closing the line
            cells.pop()
        if len(cells) > width:  # a separator inside a label shifts every field after it
            problems.append(_problem(source, number, f"Ligne de {len(cells)} champs au lieu de {width} (un libellé "
                                     "contient-il le séparateur ?) : ligne ignorée.", "Retirez le séparateur du "
                                     "libellé dans le logiciel comptable, puis réexportez le FEC.", "import.fec.line"))
            continue
        try:
            if signed:
                amount = parse_amount(cells[col_amount])
                sens = cells[col_sens].strip().upper()
                amount = -amount if sens in ("C", "-1", "CREDIT", "CRÉDIT") else amount
            else:
                amount = parse_amount(cells[col_debit]) - parse_amount(cells[col_credit])
            entry_date = parse_date(cells[col["EcritureDate"]])
            piece_date = parse_date(cells[col["PieceDate"]])
        except (InvalidOperation, ValueError):
            problems.append(_problem(source, number, "Montant ou date illisible : ligne ignorée.",
                                     "Les dates s'écrivent AAAAMMJJ et les montants 1234,56.", "import.fec.value"))
            continue
        if entry_date is None:
            problems.append(_problem(source, number, "Date d'écriture (EcritureDate) vide : ligne ignorée.",
                                     "Chaque ligne du FEC porte la date de son écriture.", "import.fec.value"))
            continue
        journal, entry = cells[col["JournalCode"]].strip(), cells[col["EcritureNum"]].strip()
        account = cells[col["CompteNum"]].strip()
        # An entry is its journal, number and date: numbers that restart each period or each year
        # (concatenated FECs) never merge two entries, and one entry has one date.
        key = (journal, entry, entry_date)
        total = totals.setdefault(key, [ZERO, ZERO])
        total[0 if amount > 0 else 1] += abs(amount)
        first_line.setdefault(key, number)
        if account.startswith(SALES_PREFIXES):
            entry_sales[key] = True
            if account.startswith("7"):
                revenue[key] = revenue.get(key, ZERO) - amount
        elif account.startswith("512") and key not in entry_method:
            entry_method[key] = "Virement"
        elif account.startswith("53") and key not in entry_method:
            entry_method[key] = "Espèces"
        if account.startswith(CUSTOMER_PREFIX):
            by_entry[key].append(_Line(
                number, journal, entry, entry_date, account, cells[col["CompAuxNum"]].strip(),
                cells[col["CompAuxLib"]].strip(), cells[col["CompteLib"]].strip() if "CompteLib" in col else "",
                cells[col["PieceRef"]].strip(), piece_date,
                cells[col["EcritureLib"]].strip() if "EcritureLib" in col else "", amount,
                cells[col["EcritureLet"]].strip()))
            receivable[key] = receivable.get(key, ZERO) + amount
    customer_lines: list[_Line] = []
    for key, lines in by_entry.items():
        debit, credit = totals[key]
        if debit != credit:
            problems.append(_problem(source, first_line[key], f"Écriture {key[0]} {key[1]} déséquilibrée (débit "
                                     f"{_euros(debit)}, crédit {_euros(credit)}) : ses lignes clients sont ignorées.",
                                     "Corrigez l'écriture dans le logiciel comptable, puis réexportez le FEC.",
                                     "import.fec.unbalanced"))
            continue
        customer_lines.extend(lines)
    customer_lines.sort(key=lambda ln: ln.number)
    shares = {key: (revenue.get(key, ZERO), receivable[key]) for key in by_entry if key in revenue}
    _customers(fec, customer_lines, entry_sales, entry_method, shares)
    return fec, problems


def _euros(amount: Decimal) -> str:
    from addin.core.model import format_euros

    return format_euros(amount)


def _customers(fec: Fec, lines: list[_Line], sales: dict, methods: dict, shares: dict) -> None:
    """Clients, documents and payments of the customer lines, allocated by their lettering."""
    names: dict[str, str] = {}
    used: set[str] = set()
    # What each line became: (kind, index into documents/payments).
    invoices: dict[int, FecDocument] = {}
    credits: list[tuple[_Line, str]] = []  # (line, "credit_note"|"payment")
    for ln in lines:
        client = ln.aux or ln.account
        if client not in names:
            names[client] = ln.aux_name or ln.account_name or client
        fec.balances[client] = fec.balances.get(client, ZERO) + ln.amount
        if ln.amount == 0:
            continue
        if ln.amount > 0:
            invoices[ln.number] = FecDocument(_unique(ln, used), client, ln.piece_date or ln.entry_date, ln.amount,
                                              _ht(ln, shares), ln.number)
        else:
            credits.append((ln, "credit_note" if sales.get((ln.journal, ln.entry, ln.entry_date)) else "payment"))
    fec.clients = [FecClient(code, name) for code, name in names.items()]

    # Lettering: within a (client, letter) group, credit notes then payments settle the
    # invoices, oldest first.
    open_amount = {n: doc.amount_ttc for n, doc in invoices.items()}
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    line_of = {ln.number: ln for ln in lines}
    for ln in lines:
        if ln.letter and ln.number in invoices:
            groups[(invoices[ln.number].client, ln.letter)].append(ln.number)
    documents: list[FecDocument] = []
    notes: dict[int, FecDocument] = {}
    splits: dict[int, list[tuple[str, Decimal]]] = {}
    by_client: dict[str, list[int]] = defaultdict(list)
    for n, doc in invoices.items():
        by_client[doc.client].append(n)
    for numbers in by_client.values():
        numbers.sort(key=lambda n: (invoices[n].issued, n))
    # Lettered lines first (credit notes, then payments); then the unlettered payments, each on
    # the client's oldest invoice its lettering left open (Code civil 1342-10), named so that
    # Relance does not put it on an invoice the lettering says another payment settled.
    ordered = sorted(credits, key=lambda c: (not c[0].letter, c[1] != "credit_note", c[0].entry_date, c[0].number))
    for ln, kind in ordered:
        client = ln.aux or ln.account
        amount = -ln.amount
        if ln.letter:
            targets = sorted(groups.get((client, ln.letter), ()), key=lambda n: (invoices[n].issued, n))
        else:
            targets = by_client.get(client, []) if kind == "payment" else []
        parts: list[tuple[str, Decimal]] = []
        for n in targets:
            if amount <= 0:
                break
            take = min(amount, open_amount[n])
            if take > 0:
                parts.append((invoices[n].number, take))
                open_amount[n] -= take
                amount -= take
        if kind == "credit_note":
            notes[ln.number] = FecDocument(_unique(ln, used), client, ln.piece_date or ln.entry_date, ln.amount,
                                           _ht(ln, shares), ln.number,
                                           parts[0][0] if parts else "")
        else:
            if amount > 0:
                parts.append(("", amount))
            splits[ln.number] = parts
    for number in sorted({*invoices, *notes}):
        documents.append(invoices.get(number) or notes[number])
    fec.documents = documents
    for number in sorted(splits):
        ln = line_of[number]
        client = ln.aux or ln.account
        reference = f"FEC {ln.journal}-{ln.entry}" + (f" {ln.piece}" if ln.piece else "")
        for invoice, amount in splits[number]:
            fec.payments.append(FecPayment(client, ln.entry_date, amount, invoice,
                                           methods.get((ln.journal, ln.entry, ln.entry_date), ""), reference, ln.number))


def _unique(ln: _Line, used: set[str]) -> str:
    """The document's number: its PieceRef, made unique by its entry (then its client) when taken."""
    client = ln.aux or ln.account
    base = ln.piece or f"{ln.journal}-{ln.entry}"
    for candidate in (base, f"{base}/{ln.journal}-{ln.entry}", f"{base}/{ln.journal}-{ln.entry}/{client}"):
        if candidate not in used:
            used.add(candidate)
            return candidate
    n = 2
    while f"{base}/{n}" in used:
        n += 1
    used.add(f"{base}/{n}")
    return f"{base}/{n}"


def _ht(ln: _Line, shares: dict) -> Decimal | None:
    """HT of a document booked with its sales: the entry's sales (7…) in proportion of this
    customer line's part of the entry's customer lines; ``None`` outside a sales entry."""
    revenue, receivable = shares.get((ln.journal, ln.entry, ln.entry_date), (ZERO, ZERO))
    if not revenue or not receivable:
        return None
    return cents(revenue * ln.amount / receivable)
