from dataclasses import replace
from decimal import Decimal

import pytest

from addin.mail.qr import epc_payload, epc_qr_png, iban_is_valid
from tests.mail.samples import SETTINGS


@pytest.mark.parametrize(
    "iban, ok",
    [
        ("FR76 3000 6000 0112 3456 7890 189", True),
        ("fr7630006000011234567890189", True),
        ("DE89 3704 0044 0532 0130 00", True),
        ("FR76 3000 6000 0112 3456 7890 188", False),  # last digit changed: checksum fails
        ("FR7630006", False),
        ("", False),
    ],
)
def test_iban_checksum(iban, ok):
    assert iban_is_valid(iban) is ok


def test_payload_follows_epc069_12():
    payload = epc_payload(SETTINGS, Decimal("1885.56"), "F2025-001 F2025-014")
    assert payload.split("\n") == [
        "BCD", "002", "1", "SCT", "AGRIFRPP", "Atelier Éloïse SARL",
        "FR7630006000011234567890189", "EUR1885.56", "", "", "F2025-001 F2025-014",
    ]


def test_payload_limits_name_and_remittance_and_strips_newlines():
    settings = replace(SETTINGS, company="N" * 90 + "\nX")
    payload = epc_payload(settings, Decimal("10"), "R" * 200)
    lines = payload.split("\n")
    assert len(lines) == 11
    assert len(lines[5]) == 70
    assert len(lines[10]) == 140


def test_no_qr_without_a_valid_iban_or_nothing_to_pay():
    assert epc_qr_png(replace(SETTINGS, iban=""), Decimal("10"), "F1") is None
    assert epc_qr_png(replace(SETTINGS, iban="FR76 3000 6000 0112 3456 7890 188"), Decimal("10"), "F1") is None
    assert epc_qr_png(SETTINGS, Decimal("0"), "F1") is None


def test_png_is_an_image():
    png = epc_qr_png(SETTINGS, Decimal("1885.56"), "F2025-001")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 200
