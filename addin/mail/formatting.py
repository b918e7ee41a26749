"""Money, dates and rates written the way the client reads them (babel, fr and en).

French: ``1 234,56 €``, ``15 mars 2025``, ``13,15 %``.
English: ``€1,234.56``, ``15 March 2025``, ``13.15%`` (British usage: day before month).

Babel separates French thousands with a narrow no-break space (U+202F) and puts a
no-break space (U+00A0) before the euro sign, so an amount never breaks across lines.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

from addin.core.model import cents

LOCALES = {"fr": "fr_FR", "en": "en_GB"}
DEFAULT_LANG = "fr"


def language(lang: str | None) -> str:
    """The supported language for ``lang`` ("fr", "en", "en-US", "Anglais"…); French otherwise."""
    key = str(lang or "").strip().lower()
    if key.startswith("en") or key in {"anglais", "english"}:
        return "en"
    return DEFAULT_LANG


def locale_for(lang: str | None) -> str:
    return LOCALES[language(lang)]


def money(amount: Decimal | int | str | None, lang: str | None = DEFAULT_LANG) -> str:
    """An amount in euros, rounded to the cent half-up: ``1 234,56 €`` / ``€1,234.56``."""
    if amount is None or amount == "":
        return ""
    value = cents(Decimal(str(amount)))
    return format_currency(value, "EUR", locale=locale_for(lang))


def long_date(value: date | datetime | None, lang: str | None = DEFAULT_LANG) -> str:
    """``15 mars 2025`` / ``15 March 2025``, ``1er décembre 2026``; empty for no date."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = value.date()
    text = format_date(value, format="long", locale=locale_for(lang))
    if language(lang) == "fr" and value.day == 1:  # French writes the first of the month "1er"
        text = "1er" + text[1:]
    return text


def short_date(value: date | datetime | None, lang: str | None = DEFAULT_LANG) -> str:
    """``15/03/2025`` in both languages (tables), empty for no date."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return value.strftime("%d/%m/%Y")


def percent(rate: Decimal | None, lang: str | None = DEFAULT_LANG) -> str:
    """An annual fraction as a percentage, keeping its decimals: 0.1315 → ``13,15 %``."""
    if rate is None or rate == "":
        return ""
    return format_percent(Decimal(str(rate)), locale=locale_for(lang), decimal_quantization=False)


def number(value: int | Decimal | None, lang: str | None = DEFAULT_LANG) -> str:
    if value is None or value == "":
        return ""
    return format_decimal(value, locale=locale_for(lang))


def filters(lang: str | None) -> dict[str, object]:
    """Jinja filters bound to one language: ``money``, ``date``, ``sdate``, ``percent``, ``number``."""
    lang = language(lang)
    return {
        "money": lambda v: money(v, lang),
        "date": lambda v: long_date(v, lang),
        "sdate": lambda v: short_date(v, lang),
        "percent": lambda v: percent(v, lang),
        "number": lambda v: number(v, lang),
    }
