"""Credit notes linked to the invoice they correct.

A French credit note names the invoice it corrects (CGI art. 289 I-5: a document that
modifies the initial invoice and refers to it specifically and unambiguously), and late-payment penalties run on the sums still due
(Code de commerce L441-10 II). So a credit note whose *Facture d'origine* names an invoice
of the same client reduces that invoice's balance, and its interest base from the credit
note's own date (its date inclusive). What a credit note gives beyond the invoice's amount
stays the client's credit, as an unlinked credit note does.

Pure: no I/O. Shared by ``ledger`` and ``fast`` so that both link the same way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from itertools import compress
from operator import attrgetter
from decimal import Decimal
from typing import Mapping, Sequence

from addin.core.model import ZERO, Invoice


_CORRECTS = attrgetter("corrects")


@dataclass(frozen=True)
class Links:
    """``applied``: invoice number → ((credit note date, amount taken off, positive), ...) in date
    order; ``left``: linked credit note number → what it still gives (≥ 0) beyond its invoice."""

    applied: Mapping[str, tuple[tuple[date, Decimal], ...]] = field(default_factory=dict)
    left: Mapping[str, Decimal] = field(default_factory=dict)

    def credited(self, number: str) -> Decimal:
        return sum((a for _, a in self.applied.get(number, ())), ZERO)


def link_problem(credit: Invoice, target: Invoice | None) -> str | None:
    """Why ``credit``'s *Facture d'origine* cannot be linked (None when it can)."""
    if not credit.corrects:
        return None
    if not credit.is_credit_note:
        return f"« {credit.number} » n'est pas un avoir (montant positif) : sa facture d'origine est ignorée"
    if target is None:
        return f"facture d'origine « {credit.corrects} » inconnue : l'avoir reste un crédit du client"
    if target.client != credit.client:
        return (f"la facture d'origine « {target.number} » est celle du client {target.client}, pas de "
                f"{credit.client} : l'avoir reste un crédit du client")
    if target.is_credit_note or target.amount_ttc <= 0:
        return f"« {target.number} » est un avoir, pas une facture : l'avoir reste un crédit du client"
    return None


def link(invoices: Sequence[Invoice]) -> Links:
    """Apply each linked credit note to its invoice, in date order (then register order), up to
    the invoice's amount incl. VAT; what exceeds it is left on the credit note."""
    # One attribute read per invoice (a million-row register has few credit notes).
    credits = [inv for inv in compress(invoices, map(_CORRECTS, invoices)) if inv.amount_ttc < 0]
    if not credits:
        return Links()
    by_number = {inv.number: inv for inv in invoices}
    applied: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    left: dict[str, Decimal] = {}
    room: dict[str, Decimal] = {}
    for position, credit in sorted(enumerate(credits), key=lambda pair: (pair[1].issued, pair[0])):
        target = by_number.get(credit.corrects or "")
        if link_problem(credit, target) is not None:
            continue
        free = room.setdefault(target.number, target.amount_ttc)
        take = min(-credit.amount_ttc, free)
        if take > 0:
            applied[target.number].append((credit.issued, take))
            room[target.number] = free - take
        left[credit.number] = -credit.amount_ttc - max(take, ZERO)
    return Links({n: tuple(v) for n, v in applied.items()}, left)
