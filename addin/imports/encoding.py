"""The text of a file another program wrote (a bank's CSV export, an accounting package's FEC)."""

from __future__ import annotations


def decode(data: bytes) -> str:
    """UTF-16 with its BOM (a spreadsheet's « texte Unicode »), UTF-8 (a BOM dropped), else
    Windows-1252, else Latin-1 (which reads any byte): never fails."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace").lstrip("\ufeff")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")
