"""load(book): a hand-filled register in French or English, and every kind of problem, with its place."""

from dataclasses import fields
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
import random
import re
import zipfile

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from addin.core.model import Client, ClientType, Invoice, Payment, PlanStep, Severity
from addin.register.load import load
from tests.register.conftest import FakeBook, xlsx_book

TEMPLATE = Path(__file__).resolve().parents[2] / "workbook_template.xlsx"

CLIENTS_FR = ["Code client", "Nom", "Type", "E-mail", "E-mail copie", "Langue", "Conditions de paiement",
              "Scénario", "Plafond d'encours", "Relances suspendues", "Notes", "SIREN"]
CLIENT_ROWS = [
    ["C001", "Atelier Dupont", "Professionnel", "compta@dupont.fr", None, "fr", "45 jours fin de mois", None,
     "10 000,00", "Non", "bon payeur", "812345678"],
    ["MAIRIE", "Mairie de Lyon", "Administration", "factures@lyon.fr; dgs@lyon.fr", "elu@lyon.fr", "FR", None,
     None, None, None, None, None],
    ["P01", "Jean Martin", "Particulier", "jean@martin.fr", None, "en", "à réception", "Particulier", None, "Oui",
     None, None],
]
INVOICES_FR = ["N° facture", "Code client", "Date facture", "Date livraison", "Montant HT", "Montant TTC",
               "Conditions de paiement", "Taux de pénalité", "Escompte", "Bon de commande", "Litige",
               "Promesse de paiement", "Date de mise en demeure", "Échéance", "Payé", "Reste dû", "Statut"]
INVOICE_ROWS = [
    ["F2025-001", "C001", "15/03/2025", None, "1 000,00", "1 200,00 €", None, "12 %", "2 %", "BC-778", None, None,
     None, "30/04/2025", 0, 1200, "En retard"],
    ["F2025-002", "MAIRIE", date(2025, 4, 2), datetime(2025, 3, 28), 2500, 3000, "30 jours", None, None, None,
     "Quantités contestées", "2025-05-12", None, None, None, None, None],
    ["AV-2025-001", "C001", 45762, None, -100, "-120,00", None, None, None, None, None, None, None, None, None,
     None, None],
    ["F2025-003", "P01", "1er mai 2025", None, "500", "600", None, None, None, None, None, None, "10/06/2025", None,
     None, None, None],
]
PAYMENTS_FR = ["Date", "Code client", "N° facture", "Montant", "Mode", "Référence"]
PAYMENT_ROWS = [
    ["20/04/2025", "C001", "F2025-001", "500,00", "virement", "VIR 123"],
    [datetime(2025, 5, 2, 14, 30), "MAIRIE", None, 1000.1, "Mandat administratif", None],
    ["03/05/2025", None, "F2025-003", 600, "Chèque", "CHQ 9"],
]
PLANS_FR = ["N° plan", "Code client", "Objet", "Montant total", "Étape", "Pourcentage", "Montant", "Échéance",
            "N° facture", "Statut de l'étape"]
PLAN_ROWS = [
    ["PL1", "C001", "Site vitrine", "6 000,00", "Acompte", "30 %", None, "01/03/2025", "F2025-001", "Facturée"],
    ["PL1", "C001", "Site vitrine", "6 000,00", "Solde", 0.7, None, "01/06/2025", None, None],
]

EXPECTED_CLIENTS = (
    Client("C001", "Atelier Dupont", ClientType.BUSINESS, "compta@dupont.fr", "", "fr", "45 jours fin de mois",
           None, Decimal("10000.00"), False, "bon payeur", row=2, siren="812345678"),
    Client("MAIRIE", "Mairie de Lyon", ClientType.PUBLIC, "factures@lyon.fr; dgs@lyon.fr", "elu@lyon.fr", "fr",
           row=3),
    Client("P01", "Jean Martin", ClientType.CONSUMER, "jean@martin.fr", "", "en", "à réception", "Particulier",
           None, True, row=4),
)
EXPECTED_INVOICES = (
    Invoice("F2025-001", "C001", date(2025, 3, 15), Decimal("1200.00"), Decimal("1000.00"),
            penalty_rate=Decimal("0.12"), discount_rate=Decimal("0.02"), po_number="BC-778", row=2),
    Invoice("F2025-002", "MAIRIE", date(2025, 4, 2), Decimal("3000.00"), Decimal("2500.00"),
            delivered=date(2025, 3, 28), terms="30 jours", dispute="Quantités contestées",
            promise=date(2025, 5, 12), row=3),
    Invoice("AV-2025-001", "C001", date(2025, 4, 15), Decimal("-120.00"), Decimal("-100.00"), row=4),
    Invoice("F2025-003", "P01", date(2025, 5, 1), Decimal("600.00"), Decimal("500.00"),
            notice_date=date(2025, 6, 10), row=5),
)
EXPECTED_PAYMENTS = (
    Payment(date(2025, 4, 20), "C001", Decimal("500.00"), "F2025-001", "Virement", "VIR 123", row=2),
    Payment(date(2025, 5, 2), "MAIRIE", Decimal("1000.10"), None, "Mandat administratif", "", row=3),
    Payment(date(2025, 5, 3), "P01", Decimal("600.00"), "F2025-003", "Chèque", "CHQ 9", row=4),
)
EXPECTED_PLANS = (
    PlanStep("PL1", "C001", "Acompte", "Site vitrine", Decimal("6000.00"), Decimal("0.3"), None,
             date(2025, 3, 1), "F2025-001", row=2),
    PlanStep("PL1", "C001", "Solde", "Site vitrine", Decimal("6000.00"), Decimal("0.7"), None,
             date(2025, 6, 1), None, row=3),
)


def french_sheets(**overrides):
    sheets = {
        "Paramètres": [["Paramètre", "Valeur", "Description"], ["Raison sociale", "Pixel & Cie", None],
                       ["Port SMTP", 587, None], ["Seuil de relance (€)", "10", None],
                       ["Imputation des paiements", "interest_first", None], ["Couleur préférée", "bleu", None]],
        "Clients": [CLIENTS_FR, *CLIENT_ROWS],
        "Factures": [INVOICES_FR, *INVOICE_ROWS],
        "Paiements": [PAYMENTS_FR, *PAYMENT_ROWS],
        "Échéanciers": [PLANS_FR, *PLAN_ROWS],
    }
    if "Factures" in overrides and "Échéanciers" not in overrides:
        sheets["Échéanciers"] = [PLANS_FR]  # its rows name the default invoices
    sheets.update(overrides)
    return sheets


def codes(problems):
    return [p.code for p in problems]


def only(problems, code):
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, problems
    return found[0]


def test_french_register_loads_into_records():
    register, problems = load(FakeBook(french_sheets()))
    assert problems == []
    assert register.clients == EXPECTED_CLIENTS
    assert register.invoices == EXPECTED_INVOICES
    assert register.payments == EXPECTED_PAYMENTS
    assert register.plan_steps == EXPECTED_PLANS
    s = register.settings
    assert (s.company, s.smtp_port, s.min_balance, s.imputation) == ("Pixel & Cie", 587, Decimal("10.00"),
                                                                     "interest_first")
    assert s.extra == (("Couleur préférée", "bleu"),)


def _shuffle(header, rows, english, extra="Ma colonne"):
    """English labels, columns in a random order, and a user column in the middle."""
    rng = random.Random(len(header))
    order = list(range(len(header)))
    rng.shuffle(order)
    new_header = [english.get(header[i], header[i]) for i in order]
    new_rows = [[row[i] for i in order] for row in rows]
    new_header.insert(2, extra)
    for r in new_rows:
        r.insert(2, "à moi")
    return [new_header, *new_rows]


EN = {
    "Code client": "Client code", "Nom": "Name", "E-mail": "Email", "E-mail copie": "CC email", "Langue": "Language",
    "Conditions de paiement": "Payment terms", "Scénario": "Scenario", "Plafond d'encours": "Credit limit",
    "Relances suspendues": "Reminders on hold", "N° facture": "Invoice number", "Date facture": "Invoice date",
    "Date livraison": "Delivery date", "Montant HT": "Amount excl. VAT", "Montant TTC": "Amount incl. VAT",
    "Taux de pénalité": "Penalty rate", "Escompte": "Early payment discount", "Bon de commande": "PO number",
    "Litige": "Dispute", "Promesse de paiement": "Payment promise", "Date de mise en demeure": "Formal notice date",
    "Échéance": "Due date", "Payé": "Paid", "Reste dû": "Balance", "Statut": "Status", "Montant": "Amount",
    "Mode": "Method", "Référence": "Reference", "N° plan": "Plan number", "Objet": "Purpose",
    "Montant total": "Total amount", "Étape": "Step", "Pourcentage": "Percentage", "Statut de l'étape": "Step status",
}


def test_english_labels_shuffled_columns_and_user_columns_load_the_same():
    book = FakeBook({
        "Settings": [["Setting", "Value"], ["Company name", "Pixel & Cie"], ["SMTP port", "587"],
                     ["Reminder threshold (€)", 10], ["Payment imputation", "interest first"],
                     ["Couleur préférée", "bleu"]],
        "CLIENTS": _shuffle(CLIENTS_FR, CLIENT_ROWS, EN),
        "Invoices": _shuffle(INVOICES_FR, INVOICE_ROWS, EN),
        "payments": _shuffle(PAYMENTS_FR, PAYMENT_ROWS, EN),
        "Plans": _shuffle(PLANS_FR, PLAN_ROWS, EN),
    })
    register, problems = load(book)
    assert problems == []
    assert register.clients == EXPECTED_CLIENTS
    assert register.invoices == EXPECTED_INVOICES
    assert register.payments == EXPECTED_PAYMENTS
    assert register.plan_steps == EXPECTED_PLANS
    assert register.settings.imputation == "interest_first" and register.settings.smtp_port == 587


def test_header_below_a_title_and_empty_rows_skipped():
    clients = [["Mes clients", None], [None, None], CLIENTS_FR, CLIENT_ROWS[0], [None] * 12, ["  ", None], CLIENT_ROWS[1]]
    register, problems = load(FakeBook(french_sheets(Clients=clients, Factures=[INVOICES_FR], Paiements=[PAYMENTS_FR],
                                                     **{"Échéanciers": [PLANS_FR]})))
    assert problems == []
    assert [(c.code, c.row) for c in register.clients] == [("C001", 4), ("MAIRIE", 7)]


def test_filled_template_file_loads_through_the_file_book(tmp_path):
    wb = openpyxl.load_workbook(TEMPLATE)
    for name, rows in (("Clients", CLIENT_ROWS), ("Factures", INVOICE_ROWS), ("Paiements", PAYMENT_ROWS),
                       ("Échéanciers", PLAN_ROWS)):
        for i, row in enumerate(rows, start=2):
            for j, value in enumerate(row, start=1):
                wb[name].cell(row=i, column=j, value=value)
    path = tmp_path / "filled.xlsx"
    wb.save(path)
    register, problems = load(xlsx_book(path))
    assert problems == []
    assert register.clients == EXPECTED_CLIENTS
    assert register.invoices == EXPECTED_INVOICES
    assert register.payments == EXPECTED_PAYMENTS
    assert register.plan_steps == EXPECTED_PLANS
    # One object per distinct text (less memory at a million rows): a payment names its invoice,
    # and an invoice its client, with the very same string.
    numbers = {i.number: i.number for i in register.invoices}
    named = [p for p in register.payments if p.invoice in numbers]
    assert named and all(p.invoice is numbers[p.invoice] for p in named)
    codes = {}
    assert all(codes.setdefault(r.client, r.client) is r.client for r in (*register.invoices, *register.payments))


# --- problems, each with its place -------------------------------------------------


def test_text_dates_and_amounts_are_accepted_but_unreadable_ones_are_problems():
    rows = [INVOICES_FR[:6], ["F1", "C001", "15/03/2025", None, None, "1 200,00 €"],
            ["F2", "C001", "le 15 du mois", None, None, "100"],
            ["F3", "C001", "15/03/2025", None, None, "cent euros"],
            ["F4", "C001", "15/03/2025", "hier", None, "100"]]
    register, problems = load(FakeBook(french_sheets(Factures=rows, Paiements=[PAYMENTS_FR])))
    assert [i.number for i in register.invoices] == ["F1", "F4"]
    dates = [p for p in problems if p.code == "date.unreadable"]
    assert [(p.sheet, p.row, p.column, p.value) for p in dates] == [
        ("Factures", 3, "Date facture", "le 15 du mois"), ("Factures", 5, "Date livraison", "hier")]
    amount = only(problems, "amount.unreadable")
    assert (amount.sheet, amount.row, amount.column, amount.value) == ("Factures", 4, "Montant TTC", "cent euros")
    assert amount.fix and amount.message
    assert len(problems) == 3  # text that reads well ("15/03/2025", "1 200,00 €") is no problem


def test_unknown_client_on_invoice_and_payment():
    register, problems = load(FakeBook(french_sheets(
        Factures=[INVOICES_FR[:6], ["F1", "ZZZ", "15/03/2025", None, None, 100]],
        Paiements=[PAYMENTS_FR, ["20/03/2025", "YYY", None, 50]])))
    found = [(p.sheet, p.row, p.column, p.value) for p in problems if p.code == "client.unknown"]
    assert found == [("Factures", 2, "Code client", "ZZZ"), ("Paiements", 2, "Code client", "YYY")]
    assert register.invoices == () and register.payments == ()


def test_client_codes_match_whatever_the_case():
    register, problems = load(FakeBook(french_sheets(
        Factures=[INVOICES_FR[:6], ["F1", "c001", "15/03/2025", None, None, 100]], Paiements=[PAYMENTS_FR])))
    assert problems == [] and register.invoices[0].client == "C001"


def test_duplicate_invoice_number_keeps_the_first():
    rows = [INVOICES_FR[:6], ["F1", "C001", "15/03/2025", None, None, 100], ["F1", "MAIRIE", "16/03/2025", None, None, 200],
            ["F2", "C001", "16/03/2025", None, None, 300]]
    register, problems = load(FakeBook(french_sheets(Factures=rows, Paiements=[PAYMENTS_FR])))
    p = only(problems, "invoice.duplicate")
    assert (p.sheet, p.row, p.column, p.value, p.severity) == ("Factures", 3, "N° facture", "F1", Severity.ERROR)
    assert "ligne 2" in p.message
    assert [(i.number, i.amount_ttc) for i in register.invoices] == [("F1", Decimal("100.00")), ("F2", Decimal("300.00"))]


def test_duplicate_client_code():
    rows = [CLIENTS_FR[:2], ["C1", "Un"], ["c1", "Deux"]]
    register, problems = load(FakeBook(french_sheets(Clients=rows, Factures=[INVOICES_FR], Paiements=[PAYMENTS_FR],
                                                     **{"Échéanciers": [PLANS_FR]})))
    p = only(problems, "client.duplicate")
    assert (p.row, p.column) == (3, "Code client") and [c.name for c in register.clients] == ["Un"]


def test_payment_naming_an_unknown_invoice():
    register, problems = load(FakeBook(french_sheets(Paiements=[PAYMENTS_FR, ["20/04/2025", "C001", "F9999", 10]])))
    p = only(problems, "payment.invoice_unknown")
    assert (p.sheet, p.row, p.column, p.value) == ("Paiements", 2, "N° facture", "F9999")
    assert register.payments == ()


def test_payment_naming_an_invoice_left_out_says_so():
    rows = [INVOICES_FR[:6], ["F1", "C001", "pas une date", None, None, 100]]
    _, problems = load(FakeBook(french_sheets(Factures=rows, Paiements=[PAYMENTS_FR, ["20/04/2025", "C001", "F1", 10]])))
    assert codes(problems) == ["date.unreadable", "payment.invoice_in_error"]


@pytest.mark.parametrize("number, ht, credit", [
    ("AV-12", None, True), ("av12", -10, True), ("Avoir 3", None, True), ("F-12", -10, True), ("F-12", None, False),
    ("F-12", 10, False),
])
def test_credit_note_rule(number, ht, credit):
    rows = [INVOICES_FR[:6], [number, "C001", "15/03/2025", None, ht, -12]]
    register, problems = load(FakeBook(french_sheets(Factures=rows, Paiements=[PAYMENTS_FR])))
    if credit:
        assert register.invoices[0].is_credit_note and not [p for p in problems if p.severity == Severity.ERROR]
    else:
        p = only(problems, "invoice.negative")
        assert (p.sheet, p.row, p.column, p.value) == ("Factures", 2, "Montant TTC", -12)
        assert register.invoices == ()


@pytest.mark.parametrize("number, left_out", [
    ("AV-1", True), ("AV12", True), ("Avoir 7", True), ("AVR-2025-01", False), ("F-AV-1", False)])
def test_a_credit_note_typed_positive_is_left_out_never_chased(number, left_out):
    # « AV-1 » with +100 HT / +120 TTC: the credit note typed without its minus sign. Read as
    # an invoice it would be chased, with interest and 40 €; it is an error to correct instead.
    rows = [INVOICES_FR[:6], [number, "C001", "15/03/2025", None, 100, 120]]
    register, problems = load(FakeBook(french_sheets(Factures=rows, Paiements=[PAYMENTS_FR])))
    if left_out:
        p = only(problems, "invoice.credit_note_positive")
        assert (p.sheet, p.row, p.column, p.value) == ("Factures", 2, "Montant TTC", 120)
        assert "négatif" in p.fix and register.invoices == ()
    else:
        assert [i.number for i in register.invoices] == [number] and not codes(problems)


def test_negative_and_zero_payments():
    rows = [PAYMENTS_FR, ["20/04/2025", "C001", None, -50], ["20/04/2025", "C001", None, "0,00"],
            ["21/04/2025", "C001", None, 50]]
    register, problems = load(FakeBook(french_sheets(Paiements=rows)))
    neg = only(problems, "payment.negative")
    assert (neg.row, neg.column, neg.severity) == (2, "Montant", Severity.ERROR)
    assert only(problems, "payment.zero").row == 3
    assert [p.row for p in register.payments] == [4]


def test_ttc_below_ht_is_a_warning():
    rows = [INVOICES_FR[:6], ["F1", "C001", "15/03/2025", None, 1200, 1000]]
    register, problems = load(FakeBook(french_sheets(Factures=rows, Paiements=[PAYMENTS_FR])))
    p = only(problems, "invoice.ttc_below_ht")
    assert (p.row, p.column, p.severity) == (2, "Montant TTC", Severity.WARNING)
    assert len(register.invoices) == 1


def test_missing_required_column_loads_no_row_of_that_sheet():
    rows = [["N° facture", "Date facture", "Montant TTC"], ["F1", "15/03/2025", 100]]
    register, problems = load(FakeBook(french_sheets(Factures=rows, Paiements=[PAYMENTS_FR])))
    p = only(problems, "column.missing")
    assert (p.sheet, p.row, p.column, p.severity) == ("Factures", 1, "Code client", Severity.ERROR)
    assert register.invoices == () and len(register.clients) == 3


def test_missing_required_sheet():
    sheets = french_sheets()
    del sheets["Paiements"]
    register, problems = load(FakeBook(sheets))
    p = only(problems, "sheet.missing")
    assert (p.sheet, p.row, p.column) == ("Paiements", None, None) and register.payments == ()
    assert len(register.invoices) == 4


def test_sheet_without_header():
    _, problems = load(FakeBook(french_sheets(Clients=[["n'importe quoi", 1], ["C1", "x"]])))
    p = [p for p in problems if p.code == "sheet.no_header"]
    assert [(x.sheet, x.severity) for x in p] == [("Clients", Severity.ERROR)]


def test_unreadable_client_type_and_email_keep_the_client():
    rows = [CLIENTS_FR[:5], ["C1", "Un", "Martien", "pas-une-adresse", "a@b.fr, faux"]]
    register, problems = load(FakeBook(french_sheets(Clients=rows, Factures=[INVOICES_FR], Paiements=[PAYMENTS_FR],
                                                     **{"Échéanciers": [PLANS_FR]})))
    assert [(p.row, p.column, p.code) for p in problems] == [
        (2, "Type", "client_type.unknown"), (2, "E-mail", "email.invalid"), (2, "E-mail copie", "email.invalid")]
    client = register.clients[0]
    assert (client.type, client.email, client.email_cc) == (ClientType.BUSINESS, "", "a@b.fr")


def test_client_on_hold_is_data_not_a_problem():
    register, problems = load(FakeBook(french_sheets()))
    assert register.clients[2].on_hold and problems == []
    assert any(i.client == "P01" for i in register.invoices)


def test_password_in_settings_is_refused_and_never_echoed():
    sheets = french_sheets(**{"Paramètres": [["Paramètre", "Valeur"], ["Mot de passe SMTP", "hunter2"],
                                             ["SMTP password", "x"], ["Dépassement toléré", "oui"]]})
    register, problems = load(FakeBook(sheets))
    found = [p for p in problems if p.code == "settings.password"]
    assert [(p.sheet, p.row, p.column) for p in found] == [("Paramètres", 2, "Paramètre"), ("Paramètres", 3, "Paramètre")]
    assert all("hunter2" not in repr(p) and "RELANCE_SMTP_PASSWORD" in p.fix for p in found)
    assert "hunter2" not in repr(register.settings)
    assert register.settings.extra == (("Dépassement toléré", "oui"),)


def test_bad_setting_values_keep_the_default():
    sheets = french_sheets(**{"Paramètres": [["Paramètre", "Valeur"], ["Port SMTP", "cinq"], ["Langue", "klingon"],
                                             ["Sauvegardes conservées", 3], ["Mode de pénalité", "Contractuel"]]})
    register, problems = load(FakeBook(sheets))
    assert [(p.row, p.column, p.severity) for p in problems] == [(2, "Valeur", Severity.WARNING),
                                                                 (3, "Valeur", Severity.WARNING)]
    s = register.settings
    assert (s.smtp_port, s.language, s.backups, s.penalty_mode) == (None, "fr", 3, "contract")


def test_merged_cells_in_a_table():
    rows = [INVOICES_FR[:6], ["F1", "C001", "15/03/2025", None, None, 100], ["F2", None, "16/03/2025", None, None, 200]]
    book = FakeBook(french_sheets(Factures=rows, Paiements=[PAYMENTS_FR]), merged={"Factures": [(2, 2, 3, 2), (1, 8, 1, 9)]})
    register, problems = load(book)
    p = only(problems, "cell.merged")
    assert (p.sheet, p.row, p.column, p.value, p.severity) == ("Factures", 2, "Code client", "C001", Severity.WARNING)
    assert "B2:B3" in p.message
    assert [i.number for i in register.invoices] == ["F1"]
    assert only(problems, "cell.required").row == 3


def test_merged_cells_in_a_real_file(tmp_path):
    wb = openpyxl.load_workbook(TEMPLATE)
    ws = wb["Clients"]
    ws.append(["C1", "Un"])
    ws.append(["C2", "Deux"])
    ws.merge_cells("K2:K3")
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    _, problems = load(xlsx_book(path))
    p = only(problems, "cell.merged")
    assert (p.sheet, p.row, p.column) == ("Clients", 2, "Notes")


def test_formula_with_a_cached_value_is_read_and_without_one_is_a_problem():
    rows = [INVOICES_FR[:6], ["F1", "C001", "15/03/2025", None, 1000, 1200], ["F2", "C001", "15/03/2025", None, 1000, None]]
    book = FakeBook(french_sheets(Factures=rows, Paiements=[PAYMENTS_FR]), formulas={"Factures": {(2, 6), (3, 6)}})
    register, problems = load(book)
    assert [i.number for i in register.invoices] == ["F1"]
    p = only(problems, "cell.formula_not_calculated")
    assert (p.sheet, p.row, p.column) == ("Factures", 3, "Montant TTC")
    assert "Excel ou LibreOffice" in p.fix
    assert "cell.required" not in codes(problems)  # one problem for one cause


def _with_cached_value(path: Path, sheet_index: int, cell: str, value: str) -> None:
    """Give a formula cell the cached result a spreadsheet would have saved (openpyxl writes none)."""
    src = zipfile.ZipFile(path)
    entries = {i.filename: src.read(i.filename) for i in src.infolist()}
    src.close()
    name = f"xl/worksheets/sheet{sheet_index}.xml"
    xml = entries[name].decode()
    xml, n = re.subn(rf'(<c r="{cell}"[^>]*>)<f>([^<]*)</f><v\s*/>', rf"\1<f>\2</f><v>{value}</v>", xml)
    if n == 0:
        xml, n = re.subn(rf'(<c r="{cell}"[^>]*>)<f>([^<]*)</f>(<v></v>)?', rf"\1<f>\2</f><v>{value}</v>", xml)
    assert n == 1, xml[:2000]
    entries[name] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for fname, data in entries.items():
            dst.writestr(fname, data)


def test_formulas_in_a_real_file(tmp_path):
    wb = openpyxl.load_workbook(TEMPLATE)
    ws = wb["Factures"]
    ws.append(["F1", "C1", date(2025, 3, 15), None, 1000, "=E2*1.2"])
    ws.append(["F2", "C1", date(2025, 3, 15), None, 1000, "=E3*1.2"])
    wb["Clients"].append(["C1", "Un"])
    path = tmp_path / "formulas.xlsx"
    wb.save(path)
    _with_cached_value(path, wb.sheetnames.index("Factures") + 1, "F2", "1200")
    register, problems = load(xlsx_book(path))
    assert [(i.number, i.amount_ttc) for i in register.invoices] == [("F1", Decimal("1200.00"))]
    p = only(problems, "cell.formula_not_calculated")
    assert (p.sheet, p.row, p.column) == ("Factures", 3, "Montant TTC")


@pytest.mark.libreoffice
def test_formulas_recalculated_by_libreoffice(tmp_path):
    import shutil
    import subprocess

    if not shutil.which("soffice"):
        pytest.skip("LibreOffice absent")
    wb = openpyxl.load_workbook(TEMPLATE)
    wb["Clients"].append(["C1", "Un"])
    wb["Factures"].append(["F1", "C1", date(2025, 3, 15), None, 1000, "=E2*1.2"])
    src = tmp_path / "src" / "f.xlsx"
    src.parent.mkdir()
    wb.save(src)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to", "xlsx",
                    "--outdir", str(tmp_path / "out"), str(src)], check=True, capture_output=True, timeout=120)
    register, problems = load(xlsx_book(tmp_path / "out" / "f.xlsx"))
    assert problems == []
    assert register.invoices[0].amount_ttc == Decimal("1200.00")


def test_mac_1904_workbook_dates(tmp_path):
    wb = openpyxl.load_workbook(TEMPLATE)
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    wb["Clients"].append(["C1", "Un"])
    ws = wb["Factures"]
    ws.append(["F1", "C1", date(2025, 3, 15), None, None, 100])
    # A serial typed in a cell without a date format: 44269 days after 1 Jan 1904.
    ws.append(["F2", "C1", 44269, None, None, 100])
    ws["C3"].number_format = "General"
    path = tmp_path / "mac.xlsx"
    wb.save(path)
    register, problems = load(xlsx_book(path))
    assert problems == []
    assert [i.issued for i in register.invoices] == [date(2025, 3, 15), date(2025, 3, 15)]


def test_fake_1904_book_serials():
    rows = [INVOICES_FR[:6], ["F1", "C001", 44269, None, None, 100]]
    register, _ = load(FakeBook(french_sheets(Factures=rows, Paiements=[PAYMENTS_FR]), epoch_1904=True))
    assert register.invoices[0].issued == date(2025, 3, 15)


# --- one bad row never stops the others ------------------------------------------------

JUNK = st.one_of(
    st.none(), st.text(max_size=12), st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(), st.dates(), st.datetimes(), st.decimals(allow_nan=False, allow_infinity=False),
    st.sampled_from(["C001", "F2025-001", "15/03/2025", "1 200,00 €", "-5", "AV-1", "Oui", "=A1", "#N/A", "#REF!"]),
)


def _junk_sheets(data, rows_from):
    sheets = french_sheets()
    name = data.draw(st.sampled_from(["Paramètres", "Clients", "Factures", "Paiements", "Échéanciers"]))
    rows = [list(r) for r in sheets[name]]
    width = len(rows[0])
    first = 2 if rows_from == "anywhere" else len(rows) + 1
    for _ in range(data.draw(st.integers(1, 10))):
        r = data.draw(st.integers(first, first + 3 if rows_from == "new" else len(rows) + 2))
        while len(rows) < r:
            rows.append([None] * width)
        c = data.draw(st.integers(1, width))
        rows[r - 1][c - 1] = data.draw(JUNK)
    sheets[name] = rows
    return sheets


def _records(register):
    return [*register.clients, *register.invoices, *register.payments, *register.plan_steps]


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_junk_anywhere_never_raises_and_every_problem_has_a_place(data):
    register, problems = load(FakeBook(_junk_sheets(data, "anywhere")))
    for p in problems:
        assert p.sheet and p.message and p.fix and p.code
        assert p.row is not None or p.code in ("sheet.missing", "sheet.no_header")
        assert isinstance(p.row, (int, type(None)))
    for record in _records(register):
        assert record.row is not None and record.row >= 2
        for value in (getattr(record, f.name) for f in fields(record)):  # slots: no vars()
            assert not isinstance(value, float)  # no float leaks into a record


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_junk_rows_do_not_disturb_the_good_rows(data):
    clean, _ = load(FakeBook(french_sheets()))
    register, problems = load(FakeBook(_junk_sheets(data, "new")))
    lengths = {"Clients": 4, "Factures": 5, "Paiements": 4, "Échéanciers": 3}

    def good(records, sheet):
        return [r for r in records if r.row <= lengths[sheet]]

    assert good(register.clients, "Clients") == list(clean.clients)
    assert good(register.invoices, "Factures") == list(clean.invoices)
    assert good(register.payments, "Paiements") == list(clean.payments)
    assert good(register.plan_steps, "Échéanciers") == list(clean.plan_steps)
    assert all(p.row is None or p.row > 1 for p in problems)


def test_a_payment_naming_another_clients_invoice_is_said_as_the_engine_applies_it():
    # MAIRIE pays 700 naming C001's F2025-001. The engine applies it to MAIRIE's own invoices
    # (F2025-002), not to F2025-001: the loader's warning says the same, not the opposite.
    from addin.core.ledger import compute
    from addin.core.rates import RateTable

    rows = [*PAYMENT_ROWS, ["10/05/2025", "MAIRIE", "F2025-001", 700, "Virement", None]]
    register, problems = load(FakeBook(french_sheets(**{"Paiements": [PAYMENTS_FR, *rows]})))
    warning = only(problems, "payment.client_mismatch")
    assert (warning.row, warning.column, warning.severity) == (5, "Code client", Severity.WARNING)
    assert "imputé sur les factures de « MAIRIE »" in warning.message
    assert "nommée" not in warning.message + warning.fix
    ledger, engine_problems = compute(register, date(2025, 6, 30), RateTable.shipped())
    paid = {s.invoice.number: s.paid for s in ledger.states}
    assert paid["F2025-001"] == Decimal("500.00")  # only C001's own payment
    assert paid["F2025-002"] == Decimal("1700.10")  # 1,000.10 + the 700
    engine = [p for p in engine_problems if p.code == "payment.client_mismatch"]
    assert all("factures de ce client" in p.message for p in engine)


def test_totals_rows_are_not_records_but_incomplete_records_still_are():
    rows = [
        *INVOICE_ROWS,                                                       # rows 2-5
        ["Total", None, None, None, 4400, 4680] + [None] * 11,               # 6: a Total row, typed sums
        [None] * 5 + [4680] + [None] * 11,                                   # 7: =SUM(F2:F5), no label
        ["Total-2025-9", "C001", "01/06/2025", None, None, 50] + [None] * 11,  # 8: an invoice, so numbered
        [None, "C001", "02/06/2025", None, None, 80] + [None] * 11,           # 9: an invoice without its number
        [None] * 17 + ["à voir"],                                            # 10: only a user column
    ]
    headers = [*INVOICES_FR, "Mes notes"]
    payments = [*PAYMENT_ROWS, ["Sous-total", None, None, 2100.1, None, None]]  # row 5
    book = FakeBook(french_sheets(**{"Factures": [headers, *rows], "Paiements": [PAYMENTS_FR, *payments]}),
                    formulas={"Factures": {(7, 6)}, "Paiements": {(5, 4)}})
    register, problems = load(book)
    assert [i.number for i in register.invoices] == ["F2025-001", "F2025-002", "AV-2025-001", "F2025-003",
                                                     "Total-2025-9"]
    assert [(p.sheet, p.row, p.code) for p in problems] == [("Factures", 9, "cell.required")]
    assert len(register.payments) == 3


def test_a_numbering_formula_filled_down_ahead_is_not_an_invoice_yet():
    # ="F-"&ROW() prepared on empty rows (never calculated: no value): no client, no date, so no record.
    rows = [*INVOICE_ROWS, [None] * 17]
    book = FakeBook(french_sheets(**{"Factures": [INVOICES_FR, *rows]}), formulas={"Factures": {(6, 1)}})
    register, problems = load(book)
    assert problems == [] and len(register.invoices) == 4


def test_an_amount_still_as_relance_wrote_it_reads_as_blank():
    from addin.register.record import PLAN_AMOUNTS, PLAN_HEADERS, Record, read_record, record_sheet

    rows = [["PL1", "C001", "Site vitrine", "6 000,00", "Acompte", "30 %", 1800, "01/03/2025", "F2025-001"],
            ["PL1", "C001", "Site vitrine", "6 000,00", "Solde", 0.7, 4200, "01/06/2025", None],
            ["PL2", "C001", "Maintenance", 1000, "Unique", 1, 1000, "01/06/2025", None]]
    record = [[PLAN_AMOUNTS], list(PLAN_HEADERS), ["PL1", "Acompte", 1800], ["PL1", "Solde", 4000.0],
              ["PL2", "Unique", 1000]]
    book = FakeBook(french_sheets(**{"Échéanciers": [PLANS_FR[:9], *rows], "_Relance": record}),
                    formulas={"Échéanciers": {(4, 7)}})
    register, problems = load(book)
    assert problems == []
    # Acompte: still 1,800 as written: Relance's. Solde: 4,200 is not the 4,000 written: typed.
    # PL2: a formula that happens to give what was written is the user's.
    assert [s.amount for s in register.plan_steps] == [None, Decimal("4200"), Decimal("1000")]
    # The record reads back what it writes.
    sheet = record_sheet(Record({("PL1", "Acompte"): Decimal("1800.00")}))
    assert sheet.hidden and sheet.name == "_Relance"
    data = [[sheet.blocks[0].title], list(sheet.blocks[0].headers), *map(list, sheet.blocks[0].rows)]
    assert read_record(FakeBook({"_Relance": data}).read_sheet("_Relance")).plan_amounts == \
        {("PL1", "Acompte"): Decimal("1800.00")}
