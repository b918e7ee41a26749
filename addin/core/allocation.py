"""Payments to invoices — Code civil 1342-10, LAW.md §6b.

A payment goes to the invoice it names, up to that invoice's balance (the payer's
choice) — even an invoice whose due date is unknown (its terms unreadable): its amount
is known, only its place among the oldest is not; whatever exceeds it becomes the
client's credit, reported. A payment that
names no invoice (or an unknown one) goes to the client's open invoices, the
oldest due first (1342-10: among debts due, the oldest), then to credit. Credit
notes are not open items: they stay separate negative items that reduce the
client's balance. Money is conserved to the cent: what is accepted equals what is
applied plus what is left as credit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Mapping, Sequence

from addin.core.model import ZERO, Payment, Problem, Severity, format_euros

SHEET = "Paiements"


@dataclass(frozen=True, slots=True)
class OpenItem:
    number: str
    client: str
    issued: date
    due: date | None  # None: unknown (unreadable terms): named payments only
    amount: Decimal  # TTC, > 0


@dataclass(frozen=True, slots=True)
class Application:
    payment: int  # index into the payments sequence
    invoice: str
    paid_on: date
    amount: Decimal


@dataclass(frozen=True)
class Allocation:
    applications: tuple[Application, ...]
    credits: Mapping[str, Decimal] = field(default_factory=dict)  # client -> unallocated
    problems: tuple[Problem, ...] = ()
    _by_invoice: Mapping[str, tuple[tuple[date, Decimal], ...]] = field(default_factory=dict, repr=False)

    def payments_of(self, invoice: str) -> list[tuple[date, Decimal]]:
        """(date, amount) applied to ``invoice``, in date order."""
        return list(self._by_invoice.get(invoice, ()))

    def paid(self, invoice: str) -> Decimal:
        return sum((a for _, a in self._by_invoice.get(invoice, ())), ZERO)


def allocate(items: Sequence[OpenItem], payments: Sequence[Payment]) -> Allocation:
    """Allocate ``payments`` (taken in date order, ties in input order) to ``items``."""
    balance: dict[str, Decimal] = {i.number: i.amount for i in items}
    item_of: dict[str, OpenItem] = {i.number: i for i in items}
    open_by_client: dict[str, list[OpenItem]] = defaultdict(list)
    for item in sorted((i for i in items if i.due is not None), key=lambda i: (i.due, i.issued, i.number)):
        open_by_client[item.client].append(item)
    cursor: dict[str, int] = defaultdict(int)  # first possibly-open item per client

    applications: list[Application] = []
    credits: dict[str, Decimal] = defaultdict(lambda: ZERO)
    problems: list[Problem] = []

    order = sorted(range(len(payments)), key=lambda k: (payments[k].paid_on, k))
    for k in order:
        p = payments[k]
        if p.amount <= 0:
            problems.append(not_positive(p))
            continue
        left = p.amount
        if p.invoice:
            target = item_of.get(p.invoice)
            if target is None:
                problems.append(unknown_invoice(p))
            elif target.client != p.client:
                problems.append(client_mismatch(p, target.client))
            else:
                take = min(left, balance[target.number])
                if take > 0:
                    applications.append(Application(k, target.number, p.paid_on, take))
                    balance[target.number] -= take
                    left -= take
                if left > 0:
                    credits[p.client] += left
                    problems.append(exceeds_balance(p, left))
                continue
        queue = open_by_client.get(p.client, [])
        i = cursor[p.client]
        while left > 0 and i < len(queue):
            item = queue[i]
            open_amount = balance[item.number]
            if open_amount <= 0:
                i += 1
                continue
            take = min(left, open_amount)
            applications.append(Application(k, item.number, p.paid_on, take))
            balance[item.number] -= take
            left -= take
            if balance[item.number] <= 0:
                i += 1
        # Items before the cursor are settled; named payments never reopen an item.
        while cursor[p.client] < len(queue) and balance[queue[cursor[p.client]].number] <= 0:
            cursor[p.client] += 1
        if left > 0:
            credits[p.client] += left

    by_invoice: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    for a in applications:
        by_invoice[a.invoice].append((a.paid_on, a.amount))
    return Allocation(
        tuple(applications), {c: v for c, v in credits.items() if v}, tuple(problems),
        {n: tuple(v) for n, v in by_invoice.items()},
    )


# The problems of a payment, shared with ``fast`` so that both say the same words.


def not_positive(p: Payment) -> Problem:
    return Problem(
        SHEET, p.row, "Montant", p.amount, "paiement nul ou négatif : ignoré",
        "Saisissez le montant reçu (positif). Un remboursement d'avoir se note en réduisant l'avoir.",
        code="payment.not_positive")


def unknown_invoice(p: Payment) -> Problem:
    return Problem(
        SHEET, p.row, "N° facture", p.invoice,
        f"facture « {p.invoice} » inconnue : paiement imputé sur les plus anciennes",
        "Corrigez le numéro de facture, ou videz la cellule pour une imputation automatique.",
        severity=Severity.WARNING, code="payment.unknown_invoice")


def client_mismatch(p: Payment, owner: str) -> Problem:
    return Problem(
        SHEET, p.row, "N° facture", p.invoice,
        f"la facture « {p.invoice} » appartient au client {owner}, pas à {p.client} : "
        "paiement imputé sur les factures de ce client",
        "Corrigez le code client ou le numéro de facture.", code="payment.client_mismatch")


def exceeds_balance(p: Payment, left: Decimal) -> Problem:
    return Problem(
        SHEET, p.row, "Montant", p.amount,
        f"paiement supérieur au reste dû de « {p.invoice} » : {format_euros(left)} gardés en avoir client",
        "Vérifiez le montant ; l'excédent sera déduit des prochaines relances du client.",
        severity=Severity.WARNING, code="payment.exceeds_balance")
