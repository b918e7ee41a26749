"""What RelanceRibbon checks before RunPython (issue 16, point 3), read in the built add-in.

xlwings' ``RunPython`` does not raise to VBA when Python cannot start (a missing interpreter
gets xlwings' English box; a Python without Relance an English traceback), so the module
checks beforehand what VBA can see: an active workbook (none in Protected View) and the
interpreter named in ``relance.conf``, each with its own French box.
"""

from __future__ import annotations

import re

import pytest

from tests.addin import vba
from tests.addin.test_vba_harness import built_modules


@pytest.fixture(scope="module")
def modules(xlam):
    return built_modules(xlam)


def procedure(source: str, name: str) -> str:
    match = re.search(rf"^(?:Public |Private )?(Sub|Function) {name}\b.*?^End \1", source, re.M | re.S)
    assert match, name
    return match.group(0)


@pytest.mark.parametrize("platform, key", [("Windows", "INTERPRETER_WIN"), ("Mac", "INTERPRETER_MAC")])
def test_the_button_checks_the_workbook_and_the_interpreter_before_runpython(modules, platform, key):
    source = vba.branch(modules["RelanceRibbon"], vba.PLATFORMS[platform])
    button = procedure(source, "OnRelanceButton")
    assert button.index("If Not ReadyForPython() Then Exit Sub") < button.index("RunPython command")
    ready = procedure(source, "ReadyForPython")
    assert ready.index("If ActiveWorkbook Is Nothing Then") < ready.index("GetConfig(")
    assert f'interpreter = GetConfig("{key}", "")' in ready
    assert ({"INTERPRETER_WIN", "INTERPRETER_MAC"} - {key}).pop() not in ready
    assert "If Not FileExists(interpreter) Then" in ready
    boxes = re.findall(r'MsgBox "([^"]*)"', ready)
    assert [b.split(" ")[0] for b in boxes] == ["Aucun", "Le", "Python"]  # three situations, three boxes
    assert "Mode prot" in ready and "relance install-addin" in ready


def test_the_config_key_is_the_one_xlwings_reads_from_relance_conf(modules):
    """GetConfigFromSheet upper-cases column A: the sheet's Interpreter_Win is INTERPRETER_WIN."""
    from addin import addin_build

    xlwings = modules["xlwings"]
    assert "d.Add UCase(cell.Value), cell.Offset(0, 1).Value" in xlwings
    assert "Set sht = wb.Sheets(PROJECT_NAME & \".conf\")" in xlwings
    assert {"INTERPRETER_WIN", "INTERPRETER_MAC"} <= {k.upper() for k in addin_build.CONF_KEYS}


@pytest.mark.parametrize("platform", sorted(vba.PLATFORMS))
def test_what_relanceribbon_calls_in_xlwings_is_public_there(modules, platform):
    xlwings = vba.branch(modules["xlwings"], vba.PLATFORMS[platform])
    ours = vba.branch(modules["RelanceRibbon"], vba.PLATFORMS[platform])
    public = set(re.findall(r"^(?:Public\s+)?(?:Function|Sub)\s+(\w+)", xlwings, re.M))
    called = {"RunPython", "GetConfig", "FileExists", "ImportPythonUDFsToAddin"}
    if platform == "Mac":
        called.add("ToPosixPath")
    assert {name for name in called if re.search(rf"\b{name}\b", ours)} == called
    assert called <= public, called - public
