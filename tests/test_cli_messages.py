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
