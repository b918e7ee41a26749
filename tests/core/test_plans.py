"""Deposits, milestones and installment plans that add up to the cent (LAW.md §6b, §7)."""

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given, settings, strategies as st

from addin.core.model import PlanStep, Severity
from addin.core.plans import check_plan, deposit_plan, installment_plan, milestone_plan, plan_amounts, split

CENT = D("0.01")


def rows(plan):
    return [(i.number, i.due, i.amount, i.label) for i in plan]


# --- installment_plan -------------------------------------------------------------------------


def test_1000_in_3_monthly_payments_from_31_january():
    # 1,000.00 / 3 = 333.333… → 333.33 twice, the last takes 1,000.00 - 666.66 = 333.34.
    # Dates by EDATE from 31 Jan each time: 28 Feb, then 31 Mar (chaining would give 28 Mar).
    assert rows(installment_plan(D("1000"), 3, date(2025, 1, 31))) == [
        (1, date(2025, 1, 31), D("333.33"), "Échéance 1/3"),
        (2, date(2025, 2, 28), D("333.33"), "Échéance 2/3"),
        (3, date(2025, 3, 31), D("333.34"), "Échéance 3/3"),
    ]


def test_with_a_30_percent_deposit():
    # Deposit 1,000 × 30 % = 300.00 on 31 Jan; the rest 700.00 / 3 = 233.33, 233.33, 700 - 466.66 = 233.34,
    # starting one period later: 28 Feb, 31 Mar, 30 Apr.
    assert rows(installment_plan(D("1000"), 3, date(2025, 1, 31), deposit_rate=D("0.30"))) == [
        (1, date(2025, 1, 31), D("300.00"), "Acompte"),
        (2, date(2025, 2, 28), D("233.33"), "Échéance 1/3"),
        (3, date(2025, 3, 31), D("233.33"), "Échéance 2/3"),
        (4, date(2025, 4, 30), D("233.34"), "Échéance 3/3"),
    ]


def test_custom_dates_replace_the_computed_ones():
    dates = [date(2025, 2, 5), date(2025, 3, 20), date(2025, 6, 1)]
    plan = installment_plan(D("900"), 3, date(2025, 1, 31), dates=dates)
    assert [(i.due, i.amount) for i in plan] == list(zip(dates, [D("300.00")] * 3))
    with pytest.raises(ValueError, match="3 dates attendues, 2"):
        installment_plan(D("900"), 3, date(2025, 1, 31), dates=dates[:2])


def test_quarterly_payments():
    # Every 3 months from 31 Jan 2024: 30 Apr, 31 Jul, 31 Oct (from the first date, not chained).
    plan = installment_plan(D("1200"), 4, date(2024, 1, 31), months_between=3)
    assert [i.due for i in plan] == [date(2024, 1, 31), date(2024, 4, 30), date(2024, 7, 31), date(2024, 10, 31)]
    assert [i.amount for i in plan] == [D("300.00")] * 4


@pytest.mark.parametrize("months, dates", [
    # EDATE from 31 Jan 2025 each time: + 2 months = 31 Mar, + 4 = 31 May, + 6 = 31 Jul.
    (2, [date(2025, 1, 31), date(2025, 3, 31), date(2025, 5, 31), date(2025, 7, 31)]),
    # + 3 = 30 Apr (April has 30 days), + 6 = 31 Jul, + 9 = 31 Oct: not chained from 30 Apr.
    (3, [date(2025, 1, 31), date(2025, 4, 30), date(2025, 7, 31), date(2025, 10, 31)]),
    # Monthly: 28 Feb, 31 Mar, 30 Apr.
    (1, [date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30)]),
])
def test_months_between_installments(months, dates):
    plan = installment_plan(D("1000"), 4, date(2025, 1, 31), months_between=months)
    assert [i.due for i in plan] == dates
    assert [i.amount for i in plan] == [D("250.00")] * 4


def test_months_between_with_a_deposit_starts_one_period_later():
    # 30 % deposit of 1,000 = 300.00 on 31 Jan 2025; 700 in 2 = 350.00 on 31 Mar and 31 May (every 2 months).
    plan = installment_plan(D("1000"), 2, date(2025, 1, 31), months_between=2, deposit_rate=D("0.3"))
    assert [(i.due, i.amount) for i in plan] == [
        (date(2025, 1, 31), D("300.00")), (date(2025, 3, 31), D("350.00")), (date(2025, 5, 31), D("350.00"))]


def test_the_total_is_rounded_to_the_cent_first():
    # 100.005 → 100.01 (half-up); / 2 = 50.005 → 50.01, the last 100.01 - 50.01 = 50.00.
    assert [i.amount for i in installment_plan(D("100.005"), 2, date(2025, 1, 1))] == [D("50.01"), D("50.00")]


def test_seven_cents_in_seven_and_five_cents_in_seven():
    # 0.07 / 7 = 0.01 each. 0.05 / 7 = 0.00714… → 0.01 half-up, and six of them (0.06) overshoot 0.05:
    # the last would be -0.01. Shares then round down: 0.00 × 6, the last takes 0.05.
    assert [i.amount for i in installment_plan(D("0.07"), 7, date(2025, 1, 1))] == [CENT] * 7
    assert [i.amount for i in installment_plan(D("0.05"), 7, date(2025, 1, 1))] == [D("0.00")] * 6 + [D("0.05")]


def test_a_small_balance_over_many_months_has_no_negative_installment():
    # 17.00 over 60 months: 17 / 60 = 0.28333… → 0.28 half-up; 59 × 0.28 = 16.52; last 0.48.
    # 17.50 over 60: 0.291666… → 0.29; 59 × 0.29 = 17.11; last 0.39.
    # 17.40 over 60: 0.29 exactly; 59 × 0.29 = 17.11; last 0.29.
    # 10.00 over 60: 0.1666… → 0.17; 59 × 0.17 = 10.03 > 10.00 (the last would be -0.03):
    # shares round down instead, 0.16; 59 × 0.16 = 9.44; last 0.56.
    assert installment_plan(D("17"), 60, date(2025, 1, 1))[-1].amount == D("0.48")
    plan = installment_plan(D("10"), 60, date(2025, 1, 1))
    assert {i.amount for i in plan[:-1]} == {D("0.16")} and plan[-1].amount == D("0.56")


@pytest.mark.parametrize("kwargs, message", [
    (dict(count=0), "au moins 1"),
    (dict(months_between=-1), "entier"),
    (dict(months_between=0), "entier"),  # every installment on the same day is no plan
    (dict(months_between=1.5), "entier"),
    (dict(deposit_rate=D("1")), "acompte"),
    (dict(deposit_rate=D("-0.1")), "acompte"),
    (dict(total=D("-1")), "négatif"),
])
def test_installment_plan_errors(kwargs, message):
    args = dict(total=D("1000"), count=3, first_due=date(2025, 1, 31)) | kwargs
    with pytest.raises(ValueError, match=message):
        installment_plan(**args)


# --- milestone_plan, deposit_plan, split -------------------------------------------------------


def test_milestones_30_40_30_of_12000():
    # 12,000 × 30 % = 3,600; × 40 % = 4,800; the last 12,000 - 8,400 = 3,600.
    stages = [("Commande", D("0.30"), date(2025, 1, 15)), ("Livraison", D("0.40"), date(2025, 3, 1)),
              ("Recette", D("0.30"), None)]
    assert rows(milestone_plan(D("12000"), stages)) == [
        (1, date(2025, 1, 15), D("3600.00"), "Commande"),
        (2, date(2025, 3, 1), D("4800.00"), "Livraison"),
        (3, None, D("3600.00"), "Recette"),
    ]


@pytest.mark.parametrize("percents", [["0.30", "0.40", "0.20"], ["0.50", "0.60"], ["0.333", "0.333", "0.333"]])
def test_milestone_percentages_must_make_100(percents):
    with pytest.raises(ValueError, match="pas 100 %"):
        milestone_plan(D("12000"), [(f"É{k}", D(p), None) for k, p in enumerate(percents)])


def test_deposit_plan():
    # 2,500.50 × 30 % = 750.15 at signature; the balance 2,500.50 - 750.15 = 1,750.35.
    plan = deposit_plan(D("2500.50"), D("0.30"), date(2025, 1, 10), date(2025, 4, 30))
    assert rows(plan) == [(1, date(2025, 1, 10), D("750.15"), "Acompte"),
                          (2, date(2025, 4, 30), D("1750.35"), "Solde")]
    for rate in (D("0"), D("1")):
        with pytest.raises(ValueError, match="acompte"):
            deposit_plan(D("1000"), rate, date(2025, 1, 10), None)


def test_split_with_awkward_weights_puts_the_remainder_on_the_last():
    # 10.00 in 1:2:4 → 10/7 = 1.428… → 1.43; 20/7 = 2.857… → 2.86; the last 10.00 - 4.29 = 5.71.
    assert split(D("10.00"), [D(1), D(2), D(4)]) == [D("1.43"), D("2.86"), D("5.71")]
    # 100.00 in thirds: 33.33, 33.33, 33.34.
    assert split(D("100.00"), [D(1)] * 3) == [D("33.33"), D("33.33"), D("33.34")]
    # 0.01 in 1:1:0 — half-up 0.01 + 0.01 would overshoot; rounded down: 0.00, 0.00, the last 0.01.
    assert split(D("0.01"), [D(1), D(1), D(0)]) == [D("0.00"), D("0.00"), D("0.01")]


@pytest.mark.parametrize("weights, message", [([], "au moins une"), ([D(1), D(-1)], "négative"),
                                               ([D(0), D(0)], "nulle")])
def test_split_errors(weights, message):
    with pytest.raises(ValueError, match=message):
        split(D("100"), weights)


# --- The Échéanciers sheet: plan_amounts and check_plan -----------------------------------------


def step(plan, name, total=None, percent=None, amount=None, row=None):
    return PlanStep(plan=plan, client="C1", step=name, total=None if total is None else D(total),
                    percent=None if percent is None else D(percent), amount=None if amount is None else D(amount),
                    row=row)


def test_plan_amounts_fills_percent_steps_with_the_remainder_on_the_last():
    # 100.01 in 50 % / 50 %: 50.005 → 50.01, the last 100.01 - 50.01 = 50.00 (not 50.01 + 50.01 = 100.02).
    steps = [step("P1", "1", "100.01", "0.5"), step("P1", "2", "100.01", "0.5")]
    assert plan_amounts(steps) == {("P1", "1"): D("50.01"), ("P1", "2"): D("50.00")}


def test_plan_amounts_keeps_typed_amounts_and_computes_the_others():
    # 12,000: typed 3,600 for the first step; 40 % → 4,800; 30 % → 3,600.
    steps = [step("P2", "Commande", "12000", amount="3600"), step("P2", "Livraison", "12000", "0.40"),
             step("P2", "Recette", "12000", "0.30")]
    assert plan_amounts(steps) == {("P2", "Commande"): D("3600"), ("P2", "Livraison"): D("4800.00"),
                                   ("P2", "Recette"): D("3600.00")}


def test_plan_amounts_without_a_total_only_has_the_typed_amounts():
    steps = [step("P3", "1", percent="0.5"), step("P3", "2", amount="200")]
    assert plan_amounts(steps) == {("P3", "2"): D("200")}


def test_a_consistent_plan_has_no_problem():
    steps = [step("P", "1", "12000", "0.30", row=2), step("P", "2", "12000", "0.40", row=3),
             step("P", "3", "12000", amount="3600", row=4)]
    assert check_plan(steps) == []


def test_percentages_making_90_percent():
    steps = [step("P", str(k), "1000", "0.30", row=k + 2) for k in range(3)]
    [problem] = check_plan(steps)
    assert (problem.sheet, problem.row, problem.column, problem.code) == ("Échéanciers", 2, "Pourcentage",
                                                                          "plan.percent_sum")
    assert "90" in problem.message and problem.severity is Severity.ERROR


def test_amounts_not_making_the_total():
    # 300 + 300 + 300 = 900, not 1,000.
    steps = [step("P", str(k), "1000", amount="300", row=k + 2) for k in range(3)]
    [problem] = check_plan(steps)
    assert (problem.row, problem.column, problem.code) == (2, "Montant", "plan.amount_sum")
    assert problem.message == "Plan P : les étapes font 900,00 €, le total est 1 000,00 €."  # French, capital


def test_thirds_typed_as_formulas_make_100_percent_and_the_last_takes_the_cent():
    # =1/3 is stored as the double 0.3333333333333333: three make 0.9999999999999999, which is 100 %.
    third = D(repr(1 / 3))
    steps = [step("P", str(k), "100", str(third), row=k + 2) for k in range(3)]
    assert check_plan(steps) == []
    assert list(plan_amounts(steps).values()) == [D("33.33"), D("33.33"), D("33.34")]


def test_percentages_off_by_a_hundredth_of_a_percent_are_still_wrong():
    steps = [step("P", "1", "1000", "0.3333", row=2), step("P", "2", "1000", "0.6666", row=3)]
    [problem] = check_plan(steps)
    assert problem.message == "Plan P : les pourcentages font 99,99 %, pas 100 %."


def test_a_step_with_neither_percent_nor_amount():
    steps = [step("P", "1", "1000", "0.5", row=2), step("P", "2", "1000", row=3)]
    [problem] = check_plan(steps)
    assert (problem.row, problem.column, problem.code) == (3, "Montant", "plan.step_empty")


def test_inconsistent_totals():
    steps = [step("P", "1", "1000", "0.5", row=2), step("P", "2", "1200", "0.5", row=3)]
    [problem] = check_plan(steps)
    assert (problem.row, problem.column, problem.code, problem.value) == (2, "Montant total", "plan.totals",
                                                                          "1000, 1200")


def test_missing_total_is_a_warning():
    steps = [step("P", "1", amount="500", row=2), step("P", "2", amount="500", row=3)]
    [problem] = check_plan(steps)
    assert (problem.row, problem.column, problem.code) == (2, "Montant total", "plan.no_total")
    assert problem.severity is Severity.WARNING


def test_plans_are_checked_separately():
    steps = [step("A", "1", "100", "1", row=2), step("B", "1", "100", amount="90", row=3)]
    assert [(p.row, p.code) for p in check_plan(steps)] == [(3, "plan.amount_sum")]


# --- Invariants -------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**9).map(lambda c: D(c) / 100), st.integers(1, 60),
       st.sampled_from([D(0), D("0.10"), D("0.30"), D("0.333")]))
def test_installments_add_up_and_only_the_last_differs(total, count, deposit_rate):
    """Asserted exactly: the amounts sum to the total; none is negative; all payments but the last
    are the same amount q; the last is the remainder total − (count − 1)·q, within (count − 1) cents of
    the exact share (rest / count); with a deposit, it is the total × rate rounded half-up."""
    plan = installment_plan(total, count, date(2025, 1, 31), deposit_rate=deposit_rate)
    amounts = [i.amount for i in plan]
    assert sum(amounts, D(0)) == total
    assert all(a >= 0 for a in amounts)
    assert all(a == a.quantize(CENT) for a in amounts)
    rest = total
    if deposit_rate:
        deposit, *amounts = amounts
        assert deposit == (total * deposit_rate).quantize(CENT, rounding="ROUND_HALF_UP")
        rest = total - deposit
    assert len(amounts) == count
    *head, last = amounts
    assert len(set(head)) <= 1
    assert last == rest - sum(head, D(0))
    assert abs(last - rest / count) <= (count - 1) * CENT
    if head:
        assert abs(head[0] - rest / count) < CENT
