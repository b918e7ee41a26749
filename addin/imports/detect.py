"""What a file is, from its content (never its extension).

``kind_of(data, name)`` returns ``"camt"``, ``"ofx"``, ``"cfonb"`` or ``"bank_csv"`` for
the bank statements Relance reads, one of the invoice kinds of ``INVOICE_KINDS``, or
None. Structured formats are tried first (their markers are unambiguous), CSV last.
"""

from __future__ import annotations

from typing import Callable

from addin.imports import bank_csv, camt, cfonb, einvoice, fec, ofx

Sniff = Callable[[bytes], bool]

BANK_KINDS: tuple[tuple[str, Sniff], ...] = (
    ("camt", camt.sniff),
    ("ofx", ofx.sniff),
    ("cfonb", cfonb.sniff),
)

# Invoice files, tried after the structured bank formats and before bank CSV (a FEC is a
# separated text file too): the FEC (its header names the FEC's fields), then e-invoices
# (every PDF, a Factur-X or not, and CII / UBL XML), read by ``addin.actions.import_invoices``.
INVOICE_KINDS: tuple[tuple[str, Sniff], ...] = (("fec", fec.sniff), ("einvoice", einvoice.sniff))

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
