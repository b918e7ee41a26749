"""E-invoices read: Factur-X PDFs of every profile, CII and UBL 2.1, and what is wrong with a bad one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from addin.imports import einvoice, fec
from tests.imports.files import PROFILES, Doc, cii, facturx_pdf, plain_pdf, ubl

SELLER = dict(name="Pixel & Cie SARL", siren="812345676", vat="FR19812345676")  # keys checked by python-stdnum
BUYER = dict(buyer="Atelier Dupont", buyer_siren="443061841", buyer_vat="FR64443061841", buyer_email="compta@dupont.example")


def doc(**changes) -> Doc:
    # 1,000.00 HT + 20 % VAT (200.00) = 1,200.00 TTC, due 30 days after 10 Jan 2025: 9 Feb 2025.
    values = dict(number="F2025-001", issued=date(2025, 1, 10), ht=D("1000.00"), due=date(2025, 2, 9),
                  terms="30 jours", po="BC-77", seller=dict(SELLER), **BUYER)
    values.update(changes)
    return Doc(**values)


@pytest.mark.parametrize("profile", PROFILES)
def test_every_factur_x_profile_gives_the_invoice(profile):
    pdf = facturx_pdf(cii(doc(), profile))
    assert einvoice.sniff(pdf) and not fec.sniff(pdf)
    (invoice,), problems = einvoice.read(pdf, "F2025-001.pdf")
    assert problems == []
    assert invoice.format == f"Factur-X {profile.upper()}"
    assert (invoice.number, invoice.issued, invoice.currency) == ("F2025-001", date(2025, 1, 10), "EUR")
    assert (invoice.amount_ht, invoice.amount_ttc) == (D("1000.00"), D("1200.00"))
    assert invoice.po_number == "BC-77" and not invoice.is_credit_note
    assert invoice.seller.siren == "812345676" and invoice.buyer.siren == "443061841"
    assert invoice.buyer.name == "Atelier Dupont"
    if profile == "minimum":  # MINIMUM carries neither payment terms nor the buyer's address
        assert invoice.due is None and invoice.buyer.address == ""
    else:
        assert invoice.due == date(2025, 2, 9) and invoice.terms == "30 jours"
        assert invoice.buyer.address == "3 rue des Lilas, 69003 Lyon"
        assert invoice.buyer.email == "compta@dupont.example" and invoice.buyer.vat == "FR64443061841"


def test_a_cii_credit_note_names_the_invoice_it_corrects():
    (note,), problems = einvoice.read(cii(doc(number="AV2025-001", type_code="381", original="F2025-001"), "basic"),
                                      "AV2025-001.xml")
    assert problems == [] and note.is_credit_note and note.original_invoice == "F2025-001"
    assert note.format == "CII BASIC"


@pytest.mark.parametrize("type_code, root", [("380", "Invoice"), ("381", "CreditNote")])
def test_ubl_invoice_and_credit_note(type_code, root):
    data = ubl(doc(type_code=type_code, original="F2024-120" if type_code == "381" else "", prepaid=D("200.00"),
                   buyer_siret="44306184100013", buyer_siren=""))
    assert einvoice.sniff(data)
    (invoice,), problems = einvoice.read(data, "u.xml")
    assert problems == [] and invoice.format == f"UBL 2.1 {root}"
    assert (invoice.amount_ht, invoice.amount_ttc, invoice.prepaid) == (D("1000.00"), D("1200.00"), D("200.00"))
    # The SIRET (scheme 0009) gives the SIREN: its first nine digits.
    assert (invoice.buyer.siret, invoice.buyer.siren) == ("44306184100013", "443061841")
    assert invoice.is_credit_note is (type_code == "381")
    assert invoice.original_invoice == ("F2024-120" if type_code == "381" else "")
    assert invoice.due == date(2025, 2, 9)


def test_a_plain_pdf_has_no_invoice_xml():
    data = plain_pdf("Facture papier scannée")
    assert einvoice.sniff(data)  # a PDF is ours: its problem is said here, not "unknown format"
    invoices, (problem,) = einvoice.read(data, "scan.pdf")
    assert invoices == [] and problem.code == "import.einvoice.no_xml" and problem.sheet == "scan.pdf"
    assert "sans facture électronique" in problem.message


def test_an_xml_that_fails_its_schema_is_one_line_with_its_line_number():
    # TypeCode after IssueDateTime: the Factur-X XSD wants it before.
    bad = cii(doc(), "en16931").replace(b"<ram:TypeCode>380</ram:TypeCode>", b"").replace(
        b"</ram:IssueDateTime>", b"</ram:IssueDateTime><ram:TypeCode>380</ram:TypeCode>")
    invoices, (problem,) = einvoice.read(bad, "bad.xml")
    assert invoices == [] and problem.code == "import.einvoice.schema"
    assert "schéma officiel" in problem.message and problem.row == 1


def test_a_broken_xml_and_a_damaged_pdf_are_each_one_line():
    _, (xml_problem,) = einvoice.read(cii(doc())[:-40], "cut.xml")
    assert xml_problem.code == "import.einvoice.xml" and "XML illisible" in xml_problem.message
    pdf = facturx_pdf(cii(doc()))
    _, (pdf_problem,) = einvoice.read(pdf[: len(pdf) // 3], "cut.pdf")
    assert pdf_problem.code in ("import.einvoice", "import.einvoice.no_xml")


def test_identifiers_are_checked_and_a_wrong_one_is_not_used():
    # 443061842: the Luhn key of 44306184 is 1, not 2; FR00… has a wrong VAT key.
    (invoice,), problems = einvoice.read(cii(doc(buyer_siren="443061842", buyer_vat="FR00443061841"), "en16931"),
                                         "f.xml")
    assert invoice.buyer.siren == "" and invoice.buyer.vat == ""
    assert [p.code for p in problems] == ["import.einvoice.identifier"] * 2
    assert "SIREN invalide « 443061842 »" in problems[0].message
    # A valid French VAT number gives the SIREN (FR + 2-digit key + SIREN).
    (invoice,), problems = einvoice.read(cii(doc(buyer_siren=""), "en16931"), "f.xml")
    assert problems == [] and invoice.buyer.siren == "443061841"


def test_sniff_tells_e_invoices_from_other_files():
    assert einvoice.sniff(cii(doc())) and einvoice.sniff(ubl(doc()))
    assert not einvoice.sniff(b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>')
    assert not einvoice.sniff(b"JournalCode\tJournalLib\tEcritureNum\n")


def test_zugferd_1_is_said_unsupported_in_one_line():
    zf1 = (b'<?xml version="1.0"?><rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0" '
           b'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12">'
           b"<rsm:SpecifiedExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>"
           b"urn:ferd:CrossIndustryDocument:invoice:1p0:basic</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>"
           b"</rsm:SpecifiedExchangedDocumentContext></rsm:CrossIndustryDocument>")
    assert einvoice.sniff(zf1)
    invoices, (problem,) = einvoice.read(zf1, "zf1.xml")
    assert invoices == [] and problem.code == "import.einvoice.zugferd1"
