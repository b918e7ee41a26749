"""Envoyer (Send): today's reminders, each sent at most once.

For each e-mail action of the queue (``queue.prepare``) whose key the journal may
send (never sent, a person asked for a re-send, or a transient refusal):

    journal.intent (durable) → transport.send → journal.result

so that a crash between the two leaves an « à vérifier » entry that is never re-sent
automatically (``addin.mail.journal``). Phone calls and letters become journal tasks
(« à faire »); a formal notice e-mail carries its PDF letter, the same PDF is kept in
``Lettres à envoyer/<date>/`` next to the workbook (``keep_letter``), and a task names
it and reminds the person to post it by registered letter (LRAR, LAW.md §7).
Without a mail server the messages are drafts (``.eml`` in ``Boîte d'envoi/<date>/``,
named as Aperçu names them): « brouillon préparé », never « envoyé »; the person sends
them from her own mail software (docs/sending.md, « Brouillons »). A permanent refusal for one
client is reported and the others are sent; a fatal transport error (login refused)
stops the e-mails of the run. Skipped or postponed lines (``Décision`` column of the
``Relances`` sheet) are not sent.

At the end: the ``Journal`` sheet mirrors the log, the ``Relances`` sheet shows what
happened to each line, the invoices' computed columns are updated when the refresh
action's writer exists, and the book is saved. One run at a time per workbook
(``Journal.lock``).

Exactly once, whatever happens around the file (docs/sending.md):

- the whole run holds the workbook's lock (``addin.books.lock``): a refresh waits for it;
- the log is the workbook's by identity (``addin.mail.identity``): a link, a second path, a
  copy or a move find the same history, or the send is refused until a person decides;
- before the first message, ``preflight`` checks that the workbook, its backup and the log can
  be written (open in Excel or LibreOffice, read-only, no space: nothing is sent), and the
  transport's ``check`` that the server takes us (no password, login refused, no STARTTLS, TLS:
  ``TransportError``, nothing marked);
- a save that fails after sending is reported (``save_error``): the log holds the sends, and the
  next run writes their *Journal* rows back without re-sending them.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Callable, Mapping

from addin.books.base import Book, BookError
from addin.core import dunning
from addin.core.model import Action, Channel, Problem
from addin.mail.journal import Journal, book_folder, message_id, sync_sheet
from addin.actions import queue
from addin.actions.day import relances_sheets
from addin.actions.refresh import write_computed_columns

OUTBOX = "Boîte d'envoi"
LETTERS = "Lettres à envoyer"
PREPARED = "brouillon préparé"


@dataclass(frozen=True)
class Line:
    client: str
    step: str
    channel: str
    key: str
    status: str  # envoyé | brouillon préparé | envoyé partiellement | déjà fait | à vérifier | échec | échec définitif | à appeler | courrier à envoyer | ignorée | reportée au … | non envoyé
    detail: str = ""


@dataclass
class SendReport:
    """What one send run did, line by line."""

    lines: list[Line] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stopped: str = ""  # why e-mails stopped (fatal transport error), else ""
    computed_columns: bool = False
    save_error: str = ""  # why the workbook could not be saved after sending, else ""
    log_path: Path | None = None  # the send log (what holds the sends when the save failed)
    history_note: str = ""  # where the history was found, when not beside the workbook

    @property
    def failed_run(self) -> bool:
        """The run stopped short (transport) or its save failed: the command exits non-zero."""
        return bool(self.stopped or self.save_error)
    drafts_folder: Path | None = None  # where the drafts went (no mail server), else None
    letters: list[Path] = field(default_factory=list)  # the formal notices' PDFs to post (LRAR)

    def by_status(self, *statuses: str) -> list[Line]:
        return [x for x in self.lines if x.status in statuses]

    @property
    def sent(self) -> list[Line]:
        return self.by_status("envoyé")

    @property
    def prepared(self) -> list[Line]:
        """Drafts written to the outbox: not sent until the person sends them."""
        return self.by_status(PREPARED)

    @property
    def to_check(self) -> list[Line]:
        return self.by_status("à vérifier")

    @property
    def partial(self) -> list[Line]:
        """Delivered to a copy, refused for the client's address: a person must act."""
        return self.by_status("envoyé partiellement")

    @property
    def failed(self) -> list[Line]:
        return self.by_status("échec", "échec définitif", "non envoyé")

    @property
    def summary(self) -> str:
        counts: dict[str, int] = {}
        for line in self.lines:
            key = line.status.split(" au ")[0]
            counts[key] = counts.get(key, 0) + 1
        parts = [f"{n} {_plural(status) if n > 1 else status}" for status, n in counts.items()]
        text = "Envoi : " + (", ".join(parts) if parts else "aucune relance à faire aujourd'hui") + "."
        for line in self.lines:
            if line.status in ATTENTION:
                text += f"\n- {line.client} {line.step} : {line.status}" + (f" ({line.detail})" if line.detail else "")
        if self.to_check:
            text += ("\nÀ vérifier : l'envoi a été interrompu, ces e-mails sont peut-être partis. Vérifiez dans "
                     "votre messagerie puis écrivez « envoyé » ou « à renvoyer » dans la colonne Résultat du Journal.")
        if self.partial:
            text += ("\nEnvoyé partiellement : le serveur du client a refusé son adresse (la copie l'a reçu) ; ce "
                     "n'est pas une relance reçue et Relance ne le renverra pas seul. Corrigez l'adresse ou "
                     "transférez-le au client puis écrivez « envoyé » dans la colonne Résultat du Journal, ou "
                     "« à renvoyer » (renvoyé à tous les destinataires).")
        if self.stopped:
            text += f"\nEnvoi arrêté : {self.stopped}"
        return text + self.where() + self.outcome_note()

    def outcome_note(self) -> str:
        """What the user must know beyond the lines: a history found elsewhere, a failed save."""
        text = ""
        if self.history_note:
            text += f"\nJournal d'envoi : {self.history_note}."
        if self.save_error:
            gone = len(self.by_status("envoyé", "envoyé partiellement", "à vérifier"))
            text += (f"\nEnregistrement du classeur impossible : {self.save_error}\n"
                     f"{gone} relance(s) sont parties (ou peut-être parties) et le journal d'envoi les garde"
                     + (f" ({self.log_path})" if self.log_path else "") +
                     " : aucune ne sera renvoyée. Une fois le classeur enregistrable, relancez « Envoyer » : "
                     "la feuille Journal sera complétée sans rien renvoyer.")
        return text

    def where(self) -> str:
        """Where the files went: the drafts' folder and each letter to post."""
        text = ""
        if self.prepared and self.drafts_folder is not None:
            text += (f"\nBrouillons (pas de serveur d'envoi) : {self.drafts_folder}\n  Ouvrez chacun dans votre "
                     "messagerie et envoyez-le aujourd'hui ; Relance le compte comme fait dès aujourd'hui. "
                     "Une fois envoyé, écrivez « envoyé » dans la colonne Résultat du Journal (ou « à renvoyer » "
                     "pour le préparer de nouveau).")
        if self.letters:
            text += "\nLettres à imprimer et envoyer en recommandé avec AR :"
            text += "".join(f"\n  {path}" for path in self.letters)
        return text


ATTENTION = ("à vérifier", "envoyé partiellement", "échec", "échec définitif", "non envoyé")

_PLURALS = {"envoyé": "envoyés", PREPARED: "brouillons préparés", "envoyé partiellement": "envoyés partiellement", "ignorée": "ignorées", "reportée": "reportées", "non envoyé": "non envoyés",
            "échec": "échecs", "échec définitif": "échecs définitifs", "courrier à envoyer": "courriers à envoyer"}


def _plural(status: str) -> str:
    return _PLURALS.get(status, status)


Progress = Callable[[int, int, str], None]


def run(
    book: Book,
    *,
    today: date,
    book_path: Path | None = None,
    outbox: Path | None = None,
    environ: Mapping[str, str] = os.environ,
    transport=None,
    progress: Progress | None = None,
    new_history: bool = False,
) -> SendReport:
    """Send today's reminders; see the module docstring. Returns the report (the book is saved,
    or ``report.save_error`` says why not).

    ``book_path`` defaults to the book's own path (the ribbon passes only the book).
    ``new_history``: a person decided that a workbook whose send log cannot be found starts a
    new one (``addin.mail.identity``).
    """
    book_path = Path(book_path or book.path)
    with held_history(book, book_path, new_history=new_history) as (snapshot, settled):
        journal = settled.journal
        prepared = queue.prepare(snapshot, today=today, book_path=book_path, journal=journal)
        report = SendReport(problems=list(prepared.problems), log_path=journal.path, history_note=settled.note)
        settings = prepared.settings
        preflight(book, book_path, journal, _emails(prepared.actions))
        own_transport = transport is None
        if own_transport:
            from addin.mail.send import make_transport

            folder = Path(outbox) if outbox is not None else book_folder(book_path) / OUTBOX / today.isoformat()
            transport = make_transport(settings, outbox=folder, environ=environ)
        if getattr(transport, "drafts", False):
            report.drafts_folder = Path(transport.folder).resolve()
        statuses: dict[str, str] = {}
        total = len(prepared.actions)
        try:
            before_first_message(book, snapshot, settled, prepared.actions, transport)
            for n, action in enumerate(prepared.actions, start=1):
                line = _one(action, prepared, journal, transport, today, book_path, report, n)
                report.lines.append(line)
                statuses[action.key] = line.status
                book.progress(n / max(1, total), f"Envoi {n}/{total} : {action.client.name}")
                if progress is not None:
                    progress(n, total, f"{action.client.name} — {line.status}")
        finally:
            if own_transport:
                transport.close()
        for key, decision in queue.ignored_today(prepared.actions, prepared.decisions, today):
            parts = queue.split_key(key)
            if parts is None:
                continue
            client, scenario, step, _ = parts
            channel = dunning.step_channel(prepared.scenarios, scenario, step)
            report.lines.append(Line(client, step, channel.value if channel else "", key, decision.label))
        # Sends of earlier runs whose fate is still unknown: the queue no longer proposes
        # them (they count as done), but a person must check them.
        listed = {line.key for line in report.lines}
        for entry in journal.unknown():
            if entry.key not in listed:
                report.lines.append(Line(entry.client, entry.step, entry.channel, entry.key, "à vérifier",
                                         f"envoi interrompu le {entry.at:%d/%m/%Y à %H:%M}"))
        try:
            report.problems.extend(sync_sheet(book, journal, snapshot))
            for sheet in relances_sheets(prepared, snapshot, today, statuses):
                book.write_generated(sheet)
            report.computed_columns = write_computed_columns(book, _after_run(prepared, journal), snapshot)
            book.save()
        except (BookError, OSError) as error:  # sent already: the log holds every send
            report.save_error = str(error)
    return report


@contextmanager
def held_history(book: Book, book_path: Path, *, new_history: bool = False):
    """For a whole send: the workbook's lock (re-entered when the CLI or the ribbon holds it), the
    workbook read once (the snapshot), its send log found by identity, and that log's lock.
    Yields ``(snapshot, settled)``."""
    from addin.actions.lock import command_lock
    from addin.register.snapshot import Snapshot

    with command_lock(book_path):
        snapshot = Snapshot.read(book)  # every read before the first write
        settled = settle_history(snapshot, book_path, new_history=new_history)
        with settled.journal.lock():
            yield snapshot, settled


def settle_history(snapshot, book_path: Path, *, new_history: bool = False):
    """The workbook's send log, found by its real path and the identifier it carries
    (``addin.mail.identity.settle``); raises ``HistoryNotFound`` when a person must decide."""
    from addin.mail.identity import settle
    from addin.register import schema
    from addin.register.record import read_record

    return settle(book_path, read_record(snapshot.data(schema.RECORD)[1]).book_id, new_history=new_history)


def preflight(book: Book, book_path: Path, journal: Journal, emails: int) -> None:
    """Before the first message: the workbook, its backup and the log can be written now
    (``addin.books.preflight``); raises ``BookError`` saying what to do. Leftovers of an
    interrupted save (temporary files, partial backups) are removed first."""
    from addin.books import preflight as checks

    log_bytes = 4096 * (emails + 1)
    if getattr(book, "saves_file", False):
        from addin.books.file import sweep

        sweep(checks.real(book_path))
        checks.check_save(book_path, log_folder=journal.path.parent, log_bytes=log_bytes)
    else:  # Excel saves the workbook: only the log is Relance's to write
        checks.check_log(journal.path.parent, log_bytes)


def before_first_message(book: Book, snapshot, settled, actions: list[Action], transport) -> None:
    """The transport takes us (configuration, connection: ``TransportError`` before any message
    is marked), and a workbook's first send stores its identifier and saves it before any message
    leaves, so that a copy or a move made later, even after a failed save, finds this history."""
    if _emails(actions) and hasattr(transport, "check"):
        transport.check()
    if not settled.stored:
        store_identity(book, snapshot, settled.book_id)
        book.save()


def _emails(actions: list[Action]) -> int:
    return sum(1 for a in actions if a.step.channel in (Channel.EMAIL, Channel.FORMAL_NOTICE))


def store_identity(book: Book, snapshot, book_id: str) -> None:
    """Write the workbook's identifier into its hidden ``_Relance`` sheet (its other blocks kept)."""
    from addin.register import schema
    from addin.register.record import read_record, record_sheet

    record = read_record(snapshot.data(schema.RECORD)[1])
    book.write_generated(record_sheet(replace(record, book_id=book_id)))


def _one(action: Action, prepared: queue.Prepared, journal: Journal, transport, today: date, book_path: Path,
         report: SendReport, n: int = 0) -> Line:
    key = action.key
    base = dict(client=action.client.code, step=action.step.name, channel=action.step.channel.value, key=key)
    decision = prepared.decisions.get(key)
    if decision is not None and decision.active(today):
        return Line(**base, status=decision.label)
    entry = journal.entries().get(key)
    state = entry.state if entry else None
    channel = action.step.channel
    if channel in (Channel.PHONE, Channel.LETTER):
        if state is None:
            try:
                journal.task(action, [action.client.email] if channel == Channel.PHONE else [])
            except OSError as error:
                report.stopped = f"journal d'envoi impossible à écrire ({error}) : {journal.path}"
                return Line(**base, status="non envoyé", detail="envoi arrêté")
        return Line(**base, status="à appeler" if channel == Channel.PHONE else "courrier à envoyer")
    if state == "unknown":
        return Line(**base, status="à vérifier", detail="interrompu : jamais renvoyé automatiquement")
    if state == "partial":
        return Line(**base, status="envoyé partiellement", detail=entry.detail if entry else "")
    if state in ("sent", "task"):
        return Line(**base, status=PREPARED if entry is not None and entry.prepared else "déjà fait")
    if not journal.may_send(key):
        return Line(**base, status="échec définitif",
                    detail=(entry.detail if entry else "") + " ; corrigez puis écrivez « à renvoyer » dans le Journal")
    if report.stopped:
        return Line(**base, status="non envoyé", detail="envoi arrêté")

    from addin.mail import compose

    settings = prepared.settings
    try:
        rendered = compose.render(action, settings, today=today)
        mid = message_id(key, book_path.name, settings.sender_email)
        msg = compose.to_message(rendered, settings, message_id=mid)
    except ValueError as error:  # no valid address, no sender: nothing left, nothing logged
        return Line(**base, status="non envoyé", detail=str(error))
    except Exception as error:  # a broken template: this message only
        return Line(**base, status="non envoyé", detail=f"rendu impossible : {error}")
    try:
        journal.intent(action, mid, [*rendered.to, *rendered.cc])
    except OSError as error:  # full disk, quota, file-size limit: nothing sent, the run stops
        report.stopped = f"journal d'envoi impossible à écrire ({error}) : {journal.path}"
        return Line(**base, status="non envoyé", detail="envoi arrêté")
    if getattr(transport, "drafts", False):  # named as Aperçu names the same message
        result = transport.send(msg, name=queue.file_stem(n, action) + ".eml")
    else:
        result = transport.send(msg)
    try:
        journal.result(key, result)
    except OSError as error:  # handed to the server, its answer not recorded: « à vérifier »
        report.stopped = f"journal d'envoi impossible à écrire ({error}) : {journal.path}"
        return Line(**base, status="à vérifier", detail=f"réponse du serveur : {result.detail}")
    done = PREPARED if getattr(result, "prepared", False) else "envoyé"
    if getattr(result, "fatal", False):
        # Nothing reached a server (login refused, TLS): the message stays pending, the run stops.
        report.stopped = result.detail
        return Line(**base, status="non envoyé", detail="envoi arrêté")
    if getattr(result, "unknown", False) and not result.ok:
        # Handed to the server, no answer: it may have gone. Never re-sent automatically.
        return Line(**base, status="à vérifier", detail=result.detail)
    partial = bool(getattr(result, "partial", False)) and not result.ok
    if not result.ok and not partial:
        return Line(**base, status="échec définitif" if result.permanent else "échec", detail=result.detail)
    if channel == Channel.FORMAL_NOTICE:
        # The registered letter is the notice: it goes even when the cover e-mail missed the client.
        letter = replace(action, step=replace(action.step, name=f"{action.step.name} LRAR", channel=Channel.LETTER))
        kept = keep_letter(rendered, action, book_path, today)
        if kept is not None:
            report.letters.append(kept)
        if journal.state(letter.key) is None:
            where = f"la lettre {kept}" if kept is not None else "la lettre jointe à l'e-mail"
            try:
                journal.task(letter, [], detail=f"imprimer {where} et l'envoyer en recommandé avec AR",
                             letter=str(kept or ""))
            except OSError as error:
                report.stopped = f"journal d'envoi impossible à écrire ({error}) : {journal.path}"
        if not partial:
            return Line(**base, status=done, detail=f"lettre à envoyer en LRAR : {kept}" if kept
                        else "lettre à envoyer en LRAR")
    if partial:
        # A copy has it, the client does not: not a reminder, never re-sent automatically.
        return Line(**base, status="envoyé partiellement", detail=result.detail)
    return Line(**base, status=done, detail=result.detail)


def letter_path(action: Action, book_path: Path, today: date) -> Path:
    """``<workbook folder>/Lettres à envoyer/<date>/<code> <client> - <invoices>.pdf``."""
    import re

    invoices = ", ".join(i.number for i in action.items if i.kind == "invoice")
    name = f"{action.client.code} {action.client.name} - {invoices}".strip(" -")
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", name).strip(" .")[:120] or "lettre"
    return book_folder(book_path) / LETTERS / today.isoformat() / f"{name}.pdf"


def keep_letter(rendered, action: Action, book_path: Path, today: date) -> Path | None:
    """Save the formal notice's PDF (the e-mail's attachment) where the person finds it to post
    it by registered letter; None when the message has no PDF or the folder cannot be written."""
    from addin.files import atomic_write

    pdf = next((a.data for a in rendered.attachments if a.content_type == "application/pdf"), None)
    if pdf is None:
        return None
    path = letter_path(action, book_path, today)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, pdf)
    except OSError:
        return None
    return path.resolve()


def _after_run(prepared: queue.Prepared, journal: Journal) -> queue.Prepared:
    """The next actions once this run's sends count as done."""
    from addin.core.dunning import History, Reminder

    known = prepared.history.keys()
    extra = []
    for e in journal.entries().values():
        if e.key in known or e.state not in ("sent", "unknown", "task", "partial"):
            continue
        try:
            channel = Channel(e.channel)
        except ValueError:
            channel = None
        # The run's day (--today), never the machine's clock: the history must not depend on it.
        extra.append(Reminder(e.client, e.invoices, e.step, channel, e.on or e.at.date(), key=e.key, state=e.state))
    h = prepared.history
    history = History(h.reminders + tuple(extra), h.promises, h.disputes, h.calls)
    _, nexts = dunning.queue(prepared.ledger.states, prepared.register.clients, prepared.scenarios, history,
                             prepared.settings, prepared.ledger.today, prepared.ledger.credits,
                             installments=prepared.installments)
    return replace(prepared, history=history, next_actions=nexts)
