"""Acceptance (issue 15): four weeks of the demo register, as a user lives them, and every
sentence Relance writes checked against what is there.

Four dates from 26 October to 24 November 2026, each just past the deadline the previous firm reminder gave: Actualiser, Aperçu, Envoyer to a real SMTP server on 127.0.0.1
(aiosmtpd). Between the weeks the user types what a person types: a comment in *Relances*, a
call's outcome (a promise) in *Journal*, and she spreads an invoice with ``relance plan``. On the
last day of the month, the monthly review. Then:

- every formal notice sent has its letter kept in « Lettres à envoyer/<date>/ », listed in the
  send's summary and named in its *Journal* row;
- a send without a mail server prepares drafts, says so and names them as Aperçu does;
- no message says something is attached that is not;
- no invoice is told « dernière relance » twice, and the one told is next sent the formal notice;
- no comment typed in *Relances* is dropped, and the day's calls stay with their outcome;
- the review agrees with the register; nothing is cut in the sheets a person reads.
"""

from __future__ import annotations

import email
import re
import shutil
from datetime import date, timedelta
from decimal import Decimal
from email.policy import default as default_policy
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest
from typer.testing import CliRunner

from addin.actions import preview, refresh, review, send
from addin.books.file import FileBook
from addin.cli import app
from addin.demo import run_demo
from tests.actions.test_preview_send import free_port
from tests.register.test_layout import layout_faults

START = date(2026, 10, 26)  # a Monday
# Each send just past the 8-day deadline the previous firm reminder gave (moved to the next working
# day when it falls on a weekend or a public holiday: 21 Nov 2026 is a Saturday), so that the month
# goes from a first reminder to the formal notice for the oldest debts.
WEEKS = [START, date(2026, 11, 4), date(2026, 11, 13), date(2026, 11, 24)]
MONTH_END = date(2026, 11, 30)
LAST = re.compile(r"dernière relance amiable|dernier rappel amiable|final amicable reminder", re.IGNORECASE)
ATTACHED = re.compile(r"ci-joint|nous y joignons|joint à ce message|attached|enclosed", re.IGNORECASE)

pytestmark = pytest.mark.slow


class Inbox:
    """What the clients' mail server receives."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


def sheet_rows(path: Path, name: str) -> list[dict]:
    ws = openpyxl.load_workbook(path)[name]
    rows = list(ws.iter_rows(values_only=True))
    i = next(n for n, r in enumerate(rows) if "Clé" in r)
    return [dict(zip(rows[i], r)) for r in rows[i + 1:] if any(v not in (None, "") for v in r)]


def type_in(path: Path, sheet: str, match, column: str, value) -> str:
    """Type ``value`` in ``column`` of the first row ``match`` accepts; returns that row's Clé."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    header_row = next(r for r in ws.iter_rows() if any(c.value == "Clé" for c in r))
    cols = {c.value: c.column for c in header_row}
    for r in ws.iter_rows(min_row=header_row[0].row + 1):
        record = {h: ws.cell(r[0].row, c).value for h, c in cols.items()}
        if record.get("Clé") and match(record):
            ws.cell(r[0].row, cols[column]).value = value
            wb.save(path)
            return record["Clé"]
    raise AssertionError(f"no row to type in {sheet}")


def text_of(message) -> str:
    return " ".join(message.get_body(("plain",)).get_content().split())


def invoices_of(message) -> set[str]:
    key = str(message["X-Relance-Key"])
    return set(key.split("|")[-1].split(","))


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    """The register after four weeks, what the server received and what each command said."""
    controller_module = pytest.importorskip("aiosmtpd.controller")
    folder = tmp_path_factory.mktemp("four-weeks")
    path = run_demo(folder, today=START).path
    inbox = Inbox()
    controller = controller_module.Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    smtp = {"RELANCE_SMTP_HOST": "127.0.0.1", "RELANCE_SMTP_PORT": str(controller.port),
            "RELANCE_SMTP_SECURITY": "none"}
    said: dict[str, object] = {"sends": [], "comment": None, "promise": None, "plan": None}
    try:
        for n, day in enumerate(WEEKS):
            refresh.run(FileBook.open(path, today=day), today=day, book_path=path)
            if n == 1:  # a note typed after Actualiser, on an e-mail line
                said["comment"] = type_in(path, "Relances", lambda r: r["Canal"] == "E-mail", "Commentaire",
                                          "client en congés jusqu'au 20")
            preview.run(FileBook.open(path, today=day), today=day, book_path=path)
            report = send.run(FileBook.open(path, today=day), today=day, book_path=path, environ=smtp)
            said["sends"].append((day, report))
            if n == 0:  # the first call made: the client promises to pay in 10 days
                said["promise"] = type_in(path, "Journal", lambda r: r["Canal"] == "Appel", "Issue de l'appel",
                                          "Promesse de paiement")
                type_in(path, "Journal", lambda r: r["Clé"] == said["promise"], "Date de promesse",
                        day + timedelta(days=10))
                # a second send the same day: the day's actions stay in sight, with the call's outcome
                send.run(FileBook.open(path, today=day), today=day, book_path=path, environ=smtp)
                said["relances_after_second_send"] = sheet_rows(path, "Relances")
            if n == 1:
                said["relances_after_send"] = sheet_rows(path, "Relances")
                overdue = next(r for r in openpyxl.load_workbook(path)["Factures"].iter_rows(min_row=2, values_only=True)
                               if r[16] == "En retard")
                result = CliRunner().invoke(app, ["plan", str(path), overdue[0], "--count", "3",
                                                  "--today", day.isoformat()])
                assert result.exit_code == 0, result.output
                said["plan"] = overdue[0]
        refresh.run(FileBook.open(path, today=MONTH_END), today=MONTH_END, book_path=path)
        said["review"] = review.run(FileBook.open(path, today=MONTH_END), today=MONTH_END)
        said["refresh_at_review"] = refresh.run(FileBook.open(path, today=MONTH_END), today=MONTH_END,
                                                book_path=path)
    finally:
        controller.stop()
    return path, inbox.messages, said


def test_the_month_sent_reminders_to_the_server(month):
    _, messages, said = month
    assert len(messages) > 20
    assert all(report.sent and not report.prepared for _, report in said["sends"])


def test_every_formal_notice_sent_has_its_letter_kept_listed_and_linked(month):
    path, messages, said = month
    notices = [m for m in messages if any(p.get_content_type() == "application/pdf" for p in m.iter_attachments())]
    letters = [(day, letter) for day, report in said["sends"] for letter in report.letters]
    assert notices and len(letters) == len(notices)
    journal = [r for r in sheet_rows(path, "Journal") if str(r["Étape"]).endswith("LRAR")]
    for day, letter in letters:
        assert letter.exists() and letter.parent == path.parent / "Lettres à envoyer" / day.isoformat()
        assert letter.read_bytes().startswith(b"%PDF")
        report = dict(said["sends"])[day]
        assert str(letter) in report.summary
        assert any(str(letter) in str(r["Commentaire"]) for r in journal)
    # Linked: each LRAR row's Commentaire opens its letter (a path relative to the workbook).
    ws = openpyxl.load_workbook(path)["Journal"]
    header = [c.value for c in ws[1]]
    step, comment = header.index("Étape") + 1, header.index("Commentaire") + 1
    linked = {(path.parent / unquote(ws.cell(r, comment).hyperlink.target)).resolve()
              for r in range(2, ws.max_row + 1)
              if str(ws.cell(r, step).value or "").endswith("LRAR") and ws.cell(r, comment).hyperlink}
    assert linked == {letter for _day, letter in letters}


def test_no_message_claims_an_attachment_that_is_not_there(month):
    _, messages, _ = month
    for m in messages:
        if ATTACHED.search(text_of(m)):
            assert any(p.get_content_type() == "application/pdf" for p in m.iter_attachments()), text_of(m)[:300]


def test_a_last_reminder_is_said_once_and_followed_by_the_formal_notice(month):
    _, messages, _ = month
    told: dict[str, int] = {}
    for i, m in enumerate(messages):
        if LAST.search(text_of(m)):
            for number in invoices_of(m):
                assert number not in told, f"{number}: « dernière relance » twice"
                told[number] = i
    for number, i in told.items():
        later = [m for m in messages[i + 1:] if number in invoices_of(m)]
        # The next message about that invoice, if any this month, is the formal notice it announced.
        if later:
            assert any(p.get_content_type() == "application/pdf" for p in later[0].iter_attachments()), number


def test_nothing_typed_is_dropped_and_the_days_calls_stay(month):
    path, _, said = month
    kept = {r["Clé"]: r.get("Commentaire") for r in said["relances_after_send"]}
    assert kept.get(said["comment"]) == "client en congés jusqu'au 20"
    calls = {r["Clé"]: r["Statut"] for r in said["relances_after_second_send"] if r["Canal"] == "Appel"}
    assert calls and calls[said["promise"]].startswith("Promesse de paiement")
    assert all(status for status in calls.values())


def test_a_plan_made_by_relance_is_complete_and_its_invoice_has_one_state(month):
    path, _, said = month
    wb = openpyxl.load_workbook(path)
    plans = [r for r in wb["Échéanciers"].iter_rows(min_row=2, values_only=True) if r[8] == said["plan"]]
    assert len(plans) == 3 and {r[10] for r in plans} == {"Non"}
    head = [c.value for c in wb["Factures"][1]]
    row = next(r for r in wb["Factures"].iter_rows(min_row=2, values_only=True) if r[0] == said["plan"])
    status = row[head.index("Statut")]
    if row[head.index("Jours de retard")]:
        assert status != "À échoir"


def test_the_review_agrees_with_the_register(month):
    path, _, said = month
    rows = list(openpyxl.load_workbook(path)["Revue"].iter_rows(values_only=True))
    headline = {r[0]: r[1] for r in rows if r and r[0]}
    assert Decimal(str(headline["Reste dû (TTC, avoirs non déduits)"])) == said["refresh_at_review"].totals["due"]
    assert not any(r[0] == "Échéance inconnue (à corriger)" and not r[1] for r in rows if r)
    assert "0,00 € —" not in said["review"].summary
    # No provision for an invoice Anomalies says a credit covers.
    covered = {r[0] for r in openpyxl.load_workbook(path)["Factures"].iter_rows(min_row=2, values_only=True)
               if r[0] and str(r[20] or "").startswith("Couvert")}
    start = next(i for i, r in enumerate(rows) if r and str(r[0]).startswith("Créances douteuses"))
    provisioned = {r[2] for r in rows[start + 2:] if r and r[0]}
    assert not covered & provisioned


def test_nothing_is_cut_in_the_register_after_a_month(month):
    path, _, _ = month
    assert layout_faults(path) == []


def test_without_a_mail_server_the_send_prepares_drafts_named_as_drafts(month, tmp_path):
    path, _, _ = month
    copy = tmp_path / "Registre.xlsx"
    shutil.copyfile(path, copy)
    day = MONTH_END + timedelta(days=1)
    report = send.run(FileBook.open(copy, today=day), today=day, book_path=copy, environ={})
    folder = tmp_path / "Boîte d'envoi" / day.isoformat()
    drafts = sorted(p.name for p in folder.glob("*.eml"))
    assert len(drafts) == len(report.prepared) and not report.sent
    assert all(re.fullmatch(r"\d{2}-C\d{3}-[A-Za-z0-9+_.-]+\.eml", name) for name in drafts)
    if drafts:
        assert f"{len(drafts)} brouillon" in report.summary and str(folder.resolve()) in report.summary
