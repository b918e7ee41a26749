from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given, settings, strategies as st

from addin.core.model import ClientType, cents
from addin.core.penalties import indemnity_owed, late_interest, parse_rate, recovery_indemnity
from addin.core.rates import MissingRate, RateTable, rows_from_sheet

RATES = RateTable.shipped()


def interest(amount, due, as_of, **kw):
    return late_interest(D(amount), due, as_of, rates=RATES, **kw)


def shape(result):
    """(start, end, days, base, rate) of each period, for comparing breakdowns."""
    return [(p.start, p.end, p.days, p.base, p.rate) for p in result.periods]


# --- Worked examples of LAW.md §2, §4, §5, §6b ---------------------------------------------


def test_example_1_one_half_year():
    # 8,000 € due 20 Feb 2025, paid 1 Apr 2025: 21-28 Feb (8) + March (31) + 1 Apr (1) = 40 days.
    r = interest("8000", date(2025, 2, 20), date(2025, 4, 1), payments=[(date(2025, 4, 1), D("8000"))])
    assert r.amount == cents(D(8000) * D("0.1315") * 40 / 365) == D("115.29")
    assert shape(r) == [(date(2025, 2, 21), date(2025, 4, 1), 40, D(8000), D("0.1315"))]
    assert r.periods[0].rate_source == "BCE 2025 S1 3,15 % + 10 pts (L441-10)"
    assert r.warnings == ()
    assert "L441-10" in r.rule


def test_example_2_split_at_30_june():
    # 10,000 € due 15 Jun 2025, paid 14 Aug 2025: 16-30 Jun = 15 d at 13.15 %, 1 Jul-14 Aug = 45 d at 12.15 %.
    r = interest("10000", date(2025, 6, 15), date(2025, 8, 14), payments=[(date(2025, 8, 14), D("10000"))])
    assert r.amount == cents(D(10000) * (D("0.1315") * 15 + D("0.1215") * 45) / 365) == D("203.84")
    assert r.amount != cents(D(10000) * D("0.1315") * 60 / 365) == D("216.16")  # one rate for all: wrong
    assert shape(r) == [
        (date(2025, 6, 16), date(2025, 6, 30), 15, D(10000), D("0.1315")),
        (date(2025, 7, 1), date(2025, 8, 14), 45, D(10000), D("0.1215")),
    ]
    assert r.periods[1].rate_source == "BCE 2025 S2 2,15 % + 10 pts (L441-10)"


def test_example_3_partial_payments_lower_the_base_the_next_day():
    # 5,000 € due 30 Nov 2024; 2,000 paid 20 Dec 2024; 3,000 paid 31 Jan 2025.
    payments = [(date(2024, 12, 20), D("2000")), (date(2025, 1, 31), D("3000"))]
    r = interest("5000", date(2024, 11, 30), date(2025, 3, 31), payments=payments)
    expected = (D(5000) * 20 * D("0.1425") + D(3000) * 11 * D("0.1425") + D(3000) * 31 * D("0.1315")) / 365
    assert r.amount == cents(expected) == D("85.43")
    assert shape(r) == [
        (date(2024, 12, 1), date(2024, 12, 20), 20, D(5000), D("0.1425")),  # payment day counts at 5,000
        (date(2024, 12, 21), date(2024, 12, 31), 11, D(3000), D("0.1425")),
        (date(2025, 1, 1), date(2025, 1, 31), 31, D(3000), D("0.1315")),
    ]  # and nothing after the balance reached 0, although as_of is 31 March


def test_example_4_public_buyer_keeps_the_starting_half_year_rate():
    # 20,000 € due 10 Jun 2025, paid 25 Jul 2025: 11 Jun-25 Jul = 20 + 25 = 45 days × (3.15 + 8) %,
    # the 2025 S1 rate for the whole delay although July is in S2.
    r = interest("20000", date(2025, 6, 10), date(2025, 7, 25), client_type=ClientType.PUBLIC,
                 payments=[(date(2025, 7, 25), D("20000"))])
    assert r.amount == cents(D(20000) * D("0.1115") * 45 / 365) == D("274.93")
    assert shape(r) == [(date(2025, 6, 11), date(2025, 7, 25), 45, D(20000), D("0.1115"))]
    assert "R2192-31" in r.periods[0].rate_source and "R2192-31" in r.rule


@pytest.mark.parametrize("due, paid, rate, wrong_rate", [
    # Due 30 Jun 2025: interest starts on 1 Jul 2025, so the 2025 S2 rate (2.15 + 8 = 10.15 %),
    # not the S1 rate of the due date (3.15 + 8 = 11.15 %). 1-30 Jul = 30 days:
    # 10000 × 0.1015 × 30 / 365 = 83.42 (the S1 rate would give 91.64).
    (date(2025, 6, 30), date(2025, 7, 30), D("0.1015"), D("0.1115")),
    # Due 31 Dec 2024: starts 1 Jan 2025, the 2025 S1 rate (3.15 + 8 = 11.15 %), not 2024 S2's
    # (4.25 + 8 = 12.25 %). 1-30 Jan = 30 days: 10000 × 0.1115 × 30 / 365 = 91.64 (not 100.68).
    (date(2024, 12, 31), date(2025, 1, 30), D("0.1115"), D("0.1225")),
])
def test_public_buyer_rate_is_the_half_year_of_the_day_after_the_due_date(due, paid, rate, wrong_rate):
    r = interest("10000", due, paid, client_type=ClientType.PUBLIC, payments=[(paid, D("10000"))])
    assert r.amount == cents(D(10000) * rate * 30 / 365)
    assert r.amount != cents(D(10000) * wrong_rate * 30 / 365)
    assert shape(r) == [(due + timedelta(days=1), paid, 30, D(10000), rate)]


def test_example_12000_across_1_july():
    # 12,000 € due 10 Jun 2025 paid 20 Jul 2025: 20 d at 13.15 % (86.47) + 20 d at 12.15 % (79.89).
    r = interest("12000", date(2025, 6, 10), date(2025, 7, 20), payments=[(date(2025, 7, 20), D("12000"))])
    first, second = r.periods
    assert (first.days, first.rate, cents(first.amount)) == (20, D("0.1315"), D("86.47"))  # 12000×.1315×20/365
    assert (second.days, second.rate, cents(second.amount)) == (20, D("0.1215"), D("79.89"))  # 12000×.1215×20/365
    assert r.amount == D("166.36")


def test_consumer_legal_interest_from_the_formal_notice():
    # 1,500 € due 30 Apr 2025, notice received 2 Jun 2025, paid 15 Jul 2025:
    # 3-30 Jun = 28 d at 3.71 % + 1-15 Jul = 15 d at 2.76 % (legal rate "autres cas").
    r = interest("1500", date(2025, 4, 30), date(2025, 7, 15), client_type=ClientType.CONSUMER,
                 notice_date=date(2025, 6, 2), payments=[(date(2025, 7, 15), D("1500"))])
    assert r.amount == cents(D(1500) * (D("0.0371") * 28 + D("0.0276") * 15) / 365) == D("5.97")
    assert shape(r) == [
        (date(2025, 6, 3), date(2025, 6, 30), 28, D(1500), D("0.0371")),
        (date(2025, 7, 1), date(2025, 7, 15), 15, D(1500), D("0.0276")),
    ]
    assert "1231-6" in r.rule
    assert recovery_indemnity(ClientType.CONSUMER) == D("0")  # no 40 € from a consumer


def test_consumer_without_notice_owes_no_interest():
    r = interest("1500", date(2025, 4, 30), date(2025, 7, 15), client_type=ClientType.CONSUMER)
    assert r.amount == D("0") and r.periods == ()


def test_consumer_notice_before_the_due_date_counts_from_the_day_after_the_due_date():
    # Notice 20 Apr, due 30 Apr, unpaid 10 May 2025: 1-10 May = 10 days × 3.71 % on 1,500 = 1.52
    r = interest("1500", date(2025, 4, 30), date(2025, 5, 10), client_type=ClientType.CONSUMER,
                 notice_date=date(2025, 4, 20))
    assert shape(r) == [(date(2025, 5, 1), date(2025, 5, 10), 10, D(1500), D("0.0371"))]
    assert r.amount == cents(D(1500) * D("0.0371") * 10 / 365) == D("1.52")


def test_consumer_contract_rate_replaces_the_legal_rate():
    # 1,500 € × 10 % × 43 days (3 Jun-15 Jul) / 365 = 17.67
    r = interest("1500", date(2025, 4, 30), date(2025, 7, 15), client_type=ClientType.CONSUMER,
                 notice_date=date(2025, 6, 2), contract_rate=D("0.10"))
    assert r.amount == cents(D(1500) * D("0.10") * 43 / 365) == D("17.67")


def test_leap_year_still_divides_by_365():
    # 10,000 € due 31 Dec 2023, unpaid on 29 Feb 2024: 31 + 29 = 60 days at 14.50 % (2024 S1), ÷ 365.
    r = interest("10000", date(2023, 12, 31), date(2024, 2, 29))
    assert r.periods[0].days == 60
    assert r.amount == cents(D(10000) * D("0.145") * 60 / 365) == D("238.36")
    assert r.amount != cents(D(10000) * D("0.145") * 60 / 366)  # 237.70


def test_payment_on_the_due_date_only_reduces_the_base():
    # 4,000 of 10,000 paid on the due date: interest on 6,000 for 15 d at 13.15 % + 45 d at 12.15 %.
    r = interest("10000", date(2025, 6, 15), date(2025, 8, 14),
                 payments=[(date(2025, 6, 15), D("4000")), (date(2025, 8, 14), D("6000"))])
    assert r.amount == cents(D(6000) * (D("0.1315") * 15 + D("0.1215") * 45) / 365) == D("122.30")


def test_payments_after_as_of_are_ignored():
    unpaid = interest("8000", date(2025, 2, 20), date(2025, 4, 1))
    later = interest("8000", date(2025, 2, 20), date(2025, 4, 1), payments=[(date(2025, 4, 2), D("8000"))])
    assert later == unpaid
    assert unpaid.amount == D("115.29")


def test_nothing_before_the_day_after_the_due_date():
    assert interest("8000", date(2025, 2, 20), date(2025, 2, 20)).amount == D("0")
    one_day = interest("8000", date(2025, 2, 20), date(2025, 2, 21))
    assert one_day.amount == cents(D(8000) * D("0.1315") / 365) == D("2.88")


def test_total_is_rounded_once_half_up():
    # 18.25 € × 10 % × 1 day / 365 = 0.005 exactly: half-up gives 0.01 (banker's rounding would give 0.00).
    r = interest("18.25", date(2025, 7, 10), date(2025, 7, 11), contract_rate=D("0.10"))
    assert r.periods[0].amount == D("0.005")
    assert r.amount == D("0.01")


# --- Contractual rates and the floor (L441-10 II, LAW.md §6) ------------------------------


def test_contract_rate_above_the_floor_is_applied_flat():
    # 15 % is above both floors (11.13 %, 8.28 %): 10,000 × 15 % × 60 / 365 = 246.58, no split needed.
    r = interest("10000", date(2025, 6, 15), date(2025, 8, 14), contract_rate=D("0.15"))
    assert r.amount == cents(D(10000) * D("0.15") * 60 / 365) == D("246.58")
    assert sum(p.days for p in r.periods) == 60 and {p.rate for p in r.periods} == {D("0.15")}
    assert r.warnings == ()


@pytest.mark.parametrize("policy, rate, expected", [
    # 10,000 € due 31 Jan 2024, unpaid 31 Mar 2024: 29 + 31 = 60 days; contract 12 % < floor 15.21 %.
    ("legal_default", D("0.145"), D("238.36")),  # 10000 × 14.50 % × 60 / 365 = 238.356
    ("floor", D("0.1521"), D("250.03")),  # 10000 × 3 × 5.07 % × 60 / 365 = 250.027
    ("contract", D("0.12"), D("197.26")),  # 10000 × 12 % × 60 / 365 = 197.260
])
def test_contract_rate_below_the_floor_in_2024(policy, rate, expected):
    r = interest("10000", date(2024, 1, 31), date(2024, 3, 31), contract_rate=D("0.12"),
                 below_floor_policy=policy)
    assert r.amount == cents(D(10000) * rate * 60 / 365) == expected
    assert [p.rate for p in r.periods] == [rate]
    assert len(r.warnings) == 1
    assert "non conforme" in r.warnings[0] and "15,21 %" in r.warnings[0]


def test_a_contract_rate_exactly_at_the_floor_is_lawful():
    # 2025 S1 floor = 3 × 3.71 % = 11.13 %. A contract at exactly 11.13 % is not below it: applied,
    # no warning. 10,000 € due 31 Jan 2025, as of 2 Mar 2025: 28 + 2 = 30 days,
    # 10000 × 0.1113 × 30 / 365 = 91.48 (the legal 13.15 % would give 108.08).
    r = interest("10000", date(2025, 1, 31), date(2025, 3, 2), contract_rate=D("0.1113"))
    assert r.amount == cents(D(10000) * D("0.1113") * 30 / 365) == D("91.48")
    assert r.warnings == ()
    # One basis point under: flagged, and the legal default applies.
    under = interest("10000", date(2025, 1, 31), date(2025, 3, 2), contract_rate=D("0.1112"))
    assert under.amount == cents(D(10000) * D("0.1315") * 30 / 365) == D("108.08")
    assert len(under.warnings) == 1


def test_floor_is_checked_half_year_by_half_year():
    # Contract 10 %: below the 2025 S1 floor (3 × 3.71 = 11.13 %) but above the S2 one (8.28 %).
    # 10,000 € due 15 Jun 2025, paid 14 Aug: 15 d at the legal 13.15 % + 45 d at the contract 10 %.
    r = interest("10000", date(2025, 6, 15), date(2025, 8, 14), contract_rate=D("0.10"))
    assert r.amount == cents(D(10000) * (D("0.1315") * 15 + D("0.10") * 45) / 365) == D("177.33")
    assert len(r.warnings) == 1 and "2025 S1" in r.warnings[0]


def test_public_buyer_ignores_a_contract_rate_with_a_warning():
    r = interest("20000", date(2025, 6, 10), date(2025, 7, 25), client_type=ClientType.PUBLIC,
                 contract_rate=D("0.20"))
    assert r.amount == D("274.93")
    assert any("ignoré" in w for w in r.warnings)


def test_unknown_settings_are_refused():
    with pytest.raises(ValueError):
        interest("100", date(2025, 1, 1), date(2025, 2, 1), below_floor_policy="max")
    with pytest.raises(ValueError):
        interest("100", date(2025, 1, 1), date(2025, 2, 1), imputation="fifo")


# --- Imputation (Code civil 1343-1) -------------------------------------------------------


def test_interest_first_imputation():
    # 10,000 € due 31 Jan 2025, 5,000 paid 2 Mar 2025, as of 1 Apr 2025, 13.15 % throughout (2025 S1).
    # 1 Feb-2 Mar = 28 + 2 = 30 days: 10000 × .1315 × 30 / 365 = 108.0822 → 108.08 of the payment
    # goes to interest, 4,891.92 to principal, leaving 5,108.08.
    # 3 Mar-1 Apr = 29 + 1 = 30 days: 5108.08 × .1315 × 30 / 365 = 55.2092.
    payments = [(date(2025, 3, 2), D("5000"))]
    r = interest("10000", date(2025, 1, 31), date(2025, 4, 1), payments=payments, imputation="interest_first")
    assert [p.base for p in r.periods] == [D("10000"), D("5108.08")]
    expected = D(10000) * D("0.1315") * 30 / 365 + D("5108.08") * D("0.1315") * 30 / 365
    assert r.amount == cents(expected) == D("163.29")
    assert (r.interest_paid, r.principal_due) == (D("108.08"), D("5108.08"))
    # Principal first (the default): (10000 + 5000) × .1315 × 30 / 365 = 162.12.
    default = interest("10000", date(2025, 1, 31), date(2025, 4, 1), payments=payments)
    assert default.amount == cents(D(15000) * D("0.1315") * 30 / 365) == D("162.12")
    assert (default.interest_paid, default.principal_due) == (D("0"), D("5000.00"))


def test_interest_first_keeps_interest_running_after_the_invoice_amount_is_paid():
    # 8,000 paid in full 40 days late: 115.29 of it settles interest, so 115.29 of principal remains.
    r = interest("8000", date(2025, 2, 20), date(2025, 4, 11), payments=[(date(2025, 4, 1), D("8000"))],
                 imputation="interest_first")
    assert r.principal_due == D("115.29")
    # 2-11 Apr = 10 more days on 115.29: 115.29 × .1315 × 10 / 365 = 0.4154
    assert r.amount == cents(D(8000) * D("0.1315") * 40 / 365 + D("115.29") * D("0.1315") * 10 / 365) == D("115.70")


# --- Missing, unverified and overridden rates ---------------------------------------------


def test_missing_half_year_raises_never_guesses():
    with pytest.raises(MissingRate) as caught:
        interest("1000", date(2026, 12, 15), date(2027, 2, 1))
    assert (caught.value.year, caught.value.half) == (2027, 1)
    # Not yet late: no rate needed, nothing raised, even for a public buyer.
    assert interest("1000", date(2027, 3, 1), date(2026, 11, 23), client_type=ClientType.PUBLIC).amount == 0


def test_overrides_from_the_taux_sheet_extend_the_table():
    headers = ("Année", "Semestre", "Taux BCE", "Intérêt légal (particulier créancier)",
               "Intérêt légal (autres cas)", "Vérifié (Oui/Non)", "Source")
    rows, errors = rows_from_sheet(headers, [(2027, 1, "2,65 %", "7,02 %", "3,01 %", "Oui", "BdF")])
    assert errors == []
    table = RATES.with_overrides(rows)
    # 1,000 € due 31 Dec 2026, unpaid 30 Jan 2027: 30 days at 2.65 + 10 = 12.65 %.
    r = late_interest(D(1000), date(2026, 12, 31), date(2027, 1, 30), rates=table)
    assert r.amount == cents(D(1000) * D("0.1265") * 30 / 365) == D("10.40")
    assert r.periods[0].rate_source == "BCE 2027 S1 2,65 % + 10 pts (L441-10)"


def test_unverified_half_year_is_flagged():
    # 2026 S2 is shipped unverified: 10,000 × 12.40 % × 32 days (1 Jul-1 Aug) / 365 = 108.71
    r = interest("10000", date(2026, 6, 30), date(2026, 8, 1))
    assert r.amount == D("108.71")
    assert "(non vérifié)" in r.periods[0].rate_source
    assert len(r.warnings) == 1 and "non vérifiée" in r.warnings[0]


# --- Recovery indemnity (D441-5) ----------------------------------------------------------


def test_recovery_indemnity_by_client_type():
    assert recovery_indemnity(ClientType.BUSINESS) == D("40.00")
    assert recovery_indemnity(ClientType.PUBLIC) == D("40.00")
    assert recovery_indemnity(ClientType.CONSUMER) == D("0")
    assert recovery_indemnity(ClientType.BUSINESS, owed=False) == D("0")


def test_indemnity_owed_once_any_part_is_late():
    due = date(2025, 3, 31)
    assert not indemnity_owed(D(1000), due, date(2025, 6, 1), [(due, D(1000))])  # paid on time
    assert not indemnity_owed(D(1000), due, due)  # due today: not late yet
    assert indemnity_owed(D(1000), due, date(2025, 4, 1))  # unpaid after the due date
    # Part paid on time, the rest one day late: still owed (DGCCRF).
    assert indemnity_owed(D(1000), due, date(2025, 6, 1), [(due, D(900)), (date(2025, 4, 1), D(100))])


# --- parse_rate -----------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    (D("0.15"), D("0.15")), (0.15, D("0.15")), (15, D("0.15")), (12.5, D("0.125")),
    ("15 %", D("0.15")), ("15,5 %", D("0.155")), ("0,15", D("0.15")), ("15", D("0.15")),
    ("1 % par mois", D("0.12")), ("1% per month", D("0.12")),  # × 12
    ("0,25 % par semaine", D("0.13")), ("0.25% per week", D("0.13")),  # × 52
    ("12 % l'an", D("0.12")), ("0,12 par an", D("0.12")),
    # With a unit other than the year, a bare number is a percentage of that period:
    # 0.75 % a month × 12 = 9 % a year (not 0.75 × 12 = 900 %).
    ("0,75 par mois", D("0.09")), ("0,75 % par mois", D("0.09")), ("0.75 per month", D("0.09")),
    ("1 par mois", D("0.12")), ("0,25 par semaine", D("0.13")),  # 0.25 % × 52 = 13 %
    ("0,05 par jour", D("0.1825")),  # 0.05 % × 365
    (1, D("0.01")), (100, D("1")),  # 100 % a year: the most a contract may say
])
def test_parse_rate(value, expected):
    assert parse_rate(value) == expected


@pytest.mark.parametrize("value, shown", [
    ("2 % par semaine", "104 %"),  # 2 % × 52
    ("0,5 par jour", "182,5 %"),  # 0.5 % × 365
    ("150 %", "150 %"), (150, "150 %"), ("10 % par mois", "120 %"),
])
def test_parse_rate_refuses_a_rate_above_100_percent_a_year(value, shown):
    with pytest.raises(ValueError) as caught:
        parse_rate(value)
    message = str(caught.value)
    assert shown in message and "100 %" in message and "saisissez" in message


@pytest.mark.parametrize("value", ["3 fois le taux légal", "3x legal", "douze pour cent", "", None, "-5 %"])
def test_parse_rate_refuses_with_a_hint(value):
    with pytest.raises(ValueError) as caught:
        parse_rate(value)
    message = str(caught.value)
    assert "taux" in message and ("laissez" in message or "saisissez" in message)


# --- Invariants ---------------------------------------------------------------------------

# Due dates late enough before 2026 S2 ends that due + 300 days stays in the shipped table.
days_known = st.dates(min_value=date(2015, 1, 1), max_value=date(2026, 3, 1))
money = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)
offsets = st.integers(min_value=0, max_value=300)
payment_lists = st.lists(st.tuples(st.integers(-30, 300), money), max_size=4)


def _payments(due, raw):
    return [(due + timedelta(days=o), a) for o, a in raw]


@settings(max_examples=150, deadline=None)
@given(money, days_known, st.integers(-60, 0), offsets)
def test_paid_in_full_on_time_owes_nothing(amount, due, paid_offset, after):
    r = late_interest(amount, due, due + timedelta(days=after), rates=RATES,
                      payments=[(due + timedelta(days=paid_offset), amount)])
    assert r.amount == 0 and r.periods == ()


@settings(max_examples=150, deadline=None)
@given(money, days_known, payment_lists, offsets, offsets)
def test_interest_grows_with_as_of(amount, due, raw, a, b):
    payments = _payments(due, raw)
    early, late = sorted((a, b))
    first = late_interest(amount, due, due + timedelta(days=early), rates=RATES, payments=payments)
    second = late_interest(amount, due, due + timedelta(days=late), rates=RATES, payments=payments)
    assert first.amount <= second.amount


@settings(max_examples=150, deadline=None)
@given(money, money, days_known, payment_lists, offsets)
def test_interest_grows_with_amount(a, b, due, raw, after):
    payments = _payments(due, raw)
    small, large = sorted((a, b))
    as_of = due + timedelta(days=after)
    assert (late_interest(small, due, as_of, rates=RATES, payments=payments).amount
            <= late_interest(large, due, as_of, rates=RATES, payments=payments).amount)


@settings(max_examples=200, deadline=None)
@given(money, days_known, payment_lists, offsets, st.sampled_from([None, D("0.05"), D("0.15")]),
       st.sampled_from(["legal_default", "floor", "contract"]), st.sampled_from(["principal", "interest_first"]))
def test_breakdown_adds_up(amount, due, raw, after, contract, policy, imputation):
    payments = _payments(due, raw)
    as_of = due + timedelta(days=after)
    r = late_interest(amount, due, as_of, rates=RATES, payments=payments, contract_rate=contract,
                      below_floor_policy=policy, imputation=imputation)
    # The rounded total is the rounded sum of the unrounded pieces.
    assert r.amount == cents(sum((p.amount for p in r.periods), D(0)))
    # Periods are contiguous from the day after the due date; each amount is base × rate × days / 365.
    day = due + timedelta(days=1)
    for p in r.periods:
        assert p.start == day and p.days == (p.end - p.start).days + 1 > 0
        assert p.amount == p.base * p.rate * p.days / 365
        day = p.end + timedelta(days=1)
    if imputation == "principal":
        # Days add up to the days late: to the payment that settles the invoice, else to as_of.
        total, settled = D(0), None
        for paid_on, paid in sorted(p for p in payments if p[0] <= as_of):
            total += paid
            if total >= amount:
                settled = paid_on
                break
        days_late = max(0, ((settled or as_of) - due).days)
        assert sum(p.days for p in r.periods) == days_late
