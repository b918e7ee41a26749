"""What git must keep byte for byte: the VBA modules' CRLF, the Office packages.

A checkout with ``core.autocrlf=input`` (or ``eol=lf``) would otherwise turn the
``.bas`` files into LF, and the add-in built from them would no longer hold what the
VBA editor exports (tests/addin/test_addin_package.py compares the two).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(),
                                reason="not a git checkout")


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def test_git_never_converts_vba_modules_nor_office_files():
    paths = ["macros/RelanceRibbon.bas", "macros/Other.cls", "workbook_template.xlsx", "out/relance.xlam",
             "docs/img/revue.png"]
    attrs = {}
    for line in git("check-attr", "text", "diff", "--", *paths).splitlines():
        path, attr, value = line.split(": ")
        attrs[(path, attr)] = value
    for path in paths:
        assert attrs[(path, "text")] == "unset", path
    for path in ("workbook_template.xlsx", "out/relance.xlam", "docs/img/revue.png"):
        assert attrs[(path, "diff")] == "unset", path


def test_the_bas_files_in_the_repository_have_crlf():
    tracked = git("ls-files", "-z", "--", "macros/*.bas").split("\0")
    tracked = [p for p in tracked if p]
    assert tracked
    for path in tracked:
        stored = subprocess.run(["git", "cat-file", "blob", f":{path}"], cwd=ROOT, check=True,
                                capture_output=True).stdout  # as committed, not as checked out
        on_disk = (ROOT / path).read_bytes()
        for data in (stored, on_disk):
            assert data.count(b"\n") == data.count(b"\r\n") > 0, path


def test_a_commit_from_a_machine_that_normalises_line_endings_keeps_them(tmp_path):
    """Re-adding the files with core.autocrlf=input (a Linux or Mac habit) leaves the CRLF in git."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, capture_output=True)
    git("checkout", "-q", git("rev-parse", "HEAD").strip(), cwd=clone)
    if (ROOT / ".gitattributes").exists():  # the attributes as they are in this tree
        shutil.copyfile(ROOT / ".gitattributes", clone / ".gitattributes")
    else:
        (clone / ".gitattributes").unlink(missing_ok=True)
    for path in (ROOT / "macros").glob("*.bas"):
        shutil.copyfile(path, clone / "macros" / path.name)
    git("-c", "core.autocrlf=input", "add", "--renormalize", "macros", cwd=clone)
    for path in (ROOT / "macros").glob("*.bas"):
        stored = subprocess.run(["git", "cat-file", "blob", f":macros/{path.name}"], cwd=clone, check=True,
                                capture_output=True).stdout
        assert stored == path.read_bytes(), path.name

