"""Untrusted text from the register as it may appear in a message, a header or a letter."""

from __future__ import annotations

import re

from addin.mail.qr import normalize_iban

# --- untrusted text -----------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# Bidirectional controls (Unicode TR 9): a right-to-left override turns « …\u202efdp.exe » into what
# reads as « …exe.pdf ». Dropped from every name that reaches a header, a file name or a letter.
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# RFC 5322 §2.1.1: a line is at most 998 characters; an unbroken word cannot be folded, so a
# name placed in a header is shortened well below that.
HEADER_NAME_MAX = 200


def one_line(text: object) -> str:
    """``text`` with every control character (CR, LF, tab, NUL…) collapsed to one space, and the
    bidirectional controls (U+202E…) removed."""
    text = _BIDI.sub("", str(text if text is not None else ""))
    return re.sub(r" {2,}", " ", _CONTROL.sub(" ", text)).strip()


def header_text(text: object, limit: int = HEADER_NAME_MAX) -> str:
    """``one_line(text)`` shortened to ``limit`` characters (an ellipsis marks the cut), for a header."""
    line = one_line(text)
    return line if len(line) <= limit else line[:limit - 1].rstrip() + "…"


EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")


def split_emails(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The addresses in a cell (separated by ``;`` or ``,``) → (valid, rejected), duplicates removed."""
    valid: list[str] = []
    rejected: list[str] = []
    for part in re.split(r"[;,]", str(text or "")):
        candidate = part.strip()
        if not candidate:
            continue
        if EMAIL.fullmatch(candidate):
            if candidate.lower() not in {v.lower() for v in valid}:
                valid.append(candidate)
        else:
            rejected.append(one_line(candidate))
    return tuple(valid), tuple(rejected)


def format_iban(iban: str) -> str:
    code = normalize_iban(iban)
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))
