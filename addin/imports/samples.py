"""Statements written from plain transactions, in every format Relance reads.

For the tests, the benchmark and anyone who wants to try the import without a bank:
``camt(...)``, ``ofx(...)``, ``cfonb(...)`` and ``csv(...)`` turn a list of accounts, each
with its ``Tx`` list, into the bytes a bank would deliver (CAMT.053/.054 in any version
from .001.02 to .001.08, OFX 1.x SGML, OFX 2.x XML, QFX, CFONB 120, CSV with one amount
column or debit and credit columns, in UTF-8 or Latin-1). ``month_of_payments`` makes a
month of bank lines paying a register's open invoices in the ways clients really pay.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Iterable, Sequence
from xml.sax.saxutils import escape

from addin.imports.statement import DIRECT_DEBIT, RETURNED, TRANSFER

ACCOUNT = "FR7630006000011234567890189"


@dataclass(frozen=True)
class Tx:
    booked: date
    amount: Decimal  # positive: credit
    text: str = ""
    payer: str = ""
    payer_iban: str = ""
    bank_id: str = ""
    family: str = TRANSFER
    currency: str = "EUR"


Accounts = Sequence[tuple[str, Sequence[Tx]]]


# --- CAMT ------------------------------------------------------------------------------------


def camt(accounts: Accounts, *, message: str = "053", version: str = "08") -> bytes:
    """A CAMT.053 statement (``message="054"``: a notification) per account, in one document."""
    v = int(version)
    wrapper, item = {"053": ("BkToCstmrStmt", "Stmt"), "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
                     "052": ("BkToCstmrAcctRpt", "Rpt")}[message]
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.{message}.'
           f'001.{version}">', f"<{wrapper}><GrpHdr><MsgId>MSG1</MsgId><CreDtTm>2026-03-01T08:00:00</CreDtTm></GrpHdr>"]
    for n, (account, txs) in enumerate(accounts, start=1):
        out.append(f"<{item}><Id>S{n}</Id><Acct><Id><IBAN>{account}</IBAN></Id><Ccy>EUR</Ccy></Acct>")
        for i, tx in enumerate(txs, start=1):
            sign = "CRDT" if tx.amount > 0 else "DBIT"
            status = "<Sts><Cd>BOOK</Cd></Sts>" if v >= 8 else "<Sts>BOOK</Sts>"
            fmly, sub = {TRANSFER: ("RCDT", "ESCT"), DIRECT_DEBIT: ("IDDT", "ESDD"),
                         RETURNED: ("IDDT", "UPDD")}.get(tx.family, ("MCOP", "OTHR"))
            party = "Dbtr" if tx.amount > 0 else "Cdtr"
            name = (f"<{party}><Pty><Nm>{escape(tx.payer)}</Nm></Pty></{party}>" if v >= 8
                    else f"<{party}><Nm>{escape(tx.payer)}</Nm></{party}>") if tx.payer else ""
            acct = f"<{party}Acct><Id><IBAN>{tx.payer_iban}</IBAN></Id></{party}Acct>" if tx.payer_iban else ""
            ref = f"<AcctSvcrRef>{tx.bank_id}</AcctSvcrRef>" if tx.bank_id else ""
            out.append(
                f"<Ntry><NtryRef>{i}</NtryRef><Amt Ccy=\"{tx.currency}\">{abs(tx.amount):.2f}</Amt>"
                f"<CdtDbtInd>{sign}</CdtDbtInd>{status}<BookgDt><Dt>{tx.booked.isoformat()}</Dt></BookgDt>"
                f"<ValDt><Dt>{tx.booked.isoformat()}</Dt></ValDt>{ref}"
                f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{fmly}</Cd><SubFmlyCd>{sub}</SubFmlyCd></Fmly></Domn></BkTxCd>"
                f"<NtryDtls><TxDtls><Refs><EndToEndId>E2E-{n}-{i}</EndToEndId></Refs>"
                f"<RltdPties>{name}{acct}</RltdPties><RmtInf><Ustrd>{escape(tx.text)}</Ustrd></RmtInf>"
                f"</TxDtls></NtryDtls></Ntry>")
        out.append(f"</{item}>")
    out.append(f"</{wrapper}></Document>\n")
    return "\n".join(out).encode("utf-8")


# --- OFX -------------------------------------------------------------------------------------


def ofx(accounts: Accounts, *, version: int = 102, qfx: bool = False) -> bytes:
    """OFX 1.x SGML (``version`` 102, 103…) or 2.x XML (200, 211, 220); ``qfx``: Quicken's flavour."""
    xml = version >= 200
    if xml:
        head = (f'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<?OFX OFXHEADER="200" VERSION="{version}" '
                'SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>\n')
    else:
        head = (f"OFXHEADER:100\nDATA:OFXSGML\nVERSION:{version}\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
                "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n")

    def el(tag: str, value: object) -> str:
        return f"<{tag}>{value}</{tag}>" if xml else f"<{tag}>{value}"

    body = ["<OFX>", "<SIGNONMSGSRSV1><SONRS><STATUS>", el("CODE", 0), el("SEVERITY", "INFO"), "</STATUS>",
            el("DTSERVER", "20260301120000"), el("LANGUAGE", "FRA")]
    if qfx:
        body += [el("INTU.BID", "00001")]
    body += ["</SONRS></SIGNONMSGSRSV1>", "<BANKMSGSRSV1>"]
    for n, (account, txs) in enumerate(accounts, start=1):
        body += ["<STMTTRNRS>", el("TRNUID", n), "<STATUS>", el("CODE", 0), el("SEVERITY", "INFO"), "</STATUS>",
                 "<STMTRS>", el("CURDEF", "EUR"), "<BANKACCTFROM>", el("BANKID", account[4:9]),
                 el("BRANCHID", account[9:14]), el("ACCTID", account[14:25]), el("ACCTTYPE", "CHECKING"),
                 "</BANKACCTFROM>", "<BANKTRANLIST>", el("DTSTART", "20260101"), el("DTEND", "20261231")]
        for i, tx in enumerate(txs, start=1):
            kind = {DIRECT_DEBIT: "DIRECTDEP", RETURNED: "DEBIT"}.get(tx.family, "CREDIT" if tx.amount > 0 else "DEBIT")
            body += ["<STMTTRN>", el("TRNTYPE", kind), el("DTPOSTED", tx.booked.strftime("%Y%m%d")),
                     el("TRNAMT", f"{tx.amount:.2f}"), el("FITID", tx.bank_id or f"{n}-{i}")]
            if tx.payer:
                body.append(el("NAME", escape(tx.payer[:32])))
            if tx.text:
                body.append(el("MEMO", escape(tx.text)))
            if tx.currency != "EUR":
                body += ["<CURRENCY>", el("CURRATE", "1.0"), el("CURSYM", tx.currency), "</CURRENCY>"]
            body.append("</STMTTRN>")
        body += ["</BANKTRANLIST>", "<LEDGERBAL>", el("BALAMT", "0.00"), el("DTASOF", "20261231"), "</LEDGERBAL>",
                 "</STMTRS>", "</STMTTRNRS>"]
    body += ["</BANKMSGSRSV1>", "</OFX>"]
    return (head + "\n".join(body) + "\n").encode("utf-8" if xml else "cp1252")


# --- CFONB 120 ---------------------------------------------------------------------------


def _cfonb_amount(amount: Decimal) -> str:
    digits = f"{abs(amount) * 100:014.0f}"
    last = int(digits[-1])
    sign = ("{ABCDEFGHI"[last]) if amount >= 0 else ("}JKLMNOPQR"[last])
    return digits[:-1] + sign


def _record(code: str, account: str, booked: date, rest: dict[int, str], op: str = "    ", interbank: str = "  ") -> str:
    """A 120-character record; ``rest`` maps 1-based positions to text."""
    bank, branch, number = account[4:9], account[9:14], account[14:25]
    line = [" "] * 120

    def put(pos: int, text: str) -> None:
        for k, ch in enumerate(text):
            line[pos - 1 + k] = ch

    put(1, code), put(3, bank), put(8, op), put(12, branch), put(17, "EUR"), put(20, "2"), put(22, number)
    put(33, interbank), put(35, booked.strftime("%d%m%y"))
    for pos, text in rest.items():
        put(pos, text)
    return "".join(line)


def cfonb(accounts: Accounts, *, pad: int = 0, newline: str = "\r\n") -> bytes:
    """Records 01, 04 (+ 05 complements: NPY the payer's name, LCC the remittance), 07; ``pad``
    extra spaces after each record (some tools pad lines past 120 characters)."""
    out = []
    for account, txs in accounts:
        first = min((tx.booked for tx in txs), default=date(2026, 1, 1))
        out.append(_record("01", account, first, {91: _cfonb_amount(Decimal(0))}))
        for tx in txs:
            interbank = {TRANSFER: "05", DIRECT_DEBIT: "01", RETURNED: "01"}.get(tx.family, "99")
            # as banks write it: the kind of operation first, then the start of the remittance
            prefix = {TRANSFER: "VIR ", DIRECT_DEBIT: "PRLV SEPA ", RETURNED: "REJET "}.get(tx.family, "")
            label = (prefix + (tx.text or tx.payer))[:31]
            rejection = "AM" if tx.family == RETURNED else "  "
            out.append(_record("04", account, tx.booked, {41: rejection, 43: tx.booked.strftime("%d%m%y"),
                                                          49: label.ljust(31),
                                                          91: _cfonb_amount(tx.amount), 105: tx.bank_id[:16]},
                               op="0001", interbank=interbank))
            if tx.payer:
                out.append(_record("05", account, tx.booked, {46: "NPY", 49: tx.payer[:70]}, "0001", interbank))
            rest = tx.text if len(tx.text) > 31 else ""  # the label is cut: the whole text follows
            for k in range(0, len(rest), 70):
                out.append(_record("05", account, tx.booked, {46: "LCC", 49: rest[k:k + 70]}, "0001", interbank))
        last = max((tx.booked for tx in txs), default=first)
        out.append(_record("07", account, last, {91: _cfonb_amount(sum((t.amount for t in txs), Decimal(0)))}))
    return newline.join(line + " " * pad for line in out).encode("latin-1") + newline.encode()


# --- CSV ----------------------------------------------------------------------------------------


def csv(txs: Iterable[Tx], *, two_columns: bool = False, separator: str = ";", encoding: str = "latin-1",
        preamble: str = "") -> bytes:
    """An online bank's export: ``Date;Libellé;Montant`` (French decimals) or ``Débit;Crédit`` columns."""
    def money(value: Decimal) -> str:
        text = f"{value:.2f}"
        return text.replace(".", ",") if separator == ";" else text

    rows = [preamble] if preamble else []
    if two_columns:
        rows.append(separator.join(["Date opération", "Date valeur", "Libellé", "Débit", "Crédit"]))
    else:
        rows.append(separator.join(["Date", "Libellé", "Tiers", "Montant", "Devise"]))
    for tx in txs:
        text = tx.text.replace(separator, " ")
        day = tx.booked.strftime("%d/%m/%Y")
        if two_columns:
            debit = money(-tx.amount) if tx.amount < 0 else ""
            credit = money(tx.amount) if tx.amount > 0 else ""
            rows.append(separator.join([day, day, text, debit, credit]))
        else:
            rows.append(separator.join([day, text, tx.payer.replace(separator, " "), money(tx.amount), tx.currency]))
    return ("\r\n".join(rows) + "\r\n").encode(encoding)


# --- a month of payments --------------------------------------------------------------------


def month_of_payments(open_items: Sequence[tuple[str, str, str, Decimal]], start: date, *, seed: int = 3,
                      count: int = 40, ibans: dict[str, str] | None = None) -> list[Tx]:
    """Bank lines over the 28 days from ``start`` paying some of ``open_items`` (number, client code,
    client name, balance): most name their invoice (in the ways people write it), some only
    their client, a few are partial, plus debits and one returned direct debit."""
    rng = random.Random(seed)
    ibans = ibans or {}
    items = list(open_items)
    rng.shuffle(items)
    out: list[Tx] = []
    for k, (number, client, name, balance) in enumerate(items[:count]):
        day = start + timedelta(days=rng.randrange(28))
        style = k % 5
        digits = number.replace("-", "")
        text = [f"VIR {number}", f"Facture {number.replace('-', ' ')}", f"FA{digits[1:]} REGLEMENT",
                f"Paiement {number}", "REGLEMENT FACTURES"][style]
        amount = balance if k % 7 else (balance / 2).quantize(Decimal("0.01"))
        out.append(Tx(day, amount, text, name, ibans.get(client, ""), f"BK{k:05d}"))
    for k in range(max(1, count // 8)):
        out.append(Tx(start + timedelta(days=k + 1), Decimal(f"-{rng.randrange(20, 900)}.{rng.randrange(100):02d}"),
                      "PRLV SEPA FOURNISSEUR", "Fournisseur SAS", "", f"DB{k:05d}", family=OTHER_FAMILY))
    out.append(Tx(start + timedelta(days=12), Decimal("-150.00"), "REJET PRLV SEPA IMPAYE", "Client inconnu", "",
                  "RJ00001", family=RETURNED))
    return sorted(out, key=lambda t: (t.booked, t.bank_id))


OTHER_FAMILY = "autre"
