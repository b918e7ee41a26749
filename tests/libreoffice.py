"""LibreOffice headless for the tests: convert a workbook, render pages to PNG.

Installed by ``scripts/install.sh``. Outside CI a missing LibreOffice skips the
test; in CI (``CI`` set) it fails, so that a missing install step cannot hide.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def require(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        message = f"{', '.join(missing)} absent: run scripts/install.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def convert(source: Path, fmt: str, outdir: Path, profile: Path) -> Path:
    """``soffice --convert-to fmt`` with a private profile (parallel runs never collide)."""
    require("soffice")
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{profile}", "--convert-to", fmt,
                    "--outdir", str(outdir), str(source)], check=True, capture_output=True, timeout=240)
    result = outdir / (source.stem + "." + fmt.split(":")[0])
    assert result.exists(), f"LibreOffice wrote no {result.name}"
    return result


def render_png(pdf: Path, prefix: Path, resolution: int = 50, last_page: int = 3) -> list[Path]:
    """The first pages of ``pdf`` as PNG files (``pdftoppm``), for a person or a test to look at."""
    require("pdftoppm")
    prefix.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", str(resolution), "-l", str(last_page), str(pdf), str(prefix)],
                   check=True, capture_output=True, timeout=120)
    return sorted(prefix.parent.glob(prefix.name + "*.png"))
