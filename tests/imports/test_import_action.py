"""``relance import``: statements into a register, end to end on a file (``addin.actions.imports``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D

import openpyxl
import pytest
from typer.testing import CliRunner

from addin.actions import imports, refresh
from addin.books.file import FileBook
from addin.cli import app
from addin.core.model import format_euros
from addin.imports import samples
from addin.imports.samples import Tx
from addin.imports.statement import RETURNED
from tests.imports.conftest import ACME_IBAN, TODAY, build_book

TXS = [
    Tx(date(2026, 3, 2), D("1500.00"), "Reglement F2026-0151 F2026 0152 FA20260153", "ACME SARL", ACME_IBAN, "B1"),
    Tx(date(2026, 3, 3), D("400.00"), "Acompte F2026-0154", "Garage Martin", "", "B2"),  # partial
    Tx(date(2026, 3, 4), D("480.00"), "VIR F2026-0155", "Café Morel", "", "B3"),  # names another client's invoice
    Tx(date(2026, 3, 5), D("-80.00"), "PRLV EDF", "EDF", "", "B4"),  # a debit
    Tx(date(2026, 3, 6), D("350.00"), "VIREMENT", "STUDIO ROUX", "", "B5"),  # by name, one item of that amount
    Tx(date(2026, 3, 7), D("480.00"), "VIREMENT DIVERS", "M. MOREL", "FR1420041010050500013M02606", "B6"),
    Tx(date(2026, 3, 8), D("-130.00"), "REJET PRLV", "Maison Faure", "", "B7", family=RETURNED),
]


def run(path, *files):
    return imports.run(FileBook.open(path, today=TODAY), today=TODAY, paths=list(files), book_path=path)


def rows(path, sheet):
    ws = openpyxl.load_workbook(path)[sheet]
    return [r for r in ws.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]


def by_header(path, sheet):
    ws = openpyxl.load_workbook(path)[sheet]
    header = [c.value for c in ws[1]]
    return [dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]


def statuses(path):
    return {r["N° facture"]: r["Statut"] for r in by_header(path, "Factures")}


@pytest.fixture
def statement(tmp_path):
    path = tmp_path / "releve.xml"
    path.write_bytes(samples.camt([(samples.ACCOUNT, TXS)]))
    return path


def test_sure_matches_become_payments_and_the_rest_waits_in_rapprochement(book_path, statement):
    result = run(book_path, statement)
    paid = rows(book_path, "Paiements")
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in paid] == [
        (datetime(2026, 3, 2), "C1", "F2026-0151", 100, "Virement"),
        (datetime(2026, 3, 2), "C1", "F2026-0152", 200, "Virement"),
        (datetime(2026, 3, 2), "C1", "F2026-0153", 1200, "Virement"),
        (datetime(2026, 3, 3), "C2", "F2026-0154", 400, "Virement"),
        (datetime(2026, 3, 6), "C3", "F2026-0156", 350, "Virement"),
    ]
    assert all(r[5] for r in paid)  # the bank's reference
    waiting = by_header(book_path, "Rapprochement")
    assert [(r["Montant"], r["Opération"]) for r in waiting] == [(480, "Virement"), (-80, "Débit"), (480, "Virement"),
                                                                 (-130, "Rejet")]
    assert "C3" in waiting[0]["Motif"] and waiting[0]["Proposition"] == "F2026-0155"
    assert all(r["Identité"] and r["Fichier"] == "releve.xml" for r in waiting)
    # the register is refreshed with them: the three invoices ACME paid are paid, 0154 is not
    s = statuses(book_path)
    assert s["F2026-0151"] == s["F2026-0152"] == s["F2026-0153"] == s["F2026-0156"] == "Payée"
    assert s["F2026-0154"] != "Payée"
    # 100 + 200 + 1 200 + 400 + 350 = 2 250 € (ACME's 1 500 € spread over its three invoices)
    assert f"5 ligne(s) ajoutée(s) à Paiements ({format_euros(D('2250'))})" in result.summary
    assert "4 opération(s) à vérifier" in result.summary and result.payments == 5 and result.pending == 4


def test_a_second_import_changes_nothing(book_path, statement, tmp_path):
    run(book_path, statement)
    before = {s: rows(book_path, s) for s in ("Paiements", "Rapprochement", "Factures")}
    result = run(book_path, statement)
    assert {s: rows(book_path, s) for s in before} == before
    assert "7 opération(s) lue(s), dont 7 déjà connue(s)" in result.summary and result.known == 7
    # the same lines in another format's file name and an overlapping statement: only the new lines
    later = tmp_path / "releve-2.xml"
    later.write_bytes(samples.camt([(samples.ACCOUNT, TXS[4:] + [
        Tx(date(2026, 3, 9), D("560.00"), "F2026-0154 solde", "Garage Martin", "", "B8")])]))
    result = run(book_path, later)
    assert result.known == 3 and "ajoutée(s) à Paiements" in result.summary
    assert len(rows(book_path, "Paiements")) == 6


def test_refresh_applies_the_decisions_typed_in_rapprochement_and_learns_the_iban(book_path, statement):
    run(book_path, statement)
    wb = openpyxl.load_workbook(book_path)
    ws = wb["Rapprochement"]
    header = [c.value for c in ws[1]]
    col = header.index("Décision") + 1
    ws.cell(2, col, "Confirmer")  # 480 € naming F2026-0155 (Studio Roux) paid by Café Morel: confirmed
    ws.cell(3, col, "Ignorer")  # the EDF debit
    ws.cell(4, col, "F2026-0157")  # 480 € from M. MOREL: Café Morel's invoice, typed
    ws.cell(5, col, "Confirmer")  # a rejected direct debit: never a payment
    wb.save(book_path)
    result = refresh.run(FileBook.open(book_path, today=TODAY), today=TODAY, book_path=book_path)
    paid = rows(book_path, "Paiements")
    assert [(r[1], r[2], r[3]) for r in paid[5:]] == [("C3", "F2026-0155", 480), ("C4", "F2026-0157", 480)]
    assert statuses(book_path)["F2026-0157"] == "Payée"
    left = by_header(book_path, "Rapprochement")
    assert [r["Opération"] for r in left] == ["Rejet"]  # the unreadable decision stays, with a problem
    problems = by_header(book_path, "Anomalies")
    assert any(p.get("Feuille") == "Rapprochement" and p.get("Colonne") == "Décision"
               for p in [dict(zip(["Feuille", "Ligne", "Colonne"], r)) for r in rows(book_path, "Anomalies")])
    clients = {r["Code client"]: r["IBAN"] for r in by_header(book_path, "Clients")}
    assert clients["C4"] == "FR1420041010050500013M02606"  # learned from the confirmed line
    assert clients["C3"] != ACME_IBAN
    assert "Vos décisions de Rapprochement appliquées : 2 enregistrée(s), 1 ignorée(s)" in result.summary
    assert problems is not None
    # the next import of the same statement adds nothing back
    assert run(book_path, statement).known == 7
    assert len(rows(book_path, "Paiements")) == 7


def test_a_learned_iban_goes_into_a_new_column_of_an_older_clients_sheet(tmp_path, statement):
    path = build_book(tmp_path / "Ancien.xlsx", iban_column=False)
    run(path, statement)
    wb = openpyxl.load_workbook(path)
    ws = wb["Rapprochement"]
    col = [c.value for c in ws[1]].index("Décision") + 1
    ws.cell(4, col, "C4")  # a client code: the payment goes on its oldest invoices
    wb.save(path)
    refresh.run(FileBook.open(path, today=TODAY), today=TODAY, book_path=path)
    clients = by_header(path, "Clients")
    assert clients[3]["IBAN"] == "FR1420041010050500013M02606"
    assert rows(path, "Paiements")[-1][1:4] == ("C4", None, 480)


def test_a_file_that_is_not_a_statement_writes_nothing(book_path, statement, tmp_path):
    other = tmp_path / "notes.csv"
    other.write_text("Nom;Prénom\nDupont;Jean\n", encoding="utf-8")
    before = book_path.read_bytes()
    with pytest.raises(ValueError, match="« notes.csv » n'est ni un relevé bancaire"):
        run(book_path, statement, other)
    assert book_path.read_bytes() == before
    out = CliRunner().invoke(app, ["import", str(book_path), str(other), "--today", TODAY.isoformat()])
    assert out.exit_code == 1 and "Traceback" not in out.output
    assert "Import annulé, rien n'a été écrit" in out.output
    assert book_path.read_bytes() == before


def test_a_malformed_line_is_reported_with_file_and_line_and_the_rest_imported(book_path, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("Date;Libellé;Tiers;Montant\n02/03/2026;VIR F2026-0154;Garage Martin;960,00\n"
                     "03/03/2026;VIR F2026-0157;Café Morel;quatre cents\n"
                     "04/03/2026;VIR F2026-0158;Maison Faure;720,00\n".encode("latin-1"))
    result = run(book_path, path)
    assert "export.csv, ligne 3" in result.summary
    assert [r[2] for r in rows(book_path, "Paiements")] == ["F2026-0154", "F2026-0158"]
    problems = rows(book_path, "Anomalies")
    assert any(r[0] == "export.csv" and r[1] == 3 for r in problems)


def test_a_bad_payer_iban_is_a_problem_never_used(book_path, tmp_path):
    path = tmp_path / "r.xml"
    path.write_bytes(samples.camt([(samples.ACCOUNT, [
        Tx(date(2026, 3, 2), D("13.00"), "VIREMENT", "INCONNU", "FR7630006000011234567890188", "Z1")])]))
    run(book_path, path)
    problems = rows(book_path, "Anomalies")
    assert any("IBAN du payeur invalide" in str(r[4]) for r in problems)


def test_the_cli_imports_and_prints_the_summary(book_path, statement):
    out = CliRunner().invoke(app, ["import", str(book_path), str(statement), "--today", TODAY.isoformat()])
    assert out.exit_code == 0, out.output
    assert "CAMT" in out.output and "Paiements" in out.output


def test_without_files_nothing_is_imported(book_path):
    before = book_path.read_bytes()
    result = imports.run(FileBook.open(book_path, today=TODAY), today=TODAY)
    assert "Aucun relevé choisi" in result.summary and book_path.read_bytes() == before


def test_a_csv_whose_columns_are_only_guessed_is_confirmed_once_then_read(book_path, tmp_path):
    # no header names its columns: Relance guesses date = 1, libellé = 2, montant = 3 and asks
    path = tmp_path / "banque.csv"
    path.write_bytes("Jour;Quoi;Combien\n02/03/2026;VIR F2026-0154;960,00\n03/03/2026;PRLV EDF;-80,00\n"
                     .encode("latin-1"))
    result = run(book_path, path)
    assert "colonnes devinées (date=1 ; libellé=2 ; montant=3)" in result.summary
    assert rows(book_path, "Paiements") == []
    (ask,) = by_header(book_path, "Rapprochement")
    assert ask["Opération"] == "format CSV" and ask["Proposition"] == "date=1 ; libellé=2 ; montant=3"
    wb = openpyxl.load_workbook(book_path)
    ws = wb["Rapprochement"]
    ws.cell(2, [c.value for c in ws[1]].index("Décision") + 1, "Confirmer")
    wb.save(book_path)
    result = run(book_path, path)  # imported again: read with the columns confirmed
    assert "1 format(s) CSV confirmé(s)" in result.summary
    assert [r[2] for r in rows(book_path, "Paiements")] == ["F2026-0154"]
    assert [r["Opération"] for r in by_header(book_path, "Rapprochement")] == ["Débit"]
    other = tmp_path / "banque-avril.csv"  # the same bank's next export: read without asking
    other.write_bytes("Jour;Quoi;Combien\n02/04/2026;VIR F2026-0157;480,00\n".encode("latin-1"))
    assert "devinées" not in run(book_path, other).summary
    assert [r[2] for r in rows(book_path, "Paiements")] == ["F2026-0154", "F2026-0157"]


def test_without_the_refresh_only_the_bank_lines_are_written(book_path, statement):
    out = CliRunner().invoke(app, ["import", str(book_path), str(statement), "--today", TODAY.isoformat(),
                                   "--sans-actualiser"])
    assert out.exit_code == 0, out.output
    assert len(rows(book_path, "Paiements")) == 5 and len(rows(book_path, "Rapprochement")) == 4
    assert "Statut" not in [c.value for c in openpyxl.load_workbook(book_path)["Factures"][1]]
    assert "Actualiser" in out.output


def test_a_wrong_iban_typed_in_clients_is_a_warning_at_refresh(tmp_path):
    clients = [("C1", "ACME SARL", "FR7630006000011234567890188"), ("C2", "Garage Martin", None),
               ("C3", "Studio Roux", None), ("C4", "Café Morel", None), ("C5", "Maison Faure", None)]
    path = build_book(tmp_path / "R.xlsx", clients=clients)
    refresh.run(FileBook.open(path, today=TODAY), today=TODAY, book_path=path)
    problems = rows(path, "Anomalies")
    assert any(r[0] == "Clients" and r[1] == 2 and "IBAN invalide" in str(r[4]) for r in problems)


def test_in_excel_every_sheet_is_read_before_the_first_write(tmp_path):
    from addin.books.live import LiveBook
    from tests.actions.test_refresh import _SHEET_READS, _WRITES, live_register
    from tests.actions.test_refresh import TODAY as DAY

    fake = live_register(20, tmp_path)  # F0001: 121.00 € for C1, unpaid
    statement = tmp_path / "r.xml"
    statement.write_bytes(samples.camt([(samples.ACCOUNT, [Tx(DAY, D("121.00"), "VIR F0001", "Client 1", "", "L1")])]))
    fake.app.calls.clear()
    result = imports.run(LiveBook(fake), today=DAY, paths=[statement])
    assert result.payments == 1 and result.pending == 0
    calls = [c for c in fake.app.calls if not c.startswith("app.status_bar")]
    reads = [i for i, c in enumerate(calls) if c.endswith(_SHEET_READS)]
    writes = [i for i, c in enumerate(calls) if c.endswith(_WRITES) or any(w in c for w in _WRITES[1:])]
    assert reads and writes and max(reads) < min(writes)
    factures = fake.sheets["Factures"]
    assert factures.values[(3, 17)] == "Payée"  # F0001, row 3: paid by the statement, at once


def test_without_the_refresh_the_queues_sheets_are_not_read(book_path, statement, monkeypatch):
    # An import that leaves the refresh to « Actualiser » reads the register and the bank's sheets,
    # not Scénarios, Journal or Relances (a Journal grows with every send).
    wb = openpyxl.load_workbook(book_path)
    for name in ("Scénarios", "Journal", "Relances"):
        if name not in wb.sheetnames:
            wb.create_sheet(name).append(["Date", "Client"])
    wb.save(book_path)
    book = FileBook.open(book_path, today=TODAY)
    read = []
    original = FileBook.read_sheet
    monkeypatch.setattr(FileBook, "read_sheet", lambda self, name: read.append(name) or original(self, name))
    result = imports.run(book, today=TODAY, paths=[statement], book_path=book_path, refresh=False)
    assert result.payments == 5 and result.pending == 4
    assert {"Factures", "Paiements", "Clients"} <= set(read) and not {"Scénarios", "Journal", "Relances"} & set(read)
