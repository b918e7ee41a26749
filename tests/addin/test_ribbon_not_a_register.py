"""A ribbon button on a workbook that is not a register: refused as the command line refuses it,
with the same French line, before anything is written (not even the lock beside the file)."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from typer.testing import CliRunner

from addin import ribbon
from addin.books.live import LiveBook
from addin.cli import app
from tests.books.fake_xlwings import FakeBook

TODAY = date(2026, 11, 23)


def other_workbook(tmp_path):
    """A quote workbook, not a register: one sheet « Devis » (the same file for the CLI and Excel)."""
    path = tmp_path / "Devis.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Devis"
    wb.active["A1"] = "Devis n° 12"
    wb.save(path)
    return path


@pytest.mark.parametrize("tag", ["refresh", "preview", "send", "review", "export", "plan", "import"])
def test_every_button_but_aide_refuses_a_workbook_that_is_not_a_register(tmp_path, tag):
    path = other_workbook(tmp_path)
    cli_line = CliRunner().invoke(app, ["refresh", str(path), "--today", TODAY.isoformat()]).output
    fake = FakeBook({"Devis": {(1, 1): "Devis n° 12"}}, fullname=str(path))
    book = LiveBook(fake)
    shown, loaded = [], []
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = ribbon.dispatch(tag, book, today=TODAY, alert=lambda m, t: shown.append(m), log=tmp_path / "r.log",
                             load=lambda name: loaded.append(name), paths=["/tmp/x.pdf"] if tag == "import" else None)
    assert result is None and loaded == []  # no action was even imported
    (message,) = shown
    assert "« Devis.xlsx » n'est pas un registre Relance" in message
    assert " ".join(cli_line.split()) == "Erreur : " + " ".join(message.split())  # the CLI's very line
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # no lock, no log, no copy
    assert not [c for c in fake.app.calls if c.endswith("=") or "add(" in c or "clear()" in c]  # no Excel write


def test_aide_still_answers_on_any_workbook(tmp_path):
    path = other_workbook(tmp_path)
    shown = []
    book = LiveBook(FakeBook({"Devis": {}}, fullname=str(path)))
    assert ribbon.dispatch("help", book, today=TODAY, alert=lambda m, t: shown.append(m)) is not None
    assert shown and shown[0].startswith("Relance")
