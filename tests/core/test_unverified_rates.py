"""Issue 13, point 7: the 2026 S2 row stays unverified, and its Anomalies line says which figures
depend on it and how to confirm or correct it in Taux."""

from datetime import date
from decimal import Decimal as D

import pytest

from addin.core import fast, ledger
from addin.core.model import Client, ClientType, Invoice, Register, Settings
from addin.core.rates import RateTable

RATES = RateTable.shipped()


def test_the_2026_s2_row_ships_unverified():
    row = RATES.row_for(date(2026, 8, 1))
    assert (row.label, row.ecb, row.verified) == ("2026 S2", D("0.024"), False)


@pytest.mark.parametrize("engine", [ledger.compute, fast.compute])
def test_the_unverified_line_names_the_invoices_it_feeds_and_the_row_to_fix(engine):
    # F1-F7 due 1 Jul 2026 (issued 1 Jun, 30 days), unpaid on 23 Nov 2026: their interest runs in 2026 S2
    # (2.40 + 10 = 12.40 %, unverified); F8 is not yet due and depends on nothing.
    client = Client("C1", "Pro", ClientType.BUSINESS, terms="30 jours")
    invoices = tuple(Invoice(f"F{k}", "C1", date(2026, 6, 1), D("100.00"), row=k + 1) for k in range(1, 8)) + (
        Invoice("F8", "C1", date(2026, 11, 20), D("100.00"), row=9),)
    _, problems = engine(Register(Settings(), (client,), invoices), date(2026, 11, 23), RATES)
    (line,) = [p for p in problems if p.code == "rates.unverified"]
    assert line.sheet == "Taux" and line.value == "2026 / semestre 2"
    assert "BCE 2026 S2 (non vérifié) 2,40 % + 10 pts" in line.message
    assert "intérêts de retard de 7 factures (F1, F2, F3, F4, F5, …)" in line.message
    assert "dernière relance et la mise en demeure" in line.message
    assert "F8" not in line.message
    assert "1er juillet 2026" in line.fix and "ligne 2026 / semestre 2 de la feuille Taux" in line.fix
    assert "corrigez-y le taux" in line.fix and "« Oui »" in line.fix
