"""The accountant's copy: values only, no macro, no secret, no Relance formula, the interest detail."""

from __future__ import annotations

import shutil
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from addin.actions import export
from tests.reports.test_review import demo_book  # noqa: F401  (module fixture)
from tests.test_demo import TODAY

UDF_NAMES = ("due_date", "penalty_rate", "late_interest", "recovery_indemnity", "early_discount",
             "installments", "days_late", "aging_bucket")


@pytest.fixture
def register(demo_book, tmp_path) -> Path:  # noqa: F811
    """The demo register with what a real one holds: SMTP settings, a UDF formula, a macro-enabled twin."""
    path = tmp_path / "Registre.xlsx"
    shutil.copyfile(demo_book, path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Paramètres"]
    for row in ws.iter_rows(min_row=2):
        label = row[0].value
        if label == "Serveur SMTP":
            row[1].value = "ssl0.ovh.net"
        elif label == "Utilisateur SMTP":
            row[1].value = "compta@pixel.example"
        elif label == "Port SMTP":
            row[1].value = 465
    ws.append(["Mot de passe SMTP", "hunter2"])  # typed by mistake: must never travel
    notes = wb.create_sheet("Mes calculs")
    notes["A1"] = "=due_date(DATE(2025,1,10),\"45 jours fin de mois\")"
    notes["A2"] = "=1+1"
    notes["B1"] = "=HYPERLINK(\"http://x\")"
    conf = wb.create_sheet("relance.conf")
    conf["A1"], conf["B1"] = "Interpreter_Win", r"C:\python\python.exe"
    conf.sheet_state = "hidden"
    wb.save(path)
    return path


def test_export_has_no_formula_no_macro_no_secret(register, tmp_path):
    out = tmp_path / "pour le comptable.xlsx"
    result = export.run(register, out, today=TODAY)
    assert out.exists() and result.path == out
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        xml = b"".join(z.read(n) for n in names if n.endswith(".xml") or n.endswith(".rels"))
    assert not any("vbaProject" in n or "externalLink" in n or "connections" in n for n in names)
    assert b"<f>" not in xml and b"<f " not in xml
    lowered = xml.lower()
    for name in UDF_NAMES:
        assert name.encode() not in lowered, name
    for secret in (b"hunter2", b"ssl0.ovh.net", b"Interpreter_Win", b"Mot de passe"):
        assert secret not in xml
    wb = openpyxl.load_workbook(out)
    assert "relance.conf" not in wb.sheetnames and "_RevueSnapshot" not in wb.sheetnames
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)
                # No value starting with "=" unless it is stored as text (see the next test).
                assert not (isinstance(cell.value, str) and cell.value.startswith("=") and cell.data_type != "s")
    assert "Serveur SMTP" in result.removed_settings and "Mot de passe SMTP" in result.removed_settings
    # The formulas were never calculated (openpyxl wrote them): left blank and said so.
    assert result.blank_formulas == 3 and "jamais calculée" in result.summary


def test_export_keeps_the_register_values_and_adds_the_interest_detail(register, tmp_path):
    out = tmp_path / "copie.xlsx"
    export.run(register, out, today=TODAY)
    source, copy = openpyxl.load_workbook(register), openpyxl.load_workbook(out)
    for sheet in ("Clients", "Factures", "Paiements", "Échéanciers", "Journal", "Relances", "Anomalies"):
        a = [[c.value for c in r] for r in source[sheet].iter_rows()]
        b = [[c.value for c in r] for r in copy[sheet].iter_rows()]
        assert b == a, sheet
    assert copy["Factures"]["C2"].number_format == source["Factures"]["C2"].number_format
    detail = copy["Intérêts (détail)"]
    rows = [r for r in detail.iter_rows(min_row=3, values_only=True) if r[0]]
    assert rows and all(r[5] > 0 for r in rows)  # days
    # Each invoice's periods add up to its rounded total: sum of unrounded amounts -> cents.
    from decimal import Decimal as D

    by_invoice = {}
    for r in rows:
        by_invoice.setdefault(r[0], []).append(r)
    for number, lines in by_invoice.items():
        total = sum(D(str(r[9])) for r in lines)
        assert abs(total - D(str(lines[-1][10]))) <= D("0.01"), number


def test_export_is_deterministic_and_never_replaces_the_register(register, tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    export.run(register, a, today=TODAY)
    export.run(register, b, today=TODAY)
    assert a.read_bytes() == b.read_bytes()
    before = register.read_bytes()
    with pytest.raises(ValueError, match="remplacer le registre"):
        export.run(register, register, today=TODAY)
    assert register.read_bytes() == before


def test_export_default_name_sits_next_to_the_register(register):
    result = export.run(register, None, today=date(2026, 11, 23))
    assert result.path == register.with_name("Registre - comptable 2026-11-23.xlsx") and result.path.exists()


# The keys a reviewer typed into Paramètres (each with the value "hunter2-…"): all must be left out.
REVIEWER_SECRETS = ("Mot de passe SMTP", "SMTP password", "Code d'accès banque", "Identifiant Qonto", "Passwort",
                    "Clé d'API Stripe", "Access token", "MDP messagerie", "Mot-de-passe", "Motdepasse", "pass",
                    "Secret SMTP (OVH)", "Password2", "SMTP_PASSWORD", "smtp.password", "Utilisateur")


@pytest.mark.parametrize("key, secret", [
    ("Serveur SMTP", True), ("SMTP server", True), ("Port SMTP", True), ("Utilisateur SMTP", True),
    ("Sécurité SMTP", True), ("Mot de passe", True), ("API token", True), ("Clé API Stripe", True),
    ("Secret client", True), ("Identifiants banque", True), ("Private key", True), ("Code PIN carte", True),
    ("PIN", True), ("Login extranet", True), ("Credentials", True), ("Nom d'utilisateur", True),
    *((key, True) for key in REVIEWER_SECRETS),
    ("IBAN", False), ("BIC", False), ("Clé RIB", False), ("Raison sociale", False), ("E-mail expéditeur", False),
    ("Délai de paiement par défaut", False), ("Identifiant TVA intracommunautaire", False), ("SIREN", False),
    ("Identifiant créancier SEPA (ICS)", False), ("Lien de paiement", False),
])
def test_which_settings_are_secret(key, secret):
    from addin.reports.accountant import is_secret

    assert is_secret(key) is secret


def test_no_setting_relance_knows_is_secret_but_the_smtp_ones():
    from addin.register import schema
    from addin.reports.accountant import is_secret

    for column in schema.SETTING_KEYS:
        for label in (column.fr, column.en, *column.aliases):
            assert is_secret(label) is column.key.startswith("smtp_"), label


def test_every_copied_sheet_loses_its_secrets_and_the_export_says_where(demo_book, tmp_path):  # noqa: F811
    path = tmp_path / "Registre.xlsx"
    shutil.copyfile(demo_book, path)
    wb = openpyxl.load_workbook(path)
    settings = wb["Paramètres"]
    for k, key in enumerate(REVIEWER_SECRETS):
        settings.append([key, f"hunter2-{k}"])
    wb.create_sheet("Accès")["A1"], wb["Accès"]["B1"] = "Mot de passe banque", "hunter2-visible"
    notes = wb.create_sheet("Banque")  # an innocent name: its cells are judged one by one
    notes.append(["Banque", "Qonto"])
    notes.append(["IBAN", "FR7630006000011234567890189"])
    notes.append(["Identifiant", "hunter2-login", "Mot de passe :", "hunter2-row"])
    notes.append([None])
    notes.append(["Code PIN"])  # a vertical layout: the label above its value
    notes.append(["hunter2-below"])
    notes.append([None])
    notes.append(["Site", "Utilisateur", "Pwd", "Notes"])  # a table: the values under a secret header go
    notes.append(["ovh.com", "hunter2-marie", "hunter2-9a", "à renouveler"])
    notes.append(["Note : mdp = hunter2-inline"])
    notes.append(["mdp : hunter2-inline2"])
    clients = wb["Clients"]
    extra = clients.max_column + 1
    clients.cell(1, extra, "Mot de passe extranet")
    clients.cell(2, extra, "hunter2-column")
    clients.cell(2, extra - 1, "Portail : voir contrat")  # an innocent note stays
    wb.save(path)

    out = tmp_path / "copie.xlsx"
    result = export.run(path, out, today=TODAY)
    with zipfile.ZipFile(out) as z:
        xml = b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml"))
    assert b"hunter2" not in xml
    copy = openpyxl.load_workbook(out)
    assert "Accès" not in copy.sheetnames  # a sheet named like a secret is left out whole
    kept = {(r[0], r[1]) for r in copy["Banque"].iter_rows(values_only=True)}
    assert ("Banque", "Qonto") in kept and ("IBAN", "FR7630006000011234567890189") in kept
    assert copy["Banque"]["D9"].value == "à renouveler" and copy["Banque"]["A9"].value == "ovh.com"
    assert copy["Clients"].cell(1, extra).value == "Mot de passe extranet"
    assert copy["Clients"].cell(2, extra - 1).value == "Portail : voir contrat"
    assert set(REVIEWER_SECRETS) <= set(result.removed_settings)
    assert "Accès" in result.dropped_sheets
    assert {"Banque!B3", "Banque!C3", "Banque!D3", "Banque!A6", "Banque!B9", "Banque!C9", "Banque!A10",
            "Banque!A11", f"Clients!{openpyxl.utils.get_column_letter(extra)}2"} <= set(result.blanked_cells)
    assert "Accès" in result.summary and "Banque!B3" in result.summary


def test_export_of_a_macro_workbook_with_names_text_formulas_and_a_chart(demo_book, tmp_path):  # noqa: F811
    """A .xlsm with its VBA project, a defined name on the hidden memory, a text that looks like a
    formula, the review's chart and a chart that reads a hidden sheet."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.workbook.defined_name import DefinedName

    from addin.actions import review
    from addin.books.file import FileBook

    plain = tmp_path / "Registre.xlsx"
    shutil.copyfile(demo_book, plain)
    review.run(FileBook.open(plain, today=TODAY), today=TODAY, month=(2026, 10))
    wb = openpyxl.load_workbook(plain)
    wb.defined_names["Memoire"] = DefinedName("Memoire", attr_text="'_RevueSnapshot'!$A$1:$H$9")
    ws = wb.create_sheet("Notes")
    ws["A1"] = "=1+1 (texte)"
    ws["A1"].data_type = "s"  # typed as text by the user: stays text
    chart = BarChart()
    chart.add_data(Reference(wb["_RevueSnapshot"], min_col=4, min_row=1, max_row=5), titles_from_data=True)
    ws.add_chart(chart, "C3")
    wb.save(plain)
    xlsm = tmp_path / "Registre.xlsm"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(xlsm, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Default Extension="bin" '
                                    b'ContentType="application/vnd.ms-office.vbaProject"/></Types>').replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdVba" Type="http://schemas.'
                                    b'microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
                                    b"</Relationships>")
            dst.writestr(item, data)
        dst.writestr("xl/vbaProject.bin", b"Attribute VB_Name = \"RelanceMacros\"" * 50)
    with zipfile.ZipFile(xlsm) as z:
        assert "xl/vbaProject.bin" in z.namelist()  # the source really is a macro workbook

    out = export.export(xlsm, tmp_path / "copie.xlsx", today=TODAY)
    assert out == tmp_path / "copie.xlsx"
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        workbook_xml = z.read("xl/workbook.xml")
        content_types = z.read("[Content_Types].xml")
        charts = [z.read(n) for n in names if n.startswith("xl/charts/chart")]
    assert not any("vba" in n.lower() for n in names) and b"macroEnabled" not in content_types
    assert b"<definedName " not in workbook_xml and b"Memoire" not in workbook_xml
    # One chart: the review's (it reads Revue); the one reading the hidden memory was left out.
    assert len(charts) == 1 and b"Revue" in charts[0] and b"_RevueSnapshot" not in charts[0]
    copy = openpyxl.load_workbook(out)
    assert copy["Notes"]["A1"].value == "=1+1 (texte)" and copy["Notes"]["A1"].data_type == "s"
    assert "Revue" in copy.sheetnames and "_RevueSnapshot" not in copy.sheetnames


def test_the_loader_refuses_the_same_password_keys_and_masks_their_value(demo_book, tmp_path):  # noqa: F811
    # schema.PASSWORD_KEY (the loader's rule) read "Password2", "Motdepasse" and "pass" as ordinary keys
    # and kept their value among the extra settings.
    from addin.books.file import FileBook
    from addin.register.load import load

    path = tmp_path / "Registre.xlsx"
    shutil.copyfile(demo_book, path)
    wb = openpyxl.load_workbook(path)
    for key in ("Password2", "Motdepasse", "pass", "Clé d'API Stripe"):
        wb["Paramètres"].append([key, "hunter2"])
    wb.save(path)
    register, problems = load(FileBook.open(path))
    refused = [p for p in problems if p.code == "settings.password"]
    assert len(refused) == 4 and all("hunter2" not in str(p.value) for p in refused)
    assert not any("hunter2" in value for _, value in register.settings.extra)


def _interest_by_invoice(copy):
    """Factures' Intérêts de retard and the detail's total per invoice, from the copy."""
    from decimal import Decimal as D

    ws = copy["Factures"]
    header = [c.value for c in ws[1]]
    number, interest = header.index("N° facture"), header.index("Intérêts de retard")
    factures = {}
    for r in ws.iter_rows(min_row=2, values_only=True):
        if r[number]:  # the first row of a number written twice is the invoice (the other one is in error)
            factures.setdefault(r[number], D(str(r[interest] or 0)))
    detail = {}
    for r in copy["Intérêts (détail)"].iter_rows(min_row=3, values_only=True):
        if r[0] and r[10] is not None:
            detail[r[0]] = D(str(r[10]))
    return factures, detail


def test_the_copy_is_computed_at_the_last_refresh_not_at_the_export_date(register, tmp_path):
    # The register was refreshed on 23/11/2026; exported three weeks later without a date to compute at.
    # Every invoice's interest in the detail is the one Factures shows in the same file.
    from datetime import date

    out = tmp_path / "copie.xlsx"
    result = export.run(register, out, today=date(2026, 12, 14))
    copy = openpyxl.load_workbook(out)
    factures, detail = _interest_by_invoice(copy)
    assert detail and all(factures[n] == amount for n, amount in detail.items())
    assert all(amount == 0 for n, amount in factures.items() if n not in detail)
    assert copy["Intérêts (détail)"]["A1"].value.startswith("Intérêts de retard au 23/11/2026")
    assert copy.sheetnames[0] == "À lire"
    cover = {r[0]: r[1] for r in copy["À lire"].iter_rows(values_only=True) if r[0]}
    assert cover["Chiffres calculés au"].date() == date(2026, 11, 23)
    assert "23/11/2026" in result.summary and result.as_of == date(2026, 11, 23)
    assert result.recomputed == 0  # nothing changed since the refresh: Factures is copied as it is


def test_a_register_changed_since_its_refresh_is_recomputed_in_the_copy(register, tmp_path):
    # A payment typed after the refresh, no refresh since: the copy's Factures would show the old
    # balance beside an interest detail that knows the payment. The copy recomputes Factures' figures.
    from datetime import datetime

    wb = openpyxl.load_workbook(register)
    factures = wb["Factures"]
    header = [c.value for c in factures[1]]
    col = {h: i for i, h in enumerate(header)}
    row = next(r for r in factures.iter_rows(min_row=2, values_only=True) if r[col["Statut"]] == "En retard")
    wb["Paiements"].append([datetime(2026, 11, 20), row[col["Code client"]], row[col["N° facture"]],
                            float(row[col["Reste dû"]]), "Virement", "VIR-TEST"])
    wb.save(register)
    out = tmp_path / "copie.xlsx"
    result = export.run(register, out, today=TODAY)
    copy = openpyxl.load_workbook(out)
    factures, detail = _interest_by_invoice(copy)
    assert all(factures[n] == amount for n, amount in detail.items())
    line = next(r for r in copy["Factures"].iter_rows(min_row=2, values_only=True)
                if r[col["N° facture"]] == row[col["N° facture"]])
    assert line[col["Statut"]] == "Payée" and line[col["Reste dû"]] == 0
    assert result.recomputed and "recalculé" in result.summary


def test_without_a_recorded_refresh_the_copy_is_computed_at_its_own_date(register, tmp_path):
    from datetime import date

    wb = openpyxl.load_workbook(register)
    del wb["Relances"], wb["Anomalies"]
    wb.save(register)
    out = tmp_path / "copie.xlsx"
    result = export.run(register, out, today=date(2026, 12, 14))
    copy = openpyxl.load_workbook(out)
    factures, detail = _interest_by_invoice(copy)
    assert all(factures[n] == amount for n, amount in detail.items())
    assert result.as_of == date(2026, 12, 14) and result.recomputed
    cover = {r[0]: r[2] for r in copy["À lire"].iter_rows(values_only=True) if r[0]}
    assert "date de la copie" in cover["Chiffres calculés au"]


def test_the_copy_prints_like_the_register(tmp_path):
    # The review is landscape, one page wide, in the register: so in the copy (it printed on
    # 11 portrait pages, the chart on the fifth).
    from addin.actions import review
    from addin.actions.export import export
    from addin.books.file import FileBook
    from addin.demo import run_demo

    path = run_demo(tmp_path, today=date(2026, 11, 23)).path
    review.run(FileBook.open(path, today=date(2026, 11, 23)), today=date(2026, 11, 23), month=(2026, 10))
    out = export(path, tmp_path / "copie.xlsx", today=date(2026, 11, 23))
    ws = openpyxl.load_workbook(out)["Revue"]
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1


def test_a_promise_noted_in_the_journal_counts_in_the_copy(tmp_path):
    # A call outcome typed in the Journal (a promise to pay on the 15th): the register shows it,
    # and so must the accountant's copy, computed apart.
    from datetime import datetime

    from addin.actions import refresh
    from addin.books.file import FileBook
    from addin.demo import run_demo

    today = date(2026, 11, 23)
    path = run_demo(tmp_path, today=today).path
    wb = openpyxl.load_workbook(path)
    factures = wb["Factures"]
    head = {c.value: c.column for c in factures[1]}
    late = next(r for r in range(2, factures.max_row + 1)
                if factures.cell(r, head["Statut"]).value == "En retard")
    number = factures.cell(late, head["N° facture"]).value
    client = factures.cell(late, head["Code client"]).value
    journal = wb["Journal"]
    jhead = {c.value: c.column for c in journal[1]}
    row = journal.max_row + 1
    for label, value in (("Horodatage", datetime(2026, 11, 23, 10, 5)), ("Client", client), ("Factures", number),
                         ("Canal", "Appel"), ("Issue de l'appel", "Promesse"),
                         ("Date de promesse", datetime(2026, 12, 15))):
        journal.cell(row, jhead[label]).value = value
    wb.save(path)
    refresh.run(FileBook.open(path, today=today), today=today)
    out = export.export(path, tmp_path / "copie.xlsx", today=today)
    copy = openpyxl.load_workbook(out)["Factures"]
    chead = {c.value: c.column for c in copy[1]}
    statuses = {copy.cell(r, chead["N° facture"]).value: copy.cell(r, chead["Statut"]).value
                for r in range(2, copy.max_row + 1)}
    assert statuses[number] == "Promesse de paiement"
