"""Issue 13: the two optional Factures columns, « Facture d'origine » and « Date de réception »,
read from their French or English labels; a credit note's original invoice that cannot be linked
is said in Anomalies."""

from datetime import date

import pytest

from addin.register.load import load
from tests.register.conftest import FakeBook
from tests.register.test_load import INVOICES_FR, INVOICE_ROWS, french_sheets

EN = {"Facture d'origine": "Original invoice", "Date de réception": "Receipt date"}


@pytest.mark.parametrize("english", [False, True])
def test_original_invoice_and_receipt_date_are_read(english):
    header = INVOICES_FR + ["Facture d'origine", "Date de réception"]
    if english:
        header = INVOICES_FR + [EN["Facture d'origine"], EN["Date de réception"]]
    rows = [row + [None, None] for row in INVOICE_ROWS]
    rows[1][-1] = "20/04/2025"  # the Mairie's invoice, received on 20 April (Chorus Pro)
    rows[2][-2] = "F2025-001"  # the credit note corrects F2025-001 (same client)
    register, problems = load(FakeBook(french_sheets(Factures=[header, *rows])))
    by_number = {i.number: i for i in register.invoices}
    assert by_number["AV-2025-001"].corrects == "F2025-001"
    assert by_number["F2025-002"].received == date(2025, 4, 20)
    assert not [p for p in problems if p.code == "invoice.corrects"]


def test_an_original_invoice_of_another_client_is_a_warning():
    header = INVOICES_FR + ["Facture d'origine"]
    rows = [row + [None] for row in INVOICE_ROWS]
    rows[2][-1] = "F2025-002"  # the Mairie's invoice, not C001's
    _, problems = load(FakeBook(french_sheets(Factures=[header, *rows])))
    (problem,) = [p for p in problems if p.code == "invoice.corrects"]
    assert (problem.row, problem.column, problem.value) == (4, "Facture d'origine", "F2025-002")
    assert "MAIRIE" in problem.message and "crédit du client" in problem.message
