"""The xlwings version pyproject.toml requires is the one LiveBook needs (issue 16, point 2).

``pip install relance`` keeps an xlwings already installed (Anaconda ships one) when it meets
the requirement: a floor lower than what ``addin/books/live.py`` calls lets Actualiser fail in
Excel with an AttributeError. What LiveBook may call is exactly what the fake xlwings offers
(``tests/books/test_fake_xlwings.py`` checks the fake against the installed xlwings, and the
fake refuses anything else); each name's first version comes from xlwings' own docstrings
(``versionadded``) or, where they say nothing, from this table, read in xlwings' sources and
changelog.
"""

from __future__ import annotations

import inspect
import re
import tomllib
from pathlib import Path

import pytest
import xlwings
import xlwings.main as xlmain
from packaging.version import Version

from tests.books.test_fake_xlwings import offered, standing_for_xlwings

ROOT = Path(__file__).resolve().parents[2]

# Added after the member itself, undocumented in its docstring (xlwings 0.37 changelog).
SINCE = {
    "Charts.add(chart_type)": "0.37.3",
    "Charts.add(source)": "0.37.3",
    "Charts.add(anchor)": "0.37.3",
    "Chart.title": "0.37.3",
    "Range.add_note": "0.37.5",
}


def used_names() -> set[str]:
    """"Class.member" and "Class.method(parameter)" for all LiveBook may touch."""
    names = set()
    for cls in standing_for_xlwings():
        for name in offered(cls):
            names.add(f"{cls._XLWINGS}.{name}")
            member = inspect.getattr_static(cls, name, None)
            if callable(member) and not isinstance(member, property) and name not in ("__iter__", "__len__"):
                for param in list(inspect.signature(member).parameters)[1:]:
                    names.add(f"{cls._XLWINGS}.{name}({param})")
    return names


def documented_since(name: str) -> Version | None:
    cls_name, member = re.match(r"(\w+)\.(\w+)", name).groups()
    real = inspect.getattr_static(getattr(xlmain, cls_name), member, None)
    function = real.fget if isinstance(real, property) else real
    doc = inspect.getdoc(function) or ""
    found = re.findall(r"\{versionadded\}\s*([\d.]+)", doc)
    return max(map(Version, found)) if found and "(" not in name else None


def required_floor() -> Version:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    (spec,) = [d for d in project["dependencies"] if re.match(r"xlwings\b", d)]
    return Version(re.search(r">=\s*([\d.]+)", spec).group(1))


def test_the_table_names_only_what_livebook_uses():
    assert set(SINCE) <= used_names()


def test_pyproject_requires_every_xlwings_name_livebook_uses():
    needs = {name: Version(SINCE[name]) if name in SINCE else documented_since(name) for name in used_names()}
    needs = {name: version for name, version in needs.items() if version}
    newest = max(needs.values())
    assert required_floor() >= newest, f"xlwings>={newest} needed by " + \
        ", ".join(sorted(n for n, v in needs.items() if v == newest))


def test_the_installed_xlwings_meets_the_floor_and_has_every_name():
    assert Version(xlwings.__version__) >= required_floor()
    for name in used_names():
        cls_name, member, param = re.match(r"(\w+)\.(\w+)(?:\((\w+)\))?", name).groups()
        real = inspect.getattr_static(getattr(xlmain, cls_name), member)
        if param:
            parameters = inspect.signature(real).parameters
            assert param in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values()), name


def test_a_floor_below_a_name_s_version_is_caught(monkeypatch):
    import tests.books.test_xlwings_floor as me

    monkeypatch.setattr(me, "required_floor", lambda: Version("0.33"))
    with pytest.raises(AssertionError, match=r"xlwings>=0\.37\.5 needed by Range\.add_note"):
        me.test_pyproject_requires_every_xlwings_name_livebook_uses()
