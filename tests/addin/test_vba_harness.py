"""The VBA Excel will compile, checked on Linux: every module of the built add-in, and the
module « Import Functions » would generate, parse with an ANTLR VBA grammar (antlr4-vba),
on the Windows and on the Mac branches of ``#If``.

What this proves: the source is VBA Excel can read (no missing ``End If``, unbalanced
parenthesis, stray quote...) on both platforms. What it cannot prove (names resolve, types
match, Excel's object model answers): the release checklist of macros/README.md.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import io
import re
import sys
import types
import zipfile
from pathlib import Path

import pytest

from addin import addin_build
from tests.addin import vba

ROOT = Path(__file__).resolve().parents[2]
MACROS = ROOT / "macros"


# A class or document module is stored without the header the VBA editor exports it with
# (and the grammar, like the editor's import, expects): put it back.
CLASS_HEADER = "VERSION 1.0 CLASS\r\nBEGIN\r\n  MultiUse = -1  'True\r\nEND\r\n"


# The grammar's class-module header is MS-VBAL's (VB_Name, VB_GlobalNameSpace, VB_Creatable,
# VB_PredeclaredId, VB_Exposed, VB_Customizable); the host-specific attributes the VBA editor
# also writes there (document base class, template flag, the class's description) are left out.
HOST_ATTRIBUTES = re.compile(r"^Attribute VB_(Base|TemplateDerived|Description) = .*\r\n", re.M)


def built_modules(xlam: Path) -> dict[str, str]:
    """Each module of the built add-in's VBA project, as the VBA editor would export it."""
    with zipfile.ZipFile(xlam) as z:
        project = addin_build.read_vba_project(z.read("xl/vbaProject.bin"))
    modules = {}
    for m in project.modules:
        source = m.source.decode(project.codepage)
        if m.kind != "module":
            head, sep, body = source.partition("\r\nOption ")
            source = CLASS_HEADER + HOST_ATTRIBUTES.sub("", head) + sep + body if sep else \
                CLASS_HEADER + HOST_ATTRIBUTES.sub("", source, count=3)
        modules[m.name] = source
    return modules


@pytest.fixture(scope="module")
def modules(xlam) -> dict[str, str]:
    return built_modules(xlam)


def test_the_built_add_in_holds_the_modules_this_harness_parses(modules):
    assert set(modules) == {"ThisWorkbook", "Sheet2", "Dictionary", "xlwings", "RelanceRibbon"}


@pytest.mark.slow
@pytest.mark.parametrize("platform", sorted(vba.PLATFORMS))
@pytest.mark.parametrize("name", ["ThisWorkbook", "Sheet2", "Dictionary", "xlwings", "RelanceRibbon"])
def test_every_module_of_the_add_in_parses_on_both_platforms(modules, name, platform):
    errors = vba.syntax_errors(vba.branch(modules[name], vba.PLATFORMS[platform]))
    assert not errors, f"{name} ({platform}):\n" + "\n".join(errors[:10])


def test_the_branches_are_those_excel_compiles():
    source = ('#Const App = "Microsoft Excel"\r\n#If Mac Then\r\nA = 1\r\n#ElseIf Win64 Then\r\nA = 2\r\n'
              '#Else\r\nA = 3\r\n#End If\r\n#If App = "Microsoft Excel" And Not Mac Then\r\nB = 1\r\n#End If\r\n')
    assert [x for x in vba.branch(source, vba.MAC).split("\r\n") if x] == ["A = 1"]
    assert [x for x in vba.branch(source, vba.WINDOWS).split("\r\n") if x] == ["A = 2", "B = 1"]
    with pytest.raises(ValueError, match="unknown constant"):
        vba.branch("#If Linux Then\r\n#End If\r\n", vba.MAC)


def test_a_deliberately_broken_copy_fails_on_the_branch_it_breaks(modules):
    """A parenthesis dropped in the Mac-only file dialog: only the Mac parse fails."""
    source = modules["RelanceRibbon"]
    line = "        chosen = Application.GetOpenFilename(MultiSelect:=True)\r\n"
    assert source.count(line) == 1
    broken = source.replace(line, line.replace("True)", "True"))
    assert not vba.syntax_errors(vba.branch(broken, vba.WINDOWS))
    assert vba.syntax_errors(vba.branch(broken, vba.MAC))
    both = source.replace("    Exit Sub\r\nFailed:", "    Exit Sub\r\nFailed:\r\n    If True Then")
    assert vba.syntax_errors(vba.branch(both, vba.WINDOWS)) and vba.syntax_errors(vba.branch(both, vba.MAC))


# --- the worksheet functions: the module « Import Functions » generates -----------------------

def generated_udf_module(monkeypatch) -> str:
    """xlwings' own generator (``xlwings.udfs.import_udfs`` / ``generate_vba_wrapper``) run on
    ``addin/udfs.py``, the Windows-only modules it imports (pywin32) stubbed.

    On Windows ``xw.func`` is ``xlwings.udfs.xlfunc``, which records each function's
    signature; elsewhere it is a no-op. So the decorators are set to xlwings' Windows ones
    and ``addin/udfs.py`` is loaded afresh under another name.
    """
    import xlwings

    for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    sys.modules["pythoncom"].CoInitialize = lambda: None
    sys.modules["pywintypes"].com_error = OSError
    sys.modules["win32com.client"].Dispatch = lambda *args, **kwargs: None
    monkeypatch.delitem(sys.modules, "xlwings.udfs", raising=False)
    xl_udfs = importlib.import_module("xlwings.udfs")
    monkeypatch.delitem(sys.modules, "xlwings.udfs")
    for decorator, windows in (("func", xl_udfs.xlfunc), ("arg", xl_udfs.xlarg), ("ret", xl_udfs.xlret)):
        monkeypatch.setattr(xlwings, decorator, windows)
    spec = importlib.util.spec_from_file_location("relance_udfs_for_vba", ROOT / "addin" / "udfs.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)

    # The module header import_udfs writes before the wrappers (checked against its source).
    header = ['Attribute VB_Name = "xlwings_udfs"',
              "'Autogenerated code by xlwings - changes will be lost with next import!",
              """#Const App = "Microsoft Excel" 'Adjust when using outside of Excel"""]
    source = inspect.getsource(xl_udfs.import_udfs)
    assert all(repr(line)[1:-1] in source or line in source for line in header[:2])
    assert 'Adjust when using outside of Excel' in source
    out = io.StringIO()
    addin = types.SimpleNamespace(Name="relance.xlam")  # « Import Functions » runs on the add-in
    xl_udfs.generate_vba_wrapper(addin_build.UDF_MODULES, module, out, addin)
    return "\r\n".join(header) + "\r\n" + out.getvalue().replace("\r\n", "\n").replace("\n", "\r\n")


@pytest.fixture(scope="module")
def udf_module():
    monkeypatch = pytest.MonkeyPatch()
    try:
        yield generated_udf_module(monkeypatch)
    finally:
        monkeypatch.undo()


def declared_functions(source: str) -> dict[str, list[str]]:
    """Function name -> its arguments as declared (``Optional x`` kept as such)."""
    return {name: [a.strip() for a in args.split(",") if a.strip()]
            for name, args in re.findall(r"^Function (\w+)\((.*)\)\s*$", source, re.M)}


def readme_functions() -> dict[str, list[str]]:
    """The table of worksheet functions in README.md: name, then arguments (``[x]`` optional)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8").split("### Worksheet functions", 1)[1]
    functions = {}
    for line in re.findall(r"^\| `=.*$", text.split("\n\n**", 1)[0], re.M):
        cells = [c.strip() for c in line.strip("|").split("|")]
        call = re.fullmatch(r"`=(\w+)\((.*)\)`", cells[0])
        assert call, line
        args = [a.strip() for a in call.group(2).split(";") if a.strip()]
        functions[call.group(1)] = ["Optional " + a[1:-1] if a.startswith("[") else a for a in args]
    return functions


@pytest.mark.parametrize("platform", sorted(vba.PLATFORMS))
def test_the_generated_function_module_parses_on_both_platforms(udf_module, platform):
    errors = vba.syntax_errors(vba.branch(udf_module, vba.PLATFORMS[platform]))
    assert not errors, "\n".join(errors[:10])


def test_the_generated_functions_are_those_the_readme_documents(udf_module):
    declared = declared_functions(udf_module)
    assert "caller" not in " ".join(a for args in declared.values() for a in args)  # xlwings fills it
    assert declared == readme_functions()
