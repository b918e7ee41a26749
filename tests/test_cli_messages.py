"""The command line speaks French (English when LANG says so), one line per usage error, and
names what a user needs (issue 15 point 12)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def relance(*args: str, lang: str = "fr_FR.UTF-8") -> subprocess.CompletedProcess:
    env = {**os.environ, "LANG": lang, "LC_ALL": "", "LC_MESSAGES": "", "COLUMNS": "80", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "addin.cli", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


def test_help_is_french_names_the_book_and_the_smtp_variables():
    out = relance("send", "--help").stdout
    assert "Affiche cette aide" in out and "Show this message" not in out and "<bool>" not in out
    assert "Utilisation" in out and "CLASSEUR" in out and "Le classeur du registre" in out
    for name in ("RELANCE_SMTP_HOST", "RELANCE_SMTP_PORT", "RELANCE_SMTP_USER", "RELANCE_SMTP_PASSWORD",
                 "RELANCE_SMTP_SECURITY"):
        assert name in out


def test_usage_errors_are_one_french_line_with_the_help_to_type(tmp_path):
    missing = relance("send")
    assert missing.returncode == 2
    assert missing.stderr.strip() == "Erreur : argument manquant : CLASSEUR — aide : relance send --help"
    unknown = relance("refresh", str(tmp_path / "x.xlsx"), "--bogus")
    assert unknown.stderr.strip().startswith("Erreur : ") and "No such option" not in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1
    absent = relance("refresh", str(tmp_path / "absent.xlsx"))
    assert "n'existe pas" in absent.stderr and "does not exist" not in absent.stderr


def test_english_when_lang_says_so():
    out = relance("send", "--help", lang="en_GB.UTF-8").stdout
    assert "Show this help" in out and "Usage" in out
    assert relance("send", lang="en_US.UTF-8").stderr.strip().startswith("Error: missing argument")


def test_the_demo_output_never_breaks_a_command(tmp_path):
    out = relance("demo", str(tmp_path), "--today", "2026-11-23").stdout
    lines = out.splitlines()
    assert any(line.strip() == f"relance send {tmp_path / 'relance-demo.xlsx'} --today 2026-11-23" for line in lines)


def test_preview_says_where_it_wrote(tmp_path):
    relance("demo", str(tmp_path), "--today", "2026-11-23")
    out = relance("preview", str(tmp_path / "relance-demo.xlsx"), "--today", "2026-11-23").stdout
    assert f"Fichiers écrits dans : {tmp_path / 'Aperçu relances' / '2026-11-23'}" in out


def test_an_english_register_gets_an_english_command_line(tmp_path):
    """Issue 15 point 12: English when the register is English, even under a French LANG."""
    from tests.actions.conftest import build_book
    from tests.actions.test_refresh import english_register

    ledger = english_register(tmp_path / "Ledger.xlsx")
    out = relance("refresh", str(ledger), "--today", "2025-06-30").stdout
    assert out.startswith("Refreshed as of 30/06/2025: ") and "Balance due" in out and "Reminders today" in out
    assert "Actualisé" not in out and "Reste dû" not in out and "€1,200.00" in out
    helped = relance("refresh", str(ledger), "--help").stdout
    assert "Refresh: due dates" in helped and "The register workbook" in helped and "Show this help" in helped
    assert "Actualiser" not in helped and "Affiche" not in helped and "BOOK" in helped
    assert relance("refresh", str(ledger), "--bogus").stderr.startswith("Error: no such option")
    # A French register under the same LANG stays French.
    registre = build_book(tmp_path / "Registre.xlsx")
    out = relance("refresh", str(registre), "--today", "2025-06-30").stdout
    assert out.startswith("Actualisé au 30/06/2025 : ") and "Reste dû" in out
    assert "Actualiser" in relance("refresh", str(registre), "--help").stdout


def test_every_command_summary_reads_in_english():
    """The lines every run prints, translated phrase by phrase (``cli_messages.english``)."""
    from addin.cli_messages import english

    assert english("Envoi : 14 brouillons préparés, 8 à appeler.") == "Sending: 14 drafts prepared, 8 to call."
    assert english("Envoi : 3 envoyés.") == "Sending: 3 sent."
    assert english("Revue au 28/02/2026 écrite dans la feuille Revue.").startswith("Review as of 28/02/2026 written")
    assert english("  DSO               79 jours") == "  DSO               79 days"
    assert english("Copie pour le comptable : c.xlsx") == "Copy for the accountant: c.xlsx"
    assert english("Plan P3 ajouté pour la facture F1 (1\u202f200,00\u00a0€) :") == "Plan P3 added for invoice F1 (€1,200.00):"
    assert english("  Acompte : 400,00\u00a0€ le 30/07/2025") == "  Acompte: €400.00 on 30/07/2025"
    assert english("Relevés : 12 opération(s) lue(s).") == "Statements: 12 transaction(s) read."
    assert english("Classeur de démonstration : /x/relance-demo.xlsx") == "Demonstration workbook: /x/relance-demo.xlsx"
    assert english("Ensuite :") == "Next:"
    assert english("Fichiers écrits dans : /x") == "Files written to: /x"


def test_review_and_plan_say_which_workbook_they_saved(tmp_path):
    """Issue 15 point 12: « always print where files went »."""
    from tests.actions.conftest import build_book

    registre = build_book(tmp_path / "Registre.xlsx")
    out = relance("review", str(registre), "--today", "2025-06-30").stdout
    assert out.rstrip().endswith(f"Classeur enregistré : {registre.resolve()}")
    import openpyxl

    from addin.register import schema

    wb = openpyxl.load_workbook(registre)
    wb.create_sheet("Échéanciers").append([c.fr for c in schema.ECHEANCIERS.columns if not c.computed])
    wb.save(registre)
    out = relance("plan", str(registre), "F001", "--today", "2025-06-30").stdout
    assert out.rstrip().endswith(f"Classeur enregistré : {registre.resolve()}")


def test_no_help_shows_a_type_name_or_an_english_placeholder():
    """Issue 15 point 12: no « <file> », « <str> », « <list[Path]> », « book » in the French help
    of any command (in process: one run per command)."""
    import re

    from typer.testing import CliRunner

    from addin.cli import app

    runner = CliRunner()
    env = {"LANG": "fr_FR.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "COLUMNS": "100"}
    commands = ["demo", "refresh", "preview", "send", "review", "export", "plan", "build-addin", "install-addin",
                "new", "version", "import"]
    assert "COMMANDE [ARGUMENTS]" in runner.invoke(app, ["--help"], env=env).output
    for command in commands:
        out = runner.invoke(app, [command, "--help"], env=env).output
        assert "Utilisation" in out, command
        assert not re.search(r"<(str|int|path|file|list\[Path\]|bool)>", out), (command, out)
        assert not re.search(r"(?<![-\w.])(book|files|directory|invoice|xlam|out)\b", out), (command, out)
