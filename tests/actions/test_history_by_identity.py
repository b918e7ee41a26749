"""Refresh, review and export follow the send's history by the workbook's identity
(``addin.mail.identity``), read-only; a refresh writes back the *Journal* rows the log holds and
the sheet lost (a save that failed after sending), sending nothing."""

from __future__ import annotations

import shutil

import openpyxl
import pytest
from typer.testing import CliRunner

from addin.cli import app
from addin.mail.journal import Journal

from .conftest import TODAY

DAY = ["--today", TODAY.isoformat()]


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def journal_rows(path):
    ws = openpyxl.load_workbook(path)["Journal"]
    return [tuple(r) for r in ws.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]


def lose_journal_rows(path):
    """The workbook as a save that failed after sending leaves it: no Journal rows (the log has them)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Journal"]
    ws.delete_rows(2, ws.max_row)
    wb.save(path)


@pytest.fixture
def sent(book_path, tmp_path, monkeypatch):
    monkeypatch.setenv("RELANCE_HOME", str(tmp_path / "home"))  # this computer's shortcuts to logs
    outbox = tmp_path / "outbox"
    assert cli("send", book_path, *DAY, "--outbox", outbox).exit_code == 0
    rows = journal_rows(book_path)
    assert rows  # six e-mails and five calls, the conftest register on TODAY
    return book_path, rows, outbox


def test_refresh_writes_back_the_journal_rows_only_the_log_holds(sent):
    book, rows, outbox = sent
    lose_journal_rows(book)
    emails = sorted(outbox.iterdir())
    records = len(Journal.open(book).records())
    result = cli("refresh", book, *DAY)
    assert result.exit_code == 0, result.output
    assert sorted(r[8] for r in journal_rows(book)) == sorted(r[8] for r in rows)  # by Clé, every one back
    assert sorted(outbox.iterdir()) == emails and len(Journal.open(book).records()) == records  # nothing sent
    assert cli("refresh", book, *DAY).exit_code == 0
    assert len(journal_rows(book)) == len(rows)  # never twice


def test_a_moved_workbook_finds_its_log_by_identity_and_gets_its_rows_back(sent, tmp_path):
    book, rows, outbox = sent
    lose_journal_rows(book)
    moved = tmp_path / "rangé" / "Registre.xlsx"
    moved.parent.mkdir()
    shutil.move(book, moved)  # without its .relance folder: only this computer knows where the log is
    assert cli("refresh", moved, *DAY).exit_code == 0
    assert sorted(r[8] for r in journal_rows(moved)) == sorted(r[8] for r in rows)
    assert not Journal.open(moved).path.exists()  # the log was read where it is, never started anew


def test_a_register_never_sent_from_gets_no_journal_sheet(book_path):
    assert cli("refresh", book_path, *DAY).exit_code == 0
    assert "Journal" not in openpyxl.load_workbook(book_path).sheetnames


def test_another_workbooks_log_beside_it_gives_it_no_rows(sent, tmp_path):
    # Registre.xlsx sent (its log beside it); another register, sent from elsewhere, is then copied
    # over it: the log beside it is not its own, so its Journal gets none of that log's rows.
    from .conftest import build_book

    book, rows, outbox = sent
    (tmp_path / "autre").mkdir()
    other = build_book(tmp_path / "autre" / "Registre.xlsx")
    assert cli("send", other, *DAY, "--outbox", tmp_path / "outbox2").exit_code == 0
    lose_journal_rows(other)
    shutil.copyfile(other, book)
    assert cli("refresh", book, *DAY).exit_code == 0
    assert journal_rows(book) == []
