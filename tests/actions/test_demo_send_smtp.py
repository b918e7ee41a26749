"""Acceptance: the demo register's reminders reach a real SMTP server once, and never twice."""

from __future__ import annotations

import email
import shutil
from email.policy import default as default_policy

import openpyxl
import pytest
from typer.testing import CliRunner

from addin.cli import app
from tests.actions.test_preview_send import free_port
from tests.reports.test_review import demo_book  # noqa: F401  (module fixture)
from tests.test_demo import TODAY


class Recorder:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=default_policy)))
        return "250 OK"


def test_demo_queue_is_sent_once_to_a_local_smtp_server(demo_book, tmp_path, monkeypatch):  # noqa: F811
    controller_module = pytest.importorskip("aiosmtpd.controller")
    path = tmp_path / "Registre.xlsx"
    shutil.copyfile(demo_book, path)
    recorder = Recorder()
    controller = controller_module.Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        for name, value in {"RELANCE_SMTP_HOST": "127.0.0.1", "RELANCE_SMTP_PORT": str(controller.port),
                            "RELANCE_SMTP_SECURITY": "none"}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("RELANCE_SMTP_USER", raising=False)
        monkeypatch.delenv("RELANCE_SMTP_PASSWORD", raising=False)
        runner = CliRunner()
        day = ["--today", TODAY.isoformat()]
        first = runner.invoke(app, ["send", str(path), *day])
        assert first.exit_code == 0, first.output
        sent_first = len(recorder.messages)
        queue = [r for r in openpyxl.load_workbook(path)["Relances"].iter_rows(min_row=3, values_only=True) if r[1]]
        second = runner.invoke(app, ["send", str(path), *day])
        assert second.exit_code == 0, second.output
    finally:
        controller.stop()

    email_lines = [r for r in queue if r[4] == "E-mail"]
    assert sent_first == len(email_lines) > 5
    assert len(recorder.messages) == sent_first  # the second send sent nothing
    keys = [str(m["X-Relance-Key"]) for _, m in recorder.messages]
    assert len(keys) == len(set(keys))
    clients = [k.split("|")[0] for k in keys]
    assert len(clients) == len(set(clients))  # one message per client and day
    for _, message in recorder.messages:
        assert message.get_body(("plain",)).get_content().strip()  # a real text part
        assert message.get_body(("html",)) is not None
        assert "€" in message.get_body(("plain",)).get_content()
