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

Real files often break the OFX specification where it does not matter to a statement (blank
lines before the header, an empty ``<LANGUAGE></LANGUAGE>``, a server time
``20180804093914:014``, a lower-case ``TRNTYPE``, transactions without their closing
``</STMTTRN>``…): when ``ofxtools`` refuses a file that
still holds statements, their fields are read tag by tag (the same fields as above), so such a
file is imported rather than refused.

Text: a header saying Windows-1252 over bytes that are UTF-8 is read as UTF-8.

Signs: ``TRNAMT`` is signed (money in is positive). Two bank habits are repaired per
statement, from the ``TRNTYPE`` of its transactions, when some are typed as money in
(``CREDIT``, ``DEP``…) and some as money out (``DEBIT``, ``PAYMENT``, ``CHECK``, ``FEE``…):
amounts all unsigned take their sign from their type; amounts whose signs are all the reverse
of their types (every credit-typed one negative, every debit-typed one positive) are turned
over. A statement typed one way only keeps its signs as written.
"""

from __future__ import annotations

import html
import io
import re
import warnings
from datetime import date
from decimal import Decimal

from addin.imports.statement import DIRECT_DEBIT, RETURNED, TRANSFER, BankLine, LineProblem, NotAStatement, \
    clean, family_from_text, parse_amount

_HEADER = re.compile(rb"OFXHEADER\s*[:=]|<\?OFX\s|<OFX>", re.IGNORECASE)
# A transaction ends at its closing tag — or, where a bank leaves it out, at the next one or the list's end.
_BLOCK = re.compile(rb"<STMTTRN>(.*?)(?:</STMTTRN>|(?=<STMTTRN>)|(?=</BANKTRANLIST>)|(?=<LEDGERBAL>)|\Z)",
                    re.IGNORECASE | re.DOTALL)
_STMT = re.compile(rb"<(CC)?STMTRS>(.*?)(?:</(?:CC)?STMTRS>|(?=<(?:CC)?STMTRS>)|$)", re.IGNORECASE | re.DOTALL)
_IN = {"CREDIT", "DEP", "DIRECTDEP", "INT", "DIV"}
_OUT = {"DEBIT", "PAYMENT", "CHECK", "FEE", "SRVCHG", "ATM", "POS", "DIRECTDEBIT", "CASH", "REPEATPMT"}
_FAMILIES = {"DIRECTDEBIT": DIRECT_DEBIT, "DIRECTDEP": DIRECT_DEBIT, "XFER": TRANSFER, "CREDIT": TRANSFER,
             "DEP": TRANSFER}


def sniff(data: bytes) -> bool:
    return bool(_HEADER.search(data[:2048]))


def _field(block: bytes, tag: str, encoding: str = "latin-1") -> str | None:
    m = re.search(rb"<" + tag.encode() + rb">([^<\r\n]*)", block, re.IGNORECASE)
    return html.unescape(m.group(1).decode(encoding, errors="replace")).strip() if m else None


def _utf8_header(body: bytes) -> bytes:
    """An OFX 1 header saying ``CHARSET:1252`` (or Latin-1) over bytes that are UTF-8 — many banks'
    exports — is made to say UTF-8, so that « SOCIÉTÉ » is not read « SOCIÃ‰TÃ‰ »."""
    if _encoding(body) != "utf-8" or body.isascii() or not body.startswith(b"OFXHEADER"):
        return body
    head, sep, rest = body.partition(b"<")
    head = re.sub(rb"ENCODING\s*:\s*\S+", b"ENCODING:UTF-8", head)
    head = re.sub(rb"CHARSET\s*:\s*\S+", b"CHARSET:NONE", head)
    return head + sep + rest


def _encoding(data: bytes) -> str:
    """UTF-8 when the bytes are (OFX 2 and many 1.x files), else Windows-1252 (``CHARSET:1252``)."""
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def read(data: bytes, source: str) -> tuple[list[BankLine], list[LineProblem]]:
    if not sniff(data):
        raise NotAStatement(f"{source} : ce n'est pas un relevé OFX.")
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
    body = _utf8_header(b"".join(kept).lstrip())  # blank lines before the header make ofxtools refuse the file
    try:
        statements = _with_ofxtools(body, dates, numbers)
    except Exception as error:  # ofxtools raises many kinds; read the fields tag by tag instead
        statements = _by_tags(body, dates, numbers)
        if not statements:
            raise NotAStatement(f"{source} : fichier OFX illisible ({type(error).__name__} : {error}).") from None
    lines: list[BankLine] = []
    for account, currency, txs in statements:
        for tx, amount in zip(txs, _signed([(t["type"], t["amount"]) for t in txs])):
            text = clean(" ".join(v for v in (tx["memo"], tx["name"]) if v))
            lines.append(BankLine(
                account=account, booked=tx["booked"], amount=amount, currency=(tx["currency"] or currency).upper(),
                text=text, payer=clean(tx["name"]), bank_id=tx["fitid"], reference=tx["refnum"] or tx["fitid"],
                family=_family(tx["type"], text), source=source, line=tx["line"]))
    return lines, problems


def _with_ofxtools(body: bytes, dates: list[date], numbers: list[int]) -> list:
    """[(account, currency, [transaction fields])] per statement, read by ofxtools."""
    from ofxtools.Parser import OFXTree

    tree = OFXTree()
    with warnings.catch_warnings():  # private tags (QFX's <INTU.BID>) are skipped, rightly
        warnings.simplefilter("ignore")
        tree.parse(io.BytesIO(body))
        ofx = tree.convert()
    out = []
    index = 0
    for stmt in getattr(ofx, "statements", []) or []:
        acct = stmt.account
        account = " ".join(str(v) for v in (getattr(acct, k, "") for k in ("bankid", "branchid", "acctid")) if v)
        currency = str(getattr(stmt, "curdef", "") or "EUR")
        txs = []
        for tx in stmt.banktranlist or []:
            booked = dates[index] if index < len(dates) else tx.dtposted.date()
            number = numbers[index] if index < len(numbers) else 0
            index += 1
            name = getattr(tx, "name", None) or getattr(getattr(tx, "payee", None), "name", None) or ""
            txs.append(dict(type=str(tx.trntype).upper(), booked=booked, amount=Decimal(tx.trnamt), line=number,
                            name=str(name), memo=str(tx.memo or ""), fitid=str(tx.fitid or ""),
                            refnum=str(getattr(tx, "refnum", None) or ""),
                            currency=str(getattr(getattr(tx, "currency", None), "cursym", "") or "")))
        out.append((account, currency, txs))
    return out


def _by_tags(body: bytes, dates: list[date], numbers: list[int]) -> list:
    """The same as ``_with_ofxtools``, each field read by its tag (a file ofxtools refuses)."""
    encoding = _encoding(body)
    out = []
    index = 0
    for m in _STMT.finditer(body):
        block = m.group(2)
        head = block.split(b"<BANKTRANLIST>", 1)[0] if b"<BANKTRANLIST>" in block.upper() else block
        account = " ".join(v for v in (_field(head, k, encoding) for k in ("BANKID", "BRANCHID", "ACCTID")) if v)
        txs = []
        for t in _BLOCK.finditer(block):
            tx = t.group(1)
            booked = dates[index] if index < len(dates) else None
            number = numbers[index] if index < len(numbers) else 0
            index += 1
            if booked is None:
                continue
            f = lambda tag: _field(tx, tag, encoding) or ""  # noqa: E731
            txs.append(dict(type=f("TRNTYPE").upper(), booked=booked, amount=parse_amount(f("TRNAMT")), line=number,
                            name=f("NAME") or f("PAYEE"), memo=f("MEMO"), fitid=f("FITID"), refnum=f("REFNUM"),
                            currency=_field(_without(tx, b"ORIGCURRENCY"), "CURSYM", encoding) or ""))
        out.append((account, _field(head, "CURDEF", encoding) or "EUR", txs))
    return out


def _without(block: bytes, tag: bytes) -> bytes:
    """``block`` without its ``tag`` aggregate (``ORIGCURRENCY``: the amount is already in the account's currency)."""
    return re.sub(rb"<" + tag + rb">.*?</" + tag + rb">", b"", block, flags=re.IGNORECASE | re.DOTALL)


def _signed(typed: list[tuple[str, Decimal]]) -> list[Decimal]:
    """The amounts of one statement, their signs repaired (see the module's docstring)."""
    amounts = [a for _, a in typed]
    credits = [a for t, a in typed if t in _IN and a]
    debits = [a for t, a in typed if t in _OUT and a]
    if not credits or not debits:  # the types must tell both ways before they overrule the signs
        return amounts
    if not any(a < 0 for a in amounts):
        return [-a if t in _OUT else a for t, a in typed]  # unsigned amounts: the type says
    if all(a < 0 for a in credits) and all(a > 0 for a in debits):
        return [-a for a in amounts]  # the bank's own point of view: turned over
    return amounts


def _family(trntype: str, text: str) -> str:
    """``TRNTYPE`` says transfer or direct debit; a returned debit has no type of its own: its words say it."""
    from_text = family_from_text(text)
    return RETURNED if from_text == RETURNED else _FAMILIES.get(trntype, from_text)
