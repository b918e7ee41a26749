"""The journal: exactly-once bookkeeping, the Journal sheet mirror, call notes read back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from addin.books.base import GeneratedSheet, SheetData
from addin.core.dunning import DEFAULTS, queue
from addin.core.model import Action, ActionItem, Channel, Client, Invoice, InvoiceState, Settings, Status
from addin.mail.journal import Journal, JournalBusy, message_id, read_history, sync_sheet

TODAY = date(2025, 6, 30)
NOW = datetime(2025, 6, 30, 10, 15, 30)


class MemoryBook:
    """The Book port over lists of rows (what FileBook does, without a file)."""

    def __init__(self, sheets=None):
        self.sheets: dict[str, list[list[object]]] = {k: [list(r) for r in v] for k, v in (sheets or {}).items()}

    def sheet_names(self):
        return list(self.sheets)

    def read_sheet(self, name):
        return SheetData(name, tuple(tuple(r) for r in self.sheets[name]))

    def write_cells(self, sheet, first_row, first_col, block, formats=()):
        rows = self.sheets.setdefault(sheet, [])
        for i, values in enumerate(block):
            while len(rows) < first_row + i:
                rows.append([])
            row = rows[first_row + i - 1]
            for j, v in enumerate(values):
                while len(row) < first_col + j:
                    row.append(None)
                row[first_col + j - 1] = v

    def write_generated(self, sheet: GeneratedSheet):
        rows = []
        for block in sheet.blocks:
            rows.append(list(block.headers))
            rows.extend(list(r) for r in block.rows)
        self.sheets[sheet.name] = rows

    def append_rows(self, sheet, rows, after=None):
        first = (after if after is not None else len(self.sheets[sheet])) + 1
        self.sheets[sheet].extend(list(r) for r in rows)
        return first

    def save(self):
        pass

    def progress(self, fraction, message):
        pass


@dataclass
class Result:
    ok: bool
    permanent: bool = False
    message_id: str = ""
    detail: str = ""


class Clock:
    def __init__(self, now=NOW):
        self.now = now

    def __call__(self):
        return self.now


CLIENT = Client("C1", "Dupont SARL", email="compta@dupont.fr")


def action(numbers=("F1",), step=DEFAULTS["Professionnel"][2]) -> Action:
    items = tuple(ActionItem(n, "", date(2025, 5, 1), date(2025, 6, 1), Decimal("100"), 29, Decimal("1"),
                             Decimal("40")) for n in numbers)
    return Action(CLIENT, step, TODAY, items, Decimal("100") * len(items), Decimal(len(items)),
                  Decimal("40") * len(items))


def journal(tmp_path, clock=None) -> Journal:
    return Journal.open(tmp_path / "Registre.xlsx", clock=clock or Clock())


def test_log_lives_next_to_the_book(tmp_path):
    j = journal(tmp_path)
    j.intent(action(), "<id>", ["a@b.fr"])
    assert j.path == tmp_path / ".relance" / "Registre.xlsx.journal.jsonl"
    record = json.loads(j.path.read_text("utf-8").splitlines()[0])
    assert record["type"] == "intent" and record["invoices"] == ["F1"] and record["at"] == "2025-06-30T10:15:30"


@pytest.mark.parametrize("fullname, folder", [
    ("https://d.docs.live.net/4f2a/Documents/Registre%20clients.xlsx", "Registre clients"),  # OneDrive
    ("https://contoso.sharepoint.com/sites/compta/Shared Documents/Registre.xlsm", "Registre"),  # SharePoint
    ("Classeur1", "Classeur1"),  # a workbook never saved
])
def test_a_workbook_that_is_no_local_file_keeps_its_log_in_a_per_user_folder(tmp_path, monkeypatch, fullname, folder):
    from pathlib import Path

    monkeypatch.setenv("HOME", str(tmp_path))
    for given in (fullname, Path(fullname)):  # LiveBook hands Path(book.fullname): « https:/… »
        j = Journal.open(given, clock=Clock())
        assert j.path.parent == tmp_path / "Documents" / "Relance" / folder / ".relance"
        assert str(tmp_path / "Documents" / "Relance" / folder) in j.location_note
        j.intent(action(), "<id>", [])  # it can be written: no folder named « https: » in the current one
        assert j.path.exists()
    assert not (Path.cwd() / "https:").exists()
    local = journal(tmp_path)
    assert local.location_note == "" and local.path.parent == tmp_path / ".relance"


def test_intent_then_result(tmp_path):
    j = journal(tmp_path)
    a = action()
    assert j.state(a.key) is None and j.may_send(a.key)
    j.intent(a, "<id>", ["compta@dupont.fr"])
    assert j.state(a.key) == "unknown" and not j.may_send(a.key)
    j.result(a.key, Result(ok=True))
    assert j.state(a.key) == "sent" and j.unknown() == []


def test_failures_transient_may_retry_permanent_may_not(tmp_path):
    j = journal(tmp_path)
    a, b = action(("F1",)), action(("F2",))
    for x, permanent in ((a, False), (b, True)):
        j.intent(x, "<id>", ["x@y.fr"])
        j.result(x.key, Result(ok=False, permanent=permanent, detail="550 no such user"))
    assert j.state(a.key) == j.state(b.key) == "failed"
    assert j.may_send(a.key) and not j.may_send(b.key)


def test_a_crash_between_intent_and_result_leaves_it_unknown_for_a_person(tmp_path):
    a = action()
    journal(tmp_path).intent(a, "<id>", ["compta@dupont.fr"])  # ...and the process dies here
    reopened = journal(tmp_path)
    assert reopened.state(a.key) == "unknown"
    assert [e.key for e in reopened.unknown()] == [a.key]
    assert not reopened.may_send(a.key)
    # The queue does not propose it again either.
    history, _ = read_history(MemoryBook(), reopened)
    state = InvoiceState(Invoice("F1", "C1", date(2025, 5, 1), Decimal("100")), date(2025, 6, 23), Decimal(0),
                         Decimal("100"), Status.OVERDUE, 7, Decimal(0), Decimal(40))
    assert [x for x in queue([state], [CLIENT], DEFAULTS, history, Settings(), TODAY)[0]
            if x.step.channel == Channel.EMAIL] == []


def test_a_send_without_an_answer_after_its_data_stays_unknown(tmp_path):
    from addin.mail.send import SendResult

    j = journal(tmp_path)
    a = action()
    j.intent(a, "<id>", ["compta@dupont.fr"])
    j.result(a.key, SendResult(False, False, "<id>", "sort inconnu : délai dépassé", unknown=True))
    assert j.state(a.key) == "unknown" and not j.may_send(a.key)
    assert j.entries()[a.key].result_label == "à vérifier" and "délai" in j.entries()[a.key].detail
    assert [e.key for e in journal(tmp_path).unknown()] == [a.key]


def test_a_torn_last_line_is_ignored_and_does_not_swallow_the_next(tmp_path):
    j = journal(tmp_path)
    a, b = action(("F1",)), action(("F2",))
    j.intent(a, "<id>", [])
    with open(j.path, "ab") as f:
        f.write(b'{"type": "result", "key": "')  # crash mid-write
    j2 = journal(tmp_path)
    j2.intent(b, "<id2>", [])
    j3 = journal(tmp_path)
    assert j3.state(a.key) == "unknown" and j3.state(b.key) == "unknown" and j3.torn_lines == 1


def test_message_id_is_deterministic_per_key_and_book():
    first = message_id("C1|Professionnel|J+7|F1", "Registre.xlsx", "marie@agence.fr")
    assert first == message_id("C1|Professionnel|J+7|F1", "Registre.xlsx", "marie@agence.fr")
    assert first.endswith(".relance@agence.fr>") and first.startswith("<") and len(first) == 1 + 24 + len(".relance@agence.fr>")
    assert first != message_id("C1|Professionnel|J+7|F1,F2", "Registre.xlsx", "marie@agence.fr")
    assert first != message_id("C1|Professionnel|J+7|F1", "Autre.xlsx", "marie@agence.fr")


def test_sync_sheet_appends_each_state_once_and_never_rewrites(tmp_path):
    j = journal(tmp_path)
    a = action()
    j.intent(a, "<id>", ["compta@dupont.fr"])
    book = MemoryBook()
    sync_sheet(book, j)
    rows = book.sheets["Journal"]
    assert rows[0][:3] == ["Horodatage", "Client", "Factures"]
    assert rows[1][7] == "à vérifier" and rows[1][8] == a.key
    sync_sheet(book, j)
    assert len(book.sheets["Journal"]) == 2  # nothing new
    # A person's call note, typed below: kept as is.
    book.sheets["Journal"].append([NOW, "C1", "F1", "", "Appel", "", "", "", "", "Injoignable", "", None, "", "rappeler"])
    j.result(a.key, Result(ok=True))
    sync_sheet(book, j)
    rows = book.sheets["Journal"]
    assert len(rows) == 4 and rows[2][13] == "rappeler" and rows[3][7] == "envoyé" and rows[1][7] == "à vérifier"


def test_sync_sheet_follows_the_persons_column_order(tmp_path):
    j = journal(tmp_path)
    j.task(action(step=DEFAULTS["Professionnel"][3]), ["01 02 03 04 05"])
    book = MemoryBook({"Journal": [["Clé", "Résultat", "Client", "Mes notes"]]})
    sync_sheet(book, j)
    header, row = book.sheets["Journal"][0], book.sheets["Journal"][1]
    assert row[0] == "C1|Professionnel|Appel J+7|F1" and row[1] == "à faire" and row[2] == "C1" and row[3] is None
    assert header[3] == "Mes notes" and header[4] == "Horodatage" and row[4] == NOW


def test_a_person_resolves_an_unknown_send_in_the_sheet(tmp_path):
    j = journal(tmp_path)
    a, b = action(("F1",)), action(("F2",))
    j.intent(a, "<a>", [])
    j.intent(b, "<b>", [])
    book = MemoryBook()
    sync_sheet(book, j)
    rows = book.sheets["Journal"]
    rows[1][7] = "envoyé"
    rows[2][7] = "à renvoyer"
    read_history(book, j)
    again = journal(tmp_path)  # the resolution is in the log now
    assert again.state(a.key) == "sent"
    assert again.state(b.key) is None and again.may_send(b.key)
    # The re-send's fate is unknown again: the old « à renvoyer » does not trigger a third send.
    later = journal(tmp_path, Clock(NOW + timedelta(minutes=5)))
    later.intent(b, "<b>", [])
    history, problems = read_history(book, later)
    assert later.state(b.key) == "unknown" and b.key in history.keys()
    assert [p.code for p in problems] == ["journal.stale_resolution"]


def test_call_notes_become_promises_disputes_and_calls(tmp_path):
    header = ["Horodatage", "Client", "Factures", "Étape", "Canal", "Destinataires", "Message-ID", "Résultat",
              "Clé", "Issue de l'appel", "Interlocuteur", "Date de promesse", "Motif de litige", "Commentaire"]
    book = MemoryBook({"Journal": [
        header,
        [NOW, "C1", "F1", "", "Appel", "", "", "", "", "Promesse de paiement", "M. Martin", date(2025, 7, 12), "", ""],
        ["28/06/2025 09:00", "C2", "F7; F8", "", "Appel", "", "", "", "", "Litige", "Mme Roy", None, "prix", ""],
        ["29/06/2025", "C2", "F8", "", "Appel", "", "", "", "", "", "", None, "levé", ""],
        ["27/06/2025", "C3", "F9", "J+15", "Courrier", "", "", "", "", "", "", None, "", "LRAR"],
        ["hier", "", "", "", "", "", "", "", "", "", "", None, "", "note sans client"],
    ]})
    history, problems = read_history(book, journal(tmp_path))
    assert [(p.client, p.invoices, p.until) for p in history.promises] == [("C1", ("F1",), date(2025, 7, 12))]
    assert [(d.client, d.invoices, d.reason) for d in history.disputes] == []  # F7+F8 lifted by « levé » on F8
    assert [(c.client, c.contact) for c in history.calls] == [("C1", "M. Martin"), ("C2", "Mme Roy"), ("C2", "")]
    assert [(r.client, r.step, r.channel, r.on) for r in history.reminders] == [
        ("C3", "J+15", Channel.LETTER, date(2025, 6, 27))]
    assert {p.code for p in problems} == {"journal.date", "journal.client"}


def test_a_dispute_note_pauses_only_its_invoices(tmp_path):
    book = MemoryBook({"Journal": [
        ["Horodatage", "Client", "Factures", "Canal", "Issue de l'appel", "Motif de litige"],
        [NOW, "C1", "F1", "Appel", "Litige", "travaux non terminés"],
    ]})
    history, _ = read_history(book, journal(tmp_path))
    states = [InvoiceState(Invoice(n, "C1", date(2025, 5, 1), Decimal("100")), date(2025, 6, 15), Decimal(0),
                           Decimal("100"), Status.OVERDUE, 15, Decimal(0), Decimal(40)) for n in ("F1", "F2")]
    actions, nexts = queue(states, [CLIENT], DEFAULTS, history, Settings(), TODAY)
    assert {i.number for a in actions for i in a.items} == {"F2"}
    assert nexts["F1"] == ("En litige : travaux non terminés", None)


def test_a_key_the_log_lost_still_counts_as_done(tmp_path):
    a = action()
    book = MemoryBook({"Journal": [
        ["Horodatage", "Client", "Factures", "Étape", "Canal", "Résultat", "Clé"],
        [NOW, "C1", "F1", "J+7", "E-mail", "envoyé", a.key],
    ]})
    history, _ = read_history(book, journal(tmp_path))
    assert a.key in history.keys()


def test_one_send_run_at_a_time(tmp_path):
    j = journal(tmp_path)
    with j.lock():
        with pytest.raises(JournalBusy):
            with journal(tmp_path).lock():
                pass
    with journal(tmp_path).lock():
        pass


def test_the_outcome_written_on_the_call_row_relance_logged_is_read(tmp_path):
    """PRODUCT.md step 4: Marie fills in the « à faire » call row Relance wrote; the promise and
    the dispute typed there must pause the reminders (they were ignored on any row with a Clé)."""
    j = journal(tmp_path)
    j.task(action(("F1",), step=DEFAULTS["Professionnel"][3]), ["01 02 03 04 05"])
    j.task(action(("F2",), step=DEFAULTS["Professionnel"][3]), ["01 02 03 04 05"])
    book = MemoryBook()
    sync_sheet(book, j)
    rows = book.sheets["Journal"]
    header = rows[0]
    first, second = rows[1], rows[2]
    first[header.index("Issue de l'appel")] = "Promesse de paiement"
    first[header.index("Date de promesse")] = "12/07/2025"
    second[header.index("Issue de l'appel")] = "Litige"
    second[header.index("Motif de litige")] = "maquettes non conformes"
    history, problems = read_history(book, j)
    assert problems == []
    assert [(p.client, p.invoices, p.until) for p in history.promises] == [("C1", ("F1",), date(2025, 7, 12))]
    assert [(d.client, d.invoices, d.reason) for d in history.disputes] == [
        ("C1", ("F2",), "maquettes non conformes")]
    assert len(history.reminders) == 2  # the calls still count as done


def test_a_send_only_the_copy_received_is_partial_never_resent_and_a_person_resolves_it(tmp_path):
    from addin.mail.send import SendResult

    j = journal(tmp_path)
    a = action()
    j.intent(a, "<id>", ["compta@dupont.fr", "dg@dupont.fr"])
    j.result(a.key, SendResult(False, False, "<id>", "envoyé partiellement : refusé pour compta@dupont.fr (451 x)",
                               partial=True, refused=("compta@dupont.fr",)))
    assert j.state(a.key) == "partial" and not j.may_send(a.key) and j.unknown() == []
    assert j.entries()[a.key].result_label == "envoyé partiellement"
    book = MemoryBook()
    sync_sheet(book, j)
    assert book.sheets["Journal"][1][7] == "envoyé partiellement"
    history, _ = read_history(book, j)
    assert [(r.key, r.state) for r in history.reminders] == [(a.key, "partial")]  # done, not delivered
    book.sheets["Journal"][1][7] = "à renvoyer"  # the person fixed the address
    read_history(book, journal(tmp_path, Clock(NOW + timedelta(minutes=5))))
    assert journal(tmp_path).may_send(a.key)
