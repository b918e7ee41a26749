from datetime import date

from hypothesis import given, strategies as st

from addin.core.dates import add_months, end_of_month, half_year, half_year_end, half_year_start


def test_end_of_month_handles_february():
    assert end_of_month(date(2024, 2, 10)) == date(2024, 2, 29)  # leap year
    assert end_of_month(date(2025, 2, 10)) == date(2025, 2, 28)
    assert end_of_month(date(2025, 12, 31)) == date(2025, 12, 31)


def test_add_months_clamps_like_excel_edate():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)


def test_half_years():
    assert half_year(date(2025, 6, 30)) == (2025, 1)
    assert half_year(date(2025, 7, 1)) == (2025, 2)
    assert half_year_start(2025, 2) == date(2025, 7, 1)
    assert half_year_end(2025, 1) == date(2025, 6, 30)


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 1, 1)), st.integers(-600, 600))
def test_add_months_lands_in_the_right_month(d, n):
    result = add_months(d, n)
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == n
    assert result.day <= d.day
