"""The import action: e-invoices and FEC files into the register, never twice, never overwriting."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from addin.actions import import_invoices, refresh
from addin.books.file import FileBook
from addin.core.fast import choose
from addin.demo import template_bytes
from addin.register import schema
from addin.register.load import load, load_rates
from benchmarks.fec import generate
from benchmarks.fec_files import write as write_fec
from tests.imports.files import PROFILES, Doc, cii, facturx_pdf, plain_pdf, ubl

TODAY = date(2025, 4, 15)
SELLER = dict(name="Pixel & Cie SARL", siren="812345676", vat="FR19812345676")

# The buyers of the quarter: four businesses, a town hall (SIREN starting with 2: a public body) and a
# consumer (no identifier). SIRENs and VAT numbers carry valid keys.
BUYERS = [
    dict(buyer="Atelier Dupont", buyer_siren="443061841", buyer_vat="FR64443061841", buyer_email="compta@dupont.example"),
    dict(buyer="Garage Martin", buyer_siren="552100554", buyer_vat="FR96552100554", buyer_email="martin@garage.example"),
    dict(buyer="Studio Roux", buyer_siren="390123453", buyer_vat="FR90390123453", buyer_email="roux@studio.example"),
    dict(buyer="Café Morel", buyer_siren="751234568", buyer_vat="FR90751234568", buyer_email=""),
    dict(buyer="Mairie de Villeurbanne", buyer_siren="216901231", buyer_vat="", buyer_email="factures@mairie.example"),
    dict(buyer="Léa Bernard", buyer_siren="", buyer_vat="", buyer_email="lea@bernard.example"),
]
TYPES = ["Professionnel"] * 4 + ["Administration", "Particulier"]


def new_register(path: Path, siren: str = "812345676") -> Path:
    """The template, with the company's name and SIREN typed in Paramètres."""
    path.write_bytes(template_bytes())
    book = FileBook.open(path, today=TODAY, backups=0)
    name = schema.find_sheet(book.sheet_names(), schema.PARAMETRES)
    data = book.read_sheet(name)
    for number, row in enumerate(data.rows, start=1):
        setting = schema.match_setting(row[0] if row else None)
        if setting is not None and setting.key in ("siren", "company"):
            book.write_cells(name, number, 2, [[siren if setting.key == "siren" else SELLER["name"]]])
    book.save()
    return path


def quarter() -> list[tuple[Doc, str]]:
    """Q1 2025: 24 invoices over six buyers and three credit notes, each with its file format."""
    docs: list[tuple[Doc, str]] = []
    formats = [*PROFILES, "cii", "ubl"]
    for n in range(24):
        buyer = BUYERS[n % 6]
        issued = date(2025, 1, 3) + timedelta(days=3 * n + n % 5)
        days = (30, 45, 60, 0)[n % 4]
        fmt = formats[n % len(formats)]
        doc = Doc(f"F2025-{n + 1:03d}", issued, D(300 + 137 * n) + D(n % 7) / 4, due=issued + timedelta(days=days),
                  po=f"BC-{n:03d}" if n % 3 == 0 else "", prepaid=D("100.00") if n == 9 else D(0),
                  seller=dict(SELLER), **buyer)
        docs.append((doc, fmt))
    for k, (n, share) in enumerate(((1, "0.5"), (8, "1"), (13, "0.25"))):
        original, _ = docs[n]
        docs.append((Doc(f"AV2025-{k + 1:03d}", original.issued + timedelta(days=20), (original.ht * D(share)).quantize(D("0.01")),
                         type_code="381", original=original.number, seller=dict(SELLER),
                         **BUYERS[n % 6]), ("en16931", "ubl", "basic")[k]))
    return docs


def files_of(docs, directory: Path) -> list[Path]:
    paths = []
    for doc, fmt in docs:
        if fmt == "ubl":
            data, name = ubl(doc), f"{doc.number}.xml"
        elif fmt == "cii":
            data, name = cii(doc, "en16931"), f"{doc.number}-cii.xml"
        else:
            data, name = facturx_pdf(cii(doc, fmt), doc.number), f"{doc.number}.pdf"
        path = directory / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def type_rows(book: FileBook, sheet: schema.Sheet, rows: list[dict]) -> None:
    name = schema.find_sheet(book.sheet_names(), sheet)
    header = schema.locate_header(book.read_sheet(name), sheet)
    width = max(header.columns.values())
    out = []
    for values in rows:
        row = [None] * width
        for key, value in values.items():
            row[header.columns[key] - 1] = value
        out.append(row)
    book.append_rows(name, out)


def type_by_hand(path: Path, docs) -> None:
    """What a person types from the same invoices: clients in the order met, then every invoice."""
    book = FileBook.open(path, today=TODAY, backups=0)
    codes: dict[str, str] = {}
    clients, invoices, payments = [], [], []
    for doc, fmt in sorted(docs, key=lambda d: (d[0].issued, d[0].number)):
        if doc.buyer not in codes:
            codes[doc.buyer] = f"C{len(codes) + 1:03d}"
            i = [b["buyer"] for b in BUYERS].index(doc.buyer)
            clients.append({"code": codes[doc.buyer], "name": doc.buyer, "type": TYPES[i],
                            "email": doc.buyer_email or None,  # on its other invoices if not this one
                            "siren": doc.buyer_siren or None})
        credit = doc.type_code == "381"
        sign = -1 if credit else 1
        terms = None
        if doc.due and not credit and fmt != "minimum":
            days = (doc.due - doc.issued).days
            terms = f"{days} jours" if days else "à réception"
        invoices.append({"number": doc.number, "client": codes[doc.buyer], "issued": doc.issued,
                         "amount_ht": sign * doc.ht, "amount_ttc": sign * doc.ttc, "terms": terms,
                         "po_number": doc.po or None, "corrects": doc.original or None})
        if doc.prepaid:
            payments.append({"paid_on": doc.issued, "client": codes[doc.buyer], "invoice": doc.number,
                             "amount": doc.prepaid})
    type_rows(book, schema.CLIENTS, clients)
    type_rows(book, schema.FACTURES, invoices)
    if payments:
        type_rows(book, schema.PAIEMENTS, payments)
    book.save()


def paid_alike(path: Path) -> None:
    """The same payments received, typed in both registers."""
    book = FileBook.open(path, today=TODAY, backups=0)
    type_rows(book, schema.PAIEMENTS, [
        {"paid_on": date(2025, 2, 10), "client": "C001", "invoice": "F2025-001", "amount": D("360.00")},
        {"paid_on": date(2025, 3, 3), "client": "C002", "amount": D("500.00")},
    ])
    book.save()


def computed(path: Path):
    wb = openpyxl.load_workbook(path)
    ws = wb["Factures"]
    header = [c.value for c in ws[1]]
    keys = ["Échéance", "Payé", "Reste dû", "Statut", "Jours de retard", "Intérêts de retard",
            "Indemnité forfaitaire", "Prochaine action", "Date prochaine action"]
    at = [header.index(k) for k in keys]
    factures = {r[0]: tuple(r[i] for i in at) for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}
    queue = [r for r in wb["Relances"].iter_rows(values_only=True)][1:]
    return factures, queue


def test_a_quarter_of_e_invoices_gives_the_same_balances_and_queue_as_typed_by_hand(tmp_path):
    docs = quarter()
    imported = new_register(tmp_path / "importé.xlsx")
    result = import_invoices.run(FileBook.open(imported, today=TODAY, backups=0), today=TODAY,
                                 paths=files_of(docs, tmp_path))
    assert [p.code for p in result.problems] == []
    assert (result.invoices, result.clients, result.payments) == (27, 6, 1)
    typed = new_register(tmp_path / "saisi.xlsx")
    type_by_hand(typed, docs)
    for path in (imported, typed):
        paid_alike(path)
        refresh.run(FileBook.open(path, today=TODAY, backups=0), today=TODAY)
    got, expected = computed(imported), computed(typed)
    assert len(got[0]) == 27 and any(v[3] == "En retard" for v in got[0].values())
    assert got[0] == expected[0]
    assert got[1] == expected[1] and len(got[1]) > 3
    # The clients were recognised: one row each, typed from their identifiers, to be confirmed.
    ws = openpyxl.load_workbook(imported)["Clients"]
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0]]
    assert {r[1]: r[2] for r in rows} == {b["buyer"]: t for b, t in zip(BUYERS, TYPES)} and len(rows) == 6
    assert all("à confirmer" in r[10] for r in rows)
    town = next(r for r in rows if r[1] == "Mairie de Villeurbanne")
    assert town[11] == "216901231" and "personne publique" in town[10] and town[3] == "factures@mairie.example"


def test_a_second_import_changes_nothing(tmp_path):
    docs = quarter()[:6]
    path = new_register(tmp_path / "r.xlsx")
    paths = files_of(docs, tmp_path)
    import_invoices.run(FileBook.open(path, today=TODAY, backups=0), today=TODAY, paths=paths)
    before = path.read_bytes()
    result = import_invoices.run(FileBook.open(path, today=TODAY, backups=0), today=TODAY, paths=paths)
    assert path.read_bytes() == before
    assert (result.invoices, result.clients, result.payments, result.skipped) == (0, 0, 0, 6)
    assert "6 facture(s) déjà présente(s) à l'identique" in result.summary


def test_an_invoice_typed_differently_is_reported_and_kept(tmp_path):
    doc = Doc("F2025-050", date(2025, 2, 1), D("1000.00"), seller=dict(SELLER), **BUYERS[0])
    path = new_register(tmp_path / "r.xlsx")
    book = FileBook.open(path, today=TODAY, backups=0)
    type_rows(book, schema.CLIENTS, [{"code": "DUP", "name": "Atelier Dupont"}])
    type_rows(book, schema.FACTURES, [{"number": "F2025-050", "client": "DUP", "issued": date(2025, 2, 1),
                                       "amount_ttc": D("1100.00")}])
    book.save()
    (tmp_path / "f.xml").write_bytes(cii(doc))
    result = import_invoices.run(FileBook.open(path, today=TODAY, backups=0), today=TODAY, paths=[tmp_path / "f.xml"])
    (problem,) = result.problems
    assert problem.code == "import.invoice_differs" and "ligne 2 de Factures" in problem.message
    assert result.invoices == 0
    rows = [r for r in openpyxl.load_workbook(path)["Factures"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert [(r[0], r[5]) for r in rows] == [("F2025-050", 1100)]


def test_clients_are_found_by_siren_vat_number_or_name(tmp_path):
    path = new_register(tmp_path / "r.xlsx")
    book = FileBook.open(path, today=TODAY, backups=0)
    type_rows(book, schema.CLIENTS, [
        {"code": "DUP", "name": "Dupont & fils", "siren": "443 061 841"},  # the SIREN, typed with spaces
        {"code": "MAR", "name": "Martin", "vat_number": "FR 96 552100554"},
        {"code": "ROUX", "name": "STUDIO ROUX"},
    ])
    book.save()
    docs = [(Doc(f"F{n}", date(2025, 2, 1), D("100.00"), seller=dict(SELLER), **BUYERS[n]), "en16931") for n in range(4)]
    docs[1][0].buyer_siren = ""  # Martin: only its VAT number
    docs[2][0].buyer_siren = docs[2][0].buyer_vat = ""  # Roux: only its name
    result = import_invoices.run(FileBook.open(path, today=TODAY, backups=0), today=TODAY,
                                 paths=files_of(docs, tmp_path))
    assert result.clients == 1  # Café Morel only
    rows = [r for r in openpyxl.load_workbook(path)["Factures"].iter_rows(min_row=2, values_only=True) if r[0]]
    # No numbered code in the register: the new client is C001.
    assert [(r[0], r[1]) for r in rows] == [("F0", "DUP"), ("F1", "MAR"), ("F2", "ROUX"), ("F3", "C001")]


def test_an_invoice_of_another_seller_is_not_a_receivable(tmp_path):
    supplier = dict(name="Fournitures Lyonnaises", siren="552100554")
    doc = Doc("FL-9", date(2025, 2, 1), D("50.00"), seller=supplier, buyer="Pixel & Cie SARL")
    path = new_register(tmp_path / "r.xlsx")
    (tmp_path / "achat.xml").write_bytes(cii(doc))
    result = import_invoices.run(FileBook.open(path, today=TODAY, backups=0), today=TODAY,
                                 paths=[tmp_path / "achat.xml"])
    (problem,) = result.problems
    assert problem.code == "import.einvoice.seller" and "SIREN 552100554" in problem.message
    assert result.invoices == 0


def test_bad_files_are_one_line_each_and_the_rest_is_imported(tmp_path):
    good = Doc("F2025-100", date(2025, 2, 1), D("100.00"), seller=dict(SELLER), **BUYERS[0])
    (tmp_path / "bon.pdf").write_bytes(facturx_pdf(cii(good, "basic")))
    (tmp_path / "scan.pdf").write_bytes(plain_pdf())
    (tmp_path / "abime.xml").write_bytes(cii(good)[:200])
    (tmp_path / "FEC.txt").write_bytes(write_fec(generate(20).lines, drop=("CompteNum",)))
    (tmp_path / "notes.txt").write_bytes(b"rien a voir")
    path = new_register(tmp_path / "r.xlsx")
    names = ["absent.pdf", "scan.pdf", "abime.xml", "FEC.txt", "notes.txt", "bon.pdf"]
    result = import_invoices.run(FileBook.open(path, today=TODAY, backups=0), today=TODAY,
                                 paths=[tmp_path / n for n in names])
    assert [(p.sheet, p.code) for p in result.problems] == [
        ("absent.pdf", "import.unreadable"), ("scan.pdf", "import.einvoice.no_xml"),
        ("abime.xml", "import.einvoice.xml"), ("FEC.txt", "import.fec.columns"), ("notes.txt", "import.unknown")]
    assert result.invoices == 1
    lines = result.summary.splitlines()
    assert any(line.startswith("  - scan.pdf : PDF sans facture électronique") for line in lines)
    assert any(line.startswith("  - abime.xml, ligne 1 : XML illisible") for line in lines)


def test_a_fec_with_missing_columns_is_one_line(tmp_path):
    (tmp_path / "FEC.txt").write_bytes(write_fec(generate(20).lines, drop=("EcritureLet",)))
    path = new_register(tmp_path / "r.xlsx")
    result = import_invoices.run(FileBook.open(path, today=TODAY, backups=0), today=TODAY,
                                 paths=[tmp_path / "FEC.txt"])
    assert [(p.sheet, p.row, p.code) for p in result.problems] == [("FEC.txt", 1, "import.fec.columns")]
    assert "- FEC.txt, ligne 1 : FEC incomplet : colonne EcritureLet absente" in result.summary


def test_a_fec_becomes_a_register_whose_balances_are_the_fecs(tmp_path):
    generated = generate(1200, seed=3)
    # Named as the law names it: SIREN (812345676), « FEC », closing date.
    source = tmp_path / "812345676FEC20251231.txt"
    source.write_bytes(write_fec(generated.lines, encoding="latin-1", newline="\r"))
    path = tmp_path / "Compta.xlsx"
    runner = CliRunner()
    from addin.cli import app

    out = runner.invoke(app, ["new", str(path), "--from", str(source), "--today", "2026-01-15"])
    assert out.exit_code == 0, out.output
    assert "Registre créé" in out.output and "Actualisé au 15/01/2026" in out.output
    assert "Cliquez sur « Actualiser »" not in out.output  # it was refreshed: the hint would be false
    register, problems = load(FileBook.open(path, backups=0))
    assert [p for p in problems if p.severity.value == "erreur"] == []
    rates, _ = load_rates(FileBook.open(path, backups=0))
    ledger, _ = choose(register)(register, date(2026, 1, 15), rates)
    balances = import_invoices.open_balances(ledger)
    assert {c: balances.get(c, D(0)) for c in generated.balances} == generated.balances
    assert sum(generated.balances.values()) > 0
    assert register.settings.siren == "812345676"  # from the FEC's name
    # Once more: the file exists, nothing is replaced.
    again = runner.invoke(app, ["new", str(path), "--from", str(source)])
    assert again.exit_code == 1 and "existe déjà" in again.output
    # And importing the same FEC into it changes nothing.
    before = path.read_bytes()
    result = import_invoices.run(FileBook.open(path, today=TODAY, backups=0), today=TODAY, paths=[source])
    assert result.invoices == result.payments == result.clients == 0 and path.read_bytes() == before


def test_a_register_made_before_these_columns_gets_their_headers(tmp_path):
    from tests.actions.conftest import build_book

    path = build_book(tmp_path / "ancien.xlsx")
    # That register's company has no valid SIREN: the seller is recognised by its name.
    doc = Doc("AV-9", date(2025, 6, 1), D("100.00"), type_code="381", original="F001", currency="EUR",
              seller=dict(name="Pixel & Cie SARL"), buyer="Atelier Dupont")
    (tmp_path / "av.xml").write_bytes(cii(doc, "basic"))
    result = import_invoices.run(FileBook.open(path, today=TODAY, backups=0), today=TODAY,
                                 paths=[tmp_path / "av.xml"])
    assert result.problems == [] and result.invoices == 1 and result.clients == 0  # Atelier Dupont is C1
    ws = openpyxl.load_workbook(path)["Factures"]
    header = [c.value for c in ws[1]]
    assert header[5:] == ["Montant HT", "Devise", "Facture d'origine"]
    assert list(ws.iter_rows(min_row=ws.max_row, values_only=True))[0] == (
        "AV-9", "C1", ws.cell(ws.max_row, 3).value, -120, None, -100, "EUR", "F001")


def test_a_fec_finds_clients_by_name_and_never_takes_another_clients_code(tmp_path):
    from benchmarks.fec_files import FecLine

    def line(entry, account, aux, name, debit, credit):
        return FecLine("VT", entry, date(2025, 3, 1), account, account, aux, name, f"F{entry}", date(2025, 3, 1),
                       "Vente", D(debit), D(credit))

    path = new_register(tmp_path / "r.xlsx")
    book = FileBook.open(path, today=TODAY, backups=0)
    type_rows(book, schema.CLIENTS, [{"code": "C1", "name": "Atelier Dupont"}, {"code": "411MAR", "name": "Autre"}])
    book.save()
    lines = [line("1", "411000", "411DUP", "ATELIER DUPONT", "120.00", "0"),
             line("1", "706000", "", "", "0", "120.00"),
             line("2", "411000", "411MAR", "Garage Martin", "60.00", "0"),
             line("2", "706000", "", "", "0", "60.00")]
    (tmp_path / "FEC.txt").write_bytes(write_fec(lines))
    result = import_invoices.run(FileBook.open(path, today=TODAY, backups=0), today=TODAY, paths=[tmp_path / "FEC.txt"])
    assert result.problems == [] and result.clients == 1
    wb = openpyxl.load_workbook(path)
    clients = [r[:2] for r in wb["Clients"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert clients[-1] == ("411MAR-2", "Garage Martin")
    invoices = [r[:2] for r in wb["Factures"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert invoices == [("F1", "C1"), ("F2", "411MAR-2")]


def test_terms_come_from_the_due_date_else_from_their_wording(tmp_path):
    # F1: due 25 Feb for an invoice of 10 Jan: « 46 jours », which gives Relance the same date.
    # F2: no due date, « 45 jours fin de mois » (Relance reads it). F3: a wording it cannot read:
    # blank, the client's or the book's terms apply, and a warning. F4: in US dollars, a warning.
    issued = date(2025, 1, 10)
    docs = [(Doc("F1", issued, D("100.00"), due=date(2025, 2, 25), seller=dict(SELLER), **BUYERS[0]), "en16931"),
            (Doc("F2", issued, D("100.00"), terms="45 jours fin de mois", seller=dict(SELLER), **BUYERS[0]), "ubl"),
            (Doc("F3", issued, D("100.00"), terms="selon accord cadre", seller=dict(SELLER), **BUYERS[0]), "basic"),
            (Doc("F4", issued, D("100.00"), currency="USD", seller=dict(SELLER), **BUYERS[0]), "cii")]
    path = new_register(tmp_path / "r.xlsx")
    result = import_invoices.run(FileBook.open(path, today=TODAY, backups=0), today=TODAY,
                                 paths=files_of(docs, tmp_path))
    assert [(p.value, p.code) for p in result.problems] == [("F3", "import.einvoice.terms"),
                                                            ("F4", "import.einvoice.currency")]
    ws = openpyxl.load_workbook(path)["Factures"]
    header = [c.value for c in ws[1]]
    at = header.index("Conditions de paiement"), header.index("Devise")
    rows = {r[0]: (r[at[0]], r[at[1]]) for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}
    assert rows == {"F1": ("46 jours", "EUR"), "F2": ("45 jours fin de mois", "EUR"), "F3": (None, "EUR"),
                    "F4": (None, "USD")}
    refresh.run(FileBook.open(path, today=TODAY, backups=0), today=TODAY)
    ws = openpyxl.load_workbook(path)["Factures"]
    due = [c.value for c in ws[1]].index("Échéance")
    dues = {r[0]: r[due].date() for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}
    # 10 Jan + 46 days = 25 Feb; 10 Jan + 45 days = 24 Feb, end of month = 28 Feb; default 30 days = 9 Feb.
    assert dues == {"F1": date(2025, 2, 25), "F2": date(2025, 2, 28), "F3": date(2025, 2, 9), "F4": date(2025, 2, 9)}


def test_a_negative_invoice_is_a_credit_note_and_only_a_credit_note_corrects_an_invoice(tmp_path):
    # F1: 1,000.00 HT + 200.00 VAT = 1,200.00. F2, type 380 but of total -100.00 HT + -20.00 VAT
    # = -120.00 (how some software credits): a credit note, both amounts negative, no payment terms.
    # F3, a corrective invoice (384) naming F1 as its preceding invoice (BT-25): an invoice, and no
    # « Facture d'origine » (Relance links only credit notes). AV1, a credit note of F1: linked.
    issued = date(2025, 1, 10)
    docs = [(Doc("F1", issued, D("1000.00"), seller=dict(SELLER), **BUYERS[0]), "en16931"),
            (Doc("F2", issued, D("-100.00"), due=date(2025, 2, 9), original="F1", seller=dict(SELLER), **BUYERS[0]),
             "en16931"),
            (Doc("F3", issued, D("50.00"), type_code="384", original="F1", seller=dict(SELLER), **BUYERS[0]), "cii"),
            (Doc("AV1", issued, D("10.00"), type_code="381", original="F1", seller=dict(SELLER), **BUYERS[0]), "ubl")]
    path = new_register(tmp_path / "r.xlsx")
    result = import_invoices.run(FileBook.open(path, today=TODAY, backups=0), today=TODAY,
                                 paths=files_of(docs, tmp_path))
    assert result.problems == [] and result.invoices == 4
    ws = openpyxl.load_workbook(path)["Factures"]
    header = [c.value for c in ws[1]]
    at = [header.index(h) for h in ("Montant HT", "Montant TTC", "Conditions de paiement", "Facture d'origine")]
    rows = {r[0]: tuple(r[i] for i in at) for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}
    assert rows == {"F1": (1000, 1200, None, None), "F2": (-100, -120, None, "F1"), "F3": (50, 60, None, None),
                    "AV1": (-10, -12, None, "F1")}


def test_terms_are_found_among_the_legal_mentions_french_invoices_carry(tmp_path):
    # French invoices put the late-payment mentions (Code de commerce L441-9) in the same payment
    # terms text: the delay is the sentence that reads as one, without its label. None here has a
    # due date. F1: « Paiement à 30 jours » ; F2: « 45 jours fin de mois » after a penalty sentence;
    # F3: only the mentions: no terms, a warning.
    issued = date(2025, 1, 10)
    mentions = ("Pénalités de retard : 3 fois le taux d'intérêt légal ; indemnité forfaitaire pour frais de "
                "recouvrement : 40 €. Escompte pour paiement anticipé : néant.")
    docs = [(Doc("F1", issued, D("100.00"), terms="Paiement à 30 jours. " + mentions, seller=dict(SELLER),
                 **BUYERS[0]), "en16931"),
            (Doc("F2", issued, D("100.00"), terms=mentions + " Conditions de paiement : 45 jours fin de mois.",
                 seller=dict(SELLER), **BUYERS[0]), "ubl"),
            (Doc("F3", issued, D("100.00"), terms=mentions, seller=dict(SELLER), **BUYERS[0]), "cii")]
    path = new_register(tmp_path / "r.xlsx")
    result = import_invoices.run(FileBook.open(path, today=TODAY, backups=0), today=TODAY,
                                 paths=files_of(docs, tmp_path))
    assert [(p.value, p.code) for p in result.problems] == [("F3", "import.einvoice.terms")]
    ws = openpyxl.load_workbook(path)["Factures"]
    at = [c.value for c in ws[1]].index("Conditions de paiement")
    rows = {r[0]: r[at] for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}
    assert rows == {"F1": "Paiement à 30 jours", "F2": "45 jours fin de mois", "F3": None}
    refresh.run(FileBook.open(path, today=TODAY, backups=0), today=TODAY)
    ws = openpyxl.load_workbook(path)["Factures"]
    due = [c.value for c in ws[1]].index("Échéance")
    dues = {r[0]: r[due].date() for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}
    # 10 Jan + 30 days = 9 Feb; 10 Jan + 45 days = 24 Feb, end of month = 28 Feb; F3 the default 30 days.
    assert dues == {"F1": date(2025, 2, 9), "F2": date(2025, 2, 28), "F3": date(2025, 2, 9)}


def test_a_foreign_seller_is_named_by_its_vat_number(tmp_path):
    # A Belgian supplier (VAT BE0000000196, valid mod-97 key, no SIREN): not the company of
    # Paramètres; the line names its VAT number rather than saying it has none.
    supplier = dict(name="Leverancier NV", vat="BE0000000196")
    doc = Doc("BE-1", date(2025, 2, 1), D("50.00"), seller=supplier, buyer="Pixel & Cie SARL")
    path = new_register(tmp_path / "r.xlsx")
    (tmp_path / "achat.xml").write_bytes(ubl(doc))
    result = import_invoices.run(FileBook.open(path, today=TODAY, backups=0), today=TODAY,
                                 paths=[tmp_path / "achat.xml"])
    (problem,) = result.problems
    assert problem.code == "import.einvoice.seller" and result.invoices == 0
    assert "(n° de TVA BE0000000196), pas par votre entreprise (SIREN 812345676" in problem.message
    assert "ni SIREN ni n° de TVA" not in problem.message


def test_a_purchase_invoice_is_not_a_receivable_even_without_a_siren_in_parametres(tmp_path):
    # No SIREN in Paramètres, so the seller cannot be checked; but the buyer is the company of
    # Paramètres (by name): the file is a supplier's invoice, not a receivable.
    supplier = dict(name="Fournitures Lyonnaises")
    doc = Doc("FL-9", date(2025, 2, 1), D("50.00"), seller=supplier, buyer="PIXEL & CIE, SARL")
    path = new_register(tmp_path / "r.xlsx", siren="")
    (tmp_path / "achat.xml").write_bytes(ubl(doc))
    result = import_invoices.run(FileBook.open(path, today=TODAY, backups=0), today=TODAY,
                                 paths=[tmp_path / "achat.xml"])
    (problem,) = result.problems
    assert problem.code == "import.einvoice.purchase" and "facture d'achat" in problem.message
    assert result.invoices == 0 and result.clients == 0
