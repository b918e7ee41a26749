"""install_addin with a fake home folder and each platform."""

from pathlib import Path

import pytest

from addin import addin_build
from addin.install_addin import InstallError, addin_dir, install_addin


def test_windows_copies_to_xlstart_with_the_windows_interpreter(xlam, tmp_path):
    target = install_addin(xlam, platform="win32", home=tmp_path, interpreter=r"C:\Py\pythonw.exe")
    assert target == tmp_path / "AppData/Roaming/Microsoft/Excel/XLSTART/relance.xlam"
    conf = addin_build.read_conf(target)
    assert conf["Interpreter_Win"] == r"C:\Py\pythonw.exe"
    assert conf["Interpreter_Mac"] == ""
    assert conf["UDF Modules"] == "addin.udfs"
    assert xlam.read_bytes() != target.read_bytes()  # the build output itself is left untouched
    assert addin_build.read_conf(xlam)["Interpreter_Win"] == ""


def test_windows_uses_appdata_when_given():
    assert addin_dir("win32", Path("/h"), appdata=r"/D/Roaming") == Path("/D/Roaming/Microsoft/Excel/XLSTART")


def test_macos_copies_to_the_startup_folder_and_installs_the_runpython_script(xlam, tmp_path):
    import xlwings

    target = install_addin(xlam, platform="darwin", home=tmp_path, interpreter="/opt/py/bin/python3")
    assert target == (
        tmp_path / "Library/Group Containers/UBF8T346G9.Office/User Content.localized"
        "/Startup.localized/Excel/relance.xlam"
    )
    assert addin_build.read_conf(target)["Interpreter_Mac"] == "/opt/py/bin/python3"
    script = tmp_path / f"Library/Application Scripts/com.microsoft.Excel/xlwings-{xlwings.__version__}.applescript"
    assert script.is_file()


def test_reinstall_replaces_the_previous_copy(xlam, tmp_path):
    install_addin(xlam, platform="win32", home=tmp_path, interpreter="old")
    target = install_addin(xlam, platform="win32", home=tmp_path, interpreter="new")
    assert addin_build.read_conf(target)["Interpreter_Win"] == "new"
    assert sorted(p.name for p in target.parent.iterdir()) == ["relance.xlam"]


def test_default_interpreter_is_this_python(xlam, tmp_path):
    import sys

    target = install_addin(xlam, platform="win32", home=tmp_path)
    assert addin_build.read_conf(target)["Interpreter_Win"] == sys.executable


@pytest.mark.parametrize("platform", ["linux", "freebsd13"])
def test_linux_explains_that_excel_is_not_there(xlam, tmp_path, platform):
    with pytest.raises(InstallError, match="Excel n'existe pas sous Linux") as caught:
        install_addin(xlam, platform=platform, home=tmp_path)
    assert "relance" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


# --- a failed install leaves nothing in XLSTART (issue 16, point 7) -------------------------

def test_a_refused_replace_leaves_no_temporary_file_in_xlstart(xlam, tmp_path, monkeypatch):
    """Excel opens every file of XLSTART at start: a stray relance.xlam.tmp would open each time."""
    def refused(self, target):
        raise PermissionError("relance.xlam is open in Excel")

    monkeypatch.setattr(Path, "replace", refused)
    with pytest.raises(InstallError, match="quittez-le"):
        install_addin(xlam, platform="win32", home=tmp_path, interpreter="py")
    xlstart = addin_dir("win32", tmp_path)
    assert list(xlstart.iterdir()) == []


def test_a_disk_full_mid_write_leaves_no_temporary_file_in_xlstart(xlam, tmp_path, monkeypatch):
    real_write = Path.write_bytes

    def half_then_full(self, data):
        real_write(self, data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", half_then_full)
    with pytest.raises(OSError, match="No space left"):
        install_addin(xlam, platform="win32", home=tmp_path, interpreter="py")
    assert list(addin_dir("win32", tmp_path).iterdir()) == []


def test_the_add_in_does_not_put_the_workbook_folder_on_python_s_path(xlam, monkeypatch):
    """RunPython's ADD_WORKBOOK_TO_PYTHONPATH (default true) maps a synced workbook's URL before
    Relance runs, failing in English; and a register folder holding an addin.py would shadow
    the package. xlwings reads the key from the add-in's conf sheet, upper-cased."""
    source = (addin_build.xlwings_dir() / "xlwings_custom_addin.bas").read_text(encoding="cp1252")
    assert 'AddExcelDir = GetConfig("ADD_WORKBOOK_TO_PYTHONPATH", "true")' in source
    assert "d.Add UCase(cell.Value), cell.Offset(0, 1).Value" in source
    conf = addin_build.read_conf(xlam)
    assert conf["ADD_WORKBOOK_TO_PYTHONPATH"] == "false"
    # Read down column A to the first blank: the key must come before any gap.
    assert list(conf).index("ADD_WORKBOOK_TO_PYTHONPATH") == len(conf) - 1
    installed = addin_build.read_conf(addin_build.with_conf(xlam.read_bytes(), {"Interpreter_Win": "py"}))
    assert installed["ADD_WORKBOOK_TO_PYTHONPATH"] == "false"
    import sys

    from xlwings.utils import prepare_sys_path

    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.path)
    # What RunPython hands Python with this conf: no URL mapping (it would raise here), no folder.
    prepare_sys_path("false;https://d.docs.live.net/4f2a9c/Registre.xlsx;/x/relance.xlam;;;;")
    assert set(sys.path) - before <= {""}  # "" is xlwings' own PYTHONPATH setting, empty
    with pytest.raises(Exception, match="OneDrive"):
        prepare_sys_path("true;https://d.docs.live.net/4f2a9c/Registre.xlsx;/x/relance.xlam;;;;")
