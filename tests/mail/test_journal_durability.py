"""The log is the truth (issue 14): every record whole or absent, a torn line « à vérifier »."""

from __future__ import annotations

import errno
import os

import pytest

from addin.files import write_all
from addin.mail.journal import Journal
from tests.mail.test_journal import Clock, action


def journal(tmp_path) -> Journal:
    return Journal.open(tmp_path / "Registre.xlsx", clock=Clock())


def test_short_writes_are_completed(tmp_path, monkeypatch):
    """``os.write`` may write fewer bytes than asked (a quota, a file-size limit): the rest follows."""
    real = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real(fd, bytes(data[:7])))
    j = journal(tmp_path)
    j.intent(action(), "<id>", ["a@b.fr"])
    monkeypatch.undo()
    again = Journal.open(tmp_path / "Registre.xlsx")
    assert again.entries()[action().key].state == "unknown" and again.torn_lines == 0


def test_a_write_that_fails_half_way_leaves_the_log_as_it_was(tmp_path, monkeypatch):
    j = journal(tmp_path)
    j.intent(action(), "<id>", ["a@b.fr"])
    before = j.path.read_bytes()
    real = os.write
    calls = []

    def half_then_full(fd, data):
        calls.append(len(data))
        if len(calls) == 1:
            return real(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", half_then_full)
    with pytest.raises(OSError):
        j.intent(action(("F2",)), "<id2>", ["a@b.fr"])
    monkeypatch.undo()
    assert j.path.read_bytes() == before  # the half line was cut off again


def test_a_torn_line_that_names_its_key_is_to_check_never_not_sent(tmp_path):
    j = journal(tmp_path)
    j.intent(action(), "<id>", ["a@b.fr"])
    j.result(action().key, type("R", (), {"ok": True, "detail": "250"})())
    text = j.path.read_bytes()
    other = action(("F2",))
    j.intent(other, "<id2>", ["a@b.fr"])
    torn = j.path.read_bytes()[len(text):][:60]  # the second intent, cut by a crash
    j.path.write_bytes(text + torn)
    again = Journal.open(tmp_path / "Registre.xlsx")
    assert again.entries()[other.key].state == "unknown"
    assert again.torn_lines == 1
    assert not again.may_send(other.key)
    assert again.entries()[action().key].state == "sent"
    # The next record starts on its own line: the torn one does not swallow it.
    again.intent(action(("F3",)), "<id3>", ["a@b.fr"])
    assert Journal.open(tmp_path / "Registre.xlsx").entries()[action(("F3",)).key].state == "unknown"


def test_each_line_starts_with_its_key(tmp_path):
    j = journal(tmp_path)
    j.intent(action(), "<id>", ["a@b.fr"])
    assert j.path.read_bytes().startswith(b'{"key": "' + action().key.encode())


def test_write_all_refuses_a_write_that_makes_no_progress(tmp_path, monkeypatch):
    fd = os.open(tmp_path / "f", os.O_WRONLY | os.O_CREAT)
    monkeypatch.setattr(os, "write", lambda fd, data: 0)
    try:
        with pytest.raises(OSError):
            write_all(fd, b"abc")
    finally:
        monkeypatch.undo()
        os.close(fd)


def test_a_log_kept_under_a_links_name_becomes_the_real_workbooks(tmp_path):
    real = tmp_path / "Registre.xlsx"
    real.write_bytes(b"x")
    link = tmp_path / "Lien.xlsx"
    link.symlink_to(real.name)
    old = tmp_path / ".relance" / "Lien.xlsx.journal.jsonl"  # where a send through the link kept it
    old.parent.mkdir()
    j = Journal(old, "Lien.xlsx", Clock())
    j.intent(action(), "<id>", ["a@b.fr"])
    through_link = Journal.open(link)
    assert through_link.path == tmp_path / ".relance" / "Registre.xlsx.journal.jsonl"
    assert Journal.open(real).entries()[action().key].state == "unknown"  # the same history
