"""Nothing a person types in Relances is dropped, and the day's actions stay in sight with their
outcome (issue 15, point 5)."""

from __future__ import annotations

import openpyxl

from addin.actions import preview, refresh
from addin.books.file import FileBook

from .conftest import TODAY
from .test_preview_send import Recorder, relances, run_send


def type_in(path, sheet: str, match: dict, column: str, value) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    header_row = next(r for r in ws.iter_rows() if any(c.value == "Clé" for c in r))
    cols = {c.value: c.column for c in header_row}
    for r in ws.iter_rows(min_row=header_row[0].row + 1):
        row = r[0].row
        if all(ws.cell(row, cols[k]).value == v for k, v in match.items()):
            ws.cell(row, cols[column]).value = value
    wb.save(path)


def test_a_comment_typed_after_refresh_survives_preview_and_send(book_path, tmp_path):
    refresh.run(FileBook.open(book_path), today=TODAY, book_path=book_path)
    type_in(book_path, "Relances", {"Client": "C2", "Étape": "J+7"}, "Commentaire", "client en congés")
    preview.run(FileBook.open(book_path), today=TODAY, book_path=book_path, out_dir=tmp_path / "a")
    assert relances(book_path)["C2 J+7"]["Commentaire"] == "client en congés"
    run_send(book_path, Recorder())
    assert relances(book_path)["C2 J+7"]["Commentaire"] == "client en congés"
    refresh.run(FileBook.open(book_path), today=TODAY, book_path=book_path)
    assert relances(book_path)["C2 J+7"]["Commentaire"] == "client en congés"


def test_a_second_send_the_same_day_keeps_the_days_actions_with_their_outcome(book_path):
    run_send(book_path, Recorder())
    type_in(book_path, "Journal", {"Client": "C2", "Étape": "Appel J+7"}, "Issue de l'appel", "Injoignable")
    run_send(book_path, Recorder())
    queue = relances(book_path)
    assert queue["C1 J+30"]["Statut"] == "envoyé"
    assert queue["C2 Appel J+7"]["Statut"] == "Injoignable"
    assert queue["C3 Appel J+7"]["Statut"] == "à appeler"
    refresh.run(FileBook.open(book_path), today=TODAY, book_path=book_path)
    assert relances(book_path)["C2 Appel J+7"]["Statut"] == "Injoignable"


def test_the_decision_column_offers_its_choices(book_path, tmp_path):
    """Issue 15 point 11: « Ignorer » or a postponement, offered in a drop-down (other values accepted)."""
    preview.run(FileBook.open(book_path), today=TODAY, book_path=book_path, out_dir=tmp_path / "a")
    ws = openpyxl.load_workbook(book_path)["Relances"]
    header = next(r for r in ws.iter_rows() if any(c.value == "Clé" for c in r))
    column = next(c.column_letter for c in header if c.value == "Décision")
    (dv,) = [dv for dv in ws.data_validations.dataValidation if str(dv.sqref).startswith(column)]
    assert dv.formula1 == '"Ignorer,Reporter au 07/07/2025,Reporter au 14/07/2025"'
    assert dv.errorStyle == "information"
