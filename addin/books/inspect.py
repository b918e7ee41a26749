"""What a workbook file must be before Relance reads a byte of its content: checked on open.

A workbook is a zip of parts (ECMA-376 Part 2). Before any part is inflated or parsed,
``check_package`` refuses, in one French sentence saying what to do, a file that:

- is not a zip at all: an old ``.xls``, or a workbook encrypted with a password (both
  are OLE2 compound files), or anything else;
- holds two entries with the same name (part names compare without case, OPC §9.1.1.3),
  or an entry named outside the package (``../``, ``/``, ``\\``, a drive letter);
- would inflate beyond a sane bound — a *zip bomb* (``MAX_RATIO``, ``RATIO_FROM``, ``PACKAGE_RATIO``,
  ``MAX_PART``, ``MAX_TOTAL``): the sizes the zip's central directory declares are
  checked first, then every entry is inflated once in a streaming pass, a chunk at a
  time, and refused as soon as it yields more than it declared or its CRC differs
  (the part readers then trust the declared sizes);
- uses another compression than deflate, or zip encryption;
- is a Strict Open XML workbook (ISO/IEC 29500 *strict*): Relance reads the ordinary
  (transitional) form every spreadsheet program writes by default;
- carries a digital signature (``_xmlsignatures``): any change by Relance would break it,
  so the file is refused rather than edited (the user removes the signature, or works
  on an unsigned copy);
- has a DOCTYPE in one of its XML parts (Excel never writes one; entities are never
  expanded either way, but calamine refuses such a part with an unhelpful message).
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from io import BytesIO
from typing import Callable

from addin.books.base import BookError

# A part above RATIO_FROM bytes may inflate at most MAX_RATIO times its compressed size;
# real registers inflate about 8 times (measured: 7.5 to 9.2 on the benchmark's sheets); a bomb,
# a thousand times.
MAX_RATIO = 100
RATIO_FROM = 1 << 20  # 1 MiB: small parts (a VML drawing inflates 20 times) are not ratio-checked
MAX_PART = 1 << 30  # 1 GiB for one part
# The package as a whole inflates at most PACKAGE_RATIO times its file size (past PACKAGE_FLOOR):
# a refresh holds up to 7 times what it inflates (measured: 128 MiB of dense numeric cells added
# to Factures, 930 MB peak; 156 MB of comments, 830 MB), so a file under 10 MB stays under
# 1 GiB; a real register inflates 8 to 9 times.
PACKAGE_RATIO = 12
PACKAGE_FLOOR = 128 << 20  # 128 MiB: small files of any ratio
MAX_TOTAL = 2 << 30  # 2 GiB for the package (a million-row register inflates to about 1 GB)

STRICT_OFFICE_DOCUMENT = "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"
REL_SIGNATURE_ORIGIN = "http://schemas.openxmlformats.org/package/2006/relationships/digital-signature/origin"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 1 << 20
_UNSAFE_NAME = re.compile(r"(^|/)\.\.(/|$)|^/|\\|^[A-Za-z]:|\x00")


def _mib(size: int) -> str:
    return f"{size / (1 << 20):,.0f} Mio".replace(",", " ")


def _refuse(name: str, what: str, fix: str) -> BookError:
    return BookError(f"« {name} » {what} Le fichier n'a pas été modifié.", fix)


def check_package(data: bytes, name: str, watch: Callable[[str], Callable[[bytes], None] | None] | None = None) -> None:
    """Raise ``BookError`` (one sentence, and what to do) unless ``data`` is a package Relance may open.

    Args:
        data: the file's bytes.
        name: the file name, for the message.
        watch: given an entry's name, what to feed its inflated bytes to (or None), so that a
            reader learns what it needs of a part in the one pass that checks it.
    """
    resave = "Ouvrez-le dans Excel et enregistrez-le sous « Classeur Excel (*.xlsx) » ou « (*.xlsm) »."
    if data[:8] == _OLE2:
        raise _refuse(name, "est un ancien classeur .xls ou un classeur protégé par un mot de passe "
                            "à l'ouverture : Relance ne lit que le format .xlsx/.xlsm non chiffré.",
                      "Ouvrez-le dans Excel, retirez le mot de passe (Fichier > Informations > Protéger le "
                      "classeur) et enregistrez-le au format .xlsx ou .xlsm.")
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, struct.error) as error:
        raise _refuse(name, f"n'est pas un classeur Excel lisible (archive zip illisible : {error}).", resave) \
            from None
    with archive:
        _check_names(infos, name)
        _check_sizes(infos, len(data), name)
        _check_streams(data, infos, name, watch)
        _check_kind(archive, name)
        _check_doctypes(archive, infos, name)
        _check_small_parts(archive, infos, name)


def _check_names(infos: list[zipfile.ZipInfo], name: str) -> None:
    seen: set[str] = set()
    for info in infos:
        entry = info.filename
        if _UNSAFE_NAME.search(entry):
            raise _refuse(name, f"contient une entrée au nom dangereux (« {entry[:80]} ») qui sort du classeur : "
                                "ce n'est pas un fichier écrit par un tableur.",
                          "N'utilisez pas ce fichier ; repartez d'une copie saine du classeur.")
        key = entry.lower()
        if key in seen:
            raise _refuse(name, f"contient deux fois l'entrée « {entry[:80]} » : l'archive est malformée.",
                          "Ouvrez-le dans Excel et enregistrez-le sous un autre nom, puis utilisez cette copie.")
        seen.add(key)


def _check_sizes(infos: list[zipfile.ZipInfo], size: int, name: str) -> None:
    fix = ("Ce fichier n'est pas un classeur ordinaire ; s'il l'est, ouvrez-le dans Excel, supprimez ce qui "
           "est démesuré et enregistrez-le.")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise _refuse(name, f"contient une partie chiffrée (« {info.filename[:80]} »).",
                          "Enregistrez-le dans Excel sans chiffrement.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _refuse(name, f"utilise une compression qu'Excel n'écrit pas (méthode {info.compress_type}, "
                                f"partie « {info.filename[:80]} »).",
                          "Ouvrez-le dans Excel et enregistrez-le au format .xlsx ou .xlsm.")
        if info.file_size > MAX_PART:
            raise _refuse(name, f"contient une partie qui ferait {_mib(info.file_size)} une fois décompressée "
                                f"(« {info.filename[:80]} » ; limite : {_mib(MAX_PART)}) : fichier refusé "
                                "(bombe de décompression).", fix)
        if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _refuse(name, f"contient une partie qui se décompresserait {info.file_size // max(info.compress_size, 1)} "
                                f"fois (« {info.filename[:80]} », {_mib(info.file_size)} ; limite : {MAX_RATIO} "
                                "fois) : fichier refusé (bombe de décompression).", fix)
        total += info.file_size
    if total > MAX_TOTAL or total > max(PACKAGE_FLOOR, PACKAGE_RATIO * size):
        raise _refuse(name, f"ferait {_mib(total)} une fois décompressé, {total // max(size, 1)} fois sa taille "
                            f"(limites : {PACKAGE_RATIO} fois sa taille au-delà de {_mib(PACKAGE_FLOOR)}, "
                            f"{_mib(MAX_TOTAL)} en tout) : fichier refusé (bombe de décompression).", fix)


def _check_streams(data: bytes, infos: list[zipfile.ZipInfo], name: str, watch=None) -> None:
    """Inflate each entry from its raw bytes, a chunk at a time: never more than it declared."""
    view = memoryview(data)
    for info in infos:
        feed = watch(info.filename) if watch is not None else None
        damaged = _refuse(name, f"est endommagé (partie « {info.filename[:80]} » illisible ou incomplète).",
                          "Reprenez la dernière sauvegarde du classeur (dossier .relance-backups) ou une copie saine.")
        start = info.header_offset
        header = bytes(view[start:start + 30])
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise damaged
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        begin = start + 30 + name_len + extra_len
        raw = view[begin:begin + info.compress_size]
        if len(raw) != info.compress_size:
            raise damaged
        crc = 0
        produced = 0
        if info.compress_type == zipfile.ZIP_STORED:
            crc = zlib.crc32(raw)
            produced = len(raw)
            if feed is not None:
                feed(bytes(raw))
        else:
            inflater = zlib.decompressobj(-15)
            try:
                for at in range(0, len(raw), _CHUNK):
                    chunk = raw[at:at + _CHUNK]
                    while chunk:
                        # Never more than one byte past what the entry declared: a lie stops here.
                        out = inflater.decompress(chunk, min(_CHUNK, info.file_size - produced + 1))
                        produced += len(out)
                        crc = zlib.crc32(out, crc)
                        if feed is not None and produced <= info.file_size:
                            feed(out)
                        if produced > info.file_size:
                            raise _refuse(name, f"contient une partie qui se décompresse au-delà de la taille "
                                                f"qu'elle déclare (« {info.filename[:80]} ») : fichier refusé "
                                                "(bombe de décompression).",
                                          "N'utilisez pas ce fichier ; repartez d'une copie saine du classeur.")
                        chunk = inflater.unconsumed_tail
                out = inflater.flush()
                produced += len(out)
                crc = zlib.crc32(out, crc)
                if feed is not None and out:
                    feed(out)
            except zlib.error:
                raise damaged from None
        if produced != info.file_size or crc != info.CRC:
            raise damaged


def _rels(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str]]:
    """(type, target) of a relationships part, read with a regular expression (no XML parser yet)."""
    try:
        xml = archive.read(part)
    except KeyError:
        return []
    out = []
    for m in re.finditer(rb"<(?:\w+:)?Relationship\b([^>]*)", xml):
        attrs = dict((k.decode(), v.decode("utf-8", "replace"))
                     for k, v in re.findall(rb'(\w+)\s*=\s*["\']([^"\']*)["\']', m.group(1)))
        out.append((attrs.get("Type", ""), attrs.get("Target", "")))
    return out


def _check_kind(archive: zipfile.ZipFile, name: str) -> None:
    names = {n.lower(): n for n in archive.namelist()}
    if "[content_types].xml" not in names:
        raise _refuse(name, "n'est pas un classeur Excel : il lui manque la liste des types de ses parties "
                            "([Content_Types].xml).",
                      "Ouvrez-le dans Excel et enregistrez-le au format .xlsx ou .xlsm, ou reprenez la dernière "
                      "sauvegarde du classeur (dossier .relance-backups).")
    root = _rels(archive, names.get("_rels/.rels", "_rels/.rels"))
    types = {t for t, _target in root}
    if STRICT_OFFICE_DOCUMENT in types:
        raise _refuse(name, "est au format « Classeur Open XML Strict » (ISO 29500 strict), que Relance ne lit pas.",
                      "Ouvrez-le dans Excel, Fichier > Enregistrer sous, type « Classeur Excel (*.xlsx) » "
                      "(ou « Classeur Excel prenant en charge les macros (*.xlsm) »), puis utilisez ce fichier.")
    if REL_SIGNATURE_ORIGIN in types or any(n.startswith("_xmlsignatures/") for n in names):
        raise _refuse(name, "est signé numériquement : toute modification par Relance rendrait sa signature "
                            "invalide, Relance ne le modifie donc pas.",
                      "Travaillez sur une copie non signée (dans Excel : Fichier > Informations > Afficher les "
                      "signatures, supprimez la signature puis enregistrez) et signez-la de nouveau si besoin.")


class _Joined:
    """Bytes already read, then the rest of a stream."""

    def __init__(self, first: bytes, rest):
        self.first, self.rest = first, rest

    def read(self, size: int) -> bytes:
        if self.first:
            out, self.first = self.first, b""
            return out
        return self.rest.read(size)


def _has_doctype(part) -> bool:
    """Whether a DOCTYPE comes before the part's root element, past any declaration, processing
    instruction or comment (read 16 KiB at a time, at most 1 MiB: a prolog is never longer)."""
    head = b""
    at = 0
    while True:
        rest = head[at:].lstrip()
        at = len(head) - len(rest)
        ends = {b"<?": b"?>", b"<!--": b"-->"}
        opening = next((o for o in ends if rest.startswith(o)), None)
        if rest[:9].upper() == b"<!DOCTYPE" or rest[:8].upper() == b"<!ENTITY":
            return True
        close = rest.find(ends[opening], len(opening)) if opening else -1
        if opening is not None and close >= 0:
            at += close + len(ends[opening])
            continue
        if rest and opening is None and len(rest) >= 9:
            return False  # the root element (or text no parser accepts): no DOCTYPE before it
        if len(head) >= (1 << 20):
            return False
        chunk = part.read(1 << 14)
        if not chunk:
            return False
        head += chunk


def _check_doctypes(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], name: str) -> None:
    for info in infos:
        lower = info.filename.lower()
        if not lower.endswith((".xml", ".rels", ".vml")):
            continue
        with archive.open(info) as part:
            start = part.read(4)
            if start[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16: looked at in UTF-8
                text = (start + part.read((1 << 20) - 4)).decode("utf-16", "replace").encode("utf-8")
                doctype = _has_doctype(BytesIO(text))
            else:
                doctype = _has_doctype(_Joined(start.removeprefix(b"\xef\xbb\xbf"), part))
        if doctype:
            raise _refuse(name, f"contient une déclaration DOCTYPE (entités XML) dans la partie "
                                f"« {info.filename[:80]} », ce qu'Excel n'écrit jamais : fichier refusé par "
                                "précaution.",
                          "Ouvrez-le dans Excel et enregistrez-le sous un autre nom, puis utilisez cette copie.")


def reason(error: BaseException) -> str:
    """An exception as a short clause for a one-line message: its first line, at most 200 characters."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 200 else text[:199] + "…"


# Parts Relance parses whole (relationships, content types, the workbook, styles, tables…) are
# small; a malformed one is said on open, by its name, rather than when a save reaches it.
# Sheets and shared strings (large) are read by calamine, which names their faults; VML drawings
# are legacy markup Excel itself writes loosely, copied as they are.
SMALL_PART = 4 << 20


def _check_small_parts(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], name: str) -> None:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    for info in infos:
        if info.file_size > SMALL_PART or not info.filename.lower().endswith((".xml", ".rels")):
            continue
        try:
            etree.fromstring(archive.read(info), parser)
        except etree.XMLSyntaxError as error:
            raise _refuse(name, f"est endommagé : la partie « {info.filename[:80]} » n'est pas du XML valide "
                                f"({reason(error)}).",
                          "Reprenez la dernière sauvegarde du classeur (dossier .relance-backups) ou ouvrez-le "
                          "dans Excel, qui propose de le réparer, et enregistrez-le.") from None
