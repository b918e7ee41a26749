"""A worksheet function in a synced (OneDrive / SharePoint) workbook whose local copy cannot be
found: the cell says so in French, as the ribbon does, never xlwings' English error."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from addin import udfs
from tests.books.fake_xlwings import FakeBook
from tests.books.test_live_book import no_sync_folders  # noqa: F401 — the fixture


@pytest.mark.parametrize("url", [
    "https://d.docs.live.net/4f2a9c/Compta/Registre.xlsx",  # xlwings: XlwingsError, in English
    "https://pixel.sharepoint.com/sites/Compta/Documents partages/Registre.xlsx",  # UnboundLocalError
])
def test_a_synced_workbook_without_its_local_copy_is_a_french_cell(url, no_sync_folders):  # noqa: F811
    udfs._book_cache.clear()
    caller = SimpleNamespace(sheet=SimpleNamespace(book=FakeBook({"Taux": {}}, fullname=url)))
    cell = udfs.penalty_rate(date(2025, 1, 1), caller=caller)
    assert cell.startswith("#RELANCE! Ce classeur est synchronisé par OneDrive ou SharePoint et Relance ne trouve "
                           "pas sa copie sur ce PC")
    assert "xlwings.conf" in cell  # what to do
    assert "lecture des feuilles" not in cell
    udfs._book_cache.clear()
