"""The EPC QR code ("SEPA QR", "GiroCode") printed in reminders: scan it, the transfer is filled in.

Standard: EPC069-12 "Quick Response Code — Guidelines to Enable Data Capture for the
Initiation of a SEPA Credit Transfer", version 002. The payload is lines joined by LF::

    BCD / 002 / 1 (UTF-8) / SCT / BIC / name (≤ 70) / IBAN / EUR<amount> / purpose /
    structured reference (empty) / unstructured remittance (≤ 140)

Relance puts the invoice numbers in the *unstructured* remittance field, because they are
not ISO 11649 creditor references. Version 002 makes the BIC optional inside the EEA.

``segno.helpers.make_epc_qr`` builds the same payload but validates neither the IBAN
checksum nor long names (it raises past 70 characters), so the payload is built here and
segno only draws it (error correction level M, as the standard requires).
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

from addin.core.model import Settings, cents

MAX_NAME = 70
MAX_REMITTANCE = 140
MIN_AMOUNT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999.99")


def normalize_iban(iban: str) -> str:
    """The IBAN without spaces, upper case (as the payment systems read it)."""
    return re.sub(r"\s+", "", str(iban or "")).upper()


def iban_is_valid(iban: str) -> bool:
    """ISO 13616: the country's length and format (its national check digits too, where the
    country has them) and the mod-97 check digits, as ``schwifty`` validates them."""
    from schwifty import IBAN  # here: a refresh that checks no IBAN never loads its registry
    from schwifty.exceptions import SchwiftyException

    code = normalize_iban(iban)
    if not code:
        return False
    try:
        IBAN(code)
    except (SchwiftyException, ValueError):
        return False
    return True


def _clean(text: str) -> str:
    # One line per field: a newline inside a field would shift every following field.
    return re.sub(r"[\x00-\x1f\x7f]+", " ", str(text or "")).strip()


def epc_payload(settings: Settings, amount: Decimal, reference: str) -> str | None:
    """The EPC069-12 text for a transfer of ``amount`` to the company, or None.

    None when there is no IBAN, the IBAN fails its checksum, there is no beneficiary name,
    or the amount is outside 0.01–999 999 999.99 € (nothing to pay: no QR code).
    """
    iban = normalize_iban(settings.iban)
    if not iban or not iban_is_valid(iban):
        return None
    name = _clean(settings.company or settings.sender_name)[:MAX_NAME].strip()
    if not name:
        return None
    value = cents(Decimal(amount))
    if not MIN_AMOUNT <= value <= MAX_AMOUNT:
        return None
    bic = re.sub(r"\s+", "", settings.bic or "").upper()
    if len(bic) not in (8, 11):
        bic = ""  # optional in version 002; a malformed one would make banks reject the code
    remittance = _clean(reference)[:MAX_REMITTANCE].rstrip()
    lines = ["BCD", "002", "1", "SCT", bic, name, iban, f"EUR{value:.2f}", "", "", remittance]
    return "\n".join(lines)


def epc_qr_png(settings: Settings, amount: Decimal, reference: str) -> bytes | None:
    """PNG bytes of the EPC QR code for this transfer, or None (see ``epc_payload``)."""
    payload = epc_payload(settings, amount, reference)
    if payload is None:
        return None
    import segno  # here: only a letter or an e-mail with a QR code needs it

    data = payload.encode("utf-8")
    qr = segno.make_qr(data, error="m", boost_error=False, encoding="utf-8")
    if qr.version > 13:  # the standard's limit (331 bytes); unreachable with the limits above
        return None
    out = io.BytesIO()
    qr.save(out, kind="png", scale=4, border=4)
    return out.getvalue()
