"""A bank line as every statement reader returns it, and its identity.

One ``BankLine`` per booked operation, whatever the format: the account it was booked
on, the booking date, the signed amount (positive: money in), the currency, the
remittance text and, when the bank gives them, the counterparty's name and IBAN, the
bank's own transaction id and the family of the operation (transfer, direct debit,
a returned operation). Readers never raise on a bad line: they return
``(lines, problems)`` where a ``LineProblem`` names the file and the line (1-based)
that could not be read, and the rest of the file is read.

Identity (« never twice »): a line the bank gives an id for is ``account + id``;
otherwise a stable hash of account, date, amount, text and its rank among the lines of
the same account, date, amount and text in the same file, so that the same statement
read again, or an overlapping one, gives the same identities.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Iterable

# The family of an operation, as far as matching cares.
TRANSFER = "virement"
DIRECT_DEBIT = "prelevement"
RETURNED = "rejet"  # a returned / rejected operation (a direct debit that did not go through)
OTHER = "autre"


@dataclass(frozen=True, slots=True)
class BankLine:
    account: str  # IBAN of the statement's account (or bank + branch + account number)
    booked: date
    amount: Decimal  # signed: positive is a credit (money received)
    currency: str = "EUR"
    text: str = ""  # remittance information and labels, joined
    payer: str = ""  # counterparty name
    payer_iban: str = ""  # counterparty IBAN as written in the statement (checked later)
    bank_id: str = ""  # the bank's transaction id (AcctSvcrRef, FITID...)
    reference: str = ""  # the reference to show in Paiements (end-to-end id, bank ref...)
    family: str = OTHER
    source: str = ""  # file name
    line: int = 0  # 1-based line (or record) in that file
    identity: str = ""


@dataclass(frozen=True, slots=True)
class LineProblem:
    """A line of a statement that could not be read (or read with a doubt)."""

    source: str
    line: int
    message: str  # French, one line
    value: str = ""
    kind: str = "line"  # "line": the line was skipped; "iban": read, counterparty IBAN unusable


class NotAStatement(ValueError):
    """The file is not a bank statement Relance reads (or is broken as a whole)."""


def parse_amount(text: str, decimal_mark: str | None = None) -> Decimal:
    """« 1 234,56 », « -1234.56 », « 1.234,56 », « +12 » → Decimal; raises ValueError otherwise.

    ``decimal_mark`` (« , » or « . »), when the file as a whole tells it, settles « 1.234 »: with
    « , » the point separates thousands (1234), with « . » it is the decimal mark (1.234)."""
    t = str(text).strip().replace("\u2212", "-").replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("'", "")
    t = t.replace("€", "").replace("EUR", "")
    negative = t.startswith("-") or (t.startswith("(") and t.endswith(")")) or t.endswith("-")
    t = t.strip("+-()")
    if decimal_mark == ",":
        t = t.replace(".", "").replace(",", ".")
    elif decimal_mark == ".":
        t = t.replace(",", "")
    elif "," in t and "." in t:  # the last one is the decimal separator
        if t.rfind(",") > t.rfind("."):
            t = t.replace(".", "").replace(",", ".")
        else:
            t = t.replace(",", "")
    elif "," in t:
        t = t.replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d+)?", t):
        raise ValueError(f"montant illisible « {text} »")
    try:
        value = Decimal(t)
    except InvalidOperation:
        raise ValueError(f"montant illisible « {text} »") from None
    return -value if negative else value


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean(text: object) -> str:
    """One line of text: control characters and runs of spaces become one space."""
    text = str(text or "")
    if not text.isprintable():  # a control character (the usual text has none)
        text = _CONTROL.sub(" ", text)
    return " ".join(text.split())  # ``split`` cuts on what ``\s`` matches: runs of spaces become one


def with_identities(lines: Iterable[BankLine]) -> list[BankLine]:
    """Give each line its identity (see the module's docstring); the order is kept."""
    out = []
    rank: Counter = Counter()
    for line in lines:
        if line.bank_id:
            identity = f"{line.account}|{line.bank_id}"
        else:
            key = (line.account, line.booked, line.amount, line.text)
            rank[key] += 1
            identity = f"{line.account}|{line.booked.isoformat()}|{line.amount}|{line.text}|{rank[key]}"
        digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:20]
        out.append(replace(line, identity=digest))
    return out


def family_from_text(label: str) -> str:
    """The family a label's usual words say (CSV exports and OFX have no code for a returned debit):
    « REJET », « IMPAYE », « RETOUR » → returned; « PRLV » → direct debit; « VIR » → transfer."""
    words = re.sub(r"[^0-9a-z]+", " ", label.lower().replace("é", "e").replace("è", "e"))
    if re.search(r"\b(rejet|rejete|impaye|retour|unpaid|returned)", words):
        return RETURNED
    if re.search(r"\b(prlv|prelevement|prel sepa|sdd|direct debit)\b", words):
        return DIRECT_DEBIT
    if re.search(r"\b(vir|virement|vrt|sct|transfer)\b", words):
        return TRANSFER
    return OTHER
