"""Échéancier: spread an invoice's balance over an installment plan in ``Échéanciers``.

The new steps are appended (never written over existing rows): plan number
``P-NNN`` (the next free one), one step per installment whose amounts add up to
the balance to the cent (remainder on the last), dates as Excel's EDATE from the
first installment, the invoice number on every step. From the next refresh on,
the plan's dates drive the reminders of that invoice (LAW.md §6b: a plan agreed
after default does not stop the penalties).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from addin.books.base import Book
from addin.core.dates import add_months
from addin.core.fast import choose as engine
from addin.core.model import Status
from addin.core.plans import installment_plan
from addin.register import schema


@dataclass(frozen=True)
class PlanResult:
    summary: str
    plan: str = ""
    rows: tuple = ()


def run(book: Book, *, today: date, invoice: str | None = None, count: int = 3, first_due: date | None = None,
        months_between: int = 1, deposit_rate: Decimal = Decimal(0)) -> PlanResult:
    """Add an installment plan for ``invoice`` (else the invoice on the selected row of Factures)."""
    from addin.mail.formatting import money
    from addin.register.load import load, load_rates
    from addin.register.snapshot import Snapshot

    snapshot = Snapshot.read(book)  # every read first: the live book is not read after a write
    register, _ = load(snapshot)
    number = invoice or _selected_invoice(book, snapshot)
    rates, _ = load_rates(snapshot)
    ledger, _ = engine(register)(register, today, rates)
    state = ledger.by_number().get(number)
    if state is None:
        raise ValueError(f"Facture « {number} » introuvable (ou en erreur : voir Anomalies).")
    if state.status in (Status.PAID, Status.CREDIT_NOTE) or state.balance <= 0:
        raise ValueError(f"La facture « {number} » n'a plus rien à payer : pas d'échéancier.")
    if any(step.invoice == number for step in register.plan_steps):
        raise ValueError(f"La facture « {number} » a déjà un plan dans la feuille Échéanciers.")

    first = first_due or add_months(today, 1)
    steps = installment_plan(state.balance, count, first, months_between, deposit_rate)
    plan_id = _next_plan_id(p.plan for p in register.plan_steps)
    name, data = snapshot.data(schema.ECHEANCIERS)
    if name is None:
        raise ValueError("Le classeur n'a pas de feuille « Échéanciers » : repartez du modèle workbook_template.xlsx.")
    header = schema.locate_header(data, schema.ECHEANCIERS)
    if header.row is None:
        raise ValueError("La feuille « Échéanciers » n'a pas sa ligne d'en-têtes.")
    width = max(header.columns.values())
    rows = []
    for step in steps:
        row: list[object] = [None] * width
        # As complete as a plan typed by hand: a plan agreed after default does not suspend the
        # penalties unless it says so (LAW.md §6b), so « Non » is written, never left blank.
        values = {"plan": plan_id, "client": state.invoice.client, "label": f"Échelonnement de la facture {number}",
                  "total": state.balance, "step": step.label, "amount": step.amount, "due": step.due,
                  "invoice": number, "suspends_penalties": "No" if header.language == "en" else "Non"}
        for key, value in values.items():
            if key in header.columns:
                row[header.columns[key] - 1] = value
        rows.append(row)
    book.append_rows(name, rows)
    book.save()
    lines = [f"Plan {plan_id} ajouté pour la facture {number} ({money(state.balance, 'fr')}) :"]
    lines += [f"  {s.label} : {money(s.amount, 'fr')} le {s.due:%d/%m/%Y}" for s in steps]
    lines.append("Les relances de cette facture suivront ces dates dès le prochain « Actualiser ».")
    return PlanResult("\n".join(lines), plan_id, tuple(rows))


def _selected_invoice(book: Book, sheets: Book | None = None) -> str:
    """The invoice number on the row selected in Excel (``sheets``: where to read Factures from)."""
    selection = getattr(book, "selection", None)
    where = selection() if callable(selection) else None
    message = "Sélectionnez la ligne de la facture à étaler dans la feuille Factures, puis cliquez sur Échéancier."
    if where is None:
        raise ValueError(message)
    sheet, row = where
    if schema.find_sheet([sheet], schema.FACTURES) is None:
        raise ValueError(message)
    data = (sheets or book).read_sheet(sheet)
    header = schema.locate_header(data, schema.FACTURES)
    if header.row is None or row <= header.row or row > len(data.rows):
        raise ValueError(message)
    value = data.rows[row - 1][header.columns["number"] - 1]
    if value in (None, ""):
        raise ValueError(message)
    return str(value).strip()


def _next_plan_id(existing) -> str:
    numbers = [int(m.group(1)) for p in existing if (m := re.fullmatch(r"P-(\d+)", str(p)))]
    return f"P-{max(numbers, default=0) + 1:03d}"
