"""ISO 20022 bank-to-customer statements: CAMT.053 (statement), CAMT.052 (report), CAMT.054
(debit/credit notification), versions .001.02 to .001.08.

Read per entry (``Ntry``) of each statement (``Stmt`` / ``Rpt`` / ``Ntfctn``), for the
account of that statement (``Acct/Id/IBAN``, else ``Acct/Id/Othr/Id``) — a file may hold
several accounts:

- only booked entries (``Sts`` « BOOK », ``Sts/Cd`` from .001.08 on, or no status);
  pending ones come back booked in a later statement;
- amount ``Amt`` and its ``Ccy``, sign from ``CdtDbtInd`` (CRDT is money in), booking date
  ``BookgDt/Dt`` (or ``DtTm``), ``RvslInd`` (a reversal);
- the family from ``BkTxCd/Domn`` (``RCDT``: a received transfer; ``IDDT`` / ``RDDT``: a
  direct debit; sub-families ``UPDD``, ``RRTN``, ``ARET``…: a returned operation);
- per transaction (``NtryDtls/TxDtls``; an entry batching several transactions with their
  own amounts gives one line each): the debtor's name and IBAN (``RltdPties/Dbtr/Nm``,
  ``Dbtr/Pty/Nm`` from .001.08, ``DbtrAcct/Id/IBAN``), the remittance information,
  unstructured (``RmtInf/Ustrd``) and structured (``CdtrRefInf/Ref`` — an ISO 11649 ``RF…``
  reference also without its ``RF`` and check digits —, ``RfrdDocInf/Nb``),
  ``AddtlTxInf`` and ``AddtlNtryInf``, the references ``EndToEndId`` and ``AcctSvcrRef``.

The bank's id of a line is the transaction's ``AcctSvcrRef``, else the entry's
``AcctSvcrRef`` or ``NtryRef`` (with the transaction's rank in a batch).

As real files come: with a namespace prefix (``ns2:Document``) or without any namespace (the
message's root element ``BkToCstmrStmt``… says what it is), inside an envelope (a business
application header beside the ``Document``), after blank lines or a byte-order mark. In a
batch, a transaction's own ``CdtDbtInd`` gives its sign (a batch of credits may hold a
debit); a transaction without one takes the entry's. The family, when ``BkTxCd/Domn`` does
not give it (a bank's proprietary code only), comes from the transaction's own ``BkTxCd``,
else from the words of the text (``statement.family_from_text``). The counterparty of a
debit is the creditor, except for a returned operation (a direct debit the client's bank
sent back, or any transaction with a return reason ``RtrInf``), whose counterparty is the
debtor (else the creditor, where some banks put it); ``UltmtDbtr`` / ``UltmtCdtr`` when the party
itself has no name.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from addin.imports.statement import DIRECT_DEBIT, OTHER, RETURNED, TRANSFER, BankLine, LineProblem, NotAStatement, \
    clean, family_from_text

_CAMT = re.compile(rb"urn:iso:std:iso:20022:tech:xsd:camt\.05[234]\.001\.\d\d|<(?:\w+:)?BkToCstmr(?:Stmt|AcctRpt|DbtCdtNtfctn)\b")
_MESSAGES = ("BkToCstmrStmt", "BkToCstmrAcctRpt", "BkToCstmrDbtCdtNtfctn")
_RETURN_SUBFAMILIES = {"UPDD", "RRTN", "ARET", "RPCR", "UPCT", "RCDD", "PRDD", "AUTT"}


def sniff(data: bytes) -> bool:
    """A CAMT.052/053/054 document: its namespace, or its message element, says so in the first few kilobytes."""
    return bool(_CAMT.search(data[:4096]))


def _child(el, *path):
    """The first descendant along ``path`` of local names (any namespace or none), or None."""
    for name in path:
        if el is None:
            return None
        el = next(el.iterchildren("{*}" + name), None)
    return el


def _children(el, name):
    return list(el.iterchildren("{*}" + name)) if el is not None else []


def _text(el, *path) -> str:
    found = _child(el, *path)
    return clean(found.text) if found is not None and found.text else ""


def _date(el) -> date | None:
    text = _text(el, "Dt") or _text(el, "DtTm")[:10]
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise ValueError(f"date illisible « {text} »") from None


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"montant illisible « {text.strip()} »") from None


def read(data: bytes, source: str) -> tuple[list[BankLine], list[LineProblem]]:
    """Every booked entry of every statement in the file (see the module's docstring)."""
    if not sniff(data):
        raise NotAStatement(f"{source} : ce n'est pas un relevé CAMT (ISO 20022).")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(_start(data), parser)
    except etree.XMLSyntaxError as error:
        raise NotAStatement(f"{source} : fichier CAMT illisible (XML mal formé : {error}).") from None
    bodies = list(root.iter(*("{*}" + m for m in _MESSAGES)))  # the message, wherever it is
    if not bodies:
        raise NotAStatement(f"{source} : ce fichier CAMT ne contient aucun relevé ni avis d'opération "
                            "(BkToCstmrStmt, BkToCstmrAcctRpt ou BkToCstmrDbtCdtNtfctn).")
    lines: list[BankLine] = []
    problems: list[LineProblem] = []
    for stmt in [c for body in bodies for c in body.iterchildren("{*}Stmt", "{*}Rpt", "{*}Ntfctn")]:
        acct = _child(stmt, "Acct")
        account = (_text(acct, "Id", "IBAN") or _text(acct, "Id", "Othr", "Id")).replace(" ", "").upper()
        for entry in _children(stmt, "Ntry"):
            try:
                lines.extend(_entry(entry, account, source, _text(acct, "Ccy").upper() or "EUR"))
            except (ValueError, InvalidOperation) as error:
                problems.append(LineProblem(source, entry.sourceline or 0, f"opération illisible : {error}"))
    return lines, problems


def _start(data: bytes) -> bytes:
    """The document from its first ``<``: blank lines or a byte-order mark before it make XML refuse it."""
    start = data.find(b"<")
    head = data[:max(start, 0)]
    return data[start:] if start > 0 and not head.strip(b" \t\r\n\xef\xbb\xbf") else data


def _entry(entry, account: str, source: str, account_currency: str = "EUR") -> list[BankLine]:
    status = _text(entry, "Sts") or _text(entry, "Sts", "Cd")
    if status and status.upper() != "BOOK":
        return []
    amount_el = _child(entry, "Amt")
    if amount_el is None or not (amount_el.text or "").strip():
        raise ValueError("montant absent")
    amount = _decimal(amount_el.text)
    currency = (amount_el.get("Ccy") or "").upper() or account_currency  # no Ccy: the account's (Acct/Ccy)
    sign = _text(entry, "CdtDbtInd").upper()
    if sign not in ("CRDT", "DBIT"):
        raise ValueError(f"sens (CdtDbtInd) inconnu « {sign} »")
    booked = _date(_child(entry, "BookgDt")) or _date(_child(entry, "ValDt"))
    if booked is None:
        raise ValueError("date de comptabilisation absente")
    family = _family(entry)
    if _text(entry, "RvslInd").lower() == "true":
        family = RETURNED
    entry_ref = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
    extra = _text(entry, "AddtlNtryInf")
    txs = [tx for details in _children(entry, "NtryDtls") for tx in _children(details, "TxDtls")]  # one or several
    own_amounts = len(txs) > 1 and all(_tx_amount(tx) is not None for tx in txs)
    out = []
    for i, tx in enumerate(txs or [None], start=1):
        value = _tx_amount(tx) if own_amounts else amount
        tx_sign = (_text(tx, "CdtDbtInd").upper() if own_amounts else "") or sign
        if tx_sign not in ("CRDT", "DBIT"):
            tx_sign = sign
        tx_family = family
        if tx_family == OTHER and tx is not None:
            tx_family = _family(tx)
        if tx is not None and _child(tx, "RtrInf") is not None:  # the return's reason: a returned operation
            tx_family = RETURNED
        texts, name, iban, e2e, tx_ref = _details(tx, tx_sign, tx_family)
        bank_id = tx_ref or (f"{entry_ref}#{i}" if entry_ref and len(txs) > 1 else entry_ref)
        text = " ".join(t for t in (*texts, extra) if t)
        if tx_family == OTHER:
            tx_family = family_from_text(text)
        out.append(BankLine(
            account=account, booked=booked, amount=value if tx_sign == "CRDT" else -value, currency=currency,
            text=text, payer=name, payer_iban=iban, bank_id=bank_id, reference=e2e or bank_id, family=tx_family,
            source=source, line=(tx.sourceline if tx is not None else entry.sourceline) or 0))
    return out


def _tx_amount(tx) -> Decimal | None:
    if tx is None:
        return None
    el = _child(tx, "Amt")
    if el is None:  # an lxml element with no children is falsy: never ``or`` two lookups
        el = _child(tx, "AmtDtls", "TxAmt", "Amt")
    return _decimal(el.text) if el is not None and el.text else None


def _details(tx, sign: str, family: str = OTHER) -> tuple[list[str], str, str, str, str]:
    """(texts, counterparty name, counterparty IBAN, end-to-end id, bank ref) of a TxDtls."""
    if tx is None:
        return [], "", "", "", ""
    parties = _child(tx, "RltdPties")
    sides = ("Dbtr", "Cdtr") if family == RETURNED else ("Dbtr",) if sign == "CRDT" else ("Cdtr",)
    name = iban = ""
    for side in sides:  # a returned operation: the debtor, else what the bank put as creditor
        name = (_text(parties, side, "Nm") or _text(parties, side, "Pty", "Nm") or _text(parties, "Ultmt" + side, "Nm")
                or _text(parties, "Ultmt" + side, "Pty", "Nm"))
        iban = _text(parties, side + "Acct", "Id", "IBAN")
        if name or iban:
            break
    texts: list[str] = []
    rmt = _child(tx, "RmtInf")
    texts += [clean(u.text) for u in _children(rmt, "Ustrd") if u.text]
    for strd in _children(rmt, "Strd"):
        texts += [t for t in (_creditor_reference(_text(strd, "CdtrRefInf", "Ref")),
                              *(_text(d, "Nb") for d in _children(strd, "RfrdDocInf")),
                              *(clean(a.text) for a in _children(strd, "AddtlRmtInf") if a.text)) if t]
    texts.append(_text(tx, "AddtlTxInf"))
    e2e = _text(tx, "Refs", "EndToEndId")
    if e2e.upper() == "NOTPROVIDED":
        e2e = ""
    return [t for t in texts if t], name, iban, e2e, _text(tx, "Refs", "AcctSvcrRef")


def _creditor_reference(ref: str) -> str:
    """An ISO 11649 reference ``RF18 F2026 0152`` holds the creditor's own one after ``RF`` and its two
    check digits: both are kept, so that the invoice number inside is found."""
    m = re.fullmatch(r"RF\d\d\s*(\S.*)", ref.upper())
    return f"{ref} {m.group(1)}" if m else ref


def _family(entry) -> str:
    code = _child(entry, "BkTxCd", "Domn")
    fmly = _text(code, "Fmly", "Cd").upper()
    sub = _text(code, "Fmly", "SubFmlyCd").upper()
    if sub in _RETURN_SUBFAMILIES:
        return RETURNED
    if fmly in ("RCDT", "ICDT"):
        return TRANSFER
    if fmly in ("IDDT", "RDDT"):
        return DIRECT_DEBIT
    return OTHER
