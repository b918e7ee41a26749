"""``relance export`` on a workbook that is not a register: the CLI's one line, no copy written."""

from __future__ import annotations

import openpyxl
from typer.testing import CliRunner

from addin.cli import app


def test_export_refuses_a_workbook_that_is_not_a_register_and_writes_nothing(tmp_path):
    path = tmp_path / "Devis.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Devis"
    wb.save(path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    out = tmp_path / "compta.xlsx"
    exported = CliRunner().invoke(app, ["export", str(path), str(out), "--today", "2026-11-23"])
    refreshed = CliRunner().invoke(app, ["refresh", str(path), "--today", "2026-11-23"])
    assert exported.exit_code == 1 and "Traceback" not in exported.output
    assert exported.output == refreshed.output  # the same one line as every other command
    assert "« Devis.xlsx » n'est pas un registre Relance" in exported.output
    assert len(exported.output.strip().splitlines()) == 1
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # no copy, not even a .relance folder
