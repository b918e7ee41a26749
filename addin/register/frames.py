"""A register as pandas tables: ``addin.register.read(path)``.

The register in Python, for a user's own analysis in a notebook or a script: each input
table — ``clients``, ``invoices`` (*Factures*), ``payments`` (*Paiements*), ``plan_steps``
(*Échéanciers*) — as a ``pandas.DataFrame``, read and checked by the same loader as every
Relance command (``load.load``: the same types, the same rows left out), with the
``problems`` (*Anomalies*) as a table too. One row per record, columns named by the
records' fields (the same for a French or an English register), ``row`` the sheet row.
Every column holds the records' own values (``object`` columns): amounts stay ``Decimal``
(exact cents), dates ``datetime.date``, a blank ``None``; statuses and client types their text.

With ``today``, a ``results`` table adds what a refresh computes for each invoice
(due date, paid, balance, status, days late, interest, indemnity), by the production
engine (``core.fast``), one row per invoice in the order of ``invoices``.

pandas is imported only here, when ``read`` is called: the commands never need it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from enum import Enum
from operator import attrgetter
from pathlib import Path

import pandas as pd

from addin.books.file import FileBook
from addin.core.model import Client, Invoice, Payment, PlanStep, Problem
from addin.register.load import load, load_rates

_RESULTS = ("due", "paid", "balance", "status", "days_late", "interest", "indemnity", "paid_on", "plan_due",
            "interest_known")


@dataclass(frozen=True)
class Tables:
    """The register's tables (``read``); ``results`` only when a date was given."""

    clients: pd.DataFrame
    invoices: pd.DataFrame
    payments: pd.DataFrame
    plan_steps: pd.DataFrame
    problems: pd.DataFrame
    results: pd.DataFrame | None = None


def _frame(records, cls) -> pd.DataFrame:
    """One column per field of ``cls``, even when there is no record; enums as their text.

    Built a column at a time (one ``attrgetter`` pass per field), as the loader reads the sheets."""
    names = [f.name for f in dataclasses.fields(cls)]
    columns = {}
    for name in names:
        values = list(map(attrgetter(name), records))
        if any(isinstance(v, Enum) for v in values):
            values = list(map(_plain, values))
        columns[name] = values
    return pd.DataFrame(columns, columns=names, dtype=object)


def _plain(value: object) -> object:
    return value.value if isinstance(value, Enum) else value


def read(path: str | Path, today: date | None = None) -> Tables:
    """The register of the workbook at ``path`` as pandas tables (the file is not changed)."""
    book = FileBook.open(Path(path), backups=0)
    register, problems = load(book)
    results = None
    if today is not None:
        from addin.core.fast import choose

        rates, rate_problems = load_rates(book)
        ledger, engine_problems = choose(register)(register, today, rates)
        problems = [*problems, *rate_problems, *engine_problems]
        results = pd.DataFrame([[s.invoice.number, *(_plain(getattr(s, n)) for n in _RESULTS)]
                                for s in ledger.states], columns=["number", *_RESULTS], dtype=object)
    return Tables(_frame(register.clients, Client), _frame(register.invoices, Invoice),
                  _frame(register.payments, Payment), _frame(register.plan_steps, PlanStep),
                  _frame(problems, Problem), results)
