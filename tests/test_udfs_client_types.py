"""Issue 13, point 8: ``late_interest`` in a cell knows the client type, and a consumer's formal notice."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from addin import udfs
from addin.core import fast
from addin.core.model import Client, ClientType, Invoice, Payment, Register, Settings
from addin.core.rates import RateTable


@pytest.mark.parametrize("word", ["Administration", "public", "Public buyer", "acheteur public"])
def test_a_public_buyers_moratory_interest(word):
    # 20,000 € due 10 Jun 2025, paid 25 Jul: 45 days × (3.15 + 8) % → 20000 × 0.1115 × 45 / 365 = 274.93
    # (a business's would be 11-30 Jun, 20 d × 13.15 %, + 1-25 Jul, 25 d × 12.15 %:
    # 20000 × (2.63 + 3.0375) / 365 = 310.548… → 310.55).
    assert udfs.late_interest(20000, datetime(2025, 6, 10), datetime(2025, 7, 25), client_type=word) == 274.93
    assert udfs.late_interest(20000, datetime(2025, 6, 10), datetime(2025, 7, 25)) == 310.55


@pytest.mark.parametrize("word", ["Particulier", "consumer", "Consommateur"])
def test_a_consumers_legal_interest_from_the_formal_notice(word):
    # 1,500 € due 30 Apr 2025, notice received 2 Jun, paid 15 Jul:
    # 28 d × 3.71 % + 15 d × 2.76 % → 1500 × (0.0371 × 28 + 0.0276 × 15) / 365 = 5.97; none without the notice.
    assert udfs.late_interest(1500, date(2025, 4, 30), date(2025, 7, 15), client_type=word,
                              notice_date=datetime(2025, 6, 2)) == 5.97
    assert udfs.late_interest(1500, date(2025, 4, 30), date(2025, 7, 15), client_type=word) == 0.0


def test_the_cell_gives_the_registers_cents():
    rates = RateTable.shipped()
    clients = (Client("P", "Mairie", ClientType.PUBLIC, terms="30 jours"),
               Client("L", "Léa", ClientType.CONSUMER, terms="à réception"))
    invoices = (Invoice("F1", "P", date(2025, 5, 11), Decimal("20000.00"), received=date(2025, 5, 11), row=2),
                Invoice("F2", "L", date(2025, 4, 30), Decimal("1500.00"), notice_date=date(2025, 6, 2), row=3))
    payments = (Payment(date(2025, 7, 25), "P", Decimal("20000.00"), "F1", row=2),
                Payment(date(2025, 7, 15), "L", Decimal("1500.00"), "F2", row=3))
    states = fast.compute(Register(Settings(), clients, invoices, payments), date(2025, 8, 1), rates)[0].by_number()
    assert udfs.late_interest(20000, states["F1"].due, date(2025, 7, 25), client_type="Administration") == float(
        states["F1"].interest)
    assert udfs.late_interest(1500, states["F2"].due, date(2025, 7, 15), client_type="Particulier",
                              notice_date=date(2025, 6, 2)) == float(states["F2"].interest)


def test_an_unknown_client_type_is_a_readable_cell_error():
    value = udfs.late_interest(1000, date(2025, 1, 1), date(2025, 3, 1), client_type="Martien")
    assert isinstance(value, str) and "type de client inconnu" in value
