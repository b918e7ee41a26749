"""The payment deadline a reminder or a formal notice gives.

« N jours à compter de la réception de la présente »: the date printed is the one the
deadline gives for a message received on the day it is sent, and it never falls on a
Saturday, a Sunday or a French public holiday (the next working day then: a deadline
expiring on a non-working day is extended to the next working day, Code de procédure
civile art. 642, the usual reading for a payment deadline too). The holidays are those of
metropolitan France, from the maintained ``holidays`` library (not a hand-made list).

Due dates are not deadlines: they stay calendar dates (``due_dates``).
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

import holidays


@functools.lru_cache(maxsize=64)
def _french_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.France(years=year))


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a French public holiday."""
    return day.weekday() < 5 and day not in _french_holidays(day.year)


def next_working_day(day: date) -> date:
    """``day`` itself when it is a working day, else the next one."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def payment_deadline(sent: date, days: int) -> date:
    """The last day to pay for a message sent (and received) on ``sent`` giving ``days`` days.

    9 May 2025 + 8 days = Saturday 17 May → Monday 19 May 2025; 6 May 2025 + 8 days =
    Wednesday 14 May (a working day: kept); 30 Apr 2026 + 8 = Friday 8 May 2026 (Victoire 1945)
    → Monday 11 May 2026.
    """
    return next_working_day(sent + timedelta(days=max(days, 0)))
