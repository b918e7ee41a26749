"""Hostile and odd files given to every command: one French line, a non-zero exit, the file untouched.

The packages come from ``tests.hostile_files``, built here from a register the tests fill
themselves. Each command runs in-process (typer's runner): no traceback may reach the user.
"""

from __future__ import annotations

import errno
import io
import os
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from addin.books import inspect, safety
from addin.books.base import BookError
from addin.books.file import FileBook
from addin.cli import app
from tests import hostile_files as H
from tests.actions.test_refresh import TODAY, fill_template

runner = CliRunner()
DAY = ["--today", TODAY.isoformat()]
COMMANDS = ("refresh", "preview", "send", "review", "export", "plan")


@pytest.fixture(scope="module")
def register_bytes(tmp_path_factory) -> bytes:
    return fill_template(tmp_path_factory.mktemp("base") / "Registre.xlsx").read_bytes()


_BUILT: dict[str, bytes] = {}


def hostile(register_bytes: bytes, label: str) -> bytes:
    if label not in _BUILT:
        _BUILT[label] = {**H.CASES, **H.ODD}[label](register_bytes)
    return _BUILT[label]


def invoke(command: str, path: Path, *extra: str):
    args = {"export": [command, str(path), str(path.with_name("compta.xlsx"))],
            "plan": [command, str(path), "F002"]}.get(command, [command, str(path)])
    return runner.invoke(app, [*args, *DAY, *extra])


def assert_one_line_refusal(result, path: Path, before: bytes) -> str:
    output = result.output.strip()
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in output
    assert result.exit_code != 0, output
    assert len(output.splitlines()) == 1, output
    assert output.startswith("Erreur : ") and " — " in output, output  # what is wrong — what to do
    assert path.read_bytes() == before
    assert not list(path.parent.glob(".relance-*.tmp"))
    return output


@pytest.mark.parametrize("label", list(H.CASES))
@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_refuses_every_hostile_file_in_one_line(register_bytes, tmp_path, label, command):
    path = tmp_path / "Registre.xlsx"
    path.write_bytes(hostile(register_bytes, label))
    before = path.read_bytes()
    result = invoke(command, path)
    if command == "export" and label == "pas un registre":
        # The accountant's copy never writes the workbook it reads: the file stays as it was.
        assert "Traceback" not in result.output and path.read_bytes() == before
        return
    assert_one_line_refusal(result, path, before)


@pytest.mark.parametrize("label", list(H.ODD))
def test_odd_but_real_workbooks_are_refreshed_or_refused_in_one_line(register_bytes, tmp_path, label):
    path = tmp_path / "Registre.xlsx"
    path.write_bytes(hostile(register_bytes, label))
    before = path.read_bytes()
    result = invoke("refresh", path)
    if result.exit_code == 0:
        assert "Actualisé au 30/06/2025" in result.output
        assert "Relances" in FileBook.open(path).sheet_names()
    else:
        assert_one_line_refusal(result, path, before)


def test_a_style_pointing_past_the_fonts_list_still_refreshes(register_bytes, tmp_path):
    # Every cell format names font 99 of a list of 2: Excel shows the default font; Relance used
    # to stop on an IndexError when it derived the bold header of a generated sheet from it.
    path = tmp_path / "Registre.xlsx"
    path.write_bytes(H.make_style_past_fonts(register_bytes))
    result = invoke("refresh", path)
    assert result.exit_code == 0, result.output


# --- 1. zip bombs: refused from the central directory, before inflating ----------------------


@pytest.mark.parametrize("make", [H.make_bomb_unreferenced, H.make_bomb_declared, H.make_bomb_in_sheet,
                                  H.make_bomb_lying])
def test_zip_bombs_are_refused_without_inflating_them(register_bytes, make):
    data = make(register_bytes)
    assert len(data) < 10 << 20
    tracemalloc.start()
    try:
        with pytest.raises(BookError, match="bombe de décompression"):
            inspect.check_package(data, "Registre.xlsx")
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20  # a few chunks, never the part: 64 MiB, 3.5 GiB, 50 MiB, 20 MiB inflated


def test_the_limits_are_the_ones_the_docs_state():
    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8").split())
    assert f"more than {inspect.MAX_RATIO} times" in readme and "above 1 MiB" in readme
    assert "part above 1 GiB" in readme and "package above 2 GiB" in readme and inspect.RATIO_FROM == 1 << 20
    assert f"more than {inspect.PACKAGE_RATIO} times its file size (beyond 128 MiB)" in readme
    assert inspect.PACKAGE_FLOOR == 128 << 20
    assert inspect.MAX_PART == 1 << 30 and inspect.MAX_TOTAL == 2 << 30


def test_a_real_register_is_not_mistaken_for_a_bomb(register_bytes):
    inspect.check_package(register_bytes, "Registre.xlsx")  # no error


# --- 3, 4, 5, 8: what each refusal says -------------------------------------------------------


@pytest.mark.parametrize("make, words", [
    (H.make_not_a_register, ("n'est pas un registre", "workbook_template.xlsx")),
    (H.make_strict, ("Strict", "Enregistrer sous", "Classeur Excel (*.xlsx)")),
    (H.make_signed, ("signé numériquement", "signature")),
    (H.make_duplicate_entry, ("deux fois l'entrée",)),
    (H.make_dotdot_entry, ("../../evil.txt",)),
    (H.make_entity_in_sheet, ("DOCTYPE",)),
    (H.make_bad_crc, ("endommagé",)),
])
def test_each_refusal_says_what_the_file_is_and_what_to_do(register_bytes, tmp_path, make, words):
    path = tmp_path / "Registre.xlsx"
    path.write_bytes(make(register_bytes))
    output = assert_one_line_refusal(invoke("refresh", path), path, path.read_bytes())
    for word in words:
        assert word in output, output


# --- 6. part names compare without case ------------------------------------------------------

SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def make_shared_strings_in_another_case(data: bytes) -> bytes:
    def add(p):
        p["xl/SharedStrings.xml"] = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://'
                                     b'schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
                                     b'<si><t>bonjour</t></si></sst>')
        H.override(p, "xl/sharedStrings.xml", SST_TYPE)
        p["xl/_rels/workbook.xml.rels"] = p["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>", b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument'
            b'/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    return H.edit(data, add)


def test_a_part_named_in_another_case_keeps_its_content_type(register_bytes, tmp_path):
    path = tmp_path / "Registre.xlsx"
    path.write_bytes(make_shared_strings_in_another_case(register_bytes))
    result = invoke("refresh", path)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(path) as archive:
        assert "xl/SharedStrings.xml" in archive.namelist()
        types = archive.read("[Content_Types].xml").decode()
    assert f'PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"' in types


def test_the_safety_check_refuses_a_save_that_drops_a_content_type_or_a_relationship(register_bytes):
    before = safety.inventory(io.BytesIO(register_bytes))
    override = '<Override PartName="/xl/theme/theme1.xml" ContentType="application/vnd.openxmlformats-' \
               'officedocument.theme+xml" />'
    assert override in dict(H.read_parts(register_bytes))["[Content_Types].xml"].decode()

    def drop(p):
        p["[Content_Types].xml"] = p["[Content_Types].xml"].decode().replace(override, "").encode()
        p["xl/_rels/workbook.xml.rels"] = H.re.sub(rb'<Relationship [^>]*theme[^>]*/>', b"",
                                                   p["xl/_rels/workbook.xml.rels"])
    after = safety.inventory(io.BytesIO(H.edit(register_bytes, drop)))
    lost = safety.losses(before, after)
    assert any("xl/theme/theme1.xml" in line and "type de contenu" in line for line in lost), lost
    assert any("theme" in line and "relation" in line for line in lost), lost
    assert safety.losses(before, before) == []


# --- 7. what comes before a part's root element is kept -----------------------------------------


def test_comments_and_instructions_before_a_rewritten_root_are_kept(register_bytes, tmp_path):
    prolog = '<!-- écrit par un autre outil --><?mso-application progid="Excel.Sheet"?>'.encode()

    def add(p):
        for name in ("xl/workbook.xml", "xl/styles.xml"):
            xml = p[name]
            declaration = H.re.match(rb"<\?xml[^>]*\?>", xml)
            at = declaration.end() if declaration else 0
            p[name] = xml[:at] + prolog + xml[at:]
    path = tmp_path / "Registre.xlsx"
    path.write_bytes(H.edit(register_bytes, add))
    result = invoke("refresh", path)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(path) as archive:
        workbook = archive.read("xl/workbook.xml")
        styles = archive.read("xl/styles.xml")
    assert b"fullCalcOnLoad" in workbook  # the part was rewritten
    assert prolog in workbook and prolog in styles


# --- 2. what the system says, said in one line ----------------------------------------------


@pytest.fixture
def register(register_bytes, tmp_path) -> Path:
    path = tmp_path / "Registre.xlsx"
    path.write_bytes(register_bytes)
    return path


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "disque est plein"), (errno.EFBIG, "trop grand")])
def test_a_full_disk_is_one_line_and_the_file_untouched(register, monkeypatch, code, words):
    real = os.fsync

    def failing(fd):
        real(fd)
        raise OSError(code, os.strerror(code))
    monkeypatch.setattr("addin.files.os.fsync", failing)
    before = register.read_bytes()
    output = assert_one_line_refusal(invoke("refresh", register), register, before)
    assert words in output


@pytest.mark.parametrize("command, folder", [("refresh", ".relance-backups"), ("send", ".relance")])
def test_a_file_where_relance_keeps_a_folder_is_one_line(register, command, folder):
    (register.parent / folder).write_text("pas un dossier")
    before = register.read_bytes()
    output = assert_one_line_refusal(invoke(command, register), register, before)
    assert folder in output and "Renommez" in output


def test_a_date_past_the_calendar_is_one_line(register):
    before = register.read_bytes()
    result = runner.invoke(app, ["refresh", str(register), "--today", "9999-12-31"])
    assert result.exit_code != 0 and "Traceback" not in result.output and "1900 à 2199" in result.output
    assert register.read_bytes() == before


def test_memory_exhaustion_is_one_line(register, monkeypatch):
    def exhausted(*args, **kwargs):
        raise MemoryError()
    monkeypatch.setattr("addin.actions.refresh.run", exhausted)
    before = register.read_bytes()
    assert "Mémoire insuffisante" in assert_one_line_refusal(invoke("refresh", register), register, before)


def test_a_command_added_later_is_guarded_too(register):
    @app.command("essai-hostile")
    def boom(book: Path) -> None:
        1 / 0
    try:
        result = runner.invoke(app, ["essai-hostile", str(register)])
    finally:
        app.registered_commands.pop()
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1 and "ZeroDivisionError" in result.output


def test_calamine_says_its_own_reason(register_bytes, tmp_path, monkeypatch):
    # A file object hid it behind « Cannot detect file format »; through the path, calamine says what
    # is wrong. (Parts under 4 MiB are checked on open; a large sheet is calamine's to read.)
    monkeypatch.setattr(inspect, "SMALL_PART", 0)
    part = H.sheet_part(register_bytes, "Paiements")
    path = tmp_path / "Registre.xlsx"
    path.write_bytes(H.edit(register_bytes, lambda p: p.__setitem__(
        part, p[part].replace(b"<sheetData>", b'<sheetData><row r="1"><c r="A1" t="n"><v>1</v></c', 1))))
    output = assert_one_line_refusal(invoke("review", path), path, path.read_bytes())
    assert "Paiements" in output and "Cannot detect file format" not in output


def test_sheets_calamine_cannot_place_are_left_out_of_its_reading(register_bytes, tmp_path):
    # An Excel 4 macro sheet made calamine refuse the whole workbook; Relance reads the worksheets
    # from a copy without it, and the macro sheet keeps its bytes in the saved file.
    path = tmp_path / "Registre.xlsx"
    path.write_bytes(H.make_macro_sheet(register_bytes))
    macro = dict(H.read_parts(path.read_bytes()))["xl/macrosheets/sheet1.xml"]
    result = invoke("refresh", path)
    assert result.exit_code == 0, result.output
    assert dict(H.read_parts(path.read_bytes()))["xl/macrosheets/sheet1.xml"] == macro


def test_a_save_that_would_retype_a_part_is_refused_and_the_file_untouched(register, monkeypatch):
    # Simulate the old bug (an Override lost on save: the part falls back to application/xml).
    from addin.books.package import Package

    real = Package.to_bytes

    def losing(self, new_types=None):
        data = real(self, new_types)
        return H.edit(data, lambda p: p.__setitem__("[Content_Types].xml", H.re.sub(
            rb'<Override PartName="/xl/theme/theme1.xml"[^>]*/>', b"", p["[Content_Types].xml"])))
    monkeypatch.setattr(Package, "to_bytes", losing)
    before = register.read_bytes()
    output = assert_one_line_refusal(invoke("refresh", register), register, before)
    assert "xl/theme/theme1.xml" in output and "type de contenu" in output
