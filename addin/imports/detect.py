"""What a file is, from its content (never its extension).

``kind_of(data, name)`` returns ``"camt"``, ``"ofx"``, ``"cfonb"`` or ``"bank_csv"`` for
the bank statements Relance reads, one of the invoice kinds of ``INVOICE_KINDS``, or
None. Structured formats are tried first (their markers are unambiguous), CSV last.
"""

from __future__ import annotations

from typing import Callable

from addin.imports import bank_csv, camt, cfonb, ofx

Sniff = Callable[[bytes], bool]

BANK_KINDS: tuple[tuple[str, Sniff], ...] = (
    ("camt", camt.sniff),
    ("ofx", ofx.sniff),
    ("cfonb", cfonb.sniff),
)

# Invoice files (issue 19), tried after the structured bank formats and before bank CSV:
# add ("facturx", einvoice.sniff_facturx), ("cii", …), ("ubl", …), ("fec", fec.sniff) here.
INVOICE_KINDS: tuple[tuple[str, Sniff], ...] = ()

LAST_KINDS: tuple[tuple[str, Sniff], ...] = (("bank_csv", bank_csv.sniff),)

BANK = frozenset(kind for kind, _ in (*BANK_KINDS, *LAST_KINDS))


def kind_of(data: bytes, name: str) -> str | None:
    """The kind of a file's content (``name`` is only for the messages of the readers)."""
    for kind, sniff in (*BANK_KINDS, *INVOICE_KINDS, *LAST_KINDS):
        try:
            if sniff(data):
                return kind
        except Exception:  # a sniffer never decides for another: a crash is "not mine"
            continue
    return None
