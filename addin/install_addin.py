"""Install relance.xlam where Excel opens it at start-up, pointed at this Python.

Follows ``xlwings addin install``: the add-in is copied into Excel's user
start-up folder (``Application.StartupPath``), which xlwings asks a running
Excel for; we cannot, so we use the folders Excel uses by default:

- Windows: ``%APPDATA%\\Microsoft\\Excel\\XLSTART``;
- macOS (Excel 2016 and later, sandboxed):
  ``~/Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel``.
  As ``xlwings addin install`` does on macOS, xlwings' AppleScript is copied to
  ``~/Library/Application Scripts/com.microsoft.Excel`` (``xlwings runpython
  install``), without which RunPython cannot start Python from the sandbox.

The copy gets this interpreter in its ``relance.conf`` sheet
(``Interpreter_Win`` or ``Interpreter_Mac``), so the buttons run the Python
that has Relance installed.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from addin import addin_build

MAC_STARTUP = Path(
    "Library/Group Containers/UBF8T346G9.Office/User Content.localized/Startup.localized/Excel"
)
MAC_SCRIPTS = Path("Library/Application Scripts/com.microsoft.Excel")


class InstallError(RuntimeError):
    """The add-in cannot be installed here; the message says what to do instead."""


def addin_dir(platform: str, home: Path, appdata: str | None = None) -> Path:
    r"""Excel's user start-up folder on ``platform`` (``sys.platform`` values).

    ``appdata`` is Windows' %APPDATA% when known, else ``home\AppData\Roaming``.
    """
    if platform.startswith("win"):
        base = Path(appdata) if appdata else home / "AppData" / "Roaming"
        return base / "Microsoft" / "Excel" / "XLSTART"
    if platform == "darwin":
        return home / MAC_STARTUP
    raise InstallError(
        "Excel n'existe pas sous Linux : le complément Relance ne peut pas y être installé. "
        "Utilisez la ligne de commande sur votre classeur (relance --help, par exemple "
        "« relance refresh registre.xlsx »), ou installez le complément depuis Windows ou macOS "
        "avec « relance install-addin »."
    )


def install_addin(
    xlam: Path | None = None,
    *,
    platform: str = sys.platform,
    home: Path | None = None,
    interpreter: str | None = None,
) -> Path:
    """Copy the add-in into Excel's start-up folder with the interpreter set; returns the copy.

    Args:
        xlam: a built relance.xlam; None builds one from this checkout/package.
        platform: ``sys.platform`` of the target ("win32", "darwin"); Linux raises InstallError.
        home: the user's home folder (tests pass a temporary one).
        interpreter: the Python Excel should run (default: this one, ``sys.executable``).
    """
    appdata = os.environ.get("APPDATA") if home is None else None
    home = Path.home() if home is None else Path(home)
    target_dir = addin_dir(platform, home, appdata)
    interpreter = interpreter or sys.executable
    key = "Interpreter_Win" if platform.startswith("win") else "Interpreter_Mac"

    if xlam is None:
        data = addin_build.zip_parts(addin_build.addin_parts())
    else:
        data = Path(xlam).read_bytes()
    data = addin_build.with_conf(data, {key: interpreter})

    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / addin_build.ADDIN_NAME
    try:
        addin_build.write_replacing(target, data)
    except PermissionError as error:
        raise InstallError(
            f"Impossible d'écrire {target} : si Excel est ouvert, quittez-le et recommencez."
        ) from error
    if platform == "darwin":
        _install_applescript(home)
    return target


def _install_applescript(home: Path) -> Path:
    """What ``xlwings runpython install`` does: lets sandboxed Excel start Python."""
    import xlwings

    script = addin_build.xlwings_dir() / f"xlwings-{xlwings.__version__}.applescript"
    destination = home / MAC_SCRIPTS
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copy(script, destination / script.name)
    return destination / script.name
