"""Issue 13, point 6: a deadline never falls on a weekend or a French public holiday."""

from datetime import date

import pytest

from addin.core.deadlines import is_working_day, next_working_day, payment_deadline


@pytest.mark.parametrize("sent, days, deadline", [
    (date(2025, 5, 6), 8, date(2025, 5, 14)),    # Tuesday + 8 = Wednesday 14 May: kept
    (date(2025, 5, 9), 8, date(2025, 5, 19)),    # Friday + 8 = Saturday 17 May → Monday 19 May
    (date(2025, 8, 7), 8, date(2025, 8, 18)),    # Thursday + 8 = Friday 15 Aug (Assomption) → Monday 18
    (date(2026, 4, 30), 8, date(2026, 5, 11)),   # + 8 = Friday 8 May 2026 (Victoire 1945) → Monday 11
    (date(2025, 7, 5), 8, date(2025, 7, 15)),    # + 8 = Sunday 13 July, Monday 14 July (fête nationale) → 15
    (date(2025, 12, 17), 8, date(2025, 12, 26)),  # + 8 = Thursday 25 Dec (Noël) → Friday 26
    (date(2025, 5, 26), 3, date(2025, 5, 30)),   # + 3 = Thursday 29 May 2025 (Ascension) → Friday 30
    (date(2025, 6, 1), 8, date(2025, 6, 10)),    # + 8 = Monday 9 June 2025 (lundi de Pentecôte) → Tuesday 10
    (date(2025, 6, 30), 0, date(2025, 6, 30)),   # no delay given: that day, a Monday
])
def test_payment_deadline(sent, days, deadline):
    assert payment_deadline(sent, days) == deadline


def test_working_days():
    assert is_working_day(date(2025, 11, 10)) and not is_working_day(date(2025, 11, 11))  # Armistice
    assert not is_working_day(date(2026, 1, 1)) and not is_working_day(date(2026, 4, 6))  # lundi de Pâques 2026
    assert next_working_day(date(2025, 11, 1)) == date(2025, 11, 3)  # Toussaint, a Saturday
