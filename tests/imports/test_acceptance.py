"""Acceptance (issue 18): on the demo register, a month of statements in each format imports with
the sure matches in Paiements and the rest in Rapprochement; the matched invoices are paid and their
reminders stop; a second import of the same file changes nothing."""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import openpyxl
import pytest

from addin.actions import imports
from addin.books.file import FileBook
from addin.imports import reconcile, samples
from addin.register import schema
from addin.register.snapshot import Snapshot

TODAY = date(2026, 11, 23)
FORMATS = {
    "camt.xml": lambda txs: samples.camt([(samples.ACCOUNT, txs)]),
    "releve.ofx": lambda txs: samples.ofx([(samples.ACCOUNT, txs)]),
    "releve.cfonb": lambda txs: samples.cfonb([(samples.ACCOUNT, txs)], pad=2),
    "releve.csv": lambda txs: samples.csv(txs),
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from addin.demo import run_demo

    path = run_demo(tmp_path_factory.mktemp("bank-demo"), today=TODAY).path
    snapshot = Snapshot.read(FileBook.open(path, today=TODAY))
    names = {}
    _, data = snapshot.data(schema.CLIENTS)
    for row in data.rows[1:]:
        if row and row[0]:
            names[str(row[0])] = str(row[1])
    items = [(i.number, i.client, names.get(i.client, ""), i.balance)
             for i in reconcile.open_items(snapshot, TODAY) if i.balance > 0]
    month = samples.month_of_payments(items, TODAY - timedelta(days=30), count=30)
    return path, month


def table(path, sheet):
    ws = openpyxl.load_workbook(path)[sheet]
    head_row = next(i for i, r in enumerate(ws.iter_rows(max_row=5, values_only=True), start=1)
                    if r and any(v in ("Date", "Factures", "N° facture") for v in r))
    header = [c.value for c in ws[head_row]]
    return [dict(zip(header, r)) for r in ws.iter_rows(min_row=head_row + 1, values_only=True)
            if any(v is not None for v in r)]


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_a_month_of_statements_imports_in_each_format(demo, name, tmp_path):
    source, month = demo
    path = tmp_path / "Registre.xlsx"
    shutil.copyfile(source, path)
    statement = tmp_path / name
    statement.write_bytes(FORMATS[name](month))
    payments_before = len(table(path, "Paiements"))

    result = imports.run(FileBook.open(path, today=TODAY), today=TODAY, paths=[statement])

    assert result.lines == len(month) and result.known == 0
    payments = table(path, "Paiements")[payments_before:]
    waiting = table(path, "Rapprochement")
    assert len(payments) == result.payments >= 15  # most lines name their invoice
    assert len(waiting) == result.pending >= 4  # the debits, the returned debit, the ambiguous ones
    assert {r["Opération"] for r in waiting} >= {"Débit", "Rejet"}
    # after the refresh the import ran, the invoices paid in full are « Payée » and leave the reminders
    factures = {r["N° facture"]: r for r in table(path, "Factures")}
    paid = {p["N° facture"] for p in payments if factures[p["N° facture"]]["Statut"] == "Payée"}
    assert len(paid) >= 10
    chased = " ".join(str(r.get("Factures") or "") for r in table(path, "Relances"))
    assert not [n for n in paid if n in chased]

    before = {s: table(path, s) for s in ("Paiements", "Rapprochement", "Factures")}
    again = imports.run(FileBook.open(path, today=TODAY), today=TODAY, paths=[statement])
    assert again.known == len(month) and again.payments == 0
    assert {s: table(path, s) for s in before} == before
