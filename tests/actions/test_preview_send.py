"""Preview and send over a real workbook file: exactly once, even when the process is killed."""

from __future__ import annotations

import asyncio
import email
import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import timedelta
from email.policy import default as default_policy
from pathlib import Path

import pytest

from addin.books.file import FileBook
from addin.mail.journal import Journal

from .conftest import TODAY

preview = pytest.importorskip("addin.actions.preview")
send = pytest.importorskip("addin.actions.send")

ROOT = Path(__file__).resolve().parents[2]
EMAIL_CLIENTS = ["C1", "C2", "C3", "C4", "C5", "C6"]


def rows_of(path: Path, sheet: str) -> list[tuple]:
    book = FileBook.open(path)
    return [tuple(r) for r in book.read_sheet(sheet).rows]


def relances(path: Path) -> dict[str, dict[str, object]]:
    """The Relances sheet as {client + step: {header: value}}."""
    rows = rows_of(path, "Relances")
    i = next(n for n, r in enumerate(rows) if "Clé" in r)
    header = rows[i]
    out = {}
    for r in rows[i + 1:]:
        record = dict(zip(header, r))
        if record.get("Clé"):
            out[f"{record['Client']} {record['Étape']}"] = record
    return out


def set_decision(path: Path, line: str, text: str) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb["Relances"]
    header_row = next(r for r in ws.iter_rows() if any(c.value == "Clé" for c in r))
    cols = {c.value: c.column for c in header_row}
    for r in ws.iter_rows(min_row=header_row[0].row + 1):
        if r[0].value is None:
            continue
        if f"{ws.cell(r[0].row, cols['Client']).value} {ws.cell(r[0].row, cols['Étape']).value}" == line:
            ws.cell(r[0].row, cols["Décision"]).value = text
    wb.save(path)


@dataclass
class Result:
    ok: bool
    permanent: bool = False
    message_id: str = ""
    detail: str = ""
    fatal: bool = False
    partial: bool = False


class Recorder:
    """A transport that records what it is given; ``answers`` maps a client e-mail to a Result."""

    def __init__(self, answers=None, crash_on: int | None = None):
        self.messages = []
        self.answers = answers or {}
        self.crash_on = crash_on

    def send(self, msg):
        self.messages.append(msg)
        if self.crash_on == len(self.messages):
            raise KeyboardInterrupt("the machine dies")  # after the intent, before the result
        to = str(msg["To"])
        for address, result in self.answers.items():
            if address in to:
                return result
        return Result(True, message_id=str(msg["Message-ID"]), detail="250 ok")

    def close(self):
        pass


def run_send(path: Path, transport, **kw):
    book = FileBook.open(path)
    return send.run(book, today=TODAY, book_path=path, transport=transport, **kw)


def keys_of(messages) -> list[str]:
    return [str(m["X-Relance-Key"]) for m in messages]


# --- preview --------------------------------------------------------------------------


def test_preview_renders_every_message_and_writes_the_queue(book_path, tmp_path):
    out = tmp_path / "apercu"
    result = preview.run(FileBook.open(book_path), today=TODAY, book_path=book_path, out_dir=out)
    names = sorted(p.name for p in result.files)
    assert "01-C1-J+30.html" in names and "01-C1-J+30.eml" in names
    assert any(n.endswith("-C2-Appel_J+7.html") for n in names)
    assert not any(n.endswith("-C2-Appel_J+7.eml") for n in names)  # a call script is never an e-mail
    eml = email.message_from_bytes((out / "01-C1-J+30.eml").read_bytes(), policy=default_policy)
    assert eml["To"].addresses[0].addr_spec == "compta@dupont.example"
    assert "F001" in eml.get_body(("plain",)).get_content() and "F002" in eml.get_body(("plain",)).get_content()
    queue = relances(book_path)
    # One e-mail per client; a call task for each business client past D+7 (never made yet).
    assert set(queue) == {"C1 J+30", "C2 J+7", "C3 J+7", "C4 J+3", "C5 J+15", "C6 J+15",
                          "C1 Appel J+7", "C2 Appel J+7", "C3 Appel J+7", "C5 Appel J+7", "C6 Appel J+7"}
    assert queue["C1 J+30"]["Factures"] == "F001, F002" and queue["C1 J+30"]["Statut"] == "à envoyer"
    assert queue["C2 Appel J+7"]["Statut"] == "à appeler"
    assert queue["C5 J+15"]["Factures"] == "F007"  # F006 is disputed, F007 still goes
    assert float(queue["C1 J+30"]["Reste dû"]) == 1680.0
    for line in ("Atelier Dupont", "J+30", "compta@dupont.example"):
        assert line in result.summary
    assert Journal.open(book_path).entries() == {}  # a preview sends nothing and logs no intent


def test_a_person_skips_or_postpones_a_line_and_the_decision_survives(book_path, tmp_path):
    preview.run(FileBook.open(book_path), today=TODAY, book_path=book_path, out_dir=tmp_path / "a")
    set_decision(book_path, "C1 J+30", "Ignorer")
    set_decision(book_path, "C3 J+7", "Reporter au 03/07/2025")
    preview.run(FileBook.open(book_path), today=TODAY, book_path=book_path, out_dir=tmp_path / "b")
    queue = relances(book_path)
    assert (queue["C1 J+30"]["Statut"], queue["C1 J+30"]["Décision"]) == ("ignorée", "Ignorer")
    assert queue["C3 J+7"]["Statut"] == "reportée au 03/07/2025"
    recorder = Recorder()
    report = run_send(book_path, recorder)
    sent = {k.split("|")[0] for k in keys_of(recorder.messages)}
    assert sent == {"C2", "C4", "C5", "C6"}
    assert {(x.client, x.status) for x in report.lines if x.client in ("C1", "C3") and x.channel == "e-mail"} == {
        ("C1", "ignorée"), ("C3", "reportée au 03/07/2025")}
    # The sheet regenerated (by send) still carries them; on the 3rd of July C3 goes.
    assert relances(book_path)["C1 J+30"]["Décision"] == "Ignorer"
    later = Recorder()
    book = FileBook.open(book_path)
    send.run(book, today=TODAY + timedelta(days=3), book_path=book_path, transport=later)
    assert {k.split("|")[0] for k in keys_of(later.messages)} == {"C3"}


def test_decisions_survive_a_regeneration_of_the_sheet_by_someone_else(book_path, tmp_path):
    preview.run(FileBook.open(book_path), today=TODAY, book_path=book_path, out_dir=tmp_path / "a")
    set_decision(book_path, "C1 J+30", "Ignorer")
    preview.run(FileBook.open(book_path), today=TODAY, book_path=book_path, out_dir=tmp_path / "b")
    import openpyxl

    wb = openpyxl.load_workbook(book_path)
    del wb["Relances"]
    wb.save(book_path)
    recorder = Recorder()
    run_send(book_path, recorder)
    assert "C1" not in {k.split("|")[0] for k in keys_of(recorder.messages)}


def test_an_unreadable_decision_is_a_problem(book_path, tmp_path):
    preview.run(FileBook.open(book_path), today=TODAY, book_path=book_path, out_dir=tmp_path / "a")
    set_decision(book_path, "C1 J+30", "peut-être")
    result = preview.run(FileBook.open(book_path), today=TODAY, book_path=book_path, out_dir=tmp_path / "b")
    assert [(p.sheet, p.column, p.value) for p in result.problems if p.code == "queue.decision"] == [
        ("Relances", "Décision", "peut-être")]


# --- send -----------------------------------------------------------------------------


def test_send_once_then_nothing_the_same_day(book_path):
    recorder = Recorder()
    report = run_send(book_path, recorder)
    assert sorted(k.split("|")[0] for k in keys_of(recorder.messages)) == EMAIL_CLIENTS
    assert len(report.sent) == 6 and report.by_status("à appeler")
    ids = [str(m["Message-ID"]) for m in recorder.messages]
    assert len(set(ids)) == 6 and all(i.endswith(".relance@pixel.example>") for i in ids)
    journal_rows = rows_of(book_path, "Journal")
    results = [r[7] for r in journal_rows[1:]]
    assert results.count("envoyé") == 6 and results.count("à faire") == 5
    assert relances(book_path)["C1 J+30"]["Statut"] == "envoyé"
    again = Recorder()
    report = run_send(book_path, again)
    assert again.messages == [] and report.sent == []
    assert len(rows_of(book_path, "Journal")) == len(journal_rows)  # nothing new appended


def test_one_permanent_refusal_does_not_stop_the_others(book_path):
    recorder = Recorder({"martin@garage.example": Result(False, True, detail="550 no such user")})
    report = run_send(book_path, recorder)
    assert len(recorder.messages) == 6
    assert [(x.client, x.status) for x in report.failed] == [("C2", "échec définitif")]
    assert "550" in report.summary
    # Not retried automatically: the address must be fixed and « à renvoyer » written.
    again = Recorder()
    run_send(book_path, again)
    assert again.messages == []


def test_a_transient_failure_is_retried_on_the_next_run(book_path):
    run_send(book_path, Recorder({"martin@garage.example": Result(False, False, detail="421 busy")}))
    again = Recorder()
    run_send(book_path, again)
    assert [k.split("|")[0] for k in keys_of(again.messages)] == ["C2"]


def test_a_fatal_transport_error_stops_the_emails(book_path):
    recorder = Recorder({"compta@dupont.example": Result(False, True, detail="535 login refused", fatal=True)})
    report = run_send(book_path, recorder)
    assert len(recorder.messages) == 1
    # Nothing reached a server: the one attempted stays pending like the others, never « échec définitif ».
    assert "535" in report.stopped and len(report.by_status("non envoyé")) == 6 and report.failed_run
    again = Recorder()
    run_send(book_path, again)
    assert len(again.messages) == 6


def test_a_crash_between_intent_and_result_is_never_resent(book_path):
    crashing = Recorder(crash_on=2)
    with pytest.raises(KeyboardInterrupt):
        run_send(book_path, crashing)
    lost = keys_of(crashing.messages)[1]
    again = Recorder()
    report = run_send(book_path, again)
    assert lost not in keys_of(again.messages)
    assert keys_of(crashing.messages)[0] not in keys_of(again.messages)
    assert len(again.messages) == 4
    assert [x.key for x in report.to_check] == [lost]
    journal = rows_of(book_path, "Journal")
    assert any(r[8] == lost and r[7] == "à vérifier" for r in journal)


def notice_due(book_path: Path) -> None:
    """C3 has had its three reminders: the formal notice is due today."""
    from datetime import datetime
    from decimal import Decimal

    from addin.core.dunning import DEFAULTS
    from addin.core.model import Action, ActionItem, Client

    for step, days in ((DEFAULTS["Professionnel"][2], 38), (DEFAULTS["Professionnel"][4], 30),
                       (DEFAULTS["Professionnel"][5], 15)):
        d = TODAY - timedelta(days=days)
        journal = Journal.open(book_path, clock=lambda d=d: datetime(d.year, d.month, d.day, 9))
        item = ActionItem("F004", "", None, None, Decimal("2400"), 0, Decimal(0), Decimal(0))
        action = Action(Client("C3", "Studio Roux"), step, d, (item,), Decimal("2400"), Decimal(0), Decimal(0))
        journal.intent(action, "<x>", ["roux@studio.example"])
        journal.result(action.key, Result(True))


def test_the_formal_notice_carries_its_letter_and_a_registered_letter_task(book_path):
    notice_due(book_path)
    recorder = Recorder()
    report = run_send(book_path, recorder)
    notice = next(m for m in recorder.messages if "C3|" in str(m["X-Relance-Key"]))
    assert "J+45" in str(notice["X-Relance-Key"])
    assert any(part.get_content_type() == "application/pdf" for part in notice.iter_attachments())
    line = next(x for x in report.lines if x.client == "C3")
    assert line.status == "envoyé" and "LRAR" in line.detail
    assert any(e.step == "J+45 LRAR" and e.state == "task" for e in Journal.open(book_path).entries().values())


def test_outbox_when_no_smtp_server(book_path, tmp_path):
    outbox = tmp_path / "outbox"
    report = send.run(FileBook.open(book_path), today=TODAY, book_path=book_path, outbox=outbox, environ={})
    assert len(report.prepared) == 6 and len(list(outbox.glob("*.eml"))) == 6 and not report.sent


def test_progress_is_reported_per_message(book_path):
    seen = []
    run_send(book_path, Recorder(), progress=lambda n, total, label: seen.append((n, total)))
    assert seen == [(n, 11) for n in range(1, 12)]


# --- a real SMTP server and a real kill -------------------------------------------------


class SlowHandler:
    """Records every message it receives; from the ``slow_from``-th on, waits before answering."""

    def __init__(self, log: Path, slow_from: int):
        self.log = log
        self.slow_from = slow_from
        self.count = 0
        self.reached = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=default_policy)
        self.count += 1
        with open(self.log, "a", encoding="utf-8") as f:
            f.write(json.dumps({"key": str(msg["X-Relance-Key"]), "id": str(msg["Message-ID"])}) + "\n")
            f.flush()
        if self.slow_from and self.count >= self.slow_from:
            self.reached.set()
            await asyncio.sleep(60)
        return "250 OK"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CHILD = """
import sys
from datetime import date
from pathlib import Path
from addin.books.file import FileBook
from addin.actions import send
path = Path(sys.argv[1])
report = send.run(FileBook.open(path), today=date(2025, 6, 30), book_path=path)
print(len(report.sent))
"""


def test_killed_mid_run_each_message_at_most_once(book_path, tmp_path):
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")
    received = tmp_path / "received.jsonl"
    handler = SlowHandler(received, slow_from=2)
    controller = aiosmtpd.Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        port = controller.port
        env = {**os.environ, "RELANCE_SMTP_HOST": "127.0.0.1", "RELANCE_SMTP_PORT": str(port),
               "RELANCE_SMTP_SECURITY": "none", "PYTHONPATH": str(ROOT)}
        env.pop("RELANCE_SMTP_USER", None)
        env.pop("RELANCE_SMTP_PASSWORD", None)
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(book_path)], env=env, cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert handler.reached.wait(60), child.communicate(timeout=5)
        child.send_signal(signal.SIGKILL)
        child.wait(30)
        assert child.returncode == -signal.SIGKILL

        handler.slow_from = 0  # the server answers at once from now on
        for _ in range(2):  # the re-run, then a second send the same day
            rerun = subprocess.run([sys.executable, "-c", CHILD, str(book_path)], env=env, cwd=ROOT,
                                   capture_output=True, text=True, timeout=120)
            assert rerun.returncode == 0, rerun.stderr
    finally:
        controller.stop()

    delivered = [json.loads(line)["key"] for line in received.read_text("utf-8").splitlines()]
    assert len(delivered) == len(set(delivered)), delivered  # at most once
    journal = Journal.open(book_path)
    entries = journal.entries()
    emails = [k for k, e in entries.items() if e.channel == "e-mail"]
    assert sorted(k.split("|")[0] for k in emails) == EMAIL_CLIENTS
    to_check = [e.key for e in journal.unknown()]
    assert len(to_check) == 1 and to_check[0] in delivered  # the one killed mid-answer
    for key in emails:  # delivered once, or marked « à vérifier »
        assert (key in delivered and entries[key].state in ("sent", "unknown")), (key, entries[key].state)
    journal_sheet = rows_of(book_path, "Journal")
    assert sum(1 for r in journal_sheet if r[8] == to_check[0] and r[7] == "à vérifier") == 1
    assert sum(1 for r in journal_sheet if r[7] == "envoyé") == 5


class LateAnswerFor:
    """Stores every message; answers 250 late (past the client's timeout) for one recipient."""

    def __init__(self, slow_rcpt: str, delay: float):
        self.slow_rcpt, self.delay = slow_rcpt, delay
        self.received: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=default_policy)
        self.received.append(str(msg["X-Relance-Key"]))
        if self.slow_rcpt in envelope.rcpt_tos:
            await asyncio.sleep(self.delay)
        return "250 OK"


def test_a_message_whose_answer_never_came_is_to_check_and_never_sent_again(book_path):
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")
    from addin.mail.send import SmtpTransport

    handler = LateAnswerFor("martin@garage.example", delay=3)
    controller = aiosmtpd.Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        def transport():
            return SmtpTransport("127.0.0.1", controller.port, "", None, "none", timeout=1, retries=3,
                                 sleep=lambda s: None)

        report = run_send(book_path, transport())
        second = run_send(book_path, transport())  # the same day, or any later day: never re-sent
    finally:
        controller.stop()
    slow = [k for k in handler.received if k.startswith("C2|")]
    assert len(slow) == 1  # exactly one copy reached the server
    assert [(x.client, x.status) for x in report.lines if x.channel == "e-mail" and x.client == "C2"] == [
        ("C2", "à vérifier")]
    assert "sort inconnu" in report.summary or "C2" in report.summary
    entry = Journal.open(book_path).entries()[slow[0]]
    assert entry.state == "unknown" and entry.result_label == "à vérifier"
    assert any(r[8] == slow[0] and r[7] == "à vérifier" for r in rows_of(book_path, "Journal"))
    assert [x.key for x in second.to_check] == [slow[0]]
    assert len([k for k in handler.received if k.startswith("C2|")]) == 1


def factures(path: Path) -> dict[str, dict[str, object]]:
    rows = rows_of(path, "Factures")
    header = rows[0]
    return {r[0]: dict(zip(header, r)) for r in rows[1:] if r and r[0]}


def test_preview_and_send_keep_the_last_reminder_column(book_path, tmp_path):
    run_send(book_path, Recorder())
    sent = factures(book_path)
    assert sent["F001"]["Dernière relance"] is not None  # send writes it
    preview.run(FileBook.open(book_path), today=TODAY + timedelta(days=1), book_path=book_path, out_dir=tmp_path / "p")
    after = factures(book_path)
    for number in ("F001", "F002", "F003", "F004", "F005", "F007", "F008"):
        assert after[number]["Dernière relance"] is not None, number  # the preview used to blank it
        assert after[number]["Dernière relance"] == sent[number]["Dernière relance"]
    run_send(book_path, Recorder())  # nothing new to send: the column stays
    assert factures(book_path)["F001"]["Dernière relance"] == sent["F001"]["Dernière relance"]


def test_the_queue_depends_on_the_run_day_not_on_the_machine_clock(tmp_path, monkeypatch):
    """send --today D with the clock on another day, then a refresh five days later: the same
    queue as when the clock said D (the history is dated by the run's day)."""
    import datetime as dt

    import addin.mail.journal as journal_module
    from addin.actions import refresh

    from .conftest import build_book

    def queue_after_send(clock_day):
        class Clock(dt.datetime):
            @classmethod
            def now(cls, tz=None):
                return cls(clock_day.year, clock_day.month, clock_day.day, 9, 0, 0)

        folder = tmp_path / clock_day.isoformat()
        folder.mkdir()
        path = build_book(folder / "Registre.xlsx")
        monkeypatch.setattr(journal_module, "datetime", Clock)
        run_send(path, Recorder())
        monkeypatch.setattr(journal_module, "datetime", dt.datetime)
        refresh.run(FileBook.open(path), today=TODAY + timedelta(days=5), book_path=path)
        lines = relances(path)
        invoices = factures(path)
        return (sorted(lines), {k: (v["Prochaine action"], v["Date prochaine action"], v["Dernière relance"])
                                for k, v in invoices.items()})

    on_the_day = queue_after_send(TODAY)
    assert "C3 J+15" in on_the_day[0]  # C3's catch-up, five days after its J+7
    assert queue_after_send(TODAY + timedelta(days=3)) == on_the_day
    assert queue_after_send(TODAY - timedelta(days=2)) == on_the_day


def test_the_queue_sheet_gives_the_interest_and_indemnity_to_date_and_what_each_message_claims(book_path, tmp_path):
    preview.run(FileBook.open(book_path), today=TODAY, book_path=book_path, out_dir=tmp_path / "p")
    queue = relances(book_path)
    friendly = queue["C2 J+7"]  # relance_1 claims neither, but F003 (960 €, 7 days late) carries both
    assert friendly["Intérêts à date"] == pytest.approx(round(960 * 0.1215 * 7 / 365, 2), abs=0.5)
    assert friendly["Intérêts à date"] > 0 and friendly["Indemnités à date"] == 40
    assert friendly["Total réclamé"] == friendly["Reste dû"]  # what the message asks
    last = queue["C1 J+30"]  # relance_3 claims both
    assert last["Intérêts à date"] > 0 and last["Indemnités à date"] == 80
    assert last["Total réclamé"] == pytest.approx(last["Reste dû"] + last["Intérêts à date"] + last["Indemnités à date"])
    consumer = queue["C4 J+3"]  # no 40 € for a consumer, no interest before the formal notice
    assert (consumer["Intérêts à date"], consumer["Indemnités à date"]) == (0, 0)


def test_an_invoice_on_an_installment_plan_is_reminded_for_the_installment_due(tmp_path):
    """A 3,000 € invoice spread over three installments, the first one 7 days late: the J+7
    e-mail asks 1,000 €, says the 3,000 € remaining and the next date; the queue sheet too."""
    import openpyxl

    from .conftest import CLIENTS, INVOICES, build_book

    path = build_book(tmp_path / "Registre.xlsx", invoices=INVOICES + [("F009", "C6", TODAY.replace(day=1), 3000.00, "")],
                      clients=CLIENTS)
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("Échéanciers")
    ws.append(["N° plan", "Code client", "Objet", "Montant total", "Étape", "Pourcentage", "Montant", "Échéance",
               "N° facture"])
    for n, when in enumerate((TODAY - timedelta(days=7), TODAY + timedelta(days=23), TODAY + timedelta(days=53)), 1):
        ws.append(["P1", "C6", "Étalement", 3000.00, f"Échéance {n}", None, 1000.00, when, "F009"])
    wb.save(path)
    out = tmp_path / "apercu"
    result = preview.run(FileBook.open(path), today=TODAY, book_path=path, out_dir=out)
    mail = next(a for a in result.actions if a.client.code == "C6" and a.step.channel.value == "e-mail")
    item = next(i for i in mail.items if i.number == "F009")
    assert (float(item.balance), float(item.remaining), item.next_installment) == (
        1000.0, 3000.0, TODAY + timedelta(days=23))
    text = email.message_from_bytes(next(out.glob("*-C6-*.eml")).read_bytes(), policy=default_policy)
    body = text.get_body(("plain",)).get_content().replace("\u202f", " ").replace("\xa0", " ")
    assert "1 000,00 €" in body and "reste dû sur la facture 3 000,00 €" in body
    line = relances(path)[f"C6 {mail.step.name}"]
    assert line["Reste dû"] == 720.0 + 1000.0  # F008's balance and F009's installment due, not 3,000 €


def test_a_message_that_states_interest_waits_while_the_rate_table_lacks_the_half_year(tmp_path):
    """2027 H1 is not in the shipped rate table: the last reminder (it states the interest) is
    held with its reason; a reminder that states none goes."""
    from datetime import date

    from .conftest import build_book

    today = date(2027, 1, 12)
    path = build_book(tmp_path / "Registre.xlsx", invoices=[
        ("F101", "C1", date(2026, 11, 10), 1200.00, ""),  # due 10/12/2026: 33 days late -> J+30 (relance_3)
        ("F102", "C2", date(2026, 12, 6), 960.00, ""),  # due 05/01/2027: 7 days late -> J+7 (relance_1)
    ])
    result = preview.run(FileBook.open(path), today=today, book_path=path, out_dir=tmp_path / "p")
    steps = {(a.client.code, a.step.name) for a in result.actions}
    assert ("C1", "J+30") not in steps and ("C2", "J+7") in steps
    held = [p for p in result.problems if p.code == "queue.rate_missing"]
    assert len(held) == 1 and "C1" in held[0].message and "F101" in held[0].message
    f101 = factures(path)["F101"]
    assert f101["Prochaine action"] == "Taux manquant : complétez la feuille Taux"
    text = email.message_from_bytes(next((tmp_path / "p").glob("*-C2-J+7.eml")).read_bytes(), policy=default_policy)
    assert "0,00 €" not in text.get_body(("plain",)).get_content().replace("\u202f", " ")


# --- second review: what a person decides ------------------------------------------------


def add_invoice(path: Path, number: str, client: str, issued, ttc: float) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb["Factures"]
    row = next(r for r in range(2, ws.max_row + 2) if ws.cell(r, 1).value in (None, ""))
    for col, value in enumerate((number, client, issued, ttc), start=1):
        ws.cell(row, col).value = value
    ws.cell(row, 3).number_format = "dd/mm/yyyy"
    wb.save(path)


def next_action(path: Path, number: str) -> tuple:
    rows = rows_of(path, "Factures")
    header = rows[0]
    row = next(r for r in rows[1:] if r[0] == number)
    record = dict(zip(header, row))
    return record["Prochaine action"], record["Date prochaine action"]


def test_an_ignored_line_is_done_for_its_invoices_and_never_comes_back_under_a_new_key(book_path, tmp_path):
    from addin.actions import refresh

    preview.run(FileBook.open(book_path), today=TODAY, book_path=book_path, out_dir=tmp_path / "a")
    set_decision(book_path, "C2 J+7", "Ignorer")
    report = run_send(book_path, Recorder())
    assert ("C2", "J+7", "ignorée") in {(x.client, x.step, x.status) for x in report.lines}
    assert relances(book_path)["C2 J+7"]["Statut"] == "ignorée"  # shown the day it was decided
    # The next day: no « J+7 ignorée » line again, F003 waits for J+15 at its date (07/07 + 1).
    day = TODAY + timedelta(days=1)
    recorder = Recorder()
    send.run(FileBook.open(book_path), today=day, book_path=book_path, transport=recorder)
    assert not [k for k in keys_of(recorder.messages) if k.startswith("C2|")]
    assert "C2 J+7" not in relances(book_path)
    refresh.run(FileBook.open(book_path), today=day, book_path=book_path)
    assert next_action(book_path, "F003")[0] == "E-mail J+15"
    # A new invoice joins C2's overdue items (the key would change): J+7 is not sent for F003.
    add_invoice(book_path, "F009", "C2", TODAY - timedelta(days=36), 300.0)  # due 25/06, 6 days late
    recorder = Recorder()
    send.run(FileBook.open(book_path), today=day, book_path=book_path, transport=recorder)
    for m in recorder.messages:
        key = str(m["X-Relance-Key"])
        assert not (key.startswith("C2|") and "|J+7|" in key and "F003" in key), key


def test_a_postponed_line_stays_postponed_when_an_invoice_joins_it(book_path, tmp_path):
    preview.run(FileBook.open(book_path), today=TODAY, book_path=book_path, out_dir=tmp_path / "a")
    set_decision(book_path, "C1 J+30", "Reporter au 03/07/2025")
    preview.run(FileBook.open(book_path), today=TODAY, book_path=book_path, out_dir=tmp_path / "b")
    add_invoice(book_path, "F010", "C1", TODAY - timedelta(days=32), 90.0)  # due 28/06: joins C1's line
    recorder = Recorder()
    report = run_send(book_path, recorder)
    assert not [k for k in keys_of(recorder.messages) if k.startswith("C1|")]
    line = next(x for x in report.lines if x.client == "C1" and x.step == "J+30")
    assert line.key.endswith("F001,F002,F010") and line.status == "reportée au 03/07/2025"
    assert relances(book_path)["C1 J+30"]["Décision"] == "Reporter au 03/07/2025"
    later = Recorder()
    send.run(FileBook.open(book_path), today=TODAY + timedelta(days=3), book_path=book_path, transport=later)
    assert [k for k in keys_of(later.messages) if k.startswith("C1|")] == ["C1|Professionnel|J+30|F001,F002,F010"]


def test_a_reminder_only_the_copy_received_is_not_sent_and_never_resent(book_path):
    """The client's server kept refusing its address (451 greylisting, retries exhausted) while
    the copy took the message: not « envoyé », not one of the three reminders, never re-sent on
    its own, and the summary says what to do."""
    from addin.core import dunning
    from addin.mail.journal import read_history

    partial = Result(False, detail="envoyé partiellement : refusé pour martin@garage.example (451 4.7.1 greylisted)",
                     partial=True)
    recorder = Recorder({"martin@garage.example": partial})
    report = run_send(book_path, recorder)
    line = next(x for x in report.lines if x.client == "C2" and x.channel == "e-mail")
    assert line.status == "envoyé partiellement" and "451" in line.detail
    assert report.partial == [line] and "Envoyé partiellement" in report.summary and "C2 J+7" in report.summary
    journal = rows_of(book_path, "Journal")
    assert any(r[7] == "envoyé partiellement" for r in journal if r and r[1] == "C2"), journal
    # Never re-sent automatically, the same day or later.
    again = Recorder()
    report = run_send(book_path, again)
    assert not [k for k in keys_of(again.messages) if k.startswith("C2|Professionnel|J+7|")]
    # Not a reminder the client received: the notice still needs three others.
    history, _ = read_history(FileBook.open(book_path), Journal.open(book_path))
    mine = [r for r in history.reminders if r.client == "C2" and r.step == "J+7"]
    assert [r.state for r in mine] == ["partial"] and "partial" not in dunning.DELIVERED


def add_journal_row(path: Path, **cells) -> None:
    import openpyxl

    from addin.register import schema

    wb = openpyxl.load_workbook(path)
    ws = wb["Journal"] if "Journal" in wb.sheetnames else wb.create_sheet("Journal")
    headers = [c.fr for c in schema.JOURNAL.columns]
    if ws.max_row == 1 and ws.cell(1, 1).value is None:
        for col, h in enumerate(headers, start=1):
            ws.cell(1, col).value = h
    ws.append([cells.get(c.key) for c in schema.JOURNAL.columns])
    wb.save(path)


def test_a_promise_or_a_dispute_noted_on_a_journal_call_row_is_the_invoices_status(book_path):
    from addin.actions import refresh

    add_journal_row(book_path, timestamp=TODAY - timedelta(days=1), client="C2", invoices="F003", channel="Appel",
                    outcome="Promesse", promise_date=TODAY + timedelta(days=5))
    add_journal_row(book_path, timestamp=TODAY - timedelta(days=1), client="C6", invoices="F008", channel="Appel",
                    outcome="Litige", dispute_reason="prestation contestée")
    refresh.run(FileBook.open(book_path), today=TODAY, book_path=book_path)
    rows = rows_of(book_path, "Factures")
    status = {r[0]: dict(zip(rows[0], r))["Statut"] for r in rows[1:] if r[0]}
    assert status["F003"] == "Promesse de paiement"
    assert status["F008"] == "En litige"
    assert status["F001"] == "En retard"
    assert next_action(book_path, "F003") == ("Promesse de paiement", TODAY + timedelta(days=6))
    assert next_action(book_path, "F008")[0] == "En litige : prestation contestée"
    # Past the promise, the invoice is late again.
    refresh.run(FileBook.open(book_path), today=TODAY + timedelta(days=6), book_path=book_path)
    rows = rows_of(book_path, "Factures")
    assert {r[0]: dict(zip(rows[0], r))["Statut"] for r in rows[1:] if r[0]}["F003"] == "En retard"
