from datetime import date, datetime
from decimal import Decimal

from addin.mail import formatting
from tests.mail.samples import plain


def test_money_french_and_english():
    assert plain(formatting.money(Decimal("1234.56"), "fr")) == "1 234,56 €"
    assert formatting.money(Decimal("1234.56"), "en") == "€1,234.56"


def test_money_rounds_half_up_to_the_cent():
    # 0.005 rounds up (half-up), where banker's rounding would give 0.00
    assert plain(formatting.money(Decimal("0.005"), "fr")) == "0,01 €"
    assert plain(formatting.money(Decimal("2.345"), "fr")) == "2,35 €"


def test_long_dates():
    assert formatting.long_date(date(2025, 3, 15), "fr") == "15 mars 2025"
    assert formatting.long_date(date(2025, 3, 15), "en") == "15 March 2025"
    assert formatting.long_date(datetime(2025, 3, 15, 0, 0), "fr") == "15 mars 2025"
    assert formatting.long_date(None, "fr") == ""
    assert formatting.long_date(date(2026, 12, 1), "fr") == "1er décembre 2026"
    assert formatting.long_date(date(2026, 12, 1), "en") == "1 December 2026"


def test_percent_keeps_decimals():
    assert plain(formatting.percent(Decimal("0.1315"), "fr")) == "13,15 %"
    assert formatting.percent(Decimal("0.1315"), "en") == "13.15%"


def test_unknown_language_falls_back_to_french():
    assert formatting.language("de") == "fr"
    assert formatting.language("EN-us") == "en"
    assert formatting.long_date(date(2025, 3, 15), "xx") == "15 mars 2025"
