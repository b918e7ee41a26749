"""Issue 14: every reminder reaches a real SMTP server (aiosmtpd on 127.0.0.1) at most once, whatever
happens around the workbook: read-only, open in Excel or LibreOffice, a link, a second path, a copy,
a file-size limit, a torn log line, a bad configuration, a refresh during the send, kill -9."""

from __future__ import annotations

import email
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from email.policy import default as default_policy
from pathlib import Path

import pytest
from typer.testing import CliRunner

from addin.actions import send
from addin.books.file import FileBook
from addin.cli import app
from addin.mail.journal import Journal

from tests.mail.test_send import certificate  # noqa: F401  (module fixture: a self-signed certificate)

from .conftest import TODAY, build_book

controller_module = pytest.importorskip("aiosmtpd.controller")

ROOT = Path(__file__).resolve().parents[2]
DAY = ["--today", TODAY.isoformat()]
EMAILS = 6  # the conftest register's e-mails on TODAY (and 5 calls)


class Recorder:
    """Every message the server accepts: (Message-ID, X-Relance-Key)."""

    def __init__(self):
        self.messages: list[tuple[str, str]] = []
        self.on_data = None  # called (in the server's thread) before answering

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append((str(msg["Message-ID"]), str(msg["X-Relance-Key"])))
        if self.on_data is not None:
            self.on_data(len(self.messages))
        return "250 OK"

    def keys(self) -> list[str]:
        return [k for _, k in self.messages]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(monkeypatch, tmp_path):
    """A plain SMTP server on 127.0.0.1 and the environment that points Relance at it."""
    recorder = Recorder()
    controller = controller_module.Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    for name, value in {"RELANCE_SMTP_HOST": "127.0.0.1", "RELANCE_SMTP_PORT": str(controller.port),
                        "RELANCE_SMTP_SECURITY": "none", "RELANCE_HOME": str(tmp_path / "home"),
                        "RELANCE_LOCK_WAIT": "0.3"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("RELANCE_SMTP_USER", raising=False)
    monkeypatch.delenv("RELANCE_SMTP_PASSWORD", raising=False)
    recorder.port = controller.port
    yield recorder
    controller.stop()


def cli(*args: str):
    return CliRunner().invoke(app, [*args])


def one_line(output: str) -> str:
    return " ".join(output.split())


def intents(path: Path) -> int:
    return sum(1 for r in Journal.open(path).records() if r.get("type") == "intent")


def journal_rows(path: Path) -> list[tuple]:
    book = FileBook.open(path)
    if "Journal" not in book.sheet_names():
        return []
    return [r for r in book.read_sheet("Journal").rows[1:] if any(v is not None for v in r)]


# --- the workbook cannot be saved: nothing is sent ------------------------------------------


@pytest.mark.parametrize("lock", ["~$Registre.xlsx", ".~lock.Registre.xlsx#"])
def test_a_workbook_open_in_excel_or_libreoffice_sends_nothing(smtp, book_path, lock):
    (book_path.parent / lock).write_text("marie", encoding="utf-8")
    before = book_path.read_bytes()
    result = cli("send", str(book_path), *DAY)
    assert result.exit_code == 1
    assert ("Excel" if lock.startswith("~$") else "LibreOffice") in one_line(result.output)
    assert smtp.messages == [] and intents(book_path) == 0 and book_path.read_bytes() == before
    (book_path.parent / lock).unlink()  # closed: the send goes, once
    assert cli("send", str(book_path), *DAY).exit_code == 0
    assert len(smtp.messages) == EMAILS


def test_a_read_only_workbook_sends_nothing_and_never_advises_a_copy(smtp, book_path):
    book_path.chmod(0o444)
    result = cli("send", str(book_path), *DAY)
    assert result.exit_code == 1 and "lecture seule" in one_line(result.output)
    assert "copi" not in one_line(result.output).lower()  # a copy would start without its send log
    assert smtp.messages == [] and intents(book_path) == 0
    book_path.chmod(0o644)
    assert cli("send", str(book_path), *DAY).exit_code == 0 and len(smtp.messages) == EMAILS


def test_an_unwritable_folder_sends_nothing(smtp, book_path):
    log_folder = book_path.parent / ".relance"
    log_folder.mkdir()
    book_path.parent.chmod(0o555)
    try:
        result = cli("send", str(book_path), *DAY)
    finally:
        book_path.parent.chmod(0o755)
    assert result.exit_code == 1 and "ne peut pas être modifié" in one_line(result.output)
    assert "copi" not in one_line(result.output).lower()
    assert smtp.messages == [] and intents(book_path) == 0


def test_too_little_free_space_sends_nothing(smtp, book_path, monkeypatch):
    import shutil as sh

    from addin.books import preflight

    usage = sh.disk_usage(book_path.parent)
    monkeypatch.setattr(preflight.shutil, "disk_usage", lambda _p: usage._replace(free=50_000))
    result = cli("send", str(book_path), *DAY)
    assert result.exit_code == 1 and "Espace disque insuffisant" in one_line(result.output)
    assert smtp.messages == [] and intents(book_path) == 0


# --- links, second paths, copies, moves -----------------------------------------------------


def test_a_link_finds_the_same_history_and_stays_a_link(smtp, book_path):
    link = book_path.with_name("Lien.xlsx")
    link.symlink_to(book_path.name)
    assert cli("send", str(link), *DAY).exit_code == 0
    assert len(smtp.messages) == EMAILS
    assert link.is_symlink() and os.readlink(link) == book_path.name  # saved through it, still a link
    assert len([r for r in journal_rows(book_path) if r[7] == "envoyé"]) == EMAILS  # the real file changed
    assert cli("send", str(book_path), *DAY).exit_code == 0  # the real path: the same log
    assert len(smtp.messages) == EMAILS
    assert not (book_path.parent / ".relance" / "Lien.xlsx.journal.jsonl").exists()


def test_a_second_path_through_a_linked_folder_finds_the_same_history(smtp, book_path, tmp_path):
    alias = tmp_path.parent / (tmp_path.name + "-alias")
    alias.symlink_to(tmp_path, target_is_directory=True)
    try:
        assert cli("send", str(alias / book_path.name), *DAY).exit_code == 0
        assert cli("send", str(book_path), *DAY).exit_code == 0
    finally:
        alias.unlink()
    assert len(smtp.messages) == EMAILS


def test_two_sends_at_once_through_a_link_and_the_real_path_never_double(smtp, book_path, tmp_path):
    """A second process holds the workbook's lock through the link: a send on the real path waits,
    then refuses; nothing is sent twice."""
    link = book_path.with_name("Lien.xlsx")
    link.symlink_to(book_path.name)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\nfrom addin.actions.lock import command_lock\n"
         "with command_lock(sys.argv[1]):\n    print('held', flush=True)\n    time.sleep(30)\n", str(link)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout.readline().strip() == "held"
        busy = cli("send", str(book_path), *DAY)
    finally:
        holder.kill()
        holder.wait(10)
    assert busy.exit_code == 1 and "Une autre commande Relance" in one_line(busy.output)
    assert smtp.messages == []
    assert cli("send", str(book_path), *DAY).exit_code == 0 and len(smtp.messages) == EMAILS


def test_a_copy_or_a_move_finds_the_same_history_on_this_computer(smtp, book_path, tmp_path):
    assert cli("send", str(book_path), *DAY).exit_code == 0
    copy = tmp_path / "ailleurs" / "Registre copie.xlsx"
    copy.parent.mkdir()
    shutil.copyfile(book_path, copy)
    # The copy's Journal sheet says nothing (as when the original's save failed): only the log knows.
    result = cli("send", str(copy), *DAY)
    assert result.exit_code == 0, result.output
    assert "copié ou déplacé" in one_line(result.output)
    moved = tmp_path / "rangé" / "Registre.xlsx"
    moved.parent.mkdir()
    book_path.rename(moved)
    assert cli("send", str(moved), *DAY).exit_code == 0
    assert len(smtp.messages) == EMAILS


def test_a_copy_whose_history_is_nowhere_is_refused_until_a_person_decides(smtp, book_path, tmp_path, monkeypatch):
    assert cli("send", str(book_path), *DAY).exit_code == 0
    other = tmp_path / "autre-ordinateur" / "Registre.xlsx"
    other.parent.mkdir()
    shutil.copyfile(book_path, other)
    monkeypatch.setenv("RELANCE_HOME", str(tmp_path / "other-home"))  # another computer: no shortcut
    refused = cli("send", str(other), *DAY)
    assert refused.exit_code == 1 and "journal d'envoi est introuvable" in one_line(refused.output)
    assert "--new-history" in one_line(refused.output)
    assert len(smtp.messages) == EMAILS
    # The person decides: a new history. The copy's Journal sheet still lists every send.
    decided = cli("send", str(other), *DAY, "--new-history")
    assert decided.exit_code == 0, decided.output
    assert len(smtp.messages) == EMAILS
    assert FileBook.open(other).read_sheet("_Relance")  # a new identifier, its own from now on


def test_a_copy_without_its_log_still_dates_steps_by_the_run_day(smtp, book_path, tmp_path, monkeypatch):
    """Run with --today, copied without .relance/: the Journal sheet's run date, not the machine's
    clock (the real time of sending, kept beside it), dates each step of the history."""
    from addin.mail.journal import read_history

    assert cli("send", str(book_path), *DAY).exit_code == 0
    other = tmp_path / "copie" / "Registre.xlsx"
    other.parent.mkdir()
    shutil.copyfile(book_path, other)
    rows = [r for r in journal_rows(other) if r[7] == "envoyé"]
    assert len(rows) == EMAILS
    history, _ = read_history(FileBook.open(other), Journal.open(other))  # no log beside the copy
    sent = [r for r in history.reminders if r.key in {row[8] for row in rows}]
    assert len(sent) == EMAILS and {r.on for r in sent} == {TODAY}


# --- the log ------------------------------------------------------------------------------


def test_a_torn_intent_is_to_check_never_sent(smtp, book_path, monkeypatch):
    """A run dies while writing an intent (full disk, kill): that line is torn. Its message is
    « à vérifier », never "not sent": the next run does not send it."""
    results = []

    def crash_on_third(self, key, result):
        results.append(key)
        if len(results) == 3:
            raise KeyboardInterrupt
        return original(self, key, result)

    original = Journal.result
    with monkeypatch.context() as m:
        m.setattr(Journal, "result", crash_on_third)
        with pytest.raises(KeyboardInterrupt):
            send.run(FileBook.open(book_path), today=TODAY, book_path=book_path)
    log = Journal.open(book_path).path
    lines = log.read_bytes().splitlines(keepends=True)
    assert b'"type": "intent"' in lines[-1]
    key = json.loads(lines[-1])["key"]
    log.write_bytes(b"".join(lines[:-1]) + lines[-1][:70])  # the intent cut short
    assert Journal.open(book_path).entries()[key].state == "unknown"
    result = cli("send", str(book_path), *DAY)
    assert result.exit_code == 0
    assert smtp.keys().count(key) == 1 and len(smtp.messages) == EMAILS  # never twice
    assert "à vérifier" in one_line(result.output) and key.split("|")[0] in one_line(result.output)
    assert any(r[8] == key and r[7] == "à vérifier" for r in journal_rows(book_path))


def test_a_file_size_limit_never_tears_a_send(smtp, book_path):
    """In a child process with RLIMIT_FSIZE, the log reaches the limit in the middle of the run:
    the write that does not fit is cut off again, nothing unlogged is sent, the run says so."""
    # How many bytes the log takes up to the first result: measured on a copy sent to the outbox.
    rehearsal = book_path.parent / "répétition" / book_path.name
    rehearsal.parent.mkdir()
    shutil.copyfile(book_path, rehearsal)
    with pytest.MonkeyPatch.context() as m:
        m.delenv("RELANCE_SMTP_HOST")
        assert cli("send", str(rehearsal), *DAY, "--outbox", str(rehearsal.parent / "out")).exit_code == 0
    lines = Journal.open(rehearsal).path.read_bytes().splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if b'"type": "result"' in line)
    room = len(b"".join(lines[:first + 1])) + 100  # the first message fits, the next intent does not

    log = Journal.open(book_path).path
    log.parent.mkdir()
    pad = json.dumps({"key": "ZZ|pad|pad|0", "type": "decision", "text": "x" * 200}) + "\n"
    log.write_text(pad * 1500, encoding="utf-8")  # ~330 kB: the workbook itself stays well below the limit
    limit = log.stat().st_size + room
    code = ("import resource, sys\n"
            f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))\n"
            "from addin.cli import app\n"
            "sys.exit(app(sys.argv[1:]))\n")
    child = subprocess.run([sys.executable, "-c", code, "send", str(book_path), *DAY], cwd=ROOT,
                           capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert child.returncode == 1, child.stdout + child.stderr
    assert "Traceback" not in child.stderr
    assert "journal d'envoi impossible à écrire" in one_line(child.stdout)
    assert len(smtp.messages) == 1
    journal = Journal.open(book_path)
    assert journal.torn_lines == 0  # the line that did not fit was cut off again
    assert all(journal.entries()[k].state == "sent" for k in smtp.keys())
    assert cli("send", str(book_path), *DAY).exit_code == 0  # the limit gone: the rest, once
    assert sorted(smtp.keys()) == sorted(set(smtp.keys())) and len(smtp.messages) == EMAILS


def test_a_file_size_limit_below_the_workbook_sends_nothing(smtp, book_path):
    code = ("import resource, sys\n"
            "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))\n"
            "from addin.cli import app\n"
            "sys.exit(app(sys.argv[1:]))\n")
    child = subprocess.run([sys.executable, "-c", code, "send", str(book_path), *DAY], cwd=ROOT,
                           capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert child.returncode == 1 and "ulimit" in child.stdout, child.stdout + child.stderr
    assert smtp.messages == [] and intents(book_path) == 0


# --- configuration and connection errors ------------------------------------------------------


def test_configuration_errors_stop_the_run_with_every_message_pending(smtp, book_path, monkeypatch, certificate):
    from aiosmtpd.smtp import AuthResult

    server_ctx, _client_ctx = certificate

    def refuse(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)

    plain_auth = controller_module.Controller(Recorder(), hostname="127.0.0.1", port=free_port(),
                                              authenticator=refuse, auth_require_tls=False)
    tls = controller_module.Controller(Recorder(), hostname="127.0.0.1", port=free_port(),
                                       tls_context=server_ctx, require_starttls=True)
    plain_auth.start()
    tls.start()
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")  # no stored password
    cases = {
        "no password": ({"RELANCE_SMTP_USER": "marie"}, smtp.port, "RELANCE_SMTP_PASSWORD"),
        "login refused": ({"RELANCE_SMTP_USER": "marie", "RELANCE_SMTP_PASSWORD": "faux"}, plain_auth.port,
                          "RELANCE_SMTP_PASSWORD"),
        "no STARTTLS": ({"RELANCE_SMTP_SECURITY": "starttls"}, smtp.port, "RELANCE_SMTP_SECURITY"),
        "TLS failure": ({"RELANCE_SMTP_SECURITY": "starttls"}, tls.port, "RELANCE_SMTP_SECURITY"),
        "no server": ({}, free_port(), "RELANCE_SMTP_HOST"),
    }
    try:
        for case, (env, port, variable) in cases.items():
            with monkeypatch.context() as m:
                m.setenv("RELANCE_SMTP_PORT", str(port))
                for name, value in env.items():
                    m.setenv(name, value)
                result = cli("send", str(book_path), *DAY)
            assert result.exit_code == 1, (case, result.output)
            assert variable in one_line(result.output), (case, result.output)
            assert "Traceback" not in one_line(result.output)
            assert intents(book_path) == 0, case  # no message marked: all pending
            assert not any(r.get("type") == "task" for r in Journal.open(book_path).records()), case
    finally:
        plain_auth.stop()
        tls.stop()
    assert smtp.messages == []
    assert cli("send", str(book_path), *DAY).exit_code == 0 and len(smtp.messages) == EMAILS


# --- a refresh during a send ----------------------------------------------------------------


def test_a_refresh_during_a_send_waits_then_refuses_and_erases_nothing(smtp, book_path):
    outcome = {}

    def refresh_now(count: int) -> None:
        if count == 2 and "code" not in outcome:  # in another process, while the send holds the book
            run = subprocess.run([sys.executable, "-m", "addin.cli", "refresh", str(book_path), *DAY], cwd=ROOT,
                                 capture_output=True, text=True, timeout=120,
                                 env={**os.environ, "PYTHONPATH": str(ROOT), "RELANCE_LOCK_WAIT": "0.2"})
            outcome.update(code=run.returncode, out=run.stdout + run.stderr)

    smtp.on_data = refresh_now
    assert cli("send", str(book_path), *DAY).exit_code == 0
    assert outcome["code"] == 1 and "Une autre commande Relance" in one_line(outcome["out"]), outcome
    assert len([r for r in journal_rows(book_path) if r[7] == "envoyé"]) == EMAILS
    assert cli("refresh", str(book_path), *DAY).exit_code == 0  # afterwards: it runs, the rows stay
    assert len([r for r in journal_rows(book_path) if r[7] == "envoyé"]) == EMAILS


# --- a save that fails after sending --------------------------------------------------------


def test_a_save_that_fails_after_sending_says_so_and_the_next_run_writes_the_rows_back(smtp, book_path,
                                                                                       monkeypatch):
    import addin.books.file as file_module

    calls = []
    real_write = file_module.atomic_write

    def full_disk_at_the_last_save(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:  # the first send stores the workbook's identifier before sending
            return real_write(*args, **kwargs)
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(file_module, "atomic_write", full_disk_at_the_last_save)
        result = cli("send", str(book_path), *DAY)
    assert result.exit_code == 1
    text = one_line(result.output)
    assert f"{EMAILS} relance(s) sont parties" in text and "le journal d'envoi les garde" in text
    assert "Traceback" not in one_line(result.output)
    assert journal_rows(book_path) == []  # not saved
    # Even moved elsewhere meanwhile, the workbook finds the log that holds its sends.
    moved = book_path.parent / "ailleurs" / book_path.name
    moved.parent.mkdir()
    book_path.rename(moved)
    book_path = moved
    again = cli("send", str(book_path), *DAY)
    assert again.exit_code == 0
    assert len(smtp.messages) == EMAILS  # nothing re-sent
    assert len([r for r in journal_rows(book_path) if r[7] == "envoyé"]) == EMAILS  # rows written back
    assert not list(book_path.parent.glob(".relance-*.tmp"))


def test_leftovers_of_an_interrupted_save_are_swept(smtp, book_path):
    tmp = book_path.parent / f".relance-{book_path.name}.abc123.tmp"
    tmp.write_bytes(b"x" * 1000)
    backups = book_path.parent / ".relance-backups"
    backups.mkdir()
    part = backups / f"{book_path.stem}.0001.20250630-101500{book_path.suffix}.part"
    part.write_bytes(b"y")
    other = book_path.parent / ".relance-Autre.xlsx.abc123.tmp"  # another workbook's: left alone
    other.write_bytes(b"z")
    assert cli("send", str(book_path), *DAY).exit_code == 0
    assert not tmp.exists() and not part.exists() and other.exists()


def test_the_backup_is_a_hard_link_when_the_file_system_allows(smtp, book_path):
    before = book_path.read_bytes()
    inode = book_path.stat().st_ino
    assert cli("send", str(book_path), *DAY).exit_code == 0
    first = min((book_path.parent / ".relance-backups").iterdir())  # the first save's backup: the original
    assert first.stat().st_ino == inode and first.read_bytes() == before  # no byte copied
    assert book_path.stat().st_ino != inode  # the workbook was replaced, not rewritten in place


# --- kill -9 at random moments ---------------------------------------------------------------


def _child_send(path: Path) -> None:
    """In a forked child: the send, then exit without running the parent's cleanups."""
    code = 0
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        from addin.actions import send as action
        from addin.cli import _open

        action.run(_open(path, TODAY), today=TODAY, book_path=path)
    except BaseException:
        code = 1
    os._exit(code)


def _fork_send(path: Path) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        _child_send(path)
    return pid


def _assert_whole(path: Path) -> None:
    assert not path.is_symlink()
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
    FileBook.open(path).read_sheet("Factures")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork: POSIX only")
def test_kill_9_at_random_moments_during_send_and_save_never_sends_twice(smtp, tmp_path):
    """Seeded trials: a send killed at a random moment (anywhere in the run, then inside the save's
    window), a second one killed too, then a clean run. Each reminder reaches the server at most
    once; each one that did not is pending or « à vérifier »; the workbook is always whole."""
    rng = random.Random(14)
    pristine = build_book(tmp_path / "pristine.xlsx")

    def trial_book(n: int) -> Path:
        folder = tmp_path / f"t{n}"
        folder.mkdir()
        path = folder / f"Registre{n}.xlsx"  # its own name: its own Message-IDs
        shutil.copyfile(pristine, path)
        return path

    # Warm up in this process (templates compiled once: each forked child starts warm), then
    # measure how long a whole send takes here.
    from addin.actions import send as action
    from addin.cli import _open

    path = trial_book(0)
    action.run(_open(path, TODAY), today=TODAY, book_path=path)
    path = trial_book(1)
    start = time.monotonic()
    pid = _fork_send(path)
    _, status = os.waitpid(pid, 0)
    total = time.monotonic() - start
    assert os.waitstatus_to_exitcode(status) == 0

    phases = {"send": 0, "save": 0, "after": 0}
    kills = 0
    deadline = time.monotonic() + 30  # seconds of trials: as many as fit (about 25 on a quiet 2-core machine)
    n = 1
    while (time.monotonic() < deadline or n < 9) and n < 60:  # at least 8 trials, however slow the machine
        n += 1
        path = trial_book(n)
        for at_save in (False, True):
            pid = _fork_send(path)
            if at_save:  # inside the save: once its temporary file or its backup appears
                limit = time.monotonic() + 3 * total + 1
                while time.monotonic() < limit and not (list(path.parent.glob(".relance-*.tmp"))
                                                        or list(path.parent.glob(".relance-backups/*.part"))):
                    time.sleep(0.001)
                time.sleep(rng.uniform(0, 0.02))
            else:
                time.sleep(rng.uniform(0, total))
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            kills += 1
            _assert_whole(path)  # the old workbook or the new one, never half of one
            state = Journal.open(path).entries()
            done = [e for e in state.values() if e.channel == "e-mail" and e.state in ("sent", "unknown")]
            phases["send" if len(done) < EMAILS else "save" if not journal_rows(path) else "after"] += 1
        pid = _fork_send(path)  # a clean run
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        _assert_whole(path)
        ids = [mid for mid, _ in smtp.messages if _book_of(mid, path)]
        assert len(ids) == len(set(ids)), f"trial {n}: a reminder was sent twice"
        entries = Journal.open(path).entries()
        emails = [e for e in entries.values() if e.channel == "e-mail"]
        assert len(emails) == EMAILS
        for e in emails:  # delivered once, or « à vérifier » (and then at most once)
            assert e.state in ("sent", "unknown"), (n, e.key, e.state)
            if e.state == "sent":
                assert e.message_id in ids
        assert len([r for r in journal_rows(path) if r[7] in ("envoyé", "à vérifier")]) >= EMAILS
        assert not list(path.parent.glob(".relance-*.tmp"))
        assert not list((path.parent / ".relance-backups").glob("*.part"))
    print(f"kill trials: {n - 1}, {kills} kills, a send takes {total:.2f} s, killed in: {phases}")
    assert kills >= 16
    assert phases["send"] >= 1 and phases["save"] + phases["after"] >= 1, phases


def _book_of(message_id: str, path: Path) -> bool:
    return message_id in {e.message_id for e in Journal.open(path).entries().values()}


# --- one lock for every command ---------------------------------------------------------------


def _hold_lock(path: Path) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\nfrom addin.actions.lock import command_lock\n"
         "with command_lock(sys.argv[1]):\n    print('held', flush=True)\n    time.sleep(30)\n", str(path)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_every_command_that_writes_the_workbook_waits_then_refuses_while_another_holds_it(smtp, book_path, tmp_path):
    before = book_path.read_bytes()
    commands = {
        "refresh": ["refresh", str(book_path), *DAY],
        "preview": ["preview", str(book_path), *DAY, "--out", str(tmp_path / "apercu")],
        "review": ["review", str(book_path), *DAY],
        "plan": ["plan", str(book_path), "F001", *DAY],
        "export": ["export", str(book_path), str(tmp_path / "comptable.xlsx"), *DAY],
        "send": ["send", str(book_path), *DAY],
    }
    holder = _hold_lock(book_path)
    try:
        for name, args in commands.items():
            result = cli(*args)
            assert result.exit_code == 1, (name, result.output)
            assert "Une autre commande Relance" in one_line(result.output), name
    finally:
        holder.kill()
        holder.wait(10)
    assert book_path.read_bytes() == before and smtp.messages == []
    assert not (tmp_path / "comptable.xlsx").exists()


def test_every_ribbon_button_takes_the_same_lock(smtp, book_path, tmp_path):
    from addin.ribbon import dispatch

    shown: list[str] = []
    holder = _hold_lock(book_path)
    try:
        for tag in ("refresh", "preview", "send", "review", "plan", "export"):
            book = FileBook.open(book_path, today=TODAY)
            assert dispatch(tag, book, today=TODAY, alert=lambda m, t: shown.append(m),
                            log=tmp_path / "r.log") is None, tag
            assert "Une autre commande Relance" in shown[-1], (tag, shown[-1])
        # Aide touches no workbook: it never waits for one.
        assert dispatch("help", FileBook.open(book_path), today=TODAY, alert=lambda m, t: shown.append(m),
                        log=tmp_path / "r.log") is not None
    finally:
        holder.kill()
        holder.wait(10)
    assert smtp.messages == []


def test_a_folder_nobody_may_write_still_gets_its_clear_message(smtp, book_path):
    book_path.parent.chmod(0o555)  # no .relance folder can be made: the lock steps aside
    try:
        result = cli("refresh", str(book_path), *DAY)
    finally:
        book_path.parent.chmod(0o755)
    assert result.exit_code == 1 and "ne peut pas être modifié" in one_line(result.output)
    assert "Errno" not in result.output


def test_a_full_disk_during_a_refresh_save_is_one_readable_line(book_path, monkeypatch):
    import addin.files as files

    before = book_path.read_bytes()

    def no_space(fd, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "write_all", no_space)
    result = cli("refresh", str(book_path), *DAY)
    assert result.exit_code == 1 and "disque est plein" in one_line(result.output)
    assert "Traceback" not in result.output and book_path.read_bytes() == before
    assert not list(book_path.parent.glob(".relance-*.tmp"))
