"""What Relance wrote in cells a person may type too: the hidden sheet ``_Relance``.

A blank ``Montant`` of ``Échéanciers`` is filled from its step's percentage. Once
filled, the cell holds a number like any typed one; without a record, the next
refresh would take it for the user's and keep it, even after the plan's total
changed (then report the plan as wrong). So each refresh writes, in the hidden
generated sheet ``_Relance``, the amount it wrote for each (plan, step), and the
loader reads it back:

- a cell still equal (to the cent) to what Relance wrote, and not a formula, is
  Relance's: read as blank, so it is recomputed (and rewritten) from the plan;
- any other value was typed by a person: kept, and checked against the plan.

(A person who types exactly the figure Relance wrote cannot be told apart: the
cell stays Relance's, which changes nothing until the plan changes.)

The sheet is a list of blocks with a title each, readable by a curious user;
the accountant's export leaves it out (its name starts with "_").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Mapping

from addin.books.base import Block, GeneratedSheet, SheetData
from addin.register import schema
from addin.register.cells import is_blank, parse_money, text

PLAN_AMOUNTS = "Montants écrits par Relance dans Échéanciers"
PLAN_HEADERS = ("N° plan", "Étape", "Montant écrit")
COMMENTS = "Commentaires de la feuille Relances"
COMMENT_HEADERS = ("Clé", "Commentaire")
IDENTITY = "Identité du classeur"
IDENTITY_HEADERS = ("Identifiant",)


@dataclass(frozen=True)
class Record:
    """``plan_amounts``: (plan, step) → the amount Relance wrote in its Montant cell;
    ``comments``: the ``Commentaire`` typed on each line of ``Relances``, by its key (so that a
    line that leaves the queue and comes back finds its comment again)."""

    plan_amounts: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)
    comments: Mapping[str, str] = field(default_factory=dict)
    # The workbook's identifier: its send log is found by it after a copy or a move
    # (``addin.mail.identity``). Kept by every rewrite of the sheet.
    book_id: str = ""


def read_record(data: SheetData | None) -> Record:
    """The record as the last refresh wrote it (an empty one when there is none, or it is unreadable)."""
    if data is None:
        return Record()
    amounts: dict[tuple[str, str], Decimal] = {}
    for rows in _blocks(data).get(PLAN_AMOUNTS, []):
        plan, step, amount = (list(rows) + [None] * 3)[:3]
        value, problem = parse_money(amount)
        if not is_blank(plan) and not is_blank(step) and value is not None and problem is None:
            amounts[(text(plan), text(step))] = value
    comments = {}
    for rows in _blocks(data).get(COMMENTS, []):
        key, comment = (list(rows) + [None] * 2)[:2]
        if not is_blank(key) and not is_blank(comment):
            comments[text(key)] = text(comment)
    book_id = ""
    for rows in _blocks(data).get(IDENTITY, []):
        if rows and not is_blank(rows[0]):
            book_id = text(rows[0])
    return Record(amounts, comments, book_id)


def _blocks(data: SheetData) -> dict[str, list[tuple[object, ...]]]:
    """Rows of each titled block: the title row, a header row, data rows until a blank row."""
    blocks: dict[str, list[tuple[object, ...]]] = {}
    current: list | None = None
    header_next = False
    for row in data.rows:
        first = row[0] if row else None
        if isinstance(first, str) and first in (PLAN_AMOUNTS, COMMENTS, IDENTITY) and all(is_blank(v) for v in row[1:]):
            current = blocks.setdefault(first, [])
            header_next = True
        elif header_next:
            header_next = False
        elif current is not None and any(not is_blank(v) for v in row):
            current.append(tuple(row))
        else:
            current = None
    return blocks


def record_sheet(record: Record) -> GeneratedSheet:
    rows = tuple((plan, step, amount) for (plan, step), amount in sorted(record.plan_amounts.items()))
    comments = tuple(sorted(record.comments.items()))
    return GeneratedSheet(
        schema.RECORD.fr,
        (Block(PLAN_AMOUNTS, PLAN_HEADERS, rows, ("text", "text", "money")),
         Block(COMMENTS, COMMENT_HEADERS, comments, ("text", "text")),
         *((Block(IDENTITY, IDENTITY_HEADERS, ((record.book_id,),), ("text",)),) if record.book_id else ())),
        hidden=True,
        note=schema.RECORD.help,
    )

