"""The shipped template: generated from the schema, deterministic, and loads back clean."""

import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from addin.core.model import Register, Settings
from addin.register import schema
from addin.register import template as make_template
from addin.register.load import load, load_rates
from tests.register.conftest import xlsx_book

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "workbook_template.xlsx"


def test_committed_template_is_what_the_script_writes(tmp_path):
    out = tmp_path / "t.xlsx"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_template.py"), str(out)], check=True,
                   capture_output=True)
    assert out.read_bytes() == TEMPLATE.read_bytes(), "run: python3 scripts/make_template.py"


def test_two_builds_give_identical_bytes():
    assert make_template.template_bytes() == make_template.template_bytes()


def test_fixed_document_properties_and_zip_times():
    with zipfile.ZipFile(TEMPLATE) as z:
        assert {i.date_time for i in z.infolist()} == {make_template.ZIP_TIME}
        core = z.read("docProps/core.xml").decode()
    assert "<dc:creator>Relance</dc:creator>" in core
    assert "2025-01-01T00:00:00Z" in core


def test_template_loads_with_no_problem_and_an_empty_register():
    register, problems = load(xlsx_book(TEMPLATE))
    assert problems == []
    assert register == Register(Settings())


def test_template_rates_and_scenarios_load_back():
    from addin.core.rates import RateTable
    from addin.register.scenarios import load_scenarios
    from addin.core.dunning import DEFAULTS

    book = xlsx_book(TEMPLATE)
    table, problems = load_rates(book)
    assert problems == []
    assert table.sheet_rows() == RateTable.shipped().sheet_rows()
    scenarios, problems = load_scenarios(book)
    assert problems == [] and scenarios == DEFAULTS


def test_template_layout():
    wb = openpyxl.load_workbook(TEMPLATE)
    assert wb.sheetnames == [s.fr for s in schema.SHEETS]
    for sheet in schema.SHEETS:
        ws = wb[sheet.fr]
        if sheet.kind in ("input", "settings", "log"):
            assert list(ws.tables) == [sheet.table], sheet.fr
            table = ws.tables[sheet.table]
            assert table.tableStyleInfo.name == "TableStyleMedium2"
            assert [c.value for c in ws[1]] == [c.fr for c in sheet.columns]
        if sheet.columns:
            assert ws.freeze_panes == "A2"
    factures = wb["Factures"]
    headers = {c.value: c for c in factures[1]}
    due = headers["Échéance"]
    assert due.comment.text.startswith("Calculé par Relance — ne pas saisir")
    assert due.fill.start_color.rgb == "FFD9D9D9"
    assert factures.column_dimensions[due.column_letter].number_format == "dd/mm/yyyy"
    ttc = headers["Montant TTC"]
    assert factures.column_dimensions[ttc.column_letter].number_format == '#,##0.00 "€"'
    assert ttc.fill.fill_type is None and "Calculé" not in ttc.comment.text
    assert tables_names(wb) == {"tblParametres", "tblClients", "tblFactures", "tblPaiements", "tblEcheanciers",
                                "tblScenarios", "tblJournal", "tblRapprochement"}


def test_the_journal_is_a_table_with_a_comment_on_every_header_and_a_result_drop_down():
    """Issue 15 point 11."""
    ws = openpyxl.load_workbook(TEMPLATE)["Journal"]
    assert list(ws.tables) == ["tblJournal"]
    assert all(c.comment is not None and c.comment.text for c in ws[1])
    result = next(c for c in ws[1] if c.value == "Résultat").column_letter
    lists = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    assert lists[f"{result}2"].formula1 == '"envoyé,à renvoyer"' and lists[f"{result}2"].errorStyle == "warning"


def tables_names(wb):
    return {name for ws in wb.worksheets for name in ws.tables}


def test_drop_downs():
    wb = openpyxl.load_workbook(TEMPLATE)
    def lists(ws):
        return {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    clients = lists(wb["Clients"])
    assert clients["C2"] == '"Professionnel,Administration,Particulier"'
    assert clients["F2"] == '"fr,en"'
    assert clients["J2"] == '"Oui,Non"'
    assert lists(wb["Paiements"])["E2"] == '"Virement,Prélèvement SEPA,Carte,Chèque,Espèces,Lien de paiement"'
    assert lists(wb["Scénarios"])["D2"] == '"E-mail,Appel,Courrier,Mise en demeure"'
    settings = lists(wb["Paramètres"])
    row = 2 + [c.key for c in schema.SETTING_KEYS].index("imputation")
    assert settings[f"B{row}"] == '"capital d\'abord,intérêts d\'abord"'  # French values (issue 15 point 10)


def test_drop_downs_for_terms_and_client_codes_suggest_without_refusing():
    from addin.core.due_dates import parse_terms

    wb = openpyxl.load_workbook(TEMPLATE)

    def validations(ws):
        return {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}

    terms = '"' + ",".join(schema.TERMS_SUGGESTED) + '"'
    row = 2 + [c.key for c in schema.SETTING_KEYS].index("default_terms")
    for sheet, cell in (("Clients", "G2"), ("Factures", "G2"), ("Paramètres", f"B{row}")):
        dv = validations(wb[sheet])[cell]
        # The grammar reads many more wordings than the list: another one warns, it is not refused.
        assert (dv.formula1, dv.errorStyle) == (terms, "warning"), sheet
    for wording in schema.TERMS_SUGGESTED:
        parse_terms(wording)  # each suggestion is read
    # Client codes: the Clients table's column, through a defined name, in every sheet that types one.
    assert wb.defined_names["CodesClients"].attr_text == "tblClients[Code client]"
    for sheet in ("Factures", "Paiements", "Échéanciers"):
        dv = validations(wb[sheet])["B2"]
        assert (dv.formula1, dv.errorStyle) == ("CodesClients", "warning"), sheet
    # Litige is a reason (free text), not a yes/no.
    assert set(validations(wb["Factures"])) == {"B2", "G2"}


def test_settings_sheet_has_every_key_and_no_password():
    wb = openpyxl.load_workbook(TEMPLATE)
    keys = [r[0] for r in wb["Paramètres"].iter_rows(min_row=2, values_only=True)]
    assert keys == [c.fr for c in schema.SETTING_KEYS]
    assert not any(schema.PASSWORD_KEY.search(schema.normalize(k)) for k in keys)
    values = {r[0]: r[1] for r in wb["Paramètres"].iter_rows(min_row=2, values_only=True)}
    assert values["Serveur SMTP"] is None and values["Conditions par défaut"] == "30 jours"


@pytest.mark.libreoffice
def test_libreoffice_opens_the_template(tmp_path):
    import shutil

    if not shutil.which("soffice"):
        pytest.skip("LibreOffice absent")
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "xlsx", "--outdir", str(tmp_path / "out"), str(TEMPLATE)],
                   check=True, capture_output=True, timeout=120)
    converted = tmp_path / "out" / "workbook_template.xlsx"
    register, problems = load(xlsx_book(converted))
    assert problems == [] and register == Register(Settings())


@pytest.mark.parametrize("key, typed, code", [
    ("imputation", "capital d'abord", "principal"), ("imputation", "interest_first", "interest_first"),
    ("penalty_mode", "taux légal", "legal"), ("penalty_mode", "contract", "contract"),
    ("below_floor_policy", "Plancher", "floor"), ("below_floor_policy", "legal_default", "legal_default"),
    ("below_floor_policy", "taux légal par défaut", "legal_default"),
    ("smtp_security", "aucune", "none"), ("smtp_security", "none", "none"), ("smtp_security", "STARTTLS", "starttls"),
])
def test_settings_take_the_french_drop_down_values_and_the_english_codes(tmp_path, key, typed, code):
    wb = openpyxl.load_workbook(TEMPLATE)
    ws = wb["Paramètres"]
    row = 2 + [c.key for c in schema.SETTING_KEYS].index(key)
    ws.cell(row, 2).value = typed
    wb.save(tmp_path / "r.xlsx")
    register, problems = load(xlsx_book(tmp_path / "r.xlsx"))
    assert problems == [] and getattr(register.settings, key) == code


def test_every_settings_drop_down_value_is_french_and_reads_back():
    wb = openpyxl.load_workbook(TEMPLATE)
    register, problems = load(xlsx_book(TEMPLATE))
    assert problems == [] and register.settings == Settings()
    values = [ws_row[1].value for ws_row in wb["Paramètres"].iter_rows(min_row=2)]
    for english in ("legal", "legal_default", "floor", "principal", "interest_first"):
        assert english not in values
