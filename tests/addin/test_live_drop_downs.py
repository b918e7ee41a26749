"""The drop-downs and wrapped texts of generated sheets, when Relance writes through Excel (the
ribbon, ``LiveBook``), are the ones ``FileBook`` writes in a file (issue 15, points 10 and 11):
*Relances*' *Décision*, and the *Canal*, *Résultat* and *Issue de l'appel* of a Journal Relance
creates. A drop-down suggests without refusing: any other value is taken as typed.
"""

from __future__ import annotations

import shutil
from datetime import date

import openpyxl
import pytest

from addin.actions import refresh
from addin.actions.queue import decision_choices
from addin.books.base import Block, GeneratedSheet
from addin.books.file import FileBook
from addin.books.live import LIST_LIMIT, LiveBook, list_choices
from addin.mail.journal import HEADERS, Journal, sync_sheet
from addin.register import schema
from tests.books.fake_xlwings import FakeBook, from_xlsx

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo_register(tmp_path_factory):
    from addin.demo import run_demo

    return run_demo(tmp_path_factory.mktemp("demo"), today=TODAY).path


def file_lists(ws) -> dict[int, tuple[str, ...]]:
    """Column → the values of FileBook's list drop-down there (as openpyxl reads the file)."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        assert dv.type == "list" and dv.errorStyle == "information"  # suggestions only
        for cells in dv.sqref.ranges:
            out[cells.min_col] = tuple(dv.formula1.strip('"').split(","))
    return out


def live_lists(sheet) -> dict[int, tuple[str, ...]]:
    """Column → the values of the live drop-down there, each one letting other values in."""
    out: dict[int, set] = {}
    for (r, c), rule in sheet.validations.items():
        assert rule["show_error"] is False, (r, c)  # Excel takes any other value as typed
        out.setdefault(c, set()).add(rule["values"])
    assert all(len(lists) == 1 for lists in out.values()), out
    return {c: next(iter(lists)) for c, lists in out.items()}


@pytest.mark.parametrize("platform", ("win32", "darwin"))
def test_a_refresh_through_excel_gives_decision_the_drop_down_a_file_refresh_gives(demo_register, tmp_path,
                                                                                    platform):
    by_file = tmp_path / "fichier.xlsx"
    shutil.copyfile(demo_register, by_file)
    refresh.run(FileBook.open(by_file, today=TODAY), today=TODAY, book_path=by_file)
    expected = file_lists(openpyxl.load_workbook(by_file)["Relances"])

    fake = from_xlsx(demo_register, fullname=str(tmp_path / "Registre.xlsx"), platform=platform)
    refresh.run(LiveBook(fake, platform=platform), today=TODAY, book_path=tmp_path / "Registre.xlsx")
    sheet = fake.sheets["Relances"]
    decision = next(c for (r, c), v in sheet.values.items() if v == "Décision")
    assert live_lists(sheet) == expected
    assert expected[decision] == decision_choices(TODAY)  # « Ignorer », « Reporter au … »
    header = next(r for (r, c), v in sheet.values.items() if v == "Décision")
    last = max(r for (r, c) in sheet.values)
    # Over every line and 200 rows below, where a person types (as in the file).
    assert {r for (r, c) in sheet.validations if c == decision} == set(range(header + 1, last + 202))


@pytest.mark.parametrize("platform", ("win32", "darwin"))
def test_a_journal_created_through_excel_has_its_three_drop_downs(tmp_path, platform):
    from tests.mail.test_journal import action

    journal = Journal(tmp_path / "log.jsonl", "Registre.xlsx")
    journal.task(action(), ["01 02 03 04 05"])
    book = FakeBook({"Factures": {(1, 1): "N° facture"}}, platform=platform)
    sync_sheet(LiveBook(book, platform=platform), journal)
    sheet = book.sheets["Journal"]
    column = {key: HEADERS.index(schema.JOURNAL.column(key).fr) + 1 for key in ("channel", "result", "outcome")}
    assert live_lists(sheet) == {column["channel"]: schema.CHANNELS, column["result"]: schema.JOURNAL_RESULTS,
                                 column["outcome"]: schema.CALL_OUTCOMES}
    assert live_lists(sheet)[column["result"]] == ("envoyé", "à renvoyer")


def test_a_list_excel_cannot_hold_is_cut_not_refused():
    """Excel's list formula holds 255 characters and cuts at its separators (« , » or « ; »)."""
    assert list_choices(["Oui", "Non, merci", "a;b", "", "Peut-être"]) == ["Oui", "Peut-être"]
    long = [f"Choix numéro {n:02d}" for n in range(40)]  # 15 characters each
    kept = list_choices(long)
    assert kept == long[:len(kept)] and len(",".join(kept)) <= LIST_LIMIT < len(",".join(long[:len(kept) + 1]))
    assert len(kept) == 16  # 16 × 15 + 15 commas = 255


def test_a_drop_down_excel_refuses_does_not_stop_the_sheet(tmp_path):
    book = FakeBook({"Factures": {}})
    sheet = GeneratedSheet("Essai", (Block("", ("A", "B"), (("x", "y"),), choices=((1, ("a,b", "c;d")), (2, ("z",)))),))
    LiveBook(book).write_generated(sheet)
    written = book.sheets["Essai"]
    assert written.values[(2, 1)] == "x" and live_lists(written) == {2: ("z",)}


def test_long_texts_wrap_and_their_rows_grow_as_in_the_file():
    """FileBook wraps a column 40 wide or more and makes its rows as tall as their text."""
    book = FakeBook({"Factures": {}})
    long = "Le numéro de SIREN n'a pas 9 chiffres : corrigez-le dans la feuille Clients. " * 2
    block = Block("Anomalies", ("Problème", "Feuille"), ((long, "Clients"), ("court", "Factures")),
                  widths=(60.0, 12.0))
    LiveBook(book).write_generated(GeneratedSheet("Anomalies", (block,)))
    sheet = book.sheets["Anomalies"]
    assert sheet.wrapped == {(3, 1), (4, 1)}  # the long column only, its rows only
    assert sheet.fitted_rows == {3, 4}
