"""The ``Relances`` sheet as preview and send rewrite it: today's queue, the lines done today
with their outcome, and every ``Commentaire`` a person typed, kept by key (as refresh keeps it).

Nothing a person types in ``Relances`` is dropped by Aperçu or Envoyer: the comments are read
from the sheet before it is rewritten and written back on the line of the same ``Clé``, and
recorded in the hidden ``_Relance`` sheet for a line that leaves the queue and comes back.
"""

from __future__ import annotations

from datetime import date
from typing import Mapping

from addin.actions.queue import Prepared, queue_sheet
from addin.actions.refresh import with_comments
from addin.books.base import GeneratedSheet
from addin.register import schema
from addin.register.record import Record, read_record, record_sheet


def relances_sheets(prepared: Prepared, snapshot, today: date, statuses: Mapping[str, str] | None = None
                    ) -> list[GeneratedSheet]:
    """``Relances`` with its comments, and ``_Relance`` when the comments to remember changed."""
    old = read_record(snapshot.data(schema.RECORD)[1])
    sheet = queue_sheet(prepared.actions, prepared.journal, prepared.decisions, today, statuses,
                        clients=prepared.register.clients, outcomes=prepared.outcomes)
    sheet, comments = with_comments(sheet, snapshot.data(schema.RELANCES)[1], old)
    sheets = [sheet]
    if comments != dict(old.comments):
        sheets.append(record_sheet(Record(old.plan_amounts, comments)))
    return sheets
