"""The ``relance`` command: each door reaches its action, and known errors are one readable line."""

from __future__ import annotations

import sys
import zipfile

import pytest
from typer.testing import CliRunner

from addin.cli import app
from tests.actions.test_refresh import TODAY, fill_template

runner = CliRunner()


@pytest.fixture
def register(tmp_path):
    return fill_template(tmp_path / "Registre.xlsx")


def test_help_lists_every_command():
    result = runner.invoke(app, ["--help"])
    for command in ("demo", "refresh", "preview", "send", "review", "export", "plan", "build-addin",
                    "install-addin"):
        assert command in result.output


def test_refresh_then_review_then_export_from_the_command_line(register, tmp_path):
    day = ["--today", TODAY.isoformat()]
    result = runner.invoke(app, ["refresh", str(register), *day])
    assert result.exit_code == 0 and "Reste dû" in result.output
    result = runner.invoke(app, ["review", str(register), "--month", "2025-06", *day])
    assert result.exit_code == 0 and "30/06/2025" in result.output
    out = tmp_path / "compta.xlsx"
    result = runner.invoke(app, ["export", str(register), str(out), *day])
    assert result.exit_code == 0 and out.exists()


def test_a_workbook_open_in_excel_is_refused_in_one_line_and_untouched(register):
    lock = register.with_name("~$" + register.name)
    lock.write_bytes(b"marie")
    before = register.read_bytes()
    result = runner.invoke(app, ["refresh", str(register), "--today", TODAY.isoformat()])
    assert result.exit_code == 1
    assert "Erreur" in result.output and "Traceback" not in result.output
    assert register.read_bytes() == before


@pytest.mark.parametrize("args, word", [
    (["review", "{book}", "--month", "2025-13"], "AAAA-MM"),
    (["refresh", "{book}", "--today", "23/11/2026"], "AAAA-MM-JJ"),
])
def test_bad_options_say_the_expected_format(register, args, word):
    result = runner.invoke(app, [a.replace("{book}", str(register)) for a in args])
    assert result.exit_code != 0 and word in result.output


def test_plan_from_the_command_line(register):
    result = runner.invoke(app, ["plan", str(register), "F002", "--count", "2", "--first", "2025-07-15",
                                 "--today", TODAY.isoformat()])
    assert result.exit_code == 0 and "P-001" in result.output


def test_build_addin_writes_an_xlam(tmp_path):
    out = tmp_path / "relance.xlam"
    result = runner.invoke(app, ["build-addin", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z:
        assert "xl/vbaProject.bin" in z.namelist()


@pytest.mark.skipif(sys.platform != "linux", reason="on Windows and macOS the add-in really installs")
def test_install_addin_on_linux_says_excel_is_not_there(tmp_path):
    result = runner.invoke(app, ["install-addin", str(tmp_path / "relance.xlam")])
    assert result.exit_code == 1 and "Excel" in result.output and "Traceback" not in result.output
    # One error, said once: typer's Exit is a RuntimeError, and used to be caught and said again, empty.
    assert result.output.count("Erreur") == 1, result.output


def test_python_dash_m_runs_the_command(register):
    # `python3 -m addin.cli` used to import the module and do nothing, exit 0: a refresh run that
    # way (the idempotence test does) wrote nothing and proved nothing.
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    before = register.read_bytes()
    done = subprocess.run([sys.executable, "-m", "addin.cli", "refresh", str(register), "--today", TODAY.isoformat()],
                          capture_output=True, text=True, cwd=root)
    assert done.returncode == 0, done.stderr
    assert "Reste dû" in done.stdout and register.read_bytes() != before


def test_the_backups_setting_is_how_many_backups_are_kept(register):
    # « Sauvegardes conservées » = 2: four refreshes leave the last 2 versions, not 5.
    import openpyxl

    wb = openpyxl.load_workbook(register)
    ws = wb["Paramètres"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "Sauvegardes conservées")
    row[1].value = 2
    wb.save(register)
    for _ in range(4):
        result = runner.invoke(app, ["refresh", str(register), "--today", TODAY.isoformat()])
        assert result.exit_code == 0, result.output
    backups = sorted((register.parent / ".relance-backups").iterdir())
    assert len(backups) == 2, backups


def test_a_new_workbook_is_checked_once_before_its_lock_and_that_opening_is_the_commands(register, monkeypatch):
    from addin.books import inspect

    checks = []
    real = inspect.check_package
    monkeypatch.setattr(inspect, "check_package", lambda data, name, *a: (checks.append(name), real(data, name, *a)))
    assert CliRunner().invoke(app, ["refresh", str(register), "--today", TODAY.isoformat()]).exit_code == 0
    assert checks == [register.name]  # first run: checked (no .relance yet), then that very book is used
    checks.clear()
    assert CliRunner().invoke(app, ["refresh", str(register), "--today", TODAY.isoformat()]).exit_code == 0
    assert checks == [register.name]  # the lock exists: opened once, by the command


def test_a_workbook_changed_between_its_check_and_the_command_is_opened_again(register, monkeypatch):
    from addin import cli
    from addin.books import inspect

    checks = []
    real = inspect.check_package
    monkeypatch.setattr(inspect, "check_package", lambda data, name, *a: (checks.append(name), real(data, name, *a)))
    stamps = iter(range(100))
    monkeypatch.setattr(cli, "_stamp", lambda path: next(stamps))  # every look at the file finds it changed
    assert CliRunner().invoke(app, ["refresh", str(register), "--today", TODAY.isoformat()]).exit_code == 0
    assert checks == [register.name, register.name]
