"""The journal: every reminder sent exactly once, even if Excel or the machine dies mid-run.

A write-ahead log lives next to the workbook, ``<book dir>/.relance/<book name>.journal.jsonl``
(``book_folder``: a workbook that is no local file — a OneDrive/SharePoint URL, an unsaved
« Classeur1 » — gets a per-user folder, ``~/Documents/Relance/<book name>/``, instead):
append-only, one JSON object per line, each line flushed and ``fsync``-ed before
anything else happens. For each e-mail the send action writes:

1. an ``intent`` (key, client, invoices, step, channel, recipients, message id, time),
   made durable *before* the message is handed to the mail server;
2. a ``result`` (ok, permanent, detail) once the server answered.

Each line starts with its key and is written whole (a loop until every byte is down, then
``fsync``) or cut off again; a line torn anyway (a crash mid-write) still names its message,
which is then « à vérifier », never "not sent". The log belongs to the workbook's identity, not
to the path typed (links resolved; ``addin.mail.identity`` for copies and moves).

An intent without a result is a message whose fate is unknown (the run died between
the two), and so is a result that says so (the message data went to the server and its
answer never came: ``SendResult.unknown``): it is marked « à vérifier » for a person and
NEVER re-sent automatically. A message delivered to a copy but not to the client (every To
address refused, even after the retries: ``SendResult.partial``) is « envoyé partiellement »:
not a reminder the client received, and never re-sent automatically either (the copy has it).
The person resolves it by writing « envoyé » or « à renvoyer » in the ``Résultat``
column of the ``Journal`` sheet (on the row Relance wrote, or a new row with the same
``Clé``); the next run reads it (``read_history``) and records the resolution in the log.

Calls and letters are ``task`` records (« à faire »): a person does them. Every
retry of one action carries the same Message-ID (``message_id``), derived from the
action key and the book, so a receiving server can also drop a duplicate.

The ``Journal`` sheet mirrors the log (``sync_sheet``): Relance only appends rows,
never rewrites one, and the person's own rows (call notes: outcome, contact,
promise date, dispute reason) are read back into the ``History`` the queue uses.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable, Iterator, Sequence

from addin.books.base import Block, Book, GeneratedSheet, Link
from addin.core.dunning import Call, Dispute, History, Promise, Reminder
from addin.files import fsync_dir, write_all
from addin.core.model import Action, Channel, Problem, Severity
from addin.register import schema

LOG_DIR = ".relance"
SHEET = schema.JOURNAL.fr

# What the Résultat column says for each state.
RESULT_LABELS = {
    "sent": "envoyé",
    "failed": "échec",
    "failed_permanent": "échec définitif",
    "unknown": "à vérifier",
    "task": "à faire",
    "partial": "envoyé partiellement",
    "prepared": "brouillon préparé",
}
_SENT_WORDS = {"envoye", "envoyee", "sent", "ok", "fait", "done"}
_RESEND_WORDS = {"a renvoyer", "renvoyer", "resend", "to resend"}
_LIFT_WORDS = ("leve", "resolu", "clos", "lifted", "resolved", "closed")


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):[\\/]")  # https://…, or https:/… once made a Path
PER_USER = Path("Documents") / "Relance"  # under the home folder


def book_name(book_path: Path | str) -> str:
    """The workbook's file name (a URL's last segment, decoded)."""
    text = str(book_path).replace("\\", "/").rstrip("/")
    return urllib.parse.unquote(text.rsplit("/", 1)[-1]) or "Classeur"


def locate(book_path: Path | str) -> tuple[Path, str]:
    """The local folder where Relance keeps a workbook's journal, preview and outbox, and a
    note when it is not next to the workbook.

    Excel gives a workbook stored on OneDrive or SharePoint as a URL and an unsaved one as a
    bare name (« Classeur1 »): neither has a folder on this machine. Their files go to a
    per-user folder, ``~/Documents/Relance/<book name>/``. A log there is seen on this
    computer only; the Journal sheet, saved in the workbook, still stops a second send from
    another one (a key it shows is never sent again).
    """
    text = str(book_path)
    name = book_name(book_path)
    if _SCHEME.match(text):
        reason = "le classeur est en ligne (OneDrive/SharePoint), sans dossier sur cet ordinateur"
    elif not Path(text).suffix and Path(text).parent == Path("."):
        reason = "le classeur n'est pas encore enregistré"
    else:
        # The real workbook, links resolved: a link or a second path finds the same log and lock.
        return Path(os.path.realpath(text)).parent, ""
    stem = name.rsplit(".", 1)[0] if name.lower().endswith((".xlsx", ".xlsm", ".xlsb", ".xls")) else name
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", stem).strip(" .") or "Classeur"
    folder = Path.home() / PER_USER / safe
    return folder, (f"{reason} : le journal d'envoi, l'aperçu et la boîte d'envoi sont dans {folder}. "
                    "Ce journal n'est vu que sur cet ordinateur ; la feuille Journal du classeur reste la "
                    "référence (une relance qui y figure n'est jamais renvoyée).")


def real_name(book_path: Path | str) -> str:
    """The workbook's own file name, links resolved (a URL's or an unsaved book's name as given)."""
    text = str(book_path)
    if _SCHEME.match(text) or (not Path(text).suffix and Path(text).parent == Path(".")):
        return book_name(book_path)
    return Path(os.path.realpath(text)).name


def lock_path(book_path: Path | str) -> Path:
    """The file whose lock every command that writes this workbook holds (``addin.books.lock``)."""
    return locate(book_path)[0] / LOG_DIR / f"{real_name(book_path)}.lock"


def book_folder(book_path: Path | str) -> Path:
    """``locate(book_path)``'s folder."""
    return locate(book_path)[0]


def message_id(key: str, book_name: str, sender_email: str = "") -> str:
    """A Message-ID that depends only on the action key and the book: a retry carries the same id."""
    domain = sender_email.rsplit("@", 1)[1].strip() if "@" in sender_email else "relance.invalid"
    digest = hashlib.sha256(f"{book_name}|{key}".encode("utf-8")).hexdigest()[:24]
    return f"<{digest}.relance@{domain}>"


@dataclass(frozen=True)
class Entry:
    """One action key as the log knows it: its last attempt and its state."""

    key: str
    client: str
    invoices: tuple[str, ...]
    scenario: str
    step: str
    channel: str  # Channel value
    recipients: tuple[str, ...]
    message_id: str
    at: datetime  # wall-clock time of the last intent (or task): the send timestamp
    state: str | None  # sent | failed | unknown | task | None (re-send allowed)
    permanent: bool = False
    detail: str = ""
    resolved_by: str = ""  # "Journal" when a person resolved it in the sheet
    on: date | None = None  # the run's day (--today): what the reminder history counts, not ``at``
    # A draft written to the outbox (no mail server): it counts as done like a sent message
    # (state "sent") but says « brouillon préparé » until a person writes « envoyé ».
    prepared: bool = False
    letter: str = ""  # a formal notice's PDF kept to post (absolute path): its row links to it

    @property
    def result_label(self) -> str:
        if self.state == "sent" and self.prepared:
            return RESULT_LABELS["prepared"]
        if self.state == "failed" and self.permanent:
            return RESULT_LABELS["failed_permanent"]
        return RESULT_LABELS.get(self.state or "", "")


class Journal:
    """The write-ahead log of one workbook. Not thread-safe; one send at a time (``lock``)."""

    def __init__(self, path: Path, book_name: str, clock: Callable[[], datetime] | None = None):
        self.path = Path(path)
        self.book_name = book_name
        self._clock = clock or (lambda: datetime.now().replace(microsecond=0))
        self._records: list[dict] | None = None
        self._books: list[dict] = []  # the log's identity records (``stamp``)
        self.torn_lines = 0  # lines that could not be read (a crash mid-write): ignored

    @classmethod
    def open(cls, book_path: Path | str, clock: Callable[[], datetime] | None = None) -> "Journal":
        folder, note = locate(book_path)
        name = real_name(book_path)
        path = folder / LOG_DIR / f"{name}.journal.jsonl"
        typed = folder / LOG_DIR / f"{book_name(book_path)}.journal.jsonl"
        if typed != path and typed.exists() and not path.exists():
            # A log kept under a link's name (before logs followed links): it becomes the real file's.
            try:
                os.rename(typed, path)
            except OSError:
                path = typed
        journal = cls(path, Path(str(book_path)).name, clock)
        journal.location_note = note
        return journal

    location_note = ""  # why the log is not next to the workbook (a Problem the actions show), else ""

    # --- writing ------------------------------------------------------------------

    def _append(self, record: dict) -> None:
        """Append one record, whole and durable, or raise ``OSError`` with the log as it was.

        The line starts with its key (so that even a line torn by a crash names its message)
        and is written in a loop until every byte is down (a full disk, a quota or a file-size
        limit make ``os.write`` write fewer bytes), then fsynced. When the write fails, the
        bytes already written are cut off again; if even that fails, the torn line stays and
        its message is « à vérifier » on every later read (``records``), never "not sent".
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = _line(record)
        new = not self.path.exists()
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
        try:
            size = os.fstat(fd).st_size
            if size:
                # A line torn by a crash must not swallow the next record.
                os.lseek(fd, size - 1, os.SEEK_SET)  # (O_APPEND: the write still goes at the end)
                if os.read(fd, 1) != b"\n":
                    line = b"\n" + line
            try:
                write_all(fd, line)
                os.fsync(fd)
            except OSError:
                try:
                    os.ftruncate(fd, size)
                    os.fsync(fd)
                except OSError:
                    pass
                raise
        finally:
            os.close(fd)
        if new:
            fsync_dir(self.path.parent)
        self.records().append(record)

    def _now(self) -> str:
        return self._clock().isoformat(timespec="seconds")

    def intent(self, action: Action, message_id: str, recipients: Sequence[str]) -> None:
        """Durably record that ``action`` is about to be sent (call before handing it to the server)."""
        self._append(dict(_describe(action), type="intent", message_id=message_id,
                          recipients=list(recipients), at=self._now()))

    def result(self, key: str, result) -> None:
        """Record the server's answer (any object with ``ok``, ``permanent``, ``detail`` and
        optionally ``unknown``: the data went to the server and no answer came back, so the
        message stays « à vérifier » exactly like a send interrupted by a crash)."""
        self._append({"type": "result", "key": key, "ok": bool(result.ok),
                      "permanent": bool(getattr(result, "permanent", False)),
                      "unknown": bool(getattr(result, "unknown", False)) and not result.ok,
                      "partial": bool(getattr(result, "partial", False)) and not result.ok,
                      # The transport could send nothing (login refused, TLS): the message never
                      # reached a server, so it stays pending, not failed.
                      "fatal": bool(getattr(result, "fatal", False)) and not result.ok,
                      "prepared": bool(getattr(result, "prepared", False)) and bool(result.ok),
                      "detail": str(getattr(result, "detail", "") or ""), "at": self._now()})

    def task(self, action: Action, recipients: Sequence[str] = (), detail: str = "", letter: str = "") -> None:
        """A call or a letter handed to a person (« à faire »); ``letter``: the PDF to post, which
        the task's row in the Journal sheet links to."""
        record = dict(_describe(action), type="task", message_id="", recipients=list(recipients),
                      detail=detail, at=self._now())
        if letter:
            record["letter"] = str(letter)
        self._append(record)

    def resolve(self, key: str, state: str, by: str = SHEET, row: int | None = None) -> None:
        """A person's decision on an unknown or failed send: ``"sent"`` or ``"resend"``."""
        if state not in ("sent", "resend"):
            raise ValueError(f"résolution inconnue : {state!r} (attendu sent ou resend)")
        self._append({"type": "resolution", "key": key, "state": state, "by": by, "row": row, "at": self._now()})

    def decide(self, key: str, text: str, on: date | None = None) -> None:
        """A person's decision on a queued action (``Relances`` sheet, ``Décision`` column);
        empty text cancels it. ``on``: the run's day (``--today``) it was first read, which
        dates an « Ignorer » in the reminder history."""
        record = {"type": "decision", "key": key, "text": text, "at": self._now()}
        if on is not None:
            record["on"] = on.isoformat()
        self._append(record)

    def decisions(self) -> dict[str, str]:
        """The last decision text per key (empty: cancelled)."""
        return {key: text for key, (text, _) in self.dated_decisions().items()}

    def dated_decisions(self) -> dict[str, tuple[str, date]]:
        """The last decision per key: (text, the day it was taken — the run's day, else the
        record's clock date for a record written before runs dated them)."""
        out: dict[str, tuple[str, date]] = {}
        for r in self.records():
            if r.get("type") == "decision":
                out[r["key"]] = (str(r.get("text", "")), _parse_on(r.get("on")) or _parse_at(r.get("at")).date())
        return out

    # --- reading ------------------------------------------------------------------

    def records(self) -> list[dict]:
        """The log's records in order. A line that cannot be read (torn by a crash or a full
        disk) counts in ``torn_lines``; when it still names its key, it is read as a record of
        unknown outcome (``torn``): its message is « à vérifier », never "not sent"."""
        if self._records is None:
            self._records = []
            self._books = []
            self.torn_lines = 0
            if self.path.exists():
                for raw in self.path.read_bytes().split(b"\n"):
                    if not raw.strip():
                        continue
                    try:
                        record = json.loads(raw.decode("utf-8"))
                    except (ValueError, UnicodeDecodeError):
                        self.torn_lines += 1
                        key = _torn_key(raw)
                        if key:
                            self._records.append({**_torn_fields(raw), "key": key, "type": "torn"})
                        continue
                    if isinstance(record, dict) and record.get("type") == "book":
                        self._books.append(record)
                    elif isinstance(record, dict) and record.get("key"):
                        self._records.append(record)
        return self._records

    # --- the workbook's identity ---------------------------------------------------

    def book_id(self) -> str:
        """The identifier of the workbook this log belongs to ("" for a log written before
        workbooks carried one); see ``addin.mail.identity``."""
        self.records()
        return str(self._books[-1].get("id", "")) if self._books else ""

    def stamp(self, book_id: str, book_path: Path | str) -> None:
        """Record that this log belongs to the workbook ``book_id`` (at ``book_path``)."""
        self._append({"key": "", "type": "book", "id": book_id, "path": str(book_path), "at": self._now()})
        self._records.pop()  # not an action record
        self._books.append({"type": "book", "id": book_id, "path": str(book_path)})

    def entries(self) -> dict[str, Entry]:
        """Each key's last attempt and state, in first-seen order."""
        out: dict[str, Entry] = {}
        for r in self.records():
            key, kind = r["key"], r.get("type")
            previous = out.get(key)
            if kind in ("intent", "task"):
                out[key] = Entry(
                    key=key, client=str(r.get("client", "")), invoices=tuple(r.get("invoices", ())),
                    scenario=str(r.get("scenario", "")), step=str(r.get("step", "")),
                    channel=str(r.get("channel", "")), recipients=tuple(r.get("recipients", ())),
                    message_id=str(r.get("message_id", "")), at=_parse_at(r.get("at")),
                    state="unknown" if kind == "intent" else "task", detail=str(r.get("detail", "")),
                    on=_parse_on(r.get("on")), letter=str(r.get("letter", "") or ""),
                )
            elif kind == "torn":
                # A line cut by a crash or a full disk: the message may have gone.
                if previous is not None and previous.state in ("sent", "task", "partial"):
                    continue
                client, step, invoices = _key_parts(key)
                at = _parse_at(r.get("at")) if r.get("at") else self._clock()
                out[key] = Entry(
                    key=key, client=previous.client if previous else client,
                    invoices=previous.invoices if previous else invoices,
                    scenario=previous.scenario if previous else "", step=previous.step if previous else step,
                    channel=previous.channel if previous else str(r.get("channel", "")),
                    recipients=previous.recipients if previous else (),
                    message_id=previous.message_id if previous else "", at=previous.at if previous else at,
                    state="unknown", detail="ligne du journal d'envoi illisible (arrêt brutal ou disque plein)",
                    on=(previous.on if previous else None) or _parse_on(r.get("on")))
            elif previous is None:
                continue  # a result or resolution without its intent: nothing to say
            elif kind == "result" and r.get("fatal") and not r.get("ok"):
                out[key] = _replace(previous, state=None, permanent=False, detail=str(r.get("detail", "")))
            elif kind == "result":
                state = ("sent" if r.get("ok") else "partial" if r.get("partial")
                         else "unknown" if r.get("unknown") else "failed")
                out[key] = _replace(previous, state=state,
                                    permanent=bool(r.get("permanent")) and state == "failed",
                                    detail=str(r.get("detail", "")),
                                    prepared=bool(r.get("prepared")) and state == "sent")
            elif kind == "resolution":
                state = "sent" if r.get("state") == "sent" else None
                out[key] = _replace(previous, state=state, permanent=False, resolved_by=str(r.get("by", "")),
                                    detail=previous.detail, prepared=False)
        return out

    def state(self, key: str) -> str | None:
        """``"sent"``, ``"failed"``, ``"unknown"``, ``"partial"`` (delivered to a copy, not to the
        client: never re-sent on its own), ``"task"`` or None (never sent, or a person asked to
        re-send)."""
        entry = self.entries().get(key)
        return entry.state if entry else None

    def may_send(self, key: str) -> bool:
        """Whether the send action may (re)send ``key`` on its own: never sent, a person asked
        for a re-send, or a transient failure (the server refused it: it was not delivered)."""
        entry = self.entries().get(key)
        return entry is None or entry.state is None or (entry.state == "failed" and not entry.permanent)

    def unknown(self) -> list[Entry]:
        """Messages whose fate is unknown (intent, no result): « à vérifier », never re-sent."""
        return [e for e in self.entries().values() if e.state == "unknown"]

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold an exclusive lock on the log for a whole send run (two runs never interleave)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_suffix(".lock")
        with open(lock_path, "a+b") as handle:
            if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
                import msvcrt
                try:
                    msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
                except OSError as error:
                    raise JournalBusy() from error
                try:
                    yield
                finally:
                    handle.seek(0)
                    msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
            else:
                import fcntl
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError as error:
                    raise JournalBusy() from error
                try:
                    yield
                finally:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class JournalBusy(RuntimeError):
    def __init__(self) -> None:
        super().__init__("un autre envoi est en cours pour ce classeur — attendez qu'il se termine")


def _describe(action: Action) -> dict:
    return {
        "key": action.key, "client": action.client.code,
        "invoices": [i.number for i in action.items if i.kind == "invoice"],
        "scenario": action.step.scenario, "step": action.step.name, "channel": action.step.channel.value,
        "template": action.step.template, "on": action.on.isoformat(),
    }


_FIRST = ("key", "type")


def _line(record: dict) -> bytes:
    """One log line: the key first (a torn line still names its message), then the rest sorted."""
    ordered = {k: record[k] for k in _FIRST if k in record}
    ordered.update(sorted((k, v) for k, v in record.items() if k not in _FIRST))
    return (json.dumps(ordered, ensure_ascii=False) + "\n").encode("utf-8")


_TORN_KEY = re.compile(rb'^\{"key": "((?:[^"\\]|\\.)+)", ')


def _torn_key(raw: bytes) -> str:
    """The key a torn line starts with, or "" when even the key was cut."""
    match = _TORN_KEY.match(raw.strip())
    if not match:
        return ""
    try:
        return json.loads(b'"' + match.group(1) + b'"')
    except ValueError:
        return ""


def _key_parts(key: str) -> tuple[str, str, tuple[str, ...]]:
    """(client, step, invoices) of an action key ``client|scenario|step|invoices``."""
    parts = key.split("|")
    if len(parts) < 4:
        return (parts[0] if parts else ""), "", ()
    return parts[0], parts[-2], tuple(n for n in parts[-1].split(",") if n)


def _torn_fields(raw: bytes) -> dict:
    """What a torn line still tells: its ``at``, ``on`` and ``channel`` when they were written."""
    out = {}
    for name in ("at", "on", "channel"):
        match = re.search(rb'"' + name.encode() + rb'": "([^"\\]*)"', raw)
        if match:
            out[name] = match.group(1).decode("utf-8", "replace")
    return out


def _replace(entry: Entry, **changes) -> Entry:
    from dataclasses import replace

    return replace(entry, **changes)


def _parse_on(text: object) -> date | None:
    try:
        return date.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def _parse_at(text: object) -> datetime:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return datetime(1970, 1, 1)


# --- the Journal sheet --------------------------------------------------------------

_COLUMNS = tuple(c.key for c in schema.JOURNAL.columns)
HEADERS = tuple(c.fr for c in schema.JOURNAL.columns)
# Text, except the times and days: a date and time (its own format), a day.
_FORMATS = tuple("" if k == "timestamp" else "date" if k == "run_date" else "text" for k in _COLUMNS)
_WIDTHS = tuple(float(c.width) for c in schema.JOURNAL.columns)
_NOTES = tuple(c.help for c in schema.JOURNAL.columns)
# The drop-downs the template offers: channel, the person's result words, the call's outcome.
_CHOICES = ((_COLUMNS.index("channel") + 1, schema.CHANNELS), (_COLUMNS.index("result") + 1, schema.JOURNAL_RESULTS),
            (_COLUMNS.index("outcome") + 1, schema.CALL_OUTCOMES))


def _channel_label(value: str) -> str:
    for channel, label in (("e-mail", "E-mail"), ("appel", "Appel"), ("courrier", "Courrier"),
                           ("mise en demeure", "Mise en demeure")):
        if value == channel:
            return label
    return value


def _row_values(entry: Entry) -> dict[str, object]:
    return {
        "timestamp": entry.at, "client": entry.client, "invoices": ", ".join(entry.invoices),
        "step": entry.step, "channel": _channel_label(entry.channel), "recipients": "; ".join(entry.recipients),
        "message_id": entry.message_id, "result": entry.result_label, "key": entry.key,
        # A letter to post: the comment names it and opens it when clicked.
        "comment": Link(entry.detail, entry.letter) if entry.letter else entry.detail,
        # The day the run treated as today (--today), beside the real time when they differ:
        # a copy of the workbook without its log still dates each step by its run's day.
        "run_date": entry.on if entry.on is not None and entry.on != entry.at.date() else None,
    }


def sync_sheet(book: Book, journal: Journal, snapshot=None) -> list[Problem]:
    """Append to the ``Journal`` sheet the log entries it does not show yet (by Clé + Résultat).

    Never rewrites a row. Creates the sheet (with its headers) when the book has none.
    """
    entries = [e for e in journal.entries().values() if e.state is not None]
    reader = snapshot if snapshot is not None else book  # what was read before the first write
    name = schema.find_sheet(reader.sheet_names(), schema.JOURNAL)
    if name is None:
        rows = tuple(tuple(_row_values(e).get(k) for k in _COLUMNS) for e in entries)
        # As the template's Journal: an Excel Table, the columns' help on their headers, drop-downs.
        book.write_generated(GeneratedSheet(
            SHEET, (Block("", HEADERS, rows, formats=_FORMATS, widths=_WIDTHS, choices=_CHOICES, notes=_NOTES),),
            note="Journal des relances : Relance ajoute une ligne par envoi ; notez vos appels à la suite.",
            table=schema.JOURNAL.table,
        ))
        return []
    data = reader.read_sheet(name)
    header = schema.locate_header(data, schema.JOURNAL)
    if header.row is None:
        if any(any(v not in (None, "") for v in row) for row in data.rows):
            return [Problem(name, None, None, None,
                            "la feuille Journal n'a pas de ligne d'en-tête reconnue : rien n'y a été ajouté",
                            "Remettez les en-têtes (Horodatage, Client, Factures, Étape, Canal, …, Clé) en ligne 1.",
                            code="journal.no_header")]
        book.write_cells(name, 1, 1, [HEADERS])
        columns = {k: i + 1 for i, k in enumerate(_COLUMNS)}
        shown: set[tuple[str, str]] = set()
    else:
        columns = {k: v for k, v in header.columns.items()}
        last = max([*columns.values(), *(j for j, _ in header.extra), len(data.rows[header.row - 1])])
        for k in _COLUMNS:  # a column the person deleted: append it after all the others
            if k not in columns:
                last += 1
                columns[k] = last
                book.write_cells(name, header.row, columns[k], [[schema.JOURNAL.column(k).fr]])
        shown = set()
        for row in data.rows[header.row:]:
            key = _cell(row, columns, "key")
            if key:
                shown.add((str(key), schema.normalize(_cell(row, columns, "result"))))
    width = max(columns.values())
    new_rows = []
    for e in entries:
        if (e.key, schema.normalize(e.result_label)) in shown:
            continue
        if e.resolved_by and (e.key, "envoye") in shown:
            continue
        values = _row_values(e)
        row: list[object] = [None] * width
        for k, v in values.items():
            row[columns[k] - 1] = v
        new_rows.append(row)
    if new_rows:
        # Below the last row as read before the first write: the book is not read again.
        last = max((i + 1 for i, r in enumerate(data.rows) if any(v not in (None, "") for v in r)), default=0)
        book.append_rows(name, new_rows, after=last if snapshot is not None else None)
    return []


def _cell(row: Sequence[object], columns: dict[str, int], key: str) -> object:
    index = columns.get(key)
    if index is None or index > len(row):
        return None
    value = row[index - 1]
    return value.strip() if isinstance(value, str) else value


def _split(text: object) -> tuple[str, ...]:
    import re

    return tuple(p for p in re.split(r"[;,\s]+", str(text or "").strip()) if p)


def _as_datetime(value: object) -> datetime | None:
    if isinstance(value, datetime):
        # Excel stores times as fractions of a day: 10:15:30 may come back as 10:15:29.999999.
        return (value.replace(tzinfo=None) + timedelta(microseconds=500_000)).replace(microsecond=0)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 2_958_466:
        # A date stored as Excel's day number (a cell formatted as text shows it so).
        return (datetime(1899, 12, 30) + timedelta(days=float(value), microseconds=500_000)).replace(microsecond=0)
    text = str(value or "").strip()
    if not text:
        return None
    for fmt in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
                "%Y-%m-%d", "%d/%m/%y"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def read_history(book: Book, journal: Journal, *, record: bool = True) -> tuple[History, list[Problem]]:
    """The ``History`` the queue needs, from the log and the ``Journal`` sheet.

    The sheet brings: a person's resolutions of « à vérifier » sends (recorded into the
    log), call notes (promise dates pause reminders until that date; a dispute reason puts
    the named invoices on hold; a reason starting with « levé » / « résolu » lifts an earlier
    dispute), and reminders a person logged by hand. A row whose ``Clé`` the log does not
    know (the log was lost) still counts as done: a key seen once is never sent again.
    ``record=False``: read only (the review, the export), resolutions are left for the next
    action that sends.
    """
    from addin.register.scenarios import parse_channel

    problems: list[Problem] = []
    reminders: list[Reminder] = []
    promises: list[Promise] = []
    disputes: dict[tuple[str, tuple[str, ...]], Dispute] = {}
    calls: list[Call] = []

    entries = journal.entries()
    name = schema.find_sheet(book.sheet_names(), schema.JOURNAL)
    if name is not None:
        data = book.read_sheet(name)
        header = schema.locate_header(data, schema.JOURNAL)
        rows = data.rows[header.row:] if header.row is not None else ()

        def read_notes(cell, row_number: int, client: str, invoices: tuple[str, ...], on: date | None) -> str:
            """This row's call notes: a promise date, a dispute (or its lifting). Returns the outcome."""
            raw_promise = cell("promise_date")
            promise = _as_datetime(raw_promise)
            if raw_promise not in (None, "") and promise is None:
                problems.append(Problem(name, row_number, header.label_of("promise_date"), raw_promise,
                                        "date de promesse illisible", "Écrivez la date au format jj/mm/aaaa.",
                                        code="journal.promise_date"))
            if promise is not None:
                promises.append(Promise(client, invoices, promise.date(), on))
            reason = str(cell("dispute_reason") or "")
            outcome = str(cell("outcome") or "")
            if not reason and schema.normalize(outcome) == "litige":
                reason = "litige" + (f" (appel du {on:%d/%m/%Y})" if on else "")
            if reason:
                if schema.normalize(reason).startswith(_LIFT_WORDS):
                    for k in [k for k in disputes if k[0] == client and (not invoices or set(invoices) & set(k[1]))]:
                        del disputes[k]
                else:
                    if not invoices:
                        problems.append(Problem(name, row_number, header.label_of("invoices"), None,
                                                "litige sans facture : toutes les factures du client sont suspendues",
                                                "Indiquez les factures en litige pour que les autres soient relancées.",
                                                severity=Severity.WARNING, code="journal.dispute_all"))
                    disputes[(client, invoices)] = Dispute(client, invoices, reason, on)
            return outcome

        for offset, row in enumerate(rows):
            row_number = header.row + 1 + offset
            cell = lambda k: _cell(row, header.columns, k)  # noqa: E731
            if all(v in (None, "") for v in row):
                continue
            key = str(cell("key") or "")
            result = schema.normalize(cell("result"))
            raw_at = cell("timestamp")
            at = _as_datetime(raw_at)
            if raw_at not in (None, "") and at is None:
                problems.append(Problem(name, row_number, header.label_of("timestamp"), raw_at,
                                        "date illisible", "Écrivez la date au format jj/mm/aaaa hh:mm.",
                                        severity=Severity.WARNING, code="journal.date"))
            if key and str(cell("client") or ""):  # a row Relance wrote: the person fills in the call's outcome
                known = entries.get(key)
                run_date = _as_datetime(cell("run_date"))
                on_row = (known.on if known is not None and known.on else None) or (
                    run_date.date() if run_date else at.date() if at else None)
                read_notes(cell, row_number, str(cell("client")), _split(cell("invoices")), on_row)
            if key and key in entries:
                entry = entries[key]
                if entry.prepared and (result in _SENT_WORDS or result in _RESEND_WORDS):
                    # A draft the person sent herself (« envoyé ») or wants made again (« à renvoyer »).
                    if record and (at is None or at >= entry.at):
                        journal.resolve(key, "sent" if result in _SENT_WORDS else "resend", row=row_number)
                        entries = journal.entries()
                    continue
                if entry.state in ("unknown", "failed", "partial") and (result in _SENT_WORDS or result in _RESEND_WORDS):
                    if at is None or at < entry.at:
                        if result != schema.normalize(entry.result_label):
                            problems.append(Problem(
                                name, row_number, header.label_of("result"), cell("result"),
                                "cette décision porte sur un envoi antérieur au dernier essai",
                                "Ajoutez une ligne datée d'aujourd'hui avec la même Clé et « envoyé » ou « à renvoyer ».",
                                severity=Severity.WARNING, code="journal.stale_resolution"))
                        continue
                    if record:
                        journal.resolve(key, "sent" if result in _SENT_WORDS else "resend", row=row_number)
                        entries = journal.entries()
                continue
            client = str(cell("client") or "")
            invoices = _split(cell("invoices"))
            channel = parse_channel(cell("channel"))
            run_date = _as_datetime(cell("run_date"))
            on = run_date.date() if run_date else at.date() if at else None
            if key:  # a key the log does not know: its row is the proof it was handled
                if result not in _RESEND_WORDS and client and on:
                    reminders.append(Reminder(client, invoices, str(cell("step") or ""), channel, on, key=key,
                                              state="manual"))
                continue
            if not client:
                problems.append(Problem(name, row_number, header.label_of("client"), None,
                                        "ligne du journal sans code client : ignorée",
                                        "Indiquez le code client de l'appel ou du courrier.",
                                        severity=Severity.WARNING, code="journal.client"))
                continue
            outcome = read_notes(cell, row_number, client, invoices, on)
            if channel == Channel.PHONE and on is not None:
                calls.append(Call(client, invoices, on, outcome, str(cell("contact") or ""),
                                  str(cell("comment") or "")))
            elif channel is not None and on is not None and (not result or result in _SENT_WORDS):
                reminders.append(Reminder(client, invoices, str(cell("step") or ""), channel, on, state="manual"))

    if journal.torn_lines:
        problems.append(Problem(SHEET, None, None, str(journal.path),
                                f"{journal.torn_lines} ligne(s) illisible(s) dans le journal d'envoi (arrêt brutal)",
                                "Rien à faire : ces lignes sont ignorées ; vérifiez les envois « à vérifier ».",
                                severity=Severity.WARNING, code="journal.torn"))
    for e in entries.values():
        if e.state in ("sent", "unknown", "task", "partial"):  # done: never proposed again
            # The run's day (--today) dates the step, not the machine's clock (``at`` stays the
            # send timestamp of the Journal sheet): the queue depends on --today only.
            reminders.append(Reminder(e.client, e.invoices, e.step, _channel(e.channel), e.on or e.at.date(),
                                      key=e.key, state=e.state))
    return History(tuple(reminders), tuple(promises), tuple(disputes.values()), tuple(calls)), problems


def _channel(value: str) -> Channel | None:
    try:
        return Channel(value)
    except ValueError:
        return None
