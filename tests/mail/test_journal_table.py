"""The Journal Relance creates is the template's Journal: an Excel Table, the columns' help on
their headers, drop-downs on Canal, Résultat and Issue de l'appel (issue 15, point 11)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import openpyxl

from addin.actions import send
from addin.books.file import FileBook
from addin.books.live import LiveBook
from addin.mail.journal import HEADERS, Journal, sync_sheet
from addin.register import schema
from tests.actions.conftest import TODAY, build_book
from tests.books.fake_xlwings import FakeBook

ROOT = Path(__file__).resolve().parents[2]


def journal_sheet(path: Path):
    return openpyxl.load_workbook(path)["Journal"]


def validations(ws) -> dict[str, str]:
    """Column letter → the drop-down's list, as Excel shows it."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for cells in dv.sqref.ranges:
            out[cells.coord[0]] = dv.formula1
    return out


def test_a_journal_relance_creates_is_a_table_like_the_templates(tmp_path):
    path = build_book(tmp_path / "Registre.xlsx")  # no Journal sheet
    send.run(FileBook.open(path), today=TODAY, book_path=path, environ={})
    ws = journal_sheet(path)
    rows = ws.max_row
    assert list(ws.tables) == ["tblJournal"] and ws.tables["tblJournal"].ref == f"A1:O{rows}"
    assert [c.value for c in ws[1]] == list(HEADERS)
    template = openpyxl.load_workbook(ROOT / "workbook_template.xlsx")["Journal"]
    assert list(template.tables) == ["tblJournal"]
    # The same help on every header (the first also says what the sheet is).
    for ours, theirs in zip(ws[1], template[1]):
        assert ours.comment is not None and ours.comment.text.endswith(theirs.comment.text)
    assert ws["A1"].comment.text.startswith("Journal des relances")
    # The drop-downs the template has: Canal, Résultat (« envoyé », « à renvoyer »), Issue de l'appel.
    ours, theirs = validations(ws), validations(template)
    result = openpyxl.utils.get_column_letter(HEADERS.index("Résultat") + 1)
    assert ours[result] == theirs[result] == '"envoyé,à renvoyer"'
    for column in ("E", "J"):
        assert ours[column] == theirs[column]
    # The next day's rows join the table.
    send.run(FileBook.open(path), today=TODAY + timedelta(days=8), book_path=path, environ={})
    ws = journal_sheet(path)
    assert ws.max_row > rows and ws.tables["tblJournal"].ref == f"A1:O{ws.max_row}"


def test_the_live_book_makes_the_same_table(tmp_path):
    from tests.mail.test_journal import action

    journal = Journal(tmp_path / "log.jsonl", "Registre.xlsx")
    journal.task(action(), ["01 02 03 04 05"])
    book = FakeBook({"Factures": {(1, 1): "N° facture"}})
    sync_sheet(LiveBook(book), journal)
    sheet = next(s for s in book._sheets if s._name == "Journal")
    assert sheet.made_tables == {schema.JOURNAL.table: (1, 1, 2, len(HEADERS))}
    assert len(sheet.notes) == len(HEADERS) and sheet.notes[(1, 1)].startswith("Journal des relances")
    assert sheet.notes[(1, 8)] == schema.JOURNAL.column("result").help
