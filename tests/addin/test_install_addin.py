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
