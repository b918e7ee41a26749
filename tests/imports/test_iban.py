"""IBANs are checked by ``schwifty`` (country length and format, check digits), not by mod 97 alone."""

from __future__ import annotations

from addin.mail.qr import iban_is_valid


def with_check_digits(country: str, bban: str) -> str:
    """ISO 13616: check digits = 98 − (BBAN + country + "00", letters as numbers) mod 97."""
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def test_mod_97_alone_is_not_enough_the_country_s_length_counts():
    # A French IBAN has 27 characters; this one has the right mod-97 check digits but 25.
    short = with_check_digits("FR", "30006000011234567890189"[:21])
    digits = "".join(str(int(ch, 36)) for ch in short[4:] + short[:4])
    assert int(digits) % 97 == 1  # what the former hand-written check accepted
    assert not iban_is_valid(short)
    assert iban_is_valid(with_check_digits("FR", "3000600001123456789018" + "9"))  # 27 characters: fine


def test_an_unknown_country_is_refused():
    assert not iban_is_valid(with_check_digits("QQ", "12345678901234"))
