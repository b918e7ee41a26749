"""The fake xlwings offers nothing that desktop xlwings lacks (checked against the installed package).

``LiveBook`` is tested only against ``tests/books/fake_xlwings.py``; a fake richer
than the real thing lets LiveBook call what Excel on a desktop cannot do (it once
called ``Sheet.freeze_panes``, which only the paid remote engine implements, and
every button writing a sheet failed in Excel). So, for each public name of each
fake class standing for an xlwings class (``_XLWINGS``):

1. ``xlwings.main.<Class>`` has it (a property with a setter if the fake has one;
   a method accepting the fake's parameters);
2. every ``self.impl.<name>`` that the public member reaches is defined by the
   class of the same name in **both** desktop engines, ``xlwings/_xlwindows.py``
   and ``xlwings/_xlmac.py`` (read as source: they import pywin32 / appscript,
   absent here), with a setter where the member assigns it, and not as a bare
   ``raise NotImplementedError``. What only ``base_classes.py`` (all
   ``NotImplementedError``) or ``pro/_xlremote.py`` provides fails.

And ``LiveBook`` touches no test-only helper of the fake.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from functools import lru_cache
from pathlib import Path

import pytest
import xlwings
import xlwings.main as xlmain

import tests.books.fake_xlwings as fake

XLWINGS_DIR = Path(xlwings.__file__).resolve().parent
DESKTOP_ENGINES = ("_xlwindows.py", "_xlmac.py")
PROTOCOL = ("__iter__", "__len__", "__getitem__", "__call__", "__contains__")


def fake_classes() -> list[type]:
    return [cls for name, cls in vars(fake).items()
            if name.startswith("Fake") and isinstance(cls, type) and cls.__module__ == fake.__name__]


def standing_for_xlwings() -> list[type]:
    return [cls for cls in fake_classes() if getattr(cls, "_XLWINGS", None)]


def offered(cls: type) -> list[str]:
    """Public names of a fake class (slots, properties, methods), minus its test-only ones."""
    names = set(getattr(cls, "__slots__", ()))
    for klass in cls.__mro__[:-1]:
        names |= {n for n in vars(klass) if not n.startswith("_")}
        names |= {n for n in vars(klass) if n in PROTOCOL}
    return sorted(n for n in names if (not n.startswith("_") or n in PROTOCOL) and n not in cls._TEST_ONLY)


# --- the desktop engines, read as source -----------------------------------------------------

@lru_cache(maxsize=None)
def engine_classes(filename: str) -> dict[str, dict[str, set[str]]]:
    """{class: {member: {"get", "set", "call", "stub"}}} of an engine module, same-module bases merged."""
    tree = ast.parse((XLWINGS_DIR / filename).read_text(encoding="utf-8"))
    own: dict[str, dict[str, set[str]]] = {}
    bases: dict[str, list[str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        members: dict[str, set[str]] = {}
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                decorators = [ast.unparse(d) for d in item.decorator_list]
                kind = "set" if any(d.endswith(".setter") for d in decorators) else \
                    "get" if "property" in decorators else "call"
                kinds = members.setdefault(item.name, set())
                kinds.add(kind)
                if _only_raises_not_implemented(item):
                    kinds.add("stub")
            elif isinstance(item, ast.Assign):
                for target in item.targets:
                    if isinstance(target, ast.Name):
                        members.setdefault(target.id, set()).update({"get", "set", "call"})
            if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                for sub in ast.walk(item):  # self.sheet = sheet: a plain attribute
                    if isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Store) \
                            and isinstance(sub.value, ast.Name) and sub.value.id == "self":
                        members.setdefault(sub.attr, set()).update({"get", "set"})
        own[node.name] = members
        bases[node.name] = [b.id for b in node.bases if isinstance(b, ast.Name)]  # same module only

    def merged(name: str) -> dict[str, set[str]]:
        result: dict[str, set[str]] = {}
        for base in reversed(bases.get(name, [])):
            if base in own:
                for member, kinds in merged(base).items():
                    result.setdefault(member, set()).update(kinds)
        for member, kinds in own[name].items():
            result[member] = set(kinds) | ({"get"} if "set" in kinds and "get" in result.get(member, ()) else set())
        return result

    return {name: merged(name) for name in own}


def _only_raises_not_implemented(func: ast.FunctionDef) -> bool:
    body = [s for s in func.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return len(body) == 1 and isinstance(body[0], ast.Raise) and "NotImplementedError" in ast.unparse(body[0])


# --- what a member of xlwings.main reaches in its engine -------------------------------------

def impl_uses(func) -> dict[str, set[str]]:
    """{engine member: {"get"|"set"|"call"}} that a main-API function reaches through ``self.impl``."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    uses: dict[str, set[str]] = {}

    def is_impl(node) -> bool:
        return (isinstance(node, ast.Attribute) and node.attr == "impl"
                and isinstance(node.value, ast.Name) and node.value.id == "self")

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and is_impl(node.value) and not node.attr.startswith("__"):
            uses.setdefault(node.attr, set()).add("set" if isinstance(node.ctx, ast.Store) else "get")
        elif isinstance(node, ast.Call) and is_impl(node.func):
            uses.setdefault("__call__", set()).add("call")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args and is_impl(node.args[0]):
            if node.func.id in ("len", "iter"):
                uses.setdefault(f"__{node.func.id}__", set()).add("call")
        elif isinstance(node, (ast.For, ast.comprehension)) and is_impl(node.iter):
            uses.setdefault("__iter__", set()).add("call")
        elif isinstance(node, ast.Compare) and any(is_impl(c) for c in node.comparators):
            uses.setdefault("__contains__", set()).add("call")
    return uses


def problems_of(cls: type, name: str) -> list[str]:
    """Why ``cls.name`` of the fake is not desktop xlwings (empty: it is)."""
    xl_name = cls._XLWINGS
    main_cls = getattr(xlmain, xl_name)
    where = f"{cls.__name__}.{name} (xlwings.{xl_name}.{name})"
    try:
        real = inspect.getattr_static(main_cls, name)
    except AttributeError:
        return [f"{where}: not in xlwings.main"]
    ours = inspect.getattr_static(cls, name)
    problems = []
    functions = []
    if isinstance(real, property):
        functions.append(real.fget)
        fake_sets = isinstance(ours, property) and ours.fset is not None or \
            name in getattr(cls, "__slots__", ())
        if fake_sets and real.fset is None and not isinstance(ours, property):
            pass  # a plain attribute of the fake (e.g. Book.fullname): LiveBook only reads it
        elif isinstance(ours, property) and ours.fset is not None:
            if real.fset is None:
                problems.append(f"{where}: read-only in xlwings, settable in the fake")
            else:
                functions.append(real.fset)
    elif callable(real):
        functions.append(real)
        if callable(ours) and not isinstance(ours, property):
            problems += _signature_problems(where, ours, real)
    else:
        return [f"{where}: neither a property nor a method in xlwings.main"]
    for function in functions:
        if "NotImplementedError" in inspect.getsource(function):
            problems.append(f"{where}: raises NotImplementedError in xlwings.main")
        for member, kinds in impl_uses(function).items():
            for engine in DESKTOP_ENGINES:
                available = engine_classes(engine).get(xl_name, {}).get(member)
                if not available:
                    problems.append(f"{where}: {engine} {xl_name} has no {member!r} "
                                    "(only base_classes / the remote engine)")
                elif "stub" in available:
                    problems.append(f"{where}: {engine} {xl_name}.{member} raises NotImplementedError")
                elif "set" in kinds and "set" not in available:
                    problems.append(f"{where}: {engine} {xl_name}.{member} cannot be set")
    return problems


def _signature_problems(where: str, ours, real) -> list[str]:
    real_sig = inspect.signature(real)
    takes_any = any(p.kind is p.VAR_KEYWORD for p in real_sig.parameters.values())
    problems = []
    for param in list(inspect.signature(ours).parameters.values())[1:]:
        if param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
            problems.append(f"{where}: the fake accepts *args/**kwargs, xlwings checks its arguments")
        elif param.name not in real_sig.parameters and not takes_any:
            problems.append(f"{where}: xlwings has no parameter {param.name!r}")
    return problems


# --- the tests --------------------------------------------------------------------------------

def test_every_fake_class_says_what_it_stands_for():
    for cls in fake_classes():
        assert getattr(cls, "_XLWINGS", None) or getattr(cls, "_EXCEL", None), cls.__name__
        if getattr(cls, "_XLWINGS", None):
            assert hasattr(xlmain, cls._XLWINGS), cls.__name__
            assert isinstance(cls._TEST_ONLY, frozenset), cls.__name__


@pytest.mark.parametrize("cls", standing_for_xlwings(), ids=lambda c: c.__name__)
def test_every_name_the_fake_offers_is_desktop_xlwings(cls):
    problems = [p for name in offered(cls) for p in problems_of(cls, name)]
    assert not problems, "\n".join(problems)


def test_the_check_catches_what_only_the_remote_engine_has():
    """``Sheet.freeze_panes`` (the reviewer's find) and a made-up name are refused."""

    class FakeSheetWithPanes:
        _XLWINGS = "Sheet"
        _TEST_ONLY = frozenset()

        @property
        def freeze_panes(self):
            return None

        def autofit_everything(self):
            return None

    assert any("_xlwindows.py Sheet has no 'freeze_panes'" in p
               for p in problems_of(FakeSheetWithPanes, "freeze_panes"))
    assert any("_xlmac.py Sheet has no 'freeze_panes'" in p
               for p in problems_of(FakeSheetWithPanes, "freeze_panes"))
    assert problems_of(FakeSheetWithPanes, "autofit_everything") == \
        ["FakeSheetWithPanes.autofit_everything (xlwings.Sheet.autofit_everything): not in xlwings.main"]


def test_the_check_reads_setters_and_signatures():
    class FakeRangeTooRich:
        _XLWINGS = "Range"
        _TEST_ONLY = frozenset()

        @property
        def address(self):
            return "$A$1"

        @address.setter
        def address(self, value):
            pass

        def options(self, convert=None, **anything):
            return self

    assert any("read-only in xlwings" in p for p in problems_of(FakeRangeTooRich, "address"))
    assert any("*args/**kwargs" in p for p in problems_of(FakeRangeTooRich, "options"))


def test_live_book_cannot_use_a_test_helper_of_the_fake():
    """The helpers (``sheet.values``, ``app.calls``...) answer tests, and refuse code of live.py."""
    import addin.books.live as live

    book = fake.FakeBook({"S": {(1, 1): "x"}})
    sheet = book.sheets["S"]
    assert sheet.values == {(1, 1): "x"}  # a test may look
    peek = compile("def peek(sheet):\n    return sheet.values\n", live.__file__, "exec")
    scope: dict = {}
    exec(peek, scope)
    with pytest.raises(AttributeError, match="test helper of the fake"):
        scope["peek"](sheet)
    assert fake._LIVE == str(Path(live.__file__).resolve())
