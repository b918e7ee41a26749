"""The « Importer » button: Excel's file dialog (VBA), the paths handed to Python, and the
dispatcher running ``addin.actions.imports`` as ``run(book, today=..., paths=[...])``.

The action module itself is another's work; here a fake one is injected (the dispatcher's
``load=``, or ``sys.modules`` for the RunPython entry point), never committed as product code.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass
from datetime import date

import pytest

from addin import ribbon
from addin.books.live import LiveBook
from tests.addin.test_vba_harness import built_modules
from tests.books.fake_xlwings import FakeBook

TODAY = date(2026, 11, 23)


@dataclass
class Imported:
    summary: str


class FakeImports:
    """Stands for addin.actions.imports: ``run(book, *, today, paths, book_path=None)``."""

    def __init__(self):
        self.calls = []

    def run(self, book, *, today, paths, book_path=None):
        self.calls.append((book, today, paths))
        book.progress(0.5, "Relance : lecture des relevés…")
        return Imported(f"{len(paths)} fichier(s) importé(s).")


def test_the_dispatcher_hands_the_chosen_files_to_the_import_action(tmp_path):
    fake_module, shown, loaded = FakeImports(), [], []
    book = LiveBook(FakeBook({"Factures": {}}, fullname=str(tmp_path / "Registre.xlsx")))
    paths = [r"C:\Users\marie\Relevés\janvier.xml", r"C:\Users\marie\Relevés\février.ofx"]
    result = ribbon.dispatch("import", book, today=TODAY, alert=lambda m, t: shown.append(m),
                             log=tmp_path / "r.log", load=lambda name: loaded.append(name) or fake_module,
                             paths=paths)
    assert loaded == ["addin.actions.imports"]
    assert fake_module.calls == [(book, TODAY, paths)]
    assert result == Imported("2 fichier(s) importé(s).") and shown == ["2 fichier(s) importé(s)."]
    assert book.book.app._status is False


def test_other_buttons_get_no_paths_argument(tmp_path):
    seen = []
    ribbon.dispatch("refresh", object(), today=TODAY, alert=lambda m, t: None, log=tmp_path / "r.log",
                    load=lambda name: types.SimpleNamespace(run=lambda book, **options: seen.append(options)))
    assert seen == [{"today": TODAY}]


def python_text(path: str) -> str:
    """What ``RelanceRibbon.PythonText`` writes for ``path`` (the rule of its comment, in Python)."""
    units = path.encode("utf-16-le")
    out = "'"
    for i in range(0, len(units), 2):
        code = int.from_bytes(units[i:i + 2], "little")
        out += chr(code) if 32 <= code < 127 and code not in (39, 92) else f"\\u{code:04X}"
    return out + "'"


@pytest.mark.parametrize("path", [
    r"C:\Users\marie\Relevés bancaires\l'export du 3.csv",
    "/Users/marie/Library/CloudStorage/OneDrive-Personnel/Relevés/🧾 février.ofx",
    r"\\serveur\compta\FEC 2026.txt",
])
def test_the_runpython_command_brings_every_path_to_python_intact(path, monkeypatch):
    """The command OnRelanceButton builds is plain ASCII Python (RunPython crosses a code page
    on Windows and a shell on a Mac); ``ribbon.run`` joins the UTF-16 surrogates back."""
    received = []
    monkeypatch.setattr(ribbon, "run", lambda tag, paths=None: received.append((tag, paths)))
    literal = python_text(path)
    command = "import addin.ribbon; addin.ribbon.run('import', paths=[" + literal + ", " + literal + "])"
    assert command.isascii()
    exec(command, {})  # noqa: S102 — what RunPython does with the command
    ((tag, paths),) = received
    assert tag == "import" and [ribbon.whole_text(p) for p in paths] == [path, path]


def test_run_passes_the_files_from_excel_to_the_import_action(monkeypatch, tmp_path):
    import xlwings as xw

    fake_module, shown = FakeImports(), []
    monkeypatch.setitem(sys.modules, "addin.actions.imports", fake_module)
    book = FakeBook({"Factures": {}}, fullname=str(tmp_path / "Registre.xlsx"))
    monkeypatch.setattr(type(book.app), "alert", lambda app, prompt, title=None: shown.append(prompt), raising=False)
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book))
    emoji = "\ud83e\uddfe"  # 🧾 as VBA's \uXXXX code units send it
    ribbon.run("import", paths=["C:\\Relev\u00e9s\\janvier.xml", f"/Users/marie/{emoji}.ofx"])
    ((live, today, paths),) = fake_module.calls
    assert isinstance(live, LiveBook) and live.book is book and today == date.today()
    assert paths == [r"C:\Relevés\janvier.xml", "/Users/marie/🧾.ofx"]
    assert shown == ["2 fichier(s) importé(s)."] and book.app._status is False


def test_the_vba_asks_excel_for_several_files_on_both_platforms_and_stops_on_cancel(xlam):
    from tests.addin import vba

    source = built_modules(xlam)["RelanceRibbon"]
    windows, mac = vba.branch(source, vba.WINDOWS), vba.branch(source, vba.MAC)
    assert "Application.GetOpenFilename(" in windows and "MultiSelect:=True" in windows
    assert "FileFilter:=" in windows and "FileFilter:=" not in mac  # Excel for Mac ignores Windows filters
    assert "chosen = Application.GetOpenFilename(MultiSelect:=True)" in mac
    assert "ToPosixPath(path)" in mac and "ToPosixPath" not in windows
    assert "If Not IsArray(chosen) Then Exit Function ' Cancel returns False" in source
    assert "If files = \"\" Then Exit Sub" in source
    assert 'command = command & ", paths=[" & files & "]"' in source
