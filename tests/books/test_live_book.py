"""LiveBook over the fake xlwings objects: right values, and a call count that ignores N."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from addin.books.base import Block, BookError, ChartSpec, GeneratedSheet
from addin.books.live import LiveBook
from tests.books.fake_xlwings import FakeBook


def register(n: int) -> FakeBook:
    factures = {(1, 1): "N° facture", (1, 2): "Date", (1, 3): "Montant", (1, 4): "Double"}
    for i in range(n):
        r = i + 2
        factures.update({(r, 1): f"F-{i}", (r, 2): date(2024, 1, 1), (r, 3): 100.5 + i, (r, 4): f"=C{r}*2"})
    sheets = {"Factures": factures}
    for name in ("Clients", "Paiements", "Échéanciers", "Paramètres"):
        sheets[name] = {(1, 1): "Code", (1, 2): "Valeur", **{(i + 2, 1): f"K{i}" for i in range(n)}}
    return FakeBook(sheets)


def test_read_values_formulas_and_types():
    book = FakeBook({"S": {(2, 2): "x", (3, 3): 4, (3, 2): datetime(2024, 5, 1), (4, 2): "=B2",
                           (4, 3): "'=not a formula", (2, 3): 2.5}})
    data = LiveBook(book).read_sheet("S")
    # The used range starts at B2: rows and columns are re-anchored at A1.
    assert data.rows[0] == (None, None, None)
    assert data.rows[1] == (None, "x", 2.5)
    assert data.rows[2] == (None, date(2024, 5, 1), 4)
    assert data.rows[3][2] == "=not a formula"
    assert data.formulas == frozenset({(4, 2)})


def test_write_cells_converts_at_the_edge_and_never_makes_formulas():
    book = FakeBook({"S": {}})
    live = LiveBook(book)
    live.write_cells("S", 2, 1, [["=1+1", "+33", "-x", "@a", "'q", "ok"],
                                 [Decimal("12.30"), date(2024, 2, 29), None, True, 7, "x"]],
                     ["text", "date", "", "", "int", "text"])
    sheet = book._sheets[0]
    assert sheet.formulas == {}
    assert [sheet.values[(2, c)] for c in range(1, 7)] == ["=1+1", "+33", "-x", "@a", "'q", "ok"]
    assert sheet.values[(3, 1)] == 12.3 and sheet.values[(3, 2)] == datetime(2024, 2, 29)
    assert sheet.number_formats[(2, 1)] == "@" and sheet.number_formats[(3, 2)] == "dd/mm/yyyy"
    assert sheet.number_formats[(3, 5)] == "0"
    assert (2, 3) not in sheet.number_formats
    # One value call, and one format call per run of adjacent same-format columns (text|date|int|text).
    calls = [c for c in book.app.calls if c.startswith("S.range.")]
    assert calls.count("S.range.value=") == 1
    assert calls.count("S.range.number_format=") == 4
    # Read back through the port: what was written is what comes back.
    assert LiveBook(book).read_sheet("S").rows[1] == ("=1+1", "+33", "-x", "@a", "'q", "ok")


def test_text_columns_get_their_format_before_their_values():
    """Excel parses a text written through Range.value as if typed: "2026-10" in a General
    cell becomes the date 1 October 2026. The month-to-month snapshot keys must stay text."""
    book = FakeBook({"Revue": {}})
    LiveBook(book).write_cells("Revue", 1, 1, [["2026-10", "2026-10", 12], ["0612", "15/01/2025", 3]],
                               ["text", "text", "int"])
    sheet = book.sheets["Revue"]
    assert [sheet.values[(1, 1)], sheet.values[(2, 1)], sheet.values[(2, 2)]] == ["2026-10", "0612", "15/01/2025"]
    calls = [c for c in book.app.calls if c.startswith("Revue.range.")]
    assert calls.index("Revue.range.number_format=") < calls.index("Revue.range.value=")
    assert LiveBook(book).read_sheet("Revue").rows[0] == ("2026-10", "2026-10", 12)


def test_texts_outside_text_columns_stay_text_too():
    """The Journal is appended without formats: a text there is marked with Excel's apostrophe."""
    book = FakeBook({"Journal": {(1, 1): "Quand"}})
    live = LiveBook(book)
    live.append_rows("Journal", [["2026-10", "0612345678", "VRAI", "1/2", "5%", "=HYPERLINK(1)", 7, date(2026, 1, 2)]])
    assert live.read_sheet("Journal").rows[1] == (
        "2026-10", "0612345678", "VRAI", "1/2", "5%", "=HYPERLINK(1)", 7, date(2026, 1, 2))
    assert book.sheets["Journal"].formulas == {}


def test_unknown_sheet_and_format():
    live = LiveBook(FakeBook({"S": {}}))
    with pytest.raises(BookError):
        live.read_sheet("Nope")
    with pytest.raises(ValueError):
        live.write_cells("S", 1, 1, [[1]], ["euros"])


def test_append_rows_below_last_row():
    book = FakeBook({"Journal": {(1, 1): "Quand", (2, 1): "hier", (3, 2): "x"}})
    live = LiveBook(book)
    assert live.append_rows("Journal", [["aujourd'hui", "y"]]) == 4
    assert book._sheets[0].values[(4, 1)] == "aujourd'hui"
    empty = FakeBook({"Journal": {}})
    assert LiveBook(empty).append_rows("Journal", [["premier"]]) == 1


def test_generated_sheet_is_created_then_replaced():
    book = FakeBook({"Factures": {(1, 1): "x"}})
    live = LiveBook(book)
    sheet = GeneratedSheet(
        "Revue", (Block("Balance", ("Client", "Montant"), (("C1", Decimal("1.5")), ("C2", Decimal("2")))),),
        charts=(ChartSpec("Encours", categories=(3, 1, 4, 1), values=(2, 2, 4, 2), anchor="E2"),),
        note="Régénérée par Relance", hidden=True)
    live.write_generated(sheet)
    live.write_generated(sheet)
    revue = book._sheets[1]
    assert [s._name for s in book._sheets] == ["Factures", "Revue"]
    assert revue.values[(1, 1)] == "Balance" and (1, 1) in revue.bold
    assert revue.values[(2, 2)] == "Montant" and (2, 2) in revue.bold and revue.colors[(2, 1)]
    assert revue.values[(4, 2)] == 2.0 and revue.number_formats[(4, 2)] == '#,##0.00 "€"'
    assert len(revue._charts) == 1 and revue._charts[0].title == "Encours"
    assert revue.notes == {(1, 1): "Régénérée par Relance"}
    assert revue.frozen == 2 and revue._visible is False  # rows 1..2 (title, headers) stay visible


def test_panes_are_frozen_through_excel_s_window_once_when_the_sheet_is_born():
    """Desktop xlwings has no ``freeze_panes``: Excel's ActiveWindow (COM) does it, once."""
    book = FakeBook({"Factures": {(1, 1): "x"}})
    live = LiveBook(book, platform="win32")
    sheet = GeneratedSheet("Relances", (Block("", ("Client", "Dû"), (("C1", 1),)),))
    live.write_generated(sheet)
    relances = book.sheets["Relances"]
    assert relances.frozen == 1
    assert [c for c in book.app.calls if "activate" in c or c.startswith("api.")] == [
        "Relances.activate()", "api.ActiveWindow", "api.ActiveWindow.FreezePanes=",
        "api.ActiveWindow.SplitColumn=", "api.ActiveWindow.SplitRow=", "api.ActiveWindow.FreezePanes="]
    # Rewritten: the panes survive clear(); the user's active sheet is not taken from her again.
    book.app.calls.clear()
    live.write_generated(sheet)
    assert relances.frozen == 1 and not [c for c in book.app.calls if "activate" in c or c.startswith("api.")]


def test_panes_on_a_mac_go_through_applescript():
    book = FakeBook({"Factures": {(1, 1): "x"}}, platform="darwin")
    live = LiveBook(book, platform="darwin")
    live.write_generated(GeneratedSheet("Revue", (Block("Balance", ("Client",), (("C1",),)),)))
    assert book.sheets["Revue"].frozen == 2
    assert "api.active_window.split_row.set" in book.app.calls


def test_a_refused_freeze_never_stops_the_action(monkeypatch):
    """Frozen headers are a comfort: Envoyer has already sent when it writes its sheets."""
    book = FakeBook({"Factures": {(1, 1): "x"}})

    class Busy:
        @property
        def ActiveWindow(self):  # noqa: N802 — Excel's name
            raise RuntimeError("COM: Excel is busy")

    monkeypatch.setattr(type(book.app), "api", property(lambda app: Busy()))
    LiveBook(book, platform="win32").write_generated(GeneratedSheet("Journal", (Block("", ("Quand",), (("hier",),)),)))
    assert book.sheets["Journal"].values[(2, 1)] == "hier" and book.sheets["Journal"].frozen == 0


def test_saved_copy_is_what_excel_holds_now_and_is_removed_after():
    """The hook for readers of files (the accountant's export): Workbook.SaveCopyAs, one call."""
    import openpyxl

    book = FakeBook({"Factures": {(1, 1): "N° facture"}}, fullname="/tmp/Registre.xlsm")
    live = LiveBook(book, platform="win32")
    live.write_cells("Factures", 2, 1, [["F-001"]], ["text"])
    with live.saved_copy() as copy:
        assert copy.name == "Registre.xlsm" and copy.parent != Path("/tmp")
        assert openpyxl.load_workbook(copy)["Factures"]["A2"].value == "F-001"
    assert not copy.exists() and not copy.parent.exists()
    assert book.api.Saved is False  # still "unsaved" for Excel: the copy is not a save


def test_saved_copy_on_a_mac_is_the_file_when_excel_has_nothing_unsaved():
    book = FakeBook({"Factures": {}}, fullname="/Users/marie/Registre.xlsx", platform="darwin")
    live = LiveBook(book, platform="darwin")
    with live.saved_copy() as path:
        assert path == Path("/Users/marie/Registre.xlsx")
    live.write_cells("Factures", 1, 1, [["x"]])
    with pytest.raises(BookError, match="non enregistrées"):
        with live.saved_copy():
            pass


def refresh_like(book: FakeBook, n: int) -> list[str]:
    """Read 5 sheets, write 10 computed columns as one block, write 2 generated sheets."""
    live = LiveBook(book)
    book.app.calls.clear()
    for name in ("Paramètres", "Clients", "Factures", "Paiements", "Échéanciers"):
        live.read_sheet(name)
    block = [[date(2024, 3, 1), Decimal("10"), Decimal("5"), "Payée", 3, Decimal("0.5"), Decimal("40"),
              "=relance", date(2024, 3, 5), None] for _ in range(n)]
    live.write_cells("Factures", 2, 5, block,
                     ["date", "money", "money", "text", "int", "money", "money", "text", "date", "date"])
    rows = tuple((f"C{i}", Decimal(i), date(2024, 1, 1)) for i in range(n))
    live.write_generated(GeneratedSheet("Relances", (Block("File", ("Client", "Dû", "Date"), rows),)))
    live.write_generated(GeneratedSheet(
        "Revue", (Block("Balance", ("Client", "Dû", "Date"), rows), Block("DSO", ("Jours",), ((42,),))),
        charts=(ChartSpec("Encours", (3, 1, 10, 1), (2, 2, 10, 2)),), note="régénérée"))
    live.progress(1.0, "Terminé")
    live.save()
    return list(book.app.calls)


def test_call_count_does_not_grow_with_rows():
    small, large = refresh_like(register(10), 10), refresh_like(register(10_000), 10_000)
    assert len(small) == len(large)
    # The very same sequence of Excel calls; only the addresses of the ranges differ.
    kinds = lambda calls: [re.sub(r"\(.*\)", "()", c) for c in calls]  # noqa: E731
    assert kinds(small) == kinds(large)
    assert small != large
    assert len(small) < 200
    # And the data did arrive: the 10,000th computed row and generated row are there.
    book = register(10_000)
    refresh_like(book, 10_000)
    factures = book.sheets["Factures"]
    assert factures.values[(10_001, 8)] == "Payée"
    assert factures.values[(10_001, 12)] == "=relance" and factures.formulas.get((10_001, 12)) is None
    assert book.sheets["Relances"].values[(10_002, 1)] == "C9999"


# --- macOS: one-row ranges come back flat (issue 16, point 8) -----------------------------

def test_a_one_row_sheet_on_a_mac_is_read_cell_by_cell_not_character_by_character():
    """AppleScript gives ``formula`` of a one-row range as a flat list of texts."""
    book = FakeBook({"Journal": {(1, 1): "Quand", (1, 2): "=A1", (1, 3): "Qui"}}, platform="darwin")
    assert book.sheets["Journal"].used_range.formula == ["Quand", "=A1", "Qui"]  # what the Mac gives
    data = LiveBook(book, platform="darwin").read_sheet("Journal")
    assert data.rows == (("Quand", None, "Qui"),)
    assert data.formulas == frozenset({(1, 2)})
    windows = FakeBook({"Journal": {(1, 1): "Quand", (1, 2): "=A1", (1, 3): "Qui"}})
    assert LiveBook(windows).read_sheet("Journal") == data


def test_a_register_reads_the_same_on_a_mac_and_on_windows():
    for n in (1, 3):
        mac, win = register(n), register(n)
        object.__setattr__(mac, "_platform", "darwin")
        for name in ("Factures", "Clients", "Paramètres"):
            assert LiveBook(mac, platform="darwin").read_sheet(name) == LiveBook(win).read_sheet(name)


def test_a_mac_button_runs_in_the_background_and_a_second_click_runs_beside_the_first():
    """What the workbook lock must guard against on a Mac (RunPython does not wait)."""
    import threading

    started, release = threading.Event(), threading.Event()

    def button():
        started.set()
        release.wait(5)

    mac = FakeBook({"Factures": {}}, platform="darwin")
    first = mac.app.press(button)
    assert started.wait(5)
    second = mac.app.press(lambda: None)
    second.join(5)
    release.set()
    first.join(5)
    assert mac.app.runs == [("start", 1), ("start", 2), ("end", 2), ("end", 1)]
    windows = FakeBook({"Factures": {}})
    assert windows.app.press(lambda: None) is None and windows.app.press(lambda: None) is None
    assert windows.app.runs == [("start", 1), ("end", 1), ("start", 2), ("end", 2)]


# --- OneDrive and SharePoint (issue 16, point 4) -------------------------------------------

@pytest.fixture
def no_sync_folders(monkeypatch, tmp_path):
    """A home with no OneDrive folder and no xlwings configuration, whatever this machine has."""
    import xlwings

    for name in ("OneDrive", "OneDriveConsumer", "OneDriveCommercial"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(xlwings, "USER_CONFIG_FILE", str(tmp_path / "home" / ".xlwings" / "xlwings.conf"))
    return tmp_path


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_a_onedrive_workbook_is_the_synced_local_file_and_shares_its_journal_with_the_cli(
        platform, no_sync_folders, monkeypatch):
    from addin.mail.journal import Journal

    local = no_sync_folders / "OneDrive - Perso" / "Compta" / "Registre 2026.xlsx"
    local.parent.mkdir(parents=True)
    local.write_bytes(b"")
    monkeypatch.setenv("OneDrive", str(no_sync_folders / "OneDrive - Perso"))
    book = FakeBook({"Factures": {}}, fullname="https://d.docs.live.net/4f2a9c/Compta/Registre 2026.xlsx",
                    platform=platform)
    live = LiveBook(book, platform=platform)
    assert live.path == local
    assert Journal.open(live.path).path == Journal.open(local).path  # `relance send` on the synced copy
    assert Journal.open(live.path).path.parent.parent == local.parent


@pytest.mark.parametrize("url, raised", [
    ("https://d.docs.live.net/4f2a9c/Compta/Registre.xlsx", "XlwingsError"),  # no OneDrive folder here
    ("https://pixel-my.sharepoint.com/personal/marie_pixel_fr/Documents/Registre.xlsx", "XlwingsError"),
    ("https://pixel.sharepoint.com/sites/Compta/Documents partages/Registre.xlsx", "UnboundLocalError"),
])
def test_a_synced_workbook_without_its_local_copy_is_a_french_error_not_xlwings_own(url, raised, no_sync_folders):
    book = FakeBook({"Factures": {}}, fullname=url)
    with pytest.raises(Exception) as real:
        book.fullname  # noqa: B018 — what real xlwings raises, before Relance sees anything
    assert type(real.value).__name__ == raised
    with pytest.raises(BookError) as error:
        LiveBook(book)
    assert "OneDrive ou SharePoint" in str(error.value) and "copie sur ce PC" in str(error.value)
    assert "ONEDRIVE_COMMERCIAL_WIN" in error.value.fix and "xlwings.conf" in error.value.fix


def test_the_ribbon_shows_the_synced_workbook_message_in_french(no_sync_folders, monkeypatch):
    import xlwings as xw

    from addin import ribbon

    shown = []
    monkeypatch.setenv("RELANCE_LOG", str(no_sync_folders / "r.log"))
    book = FakeBook({"Factures": {}}, fullname="https://d.docs.live.net/4f2a9c/Registre.xlsx")
    monkeypatch.setattr(type(book.app), "alert", lambda app, prompt, title=None: shown.append(prompt), raising=False)
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book))
    ribbon.run("refresh")
    (message,) = shown
    assert message.startswith("Ce classeur est synchronisé par OneDrive ou SharePoint")
    assert "XlwingsError" in (no_sync_folders / "r.log").read_text(encoding="utf-8")


def test_a_link_is_its_text_then_one_hyperlink_call():
    """Issue 15, point 1: a Journal row links to its letter in Excel too (``Range.add_hyperlink``)."""
    from addin.books.base import Link

    book = FakeBook({"Journal": {(1, 1): "Commentaire"}})
    live = LiveBook(book)
    live.append_rows("Journal", [["à faire", Link("imprimer la lettre", "/dossier/Lettres à envoyer/l.pdf")]],
                     after=1)
    sheet = book._sheets[0]
    assert sheet.links == {(2, 2): "/dossier/Lettres à envoyer/l.pdf"}
    assert sheet.values[(2, 2)] == "imprimer la lettre" and sheet.values[(2, 1)] == "à faire"
    assert [c for c in book.app.calls if c.startswith("Journal.range.")].count("Journal.range.add_hyperlink()") == 1
    # A block without a link makes no hyperlink call.
    live.append_rows("Journal", [["x", "y"]], after=2)
    assert book.app.calls.count("Journal.range.add_hyperlink()") == 1
