"""Every calendar rule of Relance in one place.

Due dates are calendar dates: weekends and public holidays never move them
(LAW.md §6b). Nothing here knows about time zones.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def end_of_month(d: date) -> date:
    """Last day of ``d``'s month (28/29 February included)."""
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's end, like Excel's EDATE.

    31 Jan + 1 month = 28 Feb (29 in a leap year); 31 Mar - 1 month = 28/29 Feb.
    """
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(d.day, last))


def add_days(d: date, days: int) -> date:
    return d + timedelta(days=days)


def days_between(start: date, end: date) -> int:
    """``end - start`` in days (negative when ``end`` is before ``start``)."""
    return (end - start).days


def half_year(d: date) -> tuple[int, int]:
    """(year, 1) for January-June, (year, 2) for July-December."""
    return d.year, 1 if d.month <= 6 else 2


def half_year_start(year: int, half: int) -> date:
    return date(year, 1 if half == 1 else 7, 1)


def half_year_end(year: int, half: int) -> date:
    return date(year, 6, 30) if half == 1 else date(year, 12, 31)


def next_half_year(year: int, half: int) -> tuple[int, int]:
    return (year, 2) if half == 1 else (year + 1, 1)
