"""Each statement format, built by the test itself, read back: accounts, amounts, signs, dates,
texts, payers, families, bad lines reported with their number, non-statements refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from addin.actions.imports import read_statement
from addin.imports import bank_csv, cfonb, detect, samples
from addin.imports.samples import Tx
from addin.imports.statement import DIRECT_DEBIT, RETURNED, TRANSFER, NotAStatement, parse_amount

OTHER_ACCOUNT = "DE89370400440532013000"
TXS = [
    Tx(date(2026, 3, 2), Decimal("1200.50"), "VIR F2026-0153 merci", "ACME SARL", OTHER_ACCOUNT, "B1"),
    Tx(date(2026, 3, 3), Decimal("-80.00"), "PRLV EDF", "EDF", "", "B2"),
    Tx(date(2026, 3, 4), Decimal("-99.00"), "REJET PRLV IMPAYE", "Café Morel", "", "B3", family=RETURNED),
    Tx(date(2026, 3, 5), Decimal("300.00"), "Facture F 2026 0154 : règlement de la prestation de février, merci "
       "de votre confiance et à bientôt pour la suite du chantier", "Bob & Cie", "", "B4", family=DIRECT_DEBIT),
]
ACCOUNTS = [(samples.ACCOUNT, TXS), (OTHER_ACCOUNT, TXS[:1])]  # several accounts in one file

FORMATS = {
    "camt.053.001.02": lambda: samples.camt(ACCOUNTS, version="02"),
    "camt.053.001.04": lambda: samples.camt(ACCOUNTS, version="04"),
    "camt.053.001.08": lambda: samples.camt(ACCOUNTS, version="08"),
    "camt.054.001.06": lambda: samples.camt(ACCOUNTS, message="054", version="06"),
    "ofx-1-sgml": lambda: samples.ofx(ACCOUNTS, version=102),
    "ofx-2-xml": lambda: samples.ofx(ACCOUNTS, version=220),
    "qfx": lambda: samples.ofx(ACCOUNTS, qfx=True),
    "cfonb-padded": lambda: samples.cfonb(ACCOUNTS, pad=8),
    "cfonb-lf": lambda: samples.cfonb(ACCOUNTS, newline="\n"),
}
KINDS = {"camt": "camt", "ofx": "ofx", "qfx": "ofx", "cfonb": "cfonb"}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_format_reads_every_operation_of_every_account(name):
    data = FORMATS[name]()
    kind = detect.kind_of(data, "relevé.bin")  # the extension says nothing
    assert kind == KINDS[name.split("-")[0].split(".")[0]]
    lines, problems = read_statement(data, name, kind)
    assert problems == []
    assert len(lines) == 5 and len({ln.account for ln in lines}) == 2
    assert [ln.amount for ln in lines[:4]] == [Decimal("1200.50"), Decimal("-80.00"), Decimal("-99.00"),
                                               Decimal("300.00")]
    assert [ln.booked for ln in lines[:4]] == [date(2026, 3, d) for d in (2, 3, 4, 5)]
    first = lines[0]
    assert "F2026-0153" in first.text and first.payer == "ACME SARL" and first.family == TRANSFER
    assert lines[3].family == DIRECT_DEBIT
    assert "règlement de la prestation de février" in lines[3].text  # long remittance kept whole
    assert "suite du chantier" in lines[3].text
    assert lines[2].family == RETURNED  # OFX has no code for it: its words say it
    assert len({ln.identity for ln in lines}) == 5 and all(ln.line > 0 for ln in lines)


def test_camt_reads_the_payer_iban_and_the_bank_ids():
    lines, _ = read_statement(samples.camt(ACCOUNTS), "x.xml", "camt")
    assert lines[0].payer_iban == OTHER_ACCOUNT and lines[0].bank_id == "B1" and lines[0].reference == "E2E-1-1"


def test_camt_batch_entry_gives_one_line_per_transaction_and_pending_entries_are_left():
    data = b"""<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<Stmt><Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">300.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-02</Dt></BookgDt>
<AcctSvcrRef>LOT1</AcctSvcrRef><NtryDtls>
<TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">100.00</Amt></TxAmt></AmtDtls><RmtInf><Strd><RfrdDocInf><Nb>F2026-0151</Nb></RfrdDocInf></Strd></RmtInf></TxDtls>
<TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">200.00</Amt></TxAmt></AmtDtls><RmtInf><Strd><CdtrRefInf><Ref>RF18F20260152</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>
</NtryDtls></Ntry>
<Ntry><Amt Ccy="EUR">50.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>PDNG</Sts><BookgDt><Dt>2026-03-03</Dt></BookgDt></Ntry>
<Ntry><Amt Ccy="EUR">douze</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-03</Dt></BookgDt></Ntry>
</Stmt></BkToCstmrStmt></Document>"""
    lines, problems = read_statement(data, "lot.xml", "camt")
    assert [(ln.amount, ln.text) for ln in lines] == [(Decimal("100.00"), "F2026-0151"),
                                                     (Decimal("200.00"), "RF18F20260152 F20260152")]
    assert [ln.bank_id for ln in lines] == ["LOT1#1", "LOT1#2"]
    (problem,) = problems  # the unreadable amount: its line, the rest imported
    assert problem.source == "lot.xml" and problem.line == 9 and "montant illisible « douze »" in problem.message


def test_cfonb_amount_sign_is_in_the_last_character():
    # "0000000001234E": digits 0…01234, then E = +5 → 12345 cents = 123.45 €; "…}" is −0, "…J" is −1.
    assert cfonb.amount("0000000001234E", 2) == Decimal("123.45")
    assert cfonb.amount("0000000001000}", 2) == Decimal("-100.00")
    assert cfonb.amount("0000000000012J", 2) == Decimal("-1.21")
    with pytest.raises(ValueError):
        cfonb.amount("00000000000120", 2)


def test_cfonb_bad_line_is_reported_with_its_number_and_the_rest_is_read():
    data = samples.cfonb([(samples.ACCOUNT, TXS)]).decode("latin-1").split("\r\n")
    data[1] = data[1][:34] + "321326" + data[1][40:]  # the 32nd of a 13th month
    data.insert(3, "99" + "x" * 118)  # an unknown record
    lines, problems = cfonb.read("\r\n".join(data).encode("latin-1"), "releve.txt")
    assert len(lines) == 3
    # line 2: the bad date (its 05 complement on line 3 goes with it); line 4: the unknown record
    assert [(p.source, p.line) for p in problems] == [("releve.txt", 2), ("releve.txt", 4)]
    assert "date illisible" in problems[0].message


def test_csv_latin1_semicolons_french_decimals_one_amount_column():
    data = samples.csv(TXS, preamble=f"Compte courant {samples.ACCOUNT};;;;")
    assert data.decode("latin-1") and b"\xe9" in data  # é in Latin-1, not UTF-8
    lines, problems = read_statement(data, "export.csv", "bank_csv")
    assert problems == []
    assert [ln.amount for ln in lines] == [Decimal("1200.50"), Decimal("-80.00"), Decimal("-99.00"), Decimal("300.00")]
    assert lines[0].account == samples.ACCOUNT and lines[0].payer == "ACME SARL"
    assert "Café Morel" == lines[2].payer and lines[2].family == RETURNED
    assert "règlement" in lines[3].text


def test_csv_commas_and_debit_credit_columns():
    data = samples.csv(TXS, two_columns=True, separator=",", encoding="utf-8")
    assert detect.kind_of(data, "x.txt") == "bank_csv"
    lines, _ = read_statement(data, "x.txt", "bank_csv")
    assert [ln.amount for ln in lines] == [Decimal("1200.50"), Decimal("-80.00"), Decimal("-99.00"), Decimal("300.00")]


def test_csv_bad_row_is_reported_with_its_line():
    text = "Date;Libellé;Montant\n02/03/2026;VIR A;10,00\n31/02/2026;VIR B;11,00\n04/03/2026;VIR C;douze\n05/03/26;VIR D;1 234,56\n"
    lines, problems = bank_csv.read(text.encode("utf-8"), "b.csv")
    assert [(ln.text, ln.amount, ln.booked) for ln in lines] == [("VIR A", Decimal("10.00"), date(2026, 3, 2)),
                                                                 ("VIR D", Decimal("1234.56"), date(2026, 3, 5))]
    assert [p.line for p in problems] == [3, 4]


def test_csv_thousands_point_is_read_by_the_files_decimal_mark():
    """« 1.234 » is 1 234 € in a file whose other amounts show « ,50 » cents, 1 234 € in an English
    file (« 12.50 », « 1,234 »), and a reported line, never a guess, when no amount shows its cents."""
    french = "Date;Libellé;Montant\n02/03/2026;VIR A;1.234\n03/03/2026;VIR B;12,50\n"
    lines, problems = bank_csv.read(french.encode("utf-8"), "fr.csv")
    assert problems == [] and [ln.amount for ln in lines] == [Decimal("1234"), Decimal("12.50")]
    english = 'Date,Description,Amount\n2026-03-02,VIR A,"1,234"\n2026-03-03,VIR B,12.50\n'
    lines, problems = bank_csv.read(english.encode("utf-8"), "en.csv")
    assert problems == [] and [ln.amount for ln in lines] == [Decimal("1234"), Decimal("12.50")]
    unsure = "Date;Libellé;Montant\n02/03/2026;VIR A;1.234\n03/03/2026;VIR B;12\n"
    lines, problems = bank_csv.read(unsure.encode("utf-8"), "x.csv")
    assert [ln.amount for ln in lines] == [Decimal("12")]
    assert [p.line for p in problems] == [2] and "ambigu" in problems[0].message


@pytest.mark.parametrize("text, value", [("1 234,56", "1234.56"), ("-12,5", "-12.5"), ("1.234,56", "1234.56"),
                                         ("1,234.56", "1234.56"), ("+12", "12"), ("120,00-", "-120.00")])
def test_amounts_as_banks_write_them(text, value):
    assert parse_amount(text) == Decimal(value)


@pytest.mark.parametrize("data", [b"", "Nom;Prénom\nDupont;Jean\n".encode(),
                                  b"<?xml version='1.0'?><Invoice/>", b"PK\x03\x04 a zip"])
def test_what_is_not_a_statement_has_no_kind(data):
    assert detect.kind_of(data, "releve.xml") is None


def test_a_pdf_goes_to_the_invoice_import_never_to_the_bank_readers():
    # Every PDF is the e-invoice reader's: a PDF without Factur-X XML gets its own line there.
    assert detect.kind_of(b"%PDF-1.4 not a statement", "releve.xml") == "einvoice"
    assert "einvoice" not in detect.BANK


def test_a_broken_statement_is_refused_as_a_whole():
    data = samples.camt(ACCOUNTS)[:300]
    with pytest.raises(NotAStatement, match="illisible"):
        read_statement(data, "coupé.xml", "camt")


def test_identity_is_stable_and_counts_identical_lines_of_a_day():
    same = Tx(date(2026, 3, 2), Decimal("50.00"), "VIR COTISATION", "X")
    once = read_statement(samples.csv([same, same]), "a.csv", "bank_csv")[0]
    again = read_statement(samples.csv([same, same, same]), "b.csv", "bank_csv")[0]
    assert once[0].identity != once[1].identity  # two real payments of the same day, both kept
    assert [ln.identity for ln in again[:2]] == [ln.identity for ln in once]  # the overlap is recognised


def test_ofx_bad_transaction_is_reported_with_its_line_and_the_rest_read():
    data = samples.ofx([(samples.ACCOUNT, TXS)]).decode("cp1252")
    data = data.replace("<TRNAMT>-80.00", "<TRNAMT>quatre-vingts", 1)
    bad_line = data[:data.index("quatre-vingts")].count("\n") + 1
    lines, problems = read_statement(data.encode("cp1252"), "r.ofx", "ofx")
    assert [ln.amount for ln in lines] == [Decimal("1200.50"), Decimal("-99.00"), Decimal("300.00")]
    (problem,) = problems
    assert problem.source == "r.ofx" and problem.line <= bad_line and "quatre-vingts" in problem.message
