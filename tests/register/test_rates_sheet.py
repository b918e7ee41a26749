"""load_rates: the Taux sheet overrides the shipped table; a bad row is a warning at its row."""

from decimal import Decimal

from addin.core.model import Severity
from addin.core.rates import RateTable
from addin.register.load import load_rates
from tests.register.conftest import FakeBook


def test_no_taux_sheet_gives_the_base_table():
    table, problems = load_rates(FakeBook({"Factures": [["N° facture"]]}))
    assert problems == [] and table.sheet_rows() == RateTable.shipped().sheet_rows()


def test_override_and_bad_row():
    headers, rows = RateTable.shipped().sheet_rows()
    last = list(rows[-1])
    year, half = last[0], last[1]
    last[2] = "4,00 %"  # the ECB rate typed as text
    bad = ["l'an prochain", 1, 0.02, None, None, 0.07, 0.04, None, "Oui", "moi"]
    book = FakeBook({"Taux": [["Taux livrés"], list(headers), *[list(r) for r in rows[:-1]], last, bad]})
    table, problems = load_rates(book)
    assert table.reference_rate(year, half) == Decimal("0.04")
    assert [(p.sheet, p.row, p.severity) for p in problems] == [("Taux", len(rows) + 3, Severity.WARNING)]
