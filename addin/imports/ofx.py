"""OFX statements: OFX 1.x (SGML), OFX 2.x (XML) and Quicken's QFX, read with ``ofxtools``.

Per statement of the file (``STMTRS``, one per account: a file may hold several), the
account (``BANKACCTFROM``: bank, branch and account id) and its currency (``CURDEF``);
per transaction (``STMTTRN``): ``TRNTYPE``, ``DTPOSTED`` (its calendar date as the bank
wrote it: no time zone is applied), ``TRNAMT`` (signed), ``FITID`` (the bank's id),
``NAME`` / ``PAYEE``, ``MEMO``, ``REFNUM``, ``CURRENCY`` (another currency than the
account's). ``TRNTYPE`` ``DIRECTDEBIT`` / ``DIRECTDEP`` read as a direct debit, ``XFER``
/ ``CREDIT`` / ``DEP`` as a transfer.

A transaction whose amount or date does not parse is reported with its line and left
out before ``ofxtools`` reads the rest (it would refuse the whole file).
"""

from __future__ import annotations

import io
import re
import warnings
from datetime import date
from decimal import Decimal

from addin.imports.statement import DIRECT_DEBIT, RETURNED, TRANSFER, BankLine, LineProblem, NotAStatement, \
    clean, family_from_text, parse_amount

_HEADER = re.compile(rb"OFXHEADER\s*[:=]|<\?OFX\s|<OFX>", re.IGNORECASE)
_BLOCK = re.compile(rb"<STMTTRN>(.*?)</STMTTRN>", re.IGNORECASE | re.DOTALL)
_FAMILIES = {"DIRECTDEBIT": DIRECT_DEBIT, "DIRECTDEP": DIRECT_DEBIT, "XFER": TRANSFER, "CREDIT": TRANSFER,
             "DEP": TRANSFER}


def sniff(data: bytes) -> bool:
    return bool(_HEADER.search(data[:2048]))


def _field(block: bytes, tag: str) -> str | None:
    m = re.search(rb"<" + tag.encode() + rb">([^<\r\n]*)", block, re.IGNORECASE)
    return m.group(1).decode("latin-1").strip() if m else None


def read(data: bytes, source: str) -> tuple[list[BankLine], list[LineProblem]]:
    if not sniff(data):
        raise NotAStatement(f"{source} : ce n'est pas un relevé OFX.")
    from ofxtools.Parser import OFXTree

    problems: list[LineProblem] = []
    kept: list[bytes] = []
    dates: list[date] = []
    numbers: list[int] = []
    last = 0
    for m in _BLOCK.finditer(data):
        block = m.group(1)
        number = data.count(b"\n", 0, m.start()) + 1
        try:
            posted = _field(block, "DTPOSTED") or ""
            if not re.match(r"\d{8}", posted):
                raise ValueError(f"date illisible « {posted} »")
            day = date(int(posted[:4]), int(posted[4:6]), int(posted[6:8]))
            parse_amount(_field(block, "TRNAMT") or "")
        except ValueError as error:
            problems.append(LineProblem(source, number, f"opération illisible : {error}"))
            kept.append(data[last:m.start()])
            last = m.end()
            continue
        dates.append(day)
        numbers.append(number)
    kept.append(data[last:])
    tree = OFXTree()
    try:
        with warnings.catch_warnings():  # private tags (QFX's <INTU.BID>) are skipped, rightly
            warnings.simplefilter("ignore")
            tree.parse(io.BytesIO(b"".join(kept)))
            ofx = tree.convert()
    except Exception as error:  # ofxtools raises many kinds; the file as a whole is unreadable
        raise NotAStatement(f"{source} : fichier OFX illisible ({type(error).__name__} : {error}).") from None
    lines: list[BankLine] = []
    index = 0
    for stmt in getattr(ofx, "statements", []) or []:
        acct = stmt.account
        account = " ".join(str(getattr(acct, k, "") or "") for k in ("bankid", "branchid", "acctid")).strip()
        currency = str(getattr(stmt, "curdef", "") or "EUR").upper()
        for tx in stmt.banktranlist or []:
            booked = dates[index] if index < len(dates) else tx.dtposted.date()
            number = numbers[index] if index < len(numbers) else 0
            index += 1
            tx_currency = getattr(tx, "currency", None)
            name = clean(getattr(tx, "name", None) or getattr(getattr(tx, "payee", None), "name", None) or "")
            text = clean(" ".join(str(v) for v in (tx.memo, getattr(tx, "name", None)) if v))
            lines.append(BankLine(
                account=account, booked=booked, amount=Decimal(tx.trnamt),
                currency=str(getattr(tx_currency, "cursym", "") or currency).upper(), text=text, payer=name,
                bank_id=str(tx.fitid or ""), reference=str(getattr(tx, "refnum", None) or tx.fitid or ""),
                family=_family(str(tx.trntype).upper(), text), source=source, line=number))
    return lines, problems


def _family(trntype: str, text: str) -> str:
    """``TRNTYPE`` says transfer or direct debit; a returned debit has no type of its own: its words say it."""
    from_text = family_from_text(text)
    return RETURNED if from_text == RETURNED else _FAMILIES.get(trntype, from_text)
