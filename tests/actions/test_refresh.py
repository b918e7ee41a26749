"""Actualiser on real files: the engine's values land in the computed columns, and nothing else moves."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image

from addin.actions import refresh
from addin.books.file import FileBook
from addin.core.ledger import compute
from addin.core.rates import RateTable
from addin.demo import template_path
from addin.register.load import load

TODAY = date(2025, 6, 30)
ROOT = Path(__file__).resolve().parents[2]

CLIENTS = [
    ["C1", "Atelier Dupont", "Professionnel", "compta@dupont.example", None, "fr", "30 jours"],
    ["C2", "Mairie de Lyon", "Administration", "mairie@lyon.example", None, "fr", "30 jours"],
    ["C3", "Léa Martin", "Particulier", "lea@martin.example", None, "fr", "à réception"],
    ["C4", '=HYPERLINK("http://x")', "Professionnel", "evil@x.example", None, "fr", "45 jours fin de mois"],
]
# number, client, issued, HT, TTC, terms, PO
INVOICES = [
    ["F001", "C1", date(2025, 1, 21), 6666.67, 8000.00, None, "BC-1"],   # due 20/02, paid 01/04: 115.29
    ["F002", "C1", date(2025, 5, 2), 1000.00, 1200.00, None, None],     # due 01/06, unpaid: 29 days
    ["F003", "C2", date(2025, 4, 10), 5000.00, 6000.00, None, "MARCHE-7"],  # public, due 10/05
    ["F004", "C3", date(2025, 6, 1), 100.00, 120.00, None, None],       # consumer: no 40 €
    ["F005", "C4", date(2025, 3, 3), 500.00, 600.00, None, None],       # 45 j FDM: due 30/04
    ["AV001", "C1", date(2025, 6, 5), -100.00, -120.00, "à réception", None],  # credit note
    ["F006", "C1", "15/03/2025", 400.00, "480,00 €", None, None],       # typed as text: still read
]
PAYMENTS = [
    [date(2025, 4, 1), "C1", "F001", 8000.00, "Virement", "VIR F001"],
    [date(2025, 6, 20), "C2", None, 2000.00, "Virement", "MANDAT 12"],  # unnamed: oldest due first
]


def fill_template(path: Path) -> Path:
    """Fill the input columns only, with the labels of PRODUCT.md, as a person would."""
    shutil.copyfile(template_path(), path)
    book = FileBook.open(path, today=TODAY, backups=0)
    from addin.register import schema

    def put(sheet, rows, keys):
        name = schema.find_sheet(book.sheet_names(), sheet)
        header = schema.locate_header(book.read_sheet(name), sheet)
        width = max(header.columns.values())
        block = []
        for values in rows:
            row = [None] * width
            for key, value in zip(keys, values):
                row[header.columns[key] - 1] = value
            block.append(row)
        book.append_rows(name, block)

    put(schema.CLIENTS, CLIENTS, ["code", "name", "type", "email", "email_cc", "language", "terms"])
    put(schema.FACTURES, INVOICES, ["number", "client", "issued", "amount_ht", "amount_ttc", "terms", "po_number"])
    put(schema.PAIEMENTS, PAYMENTS, ["paid_on", "client", "invoice", "amount", "method", "reference"])
    book.save()
    return path


def computed_columns(path: Path) -> dict[str, dict[str, object]]:
    wb = openpyxl.load_workbook(path)
    ws = wb["Factures"]
    header = [c.value for c in ws[1]]
    result = {}
    for row in ws.iter_rows(min_row=2, values_only=True):
        if row[0]:
            result[row[0]] = dict(zip(header, row))
    return result


@pytest.fixture
def register(tmp_path) -> Path:
    return fill_template(tmp_path / "Registre.xlsx")


def test_refresh_writes_the_engines_values_in_the_computed_columns(register):
    result = refresh.run(FileBook.open(register, today=TODAY), today=TODAY)
    rows = computed_columns(register)

    f1 = rows["F001"]
    assert f1["Échéance"] == datetime(2025, 2, 20)
    assert (f1["Payé"], f1["Reste dû"], f1["Statut"]) == (8000, 0, "Payée")
    assert f1["Jours de retard"] == 40
    assert f1["Intérêts de retard"] == pytest.approx(115.29)  # 8000 x 13.15 % x 40 / 365
    assert f1["Indemnité forfaitaire"] == 40

    f2 = rows["F002"]
    assert (f2["Statut"], f2["Jours de retard"]) == ("En retard", 29)
    # 1200 x 0.1315 x 29 / 365 = 12.54 (all in 2025 H1)
    assert f2["Intérêts de retard"] == pytest.approx(12.54)

    f3 = rows["F003"]  # public buyer; the unnamed 2,000 went to its oldest due invoice
    assert (f3["Payé"], f3["Reste dû"]) == (2000, 4000)
    assert rows["F004"]["Indemnité forfaitaire"] == 0  # consumer (D441-5 is B2B only)
    assert rows["F005"]["Échéance"] == datetime(2025, 4, 30)  # 3 Mar + 45 d = 17 Apr -> end of April
    assert rows["AV001"]["Statut"] == "Avoir" and rows["AV001"]["Reste dû"] == -120
    assert rows["F006"]["Échéance"] == datetime(2025, 4, 14)  # typed "15/03/2025" + 30 days

    # The same values as the engine computes from the loaded register.
    reg, _ = load(FileBook.open(register))
    ledger, _ = compute(reg, TODAY, RateTable.shipped())
    for state in ledger.states:
        row = rows[state.invoice.number]
        assert D(str(row["Intérêts de retard"])).quantize(D("0.01")) == state.interest
        assert D(str(row["Reste dû"])).quantize(D("0.01")) == state.balance
        assert row["Statut"] == state.status.value
    assert "Reste dû" in result.summary


def test_refresh_never_changes_what_a_person_typed(register):
    before = openpyxl.load_workbook(register)
    refresh.run(FileBook.open(register, today=TODAY), today=TODAY)
    after = openpyxl.load_workbook(register)
    for sheet in ("Paramètres", "Clients", "Paiements", "Scénarios"):
        assert [[c.value for c in r] for r in before[sheet].iter_rows()] == \
               [[c.value for c in r] for r in after[sheet].iter_rows()], sheet
    inputs = 13  # the first 13 columns of Factures are typed by the user
    assert [[c.value for c in r[:inputs]] for r in before["Factures"].iter_rows()] == \
           [[c.value for c in r[:inputs]] for r in after["Factures"].iter_rows()]


def test_data_never_becomes_a_formula(register):
    refresh.run(FileBook.open(register, today=TODAY), today=TODAY)
    with zipfile.ZipFile(register) as z:
        xml = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>HYPERLINK" not in xml and b"<f>=HYPERLINK" not in xml
    wb = openpyxl.load_workbook(register)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and "HYPERLINK" in cell.value:
                    assert cell.data_type == "s", (ws.title, cell.coordinate)


def test_refresh_is_idempotent_and_the_same_in_every_time_zone(register, tmp_path):
    copies = []
    original = register.read_bytes()
    for tz in ("UTC", "Pacific/Kiritimati", "America/Anchorage"):
        copy = tmp_path / f"copy-{tz.replace('/', '-')}.xlsx"
        shutil.copyfile(register, copy)
        env = {**os.environ, "TZ": tz}
        subprocess.run([sys.executable, "-m", "addin.cli", "refresh", str(copy), "--today", TODAY.isoformat()],
                       check=True, env=env, capture_output=True, cwd=ROOT)
        copies.append(copy.read_bytes())
    assert copies[0] != original  # the refresh did write
    assert copies[0] == copies[1] == copies[2]
    # Twice in a row: the same bytes.
    first = tmp_path / "copy-UTC.xlsx"
    subprocess.run([sys.executable, "-m", "addin.cli", "refresh", str(first), "--today", TODAY.isoformat()],
                   check=True, capture_output=True, cwd=ROOT)
    assert first.read_bytes() == copies[0]


def png() -> bytes:
    from PIL import Image as PILImage

    out = io.BytesIO()
    PILImage.new("RGB", (8, 8), (20, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def test_image_chart_comment_extra_sheet_and_user_column_survive(register):
    wb = openpyxl.load_workbook(register)
    ws = wb["Factures"]
    ws.cell(row=1, column=25, value="Mon suivi")
    for r in range(2, 9):
        ws.cell(row=r, column=25, value=f"appelé le {r}/06")
    ws["A2"].comment = Comment("client fidèle", "Marie")
    extra = wb.create_sheet("Tableau de bord")
    extra["A1"] = "Mes notes"
    extra.add_image(Image(io.BytesIO(png())), "C3")
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=5, min_row=1, max_row=8), titles_from_data=True)
    extra.add_chart(chart, "C12")
    wb.save(register)

    refresh.run(FileBook.open(register, today=TODAY), today=TODAY)

    with zipfile.ZipFile(register) as z:
        names = z.namelist()
    assert any(n.startswith("xl/media/") for n in names)
    assert any(n.startswith("xl/charts/chart") for n in names)
    after = openpyxl.load_workbook(register)
    assert after["Factures"]["A2"].comment.text == "client fidèle"
    assert after["Tableau de bord"]["A1"].value == "Mes notes"
    assert [after["Factures"].cell(row=r, column=25).value for r in range(1, 9)] == \
           ["Mon suivi"] + [f"appelé le {r}/06" for r in range(2, 9)]
    assert after["Factures"]["N2"].value is not None  # and the computed columns were written


def test_a_shape_and_an_image_on_another_sheet_come_out_of_refresh_intact(register):
    # A text-box shape next to an image: openpyxl would drop the shape on a re-save; the
    # part-by-part save keeps the drawing, the image and the sheet byte for byte.
    from tests.books.conftest import rewrite_zip
    from tests.books.test_save_safety import add_shape

    wb = openpyxl.load_workbook(register)
    wb.create_sheet("Schéma").add_image(Image(io.BytesIO(png())), "B2")
    wb.save(register)
    rewrite_zip(register, add_shape)
    with zipfile.ZipFile(register) as z:
        before = {n: z.read(n) for n in z.namelist() if n.startswith(("xl/drawings/drawing", "xl/media/"))}
    assert any(b"Zone de texte 1" in data for data in before.values())
    refresh.run(FileBook.open(register, today=TODAY), today=TODAY)
    with zipfile.ZipFile(register) as z:
        after = {n: z.read(n) for n in z.namelist() if n.startswith(("xl/drawings/drawing", "xl/media/"))}
    assert before.items() <= after.items()


def test_anomalies_name_the_sheet_and_column_as_the_user_wrote_them(register):
    """A register in English: a problem found by the engine points at 'Payments' / 'Amount'."""
    wb = openpyxl.load_workbook(register)
    ws = wb["Paiements"]
    ws.title = "Payments"
    for cell in ws[1]:
        cell.value = {"Montant": "Amount", "N° facture": "Invoice number"}.get(cell.value, cell.value)
    for table in ws.tables.values():
        for column, cell in zip(table.tableColumns, ws[1]):
            column.name = cell.value
    ws.append([date(2025, 6, 25), "C1", "F002", 1500.00, "Virement", "TROP"])  # F002 is 1,200.00
    wb.save(register)
    result = refresh.run(FileBook.open(register, today=TODAY, backups=0), today=TODAY)
    over = [p for p in result.problems if p.code == "payment.exceeds_balance"]
    assert [(p.sheet, p.column) for p in over] == [("Payments", "Amount")]
    rows = list(openpyxl.load_workbook(register)["Anomalies"].iter_rows(values_only=True))
    assert any(r[0] == "Payments" and r[2] == "Amount" for r in rows)
    assert not any(r[0] == "Paiements" for r in rows)


# --- the live book: read everything once, then write, in calls that do not grow with the register ---


def live_register(n: int, folder: Path):
    """A register of ``n`` invoices in the logging fake of xlwings, as Excel would hold it."""
    from addin.register import schema
    from tests.books.fake_xlwings import FakeBook as FakeExcel

    def sheet(headers, rows):
        cells = {(1, j): h for j, h in enumerate(headers, start=1)}
        for i, row in enumerate(rows, start=2):
            cells.update({(i, j): v for j, v in enumerate(row, start=1) if v is not None})
        return cells

    invoices = [[f"F{i:04d}", f"C{i % 10}", date(2025, 1, 1 + i % 28), None, 100.0 + i, 120.0 + i]
                for i in range(n)]
    payments = [[date(2025, 3, 1), f"C{i % 10}", f"F{i:04d}", 120.0 + i, "Virement", None]
                for i in range(0, n, 3)]
    payments.append([date(2025, 3, 2), "C1", "F-INCONNUE", 10.0, "Virement", None])  # one anomaly, at any size
    # One milestone plan per 10 invoices, amounts left blank for Relance to fill.
    plans = [[f"P{k}", f"C{k % 10}", "Site", 900.0, step, percent, None, date(2025, month, 1), None]
             for k in range(n // 10) for step, percent, month in (("Acompte", 0.3, 7), ("Jalon", 0.4, 8),
                                                                   ("Solde", 0.3, 9))]
    return FakeExcel({
        "Paramètres": sheet(["Paramètre", "Valeur"], [["Conditions par défaut", "30 jours"]]),
        "Clients": sheet(["Code client", "Nom", "Type", "E-mail"],
                         [[f"C{k}", f"Client {k}", "Professionnel", f"c{k}@x.example"] for k in range(10)]),
        "Factures": sheet([c.fr for c in schema.FACTURES.columns], invoices),
        "Paiements": sheet([c.fr for c in schema.PAIEMENTS.columns], payments),
        "Échéanciers": sheet([c.fr for c in schema.ECHEANCIERS.columns], plans),
        "Journal": sheet([c.fr for c in schema.JOURNAL.columns], []),
    }, fullname=str(folder / "Registre.xlsx"))


_SHEET_READS = (".used_range", ".range.value", ".range.formula")
_WRITES = ("=", "clear()", "sheets.add(", "add_note()", "freeze_at(", "charts.add()", "chart.delete()")


def live_refresh(n: int, folder: Path):
    from addin.books.live import LiveBook

    fake = live_register(n, folder)
    fake.app.calls.clear()
    refresh.run(LiveBook(fake), today=TODAY)
    return fake, [c for c in fake.app.calls if not c.startswith("app.status_bar")]


def test_live_refresh_reads_every_sheet_once_before_its_first_write(tmp_path):
    fake, calls = live_refresh(20, tmp_path)
    reads = [i for i, c in enumerate(calls) if c.endswith(_SHEET_READS)]
    writes = [i for i, c in enumerate(calls) if c.endswith(_WRITES) or any(w in c for w in _WRITES[1:])]
    assert reads and writes
    assert max(reads) < min(writes), [calls[i] for i in reads if i > min(writes)]
    read_counts = Counter(c.split(".")[0] for c in calls if c.endswith(".used_range"))
    assert read_counts == {name: 1 for name in ("Paramètres", "Clients", "Factures", "Paiements", "Échéanciers",
                                                  "Journal")}
    # And the results did arrive: computed columns, plan amounts to the cent, the generated sheets.
    factures = fake.sheets["Factures"]
    assert factures.values[(2, 17)] == "Payée" and factures.values[(3, 17)] == "En retard"
    plans = fake.sheets["Échéanciers"]
    assert [plans.values[(r, 7)] for r in (2, 3, 4)] == [270.0, 360.0, 270.0]
    names = [s._name for s in fake._sheets]
    assert {"Relances", "Anomalies", "Taux"} <= set(names)


def test_live_refresh_calls_do_not_grow_with_the_invoices(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _, small = live_refresh(20, tmp_path / "a")
    _, large = live_refresh(200, tmp_path / "b")
    assert len(small) == len(large), set(Counter(large).items()) ^ set(Counter(small).items())
    assert len(small) < 320  # ~300, plus a fixed dozen for drop-downs and wrapped long texts (LiveBook)


def test_totals_rows_and_note_rows_under_the_invoices_are_left_alone(register):
    # Row 9: the table's Total row (Excel: totalsRowCount=1), « Total » and SUBTOTAL formulas.
    # Row 11: a =SUM under the table, no label. Row 12: only a note in the user's own column.
    # Before: formulas in computed columns erased, « Erreur » in Statut, « manquant » anomalies.
    wb = openpyxl.load_workbook(register)
    ws = wb["Factures"]
    assert ws.max_row == 8  # 7 invoices under the header
    table = ws.tables["tblFactures"]
    table.ref = "A1:W9"
    table.autoFilter.ref = "A1:W8"
    table.totalsRowCount = 1
    ws["A9"] = "Total"
    ws["F9"] = "=SUBTOTAL(109,F2:F8)"
    ws["P9"] = "=SUBTOTAL(109,P2:P8)"
    ws["P11"] = "=SUM(P2:P9)"
    ws["X1"] = "Mon suivi"
    ws["X12"] = "relancer Dupont en septembre"
    wb.save(register)

    result = refresh.run(FileBook.open(register, today=TODAY, backups=0), today=TODAY)

    ws = openpyxl.load_workbook(register)["Factures"]
    assert (ws["A9"].value, ws["F9"].value, ws["P9"].value) == ("Total", "=SUBTOTAL(109,F2:F8)",
                                                                "=SUBTOTAL(109,P2:P8)")
    assert ws["P11"].value == "=SUM(P2:P9)"
    assert [ws.cell(r, 17).value for r in (9, 10, 11, 12)] == [None, None, None, None]  # Statut
    assert ws["X12"].value == "relancer Dupont en septembre"
    assert ws["Q8"].value is not None  # the invoices above were written
    assert not [p for p in result.problems if p.sheet == "Factures" and p.row in (9, 10, 11, 12)]


# --- Échéanciers: the amounts Relance fills stay Relance's ---------------------------------------


def add_plan(path: Path, rows) -> None:
    from addin.register import schema

    book = FileBook.open(path, today=TODAY, backups=0)
    header = schema.locate_header(book.read_sheet("Échéanciers"), schema.ECHEANCIERS)
    keys = ["plan", "client", "label", "total", "step", "percent", "amount", "due"]
    block = []
    for values in rows:
        row = [None] * max(header.columns.values())
        for key, value in zip(keys, values):
            row[header.columns[key] - 1] = value
        block.append(row)
    book.append_rows("Échéanciers", block)
    book.save()


def plan_cells(path: Path, column: int = 7) -> list:
    ws = openpyxl.load_workbook(path)["Échéanciers"]
    return [ws.cell(r, column).value for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value]


def set_plan_cells(path: Path, column: int, values: dict[int, object]) -> None:
    wb = openpyxl.load_workbook(path)
    for row, value in values.items():
        wb["Échéanciers"].cell(row, column).value = value
    wb.save(path)


def plan_problems(result):
    return [p for p in result.problems if p.sheet == "Échéanciers"]


THIRDS = [["P1", "C1", "Refonte", 900.0, step, 1 / 3, None, date(2025, 7 + k, 1)]
          for k, step in enumerate(("Acompte", "Jalon", "Solde"))]


def test_a_changed_plan_total_recomputes_the_amounts_relance_filled(register):
    # =1/3 three times (the double 0.333…33): 100 %, not « 99.9999999999999900 %, pas 100 % ».
    add_plan(register, THIRDS)
    result = refresh.run(FileBook.open(register, today=TODAY, backups=0), today=TODAY)
    assert plan_cells(register) == [300, 300, 300] and plan_problems(result) == []
    # The plan's total becomes 100.00: Relance's amounts follow, the cent on the last step.
    set_plan_cells(register, 4, {2: 100.0, 3: 100.0, 4: 100.0})
    result = refresh.run(FileBook.open(register, today=TODAY, backups=0), today=TODAY)
    assert plan_cells(register) == [33.33, 33.33, 33.34] and plan_problems(result) == []
    wb = openpyxl.load_workbook(register)
    assert wb["_Relance"].sheet_state == "hidden"


def test_an_amount_a_person_types_over_relances_is_kept_and_checked(register):
    add_plan(register, THIRDS)
    refresh.run(FileBook.open(register, today=TODAY, backups=0), today=TODAY)
    set_plan_cells(register, 7, {2: 500.0})  # Marie agreed a bigger deposit
    result = refresh.run(FileBook.open(register, today=TODAY, backups=0), today=TODAY)
    assert plan_cells(register) == [500, 300, 300]
    [problem] = plan_problems(result)
    assert (problem.row, problem.column, problem.code) == (2, "Montant", "plan.amount_sum")
    assert problem.message == "Plan P1 : les étapes font 1 100,00 €, le total est 900,00 €."
    # Cleared again, the cell is Relance's once more.
    set_plan_cells(register, 7, {2: None})
    result = refresh.run(FileBook.open(register, today=TODAY, backups=0), today=TODAY)
    assert plan_cells(register) == [300, 300, 300] and plan_problems(result) == []


# --- an English register ----------------------------------------------------------------------


def english_register(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Settings"
    ws.append(["Setting", "Value"])
    ws.append(["Default terms", "30 days"])
    wb.create_sheet("Clients").append(["Client code", "Name", "Type", "Email"])
    wb["Clients"].append(["C1", "Acme Ltd", "Professionnel", "ap@acme.example"])
    invoices = wb.create_sheet("Invoices")
    invoices.append(["Invoice number", "Client code", "Invoice date", "Amount incl. VAT"])
    invoices.append(["INV-1", "C1", datetime(2025, 5, 2), 1200.0])
    invoices.append(["INV-2", "C9", datetime(2025, 5, 3), 100.0])  # unknown client: one problem
    wb.create_sheet("Payments").append(["Date", "Client code", "Invoice number", "Amount"])
    plans = wb.create_sheet("Plans")
    plans.append(["Plan number", "Client code", "Total amount", "Step", "Percentage", "Amount", "Due date"])
    plans.append(["P1", "C1", 1000.0, "Deposit", 0.3, None, datetime(2025, 7, 1)])
    plans.append(["P1", "C1", 1000.0, "Balance", 0.7, None, datetime(2025, 9, 1)])
    wb.save(path)
    return path


def test_an_english_register_gets_english_headers_and_a_problems_sheet(tmp_path):
    path = english_register(tmp_path / "Ledger.xlsx")
    result = refresh.run(FileBook.open(path, today=TODAY, backups=0), today=TODAY)
    wb = openpyxl.load_workbook(path)
    headers = [c.value for c in wb["Invoices"][1]]
    assert headers[4:] == ["Due date", "Paid", "Balance", "Status", "Days late", "Late interest",
                           "Recovery indemnity", "Next action", "Next action date", "Last reminder"]
    assert wb["Plans"].cell(1, 8).value == "Step status"
    assert "Problems" in wb.sheetnames and "Anomalies" not in wb.sheetnames
    problems = list(wb["Problems"].iter_rows(values_only=True))
    assert problems[1] == ("Sheet", "Row", "Column", "Value", "Problem", "Fix", "Severity")
    assert problems[2][:3] == ("Invoices", 3, "Client code") and problems[2][6] == "error"
    assert "feuille Problems" in result.summary
    # Refreshed again, the same sheets: no French twin appears.
    refresh.run(FileBook.open(path, today=TODAY, backups=0), today=TODAY)
    assert openpyxl.load_workbook(path).sheetnames == wb.sheetnames


def test_a_french_register_still_gets_french_headers(register):
    wb = openpyxl.load_workbook(register)
    ws = wb["Factures"]
    ws.delete_cols(14, ws.max_column - 13)  # no computed column (nor any after them): Relance appends them
    for table in ws.tables.values():
        table.ref = "A1:M8"
        del table.tableColumns[13:]
    wb.save(register)
    refresh.run(FileBook.open(register, today=TODAY, backups=0), today=TODAY)
    ws = openpyxl.load_workbook(register)["Factures"]
    assert ws.cell(1, 14).value == "Échéance" and ws.cell(1, 17).value == "Statut"


# --- Relances: the Commentaire column is kept like Décision ------------------------------------


def queue_rows(path: Path) -> list[dict]:
    ws = openpyxl.load_workbook(path)["Relances"]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[1], r)) for r in rows[2:] if any(v is not None for v in r)]


def set_comment(path: Path, key: str, text: str | None) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["Relances"]
    header = [c.value for c in ws[2]]
    for row in ws.iter_rows(min_row=3):
        if row[header.index("Clé")].value == key:
            row[header.index("Commentaire")].value = text
    wb.save(path)


def test_a_comment_typed_in_relances_survives_refreshes(register):
    refresh.run(FileBook.open(register, today=TODAY, backups=0), today=TODAY)
    lines = queue_rows(register)
    assert lines and list(lines[0])[-2:] == ["Clé", "Commentaire"]
    key = lines[0]["Clé"]
    set_comment(register, key, "Appelée le 27/06 : virement promis")
    refresh.run(FileBook.open(register, today=TODAY, backups=0), today=TODAY)
    assert {r["Clé"]: r["Commentaire"] for r in queue_rows(register)}[key] == "Appelée le 27/06 : virement promis"
    # Aperçu / Envoyer rewrite the sheet without the column: the next refresh brings the comment back.
    wb = openpyxl.load_workbook(register)
    wb["Relances"].delete_cols(len(lines[0]))
    wb.save(register)
    refresh.run(FileBook.open(register, today=TODAY, backups=0), today=TODAY)
    assert {r["Clé"]: r["Commentaire"] for r in queue_rows(register)}[key] == "Appelée le 27/06 : virement promis"
    # Cleared in the sheet: cleared for good.
    set_comment(register, key, None)
    refresh.run(FileBook.open(register, today=TODAY, backups=0), today=TODAY)
    assert {r["Clé"]: r["Commentaire"] for r in queue_rows(register)}[key] is None


def test_a_totals_row_between_plans_keeps_its_formulas(register):
    add_plan(register, [*THIRDS, ["Total", None, None, None, None, None, None, None],
                        ["P2", "C2", "Audit", 500.0, "Unique", 1.0, None, date(2025, 8, 1)]])
    wb = openpyxl.load_workbook(register)
    ws = wb["Échéanciers"]
    ws["G5"], ws["J5"] = "=SUM(G2:G4)", '=COUNTIF(J2:J4,"Payée")'
    wb.save(register)
    result = refresh.run(FileBook.open(register, today=TODAY, backups=0), today=TODAY)
    ws = openpyxl.load_workbook(register)["Échéanciers"]
    assert (ws["G5"].value, ws["J5"].value) == ("=SUM(G2:G4)", '=COUNTIF(J2:J4,"Payée")')
    assert [ws.cell(r, 7).value for r in (2, 3, 4, 6)] == [300, 300, 300, 500]
    assert ws["J6"].value == "À facturer"  # due 01/08, not invoiced yet
    assert plan_problems(result) == []


def test_the_sector_cap_of_parametres_warns_on_longer_terms(register):
    # Transport: 30 days at most (L441-10 I). F005's "45 jours fin de mois" from 3 Mar 2025
    # is 30 Apr, 58 days: over the cap; F002's legal 30 days is not.
    wb = openpyxl.load_workbook(register)
    ws = wb["Paramètres"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Délai maximal du secteur (jours)")
    ws.cell(row, 2).value = 30
    wb.save(register)
    result = refresh.run(FileBook.open(register, today=TODAY), today=TODAY)
    capped = [p for p in result.problems if p.code == "terms.over_legal_max" and p.row is not None]
    rows = {p.row for p in capped}
    assert rows and all("30 jours" in p.message for p in capped)
    row_of = {r[0]: i + 2 for i, r in enumerate(INVOICES)}
    assert row_of["F005"] in rows and row_of["F002"] not in rows


@pytest.mark.parametrize("button", ["preview", "send", "review"])
def test_live_preview_send_and_review_read_everything_before_their_first_write(button, tmp_path):
    # Issue 6: every action reads the live book before it writes (Aperçu and Envoyer used to
    # read Factures again, and Envoyer the Journal, after writing Relances).
    from addin.actions import preview, review, send
    from addin.books.live import LiveBook

    fake = live_register(40, tmp_path)
    fake.app.calls.clear()
    book = LiveBook(fake)
    if button == "preview":
        preview.run(book, today=TODAY, out_dir=tmp_path / "apercu")
    elif button == "send":
        send.run(book, today=TODAY, outbox=tmp_path / "outbox", environ={})
    else:
        review.run(book, today=TODAY, month=(2025, 5))
    calls = [c for c in fake.app.calls if not c.startswith("app.status_bar")]
    reads = [i for i, c in enumerate(calls) if c.endswith(_SHEET_READS)]
    writes = [i for i, c in enumerate(calls) if c.endswith(_WRITES) or any(w in c for w in _WRITES[1:])]
    assert reads and writes
    assert max(reads) < min(writes), [calls[i] for i in reads if i > min(writes)]


def test_the_summary_counts_every_late_invoice_and_names_the_rows_to_correct(register):
    # F002 (due 01/06) is late and promised, F005 (due 30/04) late and disputed: both are still
    # late money. An invoice with unreadable terms has no due date: named apart, not dropped.
    wb = openpyxl.load_workbook(register)
    ws = wb["Factures"]
    header = {c.value: c.column for c in ws[1]}
    row_of = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    ws.cell(row_of["F002"], header["Promesse de paiement"]).value = date(2025, 7, 15)
    ws.cell(row_of["F005"], header["Litige"]).value = "Livraison incomplète"
    new = ws.max_row + 1
    for label, value in (("N° facture", "F007"), ("Code client", "C1"), ("Date facture", date(2025, 5, 1)),
                         ("Montant HT", 100), ("Montant TTC", 120), ("Conditions de paiement", "quand vous voulez")):
        ws.cell(new, header[label]).value = value
    wb.save(register)
    result = refresh.run(FileBook.open(register, today=TODAY), today=TODAY)
    totals = result.totals
    assert totals["disputed"] == D("600.00") and totals["promised"] == D("1200.00")
    assert totals["overdue"] >= totals["disputed"] + totals["promised"]
    assert totals["to_fix"] == D("120.00") and totals["to_fix_count"] == 1
    from addin.mail.formatting import money

    assert f"litiges {money(D('600'))}, promesses {money(D('1200'))}" in result.summary
    assert f"Échéance inconnue {money(D('120'))} (1 facture(s) à corriger" in result.summary


def test_an_invoice_with_unreadable_terms_keeps_the_payment_that_names_it(register):
    # The register's C017 case: the payment names the invoice; its due date is unknown.
    wb = openpyxl.load_workbook(register)
    ws = wb["Factures"]
    header = {c.value: c.column for c in ws[1]}
    new = ws.max_row + 1
    for label, value in (("N° facture", "F008"), ("Code client", "C1"), ("Date facture", date(2025, 5, 1)),
                         ("Montant HT", 500), ("Montant TTC", 600), ("Conditions de paiement", "quand vous voulez")):
        ws.cell(new, header[label]).value = value
    pays = wb["Paiements"]
    pays.append([date(2025, 6, 2), "C1", "F008", 600, "Virement", "VIR F008"])
    wb.save(register)
    refresh.run(FileBook.open(register, today=TODAY), today=TODAY)
    ws = openpyxl.load_workbook(register)["Factures"]
    rows = {ws.cell(r, header["N° facture"]).value: r for r in range(2, ws.max_row + 1)}
    assert ws.cell(rows["F008"], header["Payé"]).value == 600
    assert ws.cell(rows["F008"], header["Statut"]).value == "Erreur"  # its terms still need fixing
    assert ws.cell(rows["F002"], header["Payé"]).value in (None, 0)  # nothing moved onto another invoice


def test_a_rows_computed_cells_come_in_the_order_of_the_computed_columns():
    """``computed_row`` gives a Factures row's computed cells as one tuple (a hundred thousand rows
    at each refresh), ``computed_values`` names them: every computed column of the schema, in its
    order, each with its value (an unknown interest left empty, the next action from the queue)."""
    from addin.core.model import Invoice, InvoiceState, Status
    from addin.register import schema

    invoice = Invoice("F1", "C1", date(2025, 9, 1), D("120.00"))
    state = InvoiceState(invoice, date(2025, 10, 1), D("20.00"), D("100.00"), Status.OVERDUE, 44, D("1.23"),
                         D("40"), interest_known=False)
    values = refresh.computed_values(state, {"F1": ("Relance 1", date(2025, 11, 14))}, {"F1": date(2025, 11, 2)})
    assert tuple(values) == tuple(c.key for c in schema.FACTURES.columns if c.computed)
    assert values == {"due": date(2025, 10, 1), "paid": D("20.00"), "balance": D("100.00"), "status": "En retard",
                      "days_late": 44, "interest": None, "indemnity": D("40"), "next_action": "Relance 1",
                      "next_action_date": date(2025, 11, 14), "last_reminder": date(2025, 11, 2)}
    assert refresh.computed_row(state, {}, {}) == (date(2025, 10, 1), D("20.00"), D("100.00"), "En retard", 44,
                                                   None, D("40"), "", None, None)
