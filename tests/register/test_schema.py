"""The workbook contract: sheet and column names, FR/EN, and where the header is."""

import pytest

from addin.books.base import SheetData
from addin.register import schema
from addin.register.schema import find_sheet, label, locate_header


def test_every_label_is_unique_within_its_sheet():
    for sheet in schema.SHEETS:
        for attr in ("key", "fr", "en"):
            values = [schema.normalize(getattr(c, attr)) for c in sheet.columns]
            assert len(values) == len(set(values)), (sheet.fr, attr)
        # an alias reads as its own column, never as another one
        for col in sheet.columns:
            for alias in col.aliases:
                assert schema.match_column(sheet, alias) == col, (sheet.fr, alias)


def test_contract_columns_from_product_md():
    assert [c.fr for c in schema.CLIENTS.columns][:11] == [
        "Code client", "Nom", "Type", "E-mail", "E-mail copie", "Langue", "Conditions de paiement", "Scénario",
        "Plafond d'encours", "Relances suspendues", "Notes"]
    computed = [c.fr for c in schema.FACTURES.columns if c.computed]
    assert computed == ["Échéance", "Payé", "Reste dû", "Statut", "Jours de retard", "Intérêts de retard",
                        "Indemnité forfaitaire", "Prochaine action", "Date prochaine action", "Dernière relance"]
    assert all("ne pas saisir" in c.help for c in schema.FACTURES.columns if c.computed)
    assert [c.fr for c in schema.ANOMALIES.columns] == ["Feuille", "Ligne", "Colonne", "Valeur", "Problème",
                                                        "Correction", "Gravité"]
    assert {c.key for c in schema.SETTING_KEYS} <= set(__import__("addin.core.model", fromlist=["Settings"]).Settings.__dataclass_fields__)


def test_no_settings_key_is_a_password():
    for col in schema.SETTING_KEYS:
        assert not schema.PASSWORD_KEY.search(schema.normalize(col.fr))
        assert not schema.PASSWORD_KEY.search(schema.normalize(col.en))
    for key in ("Mot de passe SMTP", "SMTP password", "Token API", "MDP"):
        assert schema.PASSWORD_KEY.search(schema.normalize(key))


@pytest.mark.parametrize("names, sheet, expected", [
    (["Factures", "Clients"], schema.FACTURES, "Factures"),
    (["INVOICES"], schema.FACTURES, "INVOICES"),
    (["echeanciers"], schema.ECHEANCIERS, "echeanciers"),
    (["Parametres"], "settings", "Parametres"),
    (["Scenarios"], schema.SCENARIOS, "Scenarios"),
    (["Invoices", "Factures"], schema.FACTURES, "Factures"),
    (["Feuil1"], schema.FACTURES, None),
])
def test_find_sheet(names, sheet, expected):
    assert find_sheet(names, sheet) == expected


def test_label():
    assert label("invoices", "amount_ttc") == "Montant TTC"
    assert label(schema.FACTURES, "amount_ttc", "en") == "Amount incl. VAT"
    assert label(schema.PARAMETRES, "smtp_host") == "Serveur SMTP"


def test_locate_header_maps_keys_lists_user_columns_and_appends_computed_ones():
    data = SheetData("Invoices", (
        ("Mes factures", None, None, None, None),
        (None, None, None, None, None),
        ("Ma note", "invoice NUMBER", "Code Client", "Date facture", "montant ttc (€)"),
        ("x", "F1", "C1", "15/03/2025", 100, None, "trailing"),
    ))
    header = locate_header(data, schema.FACTURES)
    assert header.row == 3
    assert {k: header.columns[k] for k in ("number", "client", "issued", "amount_ttc")} == {
        "number": 2, "client": 3, "issued": 4, "amount_ttc": 5}
    assert header.extra == ((1, "Ma note"),)
    assert header.labels["number"] == "invoice NUMBER"
    # computed columns go after the last used column (7), in schema order
    assert header.appended[:2] == ("due", "paid")
    assert (header.columns["due"], header.columns["paid"], header.columns["last_reminder"]) == (8, 9, 17)
    assert header.missing_required == ()
    assert "amount_ht" in header.missing


def test_no_header_in_the_first_ten_rows():
    rows = tuple((None,) for _ in range(10)) + (("N° facture", "Code client"),)
    header = locate_header(SheetData("Factures", rows), schema.FACTURES)
    assert header.row is None and "number" in header.missing_required


def test_one_known_label_is_not_a_header():
    header = locate_header(SheetData("Clients", (("Nom", "Truc"), ("Code client", "Nom"))), schema.CLIENTS)
    assert header.row == 2
