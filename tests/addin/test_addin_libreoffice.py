"""An independent reader of our VBA project: LibreOffice's VBA import.

LibreOffice does not open the add-in content type, so it gets the same parts
with the workbook typed as xlsm and made visible; it must find the project
"Relance" and every module, with our source in it.
"""

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from addin import addin_build

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]
MACROS = Path(__file__).resolve().parents[2] / "macros"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_imports_every_module(xlam, tmp_path):
    with zipfile.ZipFile(xlam) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"application/vnd.ms-excel.addin.macroEnabled.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b'visibility="hidden"', b"")
    source = tmp_path / "relance.xlsm"
    source.write_bytes(addin_build.zip_parts(parts))
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "ods", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=240,
    )
    with zipfile.ZipFile(tmp_path / "relance.ods") as ods:
        names = ods.namelist()
        modules = {n.split("/")[-1][:-4] for n in names if n.startswith("Basic/Relance/") and not n.endswith("script-lb.xml")}
        assert modules == {"ThisWorkbook", "Sheet2", "Dictionary", "xlwings"} | {p.stem for p in MACROS.glob("*.bas")}
        ribbon = ods.read("Basic/Relance/RelanceRibbon.xml").decode("utf-8")
    assert "Public Sub OnRelanceButton(control As IRibbonControl)" in ribbon
