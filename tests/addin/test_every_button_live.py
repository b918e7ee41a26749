"""Every button, through the ribbon's dispatcher, on the demo register open in a fake Excel,
once as Excel for Windows hands cells over (currency as Decimal) and once as Excel for Mac
(one-row ranges as flat lists); and Excel's status bar given back after every action.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import types
from datetime import date

import pytest

from addin.actions import ACTIONS
from addin.books.live import LiveBook
from addin.ribbon import dispatch
from tests.books.fake_xlwings import FakeBook, from_xlsx

TODAY = date(2026, 11, 23)
PLATFORMS = ("win32", "darwin")
BUTTONS = sorted(ACTIONS)


class Alerts:
    def __init__(self):
        self.shown: list[tuple[str, str]] = []

    def __call__(self, message, title):
        self.shown.append((message, title))


def loader(run):
    return lambda name: types.SimpleNamespace(run=run)


@pytest.fixture(scope="module")
def demo_register(tmp_path_factory):
    from addin.demo import run_demo

    return run_demo(tmp_path_factory.mktemp("demo"), today=TODAY).path


def _open_in_excel(demo_register, tmp_path, platform):
    register = tmp_path / "Registre.xlsx"
    shutil.copyfile(demo_register, register)
    fake = from_xlsx(register, platform=platform)
    factures = fake.sheets["Factures"]
    due = next(c for (r, c), v in factures.values.items() if r == 1 and v == "Reste dû")
    unpaid = min(r for (r, c), v in factures.values.items() if r > 1 and c == due and v)
    fake.app.select(factures, unpaid)  # Échéancier plans the invoice of the active row
    return fake


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("tag", BUTTONS)
def test_every_button_runs_on_the_demo_register_in_excel_for_windows_and_for_mac(tag, platform, demo_register,
                                                                                  tmp_path):
    if importlib.util.find_spec(ACTIONS[tag]) is None:
        # TEMPORARY (lead: remove at integration): addin.actions.imports is another engineer's
        # file; until it is merged, its button is tested with a fake module (test_import_button.py).
        pytest.skip(f"{ACTIONS[tag]} is not written yet (another engineer's file)")
    fake = _open_in_excel(demo_register, tmp_path, platform)
    alerts = Alerts()
    result = dispatch(tag, LiveBook(fake, platform=platform), today=TODAY, alert=alerts, log=tmp_path / "r.log",
                      paths=[] if tag == "import" else None)  # Importer, no file chosen: it says so
    assert len(alerts.shown) == 1, alerts.shown
    (message, title), = alerts.shown
    assert title == "Relance" and "Traceback" not in message
    assert result is not None, message
    assert not (tmp_path / "r.log").exists(), (tmp_path / "r.log").read_text(encoding="utf-8")
    assert fake.app._status is False  # the status bar is Excel's again


def test_the_windows_fake_hands_currency_cells_over_as_decimal(demo_register, tmp_path):
    """What COM does with a cell formatted '#,##0.00 "€"' (VT_CY), which LiveBook must read."""
    from decimal import Decimal

    windows = _open_in_excel(demo_register, tmp_path, "win32")
    mac = from_xlsx(tmp_path / "Registre.xlsx", platform="darwin")
    rows_win = LiveBook(windows, platform="win32").read_sheet("Factures").rows
    rows_mac = LiveBook(mac, platform="darwin").read_sheet("Factures").rows
    decimals = [v for row in rows_win for v in row if isinstance(v, Decimal)]
    assert decimals, "the demo's money columns are currency-formatted: Windows gives Decimals"
    assert not [v for row in rows_mac for v in row if isinstance(v, Decimal)]
    assert [[float(v) if isinstance(v, Decimal) else v for v in row] for row in rows_win] == \
        [list(row) for row in rows_mac]


# --- the status bar (issue 16, point 1) ------------------------------------------------------

@pytest.mark.parametrize("tag", sorted(ACTIONS))
def test_the_status_bar_is_cleared_after_every_button_that_succeeds(tag, tmp_path):
    """refresh and review used to end on progress(1.0, "") after save(): « Relance — (100 %) » stayed."""
    fake = FakeBook({"Factures": {}}, fullname=str(tmp_path / "Registre.xlsx"))

    def run(book, *, today, **options):
        book.progress(0.5, "Relance : écriture des résultats…")
        book.save()
        book.progress(1.0, "")
        return "fait"

    alerts = Alerts()
    dispatch(tag, LiveBook(fake), today=TODAY, alert=alerts, log=tmp_path / "r.log", load=loader(run),
             paths=[] if tag == "import" else None)
    assert alerts.shown == [("fait", "Relance")]
    assert fake.app._status is False
    assert fake.app.calls[-1] == "app.status_bar="


@pytest.mark.parametrize("tag", sorted(ACTIONS))
def test_the_status_bar_is_cleared_after_every_button_that_fails(tag, tmp_path):
    fake = FakeBook({"Factures": {}}, fullname=str(tmp_path / "Registre.xlsx"))
    seen = []

    def run(book, *, today, **options):
        book.progress(1.0, "Relance : enregistrement…")
        raise ValueError("Feuille « Factures » illisible")

    def alert(message, title):  # the box comes after the bar is cleared
        seen.append(fake.app._status)

    dispatch(tag, LiveBook(fake), today=TODAY, alert=alert, log=tmp_path / "r.log", load=loader(run),
             paths=[] if tag == "import" else None)
    assert seen == [False] and fake.app._status is False


def test_a_failing_status_bar_never_hides_the_action_s_outcome(tmp_path):
    class Gone:
        def end_progress(self):
            raise RuntimeError("Excel has quit")

    alerts = Alerts()
    result = dispatch("help", Gone(), today=TODAY, alert=alerts, log=tmp_path / "r.log",
                      load=loader(lambda book, *, today: "Aide"))
    assert result == "Aide" and alerts.shown == [("Aide", "Relance")]


def test_progress_does_not_double_the_relance_prefix_nor_show_an_empty_step():
    fake = FakeBook({"Factures": {}})
    live = LiveBook(fake)
    live.progress(0.1, "Relance : lecture du classeur…")
    assert fake.app._status == "Relance — lecture du classeur… (10 %)"
    live.progress(1.0, "")
    assert fake.app._status == "Relance (100 %)"
    live.end_progress()
    assert fake.app._status is False


# --- Aperçu's box (issue 16, point 6) -----------------------------------------------------------

def test_apercu_s_box_gives_counts_and_the_folder_not_a_space_aligned_table(demo_register, tmp_path):
    """Excel's box has a proportional font: a table aligned with spaces, one line per message
    (26 lines for the demo), was unreadable. The command line keeps its table."""
    fake = _open_in_excel(demo_register, tmp_path, "win32")
    alerts = Alerts()
    result = dispatch("preview", LiveBook(fake, platform="win32"), today=TODAY, alert=alerts, log=tmp_path / "r.log")
    ((message, _),) = alerts.shown
    lines = message.splitlines()
    assert len(lines) <= 15, message
    assert not any(re.search(r"\S {2,}\S", line) for line in lines), message  # no column alignment
    total = len(result.actions)
    assert lines[0] == f"Aperçu : {total} relance(s) préparée(s), rien n'a été envoyé."
    counted = [int(m.group(1)) for m in (re.search(r" : (\d+)$", line) for line in lines[1:]) if m]
    assert sum(counted) == total
    assert str(result.out_dir) in lines and result.out_dir == tmp_path / "Aperçu relances" / TODAY.isoformat()
    assert f"{len(result.files)} fichier(s)" in message and "feuille « Relances »" in message
    assert "Client" in result.summary.splitlines()[0]  # the terminal's table is still there
