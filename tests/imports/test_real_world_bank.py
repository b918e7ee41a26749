"""Statements as real banks write them, each built here (never copied from elsewhere), one test
per habit that broke or mis-read the import: OFX files ofxtools refuses, signs the wrong way,
CAMT in an envelope or without namespace, CFONB records on one line, CSV exports' own headers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from addin.actions.imports import read_statement
from addin.imports import bank_csv, camt, cfonb, detect
from addin.imports.encoding import decode
from addin.imports.statement import DIRECT_DEBIT, RETURNED, TRANSFER

# --- OFX -------------------------------------------------------------------------------------

OFX_HEAD = ("OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\nCHARSET:1252\r\n"
            "COMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n")


def ofx_sgml(transactions: str, *, server: str = "20261205", head: str = OFX_HEAD, acct: str =
             "<BANKID>30003<BRANCHID>01234<ACCTID>00012345678<ACCTTYPE>CHECKING") -> bytes:
    """An OFX 1 (SGML: leaf elements without closing tags) statement of one account."""
    body = (f"<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>{server}"
            "<LANGUAGE>FRA</SONRS></SIGNONMSGSRSV1><BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0"
            f"<SEVERITY>INFO</STATUS><STMTRS><CURDEF>EUR<BANKACCTFROM>{acct}</BANKACCTFROM>"
            f"<BANKTRANLIST><DTSTART>20261201<DTEND>20261205\r\n{transactions}</BANKTRANLIST>"
            "<LEDGERBAL><BALAMT>100.00<DTASOF>20261205</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\r\n")
    return (head + body).encode("cp1252")


def trn(kind: str, day: str, amount: str, fitid: str, name: str = "", memo: str = "") -> str:
    return (f"<STMTTRN>\r\n<TRNTYPE>{kind}\r\n<DTPOSTED>{day}\r\n<TRNAMT>{amount}\r\n<FITID>{fitid}\r\n"
            + (f"<NAME>{name}\r\n" if name else "") + (f"<MEMO>{memo}\r\n" if memo else "") + "</STMTTRN>\r\n")


def test_ofx_account_without_branch_has_no_double_space():
    data = ofx_sgml(trn("CREDIT", "20261203", "10.00", "A1"), acct="<BANKID>160000100<ACCTID>123 45<ACCTTYPE>CHECKING")
    (line,), _ = read_statement(data, "r.ofx", "ofx")
    assert line.account == "160000100 123 45"


def test_ofx_that_ofxtools_refuses_is_read_tag_by_tag():
    # Blank lines before the header, a server time « …:014 », an empty LANGUAGE, a lower-case
    # TRNTYPE and empty FITID/NAME: ofxtools refuses each of them, the statement is whole anyway.
    data = ofx_sgml(trn("Credit", "20261203", "1234,56", "", "SOCI\u00c9T\u00c9 &amp; FILS", "F2026-0153")
                    + trn("DEBIT", "20261204120000.000[-5:EST]", "-12.00", "X2", "FRAIS"),
                    server="20261205093914:014", head="\r\n\r\n\r\n" + OFX_HEAD)
    data = data.replace(b"<LANGUAGE>FRA", b"<LANGUAGE></LANGUAGE>")
    assert detect.kind_of(data, "r.bin") == "ofx"
    lines, problems = read_statement(data, "r.ofx", "ofx")
    assert problems == []
    assert [(ln.booked, ln.amount) for ln in lines] == [(date(2026, 12, 3), Decimal("1234.56")),
                                                        (date(2026, 12, 4), Decimal("-12.00"))]
    assert lines[0].payer == "SOCIÉTÉ & FILS" and "F2026-0153" in lines[0].text  # CHARSET 1252, entity undone
    assert lines[0].account == "30003 01234 00012345678" and lines[0].family == TRANSFER
    assert lines[1].bank_id == "X2" and lines[0].identity != lines[1].identity


def test_ofx_with_no_statement_at_all_is_still_refused():
    data = (OFX_HEAD + "<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>15500<SEVERITY>ERROR</STATUS>"
            "<DTSERVER>bad</SONRS></SIGNONMSGSRSV1></OFX>").encode()
    with pytest.raises(ValueError, match="illisible"):
        read_statement(data, "r.ofx", "ofx")


def test_ofx_unsigned_amounts_take_their_sign_from_the_type():
    data = ofx_sgml(trn("CREDIT", "20261203", "100.00", "A1", "ACME") + trn("DEBIT", "20261203", "30.00", "A2", "EDF")
                    + trn("FEE", "20261204", "2.50", "A3", "FRAIS"))
    lines, _ = read_statement(data, "r.ofx", "ofx")
    assert [ln.amount for ln in lines] == [Decimal("100.00"), Decimal("-30.00"), Decimal("-2.50")]


def test_ofx_signs_from_the_banks_point_of_view_are_turned_over():
    # Every credit negative, every debit positive: the bank wrote its own side of the account.
    data = ofx_sgml(trn("CREDIT", "20261203", "-100.00", "A1", "ACME") + trn("DEBIT", "20261203", "30.00", "A2")
                    + trn("XFER", "20261204", "-5.00", "A3"))
    lines, _ = read_statement(data, "r.ofx", "ofx")
    assert [ln.amount for ln in lines] == [Decimal("100.00"), Decimal("-30.00"), Decimal("5.00")]


def test_ofx_signs_already_right_are_left_alone():
    data = ofx_sgml(trn("CREDIT", "20261203", "100.00", "A1") + trn("DEBIT", "20261203", "-30.00", "A2")
                    + trn("CREDIT", "20261204", "-4.00", "A3", "ANNULATION"))
    lines, _ = read_statement(data, "r.ofx", "ofx")
    assert [ln.amount for ln in lines] == [Decimal("100.00"), Decimal("-30.00"), Decimal("-4.00")]


# --- CAMT ------------------------------------------------------------------------------------

IBAN = "FR7630006000011234567890189"


def camt_doc(entries: str, *, ns: str = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02", prefix: str = "",
             envelope: bool = False, before: str = "") -> bytes:
    p = f"{prefix}:" if prefix else ""
    xmlns = f' xmlns{":" + prefix if prefix else ""}="{ns}"' if ns else ""
    body = (f"<{p}Document{xmlns}><{p}BkToCstmrStmt><{p}Stmt><{p}Acct><{p}Id><{p}IBAN>{IBAN}</{p}IBAN></{p}Id>"
            f"</{p}Acct>{entries.replace('<', f'<{p}').replace(f'<{p}/', f'</{p}')}</{p}Stmt></{p}BkToCstmrStmt>"
            f"</{p}Document>")
    if envelope:  # a business application header beside the Document, both in an envelope
        body = f'<Envlp xmlns="urn:example:envelope"><AppHdr><Fr>BANK</Fr></AppHdr>{body}</Envlp>'
    return (before + '<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode("utf-8")


ENTRY = ('<Ntry><Amt Ccy="EUR">300.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-02</Dt>'
         '</BookgDt><AcctSvcrRef>R1</AcctSvcrRef><BkTxCd><Prtry><Cd>05</Cd><Issr>AFB</Issr></Prtry></BkTxCd>'
         '<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>ACME SARL</Nm></Dbtr></RltdPties><RmtInf><Ustrd>Facture F2026-0153'
         '</Ustrd></RmtInf></TxDtls></NtryDtls><AddtlNtryInf>VIR SEPA RECU</AddtlNtryInf></Ntry>')


@pytest.mark.parametrize("variant", ["prefix", "no namespace", "envelope", "blank lines first", "BOM",
                                     "camt.053.001.13"])
def test_camt_as_real_files_come(variant):
    data = {"prefix": lambda: camt_doc(ENTRY, prefix="ns2"),
            "no namespace": lambda: camt_doc(ENTRY, ns=""),
            "envelope": lambda: camt_doc(ENTRY, envelope=True),
            "blank lines first": lambda: camt_doc(ENTRY, before="\r\n\r\n  "),
            "BOM": lambda: b"\xef\xbb\xbf" + camt_doc(ENTRY),
            "camt.053.001.13": lambda: camt_doc(ENTRY, ns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.13")}[variant]()
    assert detect.kind_of(data, "releve.bin") == "camt"
    (line,), problems = read_statement(data, "releve.xml", "camt")
    assert problems == []
    assert (line.account, line.amount, line.booked, line.payer, line.bank_id) == (
        IBAN, Decimal("300.00"), date(2026, 3, 2), "ACME SARL", "R1")
    assert "F2026-0153" in line.text
    assert line.family == TRANSFER  # a proprietary code only: « VIR » says it


def test_camt_batch_transactions_keep_their_own_sign():
    # A batch of 70.00 booked as a credit: +100.00 received and −30.00 sent back within it (100 − 30 = 70).
    entry = ('<Ntry><Amt Ccy="EUR">70.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-02</Dt>'
             '</BookgDt><NtryRef>LOT</NtryRef><NtryDtls>'
             '<TxDtls><Amt Ccy="EUR">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>'
             '<TxDtls><Amt Ccy="EUR">30.00</Amt><CdtDbtInd>DBIT</CdtDbtInd></TxDtls>'
             '<TxDtls><Amt Ccy="EUR">0.00</Amt></TxDtls></NtryDtls></Ntry>')
    lines, _ = read_statement(camt_doc(entry), "lot.xml", "camt")
    assert [ln.amount for ln in lines] == [Decimal("100.00"), Decimal("-30.00"), Decimal("0.00")]
    assert sum(ln.amount for ln in lines) == Decimal("70.00")


def test_camt_returned_direct_debit_names_the_client_not_ourselves():
    entry = ('<Ntry><Amt Ccy="EUR">99.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-04</Dt>'
             '</BookgDt><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RDDT</Cd><SubFmlyCd>UPDD</SubFmlyCd></Fmly></Domn></BkTxCd>'
             '<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Café Morel</Nm></Dbtr><DbtrAcct><Id><IBAN>DE89370400440532013000'
             '</IBAN></Id></DbtrAcct><Cdtr><Nm>NOUS SARL</Nm></Cdtr></RltdPties></TxDtls></NtryDtls></Ntry>')
    (line,), _ = read_statement(camt_doc(entry), "r.xml", "camt")
    assert (line.amount, line.family, line.payer, line.payer_iban) == (
        Decimal("-99.00"), RETURNED, "Café Morel", "DE89370400440532013000")


def test_camt_family_from_the_transactions_own_code():
    entry = ('<Ntry><Amt Ccy="EUR">12.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-03-04'
             '</Dt></BookgDt><NtryDtls><TxDtls><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>IDDT</Cd><SubFmlyCd>ESDD'
             '</SubFmlyCd></Fmly></Domn></BkTxCd><RltdPties><Cdtr><Pty><Nm>EDF</Nm></Pty></Cdtr></RltdPties>'
             '</TxDtls></NtryDtls></Ntry>')
    (line,), _ = read_statement(camt_doc(entry, ns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"), "r.xml", "camt")
    assert (line.amount, line.family, line.payer) == (Decimal("-12.00"), DIRECT_DEBIT, "EDF")


def test_camt_without_any_statement_message_is_refused():
    data = b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><Other/></Document>'
    with pytest.raises(ValueError, match="CAMT"):
        camt.read(data, "vide.xml")


# --- CFONB 120 -------------------------------------------------------------------------------

def cfonb_records() -> list[str]:
    from addin.imports import samples
    from addin.imports.samples import Tx

    txs = [Tx(date(2026, 3, 2), Decimal("1200.50"), "VIR F2026-0153 merci", "SOCIÉTÉ ÉLÉGANTE", "", "B1"),
           Tx(date(2026, 3, 3), Decimal("-80.00"), "PRLV EDF", "EDF", "", "B2")]
    return samples.cfonb([(samples.ACCOUNT, txs)]).decode("latin-1").split("\r\n")[:-1]


@pytest.mark.parametrize("variant", ["one line", "240 characters", "UTF-8", "end-of-file mark", "blanks stripped",
                                     "CR only"])
def test_cfonb_as_real_files_come(variant):
    recs = cfonb_records()
    assert all(len(r) == 120 for r in recs) and len(recs) == 6  # 01, 04, 05 NPY, 04, 05 NPY, 07
    data = {"one line": lambda: "".join(recs).encode("latin-1"),
            "240 characters": lambda: "\r\n".join(recs[i] + recs[i + 1] for i in range(0, 6, 2)).encode("latin-1"),
            "UTF-8": lambda: "\r\n".join(recs).encode("utf-8"),
            "end-of-file mark": lambda: "\r\n".join(recs).encode("latin-1") + b"\r\n\x1a",
            "blanks stripped": lambda: "\n".join(r.rstrip() for r in recs).encode("latin-1"),
            "CR only": lambda: "\r".join(recs).encode("latin-1")}[variant]()
    assert detect.kind_of(data, "releve.bin") == "cfonb"
    lines, problems = read_statement(data, "releve.txt", "cfonb")
    assert problems == []
    assert [(ln.booked, ln.amount, ln.payer) for ln in lines] == [
        (date(2026, 3, 2), Decimal("1200.50"), "SOCIÉTÉ ÉLÉGANTE"), (date(2026, 3, 3), Decimal("-80.00"), "EDF")]
    assert "F2026-0153" in lines[0].text


def test_cfonb_in_windows_1252_reads_its_curly_apostrophe():
    """Banks on Windows write CFONB in Windows-1252: byte 0x92 is ’ there, a control character in Latin-1."""
    recs = [r.replace("SOCIÉTÉ ÉLÉGANTE", "L’ÉLÉGANTE & CIE") for r in cfonb_records()]
    data = "\r\n".join(recs).encode("cp1252")
    assert b"\x92" in data
    lines, problems = read_statement(data, "releve.txt", "cfonb")
    assert problems == [] and lines[0].payer == "L’ÉLÉGANTE & CIE"


@pytest.mark.parametrize("field, value", [("0000000012345{", "1234.50"), ("0000000012345A", "1234.51"),
                                          ("0000000012345I", "1234.59"), ("0000000012345}", "-1234.50"),
                                          ("0000000012345J", "-1234.51"), ("0000000012345R", "-1234.59")])
def test_cfonb_every_sign_letter(field, value):
    # "…12345" then the letter: { A…I are +0…+9, } J…R are −0…−9 → 123450…123459 cents.
    assert cfonb.amount(field, 2) == Decimal(value)


def test_text_that_merely_starts_with_record_codes_is_not_cfonb():
    data = "\n".join(["0412345 bonjour", "0512345 au revoir"]).encode()
    assert not cfonb.sniff(data)


# --- CSV exports -----------------------------------------------------------------------------

def csv_lines(text: str, encoding: str = "utf-8"):
    data = text.encode(encoding)
    assert detect.kind_of(data, "export.bin") == "bank_csv"
    assert bank_csv.detect(decode(data)) is not None  # named columns: read without asking
    return read_statement(data, "export.csv", "bank_csv")


def test_csv_camel_case_headers_iso_dates_quoted_amounts_and_an_account_column():
    lines, problems = csv_lines(
        "\ufeffdateOp;dateVal;label;category;amount;comment;accountNum;accountbalance\n"
        '2026-12-05;2026-12-06;"VIR SEPA ACME SARL";"Virements";"1 200,50";"F2026-0153";00040012345;"5 000,00"\n'
        "2026-12-04;2026-12-04;PRLV SEPA EDF;Energie;-80,00;;00040012345;3 799,50\n")
    assert problems == []
    assert [(ln.account, ln.booked, ln.amount) for ln in lines] == [
        ("00040012345", date(2026, 12, 5), Decimal("1200.50")), ("00040012345", date(2026, 12, 4), Decimal("-80.00"))]
    assert "F2026-0153" in lines[0].text and lines[1].family == DIRECT_DEBIT


def test_csv_english_headers_with_times_in_dates_and_rows_that_did_not_move_money():
    lines, problems = csv_lines(
        "Status,Settlement date (UTC),Operation date (UTC),Total amount (incl. VAT),Currency,Counterparty name,"
        "Payment method,Note,Transaction ID\n"
        "settled,05-12-2026 10:32:11,04-12-2026 18:00:00,1200.50,EUR,ACME SARL,transfer,F2026-0153,tx-1\n"
        "declined,05-12-2026 11:00:00,05-12-2026 11:00:00,-45.00,EUR,SHOP,card,,tx-2\n"
        "pending,,05-12-2026 12:00:00,300.00,EUR,BOB,transfer,,tx-3\n")
    assert problems == []  # the declined and the pending rows are no operations yet, and no problem either
    (line,) = lines
    assert (line.booked, line.amount, line.payer, line.bank_id, line.family) == (
        date(2026, 12, 5), Decimal("1200.50"), "ACME SARL", "tx-1", TRANSFER)


def test_csv_french_headers_of_a_neobank_with_hours():
    lines, problems = csv_lines(
        "Statut;Date de la valeur (UTC);Date de l'opération (UTC);Montant total (TTC);Devise;Nom de la contrepartie;"
        "Moyen de paiement;Référence;Identifiant de la transaction\n"
        "Exécuté;06/12/2026 09:00;05/12/2026 10:30;1 200,50;EUR;ACME SARL;Prélèvement;F2026-0153;tx-1\n")
    assert problems == []
    assert [(ln.booked, ln.amount, ln.payer, ln.bank_id, ln.family) for ln in lines] == [
        (date(2026, 12, 5), Decimal("1200.50"), "ACME SARL", "tx-1", DIRECT_DEBIT)]


def test_csv_transaction_headers_with_separate_debit_and_credit():
    lines, _ = csv_lines("Date de la transaction;Nom de la transaction;Débit;Crédit\n"
                         "05/12/2026;ACME SARL F2026-0153;;1200,50\n04/12/2026;EDF;80,00;\n")
    assert [(ln.amount, ln.text) for ln in lines] == [(Decimal("1200.50"), "ACME SARL F2026-0153"),
                                                      (Decimal("-80.00"), "EDF")]


def test_csv_total_and_balance_rows_are_not_bad_lines():
    lines, problems = csv_lines("Date;Libellé;Débit;Crédit\n05/12/2026;VIR ACME;;1 200,50\n04/12/2026;PRLV EDF;80,00;\n"
                                "Total des opérations;;80,00;1 200,50\nSolde au 05/12/2026;;;5 000,00\n"
                                "31/13/2026;VIR BAD;;1,00\n", "cp1252")
    assert [ln.amount for ln in lines] == [Decimal("1200.50"), Decimal("-80.00")]
    assert [p.line for p in problems] == [6]  # a real bad row is still reported


def test_unicode_minus_and_narrow_spaces_in_amounts():
    lines, problems = csv_lines("Date;Libellé;Montant\n05/12/2026;CB;\u221212,50\n05/12/2026;VIR;+1\u202f200,50 €\n")
    assert problems == [] and [ln.amount for ln in lines] == [Decimal("-12.50"), Decimal("1200.50")]


def test_two_banks_exports_without_account_never_merge_their_lines():
    one = "Date;Date de valeur;Débit;Crédit;Libellé\n04/12/2026;04/12/2026;-80,00;;PRLV EDF\n".encode()
    other = "Date;Libellé;Débit;Crédit\n04/12/2026;PRLV EDF;80,00;\n".encode()
    (a,), _ = read_statement(one, "a.csv", "bank_csv")
    (b,), _ = read_statement(other, "b.csv", "bank_csv")
    (again,), _ = read_statement(one, "a-copie.csv", "bank_csv")
    assert a.amount == b.amount == Decimal("-80.00") and a.identity != b.identity
    assert again.identity == a.identity  # the same export saved again: known


def test_camt_returned_batch_with_the_client_as_creditor_and_a_return_reason():
    # Some banks name the original counterparty as Cdtr in a reversal; the RtrInf says it came back.
    tx = ('<TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">{amt}</Amt></TxAmt></AmtDtls><RltdPties><Cdtr><Nm>Café Morel</Nm>'
          '</Cdtr></RltdPties><RmtInf><Ustrd>PRLV F2026-0153</Ustrd></RmtInf><RtrInf><Rsn><Cd>AC06</Cd></Rsn></RtrInf>'
          '</TxDtls>')
    entry = ('<Ntry><Amt Ccy="EUR">150.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-04</Dt>'
             '</BookgDt><NtryDtls>' + tx.format(amt="100.00") + tx.format(amt="50.00") + '</NtryDtls></Ntry>')
    lines, _ = read_statement(camt_doc(entry), "r.xml", "camt")
    assert [(ln.amount, ln.family, ln.payer) for ln in lines] == [
        (Decimal("-100.00"), RETURNED, "Café Morel"), (Decimal("-50.00"), RETURNED, "Café Morel")]


def test_camt_entry_with_several_entry_details_blocks():
    # NtryDtls may repeat (one per batch): every transaction of every block is a line (60 + 40 = 100).
    details = ('<NtryDtls><Btch><NbOfTxs>1</NbOfTxs></Btch><TxDtls><Amt Ccy="EUR">{amt}</Amt><RmtInf><Ustrd>{ref}</Ustrd>'
               '</RmtInf></TxDtls></NtryDtls>')
    entry = ('<Ntry><Amt Ccy="EUR">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-04</Dt>'
             '</BookgDt>' + details.format(amt="60.00", ref="F2026-0151") + details.format(amt="40.00", ref="F2026-0152")
             + '</Ntry>')
    lines, _ = read_statement(camt_doc(entry), "r.xml", "camt")
    assert [(ln.amount, ln.text) for ln in lines] == [(Decimal("60.00"), "F2026-0151"), (Decimal("40.00"), "F2026-0152")]


def test_ofx_declared_1252_but_written_in_utf8():
    data = ofx_sgml(trn("CREDIT", "20261203", "10.00", "A1", "SOCIETE", "F2026-0153"))
    data = data.replace(b"SOCIETE", "SOCIÉTÉ Générale".encode("utf-8"))
    (line,), _ = read_statement(data, "r.ofx", "ofx")
    assert line.payer == "SOCIÉTÉ Générale"
    genuine = ofx_sgml(trn("CREDIT", "20261203", "10.00", "A1", "SOCIÉTÉ Générale"))  # cp1252 bytes, as declared
    (line,), _ = read_statement(genuine, "r.ofx", "ofx")
    assert line.payer == "SOCIÉTÉ Générale"


def test_csv_partner_columns_and_states_of_english_exports():
    lines, problems = csv_lines(
        'Booking Date,Value Date,Partner Name,Partner Iban,Type,Payment Reference,Amount (EUR),State\n'
        '2026/12/05,2026/12/06,ACME SARL,DE89 3704 0044 0532 0130 00,Credit Transfer,F2026-0153,1200.50,COMPLETED\n'
        '2026/12/05,2026/12/05,SHOP,,Card,,-10.00,REVERTED\n')
    assert problems == []
    (line,) = lines
    assert (line.booked, line.amount, line.payer, line.payer_iban, line.family) == (
        date(2026, 12, 5), Decimal("1200.50"), "ACME SARL", "DE89370400440532013000", TRANSFER)
    assert "F2026-0153" in line.text


def test_camt_amount_without_currency_is_in_the_accounts_currency():
    entry = ('<Ntry><Amt>10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-02</Dt></BookgDt>'
             '</Ntry>')
    (line,), _ = read_statement(camt_doc(entry), "r.xml", "camt")
    assert line.currency == "EUR"
    usd = camt_doc(entry).replace(b"</IBAN></Id>", b"</IBAN></Id><Ccy>USD</Ccy>")
    (line,), _ = read_statement(usd, "r.xml", "camt")
    assert line.currency == "USD"


def test_ofx_read_tag_by_tag_keeps_the_account_currency_when_only_the_original_one_differs():
    # ORIGCURRENCY: the amount is already converted into the account's currency (CURDEF).
    tx = trn("CREDIT", "20261203", "10,00", "A1", "ACME").replace(
        "</STMTTRN>", "<ORIGCURRENCY><CURRATE>1.1<CURSYM>USD</ORIGCURRENCY></STMTTRN>")
    (line,), _ = read_statement(ofx_sgml(tx, server="x"), "r.ofx", "ofx")  # « x »: ofxtools refuses it
    assert (line.amount, line.currency) == (Decimal("10.00"), "EUR")


def test_csv_unsigned_amount_with_a_direction_column():
    lines, problems = csv_lines("Date;Libellé;Montant;Sens\n05/12/2026;VIR ACME;1 200,50;C\n05/12/2026;PRLV EDF;80,00;D\n"
                                "06/12/2026;FRAIS;2,00;Débit\n")
    assert problems == [] and [ln.amount for ln in lines] == [Decimal("1200.50"), Decimal("-80.00"), Decimal("-2.00")]


def test_ofx_types_one_way_only_never_overrule_the_signs():
    # Only « DEBIT » types (a bank typing everything alike), all positive: they stay what they say.
    data = ofx_sgml(trn("DEBIT", "20261203", "100.00", "A1", "ACME") + trn("DEBIT", "20261203", "30.00", "A2"))
    lines, _ = read_statement(data, "r.ofx", "ofx")
    assert [ln.amount for ln in lines] == [Decimal("100.00"), Decimal("30.00")]
    data = ofx_sgml(trn("CREDIT", "20261203", "-4.00", "A1", "ANNULATION") + trn("OTHER", "20261203", "50.00", "A2"))
    lines, _ = read_statement(data, "r.ofx", "ofx")
    assert [ln.amount for ln in lines] == [Decimal("-4.00"), Decimal("50.00")]


def test_csv_resaved_by_excel_as_unicode_text():
    text = "Date\tLibellé\tMontant\r\n05/12/2026\tVIR SOCIÉTÉ F2026-0153\t1 200,50\r\n"
    data = b"\xff\xfe" + text.encode("utf-16-le")
    assert detect.kind_of(data, "export.txt") == "bank_csv"
    (line,), problems = read_statement(data, "export.txt", "bank_csv")
    assert problems == [] and (line.amount, line.text) == (Decimal("1200.50"), "VIR SOCIÉTÉ F2026-0153")


def test_camt_iso_11649_creditor_reference_names_the_invoice():
    from addin.imports.matching import Item, Matcher

    entry = ('<Ntry><Amt Ccy="EUR">200.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-02</Dt>'
             '</BookgDt><NtryDtls><TxDtls><RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>'
             '<Ref>RF18F20260152</Ref></CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry>')
    (line,), _ = read_statement(camt_doc(entry), "r.xml", "camt")
    assert "RF18F20260152" in line.text  # as the bank gave it, and the creditor's own reference inside
    matcher = Matcher([Item("F2026-0152", "C1", Decimal("200.00"))], [])
    assert matcher.found_in(line.text)[0] == ["F2026-0152"]


def test_csv_dated_balance_row_without_amount_is_skipped():
    lines, problems = csv_lines("Date;Libellé;Débit;Crédit;Solde\n01/12/2026;Solde créditeur au 01/12/2026;;;5 000,00\n"
                                "05/12/2026;VIR ACME;;1 200,50;6 200,50\n05/12/2026;VIR SANS MONTANT;;;6 200,50\n")
    assert [ln.amount for ln in lines] == [Decimal("1200.50")]
    assert [p.line for p in problems] == [4]  # an operation without an amount is still a bad line


def test_csv_bad_row_after_multiline_labels_is_reported_on_its_own_line():
    text = ('Date;Libellé;Débit Euros;Crédit Euros;\n05/12/2026;"VIREMENT EN VOTRE FAVEUR \n ACME SARL\n F2026-0153 ";;'
            '1 200,50;\n31/12/2026;"PRELEVEMENT \n EDF ";quatre-vingts;;\n')
    lines, problems = csv_lines(text, "cp1252")
    assert [(ln.amount, ln.text) for ln in lines] == [(Decimal("1200.50"), "VIREMENT EN VOTRE FAVEUR ACME SARL F2026-0153")]
    assert [p.line for p in problems] == [5]  # the row starts on the 5th line of the file


def test_ofx_transactions_without_closing_tags_are_all_read():
    data = ofx_sgml(trn("CREDIT", "20261203", "10.00", "A1", "ACME") + trn("DEBIT", "20261204", "-3.00", "A2", "X"))
    data = data.replace(b"</STMTTRN>\r\n", b"")
    lines, problems = read_statement(data, "r.ofx", "ofx")
    assert problems == [] and [(ln.amount, ln.bank_id) for ln in lines] == [(Decimal("10.00"), "A1"),
                                                                            (Decimal("-3.00"), "A2")]
