"""Invoices in without typing: e-invoices (Factur-X, CII, UBL) and the accountant's FEC.

``run(book, today=…, paths=[…])`` reads each file (``addin.imports.einvoice``,
``addin.imports.fec``, told apart by their content), then appends to the register:

- *Factures*: one row per invoice or credit note (number, dates, HT and TTC — negative for
  a credit note —, payment terms from the due date or the terms' wording, the buyer's order
  reference in *Bon de commande*, *Devise*, and for a credit note the invoice it corrects in
  *Facture d'origine*);
- *Clients*: the buyer found by SIREN (or SIRET), VAT number or name, else added with
  its name, identifiers, address and e-mail, its type guessed from its identifiers (a SIREN
  starting with 1 or 2 is a public body; a SIREN or VAT number, a business; none, a
  consumer) and a note asking to confirm it;
- *Paiements*: a FEC's payments, each naming the invoice its lettering settled, and the
  amount an e-invoice says was already paid.

Never twice, never overwritten: an invoice number already in *Factures* is skipped when
the row says the same (date and TTC), reported when it differs (the register keeps what
was typed); a FEC payment whose reference is already in *Paiements* is skipped. A second
import of the same files changes nothing. An invoice whose seller is not the company of
*Paramètres* (its SIREN) is not a receivable: reported, not imported. Every problem is one
line naming its file (and line); the rest is imported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from addin.books.base import Book
from addin.core.model import ZERO, ClientType, Problem, Severity, format_euros
from addin.register import schema


REFRESH_HINT = "Cliquez sur « Actualiser » (relance refresh) pour calculer soldes, retards et relances."


@dataclass(frozen=True)
class ImportResult:
    summary: str
    problems: list[Problem] = field(default_factory=list)  # one per file or line in trouble, in file order
    invoices: int = 0  # rows added to Factures (invoices and credit notes)
    clients: int = 0  # rows added to Clients
    payments: int = 0  # rows added to Paiements
    skipped: int = 0  # invoices already in Factures, identical


def describe(problem: Problem) -> str:
    """One line: file, line, what is wrong, what to do."""
    where = problem.sheet + (f", ligne {problem.row}" if problem.row else "")
    return f"{where} : {problem.message}" + (f" {problem.fix}" if problem.fix else "")


@dataclass
class _Table:
    """A sheet of the register as read: its real name, header map, rows, and rows to append."""

    name: str
    header: schema.HeaderMap
    rows: tuple[tuple[object, ...], ...]
    new: list[dict[str, object]] = field(default_factory=list)

    def value(self, row: tuple[object, ...], key: str) -> object:
        index = self.header.columns.get(key)
        return row[index - 1] if index is not None and index <= len(row) else None

    def data_rows(self):
        for number, row in enumerate(self.rows[self.header.row:], start=self.header.row + 1):
            yield number, row


def _text(value: object) -> str:
    return "" if value is None else " ".join(str(value).split())


def _table(snapshot, sheet: schema.Sheet) -> _Table:
    name, data = snapshot.data(sheet)
    if name is None or data is None:
        raise ValueError(f"Le classeur n'a pas de feuille « {sheet.fr} » : repartez du modèle workbook_template.xlsx "
                         "(relance new).")
    header = schema.locate_header(data, sheet)
    if header.row is None:
        raise ValueError(f"La feuille « {name} » n'a pas sa ligne d'en-têtes.")
    return _Table(name, header, data.rows)


def run(book: Book, *, today: date, paths, book_path=None) -> ImportResult:
    """Import ``paths`` (Factur-X PDFs, CII / UBL XML, FEC files) into ``book`` and save it."""
    from addin.imports import einvoice, fec
    from addin.register.load import load_settings
    from addin.register.snapshot import Snapshot

    problems: list[Problem] = []
    einvoices: list = []
    fecs: list = []
    for path in [Path(p) for p in paths]:
        try:
            data = path.read_bytes()
        except OSError as error:
            problems.append(Problem(path.name, None, None, None, f"fichier illisible ({error.strerror or error}).",
                                    "Vérifiez le chemin et les droits du fichier.", code="import.unreadable"))
            continue
        if fec.sniff(data):
            found, trouble = fec.read(data, path.name)
            fecs.append((path.name, found))
        elif einvoice.sniff(data):
            found, trouble = einvoice.read(data, path.name)
            einvoices.extend(found)
        else:
            found, trouble = None, [Problem(path.name, None, None, None,
                                            "format non reconnu : ni facture électronique (Factur-X, CII, UBL), "
                                            "ni FEC.", "Importez un PDF Factur-X, un XML CII ou UBL, ou un FEC.",
                                            code="import.unknown")]
        problems.extend(trouble)

    snapshot = Snapshot.read(book)
    settings, _ = load_settings(snapshot)
    plan = _Plan(snapshot, today)
    for invoice in sorted(einvoices, key=lambda inv: (inv.issued, inv.number)):
        plan.einvoice(invoice, settings, problems)
    for source, found in fecs:
        plan.fec(source, found, problems)
    plan.write(book)
    if plan.clients.new or plan.invoices.new or plan.payments.new:
        book.save()
    return ImportResult(plan.summary(problems), list(problems), len(plan.invoices.new), len(plan.clients.new),
                        len(plan.payments.new), plan.skipped)


# The FEC's file name (arrêté A47 A-1): the company's SIREN, « FEC », the closing date AAAAMMJJ.
_FEC_NAME = re.compile(r"^(\d{9})FEC(\d{8})", re.IGNORECASE)


def new_register(path, *, today: date, paths) -> ImportResult:
    """``relance new``: the template written to ``path`` (never over a file), then ``paths`` imported.

    A FEC named as the law names it (``SIRENFECAAAAMMJJ.txt``) gives the company's SIREN to
    *Paramètres* (when its check digit is right), so that e-invoices imported later are
    checked against it.
    """
    from stdnum.fr import siren as siren_number

    from addin.books.file import FileBook
    from addin.demo import template_bytes

    path = Path(path)
    if path.exists():
        raise ValueError(f"« {path} » existe déjà : choisissez un autre nom (relance new ne remplace jamais un fichier).")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(template_bytes())
    sirens = [m.group(1) for p in paths if (m := _FEC_NAME.match(Path(p).name)) and siren_number.is_valid(m.group(1))]
    if sirens:
        book = FileBook.open(path, today=today, backups=0)
        name = schema.find_sheet(book.sheet_names(), schema.PARAMETRES)
        data = book.read_sheet(name)
        header = schema.locate_header(data, schema.PARAMETRES)
        for number, row in enumerate(data.rows[header.row:], start=header.row + 1):
            setting = schema.match_setting(row[header.columns["key"] - 1] if row else None)
            if setting is not None and setting.key == "siren":
                book.write_cells(name, number, header.columns["value"], [[sirens[0]]])
                book.save()
                break
    return run(FileBook.open(path, today=today, backups=0), today=today, paths=paths, book_path=path)


class _Plan:
    """What the import adds, decided against what the register already holds."""

    def __init__(self, snapshot, today: date):
        self.today = today
        self.clients = _table(snapshot, schema.CLIENTS)
        self.invoices = _table(snapshot, schema.FACTURES)
        self.payments = _table(snapshot, schema.PAIEMENTS)
        self.skipped = 0
        self.foreign = 0
        self.by_code: dict[str, str] = {}
        self.by_siren: dict[str, str] = {}
        self.by_vat: dict[str, str] = {}
        self.by_name: dict[str, str] = {}
        self.added: dict[str, dict[str, object]] = {}  # clients added by this import, by code
        for _, row in self.clients.data_rows():
            code = _text(self.clients.value(row, "code"))
            if code:
                self._know(code, _text(self.clients.value(row, "name")), _text(self.clients.value(row, "siren")),
                           _text(self.clients.value(row, "vat_number")))
        self.numbers: dict[str, tuple[int | None, object, object]] = {}  # number -> (row, issued, ttc)
        for number, row in self.invoices.data_rows():
            key = _text(self.invoices.value(row, "number"))
            if key and key not in self.numbers:
                self.numbers[key] = (number, self.invoices.value(row, "issued"), self.invoices.value(row, "amount_ttc"))
        self.references: set[tuple[str, str]] = set()
        for _, row in self.payments.data_rows():
            reference = _text(self.payments.value(row, "reference"))
            if reference:
                self.references.add((_text(self.payments.value(row, "client")).casefold(), reference))

    def _know(self, code: str, name: str, siren: str, vat: str) -> None:
        from addin.imports.einvoice import siren_of

        self.by_code.setdefault(code.casefold(), code)
        if siren_of(siren):
            self.by_siren.setdefault(siren_of(siren), code)
        if vat:
            self.by_vat.setdefault(re.sub(r"[\s.\-]", "", vat).upper(), code)
            if siren_of(vat):
                self.by_siren.setdefault(siren_of(vat), code)
        if name:
            self.by_name.setdefault(schema.normalize(name), code)

    # -- clients ------------------------------------------------------------------------------

    def _client_for(self, party, source: str) -> str:
        """The buyer's client code: found by SIREN, VAT number or name, else a new client."""
        for key, index in ((party.siren, self.by_siren), (party.vat, self.by_vat),
                           (schema.normalize(party.name), self.by_name)):
            if key and key in index:
                code = index[key]
                added = self.added.get(code)
                if added is not None:  # added by this import: a later invoice may say more
                    for field_key, value in (("email", party.email), ("siren", party.siren),
                                             ("vat_number", party.vat), ("address", party.address)):
                        if value and not added.get(field_key):
                            added[field_key] = value
                return code
        if party.siren and party.siren[0] in "12":
            kind, why = ClientType.PUBLIC, f"SIREN {party.siren} d'une personne publique"
        elif party.siren or party.vat:
            kind, why = ClientType.BUSINESS, f"SIREN {party.siren}" if party.siren else f"n° de TVA {party.vat}"
        else:
            kind, why = ClientType.CONSUMER, "ni SIREN ni n° de TVA"
        code = self._next_code()
        self.added[code] = {
            "code": code, "name": party.name or code, "type": kind.value, "email": party.email or None,
            "siren": party.siren or None, "vat_number": party.vat or None,
            "address": party.address or None,
            "notes": f"Ajouté par l'import de {source} le {self.today:%d/%m/%Y} : type « {kind.value} » deviné "
                     f"({why}), à confirmer.",
        }
        self.clients.new.append(self.added[code])
        self._know(code, party.name, party.siren, party.vat)
        return code

    def _next_code(self) -> str:
        """The next code of the register's own numbering (``C007`` after ``C006``), else ``C001``."""
        numbered = [m for code in self.by_code.values() if (m := re.fullmatch(r"([A-Za-z]*)(\d+)", code))]
        if numbered:
            counts: dict[str, int] = {}
            for m in numbered:
                counts[m.group(1)] = counts.get(m.group(1), 0) + 1
            prefix = max(counts, key=lambda p: (counts[p], p))
            digits = [m.group(2) for m in numbered if m.group(1) == prefix]
            width, n = max(len(d) for d in digits), max(int(d) for d in digits) + 1
        else:
            prefix, width, n = "C", 3, 1
        while f"{prefix}{n:0{width}d}".casefold() in self.by_code:
            n += 1
        return f"{prefix}{n:0{width}d}"

    # -- invoices -----------------------------------------------------------------------------

    def _already(self, number: str, issued: date, ttc: Decimal, source: str, problems: list[Problem],
                 line: int | None = None) -> bool:
        """True when ``number`` is in Factures (or this import): skipped if the same, reported if not."""
        if number not in self.numbers:
            return False
        row, typed_issued, typed_ttc = self.numbers[number]
        from addin.register.cells import parse_date, parse_money

        same_date = parse_date(typed_issued)[0] == issued
        same_amount = parse_money(typed_ttc)[0] == ttc
        if same_date and same_amount:
            self.skipped += 1
        else:
            where = f"ligne {row} de Factures" if row else "un autre fichier de cet import"
            problems.append(Problem(source, line, None, number,
                                    f"facture « {number} » déjà présente ({where}) avec une autre date ou un autre "
                                    f"montant ({issued:%d/%m/%Y}, {format_euros(ttc)} dans le fichier) : la ligne "
                                    "du classeur est gardée telle quelle.",
                                    "Vérifiez laquelle est juste ; corrigez la ligne à la main si besoin.",
                                    Severity.WARNING, "import.invoice_differs"))
        return True

    def _add_invoice(self, values: dict[str, object]) -> None:
        self.invoices.new.append(values)
        self.numbers[str(values["number"])] = (None, values["issued"], values["amount_ttc"])

    def einvoice(self, invoice, settings, problems: list[Problem]) -> None:
        from addin.imports.einvoice import siren_of

        source = invoice.source
        ours = siren_of(settings.siren)
        seller = invoice.seller.siren or siren_of(invoice.seller.vat)
        foreign_vat = invoice.seller.vat if invoice.seller.vat and not seller else ""  # BE…, DE…: not a SIREN's
        if ours and (seller and seller != ours or foreign_vat):
            who = f"SIREN {seller}" if seller else f"n° de TVA {foreign_vat}"
            problems.append(Problem(source, None, None, invoice.number,
                                    f"facture « {invoice.number} » émise par « {invoice.seller.name} » ({who}), "
                                    f"pas par votre entreprise (SIREN {ours} dans Paramètres) : ce n'est pas une "
                                    "créance, elle n'est pas importée.",
                                    "Importez vos factures de vente ; vérifiez le SIREN de Paramètres s'il est faux.",
                                    code="import.einvoice.seller"))
            return
        if ours and not seller and schema.normalize(invoice.seller.name) != schema.normalize(settings.company):
            problems.append(Problem(source, None, None, invoice.number,
                                    f"facture « {invoice.number} » : le vendeur « {invoice.seller.name} » n'a ni SIREN "
                                    "ni n° de TVA et n'a pas le nom de Paramètres : elle n'est pas importée.",
                                    "Saisissez-la dans Factures si c'est bien la vôtre.",
                                    code="import.einvoice.seller"))
            return
        buyer_siren = invoice.buyer.siren or siren_of(invoice.buyer.vat)
        if (ours and buyer_siren == ours) or (settings.company and schema.normalize(invoice.buyer.name)
                                              == schema.normalize(settings.company)):
            problems.append(Problem(source, None, None, invoice.number,
                                    f"facture « {invoice.number} » adressée à votre entreprise par « "
                                    f"{invoice.seller.name} » : c'est une facture d'achat, pas une créance, elle "
                                    "n'est pas importée.", "Importez vos factures de vente.",
                                    code="import.einvoice.purchase"))
            return
        if not ours:
            self.foreign += 1
        # Amounts as written, turned negative for a credit note: an invoice of negative total (some
        # exporters credit that way) is a credit note, and a credit note of negative total a debit.
        sign = -1 if invoice.is_credit_note else 1
        ttc = sign * invoice.amount_ttc
        credit_note = ttc < 0
        if self._already(invoice.number, invoice.issued, ttc, source, problems):
            return
        ht = sign * invoice.amount_ht if invoice.amount_ht is not None else None
        terms = ""
        if invoice.due is not None and not credit_note:
            days = (invoice.due - invoice.issued).days
            terms = "à réception" if days <= 0 else f"{days} jours" if days <= 999 else ""
        elif invoice.terms and not credit_note:
            terms = terms_of(invoice.terms)
            if not terms:
                problems.append(Problem(source, None, None, invoice.number,
                                        f"facture « {invoice.number} » : conditions « {invoice.terms} » non reconnues "
                                        "et pas d'échéance : celles du client (ou de Paramètres) s'appliquent.",
                                        "Saisissez les conditions de la facture dans Factures si elles diffèrent.",
                                        Severity.WARNING, "import.einvoice.terms"))
        if invoice.currency != "EUR":
            problems.append(Problem(source, None, None, invoice.number,
                                    f"facture « {invoice.number} » en {invoice.currency} : importée avec ses montants "
                                    "tels quels, que Relance compte en euros.",
                                    "Convertissez les montants en euros dans Factures si vous relancez en euros.",
                                    Severity.WARNING, "import.einvoice.currency"))
        if credit_note and not invoice.original_invoice:
            problems.append(Problem(source, None, None, invoice.number,
                                    f"avoir « {invoice.number} » sans la facture qu'il corrige : importé comme crédit "
                                    "du client.", "Indiquez la facture corrigée dans « Facture d'origine » si vous la "
                                    "connaissez.", Severity.WARNING, "import.einvoice.credit_note"))
        client = self._client_for(invoice.buyer, source)
        self._add_invoice({
            "number": invoice.number, "client": client, "issued": invoice.issued, "delivered": invoice.delivered,
            "amount_ht": ht, "amount_ttc": ttc, "terms": terms or None, "po_number": invoice.po_number or None,
            # Only a credit note corrects an invoice in Factures; the preceding invoice an invoice names
            # (a corrective 384, a final invoice after a deposit) is no credit to link.
            "currency": invoice.currency, "corrects": (invoice.original_invoice or None) if credit_note else None,
        })
        if invoice.prepaid and invoice.prepaid > 0 and not credit_note:
            self.payments.new.append({"paid_on": invoice.issued, "client": client, "invoice": invoice.number,
                                      "amount": invoice.prepaid,
                                      "reference": f"Acompte déduit sur la facture {invoice.number}"})

    def fec(self, source: str, found, problems: list[Problem]) -> None:
        """A FEC's clients (by their account, else their name), documents and payments."""
        codes: dict[str, str] = {}
        for client in found.clients:
            code = self.by_name.get(schema.normalize(client.name))
            if code is None and client.code.casefold() in self.by_code and not client.name:
                code = self.by_code[client.code.casefold()]
            if code is None:
                code, n = client.code, 1
                while code.casefold() in self.by_code:  # that code is another client's
                    n += 1
                    code = f"{client.code}-{n}"
                self.clients.new.append({
                    "code": code, "name": client.name or code, "type": ClientType.BUSINESS.value,
                    "notes": f"Ajouté par l'import du FEC {source} le {self.today:%d/%m/%Y} (compte {client.code}) : "
                             "type « Professionnel » supposé, à confirmer.",
                })
                self._know(code, client.name, "", "")
            codes[client.code] = code
        for doc in found.documents:
            if self._already(doc.number, doc.issued, doc.amount_ttc, source, problems, doc.line):
                continue
            self._add_invoice({"number": doc.number, "client": codes[doc.client], "issued": doc.issued,
                               "amount_ht": doc.amount_ht, "amount_ttc": doc.amount_ttc,
                               "corrects": doc.original_invoice or None})
        for payment in found.payments:
            client = codes[payment.client]
            if (client.casefold(), payment.reference) in self.references:
                continue
            self.payments.new.append({"paid_on": payment.paid_on, "client": client, "invoice": payment.invoice or None,
                                      "amount": payment.amount, "method": payment.method or None,
                                      "reference": payment.reference})
        for payment in found.payments:  # a later import of the same FEC finds them
            self.references.add((codes[payment.client].casefold(), payment.reference))

    # -- writing ------------------------------------------------------------------------------

    def write(self, book: Book) -> None:
        for table in (self.clients, self.invoices, self.payments):
            if not table.new:
                continue
            # Computed columns a register lacks have only planned places (refresh adds them): not ours.
            columns = {k: i for k, i in table.header.columns.items() if k not in table.header.appended}
            last = max([len(table.rows[table.header.row - 1]) if table.rows else 0, *columns.values(),
                        *(i for i, _ in table.header.extra)])
            labels = []
            lang = table.header.language
            for key in [k for row in table.new for k, v in row.items() if v is not None]:
                if key not in columns:  # a register made before the column existed: its header is added
                    last += 1
                    columns[key] = last
                    labels.append((last, schema.label(table.header.sheet, key, lang)))
            for index, text in labels:
                book.write_cells(table.name, table.header.row, index, [[text]])
            width = max(columns.values())
            rows = []
            formats = [""] * width
            for values in table.new:
                row: list[object] = [None] * width
                for key, value in values.items():
                    if key in columns:  # a column the register lacks is added only for a value
                        row[columns[key] - 1] = value
                rows.append(row)
            for key, index in columns.items():
                kind = table.header.sheet.column(key).kind
                formats[index - 1] = {"date": "date", "money": "money"}.get(kind, "")
            after = max((i + 1 for i, r in enumerate(table.rows) if any(v not in (None, "") for v in r)), default=0)
            first = book.append_rows(table.name, rows, after=max(after, table.header.row))
            for index, fmt in enumerate(formats, start=1):
                if fmt:
                    book.write_cells(table.name, first, index, [[r[index - 1]] for r in rows], [fmt])

    def summary(self, problems: list[Problem]) -> str:
        lines = [f"Import : {len(self.invoices.new)} facture(s) et avoir(s) ajoutés à Factures, "
                 f"{len(self.clients.new)} client(s) ajoutés à Clients, {len(self.payments.new)} paiement(s) "
                 "ajoutés à Paiements."]
        if self.skipped:
            lines.append(f"  {self.skipped} facture(s) déjà présente(s) à l'identique : laissée(s) telle(s) quelle(s).")
        if self.foreign:
            lines.append("  SIREN absent de Paramètres : le vendeur des factures n'a pas été vérifié.")
        if self.clients.new:
            lines.append("  Nouveaux clients : confirmez leur type (colonne Notes) dans la feuille Clients.")
        errors = [p for p in problems if p.severity is Severity.ERROR]
        if problems:
            lines.append(f"  {len(errors)} erreur(s), {len(problems) - len(errors)} avertissement(s) :")
            lines += [f"  - {describe(p)}" for p in problems]
        if self.invoices.new or self.payments.new:
            lines.append(REFRESH_HINT)
        return "\n".join(lines)


# What a French invoice's payment terms (BT-20) also say, by law (Code de commerce L441-9): the
# late-payment penalties, the 40 € recovery indemnity, the early-payment discount. Not a delay.
_NOT_A_DELAY = re.compile(r"p[ée]nalit|escompte|indemnit|retard|int[ée]r[êe]t|recouvrement|penalt|discount|late\b",
                          re.IGNORECASE)


def terms_of(text: str) -> str:
    """The payment terms Relance reads in an invoice's terms text, else ``""``: the whole text, or
    else its first sentence (split at ``.``, ``;``, `` - ``) that reads as terms once its label
    (« Conditions de paiement : ») is dropped and that is not one of the legal mentions."""
    from addin.core.due_dates import TermsError, parse_terms

    def reads(candidate: str) -> bool:
        try:
            parse_terms(candidate)
            return True
        except TermsError:
            return False

    text = " ".join(text.split())
    if reads(text):
        return text
    for part in re.split(r"\s*;\s*|(?<=\.)\s+(?=\D)|\s+[-–]\s+", text):
        part = part.strip().rstrip(".").strip()
        label, colon, rest = part.partition(":")
        if colon and not any(c.isdigit() for c in label):
            part = rest.strip()
        if part and not _NOT_A_DELAY.search(part) and reads(part):
            return part
    return ""


def open_balances(ledger) -> dict[str, Decimal]:
    """Per client: what the register says is owed — open invoices, less open credit notes and
    payments not yet allocated (the figure a FEC's customer balance must equal)."""
    totals: dict[str, Decimal] = {}
    for state in ledger.states:
        totals[state.invoice.client] = totals.get(state.invoice.client, ZERO) + state.balance
    for client, credit in ledger.credits.items():
        totals[client] = totals.get(client, ZERO) - credit
    return totals
