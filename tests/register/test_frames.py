"""``addin.register.read``: the register as pandas tables, the same records as the loader's."""

from datetime import date
from decimal import Decimal

import pandas as pd

import addin.register
from addin.core.model import Status
from benchmarks import registers


def test_read_gives_the_loaders_records_as_tables_and_the_results_of_a_refresh(tmp_path):
    from addin.books.file import FileBook
    from addin.register.load import load

    path = registers.write_xlsx(registers.data(300), tmp_path / "registre.xlsx")
    before = path.read_bytes()
    register, problems = load(FileBook.open(path, backups=0))

    tables = addin.register.read(path, today=date(2025, 11, 14))

    assert path.read_bytes() == before  # reading never writes
    assert isinstance(tables.invoices, pd.DataFrame)
    assert list(tables.invoices["number"]) == [i.number for i in register.invoices]
    assert list(tables.invoices["amount_ttc"]) == [i.amount_ttc for i in register.invoices]
    assert all(isinstance(a, Decimal) for a in tables.payments["amount"])  # exact cents, not floats
    assert list(tables.payments["paid_on"]) == [p.paid_on for p in register.payments]
    assert list(tables.clients["code"]) == [c.code for c in register.clients]
    assert len(tables.plan_steps) == len(register.plan_steps)
    assert len(tables.problems) >= len(problems)
    results = tables.results
    assert list(results["number"]) == list(tables.invoices["number"])
    assert set(results["status"]) >= {Status.PAID.value, Status.OVERDUE.value}
    # Reste dû = TTC − payé, invoice by invoice, to the cent.
    merged = tables.invoices.set_index("number").join(results.set_index("number"))
    assert all(merged["amount_ttc"] - merged["paid"] == merged["balance"])
    # Without a date, no computation.
    assert addin.register.read(path).results is None
