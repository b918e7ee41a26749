"""E-invoices as other software writes them: what real CII / UBL / XRechnung / Peppol files carry
that the tidy files of test_einvoice.py do not (every file here is written by the test)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from addin.imports import einvoice
from tests.imports.files import Doc, cii, ubl

SELLER = dict(name="Pixel & Cie SARL", siren="812345676", vat="FR19812345676")  # keys checked by python-stdnum


def doc(**changes) -> Doc:
    # 1,000.00 HT + 20 % VAT (200.00) = 1,200.00 TTC.
    values = dict(number="F2025-001", issued=date(2025, 1, 10), ht=D("1000.00"), seller=dict(SELLER),
                  buyer="Atelier Dupont", buyer_siren="443061841")
    values.update(changes)
    return Doc(**values)


def test_a_bom_and_blank_lines_before_the_xml_declaration_are_read():
    # Some exporters write a UTF-8 BOM then a blank line before « <?xml »: an XML parser refuses the
    # declaration anywhere but at the very start.
    for data in (b"\xef\xbb\xbf\r\n" + ubl(doc()), b"\n\n  " + cii(doc())):
        assert einvoice.sniff(data)
        (invoice,), problems = einvoice.read(data, "f.xml")
        assert problems == [] and invoice.amount_ttc == D("1200.00")


def test_a_specification_the_library_does_not_know_is_still_read():
    # Peppol BIS 2 (UBL) and a CIUS of one's own (CII) name a specification the factur-x library
    # cannot map to a profile: UBL has one schema, a CII is checked as EXTENDED (the widest).
    bis2 = ubl(doc()).replace(b"<cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>",
                              b"<cbc:CustomizationID>urn:www.cenbii.eu:transaction:biitrns010:ver2.0:extended:"
                              b"urn:www.peppol.eu:bis:peppol4a:ver2.0</cbc:CustomizationID>")
    own = cii(doc()).replace(b"<ram:ID>urn:cen.eu:en16931:2017</ram:ID>", b"<ram:ID>urn:example.org:cius:v2</ram:ID>")
    for data, format_ in ((bis2, "UBL 2.1 Invoice"), (own, "CII EXTENDED")):
        (invoice,), problems = einvoice.read(data, "f.xml")
        assert problems == [] and invoice.format == format_
        assert (invoice.number, invoice.amount_ttc) == ("F2025-001", D("1200.00"))


def test_ubl_dates_written_with_a_time_zone_are_their_day():
    # xsd:date allows « 2025-01-10+01:00 » or « 2025-02-09Z »: the date is the day written.
    data = ubl(doc(due=date(2025, 2, 9))).replace(b"2025-01-10<", b"2025-01-10+01:00<").replace(b"2025-02-09<",
                                                                                              b"2025-02-09Z<")
    (invoice,), problems = einvoice.read(data, "f.xml")
    assert problems == [] and (invoice.issued, invoice.due) == (date(2025, 1, 10), date(2025, 2, 9))


def rounded(profile: str) -> bytes:
    """999.99 HT + 200.00 VAT = 1,199.99 (BT-112), rounded by 0.01 (BT-114): 1,200.00 due (BT-115)."""
    data = cii(doc(ht=D("999.99")), profile).decode()
    data = data.replace("<ram:TaxTotalAmount currencyID=\"EUR\">200.00</ram:TaxTotalAmount>",
                        "<ram:TaxTotalAmount currencyID=\"EUR\">200.00</ram:TaxTotalAmount>"
                        "<ram:RoundingAmount>0.01</ram:RoundingAmount>")
    return data.replace("<ram:DuePayableAmount>1199.99", "<ram:DuePayableAmount>1200.00").encode()


def test_the_rounding_amount_is_part_of_what_the_client_owes():
    (invoice,), problems = einvoice.read(rounded("en16931"), "f.xml")
    # 1,199.99 + 0.01 = 1,200.00: the amount due, which the client pays.
    assert problems == [] and (invoice.amount_ht, invoice.amount_ttc) == (D("999.99"), D("1200.00"))


def test_a_cii_with_a_field_beyond_its_declared_profile_is_read_when_extended_allows_it():
    # A BASIC invoice carrying the EN 16931 rounding amount fails the BASIC XSD but not the
    # EXTENDED one: it is a CII, read. A file no Factur-X schema accepts is still refused.
    (invoice,), problems = einvoice.read(rounded("basic"), "f.xml")
    assert problems == [] and invoice.amount_ttc == D("1200.00")
    broken = rounded("basic").replace(b"<ram:RoundingAmount>", b"<ram:Rounding>").replace(b"</ram:RoundingAmount>",
                                                                                        b"</ram:Rounding>")
    invoices, (problem,) = einvoice.read(broken, "f.xml")
    assert invoices == [] and problem.code == "import.einvoice.schema" and "Rounding" in problem.message


def test_a_foreign_partys_number_without_scheme_is_no_siren():
    # A German buyer's customer number « 123456789 » (no scheme) is not a French SIREN: no warning.
    # The same number on a French buyer claims to be one, and fails its check digit.
    def with_id(country: str) -> bytes:
        data = cii(doc(buyer_siren="")).decode()
        data = data.replace("<ram:BuyerTradeParty><ram:Name>", "<ram:BuyerTradeParty><ram:ID>123456789</ram:ID>"
                            "<ram:Name>")
        head, tail = data.rsplit("<ram:CountryID>FR</ram:CountryID>", 1)
        return (head + f"<ram:CountryID>{country}</ram:CountryID>" + tail).encode()

    (invoice,), problems = einvoice.read(with_id("DE"), "f.xml")
    assert problems == [] and invoice.buyer.siren == "" and invoice.buyer.country == "DE"
    (invoice,), problems = einvoice.read(with_id("FR"), "f.xml")
    assert [p.code for p in problems] == ["import.einvoice.identifier"] and "123456789" in problems[0].message


def test_a_long_comment_before_the_root_and_utf_16_are_still_e_invoices():
    # Licence headers (the EN 16931 examples carry one) can push the root past the first few KB.
    long = ubl(doc()).replace(b"?>", b"?><!-- " + b"licence text " * 600 + b"-->", 1)
    utf16 = ubl(doc()).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    for data in (long, utf16):
        assert einvoice.sniff(data)
        (invoice,), problems = einvoice.read(data, "f.xml")
        assert problems == [] and invoice.amount_ttc == D("1200.00")


def test_a_siret_filed_under_the_siren_scheme_is_a_siret():
    # Scheme 0002 says SIREN, but 44306184100013 has 14 digits and a valid SIRET key: it is one.
    data = cii(doc(buyer_siren="44306184100013"))
    (invoice,), problems = einvoice.read(data, "f.xml")
    assert problems == [] and (invoice.buyer.siret, invoice.buyer.siren) == ("44306184100013", "443061841")


def test_the_french_e_invoicing_directory_address_gives_the_siren_or_siret():
    # Scheme 0225 (the reform's directory): « SIREN », « SIREN_SIRET » or « SIREN_suffix ».
    def with_address(address: str) -> bytes:
        data = ubl(doc(buyer_siren="", buyer_siret="44306184100013")).decode()
        return data.replace('schemeID="0009">44306184100013', f'schemeID="0225">{address}').encode()

    for address, siren, siret in (("443061841", "443061841", ""), ("443061841_44306184100013", "443061841",
                                                                    "44306184100013"),
                                  ("443061841_FACTURES", "443061841", "")):
        (invoice,), problems = einvoice.read(with_address(address), "f.xml")
        assert problems == [] and (invoice.buyer.siren, invoice.buyer.siret) == (siren, siret)


def test_a_factur_x_pdf_with_bytes_before_its_header_is_read():
    # PDF readers accept « %PDF- » anywhere in the first KB (a gateway may leave a header line).
    from tests.imports.files import facturx_pdf

    data = b"X-Attachment-Id: f_1\r\n\r\n" + facturx_pdf(cii(doc()))
    assert einvoice.sniff(data)
    (invoice,), problems = einvoice.read(data, "f.pdf")
    assert problems == [] and invoice.format == "Factur-X EN16931" and invoice.amount_ttc == D("1200.00")


def test_a_cii_date_written_the_iso_way_is_one_french_line():
    # The CII XSD types DateTimeString as text, so « 2025-01-10 » with format 102 passes it; the
    # invoice cannot be read: one line in French saying which date and what is due, no English.
    data = cii(doc()).replace(b">20250110<", b">2025-01-10<")
    invoices, (problem,) = einvoice.read(data, "f.xml")
    assert invoices == [] and problem.code == "import.einvoice.date"
    assert "« 2025-01-10 » au lieu de AAAAMMJJ" in problem.message and "time data" not in problem.message


def test_a_peppol_envelope_around_the_invoice_is_opened():
    # What a Peppol access point stores: the UBL inside a Standard Business Document (SBDH).
    sbdh = "http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
    inner = ubl(doc()).split(b"?>", 1)[1]
    data = (f'<?xml version="1.0" encoding="UTF-8"?><StandardBusinessDocument xmlns="{sbdh}">'
            "<StandardBusinessDocumentHeader><HeaderVersion>1.0</HeaderVersion>"
            '<Sender><Identifier Authority="iso6523-actorid-upis">0009:81234567600010</Identifier></Sender>'
            '<Receiver><Identifier Authority="iso6523-actorid-upis">0009:44306184100013</Identifier></Receiver>'
            "<DocumentIdentification><Standard>urn:oasis:names:specification:ubl:schema:xsd:Invoice-2</Standard>"
            "<TypeVersion>2.1</TypeVersion><InstanceIdentifier>1</InstanceIdentifier><Type>Invoice</Type>"
            "<CreationDateAndTime>2025-01-10T10:00:00</CreationDateAndTime></DocumentIdentification>"
            "</StandardBusinessDocumentHeader>").encode() + inner + b"</StandardBusinessDocument>"
    assert einvoice.sniff(data)
    (invoice,), problems = einvoice.read(data, "f.xml")
    assert problems == [] and invoice.format == "UBL 2.1 Invoice" and invoice.amount_ttc == D("1200.00")


def test_a_cii_valid_against_the_full_un_cefact_schema_is_read():
    # SpecifiedTransactionID is in the full UN/CEFACT CII schema (D22B) but in no Factur-X profile:
    # the file is a valid CII, read. An element no CII schema has is still refused.
    data = cii(doc()).replace(b"<rsm:ExchangedDocumentContext>", b"<rsm:ExchangedDocumentContext>"
                              b"<ram:SpecifiedTransactionID>T-1</ram:SpecifiedTransactionID>")
    (invoice,), problems = einvoice.read(data, "f.xml")
    assert problems == [] and invoice.amount_ttc == D("1200.00")
    bad = cii(doc()).replace(b"<rsm:ExchangedDocumentContext>", b"<rsm:ExchangedDocumentContext>"
                             b"<ram:TransactionNote>T-1</ram:TransactionNote>")
    invoices, (problem,) = einvoice.read(bad, "f.xml")
    assert invoices == [] and problem.code == "import.einvoice.schema"


def test_a_ubl_due_date_in_payment_means_or_payment_terms_is_the_due_date():
    # Peppol BIS 2 and others give the due date in cac:PaymentMeans or cac:PaymentTerms rather than
    # cbc:DueDate (BT-9): 9 Feb 2025 for an invoice of 10 Jan.
    means = ubl(doc()).replace(b"<cac:TaxTotal>", b"<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>"
                               b"<cbc:PaymentDueDate>2025-02-09</cbc:PaymentDueDate></cac:PaymentMeans><cac:TaxTotal>")
    terms = ubl(doc()).replace(b"<cac:TaxTotal>", b"<cac:PaymentTerms><cbc:Note>Net 30</cbc:Note>"
                               b"<cbc:PaymentDueDate>2025-02-09</cbc:PaymentDueDate></cac:PaymentTerms><cac:TaxTotal>")
    for data in (means, terms):
        (invoice,), problems = einvoice.read(data, "f.xml")
        assert problems == [] and invoice.due == date(2025, 2, 9)
