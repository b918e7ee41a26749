"""The built relance.xlam, checked part by part without Excel."""

import importlib.util
import io
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import olefile
import openpyxl
import pytest
from oletools.olevba import VBA_Parser

from addin import addin_build
from addin.actions import ACTIONS

ROOT = Path(__file__).resolve().parents[2]
MACROS = ROOT / "macros"
CUI = "{http://schemas.microsoft.com/office/2009/07/customui}"
PKG = "{http://schemas.openxmlformats.org/package/2006/content-types}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

LABELS = {
    "refresh": "Actualiser",
    "preview": "Aperçu",
    "send": "Envoyer",
    "review": "Revue mensuelle",
    "export": "Exporter pour le comptable",
    "plan": "Échéancier",
    "help": "Aide",
    "import": "Importer",
}


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        return {name: z.read(name) for name in z.namelist()}


def buttons():
    root = ET.parse(MACROS / "customUI14.xml").getroot()
    return root, list(root.iter(CUI + "button"))


def bas_subs() -> set[str]:
    """Module.Sub names declared in macros/*.bas (what onAction may call)."""
    subs = set()
    for path in MACROS.glob("*.bas"):
        source = path.read_bytes().decode("cp1252")
        module = addin_build.module_name(path.read_bytes())
        for name in re.findall(r"^(?:Public\s+)?Sub\s+(\w+)\s*\(\s*control\s+As\s+IRibbonControl\s*\)", source, re.M | re.I):
            subs.add(f"{module}.{name}")
    return subs


# --- the package -------------------------------------------------------------


def test_content_types_declare_an_addin_with_vba_and_ribbon(xlam):
    types = ET.fromstring(parts(xlam)["[Content_Types].xml"])
    overrides = {o.get("PartName"): o.get("ContentType") for o in types.iter(PKG + "Override")}
    assert overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
    assert overrides["/xl/vbaProject.bin"] == "application/vnd.ms-office.vbaProject"
    assert overrides["/customUI/customUI14.xml"] == "application/xml"


def test_every_part_named_in_the_package_exists(xlam):
    contents = parts(xlam)
    types = ET.fromstring(contents["[Content_Types].xml"])
    for o in types.iter(PKG + "Override"):
        assert o.get("PartName").lstrip("/") in contents
    for rels_name in [n for n in contents if n.endswith(".rels")]:
        base = "" if rels_name == "_rels/.rels" else rels_name.split("_rels/")[0]
        for r in ET.fromstring(contents[rels_name]).iter(REL + "Relationship"):
            assert (base + r.get("Target")) in contents, r.get("Target")
    assert "customUI/customUI.xml" not in contents  # the template's demo ribbon is gone


def test_ribbon_part_is_ours_and_referenced_by_the_root_relationships(xlam):
    contents = parts(xlam)
    rels = ET.fromstring(contents["_rels/.rels"])
    ui = [r for r in rels.iter(REL + "Relationship") if r.get("Type") == addin_build.REL_CUSTOM_UI]
    assert [r.get("Target") for r in ui] == ["customUI/customUI14.xml"]
    assert contents["customUI/customUI14.xml"] == (MACROS / "customUI14.xml").read_bytes()


def test_openpyxl_reads_the_workbook_and_keeps_the_vba(xlam):
    # openpyxl 3.1 refuses any .xlam (its reader only knows the xlsx/xlsm/xltx/xltm
    # main content types), so we hand it the same bytes with only the workbook's
    # content type switched to xlsm: everything else is read as built.
    data = xlam.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        swapped = {n: z.read(n) for n in z.namelist()}
    swapped["[Content_Types].xml"] = swapped["[Content_Types].xml"].replace(
        b"application/vnd.ms-excel.addin.macroEnabled.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    wb = openpyxl.load_workbook(io.BytesIO(addin_build.zip_parts(swapped)), keep_vba=True)
    assert wb.sheetnames == ["relance.conf"]
    assert "xl/vbaProject.bin" in wb.vba_archive.namelist()
    rows = {r[0]: r[1] for r in wb["relance.conf"].iter_rows(values_only=True)}
    assert rows["UDF Modules"] == "addin.udfs"


def test_conf_sheet_points_at_our_udfs_and_leaves_the_interpreter_to_install(xlam):
    conf = addin_build.read_conf(xlam)
    assert list(conf)[:9] == list(addin_build.CONF_KEYS)
    assert conf["UDF Modules"] == "addin.udfs"
    assert conf["Interpreter_Win"] == "" and conf["Interpreter_Mac"] == ""
    assert conf["Show Console"] is False
    assert importlib.util.find_spec(conf["UDF Modules"]) is not None


def test_build_is_deterministic(xlam, tmp_path):
    again = addin_build.build_addin(tmp_path / "again.xlam")
    assert again.read_bytes() == xlam.read_bytes()
    with zipfile.ZipFile(xlam) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_with_conf_changes_only_the_given_keys(xlam):
    updated = addin_build.with_conf(xlam.read_bytes(), {"Interpreter_Win": r"C:\Python311\pythonw.exe"})
    conf = addin_build.read_conf(updated)
    assert conf["Interpreter_Win"] == r"C:\Python311\pythonw.exe"
    assert conf | {"Interpreter_Win": ""} == addin_build.read_conf(xlam)


# --- the ribbon ------------------------------------------------------------------


def test_custom_ui_lists_exactly_the_seven_buttons_in_french():
    root, found = buttons()
    assert root.tag == CUI + "customUI"
    tabs = list(root.iter(CUI + "tab"))
    assert [t.get("label") for t in tabs] == ["Relance"]
    assert {b.get("tag"): b.get("label") for b in found} == LABELS
    assert len(found) == len(LABELS)
    assert len({b.get("id") for b in found}) == len(LABELS)


def test_every_button_has_icon_tips_and_calls_an_existing_sub():
    subs = bas_subs()
    _, found = buttons()
    for b in found:
        assert b.get("imageMso") and b.get("size") == "large", b.get("tag")
        assert b.get("screentip") and b.get("supertip"), b.get("tag")
        assert b.get("onAction") in subs, b.get("onAction")


def test_every_button_tag_is_a_registered_action():
    _, found = buttons()
    assert {b.get("tag") for b in found} == set(ACTIONS)


def test_dispatcher_passes_the_tag_to_addin_ribbon_run():
    source = (MACROS / "RelanceRibbon.bas").read_bytes().decode("ascii")
    assert 'RunPython "import addin.ribbon; addin.ribbon.run(\'" & control.Tag & "\')"' in source
    assert "On Error GoTo" in source and "MsgBox" in source


# --- the VBA project ---------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(MACROS.glob("*.bas")), ids=lambda p: p.name)
def test_bas_files_are_crlf_and_named(path):
    data = path.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") > 0
    assert data.startswith(b'Attribute VB_Name = "' + path.stem.encode() + b'"\r\n')


def _olevba_modules(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        return {name: code for _, stream, name, code in parser.extract_macros()}
    finally:
        parser.close()


def test_olevba_extracts_our_modules_byte_for_byte(xlam):
    # olevba returns the stored source decoded with the project's code page
    # (cp1252). We store each .bas file exactly, Attribute VB_Name line and CRLF
    # included (the VBA editor hides that line; it is part of the stored source),
    # so the comparison is of the whole file text, no line excluded.
    modules = _olevba_modules(xlam)
    for path in MACROS.glob("*.bas"):
        assert modules[path.name] == path.read_bytes().decode("cp1252")


def test_project_keeps_xlwings_renamed_for_relance(xlam):
    modules = _olevba_modules(xlam)
    assert set(modules) == {"ThisWorkbook.cls", "Sheet2.cls", "Dictionary.cls", "xlwings.bas"} | {
        p.name for p in MACROS.glob("*.bas")
    }
    assert 'Public Const PROJECT_NAME As String = "relance"' in modules["xlwings.bas"]
    assert "RibbonMyAddin.bas" not in modules


def _vba_ole(xlam: Path) -> olefile.OleFileIO:
    with zipfile.ZipFile(xlam) as z:
        return olefile.OleFileIO(io.BytesIO(z.read("xl/vbaProject.bin")))


def test_vba_project_is_source_only(xlam):
    ole = _vba_ole(xlam)
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("cc61ffff000100")
    records = addin_build.parse_records(addin_build.decompress(ole.openstream("VBA/dir").read()))
    offsets = [r[1] for r in records if r[0] == 0x0031]
    assert offsets and set(offsets) == {b"\0\0\0\0"}
    names = [r[1].decode() for r in records if r[0] == 0x0019]
    assert dict(records)[0x000F] == len(names).to_bytes(2, "little")
    assert dict(records)[0x0004] == b"Relance"
    project = ole.openstream("PROJECT").read().decode("cp1252")
    assert 'Name="Relance"' in project and "Module=RelanceRibbon" in project
    assert "RibbonMyAddin" not in project
    for name in names:  # every module's stream decompresses to its source alone
        assert addin_build.decompress(ole.openstream(f"VBA/{name}").read()).startswith(
            f'Attribute VB_Name = "{name}"'.encode()
        )


def test_compound_file_directory_is_a_valid_red_black_tree(xlam):
    ole = _vba_ole(xlam)
    entries = ole.direntries

    def check(sid, lo, hi):
        """Returns the black height; asserts order and colour rules."""
        if sid == 0xFFFFFFFF:
            return 1
        e = entries[sid]
        key = addin_build._cfb_key(e.name)
        assert (lo is None or lo < key) and (hi is None or key < hi)
        if e.color == 0:  # red: children black
            for child in (e.sid_left, e.sid_right):
                assert child == 0xFFFFFFFF or entries[child].color == 1
        hl = check(e.sid_left, lo, key)
        hr = check(e.sid_right, key, hi)
        assert hl == hr
        return hl + e.color

    for e in entries:
        if e is not None and e.entry_type in (1, 5):
            assert e.sid_child == 0xFFFFFFFF or entries[e.sid_child].color == 1  # black root
            check(e.sid_child, None, None)
