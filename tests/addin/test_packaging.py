"""``pip install .`` ships macros/ and mail_templates/ inside the package, and the code finds them.

Both folders stay at the top of the repository; pyproject.toml maps them to the
packages ``addin.macros`` and ``addin.mail_templates``. Without that, a
non-editable install could neither build the add-in nor send a reminder.

The slow test runs setuptools' own ``build_py`` (what a wheel of a pure-Python
package holds) on a copy of the checkout, then imports Relance from that build,
from another folder: the add-in builds with our VBA, a reminder renders, both
read from the built package, not from this checkout. (The same was checked by
hand with ``pip install .`` and ``pip install -e .`` into fresh venvs.)
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = {"addin.macros": "macros", "addin.mail_templates": "mail_templates"}


def setuptools_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_package_of_addin_and_both_folders_are_listed():
    config = setuptools_config()
    code = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "addin").rglob("__init__.py")}
    data = {f"{package}.{sub.name}" for package, folder in SHIPPED.items()
            for sub in (ROOT / folder).iterdir() if sub.is_dir() and not sub.name.startswith((".", "_"))}
    assert set(config["packages"]) == code | set(SHIPPED) | data
    assert config["package-dir"] == SHIPPED


def _tracked(folder: str) -> set[str]:
    return {p.relative_to(ROOT / folder).as_posix() for p in (ROOT / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.mark.slow
def test_a_built_package_holds_both_folders_and_uses_them(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(ROOT / name, source / name)
    for name in ("addin", "macros", "mail_templates"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    lib = tmp_path / "lib"
    subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py",
                    "--build-lib", str(lib)], cwd=source, check=True, capture_output=True)

    for package, folder in SHIPPED.items():
        built = lib.joinpath(*package.split("."))
        assert _tracked(folder) <= {p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file()}
    for bas in (ROOT / "macros").glob("*.bas"):
        assert (lib / "addin" / "macros" / bas.name).read_bytes() == bas.read_bytes()  # CRLF kept

    probe = """
import json, sys
from datetime import date
from pathlib import Path
import addin, addin.addin_build as build, addin.mail.compose as compose
out = build.build_addin(Path(sys.argv[1]))
env = compose.environment("fr")
print(json.dumps({"addin": addin.__file__, "macros": str(build.MACROS_DIR), "templates": str(compose.TEMPLATES_DIR),
                  "xlam": str(out), "template": env.get_template("relance_1.subject.txt").filename}))
"""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run([sys.executable, "-c", probe, str(elsewhere / "relance.xlam")], cwd=elsewhere,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(lib), "HOME": str(tmp_path)},
                          check=True, capture_output=True, text=True)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    for key in ("addin", "macros", "templates", "template"):
        assert Path(seen[key]).is_relative_to(lib), (key, seen[key])
    assert Path(seen["xlam"]).stat().st_size > 10_000

    # The main job runs from the built package too: the demo builds the template from the schema.
    demo = subprocess.run([sys.executable, "-c", "from addin.cli import app; app()", "demo", str(elsewhere / "demo"),
                           "--today", "2026-11-23"], cwd=elsewhere,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(lib), "HOME": str(tmp_path)},
                          capture_output=True, text=True)
    assert demo.returncode == 0, demo.stderr
    assert (elsewhere / "demo" / "relance-demo.xlsx").stat().st_size > 20_000
    assert "Relances du jour" in demo.stdout
