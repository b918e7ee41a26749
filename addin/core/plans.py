"""Deposits, milestone billing and installment plans whose amounts add up to the cent.

Every split rounds each share half-up to the cent and gives the remainder to the
**last** step, so the steps always sum to the total (LAW.md §6b, §7: deposits
(acomptes) are invoiced; instalments agreed in the contract each have their own
due date — Directive 2011/7/EU art. 5). When half-up shares would overshoot a small
total (0.05 € in 7: six 0.01 would leave -0.01), they are rounded down instead, so no
step is ever negative.

Percentages are compared with 100 % to within ``PERCENT_TOLERANCE`` (1e-9): a cell
holds a binary double, so three steps of ``=1/3`` make 0.9999999999999999, which is
100 % for every purpose here (the remainder cent then goes to the last step).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Sequence

from addin.core.dates import add_months
from addin.core.model import CENT, ZERO, PlanStep, Problem, Severity, cents, format_euros

SHEET = "Échéanciers"
ONE = Decimal(1)
PERCENT_TOLERANCE = Decimal("1e-9")  # far above a double's error, far below a hundredth of a percent


def makes_whole(fraction: Decimal) -> bool:
    """True when a sum of percentages is 100 % (to ``PERCENT_TOLERANCE``)."""
    return abs(fraction - ONE) <= PERCENT_TOLERANCE


def format_percent(fraction: Decimal) -> str:
    """0.9 → ``90 %``, 0.335 → ``33,5 %``: a percentage inside a French message."""
    text = f"{(fraction * 100).quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + " %"


@dataclass(frozen=True)
class Installment:
    number: int
    due: date | None
    amount: Decimal
    label: str = ""


def split(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``total`` shared in proportion to ``weights``; the last share takes the rounding remainder."""
    if not weights:
        raise ValueError("au moins une part est nécessaire")
    if any(w < 0 for w in weights):
        raise ValueError("une part ne peut pas être négative")
    weight_sum = sum(weights, ZERO)
    if weight_sum == 0:
        raise ValueError("la somme des parts est nulle")
    shares = [cents(total * w / weight_sum) for w in weights[:-1]]
    if abs(sum(shares, ZERO)) > abs(total):
        # Half-up shares of a small total can overshoot it (0.05 € in 7: six 0.01 leave -0.01 for
        # the last). Rounded toward zero they never do, so no share changes sign.
        shares = [(total * w / weight_sum).quantize(CENT, rounding=ROUND_DOWN) for w in weights[:-1]]
    shares.append(total - sum(shares, ZERO))
    return shares


def installment_plan(total: Decimal, count: int, first_due: date, months_between: int = 1,
                     deposit_rate: Decimal = ZERO, dates: Sequence[date] | None = None) -> list[Installment]:
    """``count`` payments from ``first_due``, every ``months_between`` months (Excel's EDATE).

    Dates are computed from ``first_due`` each time (31 Jan, 28 Feb, 31 Mar), not chained.
    With a deposit rate, a first row for the deposit (total × rate) at ``first_due``,
    then ``count`` payments of the rest starting one period later. ``dates`` replaces the
    computed dates of the payments (one per payment).
    """
    if count < 1:
        raise ValueError("le nombre d'échéances doit être au moins 1")
    if isinstance(months_between, bool) or not isinstance(months_between, int) or months_between < 1:
        raise ValueError(f"mois entre échéances : un nombre entier de 1 ou plus est attendu, pas {months_between}")
    if not ZERO <= deposit_rate < ONE:
        raise ValueError("le taux d'acompte doit être compris entre 0 et 100 % (exclu)")
    if total < 0:
        raise ValueError("le montant total ne peut pas être négatif")
    total = cents(total)
    if dates is not None and len(dates) != count:
        raise ValueError(f"{count} dates attendues, {len(dates)} données")
    rows: list[Installment] = []
    start = 0
    rest = total
    if deposit_rate:
        deposit = cents(total * deposit_rate)
        rows.append(Installment(1, first_due, deposit, "Acompte"))
        rest = total - deposit
        start = 1
    amounts = split(rest, [ONE] * count)
    for k in range(count):
        when = dates[k] if dates is not None else add_months(first_due, (k + start) * months_between)
        rows.append(Installment(len(rows) + 1, when, amounts[k], f"Échéance {k + 1}/{count}"))
    return rows


def milestone_plan(total: Decimal, stages: Sequence[tuple[str, Decimal, date | None]]) -> list[Installment]:
    """One step per stage at its percentage (fractions that must make 100 %)."""
    percent_sum = sum((p for _, p, _ in stages), ZERO)
    if not makes_whole(percent_sum):
        raise ValueError(f"les pourcentages des étapes font {format_percent(percent_sum)}, pas 100 %")
    amounts = split(cents(total), [p for _, p, _ in stages])
    return [Installment(k + 1, when, amount, label) for k, ((label, _, when), amount) in enumerate(zip(stages, amounts))]


def deposit_plan(total: Decimal, deposit_rate: Decimal, signature: date, balance_due: date | None) -> list[Installment]:
    """A deposit (acompte) at signature and the balance at ``balance_due``."""
    if not ZERO < deposit_rate < ONE:
        raise ValueError("le taux d'acompte doit être compris entre 0 et 100 % (exclus)")
    return milestone_plan(total, [("Acompte", deposit_rate, signature), ("Solde", ONE - deposit_rate, balance_due)])


def _groups(steps: Sequence[PlanStep]) -> dict[str, list[PlanStep]]:
    groups: dict[str, list[PlanStep]] = defaultdict(list)
    for step in steps:
        groups[step.plan].append(step)
    return groups


def _total(group: Sequence[PlanStep]) -> Decimal | None:
    totals = [s.total for s in group if s.total is not None]
    return totals[0] if totals else None


def plan_amounts(steps: Sequence[PlanStep]) -> dict[tuple[str, str], Decimal]:
    """Each step's amount: typed, else its percentage of the plan's total (remainder on the last)."""
    result: dict[tuple[str, str], Decimal] = {}
    for plan, group in _groups(steps).items():
        total = _total(group)
        percented = [s for s in group if s.amount is None and s.percent is not None]
        typed = [s for s in group if s.amount is not None]
        for s in typed:
            result[(plan, s.step)] = s.amount
        if total is None or not percented:
            continue
        if not typed and makes_whole(sum((s.percent for s in group if s.percent is not None), ZERO)):
            shares = split(cents(total), [s.percent for s in percented])
        else:
            shares = [cents(total * s.percent) for s in percented]
        for s, share in zip(percented, shares):
            result[(plan, s.step)] = share
    return result


def check_plan(steps: Sequence[PlanStep]) -> list[Problem]:
    """Problems of the ``Échéanciers`` sheet: percentages or amounts that do not make the total."""
    problems: list[Problem] = []
    for plan, group in _groups(steps).items():
        first = group[0]
        totals = {s.total for s in group if s.total is not None}
        if len(totals) > 1:
            problems.append(Problem(SHEET, first.row, "Montant total", ", ".join(str(t) for t in sorted(totals)),
                                    f"Plan {plan} : plusieurs montants totaux différents "
                                    f"({', '.join(format_euros(t) for t in sorted(totals))}).",
                                    "Saisissez le même montant total sur chaque étape du plan.", code="plan.totals"))
            continue
        total = _total(group)
        for s in group:
            if s.amount is None and s.percent is None:
                problems.append(Problem(SHEET, s.row, "Montant", None,
                                        f"Plan {plan}, étape « {s.step} » : ni montant ni pourcentage.",
                                        "Saisissez le pourcentage ou le montant de l'étape.", code="plan.step_empty"))
        percents = [s.percent for s in group if s.percent is not None]
        if percents and len(percents) == len(group):
            percent_sum = sum(percents, ZERO)
            if not makes_whole(percent_sum):
                shown = format_percent(percent_sum)
                problems.append(Problem(SHEET, first.row, "Pourcentage", shown,
                                        f"Plan {plan} : les pourcentages font {shown}, pas 100 %.",
                                        "Corrigez les pourcentages pour qu'ils totalisent 100 %.", code="plan.percent_sum"))
                continue
        if total is not None and all(s.amount is not None or s.percent is not None for s in group):
            amounts = plan_amounts(group)
            made = sum((amounts.get((plan, s.step), ZERO) for s in group), ZERO)
            if made != total:
                problems.append(Problem(SHEET, first.row, "Montant", made,
                                        f"Plan {plan} : les étapes font {format_euros(made)}, "
                                        f"le total est {format_euros(total)}.",
                                        "Corrigez les montants des étapes ou le montant total.",
                                        code="plan.amount_sum"))
        elif total is None:
            problems.append(Problem(SHEET, first.row, "Montant total", None,
                                    f"Plan {plan} : montant total manquant.",
                                    "Saisissez le montant total du plan sur ses étapes.",
                                    severity=Severity.WARNING, code="plan.no_total"))
    return problems
