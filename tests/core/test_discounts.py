"""Early-payment discount (escompte) — L441-9, LAW.md §7: a reduction of the HT, the VAT falls with it."""

from datetime import date
from decimal import Decimal as D

import pytest

from addin.core.discounts import early_discount

DEADLINE = date(2025, 2, 10)


def test_two_percent_of_1000_ht_paid_on_the_deadline():
    # 1,000.00 HT × 20 % = 200.00 VAT → 1,200.00 TTC. 2 % of HT = 20.00; its VAT 20.00 × 20 % = 4.00;
    # 20.00 + 4.00 = 24.00 off → 1,200.00 - 24.00 = 1,176.00 to pay.
    d = early_discount(D("1000"), D("0.20"), D("0.02"), DEADLINE, DEADLINE)
    assert d.applies
    assert (d.discount_ht, d.discount_vat, d.discount_ttc) == (D("20.00"), D("4.00"), D("24.00"))
    assert d.amount_due_ttc == D("1176.00")
    assert d.warning == ""


def test_paid_before_the_deadline_earns_it_too():
    d = early_discount(D("1000"), D("0.20"), D("0.02"), DEADLINE, date(2025, 1, 15))
    assert d.applies and d.amount_due_ttc == D("1176.00")


def test_paid_the_day_after_the_deadline_does_not():
    d = early_discount(D("1000"), D("0.20"), D("0.02"), DEADLINE, date(2025, 2, 11))
    assert not d.applies
    assert d.amount_due_ttc == D("1200.00")  # the full TTC
    assert d.discount_ttc == D("24.00")  # what would have been earned, for the letter
    assert "11/02/2025" in d.reason and "10/02/2025" in d.reason


def test_not_paid_in_full_does_not():
    d = early_discount(D("1000"), D("0.20"), D("0.02"), DEADLINE, None)
    assert not d.applies
    assert d.amount_due_ttc == D("1200.00")
    assert d.reason == "non payée en totalité"


def test_rounding_is_half_up_on_odd_amounts():
    # 100.25 HT × 2 % = 2.005 → 2.01 half-up (half-even would give 2.00);
    # its VAT 2.01 × 20 % = 0.402 → 0.40; 2.01 + 0.40 = 2.41 off.
    # TTC 100.25 × 1.20 = 120.30 → 120.30 - 2.41 = 117.89.
    d = early_discount(D("100.25"), D("0.20"), D("0.02"), DEADLINE, DEADLINE)
    assert (d.discount_ht, d.discount_vat, d.discount_ttc) == (D("2.01"), D("0.40"), D("2.41"))
    assert d.amount_due_ttc == D("117.89")


def test_rounding_of_the_ttc_and_of_the_vat_on_the_discount():
    # 1,234.57 HT × 5.5 % VAT = 67.90135 → TTC 1,302.47135 → 1,302.47.
    # 1.5 % of HT = 18.51855 → 18.52; its VAT 18.52 × 5.5 % = 1.0186 → 1.02; 18.52 + 1.02 = 19.54.
    # 1,302.47 - 19.54 = 1,282.93.
    d = early_discount(D("1234.57"), D("0.055"), D("0.015"), DEADLINE, DEADLINE)
    assert (d.discount_ht, d.discount_vat, d.discount_ttc) == (D("18.52"), D("1.02"), D("19.54"))
    assert d.amount_due_ttc == D("1282.93")


def test_no_vat():
    # Auto-entrepreneur without VAT: 500 HT = 500 TTC; 2 % = 10.00; 490.00.
    d = early_discount(D("500"), D("0"), D("0.02"), DEADLINE, DEADLINE)
    assert (d.discount_vat, d.amount_due_ttc) == (D("0.00"), D("490.00"))


def test_a_rate_above_two_percent_warns_but_applies():
    d = early_discount(D("1000"), D("0.20"), D("0.03"), DEADLINE, DEADLINE)
    assert "2 %" in d.warning
    assert d.applies and d.amount_due_ttc == D("1164.00")  # 30.00 + 6.00 = 36.00 off 1,200.00
    assert early_discount(D("1000"), D("0.20"), D("0.02"), DEADLINE, DEADLINE).warning == ""


@pytest.mark.parametrize("rate", [D("-0.01"), D("1.01"), D("2")])
def test_a_negative_rate_or_one_above_100_percent_raises(rate):
    with pytest.raises(ValueError, match="escompte"):
        early_discount(D("1000"), D("0.20"), rate, DEADLINE, DEADLINE)


@pytest.mark.parametrize("vat", [D("-0.2"), D("20")])  # 20 instead of 0.20: typed as a percentage
def test_an_impossible_vat_rate_raises(vat):
    with pytest.raises(ValueError, match="TVA"):
        early_discount(D("1000"), vat, D("0.02"), DEADLINE, DEADLINE)
