"""Late interest and the fixed recovery indemnity on one invoice (LAW.md §2-6b).

Conventions the Code leaves to practice (LAW.md §6b), all applied here:

* interest runs from the day after the due date, without any reminder;
  days late = payment date − due date, so the payment day counts as a day late;
* simple interest on the amount still due including VAT, days / 365 — always
  365, leap years included (no text provides for 366);
* after a partial payment the base drops from the day after the payment;
* each period's amount stays unrounded; the invoice's total is rounded once,
  half-up, to the cent (``model.cents``);
* a half-year the rate table does not know raises ``MissingRate``, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Sequence

from addin.core.dates import half_year, half_year_end
from addin.core.model import ZERO, ClientType, InterestPeriod, cents
from addin.core.rates import HalfYearRates, RateTable, percent_text, read_fraction

DAYS_IN_YEAR = Decimal(365)  # never 366: LAW.md §6b, Bpifrance formula
RECOVERY_INDEMNITY = Decimal("40.00")  # C. com. D441-5

BELOW_FLOOR_POLICIES = ("legal_default", "floor", "contract")
IMPUTATIONS = ("principal", "interest_first")

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class InterestResult:
    """Late interest on one invoice at one date.

    ``amount`` is rounded to the cent; ``periods`` hold the unrounded pieces
    it is the rounded sum of. With ``imputation="interest_first"``,
    ``interest_paid`` is the part of the payments imputed to interest and
    ``principal_due`` what remains of the principal (both in cents).
    """

    amount: Decimal
    periods: tuple[InterestPeriod, ...]
    warnings: tuple[str, ...]
    rule: str
    interest_paid: Decimal = ZERO
    principal_due: Decimal | None = None


def _fr_percent(rate: Decimal) -> str:
    """0.0315 → « 3,15 % » (at least two decimals, more only when needed)."""
    value = (rate * 100).normalize()
    if value.as_tuple().exponent > -2:
        value = value.quantize(Decimal("0.01"))
    return f"{value:f}".replace(".", ",") + " %"


@dataclass(frozen=True)
class _Rate:
    rate: Decimal
    source: str


def late_interest(
    amount: Decimal,
    due: date,
    as_of: date,
    *,
    rates: RateTable,
    client_type: ClientType = ClientType.BUSINESS,
    payments: Sequence[tuple[date, Decimal]] = (),
    contract_rate: Decimal | None = None,
    notice_date: date | None = None,
    below_floor_policy: str = "legal_default",
    imputation: str = "principal",
    credits: Sequence[tuple[date, Decimal]] = (),
) -> InterestResult:
    """Late interest on ``amount`` (incl. VAT) due on ``due``, as of ``as_of``.

    BUSINESS (C. com. L441-10 II): reference rate of each half-year + 10 points,
    piecewise (a period crossing 30 June / 31 December is split); or
    ``contract_rate`` flat, flagged in each half-year where it is below the floor
    (3 × legal rate "other cases"), where ``below_floor_policy`` decides:
    "legal_default" (reference + 10 pts), "floor" (3 × legal) or "contract".
    PUBLIC (CCP R2192-31 s.): reference rate of the half-year in which interest
    started to run + 8 points, for the whole delay (a contract rate is ignored).
    CONSUMER (C. civ. 1231-6): no L441-10 interest; legal rate "other cases"
    (the creditor is a business), piecewise, from the day after ``notice_date``
    (none without a notice); a ``contract_rate`` replaces the legal rate.

    Days: from the day after ``due`` to the payment that settles the balance or
    ``as_of``, both inclusive; ÷ 365, even in leap years. ``payments`` are
    (date, amount); those on or before ``due`` only reduce the base, those after
    ``as_of`` are ignored; the base drops the day after each payment.
    ``imputation="interest_first"`` (C. civ. 1343-1) imputes each payment to the
    interest accrued and unpaid first (rounded to the cent, since a payment
    settles whole cents), then to principal; "principal" (default) imputes to
    principal only.

    ``credits`` are (date, amount) of the credit notes linked to the invoice
    (``credit_notes``): each lowers the base from its own date, inclusive (the invoice
    is corrected that day), and is never imputed to interest.

    Raises ``MissingRate`` when a half-year needed is not in ``rates``, and
    ValueError for an unknown policy or imputation.
    """
    if below_floor_policy not in BELOW_FLOOR_POLICIES:
        raise ValueError(f"règle sous le plancher inconnue « {below_floor_policy} » : "
                         f"attendu {', '.join(BELOW_FLOOR_POLICIES)}")
    if imputation not in IMPUTATIONS:
        raise ValueError(f"imputation inconnue « {imputation} » : attendu {', '.join(IMPUTATIONS)}")

    warnings: list[str] = []
    rule, start, rate_of = _rule(rates, client_type, due, contract_rate, notice_date,
                                 below_floor_policy, warnings)

    # (last day at the old base, amount, is a payment): a payment's day still counts at the
    # old base, a credit note's does not.
    known = sorted([(d, a, True) for d, a in payments if d <= as_of]
                   + [(d - _ONE_DAY, a, False) for d, a in credits if d <= as_of],
                   key=lambda event: (event[0], not event[2], event[1]))
    principal = amount
    # Payments made before interest starts only reduce the base.
    while known and (start is None or known[0][0] < start):
        principal -= known.pop(0)[1]
    principal = max(principal, ZERO)

    periods: list[InterestPeriod] = []
    accrued = ZERO  # unrounded interest so far
    interest_paid = ZERO
    day = start
    while start is not None and day <= as_of and principal > 0:
        # The period runs to the first of: half-year end, next payment day, as_of.
        end = min(half_year_end(*half_year(day)), as_of)
        if known and known[0][0] < end:
            end = known[0][0]
        applied = rate_of(day)
        days = (end - day).days + 1
        piece = principal * applied.rate * days / DAYS_IN_YEAR
        periods.append(InterestPeriod(day, end, days, principal, applied.rate, applied.source, piece))
        accrued += piece
        # Payments of the period's last day count that day at the old base.
        while known and known[0][0] == end:
            _, paid, is_payment = known.pop(0)
            if imputation == "interest_first" and is_payment:
                to_interest = min(paid, max(cents(accrued) - interest_paid, ZERO))
                interest_paid += to_interest
                paid -= to_interest
            principal = max(principal - paid, ZERO)
        day = end + _ONE_DAY

    merged = _merge(periods)
    for period in merged:
        if "(non vérifié)" in period.rate_source:
            note = (f"taux {period.rate_source} : ligne de la feuille Taux non vérifiée, "
                    "confirmez-la (Vérifié = Oui)")
            if note not in warnings:
                warnings.append(note)
    return InterestResult(
        amount=cents(sum((p.amount for p in merged), ZERO)),
        periods=tuple(merged),
        warnings=tuple(warnings),
        rule=rule,
        interest_paid=cents(interest_paid),
        principal_due=cents(principal),
    )


def _merge(periods: list[InterestPeriod]) -> list[InterestPeriod]:
    """Join consecutive periods with the same base and rate (a flat public rate across 1 July)."""
    merged: list[InterestPeriod] = []
    for p in periods:
        last = merged[-1] if merged else None
        if (last and last.base == p.base and last.rate == p.rate and last.rate_source == p.rate_source
                and last.end + _ONE_DAY == p.start):
            days = last.days + p.days
            merged[-1] = InterestPeriod(last.start, p.end, days, p.base, p.rate, p.rate_source,
                                        p.base * p.rate * days / DAYS_IN_YEAR)
        else:
            merged.append(p)
    return merged


def _label(row: HalfYearRates) -> str:
    return row.label + ("" if row.verified else " (non vérifié)")


def _rule(rates, client_type, due, contract_rate, notice_date, policy, warnings):
    """(rule text, first day of interest or None, function day -> _Rate)."""
    first_day = due + _ONE_DAY

    if client_type == ClientType.PUBLIC:
        if contract_rate is not None:
            warnings.append("taux contractuel ignoré : les intérêts moratoires d'un acheteur public "
                            "sont fixés par le Code de la commande publique (R2192-31)")

        def public(day: date) -> _Rate:
            # The half-year in which interest started decides, for the whole delay; looked up
            # only when a day is late, so an invoice not yet due never needs a future rate.
            row = rates.row_for(first_day)
            return _Rate(row.public, f"BCE {_label(row)} {_fr_percent(row.ecb)} + 8 pts (R2192-31 CCP)")
        return ("Intérêts moratoires : taux BCE du semestre où ils ont commencé à courir + 8 points, "
                "pour toute la durée du retard (CCP R2192-31 s.)", first_day, public)

    if client_type == ClientType.CONSUMER:
        if notice_date is None:
            return ("Particulier : pas de pénalités L441-10 ; intérêts au taux légal seulement après "
                    "mise en demeure (C. civ. 1231-6), non reçue", None, None)
        start = max(due, notice_date) + _ONE_DAY
        if contract_rate is not None:
            flat = _Rate(contract_rate, f"taux contractuel {_fr_percent(contract_rate)}")
            return ("Particulier : taux contractuel des conditions de vente, à compter de la mise en "
                    "demeure (C. civ. 1231-6)", start, lambda day: flat)

        def legal(day: date) -> _Rate:
            row = rates.row_for(day)
            return _Rate(row.legal_other,
                         f"intérêt légal {_label(row)} {_fr_percent(row.legal_other)} (C. civ. 1231-6)")
        return ("Particulier : intérêt au taux légal (autres cas) par semestre, à compter de la mise "
                "en demeure (C. civ. 1231-6)", start, legal)

    def default(day: date) -> _Rate:
        row = rates.row_for(day)
        return _Rate(row.default_penalty, f"BCE {_label(row)} {_fr_percent(row.ecb)} + 10 pts (L441-10)")

    if contract_rate is None:
        return ("Pénalités de retard : taux BCE du semestre + 10 points, au jour le jour, base TTC, "
                "jours/365 (C. com. L441-10 II)", first_day, default)

    flagged: set[tuple[int, int]] = set()

    def contract(day: date) -> _Rate:
        row = rates.row_for(day)
        if contract_rate >= row.floor:
            return _Rate(contract_rate, f"taux contractuel {_fr_percent(contract_rate)}")
        if (row.year, row.half) not in flagged:
            flagged.add((row.year, row.half))
            warnings.append(
                f"clause non conforme : taux contractuel {_fr_percent(contract_rate)} inférieur au plancher "
                f"de {_fr_percent(row.floor)} (3 × taux légal {_label(row)}, L441-10 II) ; "
                + {"legal_default": "le taux légal BCE + 10 points s'applique",
                   "floor": "le plancher s'applique",
                   "contract": "le taux contractuel est appliqué tel quel (réglage)"}[policy]
            )
        if policy == "floor":
            return _Rate(row.floor, f"plancher 3 × intérêt légal {_label(row)} {_fr_percent(row.legal_other)} "
                                    "(L441-10 II)")
        if policy == "contract":
            return _Rate(contract_rate, f"taux contractuel {_fr_percent(contract_rate)} (sous le plancher)")
        return default(day)

    return ("Pénalités de retard au taux contractuel, au moins 3 × le taux d'intérêt légal "
            "(C. com. L441-10 II), base TTC, jours/365", first_day, contract)


def indemnity_owed(
    amount: Decimal, due: date, as_of: date, payments: Sequence[tuple[date, Decimal]] = ()
) -> bool:
    """Whether the 40 € indemnity is owed on this invoice as of ``as_of`` (D441-5).

    Owed once per invoice as soon as any part of it is paid after the due date
    or still unpaid after it, even when part was paid on time (DGCCRF).
    """
    if amount <= 0 or as_of <= due:
        return False
    paid_on_time = sum((a for d, a in payments if d <= due), ZERO)
    return paid_on_time < amount


def recovery_indemnity(client_type: ClientType, owed: bool = True) -> Decimal:
    """The fixed recovery indemnity: 40 € per late invoice (C. com. L441-10 II, D441-5).

    Due from a business or a public buyer; never from a consumer.
    """
    if not owed or client_type == ClientType.CONSUMER:
        return ZERO
    return RECOVERY_INDEMNITY


_PERIODS = (
    (re.compile(r"\b(mois|month|months|mensuel|mensuelle|monthly)\b"), Decimal(12)),
    (re.compile(r"\b(semaine|semaines|week|weeks|hebdomadaire|weekly)\b"), Decimal(52)),
    (re.compile(r"\b(jour|jours|day|days|journalier|daily)\b"), Decimal(365)),
    (re.compile(r"\b(an|ans|annee|year|years|annum|annuel|annuelle|yearly|annual|annually)\b"), Decimal(1)),
)
_FILLERS = re.compile(r"\b(par|per|a|l|the|each|chaque|de|d|taux|rate|interet|interest)\b|/")
_LEGAL_MULTIPLE = re.compile(r"(fois|x|×|times)\s*(le\s*)?(taux|the)?\s*(d.interet\s*)?(legal|interet)")
_HINT = "saisissez un taux annuel, ex. « 15 % », « 0,15 » ou « 1 % par mois » ; laissez vide pour le taux légal"


def parse_rate(value: object) -> Decimal:
    """The ``Taux de pénalité`` cell as an annual fraction.

    An annual rate (a number, or text without a period, or « par an »): 0.15 or
    « 0,15 » is 15 %; a number of 1 or more is a percentage (15 → 0.15); « 15 % ».
    A rate per month, week or day: the number is always a percentage of that period
    (« 0,75 par mois » = 0.75 % a month × 12 = 9 % a year; « 1 % par mois » = 12 %),
    since a fraction per month (0.75 = 75 % a month) is never meant. Weeks count
    52 to the year (« 0,25 % par semaine » = 13 %), days 365. « 3 fois le taux
    légal » is refused: that rate changes every half-year (leave the cell empty or
    type the half-year's figure). A result above 100 % a year is refused as a typing
    mistake (« 2 % par semaine » = 104 %). Raises ValueError with a French message and
    a hint for anything unreadable or implausible.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"taux de pénalité vide : {_HINT}")
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        rate = read_fraction(value)
    else:
        text = str(value)
        key = " ".join(
            text.lower().replace("\u00a0", " ").replace("\u202f", " ")
            .replace("é", "e").replace("è", "e").replace("'", " ").replace("’", " ").split()
        )
        if _LEGAL_MULTIPLE.search(key) or "legal" in key or "bce" in key or "ecb" in key:
            raise ValueError(
                f"taux de pénalité « {text} » : un taux qui suit le taux légal ou la BCE change chaque "
                "semestre ; laissez la cellule vide pour le taux légal (BCE + 10 points), ou saisissez "
                "le chiffre du semestre (voir la feuille Taux)"
            )
        factor = Decimal(1)
        for pattern, times in _PERIODS:
            match = pattern.search(key)
            if match:
                factor = times
                key = (key[:match.start()] + key[match.end():]).strip()
                break
        number = _FILLERS.sub(" ", key).replace(" ", "")
        if not re.fullmatch(r"[+-]?\d+([.,]\d+)?%?", number):
            raise ValueError(f"taux de pénalité illisible « {text} » : {_HINT}")
        try:
            if factor == 1:
                rate = read_fraction(number)
            else:  # a period's rate is a percentage of that period, with or without « % »
                rate = Decimal(number.replace("%", "").replace(",", ".")) / 100 * factor
        except (ValueError, InvalidOperation):
            raise ValueError(f"taux de pénalité illisible « {text} » : {_HINT}") from None
    if rate < 0:
        raise ValueError(f"taux de pénalité négatif « {value} » : {_HINT}")
    if rate > 1:
        raise ValueError(f"taux de pénalité « {value} » lu comme {percent_text(rate)} par an : au-delà de 100 % "
                         f"par an, ce n'est pas un taux plausible ; {_HINT}")
    return rate
