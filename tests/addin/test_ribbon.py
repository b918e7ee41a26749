"""addin.ribbon.dispatch with a fake book, fake actions and a recording alert."""

import importlib.util
import types
from dataclasses import dataclass
from datetime import date

import pytest

from addin import ribbon
from addin.actions import ACTIONS

TODAY = date(2025, 3, 14)


class Alerts:
    def __init__(self):
        self.shown: list[tuple[str, str]] = []

    def __call__(self, message, title):
        self.shown.append((message, title))


@dataclass
class Result:
    summary: str


def loader(run):
    """A fake importer whose every action module runs ``run``."""
    calls = []

    def load(name):
        calls.append(name)
        return types.SimpleNamespace(run=run)

    load.calls = calls
    return load


def test_success_shows_the_summary_and_returns_the_result(tmp_path):
    alerts, book = Alerts(), object()
    seen = {}

    def run(b, *, today):
        seen.update(book=b, today=today)
        return Result("12 factures actualisées, 3 relances à envoyer.")

    load = loader(run)
    result = ribbon.dispatch("refresh", book, today=TODAY, alert=alerts, log=tmp_path / "r.log", load=load)
    assert result == Result("12 factures actualisées, 3 relances à envoyer.")
    assert load.calls == ["addin.actions.refresh"]
    assert seen == {"book": book, "today": TODAY}
    assert alerts.shown == [("12 factures actualisées, 3 relances à envoyer.", "Relance")]
    assert not (tmp_path / "r.log").exists()


def test_a_text_result_is_shown_as_is_and_no_summary_shows_nothing(tmp_path):
    alerts = Alerts()
    ribbon.dispatch("help", object(), today=TODAY, alert=alerts, load=loader(lambda b, today: "Aide ouverte."))
    ribbon.dispatch("plan", object(), today=TODAY, alert=alerts, load=loader(lambda b, today: 42))
    assert alerts.shown == [("Aide ouverte.", "Relance")]


def test_unknown_tag_is_a_readable_french_message_and_runs_nothing():
    alerts = Alerts()
    load = loader(lambda b, today: pytest.fail("must not run"))
    assert ribbon.dispatch("frobnicate", object(), today=TODAY, alert=alerts, load=load) is None
    assert load.calls == []
    (message, title), = alerts.shown
    assert "Bouton inconnu" in message and "« frobnicate »" in message
    assert "refresh" in message and title == "Relance"


def test_action_error_shows_french_message_with_log_path_and_logs_the_traceback(tmp_path):
    alerts = Alerts()
    log = tmp_path / "logs" / "relance.log"

    def run(b, *, today):
        raise ValueError("Feuille « Factures » introuvable")

    assert ribbon.dispatch("send", object(), today=TODAY, alert=alerts, log=log, load=loader(run)) is None
    (message, title), = alerts.shown
    assert message.startswith("L'action « send » n'a pas abouti.")
    assert "Feuille « Factures » introuvable" in message
    assert str(log) in message
    assert "Traceback" not in message
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "ValueError: Feuille" in text
    assert "action send (addin.actions.send)" in text


def test_a_module_that_fails_to_import_is_reported_the_same_way(tmp_path):
    alerts = Alerts()

    def load(name):
        raise ModuleNotFoundError(f"No module named '{name}'")

    ribbon.dispatch("review", object(), today=TODAY, alert=alerts, log=tmp_path / "x.log", load=load)
    (message, _), = alerts.shown
    assert "n'a pas abouti" in message and str(tmp_path / "x.log") in message


def test_an_unwritable_log_falls_back_to_the_temp_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    written = ribbon.write_log("boom", blocker / "sub" / "relance.log")
    assert written.name == "relance.log" and written.parent != blocker / "sub"
    assert "boom" in written.read_text(encoding="utf-8")


def test_summary_of():
    assert ribbon.summary_of("ok") == "ok"
    assert ribbon.summary_of(Result("fait")) == "fait"
    assert ribbon.summary_of(types.SimpleNamespace(summary=3)) is None
    assert ribbon.summary_of(None) is None


@pytest.mark.parametrize("tag, module", sorted(ACTIONS.items()))
def test_each_action_module_is_importable_with_a_run_callable(tag, module):
    loaded = importlib.import_module(module)
    assert callable(loaded.run)


def test_run_wires_the_caller_book_and_its_app_alert(monkeypatch):
    import xlwings as xw

    shown = []
    caller = types.SimpleNamespace(fullname="/tmp/Registre.xlsx",
                                   app=types.SimpleNamespace(alert=lambda prompt, title=None: shown.append((prompt, title))))
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: caller))
    seen = {}

    def fake_dispatch(tag, book, *, today, alert, paths=None):
        seen.update(tag=tag, book=book, today=today, paths=paths)
        alert("fini", "Relance")

    monkeypatch.setattr(ribbon, "dispatch", fake_dispatch)
    ribbon.run("refresh")
    from addin.books.live import LiveBook

    assert seen["tag"] == "refresh" and seen["today"] == date.today() and seen["paths"] is None
    assert isinstance(seen["book"], LiveBook) and seen["book"].book is caller
    assert shown == [("fini", "Relance")]


def test_run_reports_a_book_it_cannot_open(monkeypatch, tmp_path):
    import xlwings as xw

    shown = []
    monkeypatch.setenv("RELANCE_LOG", str(tmp_path / "r.log"))
    caller = types.SimpleNamespace(app=types.SimpleNamespace(alert=lambda prompt, title=None: shown.append(prompt)))
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: caller))
    import addin.books.live as live

    def broken(book):
        raise RuntimeError("COM gone")

    monkeypatch.setattr(live, "LiveBook", broken)
    ribbon.run("refresh")
    (message,) = shown
    assert "n'a pas pu lire le classeur actif" in message and str(tmp_path / "r.log") in message
    assert "RuntimeError: COM gone" in (tmp_path / "r.log").read_text(encoding="utf-8")


# --- Exporter pour le comptable, from Excel ----------------------------------------------------

@pytest.fixture(scope="module")
def demo_register(tmp_path_factory):
    from addin.demo import run_demo

    return run_demo(tmp_path_factory.mktemp("demo"), today=TODAY).path


def _excel_holding(path, platform="win32"):
    """A fake Excel with the register at ``path`` open, and one unsaved change: a client renamed."""
    from tests.books.fake_xlwings import from_xlsx

    fake = from_xlsx(path, platform=platform)
    clients = fake.sheets["Clients"]
    name_col = next(c for (r, c), v in clients.values.items() if r == 1 and v == "Nom")
    clients.store((2, name_col), "Renommée dans Excel, pas encore enregistrée")
    return fake


def test_export_from_the_ribbon_sees_what_excel_holds_not_the_last_save(demo_register, tmp_path):
    import shutil

    import openpyxl

    from addin.books.live import LiveBook

    register = tmp_path / "Registre.xlsx"
    shutil.copyfile(demo_register, register)
    before = register.read_bytes()
    fake = _excel_holding(register)
    alerts = Alerts()
    result = ribbon.dispatch("export", LiveBook(fake, platform="win32"), today=TODAY, alert=alerts,
                             log=tmp_path / "r.log")
    assert result is not None, alerts.shown
    # Written next to the register, named as the export names it from a file.
    assert result.path == tmp_path / f"Registre - comptable {TODAY:%Y-%m-%d}.xlsx"
    cells = {c.value for row in openpyxl.load_workbook(result.path)["Clients"].iter_rows() for c in row}
    assert "Renommée dans Excel, pas encore enregistrée" in cells
    # The register on disk and Excel's "unsaved changes" are untouched; the temporary copy is gone.
    assert register.read_bytes() == before
    assert fake.api.Saved is False
    assert "api.SaveCopyAs()" in fake.app.calls
    # .relance: the folder of the workbook's lock (every ribbon command holds it) and send log.
    assert {p.name for p in tmp_path.iterdir()} <= {"Registre.xlsx", result.path.name, "r.log", ".relance"}


def test_export_from_excel_on_a_mac_asks_to_save_first(demo_register, tmp_path):
    import shutil

    from addin.books.live import LiveBook

    register = tmp_path / "Registre.xlsx"
    shutil.copyfile(demo_register, register)
    fake = _excel_holding(register, platform="darwin")
    alerts = Alerts()
    assert ribbon.dispatch("export", LiveBook(fake, platform="darwin"), today=TODAY, alert=alerts,
                           log=tmp_path / "r.log") is None
    ((message, _),) = alerts.shown
    assert "modifications non enregistrées" in message and "Cmd+S" in message
    assert not list(tmp_path.glob("* - comptable *"))
    # Saved in Excel: the file on disk is what Excel holds, and it is exported.
    fake._dirty = False
    result = ribbon.dispatch("export", LiveBook(fake, platform="darwin"), today=TODAY, alert=Alerts(),
                             log=tmp_path / "r.log")
    assert result is not None and result.path.exists()


def test_export_of_a_never_saved_workbook_is_refused_in_french(tmp_path):
    from addin.books.live import LiveBook
    from tests.books.fake_xlwings import FakeBook

    alerts = Alerts()
    book = LiveBook(FakeBook({"Factures": {}}, fullname="Classeur1"), platform="win32")
    assert ribbon.dispatch("export", book, today=TODAY, alert=alerts, log=tmp_path / "r.log") is None
    assert "jamais été enregistré" in alerts.shown[0][0]


def test_other_buttons_get_the_book_itself(tmp_path):
    from addin.books.live import LiveBook
    from tests.books.fake_xlwings import FakeBook

    seen = []
    book = LiveBook(FakeBook({"Factures": {}}))
    ribbon.dispatch("review", book, today=TODAY, alert=Alerts(), log=tmp_path / "r.log",
                    load=loader(lambda b, today: seen.append(b) or "ok"))
    assert seen == [book] and "api.SaveCopyAs()" not in book.book.app.calls


@pytest.mark.parametrize("tag, module", sorted(ACTIONS.items()))
def test_each_button_s_action_has_tests_of_its_own(tag, module):
    """Beyond the generic run through the dispatcher (tests/actions/test_every_button.py)."""
    import re
    from pathlib import Path

    tests = Path(__file__).resolve().parents[1]
    generic = {"test_every_button.py", "test_ribbon.py", "test_addin_package.py", "test_import_button.py",
               "test_every_button_live.py"}
    short = module.rsplit(".", 1)[1]
    pattern = re.compile(rf"\b{re.escape(module)}\b|from addin\.actions import [^\n]*\b{short}\b")
    owners = [p for p in tests.rglob("test_*.py") if p.name not in generic
              and pattern.search(p.read_text(encoding="utf-8"))]
    assert owners, f"no test module exercises {module} (button {tag})"


def test_an_english_register_reads_its_summary_in_english(tmp_path):
    """Issue 15 point 12: what the user reads is in the register's language, in Excel too."""
    class Book:
        def __init__(self, names):
            self.names = names

        def sheet_names(self):
            return self.names

    summary = "Actualisé au 14/03/2025 : Ledger.xlsx\n  Relances du jour  3"
    for names, first in ((["Settings", "Clients", "Invoices", "Payments"], "Refreshed as of 14/03/2025: Ledger.xlsx"),
                         (["Paramètres", "Clients", "Factures", "Paiements"], "Actualisé au 14/03/2025 : Ledger.xlsx")):
        alerts = Alerts()
        ribbon.dispatch("review", Book(names), today=TODAY, alert=alerts, log=tmp_path / "r.log",
                        load=loader(lambda b, today: Result(summary)))
        assert alerts.shown[0][0].splitlines()[0] == first
