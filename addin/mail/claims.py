"""What a reminder or a formal notice states and claims, computed from its own lines.

Shared by the e-mails (``addin.mail.compose``), the formal-notice letter
(``addin.reports.letters``) and the *Relances* sheet (``addin.actions.queue``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from addin.core.dunning import CLAIMING_TEMPLATES
from addin.core.model import ZERO, Action, ActionItem, ClientType, cents
from addin.mail.text import one_line

# Listed after the invoices, beside the total: the credit (credit notes, unallocated payments,
# negative) and the older invoices it covers (``covered``, positive: offset against it).
DEDUCTION_KINDS = ("covered", "credit_note", "unallocated_payment")


# --- what the reminder claims ---------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """The figures a reminder or a formal notice states, computed from its own lines.

    Totals are summed from the lines shown, so that what the client reads adds up.
    Deductions (credit notes, unallocated payments) are negative amounts.
    """

    invoices: tuple[ActionItem, ...]
    deductions: tuple[tuple[ActionItem, Decimal], ...]
    balance: Decimal  # invoices minus deductions (on a plan: the installments due now)
    interest: Decimal  # of the invoices whose interest is known
    indemnity: Decimal  # always 0 for a consumer (no 40 € between a business and a consumer)
    claimed: Decimal  # balance + interest + indemnity
    reference: str  # the invoice numbers, the reference to quote on the transfer
    client_type: ClientType
    next_due: date | None
    max_days_late: int


def summarize(action: Action) -> Summary:
    invoices = tuple(i for i in action.items if i.kind not in DEDUCTION_KINDS)
    deductions = tuple((i, abs(i.balance) if i.kind == "covered" else -abs(i.balance))
                       for i in action.items if i.kind in DEDUCTION_KINDS)
    balance = cents(sum((i.balance for i in invoices), ZERO) + sum((d for _, d in deductions), ZERO))
    consumer = action.client.type == ClientType.CONSUMER
    interest = cents(sum((i.interest for i in invoices if i.interest_known), ZERO))
    indemnity = ZERO if consumer else cents(sum((i.indemnity for i in invoices), ZERO))
    dues = [reference_date(i) for i in invoices if reference_date(i) is not None]
    return Summary(
        invoices=invoices,
        deductions=deductions,
        balance=balance,
        interest=interest,
        indemnity=indemnity,
        claimed=cents(balance + interest + indemnity),
        reference=" ".join(one_line(i.number) for i in invoices),
        client_type=action.client.type,
        next_due=min(dues) if dues else None,
        max_days_late=max((i.days_late for i in invoices), default=0),
    )


def reference_date(item: ActionItem) -> date | None:
    """The date the item's amount fell (or falls) due: its first unpaid installment, else its due date."""
    return item.ref or item.due


@dataclass(frozen=True)
class Claim:
    """What a message asks the client to pay, line by line of the Relances sheet.

    ``interest`` / ``indemnity`` are None when the message does not claim them: a
    reminder before the last one asks for the balance only. A consumer owes no 40 €
    (LAW.md §5), and legal interest only from the formal notice (Code civil 1231-6):
    it is shown only once it runs.
    """

    balance: Decimal
    interest: Decimal | None
    indemnity: Decimal | None
    total: Decimal


def claim(action: Action) -> Claim:
    summary = summarize(action)
    if action.step.template not in CLAIMING_TEMPLATES:
        return Claim(summary.balance, None, None, summary.balance)
    consumer = summary.client_type == ClientType.CONSUMER
    interest = summary.interest if not consumer or summary.interest > 0 else None
    indemnity = None if consumer else summary.indemnity
    return Claim(summary.balance, interest, indemnity, summary.claimed)


def amount_to_pay(action: Action) -> Decimal:
    """What the email asks for: the balance, plus interest and indemnity when the step claims them."""
    return claim(action).total
