"""FEC files as accounting packages write them, in each variant Relance reads.

``write(lines, …)``: tab or pipe separated; 18 fields (Debit/Credit, or Montant/Sens), 21
(cash basis: DateRglt, ModeRglt, NatOp) or 22 (and IdClient); UTF-8 with or without BOM,
or Latin-1; CRLF, LF or CR line ends; values padded to fixed widths or not; French
decimals (``1234,56``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

HEADER_18 = ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum",
             "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet",
             "ValidDate", "Montantdevise", "Idevise")
JOURNALS = {"VT": "Ventes", "BQ": "Banque", "AN": "A nouveaux", "OD": "Opérations diverses"}


@dataclass(frozen=True, slots=True)
class FecLine:
    journal: str
    entry: str
    day: date
    account: str
    account_name: str
    aux: str
    aux_name: str
    piece: str
    piece_day: date
    label: str
    debit: Decimal
    credit: Decimal
    letter: str = ""
    letter_day: date | None = None

    def lettered(self, letter: str) -> "FecLine":
        return replace(self, letter=letter, letter_day=self.day)


def _amount(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def _day(value: date | None) -> str:
    return f"{value:%Y%m%d}" if value else ""


def write(lines, *, sep: str = "\t", columns: int = 18, signed: bool = False, encoding: str = "utf-8",
          bom: bool = False, newline: str = "\r\n", pad: bool = False, drop: tuple[str, ...] = ()) -> bytes:
    """The bytes of a FEC holding ``lines`` (``drop``: header fields left out, to test a broken file)."""
    header = list(HEADER_18)
    if signed:
        i = header.index("Debit")
        header[i:i + 2] = ["Montant", "Sens"]
    if columns >= 21:
        header += ["DateRglt", "ModeRglt", "NatOp"]
    if columns >= 22:
        header += ["IdClient"]
    rows = []
    for ln in lines:
        values = [ln.journal, JOURNALS.get(ln.journal, ln.journal), ln.entry, _day(ln.day), ln.account,
                  ln.account_name, ln.aux, ln.aux_name, ln.piece, _day(ln.piece_day), ln.label]
        if signed:
            values += [_amount(ln.debit or ln.credit), "D" if ln.debit else "C"]
        else:
            values += [_amount(ln.debit), _amount(ln.credit)]
        values += [ln.letter, _day(ln.letter_day), _day(ln.day), "", ""]
        if columns >= 21:
            values += [_day(ln.day) if ln.journal == "BQ" else "", "Virement" if ln.journal == "BQ" else "", ""]
        if columns >= 22:
            values += [ln.aux]
        rows.append(values)
    keep = [i for i, name in enumerate(header) if name not in drop]
    table = [[header[i] for i in keep]] + [[r[i] for i in keep] for r in rows]
    if pad:
        widths = [max(len(r[i]) for r in table) for i in range(len(keep))]
        table = [table[0]] + [[v.ljust(w) if not v[:1].isdigit() else v.rjust(w) for v, w in zip(r, widths)]
                              for r in table[1:]]
    text = newline.join(sep.join(r) for r in table) + newline
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data
