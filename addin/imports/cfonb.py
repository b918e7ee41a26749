"""CFONB 120: the French 120-character account statement (« relevé de compte sur support
informatique », CFONB, July 2004, with the 2007 additions for SEPA operations).

One record per line, its kind in columns 1–2 (positions are 1-based, as in the
specification):

| record | what | read here |
|---|---|---|
| 01 | previous balance | the account (a new statement starts) |
| 04 | operation | bank 3–7, internal code 8–11, branch 12–16, currency 17–19, decimals 20, account 22–32, interbank code 33–34, booking date 35–40 (JJMMAA), rejection code 41–42, value date 43–48, label 49–79, entry number 82–88, amount 91–104, reference 105–120 |
| 05 | complement of the operation above | qualifier 46–48 and its text 49–118: ``NPY`` payer's name, ``IPY`` payer's id, ``LCC``/``LC2``/``LCS``/``LIB`` remittance and labels, ``RCN`` the payer's reference, ``REF`` the bank's reference; other qualifiers are kept in the text |
| 07 | new balance | (the statement ends) |

The amount holds 14 characters whose last one carries the sign and the last digit:
``{`` and ``A``–``I`` are +0…+9, ``}`` and ``J``–``R`` are −0…−9; column 20 gives
the number of decimals. A non-blank rejection code (41–42) makes a returned operation;
otherwise the family comes from the words of the label and its complements (« VIR »,
« PRLV », « REJET », « IMPAYE »…: ``statement.family_from_text``), the interbank operation
codes not being relied upon.

Complements of one qualifier are joined as they are (a remittance cut every 70 characters
is whole again), then the qualifiers in order, after the label of the 04.
Lines longer than 120 characters (padded by some transfer tools) are read on their
first 120 — unless what follows is another record: records written one after the other
without line breaks (a whole file on one line, or 240-character lines) are cut every 120
characters. Lines whose trailing blanks were stripped are padded back. The file is Latin-1
(the standard's character set is a subset of it), or UTF-8 when it decodes as such (then the
columns count characters, not bytes). A DOS end-of-file mark (``\x1a``) is ignored; a blank
line is skipped; a line that is neither 01, 04, 05 nor 07, or whose
fields do not parse, is reported with its number and the rest is read. The file has no
transaction id: identities come from the hash (``statement.with_identities``).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

from addin.imports.encoding import decode
from addin.imports.statement import OTHER, RETURNED, BankLine, LineProblem, NotAStatement, clean, family_from_text

_SIGNS = {"{": (1, "0"), "}": (-1, "0")}
_SIGNS.update({chr(ord("A") + i): (1, str(i + 1)) for i in range(9)})
_SIGNS.update({chr(ord("J") + i): (-1, str(i + 1)) for i in range(9)})
_RECORD = re.compile(r"^(01|04|05|07)\d{5}")


def records(text: str):
    """(line number, record) for each record of the file, cut every 120 characters when a line
    holds several (see the module's docstring)."""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.replace("\x1a", "").rstrip("\r\n")
        while len(line) > 120 and _RECORD.match(line[120:]):
            yield number, line[:120]
            line = line[120:]
        yield number, line


def sniff(data: bytes) -> bool:
    """Most non-blank records (of the first 20) start with a record code 01/04/05/07 and a
    bank code, and are at least 120 characters long — or all of them do, and one with an
    amount (01, 04, 07) reaches its end (column 104): their trailing blanks were stripped."""
    text = data[:20 * 130 * 2].decode("latin-1", errors="replace")
    lines = [ln for _, ln in records(text) if ln.strip()][:20]
    if not lines:
        return False
    good = sum(1 for ln in lines if _RECORD.match(ln) and len(ln) >= 118)
    if good >= max(1, (len(lines) + 1) // 2):
        return True
    return all(_RECORD.match(ln) for ln in lines) and any(ln[:2] != "05" and len(ln) >= 104 for ln in lines)


def amount(field: str, decimals: int) -> Decimal:
    """``0000000012345E`` with 2 decimals → 1234.55 (the sign is in the last character)."""
    field = field.strip()
    if len(field) < 2 or field[-1] not in _SIGNS or not field[:-1].isdigit():
        raise ValueError(f"montant illisible « {field} »")
    sign, digit = _SIGNS[field[-1]]
    return sign * Decimal(field[:-1] + digit).scaleb(-decimals)


def _date(field: str) -> date:
    if not field.isdigit() or len(field) != 6:
        raise ValueError(f"date illisible « {field} »")
    day, month, year = int(field[:2]), int(field[2:4]), int(field[4:])
    try:
        return date(2000 + year if year < 70 else 1900 + year, month, day)
    except ValueError:
        raise ValueError(f"date illisible « {field} »") from None


def read(data: bytes, source: str) -> tuple[list[BankLine], list[LineProblem]]:
    """Every operation (record 04, with its 05 complements) of every account in the file."""
    if not sniff(data):
        raise NotAStatement(f"{source} : ce n'est pas un relevé CFONB 120.")
    text = decode(data)  # UTF-8, else Windows-1252 (a bank's ’ or €), else Latin-1: columns count characters
    lines: list[BankLine] = []
    problems: list[LineProblem] = []
    current: BankLine | None = None
    extras: dict[str, list[str]] = {}
    skipping = False

    def flush() -> None:
        nonlocal current
        if current is not None:
            lines.append(_complete(current, extras))
        current = None
        extras.clear()

    for number, record in records(text):
        if not record.strip():
            continue
        record = record[:120].ljust(120)
        code = record[:2]
        try:
            if code == "04":
                flush()
                skipping = False
                current = _operation(record, source, number)
            elif code == "05":
                if skipping:
                    continue  # the complement of an operation already reported
                if current is None:
                    raise ValueError("complément (05) sans opération (04) avant lui")
                qualifier = record[45:48].strip().upper()
                extras.setdefault(qualifier, []).append(record[48:118])  # 70 characters, joined as they are
            elif code in ("01", "07"):
                flush()
                skipping = False
            else:
                raise ValueError(f"enregistrement de type « {code} » inconnu (attendu 01, 04, 05 ou 07)")
        except ValueError as error:
            if code == "04":
                flush()
                skipping = True
            problems.append(LineProblem(source, number, str(error), record[:40].rstrip()))
    flush()
    return lines, problems


def _operation(record: str, source: str, number: int) -> BankLine:
    decimals = int(record[19]) if record[19].isdigit() else 2
    bank, branch, account = record[2:7], record[11:16], record[21:32].strip()
    rejection = record[40:42].strip()
    value = amount(record[90:104], decimals)
    family = RETURNED if rejection else OTHER  # else told by the words, once the complements are joined
    reference = record[104:120].strip()
    return BankLine(
        account=f"{bank} {branch} {account}", booked=_date(record[34:40]), amount=value,
        currency=record[16:19].strip().upper() or "EUR", text=clean(record[48:79]), reference=reference,
        family=family, source=source, line=number)


def _complete(line: BankLine, extras: dict[str, list[str]]) -> BankLine:
    """The 04 line with its 05 complements: name, payer's id, texts joined in order."""
    name = clean("".join(extras.get("NPY", [])))
    payer_id = clean("".join(extras.get("IPY", [])))
    iban = payer_id if re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", payer_id.replace(" ", "")) else ""
    texts = [line.text]
    for qualifier, values in extras.items():
        if qualifier in ("NPY", "IPY", "REF", "NBE", "MMO"):
            continue
        texts.append(clean("".join(values)))  # a remittance cut every 70 characters is whole again
    reference = clean("".join(extras.get("REF", []))) or line.reference
    text = clean(" ".join(t for t in texts if t))
    family = line.family if line.family == RETURNED else family_from_text(text)
    return replace(line, payer=name, payer_iban=iban.replace(" ", ""), text=text, reference=reference, family=family)
