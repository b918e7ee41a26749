"""A plan step covered by a credit note linked to its invoice (« Facture d'origine ») is paid."""

from __future__ import annotations

from datetime import date

import openpyxl

from addin.actions import refresh
from addin.books.file import FileBook
from addin.register import schema
from tests.actions.test_refresh import TODAY, fill_template


def append(book, sheet, rows):
    name = schema.find_sheet(book.sheet_names(), sheet)
    header = schema.locate_header(book.read_sheet(name), sheet)
    block = []
    for values in rows:
        row = [None] * max(header.columns.values())
        for key, value in values.items():
            row[header.columns[key] - 1] = value
        block.append(row)
    book.append_rows(name, block)


def test_an_installment_covered_by_a_linked_credit_note_shows_paid(tmp_path):
    # F002: 1,200.00 TTC (client C1) spread over three installments of 400.00 (01/06, 15/06, 15/07).
    # Paid 400.00 on 05/06; credit note AV002 of 400.00 TTC corrects F002 (« Facture d'origine »).
    # On 30/06/2025: paid 400 + credited 400 = 800 = 400 + 400 → installments 1 and 2 are covered
    # (Payée); the 400 left (1,200 − 400 − 400, the Reste dû) is installment 3, due 15/07: Facturée.
    path = fill_template(tmp_path / "Registre.xlsx")
    book = FileBook.open(path, today=TODAY, backups=0)
    append(book, schema.FACTURES, [dict(number="AV002", client="C1", issued=date(2025, 6, 10), amount_ht=-333.33,
                                        amount_ttc=-400.0, terms="à réception", corrects="F002")])
    append(book, schema.PAIEMENTS, [dict(paid_on=date(2025, 6, 5), client="C1", invoice="F002", amount=400.0,
                                         method="Virement", reference="VIR F002-1")])
    append(book, schema.ECHEANCIERS, [
        dict(plan="P2", client="C1", label="F002 en 3 fois", total=1200.0, step=f"Échéance {k}", amount=400.0,
             due=due, invoice="F002")
        for k, due in enumerate((date(2025, 6, 1), date(2025, 6, 15), date(2025, 7, 15)), start=1)])
    book.save()

    refresh.run(FileBook.open(path, today=TODAY, backups=0), today=TODAY)

    wb = openpyxl.load_workbook(path)
    factures = wb["Factures"]
    labels = [c.value for c in factures[1]]
    f002 = next(r for r in factures.iter_rows(min_row=2, values_only=True) if r[0] == "F002")
    assert f002[labels.index("Reste dû")] == 400  # 1,200 − 400 credited − 400 paid
    plans = wb["Échéanciers"]
    labels = [c.value for c in plans[1]]
    status = {r[labels.index("Étape")]: r[labels.index("Statut de l'étape")]
              for r in plans.iter_rows(min_row=2, values_only=True) if r[0] == "P2"}
    assert status == {"Échéance 1": "Payée", "Échéance 2": "Payée", "Échéance 3": "Facturée"}
