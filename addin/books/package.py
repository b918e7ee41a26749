"""An Open Packaging (OPC) zip edited part by part: what is not edited is copied byte for byte.

An .xlsx/.xlsm is a zip of *parts* tied together by relationship parts
(``dir/_rels/name.rels``) and typed by ``[Content_Types].xml``. Relance edits a few
parts of a workbook (the sheets it writes, the workbook part, the styles) and copies
every other one unchanged, so that nothing it does not understand — shapes, form
controls, slicers, pivot tables, chart extensions, cached formula results, custom
properties — can be lost (ECMA-376 Part 2, Open Packaging Conventions).

``Package`` keeps the original entry order, so the same edits of the same file give
the same bytes; ``to_bytes`` drops the parts an edit left unreachable (a regenerated
sheet's old drawing, the calculation chain) and fixes the content types.
"""

from __future__ import annotations

import io
import posixpath
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from lxml import etree

NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
CONTENT_TYPES = "[Content_Types].xml"
ROOT_RELS = "_rels/.rels"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_PARSER = etree.XMLParser(remove_blank_text=False, resolve_entities=False, huge_tree=True)


def parse_xml(data: bytes) -> etree._Element:
    """Parse a part (no entity expansion, no network: parts come from user files)."""
    return etree.fromstring(data, _PARSER)


def to_xml(root: etree._Element) -> bytes:
    """A part's XML; what came before (or after) its root element — comments, processing
    instructions — is kept: a rewritten part loses nothing but what was changed."""
    if root.getparent() is None and (root.getprevious() is not None or root.getnext() is not None):
        return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8", standalone=True)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


@dataclass(frozen=True)
class Rel:
    id: str
    type: str  # the full relationship type URI
    target: str  # absolute part name (no leading "/"), or the raw target when external
    external: bool = False

    @property
    def kind(self) -> str:
        """The last segment of the type: "worksheet", "drawing", "comments"…"""
        return self.type.rsplit("/", 1)[-1]


def rels_name(part: str) -> str:
    """``xl/worksheets/sheet1.xml`` → ``xl/worksheets/_rels/sheet1.xml.rels``."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source: str, target: str) -> str:
    """A relationship target as an absolute part name, relative to its source part."""
    if target.startswith("/"):
        return target.lstrip("/")
    folder = posixpath.dirname(source)
    return posixpath.normpath(posixpath.join(folder, target))


def relative(source: str, part: str) -> str:
    """The target to write in ``source``'s relationships for ``part``."""
    return posixpath.relpath(part, posixpath.dirname(source) or ".")


class Package:
    """A package opened for part-level edits. Reads are lazy; writes stay in memory."""

    def __init__(self, source):
        if isinstance(source, (bytes, bytearray)):
            source = io.BytesIO(source)
        self._zip = zipfile.ZipFile(source)
        self.order = [i.filename for i in self._zip.infolist() if not i.filename.endswith("/")]
        self._original = set(self.order)
        # Part names compare without case (OPC §9.1.1.3): "/xl/sharedStrings.xml" in the content
        # types or a relationship names the entry "xl/SharedStrings.xml".
        self._cased = {n.lower(): n for n in self.order}
        self._changed: dict[str, bytes | Deflated] = {}
        self._removed: set[str] = set()

    @classmethod
    def open(cls, path: Path) -> "Package":
        return cls(Path(path).read_bytes())

    def close(self) -> None:
        self._zip.close()

    # -- parts ----------------------------------------------------------------------------

    def _entry(self, name: str) -> str:
        """The entry's own spelling of the part ``name`` (compared without case)."""
        if name in self._original or name in self._changed:
            return name
        return self._cased.get(name.lower(), name)

    def exists(self, name: str) -> bool:
        name = self._entry(name)
        return name in self._changed or (name in self._original and name not in self._removed)

    def names(self) -> list[str]:
        kept = [n for n in self.order if self.exists(n)]
        return kept + sorted(n for n in self._changed if n not in self._original)

    def read(self, name: str) -> bytes:
        name = self._entry(name)
        if name in self._changed:
            data = self._changed[name]
            return zlib.decompress(b"".join(data.chunks), -15) if isinstance(data, Deflated) else data
        if name in self._removed or name not in self._original:
            raise KeyError(name)
        return self._zip.read(name)

    def original(self, name: str) -> bytes | None:
        """The part as the file had it (``None`` when it had none)."""
        name = self._entry(name)
        return self._zip.read(name) if name in self._original else None

    def write(self, name: str, data: bytes) -> None:
        name = self._entry(name)
        self._removed.discard(name)
        self._changed[name] = bytes(data)

    def stream(self, name: str, size: int = 1 << 22) -> Iterator[bytes]:
        """The part as the file has it, in chunks of ``size`` bytes inflated as they are read
        (a sheet of a million rows is never whole in memory)."""
        name = self._entry(name)
        if name in self._changed or name in self._removed or name not in self._original:
            yield self.read(name)
            return
        with self._zip.open(name) as part:
            while chunk := part.read(size):
                yield chunk

    def write_stream(self, name: str, chunks: Iterable[bytes]) -> None:
        """Write a part from ``chunks``, deflated at ``CHANGED_LEVEL`` as they come: only the
        compressed part is kept, never the whole XML."""
        deflate = zlib.compressobj(CHANGED_LEVEL, zlib.DEFLATED, -15)
        out = []
        crc = size = 0
        for chunk in chunks:
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
            out.append(deflate.compress(chunk))
        out.append(deflate.flush())
        name = self._entry(name)
        self._removed.discard(name)
        self._changed[name] = Deflated(tuple(c for c in out if c), crc, size)

    def remove(self, name: str) -> None:
        name = self._entry(name)
        self._changed.pop(name, None)
        if name in self._original:
            self._removed.add(name)

    def is_changed(self, name: str) -> bool:
        name = self._entry(name)
        return name in self._changed or name in self._removed

    def free_name(self, pattern: str) -> str:
        """The lowest-numbered unused part name for ``pattern`` (``xl/charts/chart{}.xml``)."""
        taken = {x.lower() for x in self.names()}
        n = 1
        while pattern.format(n).lower() in taken:
            n += 1
        return pattern.format(n)

    # -- relationships --------------------------------------------------------------------

    def rels(self, part: str) -> list[Rel]:
        """``part``'s relationships (``""`` for the package's own)."""
        name = ROOT_RELS if part == "" else rels_name(part)
        if not self.exists(name):
            return []
        out = []
        for el in parse_xml(self.read(name)).iter(f"{{{NS_PKG_REL}}}Relationship"):
            external = el.get("TargetMode") == "External"
            target = el.get("Target", "")
            out.append(Rel(el.get("Id", ""), el.get("Type", ""), target if external else resolve(part, target),
                           external))
        return out

    def set_rels(self, part: str, rels: list[Rel]) -> None:
        """Write ``part``'s relationships part (removed when empty)."""
        name = rels_name(part)
        if not rels:
            self.remove(name)
            return
        root = etree.Element(f"{{{NS_PKG_REL}}}Relationships", nsmap={None: NS_PKG_REL})
        for rel in rels:
            el = etree.SubElement(root, f"{{{NS_PKG_REL}}}Relationship")
            el.set("Id", rel.id)
            el.set("Type", rel.type)
            el.set("Target", rel.target if rel.external else relative(part, rel.target))
            if rel.external:
                el.set("TargetMode", "External")
        self.write(name, to_xml(root))

    def add_rel(self, part: str, rel_type: str, target: str) -> str:
        """Add a relationship from ``part`` to ``target``; returns its new Id.

        The relationships part is edited in place, so the others keep their bytes.
        """
        name = rels_name(part)
        if self.exists(name):
            root = parse_xml(self.read(name))
        else:
            root = etree.Element(f"{{{NS_PKG_REL}}}Relationships", nsmap={None: NS_PKG_REL})
        used = {el.get("Id") for el in root}
        n = 1
        while f"rId{n}" in used:
            n += 1
        el = etree.SubElement(root, f"{{{NS_PKG_REL}}}Relationship")
        el.set("Id", f"rId{n}")
        el.set("Type", rel_type)
        el.set("Target", relative(part, target))
        self.write(name, to_xml(root))
        return f"rId{n}"

    def remove_rel(self, part: str, rel_id: str) -> None:
        name = rels_name(part)
        if not self.exists(name):
            return
        root = parse_xml(self.read(name))
        for el in list(root):
            if el.get("Id") == rel_id:
                root.remove(el)
        self.write(name, to_xml(root))

    def reachable(self) -> set[str]:
        """Every part reachable from the package relationships (rels parts included)."""
        seen: set[str] = set()
        todo = [""]
        while todo:
            part = todo.pop()
            rels_part = ROOT_RELS if part == "" else rels_name(part)
            if self.exists(rels_part):
                seen.add(rels_part)
            for rel in self.rels(part):
                if not rel.external and rel.target not in seen and self.exists(rel.target):
                    seen.add(rel.target)
                    todo.append(rel.target)
        return seen

    # -- content types --------------------------------------------------------------------

    def _fix_content_types(self, new_types: dict[str, str]) -> None:
        """Drop overrides of parts that are gone; declare the new parts' types."""
        root = parse_xml(self.read(CONTENT_TYPES))
        defaults = {el.get("Extension", "").lower() for el in root if el.tag == f"{{{NS_CT}}}Default"}
        changed = False
        declared = set()
        for el in list(root):
            if el.tag == f"{{{NS_CT}}}Override":
                part = el.get("PartName", "").lstrip("/")
                if not self.exists(part):
                    root.remove(el)
                    changed = True
                else:
                    declared.add(part.lower())
        for part, content_type in sorted(new_types.items()):
            if not self.exists(part) or part.lower() in declared:
                continue
            ext = part.rsplit(".", 1)[-1].lower()
            if ext == "vml":
                if ext not in defaults:
                    el = etree.Element(f"{{{NS_CT}}}Default")
                    el.set("Extension", "vml")
                    el.set("ContentType", content_type)
                    root.insert(0, el)
                    defaults.add(ext)
                    changed = True
                continue
            el = etree.SubElement(root, f"{{{NS_CT}}}Override")
            el.set("PartName", "/" + part)
            el.set("ContentType", content_type)
            changed = True
        if changed:
            self.write(CONTENT_TYPES, to_xml(root))

    def content_type(self, part: str) -> str:
        root = parse_xml(self.read(CONTENT_TYPES))
        for el in root:
            if el.tag == f"{{{NS_CT}}}Override" and el.get("PartName", "").lstrip("/").lower() == part.lower():
                return el.get("ContentType", "")
        ext = part.rsplit(".", 1)[-1].lower()
        for el in root:
            if el.tag == f"{{{NS_CT}}}Default" and el.get("Extension", "").lower() == ext:
                return el.get("ContentType", "")
        return ""

    # -- writing --------------------------------------------------------------------------

    def collect_garbage(self, reachable_before: set[str]) -> list[str]:
        """Remove the parts an edit left unreachable (only those that were reachable)."""
        now = self.reachable()
        gone = sorted(n for n in reachable_before if self.exists(n) and n not in now)
        for name in gone:
            self.remove(name)
        return gone

    def to_bytes(self, new_types: dict[str, str] | None = None) -> bytes:
        """The package as deterministic zip bytes: original order, fixed dates and modes.

        A part the edits did not change is copied as its compressed bytes (``_copy_raw``:
        no inflate, no deflate, its CRC checked); a changed or new part is deflated at
        ``CHANGED_LEVEL``.
        """
        self._fix_content_types(new_types or {})
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as dst:
            names = self.names()
            # [Content_Types].xml first, as Office writes it (some readers expect it).
            names.sort(key=lambda n: n != CONTENT_TYPES)
            for name in names:
                info = _entry(name)
                changed = self._changed.get(name)
                if changed is None and _copy_raw(self._zip, name, dst, info):
                    continue
                if isinstance(changed, Deflated):
                    _write_raw(dst, info, zipfile.ZIP_DEFLATED, changed.chunks, changed.crc, changed.size)
                    continue
                info.compress_type = zipfile.ZIP_DEFLATED
                dst.writestr(info, self.read(name), compresslevel=CHANGED_LEVEL)
        return out.getvalue()


@dataclass(frozen=True)
class Deflated:
    """A part written from a stream (``Package.write_stream``): its deflated bytes (in the chunks
    they came in: never joined), CRC and size."""

    chunks: tuple[bytes, ...]
    crc: int
    size: int


# zlib level of the parts an edit changed. Level 1 deflates the 100,000-row Factures sheet
# about 4 times faster than level 6 for an output about 15 % larger (README « Performance »).
CHANGED_LEVEL = 1
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile's structFileHeader: 30 bytes
_RAW_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


def _entry(name: str) -> zipfile.ZipInfo:
    """A zip entry with the package's fixed date and mode (deterministic bytes)."""
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.external_attr = 0o600 << 16
    info.create_system = 0
    return info


def _copy_raw(src: zipfile.ZipFile, name: str, dst: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Copy ``name`` from ``src`` to ``dst`` as its compressed bytes, under ``info``'s date
    and mode; ``False`` (nothing written) when it cannot be copied so: encrypted, an
    unusual compression method, or a local header that does not match the directory.

    The part is neither inflated nor deflated: its bytes, CRC and sizes are the original
    file's (a part Relance did not change is not checked again; ``safety`` compares what
    the saved file holds with the original). ``zipfile`` has no public call for this: the
    entry is written as ``ZipFile.writestr`` writes one (local header from
    ``ZipInfo.FileHeader``, data, then the entry in the central directory at ``close``).
    """
    try:
        original = src.getinfo(name)
    except KeyError:
        return False
    fp = src.fp
    if fp is None or original.flag_bits & 0x1 or original.compress_type not in _RAW_METHODS:
        return False
    fp.seek(original.header_offset)
    header = fp.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != zipfile.stringFileHeader:
        return False
    fields = _LOCAL_HEADER.unpack(header)
    fp.seek(fields[10] + fields[11], 1)  # past the local name and extra field
    raw = fp.read(original.compress_size)
    if len(raw) != original.compress_size:
        return False
    _write_raw(dst, info, original.compress_type, (raw,), original.CRC, original.file_size)
    return True


def _write_raw(dst: zipfile.ZipFile, info: zipfile.ZipInfo, method: int, raw: tuple[bytes, ...], crc: int,
               size: int) -> None:
    """Write an entry whose compressed bytes are the chunks ``raw`` (``method``), as
    ``ZipFile.writestr`` writes one: local header from ``ZipInfo.FileHeader``, the data, the
    directory entry at close."""
    info.compress_type = method
    info.CRC = crc
    info.compress_size = sum(map(len, raw))
    info.file_size = size
    info.flag_bits = 0
    out = dst.fp
    info.header_offset = out.tell()
    out.write(info.FileHeader(None))
    for chunk in raw:
        out.write(chunk)
    dst.start_dir = out.tell()  # where the next entry, or the central directory, goes
    dst.filelist.append(info)
    dst.NameToInfo[info.filename] = info
