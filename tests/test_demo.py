"""``relance demo``: the main job on built-in sample data, end to end, then checked in LibreOffice."""

from __future__ import annotations

import sys
from datetime import date, datetime

import openpyxl
import pytest
from typer.testing import CliRunner

from addin.cli import app
from tests import libreoffice

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(app, ["demo", str(folder), "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    return folder / "relance-demo.xlsx", result.output


def test_demo_prints_a_readable_summary_in_french_format(demo):
    path, output = demo
    assert path.exists()
    assert "Reste dû" in output and "Relances du jour" in output and "Anomalies" in output
    assert "€" in output and "," in output  # French amounts: 1 234,56 €


def test_demo_register_is_realistic(demo):
    path, _ = demo
    wb = openpyxl.load_workbook(path)
    clients = [r for r in wb["Clients"].iter_rows(min_row=2, values_only=True) if r[0]]
    invoices = [r for r in wb["Factures"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert len(clients) >= 40 and {r[2] for r in clients} == {"Professionnel", "Administration", "Particulier"}
    assert len(invoices) >= 300
    issued = [r[2] for r in invoices if isinstance(r[2], datetime)]
    assert min(issued).date() >= date(2025, 5, 1)  # the 18 months before today
    statuses = {r[16] for r in invoices}
    assert {"Payée", "En retard", "À échoir", "Avoir", "En litige", "Promesse de paiement", "Erreur"} <= statuses
    plans = [r for r in wb["Échéanciers"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert {r[0] for r in plans} == {"P-001", "P-002", "P-003"}
    assert all(r[9] for r in plans)  # every step has its status


def test_demo_mistakes_are_reported_with_their_place(demo):
    path, _ = demo
    ws = openpyxl.load_workbook(path)["Anomalies"]
    rows = [r for r in ws.iter_rows(min_row=3, values_only=True) if r[0]]
    text = "\n".join(" | ".join(str(v) for v in r) for r in rows)
    for expected in ("31/02/2025", "C999", "en double", "45 jours fin du mois prochain", "F2025-9999"):
        assert expected in text
    assert all(r[0] and r[4] and r[5] for r in rows)  # sheet, what is wrong, how to fix


def test_demo_queue_has_work_one_line_per_client_and_action(demo):
    path, _ = demo
    ws = openpyxl.load_workbook(path)["Relances"]
    rows = [r for r in ws.iter_rows(min_row=3, values_only=True) if r[1]]
    assert len(rows) >= 5
    keys = [(r[1], r[4]) for r in rows]  # client, channel
    assert len(keys) == len(set(keys))


@pytest.mark.libreoffice
def test_libreoffice_opens_the_refreshed_register_and_keeps_its_values(demo, tmp_path):
    path, _ = demo
    profile = tmp_path / "profile"
    converted = libreoffice.convert(path, "xlsx", tmp_path / "xlsx", profile)
    ours = openpyxl.load_workbook(path)["Factures"]
    theirs = openpyxl.load_workbook(converted, data_only=True)["Factures"]
    for row in range(2, 40):
        for col in (14, 16, 17, 18, 19, 20):  # Échéance, Reste dû, Statut, Jours, Intérêts, Indemnité
            a, b = ours.cell(row, col).value, theirs.cell(row, col).value
            if isinstance(a, float):
                assert b == pytest.approx(a), (row, col)
            else:
                assert a == b, (row, col)
    pdf = libreoffice.convert(path, "pdf", tmp_path / "pdf", profile)
    pages = libreoffice.render_png(pdf, tmp_path / "png" / "page")
    assert pages and all(p.stat().st_size > 2000 for p in pages)


def test_a_second_demo_keeps_the_first_and_starts_with_no_reminder_sent(tmp_path):
    from addin.actions import send
    from addin.books.file import FileBook
    from addin.demo import run_demo
    from addin.mail.journal import Journal

    first = run_demo(tmp_path, today=TODAY).path
    report = send.run(FileBook.open(first, today=TODAY), today=TODAY, outbox=tmp_path / "out", environ={})
    assert report.prepared and Journal.open(first).entries()
    again = run_demo(tmp_path, today=TODAY)
    assert "la démo précédente est gardée" in again.summary
    assert not Journal.open(again.path).entries()  # the old sends belong to the old demo
    kept = list((tmp_path / ".relance-backups").glob("relance-demo.*.xlsx.relance-demo.xlsx.journal.jsonl"))
    assert len(kept) == 1


def test_the_demo_is_a_believable_french_register():
    """Issue 15 point 14: postcodes of each town, accents transliterated in e-mail domains,
    cheques with cheque numbers (never « VIR »)."""
    from datetime import date

    from addin.sample import _POSTCODES, generate

    data = generate(date(2026, 11, 23))
    for c in data.clients:
        town = c.address.split(", ", 1)[1].split(" ", 1)[1]
        assert c.address.split(", ", 1)[1].split(" ", 1)[0] in _POSTCODES[town], c.address
        assert c.email.isascii() and c.email.split("@")[1][0].isalpha()
        if "Lefèvre" in c.name or "François" in c.name:
            assert ("lefevre" in c.email) or ("francois" in c.email), c.email
    cheques = [p for p in data.payments if p.method == "Chèque"]
    assert cheques and all(p.reference.startswith("CHQ n° ") for p in cheques)
    assert all(p.reference.startswith("VIR") for p in data.payments if p.reference.startswith("VIR") and
               p.method == "Virement")
    assert not [p for p in data.payments if p.method != "Virement" and p.reference.startswith("VIR")]


def test_the_demo_summary_says_which_anomalies_are_planted(tmp_path):
    from datetime import date

    from addin.demo import run_demo

    summary = run_demo(tmp_path, today=date(2026, 11, 23)).summary
    assert "Erreurs glissées exprès dans la démo" in summary
    for planted in ("31/02/2025", "C999", "45 jours fin du mois prochain", "1 250,00 €", "saisie deux fois",
                    "F2025-9999"):
        assert planted in summary


def test_the_suggested_commands_are_the_one_typed(monkeypatch):
    """The demo's « Ensuite » commands run as printed: through .venv/bin/relance when that was typed."""
    from addin import demo

    monkeypatch.setattr(sys, "argv", [".venv/bin/relance", "demo"])
    assert demo.command_name() == ".venv/bin/relance"
    monkeypatch.setattr(sys, "argv", ["/usr/lib/python3/site-packages/pytest/__main__.py"])
    assert demo.command_name() == "relance"
