"""A table's cells as columns, typed column by column: ``load``'s fast path.

``load`` reads *Factures*, *Paiements* and *Clients* a column at a time: each input column
is cut out of the sheet once (``cut``), then typed by one function per kind (``texts``,
``dates``, ``amounts``, ``typed``) that returns the column's values and marks, in ``odd``,
every row whose cell the per-cell parser of ``cells`` would not read silently — a blank
required cell, a text in a date column, an amount with three decimals, a date out of range,
anything that makes a problem. The loader builds its records straight from the typed columns
for the other rows and hands each odd row, with its raw cells, to the per-row code that has
always read a register (``load._Row``), which says what is wrong and how to fix it. So the
values and the problems are those of the per-row reading, cell for cell (the tests compare the
two on registers of odd cells); only the rows without a problem skip it.

Rules the typing keeps from ``cells``: an amount is the ``Decimal`` of the number's ``repr``
rounded half-up to the cent (``cells.parse_money``, memoised by value: a register repeats its
amounts); a date cell is its ``date``; a text is ``cells.text`` (memoised).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from itertools import repeat
from operator import itemgetter
from typing import Callable, Sequence

from addin.register import cells

_DATE = date
_NONE = type(None)
_TEXTS = {str, _NONE}
_ONLY_TEXTS = {str}
_OTHER_SPACE = re.compile(r"[^\S ]")


def _trimmed(joined: str) -> bool:
    """Whether every text of a column joined by NUL (a character no cell holds: XML forbids it) is
    its own ``cells.text``: no whitespace but the plain space, none at an end, never two in a row."""
    return (_OTHER_SPACE.search(joined) is None and "  " not in joined and " \x00" not in joined
            and "\x00 " not in joined and not joined.startswith(" ") and not joined.endswith(" "))
_STR = str
_FLOAT = float
_INT = int


def cut(body: Sequence[Sequence[object]], indexes: dict[str, int]) -> dict[str, list]:
    """The columns ``indexes`` (key → 1-based column) of ``body``'s rows, a list per key; a
    cell beyond a short row is None."""
    width = max(indexes.values(), default=0)
    rectangular = not body or min(map(len, body)) >= width
    out: dict[str, list] = {}
    for key, j in indexes.items():
        if rectangular:
            out[key] = list(map(itemgetter(j - 1), body))
        else:
            out[key] = [r[j - 1] if len(r) >= j else None for r in body]
    return out


def filled(columns: Sequence[list], count: int) -> list[bool]:
    """Per row: whether any of ``columns`` holds something (not None, not a blank text)."""
    if not columns:
        return [False] * count
    first, others = columns[0], columns[1:]
    flags = [v is not None and (v.__class__ is not _STR or v.strip() != "") for v in first]
    for i in [i for i, flag in enumerate(flags) if not flag]:  # the first cell blank: look at the others
        flags[i] = any(v is not None and (v.__class__ is not _STR or v.strip()) for v in (c[i] for c in others))
    return flags


class Texts(dict):
    """``cells.text`` of each text met, once per distinct text (a blank cell: "")."""

    def __init__(self):
        super().__init__({None: ""})

    def __missing__(self, value: object) -> str:
        found = cells.text(value)
        if value.__class__ is _STR:  # numbers, booleans and dates are never keys (1 == True == 1.0)
            self[value] = found
        return found


def texts(values: Sequence[object] | None, count: int, memo: Texts, odd: bytearray | None = None) -> list[str]:
    """``cells.text`` of each cell; with ``odd`` (a required column), a blank cell marks its row."""
    if values is None:
        if odd is not None:
            for i in range(count):
                odd[i] = 1
        return [""] * count
    try:  # a column of texts only (most are): joined at once, no pass to look at the kinds
        joined, kinds = "\x00".join(values), _ONLY_TEXTS
    except TypeError:
        kinds = set(map(type, values))
        joined = "\x00".join([v for v in values if v is not None]) if kinds <= _TEXTS else ""
    if kinds <= _TEXTS and _trimmed(joined):
        out = [("" if v is None else v) for v in values] if _NONE in kinds else list(values)  # each its own text
    else:
        out = list(map(memo.__getitem__, values))
    if odd is not None:
        i = -1
        try:
            while True:
                i = out.index("", i + 1)
                odd[i] = 1
        except ValueError:
            pass
    return out


def _absent(count: int, odd: bytearray, required: bool) -> list[None]:
    """A column the sheet lacks: no value on any row, and every row marked when it is required."""
    if required:
        for i in range(count):
            odd[i] = 1
    return [None] * count


def _blank_everywhere(values: Sequence[object]) -> bool:
    """Whether every cell of a column is empty (None), counted in C rather than looped."""
    return (not values or values[0] is None) and values.count(None) == len(values)


def dates(values: Sequence[object] | None, count: int, odd: bytearray, epoch_1904: bool, required: bool = False
          ) -> list[date | None]:
    """A date column: a date cell is its date; anything else through ``cells.parse_date``."""
    if values is None:
        return _absent(count, odd, required)
    low, high = cells.MIN_YEAR, cells.MAX_YEAR
    parse = cells.parse_date
    out = list(values)
    if not required and _blank_everywhere(values):
        return out  # an optional date empty on every row (a promise, a notice): counted in C, not looped
    for i in [i for i, v in enumerate(values) if v.__class__ is not _DATE or not low <= v.year <= high]:
        v = values[i]
        if v is None or (v.__class__ is _STR and not v.strip()):
            out[i] = None
            if required:
                odd[i] = 1
        else:
            out[i], problem = parse(v, epoch_1904=epoch_1904)
            if problem is not None:
                odd[i] = 1
    return out


def amounts(values: Sequence[object] | None, count: int, odd: bytearray, memo: dict, required: bool = False
            ) -> list[Decimal | None]:
    """An amount column (``cells.parse_money`` of each cell, numbers memoised by value)."""
    if values is None:
        return _absent(count, odd, required)
    parse = cells.parse_money
    if bool not in set(map(type, values)):  # (True == 1: a boolean would find the amount of 1)
        out = list(map(memo.get, values))  # the numbers met before; the others one by one below
        for i in [i for i, found in enumerate(out) if found is None]:
            v = values[i]
            c = v.__class__
            if v is None or (c is _STR and not v.strip()):
                if required:
                    odd[i] = 1
                continue
            if c is _FLOAT or c is _INT:
                found = memo.get(v)  # met earlier in this column
                if found is not None:
                    out[i] = found
                    continue
            found, problem = parse(v)
            if problem is not None:
                odd[i] = 1
            elif (c is _FLOAT or c is _INT) and v:  # 0.0 and -0.0: equal keys, not the same Decimal
                memo[v] = found
            out[i] = found
        return out
    out = []
    append = out.append
    for i, v in enumerate(values):
        c = v.__class__
        if c is _FLOAT or c is _INT:
            found = memo.get(v)
            if found is None:
                found, problem = parse(v)
                if problem is not None:
                    odd[i] = 1
                elif v:  # 0.0 and -0.0 are equal keys but not the same Decimal: never memoised
                    memo[v] = found
            append(found)
        elif v is None or (c is _STR and not v.strip()):
            append(None)
            if required:
                odd[i] = 1
        else:
            found, problem = parse(v)
            if problem is not None:
                odd[i] = 1
            append(found)
    return out


def typed(values: Sequence[object] | None, count: int, odd: bytearray, parse: Callable, repeats: bool = False) -> list:
    """Any other optional column: ``parse(value)`` → (value, problem) of each non-blank cell;
    ``repeats`` (a column of a few values: a client type, a language) parses each text once."""
    if values is None or _blank_everywhere(values):
        return [None] * count
    out = []
    append = out.append
    seen: dict[str, tuple] = {}
    for i, v in enumerate(values):
        if v is None or (v.__class__ is _STR and not v.strip()):
            append(None)
            continue
        if repeats and v.__class__ is _STR:  # only texts: 1 == 1.0 == True would share a key
            parsed = seen.get(v)
            if parsed is None:
                parsed = seen[v] = parse(v)
            found, problem = parsed
        else:
            found, problem = parse(v)
        if problem is not None:
            odd[i] = 1
        append(found)
    return out


def nones(count: int) -> list:
    return list(repeat(None, count))
