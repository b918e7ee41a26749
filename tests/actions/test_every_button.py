"""Every ribbon button's action runs with exactly what the ribbon gives it: the book and today.

``addin.ribbon.dispatch`` calls ``module.run(book, today=...)``; each action must work
(or refuse with a readable message) with nothing more.
"""

from __future__ import annotations

import shutil

import pytest

from addin.actions import ACTIONS
from addin.books.file import FileBook
from addin.ribbon import dispatch
from tests.reports.test_review import demo_book  # noqa: F401  (module fixture)
from tests.test_demo import TODAY


# « Importer » also needs the files chosen in Excel's dialog (``paths=``): its dispatch is
# tested in tests/addin/test_import_button.py, its action by the action's own tests.
@pytest.mark.parametrize("tag", sorted(set(ACTIONS) - {"import"}))
def test_each_button_runs_through_the_ribbon_dispatcher(tag, demo_book, tmp_path):  # noqa: F811
    path = tmp_path / "Registre.xlsx"
    shutil.copyfile(demo_book, path)
    shown = []
    result = dispatch(tag, FileBook.open(path, today=TODAY), today=TODAY,
                      alert=lambda text, title=None: shown.append(text), log=tmp_path / "relance.log")
    assert len(shown) == 1 and "Traceback" not in shown[0]
    if tag == "plan":  # a file has no selected row: the button asks for one, in French
        assert result is None and "Sélectionnez la ligne" in shown[0]
    else:
        assert result is not None, shown[0]
        assert shown[0].strip()
