"""Typed cell parsing: what people type and what Excel stores."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.core.model import Severity
from addin.register.cells import (Place, parse_bool, parse_client_type, parse_date, parse_emails, parse_int,
                                  parse_money, parse_percent, serial_to_date)


@pytest.mark.parametrize("raw", [
    "15/03/2025", "15-03-2025", "15.03.2025", "2025-03-15", "15 mars 2025", "15 Mars 2025", "15/03/25",
    " 15 / 03 / 2025 ", "15 March 2025", "2025-03-15 00:00:00", date(2025, 3, 15),
    datetime(2025, 3, 15), datetime(2025, 3, 15, 23, 59), 45731, 45731.75, "45731", 20250315,
])
def test_dates_read(raw):
    assert parse_date(raw) == (date(2025, 3, 15), None)


def test_french_month_names_with_accents_and_first():
    assert parse_date("1er février 2025")[0] == date(2025, 2, 1)
    assert parse_date("3 août 2024")[0] == date(2024, 8, 3)
    assert parse_date("25 déc. 2024")[0] == date(2024, 12, 25)


def test_serials_both_epochs():
    # 1900 system: serial 1 is 1 Jan 1900, 61 is 1 Mar 1900 (60 is Excel's fictitious 29 Feb 1900).
    assert serial_to_date(61) == date(1900, 3, 1)
    assert serial_to_date(59) == date(1900, 2, 28)
    assert serial_to_date(45731) == date(2025, 3, 15)
    # 1904 system: the same date is 1462 days less.
    assert serial_to_date(45731 - 1462, epoch_1904=True) == date(2025, 3, 15)
    assert parse_date(44269, epoch_1904=True) == (date(2025, 3, 15), None)
    with pytest.raises(ValueError):
        serial_to_date(60)


@pytest.mark.parametrize("raw", ["32/01/2025", "31/02/2025", "demain", "15/13/2025", True, 3.5, "2025-3"])
def test_unreadable_dates_are_problems_at_their_place(raw):
    value, problem = parse_date(raw, Place("Factures", 7, "Date facture"))
    assert value is None
    assert (problem.sheet, problem.row, problem.column, problem.value) == ("Factures", 7, "Date facture", raw)
    assert problem.severity == Severity.ERROR and problem.code.startswith("date.")
    assert "jj/mm/aaaa" in problem.fix


def test_blank_is_nothing_not_a_problem():
    for parse in (parse_date, parse_money, parse_percent, parse_bool, parse_int):
        assert parse(None) == (None, None)
        assert parse("  ") == (None, None)


@pytest.mark.parametrize("raw, expected", [
    ("1 200,50 €", "1200.50"), ("1\u00a0200,50", "1200.50"), ("1\u202f200,50 €", "1200.50"), ("1,200.50", "1200.50"),
    ("1.200,50", "1200.50"), ("1200.5", "1200.50"), ("1200", "1200.00"), ("(120,00)", "-120.00"), ("-120", "-120.00"),
    ("120,00-", "-120.00"), ("12,5 EUR", "12.50"), ("1.234.567", "1234567.00"), ("0,125", "0.13"),
    (1200, "1200.00"), (1200.5, "1200.50"), (Decimal("3.335"), "3.34"),
    # repr, then half-up: 2.675 is 2.67499999… in binary, yet the person typed 2.675.
    (2.675, "2.68"), (1.005, "1.01"), (0.125, "0.13"),
])
def test_amounts(raw, expected):
    assert parse_money(raw) == (Decimal(expected), None)


def test_three_digits_after_a_single_separator_are_thousands_with_a_warning():
    value, problem = parse_money("1.200", Place("Factures", 3, "Montant TTC"))
    assert value == Decimal("1200.00")
    assert problem.severity == Severity.WARNING and problem.code == "amount.ambiguous"
    assert parse_money("1,200")[0] == Decimal("1200.00")


@pytest.mark.parametrize("raw", ["abc", "12 €uros 5", "1,2,3", "--5", True, float("nan"), "1.2.3,4.5"])
def test_unreadable_amounts(raw):
    value, problem = parse_money(raw, Place("Paiements", 4, "Montant"))
    assert value is None and problem.code == "amount.unreadable" and problem.row == 4


@pytest.mark.parametrize("raw, expected", [
    ("30 %", "0.3"), ("30%", "0.3"), ("12,5 %", "0.125"), (0.3, "0.3"), (30, "0.3"), ("30", "0.3"),
    ("0,3", "0.3"), (1, "1"), (0, "0"),
])
def test_percentages(raw, expected):
    assert parse_percent(raw) == (Decimal(expected), None)


def test_small_rates_read_one_as_one_percent():
    assert parse_percent(1, one_is_whole=False)[0] == Decimal("0.01")
    assert parse_percent(0.02, one_is_whole=False)[0] == Decimal("0.02")


def test_percent_over_100_refused():
    assert parse_percent(150)[1].code == "percent.out_of_range"
    assert parse_percent("abc %")[1].code == "percent.unreadable"


@pytest.mark.parametrize("raw, expected", [
    ("Oui", True), ("non", False), ("Yes", True), ("No", False), ("X", True), ("x", True), (1, True), (0, False),
    (True, True), (False, False), ("Vrai", True), ("FAUX", False), ("1", True),
])
def test_yes_no(raw, expected):
    assert parse_bool(raw) == (expected, None)


def test_yes_no_unreadable():
    assert parse_bool("peut-être")[1].code == "bool.unreadable"


def test_client_types():
    from addin.core.model import ClientType

    assert parse_client_type("Administration")[0] == ClientType.PUBLIC
    assert parse_client_type("b2c")[0] == ClientType.CONSUMER
    assert parse_client_type(None) == (None, None)
    assert parse_client_type("Martien")[1].code == "client_type.unknown"


def test_emails():
    assert parse_emails("a@b.fr; c@d.fr, A@B.fr") == ("a@b.fr; c@d.fr", None)
    kept, problem = parse_emails("a@b.fr; pas-une-adresse")
    assert kept == "a@b.fr" and problem.severity == Severity.WARNING and "pas-une-adresse" in problem.message
    kept, problem = parse_emails("jean.dupont@")
    assert kept == "" and problem.severity == Severity.ERROR


def _emails_part_by_part(value):
    """The rule of ``parse_emails`` written out: split on ; , and new lines, trim, drop < > and
    mailto:, keep the valid addresses once (case aside), say the others."""
    import re

    from addin.register.cells import _EMAIL, is_blank

    if is_blank(value):
        return "", False
    valid, rejected = [], []
    for part in re.split(r"[;,\n]", str(value).replace("\u00a0", " ")):
        candidate = part.strip().strip("<>").removeprefix("mailto:")
        if candidate and _EMAIL.fullmatch(candidate):
            if candidate.lower() not in {v.lower() for v in valid}:
                valid.append(candidate)
        elif candidate:
            rejected.append(candidate)
    return "; ".join(valid), bool(rejected)


@given(st.lists(st.sampled_from([*"ab.@-_;, <>:\n\u00a0xyzAé1", "mailto:", ".fr", "@d.fr", "a@b.fr"]),
                max_size=12).map("".join))
@settings(max_examples=300, deadline=None)
def test_emails_of_any_cell_follow_the_rule_whatever_path_reads_them(value):
    kept, problem = parse_emails(value)
    assert (kept, problem is not None) == _emails_part_by_part(value)


def test_ints():
    assert parse_int("7") == (7, None)
    assert parse_int(7.0) == (7, None)
    assert parse_int("-10") == (-10, None)
    assert parse_int("7,5")[1].code == "int.unreadable"


@pytest.mark.parametrize("raw", [1e26, "1" * 40, Decimal("1E+30"), -1e15])
def test_absurd_amounts_are_problems_not_crashes(raw):
    value, problem = parse_money(raw)
    assert value is None and problem.code == "amount.out_of_range"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aB1-é ") + ["\t", "\n", "\u00a0", "\u202f", "\u2009", "\r",
                                                          "\x1c", "\u3000"]), max_size=12))
def test_text_fast_path_trims_exactly_as_the_rule(value):
    """A text that trimming would not change is returned as is; every other is trimmed and its
    whitespace runs (tabs, line breaks, non-breaking spaces…) made one space."""
    from addin.register.cells import text

    assert text(value) == " ".join(value.replace("\u00a0", " ").split())
