"""Untrusted text from the register as it may appear in a message, a header or a letter."""

from __future__ import annotations

import re

from addin.mail.qr import normalize_iban

# --- untrusted text -----------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: object) -> str:
    """``text`` with every control character (CR, LF, tab, NUL…) collapsed to one space."""
    return re.sub(r" {2,}", " ", _CONTROL.sub(" ", str(text if text is not None else ""))).strip()


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
