"""What send says it did is what it did: drafts are drafts, every formal notice leaves a letter
to post, and the sender may keep a blind copy (issue 15, points 1 and 2)."""

from __future__ import annotations

import email
from email.policy import default as default_policy
from pathlib import Path

import openpyxl

from addin.books.file import FileBook
from addin.mail.journal import Journal

from .conftest import TODAY
from .test_preview_send import Recorder, Result, notice_due, relances, rows_of, run_send

from addin.actions import preview, send


def journal_rows(path: Path) -> list[dict]:
    rows = rows_of(path, "Journal")
    header = rows[0]
    return [dict(zip(header, r)) for r in rows[1:] if any(v not in (None, "") for v in r)]


def test_without_a_mail_server_the_messages_are_drafts_named_like_the_preview(book_path, tmp_path):
    shown = preview.run(FileBook.open(book_path), today=TODAY, book_path=book_path, out_dir=tmp_path / "apercu")
    report = send.run(FileBook.open(book_path), today=TODAY, book_path=book_path, environ={})
    folder = tmp_path / "Boîte d'envoi" / TODAY.isoformat()
    drafts = sorted(p.name for p in folder.glob("*.eml"))
    assert drafts == sorted(p.name for p in shown.files if p.suffix == ".eml")
    assert "01-C1-J+30.eml" in drafts and len(drafts) == 6
    # Recorded and said as drafts, never as sent.
    assert len(report.prepared) == 6 and report.sent == []
    assert "6 brouillons préparés" in report.summary and "envoyé" not in report.summary.split("\n")[0]
    assert str(folder.resolve()) in report.summary
    results = {r["Étape"]: r["Résultat"] for r in journal_rows(book_path) if r["Client"] == "C1"}
    assert results["J+30"] == "brouillon préparé"
    assert relances(book_path)["C1 J+30"]["Statut"] == "brouillon préparé"
    eml = email.message_from_bytes((folder / "01-C1-J+30.eml").read_bytes(), policy=default_policy)
    assert eml["X-Unsent"] == "1"
    # A second run the same day makes no second draft and still calls them drafts.
    send.run(FileBook.open(book_path), today=TODAY, book_path=book_path, environ={})
    assert len(list(folder.glob("*.eml"))) == 6
    assert relances(book_path)["C1 J+30"]["Statut"] == "brouillon préparé"


def test_the_person_confirms_a_draft_sent_or_asks_for_it_again(book_path):
    send.run(FileBook.open(book_path), today=TODAY, book_path=book_path, environ={})
    wb = openpyxl.load_workbook(book_path)
    ws = wb["Journal"]
    header = [c.value for c in ws[1]]
    col_result, col_client, col_step = (header.index(h) + 1 for h in ("Résultat", "Client", "Étape"))
    for row in range(2, ws.max_row + 1):
        step = (ws.cell(row, col_client).value, ws.cell(row, col_step).value)
        if step == ("C1", "J+30"):
            ws.cell(row, col_result).value = "envoyé"
        if step == ("C2", "J+7"):
            ws.cell(row, col_result).value = "à renvoyer"
    wb.save(book_path)
    report = send.run(FileBook.open(book_path), today=TODAY, book_path=book_path, environ={})
    entries = {(e.client, e.step): e for e in Journal.open(book_path).entries().values()}
    assert entries[("C1", "J+30")].state == "sent" and not entries[("C1", "J+30")].prepared
    assert entries[("C2", "J+7")].prepared  # made again
    assert [x.client for x in report.lines if x.step == "J+7" and x.status == "brouillon préparé"] == ["C2"]


def test_every_formal_notice_leaves_its_letter_to_post(book_path, tmp_path):
    notice_due(book_path)
    report = run_send(book_path, Recorder())
    letter = tmp_path / "Lettres à envoyer" / TODAY.isoformat() / "C3 Studio Roux - F004.pdf"
    assert letter.read_bytes().startswith(b"%PDF")
    assert report.letters == [letter.resolve()]
    assert str(letter.resolve()) in report.summary
    task = next(r for r in journal_rows(book_path) if r["Étape"] == "J+45 LRAR")
    assert str(letter.resolve()) in task["Commentaire"] and task["Résultat"] == "à faire"


def test_the_sender_may_keep_a_blind_copy_of_every_reminder(book_path):
    wb = openpyxl.load_workbook(book_path)
    wb["Paramètres"].append(["Copie cachée à l'expéditeur", "Oui"])
    wb.save(book_path)
    recorder = Recorder()
    run_send(book_path, recorder)
    assert recorder.messages and all("compta@pixel.example" in str(m["Bcc"]) for m in recorder.messages)


def test_no_blind_copy_by_default(book_path):
    recorder = Recorder()
    run_send(book_path, recorder)
    assert recorder.messages and all(m["Bcc"] is None for m in recorder.messages)
