"""Build ``relance.xlam``, the Excel add-in that puts the Relance tab on the ribbon.

The add-in is xlwings' own custom add-in template (``quickstart_addin_ribbon.xlam``,
shipped inside the xlwings package) re-labelled for Relance:

- its configuration sheet becomes ``relance.conf`` with ``UDF Modules`` =
  ``addin.udfs`` (the interpreter is written by ``install_addin``);
- its ribbon is replaced by ``macros/customUI14.xml`` (RibbonX 2009/07);
- its VBA project keeps the xlwings module (``PROJECT_NAME`` set to ``relance``,
  so it reads the ``relance.conf`` sheet), the ``Dictionary`` class and the two
  document modules, drops the template's demo ribbon module and gains every
  ``macros/*.bas`` module.

Nothing here needs Excel: the VBA project (``xl/vbaProject.bin``) is written
from source per [MS-OVBA] — source-only modules (``MODULEOFFSET`` 0, no
p-code), ``_VBA_PROJECT`` version 0xFFFF so that Excel ignores any cache and
compiles from source — inside a compound file per [MS-CFB] written below.
Same inputs give the same bytes: fixed zip timestamps, no clock, no random.

Reading the template's compound file uses ``olefile`` (pure Python).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from xml.sax.saxutils import escape


def _macros_dir() -> Path:
    """``macros/``: inside the installed package (``pip install .``), else at the top of the checkout."""
    installed = Path(str(files("addin") / "macros"))
    return installed if installed.is_dir() else Path(__file__).resolve().parent.parent / "macros"


MACROS_DIR = _macros_dir()
CUSTOM_UI = MACROS_DIR / "customUI14.xml"

ADDIN_NAME = "relance.xlam"
PROJECT_NAME = "Relance"  # the VBA project's name, seen in the VBA editor
CONF_PROJECT = "relance"  # xlwings' PROJECT_NAME: the sheet "relance.conf", ~/.relance/relance.conf
CONF_SHEET = CONF_PROJECT + ".conf"
TEMPLATE_CONF_SHEET = "_myaddin.conf"
TEMPLATE_RIBBON_MODULE = "RibbonMyAddin"
UDF_MODULES = "addin.udfs"

CUSTOM_UI_PART = "customUI/customUI14.xml"
REL_CUSTOM_UI = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
CUSTOM_UI_NS = "http://schemas.microsoft.com/office/2009/07/customui"
XLAM_MAIN_TYPE = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
VBA_PROJECT_TYPE = "application/vnd.ms-office.vbaProject"

# The keys of xlwings' configuration sheet, in the template's order (read by
# GetConfigFromSheet from A1 down to the first blank cell).
CONF_KEYS = (
    "Interpreter_Win",
    "Interpreter_Mac",
    "PYTHONPATH",
    "Conda Path",
    "Conda Env",
    "UDF Modules",
    "Debug UDFs",
    "Use UDF Server",
    "Show Console",
)
DEFAULT_CONF: dict[str, str | bool] = {
    "Interpreter_Win": "",
    "Interpreter_Mac": "",
    "PYTHONPATH": "",
    "Conda Path": "",
    "Conda Env": "",
    "UDF Modules": UDF_MODULES,
    "Debug UDFs": False,
    "Use UDF Server": False,
    "Show Console": False,
    # RunPython would put the workbook's folder on sys.path, mapping a synced workbook's URL
    # first (and failing in English when it cannot); Relance is installed, it needs no folder
    # on the path, and a register folder holding an addin.py must not shadow the package.
    "ADD_WORKBOOK_TO_PYTHONPATH": "false",
}

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class AddinBuildError(RuntimeError):
    """The add-in cannot be built from these inputs (message says what to fix)."""


def xlwings_dir() -> Path:
    import xlwings

    return Path(xlwings.__file__).resolve().parent


# ---------------------------------------------------------------------------
# MS-OVBA 2.4.1: compression
# ---------------------------------------------------------------------------

_CHUNK = 4096
_MAX_CANDIDATES = 64  # any valid match is correct; this only bounds the search time


def _copy_token_bits(difference: int) -> int:
    """Bits used by the offset of a CopyToken at ``difference`` bytes into the chunk (2.4.1.3.19.1)."""
    return max((difference - 1).bit_length(), 4)


def _compress_chunk(chunk: bytes) -> bytes:
    body = bytearray()
    positions: dict[bytes, list[int]] = {}
    n = len(chunk)
    i = 0

    def remember(upto: int, start: int) -> None:
        for p in range(start, upto):
            if p + 3 <= n:
                positions.setdefault(chunk[p : p + 3], []).append(p)

    while i < n:
        flag_at = len(body)
        body.append(0)
        flags = 0
        for bit in range(8):
            if i >= n:
                break
            best_len, best_pos = 0, -1
            bit_count = _copy_token_bits(i)
            max_len = min((0xFFFF >> bit_count) + 3, n - i)
            if max_len >= 3 and i > 0:
                for cand in reversed(positions.get(chunk[i : i + 3], ())[-_MAX_CANDIDATES:]):
                    length = 3
                    while length < max_len and chunk[cand + length] == chunk[i + length]:
                        length += 1
                    if length > best_len:
                        best_len, best_pos = length, cand
                        if length == max_len:
                            break
            if best_len >= 3:
                token = ((i - best_pos - 1) << (16 - bit_count)) | (best_len - 3)
                body += struct.pack("<H", token)
                flags |= 1 << bit
                remember(i + best_len, i)
                i += best_len
            else:
                body.append(chunk[i])
                remember(i + 1, i)
                i += 1
        body[flag_at] = flags
    if len(body) > _CHUNK:
        # 2.4.1.3.10: an incompressible chunk is stored raw, always 4096 bytes
        # (a short last chunk is padded with zeros, as the spec prescribes).
        return struct.pack("<H", 0x3FFF) + chunk.ljust(_CHUNK, b"\x00")
    return struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + bytes(body)


def compress(data: bytes) -> bytes:
    """Compress per [MS-OVBA] 2.4.1.3.6: signature byte 0x01, then 4096-byte chunks."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), _CHUNK):
        out += _compress_chunk(bytes(data[start : start + _CHUNK]))
    return bytes(out)


def has_raw_chunk(container: bytes) -> bool:
    """Whether a compressed container stores any chunk uncompressed (flag 0)."""
    pos = 1
    while pos < len(container):
        header = struct.unpack_from("<H", container, pos)[0]
        if not header & 0x8000:
            return True
        pos += (header & 0x0FFF) + 3
    return False


def decompress(container: bytes) -> bytes:
    """Decompress per [MS-OVBA] 2.4.1.3.1 (the inverse of :func:`compress`)."""
    if not container or container[0] != 1:
        raise ValueError("not an MS-OVBA compressed container (signature byte is not 0x01)")
    out = bytearray()
    pos = 1
    end = len(container)
    while pos < end:
        header = struct.unpack_from("<H", container, pos)[0]
        if (header >> 12) & 0b111 != 0b011:
            raise ValueError(f"bad chunk signature at byte {pos}")
        chunk_end = min(end, pos + (header & 0x0FFF) + 3)
        pos += 2
        chunk_start = len(out)
        if not header & 0x8000:
            out += container[pos : pos + _CHUNK]
            pos += _CHUNK
            continue
        while pos < chunk_end:
            flags = container[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not (flags >> bit) & 1:
                    out.append(container[pos])
                    pos += 1
                    continue
                token = struct.unpack_from("<H", container, pos)[0]
                pos += 2
                bit_count = _copy_token_bits(len(out) - chunk_start)
                length = (token & (0xFFFF >> bit_count)) + 3
                source = len(out) - ((token >> (16 - bit_count)) + 1)
                if source < chunk_start:
                    raise ValueError("copy token points before its chunk")
                for k in range(length):  # may overlap what it is writing
                    out.append(out[source + k])
    return bytes(out)


# ---------------------------------------------------------------------------
# MS-OVBA 2.3: the VBA project (dir, PROJECT, PROJECTwm, _VBA_PROJECT, modules)
# ---------------------------------------------------------------------------

# dir stream record ids (2.3.4.2)
_PROJECTNAME = 0x0004
_PROJECTCODEPAGE = 0x0003
_PROJECTVERSION = 0x0009
_PROJECTMODULES = 0x000F
_PROJECTCOOKIE = 0x0013
_DIR_TERMINATOR = 0x0010
_MODULENAME = 0x0019
_MODULENAMEUNICODE = 0x0047
_MODULESTREAMNAME = 0x001A
_MODULESTREAMNAMEUNICODE = 0x0032
_MODULEDOCSTRING = 0x001C
_MODULEDOCSTRINGUNICODE = 0x0048
_MODULEOFFSET = 0x0031
_MODULEHELPCONTEXT = 0x001E
_MODULECOOKIE = 0x002C
_MODULETYPE_PROCEDURAL = 0x0021
_MODULETYPE_OTHER = 0x0022  # document and class modules
_MODULE_TERMINATOR = 0x002B

# 2.3.4.1: Reserved1 0x61CC, Version 0xFFFF (caches ignored), Reserved2 0x00, Reserved3 0x0001.
VBA_PROJECT_STREAM = bytes.fromhex("cc61ffff000100")

Record = tuple[int, bytes]


def parse_records(data: bytes) -> list[Record]:
    """Split a decompressed dir stream into (id, payload) records."""
    records: list[Record] = []
    pos = 0
    while pos < len(data):
        rid, size = struct.unpack_from("<HI", data, pos)
        if rid == _PROJECTVERSION:  # Reserved field says 4, then 4 + 2 bytes follow
            size = 6
        records.append((rid, bytes(data[pos + 6 : pos + 6 + size])))
        pos += 6 + size
    return records


def serialize_records(records: list[Record]) -> bytes:
    out = bytearray()
    for rid, payload in records:
        size = 4 if rid == _PROJECTVERSION else len(payload)
        out += struct.pack("<HI", rid, size) + payload
    return bytes(out)


@dataclass
class VbaModule:
    """One module of the project: its name, kind and source (code-page bytes, CRLF)."""

    name: str
    kind: str  # "module" (.bas), "class" or "document"
    source: bytes
    records: list[Record] = field(default_factory=list)  # the dir records, from the template


def _module_records(module: VbaModule, codepage: str) -> list[Record]:
    if module.records:
        records = module.records
    else:
        name = module.name.encode(codepage)
        uname = module.name.encode("utf-16-le")
        mtype = _MODULETYPE_PROCEDURAL if module.kind == "module" else _MODULETYPE_OTHER
        records = [
            (_MODULENAME, name),
            (_MODULENAMEUNICODE, uname),
            (_MODULESTREAMNAME, name),
            (_MODULESTREAMNAMEUNICODE, uname),
            (_MODULEDOCSTRING, b""),
            (_MODULEDOCSTRINGUNICODE, b""),
            (_MODULEOFFSET, b""),
            (_MODULEHELPCONTEXT, struct.pack("<I", 0)),
            (_MODULECOOKIE, struct.pack("<H", 0xFFFF)),
            (mtype, b""),
            (_MODULE_TERMINATOR, b""),
        ]
    # Source only: the module stream starts with the compressed source.
    return [(rid, struct.pack("<I", 0) if rid == _MODULEOFFSET else data) for rid, data in records]



@dataclass
class VbaTemplate:
    """What we keep of the template project."""

    streams: dict[str, bytes]  # top-level: PROJECT, PROJECTwm
    head: list[Record]  # dir records before PROJECTMODULES (information + references)
    project_cookie: bytes
    modules: list[VbaModule]
    codepage: str


def read_vba_project(vba_bin: bytes) -> VbaTemplate:
    """Read a vbaProject.bin: project records and every module's source."""
    import olefile

    ole = olefile.OleFileIO(io.BytesIO(vba_bin))
    try:
        records = parse_records(decompress(ole.openstream("VBA/dir").read()))
        split = next(i for i, r in enumerate(records) if r[0] == _PROJECTMODULES)
        head, rest = records[:split], records[split:]
        codepage_id = struct.unpack("<H", dict(head)[_PROJECTCODEPAGE])[0]
        codepage = f"cp{codepage_id}"
        project_cookie = next(data for rid, data in rest if rid == _PROJECTCOOKIE)
        modules: list[VbaModule] = []
        current: list[Record] = []
        for rid, data in rest:
            if rid in (_PROJECTMODULES, _PROJECTCOOKIE, _DIR_TERMINATOR):
                continue
            current.append((rid, data))
            if rid == _MODULE_TERMINATOR:
                fields = dict(current)
                stream_name = fields[_MODULESTREAMNAME].decode(codepage)
                offset = struct.unpack("<I", fields[_MODULEOFFSET])[0]
                raw = ole.openstream(f"VBA/{stream_name}").read()
                source = decompress(raw[offset:])
                if _MODULETYPE_PROCEDURAL in fields:
                    kind = "module"
                elif b"VB_Base = \"0{000208" in source[:200]:  # Excel's Workbook/Worksheet classes
                    kind = "document"
                else:
                    kind = "class"
                modules.append(VbaModule(fields[_MODULENAME].decode(codepage), kind, source, current))
                current = []
        streams = {name: ole.openstream(name).read() for name in ("PROJECT", "PROJECTwm")}
    finally:
        ole.close()
    return VbaTemplate(streams, head, project_cookie, modules, codepage)


def _project_stream(template_text: str, modules: list[VbaModule], project_name: str) -> str:
    """Rewrite the PROJECT stream (2.3.1): module list, project name, workspace."""
    kinds = {"module": "Module={0}", "class": "Class={0}", "document": "Document={0}/&H00000000"}
    module_lines = [kinds[m.kind].format(m.name) for m in modules]
    out: list[str] = []
    inserted = False
    in_workspace = False
    for line in template_text.split("\r\n"):
        if in_workspace:
            continue
        if re.match(r"^(Document|Module|Class|BaseClass|Package)=", line):
            if not inserted:
                out.extend(module_lines)
                inserted = True
            continue
        if line.startswith("Name="):
            line = f'Name="{project_name}"'
        if line == "[Workspace]":
            in_workspace = True
            out.append(line)
            out.extend(f"{m.name}=0, 0, 0, 0, C" for m in modules)
            continue
        out.append(line)
    if not inserted:
        raise AddinBuildError("the template's PROJECT stream lists no module")
    text = "\r\n".join(out)
    return text if text.endswith("\r\n") else text + "\r\n"


def build_vba_project(template: VbaTemplate, modules: list[VbaModule], project_name: str) -> bytes:
    """The vbaProject.bin compound file for ``modules`` over the template's references."""
    cp = template.codepage
    head = [(rid, project_name.encode(cp) if rid == _PROJECTNAME else data) for rid, data in template.head]
    records = head + [
        (_PROJECTMODULES, struct.pack("<H", len(modules))),
        (_PROJECTCOOKIE, template.project_cookie),
    ]
    for module in modules:
        records += _module_records(module, cp)
    records.append((_DIR_TERMINATOR, b""))

    vba: dict[str, bytes | dict] = {
        "_VBA_PROJECT": VBA_PROJECT_STREAM,
        "dir": compress(serialize_records(records)),
    }
    for module in modules:
        stream_name = dict(_module_records(module, cp))[_MODULESTREAMNAME].decode(cp)
        vba[stream_name] = compress(module.source)
        if has_raw_chunk(vba[stream_name]):
            # Legal per the spec, but Excel is reported to drop such a module
            # silently; VBA source always compresses, so refuse rather than ship it.
            raise AddinBuildError(f"module {module.name}: source does not compress (binary data?)")
    project = _project_stream(template.streams["PROJECT"].decode(cp), modules, project_name)
    wm = b"".join(m.name.encode(cp) + b"\0" + m.name.encode("utf-16-le") + b"\0\0" for m in modules) + b"\0\0"
    return write_cfb({"PROJECT": project.encode(cp), "PROJECTwm": wm, "VBA": vba})


# ---------------------------------------------------------------------------
# MS-CFB: a minimal compound file writer (version 3, 512-byte sectors)
# ---------------------------------------------------------------------------

_SECTOR = 512
_MINI = 64
_MINI_CUTOFF = 4096
_FREESECT = 0xFFFFFFFF
_ENDOFCHAIN = 0xFFFFFFFE
_FATSECT = 0xFFFFFFFD
_NOSTREAM = 0xFFFFFFFF


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list[int] = field(default_factory=list)
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    black: bool = True
    start: int = _ENDOFCHAIN
    size: int = 0


def _cfb_key(name: str) -> tuple[int, str]:
    """Sibling order of [MS-CFB] 2.6.4: shorter names first, then case-insensitive."""
    return (len(name), name.upper())


def _link_siblings(entries: list[_Entry], ids: list[int]) -> int:
    """Arrange siblings as a balanced red-black tree; returns the root's id.

    Splitting at the middle keeps every leaf at depth h or h-1; painting the
    nodes of the deepest level red (all others black) gives every path the
    same number of black nodes.
    """
    ids = sorted(ids, key=lambda i: _cfb_key(entries[i].name))
    depth: dict[int, int] = {}

    def build(lo: int, hi: int, d: int) -> int:
        if lo >= hi:
            return _NOSTREAM
        mid = (lo + hi) // 2
        node = ids[mid]
        depth[node] = d
        entries[node].left = build(lo, mid, d + 1)
        entries[node].right = build(mid + 1, hi, d + 1)
        return node

    root = build(0, len(ids), 0)
    deepest = max(depth.values(), default=0)
    for node, d in depth.items():
        entries[node].black = not (d == deepest and d > 0)
    return root


def write_cfb(tree: dict) -> bytes:
    """Write a compound file from ``{name: bytes | {name: ...}}`` (storages as dicts)."""
    entries: list[_Entry] = [_Entry("Root Entry", 5)]

    def add(parent: int, node: dict) -> None:
        for name, value in node.items():
            if len(name) > 31:
                raise ValueError(f"compound file name too long: {name}")
            index = len(entries)
            if isinstance(value, dict):
                entries.append(_Entry(name, 1))
                add(index, value)
            else:
                entries.append(_Entry(name, 2, bytes(value)))
            entries[parent].children.append(index)
        entries[parent].child = _link_siblings(entries, entries[parent].children) if entries[parent].children else _NOSTREAM

    add(0, tree)

    # Small streams go to the mini stream, 64-byte sectors chained in the mini FAT.
    ministream = bytearray()
    minifat: list[int] = []
    big: list[_Entry] = []
    for e in entries:
        if e.kind != 2:
            continue
        e.size = len(e.data)
        if not e.data:
            e.start = _ENDOFCHAIN
        elif e.size < _MINI_CUTOFF:
            e.start = len(minifat)
            count = -(-e.size // _MINI)
            minifat += [e.start + k + 1 for k in range(count - 1)] + [_ENDOFCHAIN]
            ministream += e.data.ljust(count * _MINI, b"\0")
        else:
            big.append(e)

    def sectors(n_bytes: int) -> int:
        return -(-n_bytes // _SECTOR)

    n_dir = sectors(len(entries) * 128)
    n_minifat = sectors(len(minifat) * 4)
    n_mini = sectors(len(ministream))
    n_big = sum(sectors(e.size) for e in big)
    n_fat = 1
    while n_fat * 128 < n_fat + n_dir + n_minifat + n_mini + n_big:
        n_fat += 1
    if n_fat > 109:
        raise ValueError("compound file too large for this writer (no DIFAT sectors)")

    fat: list[int] = [_FATSECT] * n_fat
    body = bytearray()

    def place(data: bytes, count: int) -> int:
        if count == 0:
            return _ENDOFCHAIN
        first = len(fat)
        fat.extend(first + k + 1 for k in range(count - 1))
        fat.append(_ENDOFCHAIN)
        body.extend(data.ljust(count * _SECTOR, b"\0"))
        return first

    dir_at = len(fat)
    fat.extend([0] * n_dir)  # reserved now, filled when the entries are final
    body.extend(b"\0" * (n_dir * _SECTOR))
    minifat_at = place(b"".join(struct.pack("<I", x) for x in minifat), n_minifat)
    root = entries[0]
    root.start = place(bytes(ministream), n_mini)
    root.size = len(ministream)
    for e in big:
        e.start = place(e.data, sectors(e.size))
    for k in range(n_dir):
        fat[dir_at + k] = dir_at + k + 1 if k < n_dir - 1 else _ENDOFCHAIN

    directory = bytearray()
    for e in entries:
        name = e.name.encode("utf-16-le")
        start = 0 if e.kind == 1 else e.start
        directory += struct.pack(
            "<64sHBBIII16sIQQIQ",
            name + b"\0\0",
            len(name) + 2,
            e.kind,
            1 if e.black else 0,
            e.left,
            e.right,
            e.child,
            b"\0" * 16,
            0,
            0,
            0,
            start,
            e.size,
        )
    while len(directory) % _SECTOR:
        directory += struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM, b"\0" * 16, 0, 0, 0, 0, 0)
    dir_offset = (dir_at - n_fat) * _SECTOR
    body[dir_offset : dir_offset + len(directory)] = directory

    fat += [_FREESECT] * (n_fat * 128 - len(fat))
    fat_bytes = b"".join(struct.pack("<I", x) for x in fat)
    difat = list(range(n_fat)) + [_FREESECT] * (109 - n_fat)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        bytes.fromhex("d0cf11e0a1b11ae1"),
        b"\0" * 16,
        0x003E,
        0x0003,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,
        n_fat,
        dir_at,
        0,
        _MINI_CUTOFF,
        minifat_at,
        n_minifat,
        _ENDOFCHAIN,
        0,
    ) + b"".join(struct.pack("<I", x) for x in difat)
    assert len(header) == _SECTOR
    return header + fat_bytes + bytes(body)


# ---------------------------------------------------------------------------
# Our VBA modules and the configuration sheet
# ---------------------------------------------------------------------------


def module_name(source: bytes) -> str:
    match = re.match(rb'Attribute VB_Name = "([A-Za-z][A-Za-z0-9_]*)"\r\n', source)
    if not match:
        raise AddinBuildError("a .bas module must start with its Attribute VB_Name line (CRLF)")
    return match.group(1).decode("ascii")


def our_modules(macros_dir: Path = MACROS_DIR, codepage: str = "cp1252") -> list[VbaModule]:
    """The ``macros/*.bas`` modules, in name order, checked for what Excel needs."""
    modules = []
    for path in sorted(macros_dir.glob("*.bas")):
        source = path.read_bytes()
        if b"\n" in source.replace(b"\r\n", b""):
            raise AddinBuildError(f"{path.name}: lines must end with CRLF, as the VBA editor writes them")
        source.decode(codepage)  # raises if a character cannot be stored
        modules.append(VbaModule(module_name(source), "module", source))
    if not modules:
        raise AddinBuildError(f"no .bas module in {macros_dir}")
    return modules


def xlwings_module_source(xlwings_path: Path | None = None) -> bytes:
    """xlwings' VBA module for custom add-ins, reading its settings from ``relance.conf``."""
    path = xlwings_path or xlwings_dir() / "xlwings_custom_addin.bas"
    source = path.read_bytes()
    line = b'Public Const PROJECT_NAME As String = "myaddin"'
    if source.count(line) != 1:
        raise AddinBuildError(f"{path}: cannot find the PROJECT_NAME line to rename the add-in")
    return source.replace(line, f'Public Const PROJECT_NAME As String = "{CONF_PROJECT}"'.encode())


_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def conf_parts(sheet_xml: str, conf: dict[str, str | bool]) -> tuple[str, str]:
    """The configuration sheet and shared strings holding ``conf`` (keys in CONF_KEYS order).

    Returns (sheet xml, sharedStrings xml). Keys go in column A from A1 down
    with no gap (xlwings reads down to the first blank), values in column B.
    """
    strings: list[str] = []

    def sst(text: str) -> int:
        if text not in strings:
            strings.append(text)
        return strings.index(text)

    uses = 0
    rows = []
    keys = list(CONF_KEYS) + [k for k in conf if k not in CONF_KEYS]
    for r, key in enumerate(keys, start=1):
        value = conf.get(key, DEFAULT_CONF.get(key, ""))
        cells = f'<c r="A{r}" s="1" t="s"><v>{sst(key)}</v></c>'
        uses += 1
        if isinstance(value, bool):
            cells += f'<c r="B{r}" s="1" t="b"><v>{int(value)}</v></c>'
        elif value != "":
            cells += f'<c r="B{r}" s="1" t="s"><v>{sst(str(value))}</v></c>'
            uses += 1
        rows.append(f'<row r="{r}" spans="1:2">{cells}</row>')
    sheet_data = "<sheetData>" + "".join(rows) + "</sheetData>"
    new_sheet, n = re.subn(r"<sheetData>.*</sheetData>|<sheetData\s*/>", sheet_data, sheet_xml, flags=re.S)
    if n != 1:
        raise AddinBuildError("the configuration sheet has no sheetData element")
    new_sheet = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:B{len(keys)}" />', new_sheet)
    items = "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings)
    shared = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<sst xmlns="{_NS_MAIN}" count="{uses}" uniqueCount="{len(strings)}">{items}</sst>'
    )
    return new_sheet, shared


def read_conf(xlam: Path | bytes) -> dict[str, str | bool]:
    """The key → value pairs of the add-in's ``relance.conf`` sheet."""
    from xml.etree import ElementTree as ET

    data = xlam.read_bytes() if isinstance(xlam, Path) else xlam
    ns = {"m": _NS_MAIN}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        strings = [
            "".join(t.text or "" for t in si.iter(f"{{{_NS_MAIN}}}t"))
            for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns)
        ]
        sheet = ET.fromstring(z.read(_conf_sheet_part(z)))
    conf: dict[str, str | bool] = {}
    for row in sheet.iter(f"{{{_NS_MAIN}}}row"):
        values: dict[str, str | bool] = {}
        for c in row.findall("m:c", ns):
            v = c.find("m:v", ns)
            text = "" if v is None else (v.text or "")
            col = re.match(r"[A-Z]+", c.get("r", "")).group(0)
            kind = c.get("t")
            values[col] = strings[int(text)] if kind == "s" else (text == "1") if kind == "b" else text
        if "A" in values:
            conf[str(values["A"])] = values.get("B", "")
    return conf


def _conf_sheet_part(z: zipfile.ZipFile) -> str:
    workbook = z.read("xl/workbook.xml").decode("utf-8")
    match = re.search(rf'<sheet name="{re.escape(CONF_SHEET)}"[^>]*r:id="([^"]+)"', workbook)
    if not match:
        raise AddinBuildError(f"the add-in has no {CONF_SHEET} sheet")
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    target = re.search(rf'<Relationship Id="{match.group(1)}"[^>]*Target="([^"]+)"', rels)
    if not target:
        target = re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{match.group(1)}"', rels)
    return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")


def with_conf(xlam: bytes, updates: dict[str, str | bool]) -> bytes:
    """The same add-in with ``updates`` written into its configuration sheet."""
    with zipfile.ZipFile(io.BytesIO(xlam)) as z:
        parts = {info.filename: z.read(info) for info in z.infolist()}
        part = _conf_sheet_part(z)
    conf = read_conf(xlam) | updates
    sheet, shared = conf_parts(parts[part].decode("utf-8"), conf)
    parts[part] = sheet.encode("utf-8")
    parts["xl/sharedStrings.xml"] = shared.encode("utf-8")
    return zip_parts(parts)


# ---------------------------------------------------------------------------
# The package
# ---------------------------------------------------------------------------


def zip_parts(parts: dict[str, bytes]) -> bytes:
    """A zip of ``parts`` in the given order with fixed timestamps (same input, same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            z.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


def _replace_once(text: str, old: str, new: str, what: str) -> str:
    if text.count(old) != 1:
        raise AddinBuildError(f"xlwings template changed: cannot find {what}")
    return text.replace(old, new)


_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml" />'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml" />'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml" />'
    f'<Relationship Id="rIdRelanceUI" Type="{REL_CUSTOM_UI}" Target="{CUSTOM_UI_PART}" />'
    "</Relationships>"
)


def addin_parts(
    template: Path | None = None,
    macros_dir: Path = MACROS_DIR,
    custom_ui: Path | None = None,
    xlwings_bas: Path | None = None,
) -> dict[str, bytes]:
    """Every part of relance.xlam, in package order."""
    template = template or xlwings_dir() / "quickstart_addin_ribbon.xlam"
    custom_ui = custom_ui or macros_dir / "customUI14.xml"
    with zipfile.ZipFile(template) as z:
        source = {info.filename: z.read(info) for info in z.infolist()}

    vba = read_vba_project(source["xl/vbaProject.bin"])
    modules = []
    for module in vba.modules:
        if module.name == TEMPLATE_RIBBON_MODULE:
            continue
        if module.name == "xlwings":
            module.source = xlwings_module_source(xlwings_bas)
        modules.append(module)
    ours = our_modules(macros_dir, vba.codepage)
    clash = {m.name.lower() for m in modules} & {m.name.lower() for m in ours}
    if clash:
        raise AddinBuildError(f"module name already used by the template: {', '.join(sorted(clash))}")
    modules += ours

    types = source["[Content_Types].xml"].decode("utf-8")
    types = _replace_once(
        types, "</Types>",
        f'<Override PartName="/{CUSTOM_UI_PART}" ContentType="application/xml" /></Types>', "</Types>",
    )
    workbook = source["xl/workbook.xml"].decode("utf-8")
    workbook = _replace_once(workbook, f'name="{TEMPLATE_CONF_SHEET}"', f'name="{CONF_SHEET}"', "the conf sheet")
    # The template remembers the folder it was last saved in on its author's machine.
    workbook = re.sub(r"<mc:AlternateContent\b.*?</mc:AlternateContent>", "", workbook, flags=re.S)
    core = source["docProps/core.xml"].decode("utf-8")
    core = re.sub(r"<dc:title\s*/>", "<dc:title>Relance</dc:title>", core)
    core = re.sub(r"<dc:creator>[^<]*</dc:creator>", "<dc:creator>Relance</dc:creator>", core)
    core = re.sub(r"<cp:lastModifiedBy>[^<]*</cp:lastModifiedBy>", "<cp:lastModifiedBy>Relance</cp:lastModifiedBy>", core)

    parts: dict[str, bytes] = {}
    for name, data in source.items():
        if name.startswith("customUI/"):
            continue  # the template's demo ribbon
        parts[name] = data
    parts["[Content_Types].xml"] = types.encode("utf-8")
    parts["_rels/.rels"] = _ROOT_RELS.encode("utf-8")
    parts["docProps/core.xml"] = core.encode("utf-8")
    parts["xl/workbook.xml"] = workbook.encode("utf-8")
    parts["xl/vbaProject.bin"] = build_vba_project(vba, modules, PROJECT_NAME)
    parts[CUSTOM_UI_PART] = custom_ui.read_bytes()

    zipped = zip_parts(parts)
    with zipfile.ZipFile(io.BytesIO(zipped)) as z:
        sheet_part = _conf_sheet_part(z)
    sheet, shared = conf_parts(parts[sheet_part].decode("utf-8"), dict(DEFAULT_CONF))
    parts[sheet_part] = sheet.encode("utf-8")
    parts["xl/sharedStrings.xml"] = shared.encode("utf-8")
    return parts


def build_addin(out: Path) -> Path:
    """Write relance.xlam to ``out`` (a file, or a folder to hold relance.xlam); returns its path."""
    out = Path(out)
    if out.is_dir():
        out = out / ADDIN_NAME
    data = zip_parts(addin_parts())
    out.parent.mkdir(parents=True, exist_ok=True)
    write_replacing(out, data)
    return out


def write_replacing(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file beside it, removed on any failure.

    Excel opens every file of its start-up folder (XLSTART), whatever its name: a
    ``relance.xlam.tmp`` left there by a failed install would open at each start.
    """
    tmp = target.with_name(target.name + ".tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
