"""Early-payment discount (escompte) — Code de commerce L441-9, LAW.md §7.

The discount is a price reduction on the amount excluding VAT; the VAT falls with
it. It is earned only when the invoice is paid in full on or before the deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from addin.core.model import cents

SEED_PRACTICE_MAX = Decimal("0.02")  # common practice: at most 2 % of the HT amount


@dataclass(frozen=True)
class Discount:
    applies: bool
    discount_ht: Decimal
    discount_vat: Decimal
    discount_ttc: Decimal
    amount_due_ttc: Decimal  # what the client owes: TTC minus the discount when it applies
    reason: str
    warning: str = ""


def early_discount(amount_ht: Decimal, vat_rate: Decimal, discount_rate: Decimal,
                   deadline: date, paid_on: date | None) -> Discount:
    """The discount earned by paying in full by ``deadline`` (``paid_on`` None: not paid in full).

    discount HT = HT × rate; its VAT = discount HT × VAT rate; each rounded half-up to
    the cent. E.g. 1,000 € HT at 20 % VAT, 2 %: 20.00 HT + 4.00 VAT = 24.00 off 1,200.00.
    """
    if discount_rate < 0 or discount_rate > 1:
        raise ValueError(f"taux d'escompte impossible : {discount_rate} (entre 0 et 100 %)")
    if vat_rate < 0 or vat_rate > 1:
        raise ValueError(f"taux de TVA impossible : {vat_rate} (entre 0 et 100 %)")
    ttc = cents(amount_ht + amount_ht * vat_rate)
    discount_ht = cents(amount_ht * discount_rate)
    discount_vat = cents(discount_ht * vat_rate)
    discount_ttc = discount_ht + discount_vat
    warning = ("escompte supérieur à 2 % du HT : au-delà de l'usage, vérifiez le taux"
               if discount_rate > SEED_PRACTICE_MAX else "")
    if paid_on is not None and paid_on <= deadline:
        return Discount(True, discount_ht, discount_vat, discount_ttc, ttc - discount_ttc,
                        f"payée le {paid_on:%d/%m/%Y}, au plus tard le {deadline:%d/%m/%Y}", warning)
    reason = ("non payée en totalité" if paid_on is None
              else f"payée le {paid_on:%d/%m/%Y}, après le {deadline:%d/%m/%Y}")
    return Discount(False, discount_ht, discount_vat, discount_ttc, ttc, reason, warning)


