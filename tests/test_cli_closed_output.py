"""``relance … | head``: the reader leaves, the output is closed. No command prints a traceback.

A write to a closed pipe raises ``BrokenPipeError`` (EPIPE) on Linux and macOS, and a plain
``OSError`` EINVAL on Windows; every command, success or failure, must end with exit code 1 and
nothing on stderr but what it chose to say.
"""

from __future__ import annotations

import errno
import io
import os
import sys

import pytest

from addin import cli
from addin.cli import app
from tests.actions.test_refresh import TODAY, fill_template


class ClosedOutput(io.TextIOBase):
    """Standard output whose reader is gone: every write raises, as the system does."""

    def __init__(self, code: int, fd: int):
        self.code = code
        self.fd = fd  # what the output is pointed at once closed (rich and Relance use the null device)

    def fileno(self):
        return self.fd

    def write(self, text):
        if code := self.code:
            raise (BrokenPipeError if code == errno.EPIPE else OSError)(code, "closed pipe")
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False

    @property
    def encoding(self):
        return "utf-8"


def commands(tmp_path):
    book = fill_template(tmp_path / "Registre.xlsx")
    day = ["--today", TODAY.isoformat()]
    other = tmp_path / "Autre.xlsx"
    import openpyxl

    openpyxl.Workbook().save(other)
    return [
        ["--help"], ["version"], ["refresh", str(book), *day], ["preview", str(book), *day],
        ["send", str(book), *day, "--outbox", str(tmp_path / "outbox")],
        ["review", str(book), "--month", "2025-06", *day], ["export", str(book), str(tmp_path / "c.xlsx"), *day],
        ["plan", str(book), "F002", "--count", "2", "--first", "2025-07-15", *day],
        ["build-addin", str(tmp_path / "r.xlam")], ["install-addin"],
        ["new", str(tmp_path / "Neuf.xlsx"), "--from", str(other), *day],
        ["refresh", str(other), *day],  # a failure: its error line cannot be written either
        ["demo", str(tmp_path / "demo"), *day],
    ]


@pytest.mark.parametrize("code", [errno.EPIPE, errno.EINVAL], ids=["unix", "windows"])
def test_every_command_with_a_closed_output_exits_without_a_traceback(tmp_path, monkeypatch, capsys, code):
    fd = os.open(tmp_path / "stdout", os.O_WRONLY | os.O_CREAT)
    for args in commands(tmp_path):
        monkeypatch.setattr(sys, "stdout", ClosedOutput(code, fd))
        monkeypatch.setattr(cli.console, "quiet", False)  # rich silences itself after a broken pipe: one process, one command
        with pytest.raises(SystemExit) as ended:
            app(args)
        monkeypatch.undo()
        assert ended.value.code == 1, args
        assert "Traceback" not in capsys.readouterr().err, args
    os.close(fd)


def test_what_a_closed_output_never_got_is_not_written_by_the_next_print(tmp_path, monkeypatch):
    """rich keeps the text of a write that failed; the next command of the same process (a test
    session, a host that runs several) must not print it."""
    book = fill_template(tmp_path / "Registre.xlsx")
    fd = os.open(tmp_path / "stdout", os.O_WRONLY | os.O_CREAT)
    monkeypatch.setattr(sys, "stdout", ClosedOutput(errno.EINVAL, fd))  # Windows' form: rich does not silence itself
    with pytest.raises(SystemExit):
        app(["refresh", str(book), "--today", TODAY.isoformat()])
    os.close(fd)
    later = io.StringIO()
    monkeypatch.setattr(sys, "stdout", later)
    monkeypatch.setattr(cli.console, "quiet", False)
    import openpyxl

    openpyxl.Workbook().save(other := tmp_path / "Autre.xlsx")
    with pytest.raises(SystemExit) as ended:
        app(["refresh", str(other), "--today", TODAY.isoformat()])  # not a register: one error line
    assert ended.value.code == 1
    printed = later.getvalue().strip().splitlines()
    assert len(printed) == 1 and "Autre.xlsx" in printed[0], printed  # its own error line, nothing before it
