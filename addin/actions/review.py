"""Revue mensuelle: the debtor review as of a month's last day, written to ``Revue``.

The month defaults to the last complete month (the current one when run on its
last day). The ledger is computed as of that day: later invoices and payments are
left out, so a review can be redone afterwards with the same result. The current
month may be reviewed before it ends (a month-end review on the last working day):
its figures are then projected to the month's last day, and the summary says so.
A later month is refused.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from addin.books.base import Book
from addin.core import aging
from addin.core.fast import choose as engine
from addin.core.model import Register, Severity
from addin.register import schema
from addin.reports.review import (SNAPSHOT_SHEET, build_review, headline, month_end, read_snapshot, rows_to_fix,
                                   unread_rows)


@dataclass(frozen=True)
class ReviewResult:
    summary: str
    as_of: date


def default_month(today: date) -> tuple[int, int]:
    last = calendar.monthrange(today.year, today.month)[1]
    if today.day == last:
        return today.year, today.month
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


def _with_call_notes(book: Book, register: Register) -> Register:
    """Promises and disputes noted in the Journal (call outcomes) count here as in the queue."""
    from addin.actions.queue import with_journal_notes
    from addin.mail.identity import book_id_of, find
    from addin.mail.journal import read_history

    path = getattr(book, "path", None)
    if path is None:
        return register
    # The send's own log (by the workbook's identity: a moved or copied workbook's too), read only.
    history, _ = read_history(book, find(path, book_id_of(book)), record=False)
    return with_journal_notes(register, history)


def amounts_of_rows(book: Book, rows: set[int]):
    """What the *Montant TTC* cells of these rows of Factures hold (rows the loader could not
    read as invoices), summed; None when none is legible."""
    from addin.register.cells import parse_money

    name = schema.find_sheet(book.sheet_names(), schema.FACTURES)
    if name is None or not rows:
        return None
    data = book.read_sheet(name)
    header = schema.locate_header(data, schema.FACTURES)
    column = header.columns.get("amount_ttc") if header.row is not None else None
    if column is None:
        return None
    amounts = []
    for row in sorted(rows):
        values = data.rows[row - 1] if 0 < row <= len(data.rows) else ()
        value, problem = parse_money(values[column - 1]) if column <= len(values) else (None, None)
        if value is not None and problem is None:
            amounts.append(value)
    return sum(amounts) if amounts else None


def run(book: Book, *, today: date, month: tuple[int, int] | None = None) -> ReviewResult:
    from addin.mail.formatting import money, number
    from addin.register.load import load, load_rates

    year, mon = month or default_month(today)
    as_of = month_end((year, mon))
    if date(year, mon, 1) > today:
        raise ValueError(f"La revue de {mon:02d}/{year} n'est pas encore possible : ce mois n'a pas commencé "
                         f"(aujourd'hui : {today:%d/%m/%Y}).")
    book.progress(0.1, "Relance : lecture du classeur…")
    register, problems = load(book)
    register = _with_call_notes(book, register)
    loaded = {i.row for i in register.invoices}
    def rows_left_out(sheet: schema.Sheet, kept: set) -> int:
        return len({p.row for p in problems if p.row is not None and p.severity is Severity.ERROR
                    and p.row not in kept and schema.find_sheet([p.sheet], sheet) is not None})

    unreadable = rows_left_out(schema.FACTURES, loaded)
    unread_amount = amounts_of_rows(book, {p.row for p in problems if p.row is not None
                                           and p.severity is Severity.ERROR and p.row not in loaded
                                           and schema.find_sheet([p.sheet], schema.FACTURES) is not None})
    ignored = rows_left_out(schema.PAIEMENTS, {p.row for p in register.payments})
    rates, _ = load_rates(book)
    at_month_end = Register(register.settings, register.clients,
                            tuple(i for i in register.invoices if i.issued <= as_of),
                            tuple(p for p in register.payments if p.paid_on <= as_of), register.plan_steps)
    ledger, _ = engine(at_month_end)(at_month_end, as_of, rates)
    previous = read_snapshot(book.read_sheet(SNAPSHOT_SHEET) if SNAPSHOT_SHEET in book.sheet_names() else None)
    head = headline(ledger.states, register.clients, register.settings, as_of, ledger.credits)
    revue, snapshot = build_review(ledger.states, register.clients, at_month_end.payments, register.settings,
                                   (year, mon), previous, credits=ledger.credits, unreadable_rows=unreadable,
                                   ignored_payments=ignored, unreadable_amount=unread_amount, head=head)
    book.progress(0.6, "Relance : écriture de la revue…")
    book.write_generated(revue)
    book.write_generated(snapshot)
    book.save()
    book.progress(1.0, "")
    # The same figures as the sheet's, computed once.
    balance, figures, days, breaches = head.balance, head.figures, head.days, head.breaches
    projected = f" (mois en cours : projetée au {as_of:%d/%m/%Y})" if as_of > today else ""
    # The same words as the refresh summary: one "Reste dû", credit notes beside it.
    lines = [f"Revue au {as_of:%d/%m/%Y} écrite dans la feuille Revue{projected}.",
             f"  Reste dû          {money(figures.due)} (avoirs non déduits : {money(figures.credit_notes)})"]
    to_fix = rows_to_fix(figures, unreadable)
    if to_fix:
        lines.append(f"  Échéance inconnue {money(figures.to_fix)} — {to_fix}")
    if unreadable:
        held = f"{money(unread_amount)} " if unread_amount else ""
        lines.append(f"  Non lues          {held}— {unread_rows(unreadable)}")
    lines += [f"  Balance âgée      {money(figures.net)} (total, avoirs déduits)",
              "  " + " · ".join(f"{label} {money(amount)}"
                                for label, amount in zip(aging.BUCKETS, balance.totals.buckets)),
              f"  DSO               {number(days) if days is not None else '—'} jours",
              f"  À bloquer         {len(breaches)} client(s)"]
    return ReviewResult("\n".join(lines), as_of)
