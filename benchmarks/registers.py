"""The benchmark registers: the demo's realistic sample at any size, in memory and as .xlsx.

``data(rows, today)`` reuses ``addin.sample.generate`` (the demo's clients, terms mix,
payment habits, partial payments, credit notes and plans) sized so that the
``Factures`` sheet holds ``rows`` rows (invoices + credit notes), with 25 invoices per
client and about 1.5 payments per invoice.

``write_xlsx`` writes it with openpyxl's write-only mode (streamed: a million rows
fit in memory), sheet by sheet in the template's layout: same sheet names, same
header labels in row 1 (computed columns included), the template's settings,
scenarios and rates. It does not carry the template's Excel Tables, drop-downs and
styles (write-only mode cannot copy them); the loader and refresh do not need them.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from pathlib import Path

import openpyxl

from addin.books.base import SheetData
from addin.demo import _cell, template_path
from addin.register import schema
from addin.sample import SampleData, generate

TODAY = date(2025, 11, 14)
INVOICES_PER_CLIENT = 25
# addin.sample pays an invoice in two parts with probability (per_invoice - 1); some
# invoices are unpaid or not yet due, so 1.8 gives about 1.5 payments per invoice.
PAYMENTS_KNOB = 1.8
PLAN_INVOICES = 3  # the sample's deposit, milestone and installment plans


def invoices_for_rows(rows: int) -> int:
    """How many invoices to generate so that invoices + credit notes (one per 40) + plans = rows."""
    k = max(1, int((rows - PLAN_INVOICES) * 40 / 41))
    while k + -(-k // 40) + PLAN_INVOICES > rows:
        k -= 1
    while k + 1 + -(-(k + 1) // 40) + PLAN_INVOICES <= rows:
        k += 1
    return k


def data(rows: int, today: date = TODAY, seed: int = 7) -> SampleData:
    """A realistic register whose ``Factures`` sheet has ``rows`` rows."""
    invoices = invoices_for_rows(rows)
    return generate(today, clients=max(40, invoices // INVOICES_PER_CLIENT), invoices=invoices, seed=seed,
                    payments_per_invoice=PAYMENTS_KNOB)


class _Headers:
    """Just enough of a Book for ``addin.demo._rows``: the template's header rows."""

    def __init__(self, template):
        self._sheets = {ws.title: SheetData(ws.title, tuple(tuple(c.value for c in row) for row in ws.iter_rows(
            max_row=ws.max_row))) for ws in template.worksheets}

    def sheet_names(self):
        return list(self._sheets)

    def read_sheet(self, name):
        return self._sheets[name]


def _records(header_book: _Headers, sheet: schema.Sheet, records):
    """Rows in the template's column order (the same typing as ``addin.demo.fill``)."""
    name = schema.find_sheet(header_book.sheet_names(), sheet)
    header = schema.locate_header(header_book.read_sheet(name), sheet)
    width = max(header.columns.values())
    places = [(index - 1, key, sheet.column(key).computed) for key, index in header.columns.items()]
    keys = None
    for record in records:
        if keys is None:
            keys = {f.name for f in fields(record)}
        row: list[object] = [None] * width
        for position, key, computed in places:
            if key in keys and not computed:
                value = getattr(record, key)
                row[position] = None if value in ("", None) else _cell(value)
        yield row


def write_xlsx(sample: SampleData, path: Path) -> Path:
    """Write ``sample`` as a register workbook at ``path`` (streamed, write-only)."""
    template = openpyxl.load_workbook(template_path())
    headers = _Headers(template)
    by_sheet = {schema.find_sheet(headers.sheet_names(), s): (s, records) for s, records in (
        (schema.CLIENTS, sample.clients), (schema.FACTURES, sample.invoices),
        (schema.PAIEMENTS, sample.payments), (schema.ECHEANCIERS, sample.plan_steps))}
    settings = {f.name: getattr(sample.settings, f.name) for f in fields(sample.settings)}
    out = openpyxl.Workbook(write_only=True)
    for ws in template.worksheets:
        target = out.create_sheet(ws.title)
        rows = [[c.value for c in row] for row in ws.iter_rows(max_row=ws.max_row)]
        if ws.title in by_sheet:
            target.append(rows[0])
            sheet, records = by_sheet[ws.title]
            for row in _records(headers, sheet, records):
                target.append(row)
            continue
        if schema.find_sheet([ws.title], schema.PARAMETRES):
            for row in rows[1:]:
                column = schema.match_setting(row[0])
                if column is not None and not column.key.startswith("smtp") and settings.get(column.key) not in (
                        "", None):
                    row[1] = settings[column.key]
        for row in rows:
            target.append(row)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out.save(path)
    return path


REVIEW_INVOICES_PER_CLIENT = 2


def review_file(clients: int, work: Path, today: date = TODAY) -> Path:
    """A register of ``clients`` clients with two invoices each (the review's size is its
    clients), written once into ``work`` and reused."""
    path = Path(work) / f"revue-{clients}-clients.xlsx"
    if not path.exists():
        sample = generate(today, clients=clients, invoices=clients * REVIEW_INVOICES_PER_CLIENT, seed=7,
                          payments_per_invoice=PAYMENTS_KNOB)
        partial = path.with_suffix(".partial.xlsx")
        write_xlsx(sample, partial)
        partial.replace(path)
    return path
