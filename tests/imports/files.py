"""E-invoice and FEC files written by the tests themselves (never copied from elsewhere).

``cii`` writes a Cross Industry Invoice for each Factur-X profile (MINIMUM, BASIC WL, BASIC,
EN16931, EXTENDED) with only the elements that profile allows, in its XSD's order; ``ubl``
an OASIS UBL 2.1 Invoice or CreditNote; ``facturx_pdf`` embeds a CII in a plain PDF made
with fpdf2, through the factur-x library; ``fec`` writes a FEC in any of its variants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

PROFILES = ("minimum", "basicwl", "basic", "en16931", "extended")
GUIDELINES = {
    "minimum": "urn:factur-x.eu:1p0:minimum",
    "basicwl": "urn:factur-x.eu:1p0:basicwl",
    "basic": "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic",
    "en16931": "urn:cen.eu:en16931:2017",
    "extended": "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended",
}

SELLER = dict(name="Pixel & Cie SARL", siren="812345678", vat="FR44812345678")  # SIREN/VAT keys valid (Luhn, mod 97)


@dataclass
class Doc:
    number: str
    issued: date
    ht: Decimal
    buyer: str = "Atelier Dupont"
    buyer_siren: str = ""
    buyer_siret: str = ""
    buyer_vat: str = ""
    buyer_email: str = ""
    buyer_street: str = "3 rue des Lilas"
    buyer_city: str = "Lyon"
    buyer_postcode: str = "69003"
    type_code: str = "380"
    due: date | None = None
    terms: str = ""
    po: str = ""
    original: str = ""
    currency: str = "EUR"
    vat_rate: Decimal = Decimal("20")
    prepaid: Decimal = Decimal("0")
    seller: dict = field(default_factory=lambda: dict(SELLER))

    @property
    def tax(self) -> Decimal:
        return (self.ht * self.vat_rate / 100).quantize(Decimal("0.01"))

    @property
    def ttc(self) -> Decimal:
        return self.ht + self.tax


def _d(day: date) -> str:
    return f'<udt:DateTimeString format="102">{day:%Y%m%d}</udt:DateTimeString>'


def _party(tag: str, name: str, siren: str, siret: str, vat: str, email: str, street: str, postcode: str,
           city: str, profile: str) -> str:
    rich = profile != "minimum"
    out = [f"<ram:{tag}>"]
    if siret and rich:
        out.append(f'<ram:GlobalID schemeID="0009">{siret}</ram:GlobalID>')
    out.append(f"<ram:Name>{escape(name)}</ram:Name>")
    if siren:
        out.append(f'<ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">{siren}</ram:ID>'
                   "</ram:SpecifiedLegalOrganization>")
    if rich or tag == "SellerTradeParty":
        out.append("<ram:PostalTradeAddress>")
        if rich:
            out.append(f"<ram:PostcodeCode>{postcode}</ram:PostcodeCode><ram:LineOne>{escape(street)}</ram:LineOne>"
                       f"<ram:CityName>{escape(city)}</ram:CityName>")
        out.append("<ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>")
    if email and rich:
        out.append(f'<ram:URIUniversalCommunication><ram:URIID schemeID="EM">{email}</ram:URIID>'
                   "</ram:URIUniversalCommunication>")
    if vat:
        out.append(f'<ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">{vat}</ram:ID></ram:SpecifiedTaxRegistration>')
    out.append(f"</ram:{tag}>")
    return "".join(out)


def cii(doc: Doc, profile: str = "en16931") -> bytes:
    """A CII invoice valid against ``profile``'s XSD."""
    rich = profile != "minimum"
    s = doc.seller
    a = doc.ht
    lines = ""
    if profile in ("basic", "en16931", "extended"):
        lines = ("<ram:IncludedSupplyChainTradeLineItem>"
                 "<ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID></ram:AssociatedDocumentLineDocument>"
                 "<ram:SpecifiedTradeProduct><ram:Name>Prestation</ram:Name></ram:SpecifiedTradeProduct>"
                 f"<ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount>{a}</ram:ChargeAmount>"
                 "</ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>"
                 '<ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="C62">1</ram:BilledQuantity>'
                 "</ram:SpecifiedLineTradeDelivery>"
                 "<ram:SpecifiedLineTradeSettlement><ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode>"
                 f"<ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>{doc.vat_rate}</ram:RateApplicablePercent>"
                 "</ram:ApplicableTradeTax><ram:SpecifiedTradeSettlementLineMonetarySummation>"
                 f"<ram:LineTotalAmount>{a}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>"
                 "</ram:SpecifiedLineTradeSettlement></ram:IncludedSupplyChainTradeLineItem>")
    po = f"<ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>{escape(doc.po)}</ram:IssuerAssignedID>" \
         "</ram:BuyerOrderReferencedDocument>" if doc.po else ""
    settlement = [f"<ram:InvoiceCurrencyCode>{doc.currency}</ram:InvoiceCurrencyCode>"]
    if rich:
        settlement.append(f"<ram:ApplicableTradeTax><ram:CalculatedAmount>{doc.tax}</ram:CalculatedAmount>"
                          f"<ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>{a}</ram:BasisAmount>"
                          f"<ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>{doc.vat_rate}"
                          "</ram:RateApplicablePercent></ram:ApplicableTradeTax>")
        if doc.terms or doc.due:
            settlement.append("<ram:SpecifiedTradePaymentTerms>"
                              + (f"<ram:Description>{escape(doc.terms)}</ram:Description>" if doc.terms else "")
                              + (f"<ram:DueDateDateTime>{_d(doc.due)}</ram:DueDateDateTime>" if doc.due else "")
                              + "</ram:SpecifiedTradePaymentTerms>")
    sums = []
    if rich:
        sums.append(f"<ram:LineTotalAmount>{a}</ram:LineTotalAmount>")
    sums.append(f"<ram:TaxBasisTotalAmount>{a}</ram:TaxBasisTotalAmount>"
                f'<ram:TaxTotalAmount currencyID="{doc.currency}">{doc.tax}</ram:TaxTotalAmount>'
                f"<ram:GrandTotalAmount>{doc.ttc}</ram:GrandTotalAmount>")
    if rich and doc.prepaid:
        sums.append(f"<ram:TotalPrepaidAmount>{doc.prepaid}</ram:TotalPrepaidAmount>")
    sums.append(f"<ram:DuePayableAmount>{doc.ttc - doc.prepaid}</ram:DuePayableAmount>")
    settlement.append("<ram:SpecifiedTradeSettlementHeaderMonetarySummation>" + "".join(sums)
                      + "</ram:SpecifiedTradeSettlementHeaderMonetarySummation>")
    if rich and doc.original:
        settlement.append(f"<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>{escape(doc.original)}"
                          "</ram:IssuerAssignedID></ram:InvoiceReferencedDocument>")
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" '
        'xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100" '
        'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" '
        'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">'
        "<rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter>"
        f"<ram:ID>{GUIDELINES[profile]}</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>"
        "</rsm:ExchangedDocumentContext>"
        f"<rsm:ExchangedDocument><ram:ID>{escape(doc.number)}</ram:ID><ram:TypeCode>{doc.type_code}</ram:TypeCode>"
        f"<ram:IssueDateTime>{_d(doc.issued)}</ram:IssueDateTime></rsm:ExchangedDocument>"
        f"<rsm:SupplyChainTradeTransaction>{lines}<ram:ApplicableHeaderTradeAgreement>"
        + _party("SellerTradeParty", s["name"], s.get("siren", ""), "", s.get("vat", ""), "", "12 rue de la République",
                 "69002", "Lyon", profile)
        + _party("BuyerTradeParty", doc.buyer, doc.buyer_siren, doc.buyer_siret, doc.buyer_vat if rich else "",
                 doc.buyer_email, doc.buyer_street, doc.buyer_postcode, doc.buyer_city, profile)
        + po + "</ram:ApplicableHeaderTradeAgreement><ram:ApplicableHeaderTradeDelivery/>"
        "<ram:ApplicableHeaderTradeSettlement>" + "".join(settlement) + "</ram:ApplicableHeaderTradeSettlement>"
        "</rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>"
    )
    return xml.encode("utf-8")


def plain_pdf(text: str = "Facture") -> bytes:
    """A plain one-page PDF (fpdf2), the carrier of a Factur-X XML."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, text)
    return bytes(pdf.output())


def facturx_pdf(xml: bytes, text: str = "Facture") -> bytes:
    """A Factur-X PDF: the CII embedded in a plain PDF by the factur-x library."""
    from facturx import generate_from_binary

    return generate_from_binary(plain_pdf(text), xml, check_xsd=True, check_schematron=False)


def _ubl_party(name: str, siren: str, siret: str, vat: str, email: str, street: str, postcode: str, city: str) -> str:
    out = ["<cac:Party>"]
    if siret:
        out.append(f'<cbc:EndpointID schemeID="0009">{siret}</cbc:EndpointID>')
    elif email:
        out.append(f'<cbc:EndpointID schemeID="EM">{email}</cbc:EndpointID>')
    out.append(f"<cac:PartyName><cbc:Name>{escape(name)}</cbc:Name></cac:PartyName>")
    out.append(f"<cac:PostalAddress><cbc:StreetName>{escape(street)}</cbc:StreetName><cbc:CityName>{escape(city)}"
               f"</cbc:CityName><cbc:PostalZone>{postcode}</cbc:PostalZone><cac:Country><cbc:IdentificationCode>FR"
               "</cbc:IdentificationCode></cac:Country></cac:PostalAddress>")
    if vat:
        out.append(f"<cac:PartyTaxScheme><cbc:CompanyID>{vat}</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID>"
                   "</cac:TaxScheme></cac:PartyTaxScheme>")
    out.append(f"<cac:PartyLegalEntity><cbc:RegistrationName>{escape(name)}</cbc:RegistrationName>"
               + (f'<cbc:CompanyID schemeID="0002">{siren}</cbc:CompanyID>' if siren else "")
               + "</cac:PartyLegalEntity>")
    if email and siret:
        out.append(f"<cac:Contact><cbc:ElectronicMail>{email}</cbc:ElectronicMail></cac:Contact>")
    out.append("</cac:Party>")
    return "".join(out)


def ubl(doc: Doc) -> bytes:
    """An OASIS UBL 2.1 Invoice, or CreditNote when ``doc.type_code`` is a credit note's."""
    credit = doc.type_code in ("381", "261", "396")
    root = "CreditNote" if credit else "Invoice"
    ns = f"urn:oasis:names:specification:ubl:schema:xsd:{root}-2"
    s = doc.seller
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<{root} xmlns="{ns}" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
        'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">',
        "<cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>",
        f"<cbc:ID>{escape(doc.number)}</cbc:ID><cbc:IssueDate>{doc.issued.isoformat()}</cbc:IssueDate>",
    ]
    if doc.due and not credit:
        parts.append(f"<cbc:DueDate>{doc.due.isoformat()}</cbc:DueDate>")
    parts.append(f"<cbc:{root}TypeCode>{doc.type_code}</cbc:{root}TypeCode>")
    parts.append(f"<cbc:DocumentCurrencyCode>{doc.currency}</cbc:DocumentCurrencyCode>")
    if doc.po:
        parts.append(f"<cac:OrderReference><cbc:ID>{escape(doc.po)}</cbc:ID></cac:OrderReference>")
    if doc.original:
        parts.append(f"<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>{escape(doc.original)}</cbc:ID>"
                     "</cac:InvoiceDocumentReference></cac:BillingReference>")
    parts.append("<cac:AccountingSupplierParty>" + _ubl_party(s["name"], s.get("siren", ""), "", s.get("vat", ""), "",
                                                               "12 rue de la République", "69002", "Lyon")
                 + "</cac:AccountingSupplierParty>")
    parts.append("<cac:AccountingCustomerParty>" + _ubl_party(doc.buyer, doc.buyer_siren, doc.buyer_siret,
                                                               doc.buyer_vat, doc.buyer_email, doc.buyer_street,
                                                               doc.buyer_postcode, doc.buyer_city)
                 + "</cac:AccountingCustomerParty>")
    if doc.due and credit:
        parts.append(f"<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode><cbc:PaymentDueDate>"
                     f"{doc.due.isoformat()}</cbc:PaymentDueDate></cac:PaymentMeans>")
    if doc.terms:
        parts.append(f"<cac:PaymentTerms><cbc:Note>{escape(doc.terms)}</cbc:Note></cac:PaymentTerms>")
    c = doc.currency
    parts.append(f'<cac:TaxTotal><cbc:TaxAmount currencyID="{c}">{doc.tax}</cbc:TaxAmount></cac:TaxTotal>')
    parts.append(f'<cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID="{c}">{doc.ht}</cbc:LineExtensionAmount>'
                 f'<cbc:TaxExclusiveAmount currencyID="{c}">{doc.ht}</cbc:TaxExclusiveAmount>'
                 f'<cbc:TaxInclusiveAmount currencyID="{c}">{doc.ttc}</cbc:TaxInclusiveAmount>'
                 + (f'<cbc:PrepaidAmount currencyID="{c}">{doc.prepaid}</cbc:PrepaidAmount>' if doc.prepaid else "")
                 + f'<cbc:PayableAmount currencyID="{c}">{doc.ttc - doc.prepaid}</cbc:PayableAmount>'
                 "</cac:LegalMonetaryTotal>")
    line = "CreditNoteLine" if credit else "InvoiceLine"
    quantity = "CreditedQuantity" if credit else "InvoicedQuantity"
    parts.append(f'<cac:{line}><cbc:ID>1</cbc:ID><cbc:{quantity} unitCode="C62">1</cbc:{quantity}>'
                 f'<cbc:LineExtensionAmount currencyID="{c}">{doc.ht}</cbc:LineExtensionAmount>'
                 "<cac:Item><cbc:Name>Prestation</cbc:Name><cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID>"
                 f"<cbc:Percent>{doc.vat_rate}</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>"
                 f'</cac:ClassifiedTaxCategory></cac:Item><cac:Price><cbc:PriceAmount currencyID="{c}">{doc.ht}'
                 f"</cbc:PriceAmount></cac:Price></cac:{line}>")
    parts.append(f"</{root}>")
    return "".join(parts).encode("utf-8")
