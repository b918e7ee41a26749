import email
import email.policy
import re
from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal

import jinja2
import pytest

from addin.core.model import ClientType
from addin.mail.compose import TEMPLATE_NAMES, payment_link, render, split_emails, to_message
from tests.mail.samples import SETTINGS, TODAY, action, plain

SENDABLE = [t for t in TEMPLATE_NAMES if t != "appel"]
MONEY = {
    "fr": {"balance": "1 885,56 €", "first": "1 234,56 €", "credit": "-100,00 €", "claimed": "1 984,88 €"},
    "en": {"balance": "€1,885.56", "first": "€1,234.56", "credit": "-€100.00", "claimed": "€1,984.88"},
}
LEGAL_B2B = ("40 €", "40,00 €", "€40", "L441-10", "D441-5")


def parsed(msg):
    return email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("template", TEMPLATE_NAMES)
def test_every_template_lists_items_totals_and_how_to_pay(template, lang):
    r = render(action(template, language=lang), SETTINGS, today=TODAY)
    assert r.lang == lang
    assert r.subject and "\n" not in r.subject and "F2025-001" in r.subject
    for body in (plain(r.text), plain(r.html)):
        for number in ("F2025-001", "F2025-014", "AV-003", "VIR-0301"):
            assert number in body
        assert "BC-778" in body and "PO 12/A" in body
        assert MONEY[lang]["first"] in body and MONEY[lang]["credit"] in body
        assert MONEY[lang]["balance"] in body
        assert "FR76 3000 6000 0112 3456 7890 189" in body and "AGRIFRPP" in body
        assert "F2025-001 F2025-014" in body  # the reference to quote
        assert "https://pay.example.com/p?ref=F2025-001%20F2025-014" in body
        assert "Marie Lefèvre" in body and "123 456 789" in body and "04 78 00 00 00" in body
        assert "{{" not in body and "{%" not in body and "}}" not in body
    assert "<" not in r.text  # the text part is text, not HTML
    assert "<table" in r.html


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("template", SENDABLE)
def test_emails_carry_the_transfer_qr_code_inline(template, lang):
    r = render(action(template, language=lang), SETTINGS, today=TODAY)
    qr = [a for a in r.attachments if a.inline_cid]
    assert len(qr) == 1 and qr[0].data.startswith(b"\x89PNG")
    assert f'src="cid:{qr[0].inline_cid}"' in r.html


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("template", ["particulier_1", "particulier_2", "relance_2", "relance_3", "mise_en_demeure"])
def test_consumers_are_never_claimed_the_b2b_indemnity_or_l441_10(template, lang):
    r = render(action(template, language=lang, type=ClientType.CONSUMER), SETTINGS, today=TODAY)
    for body in (plain(r.subject), plain(r.text), plain(r.html)):
        for word in LEGAL_B2B:
            assert word not in body, (word, template)


@pytest.mark.parametrize("template", ["mise_en_demeure", "relance_3"])
def test_consumer_formal_steps_cite_legal_interest_from_the_notice(template):
    r = render(action(template, type=ClientType.CONSUMER), SETTINGS, today=TODAY)
    assert "1231-6" in r.text and "1231-6" in r.html


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_last_reminder_claims_interest_and_indemnity_with_their_basis(lang):
    r = render(action("relance_3", language=lang), SETTINGS, today=TODAY)
    for body in (plain(r.text), plain(r.html)):
        assert "L441-10" in body and "D441-5" in body and "40 €" in body
        assert MONEY[lang]["claimed"] in body  # 1 885,56 + 19,32 + 80,00
        assert ("19,32 €" if lang == "fr" else "€19.32") in body
        assert ("80,00 €" if lang == "fr" else "€80.00") in body
    assert ("24 mars 2025" if lang == "fr" else "24 March 2025") in r.text  # today + 8 days


def test_public_buyers_get_moratory_interest_basis():
    r = render(action("relance_3", type=ClientType.PUBLIC), SETTINGS, today=TODAY)
    assert "R2192-31" in r.text and "L441-10" not in r.text


def test_friendly_reminder_claims_no_penalty_amounts():
    r = render(action("relance_1"), SETTINGS, today=TODAY)
    assert "19,32" not in plain(r.text) and "Total réclamé" not in r.text


def test_formal_notice_email_attaches_the_letter():
    r = render(action("mise_en_demeure", name="Société Générale d'Éclairage"), SETTINGS, today=TODAY)
    pdfs = [a for a in r.attachments if a.content_type == "application/pdf"]
    assert len(pdfs) == 1 and pdfs[0].data.startswith(b"%PDF")
    assert pdfs[0].filename == "Mise en demeure - Société Générale d'Éclairage - 2025-03-16.pdf"
    assert pdfs[0].inline_cid is None


def test_phone_script_is_preview_only():
    r = render(action("appel"), SETTINGS, today=TODAY)
    assert r.preview_only and not r.attachments
    with pytest.raises(ValueError):
        to_message(r, SETTINGS, message_id="<x@relance>")


def test_unknown_language_falls_back_to_french():
    r = render(action("relance_1", language="de"), SETTINGS, today=TODAY)
    assert r.lang == "fr" and "Bonjour" in r.text


def test_invalid_iban_is_left_out_and_noted():
    settings = replace(SETTINGS, iban="FR76 3000 6000 0112 3456 7890 188")
    r = render(action("relance_1"), settings, today=TODAY)
    assert "FR76" not in r.text and not r.attachments
    assert any("IBAN invalide" in n for n in r.notes)


def test_payment_link_fills_reference_and_refuses_non_web_links():
    assert payment_link(SETTINGS, "F 1/2", Decimal("10")) == "https://pay.example.com/p?ref=F%201%2F2"
    assert payment_link(replace(SETTINGS, payment_link="javascript:alert(1)"), "F1", Decimal("1")) == ""
    assert payment_link(replace(SETTINGS, payment_link="https://x/{amount}"), "F1", Decimal("3.5")) == "https://x/3.50"


def test_split_emails_accepts_semicolons_and_commas_and_rejects_junk():
    valid, rejected = split_emails(" a@x.fr; b@y.com , a@x.fr ;not an email;c@z.org\r\nBcc: d@e.f")
    assert valid == ("a@x.fr", "b@y.com")
    assert "not an email" in rejected and len(rejected) == 2


def test_strict_undefined(tmp_path):
    (tmp_path / "fr").mkdir()
    for suffix, body in ((".subject.txt", "S"), (".txt", "{{ nope }}"), (".html", "x")):
        (tmp_path / "fr" / f"relance_1{suffix}").write_text(body)
    with pytest.raises(jinja2.UndefinedError):
        render(action("relance_1"), SETTINGS, today=TODAY, templates_dir=tmp_path)


# --- injection ----------------------------------------------------------------


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_html_from_the_sheet_is_escaped(lang):
    evil = '<script>alert(1)</script> =HYPERLINK("http://x")'
    items = (replace(action().items[0], number="<b>F1</b>", po_number="<img src=x onerror=alert(1)>"),)
    r = render(action("appel", name=evil, language=lang, items=items), SETTINGS, today=TODAY)
    assert "<script>" not in r.html and "<b>F1" not in r.html and "<img src=x" not in r.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.html
    assert "=HYPERLINK(&#34;http://x&#34;)" in r.html
    assert "&lt;b&gt;F1&lt;/b&gt;" in r.html
    # in the text part the name is shown as typed: plain text, nothing to execute
    assert '=HYPERLINK("http://x")' in r.text


def test_no_header_injection_from_the_client_name_or_invoice_numbers():
    items = (replace(action().items[0], number="F1\r\nBcc: spy@evil.example"),)
    r = render(action("relance_1", name="Evil\r\nBcc: x@y", items=items), SETTINGS, today=TODAY)
    msg = parsed(to_message(r, SETTINGS, message_id="<k@relance>"))
    assert msg["Bcc"] is None
    assert [k for k in msg.keys() if k.lower() == "bcc"] == []
    assert "\n" not in msg["Subject"] and "Bcc: spy@evil.example" in msg["Subject"]
    assert msg["To"].addresses[0].display_name == "Evil Bcc: x@y"
    assert msg["To"].addresses[0].addr_spec == "compta@dupont.fr"


def test_injected_newline_in_the_email_cell_adds_no_recipient():
    r = render(action("relance_1", email="a@x.fr\r\nBcc: spy@evil.example"), SETTINGS, today=TODAY)
    assert r.to == () and any("invalide" in n for n in r.notes)
    with pytest.raises(ValueError):
        to_message(r, SETTINGS, message_id="<k@relance>")


# --- the MIME message -------------------------------------------------------------


def test_message_structure_and_headers():
    a = action("mise_en_demeure", name="Société Générale d'Éclairage")
    r = render(a, SETTINGS, today=TODAY)
    when = datetime(2025, 3, 16, 9, 30, tzinfo=timezone.utc)
    msg = parsed(to_message(r, SETTINGS, message_id="relance.abc123@atelier-eloise.fr", date=when))

    assert msg.get_content_type() == "multipart/mixed"
    sender = msg["From"].addresses[0]
    assert sender.display_name == "Marie Lefèvre - Atelier Éloïse SARL"
    assert sender.addr_spec == "marie@atelier-eloise.fr"
    assert [x.addr_spec for x in msg["To"].addresses] == ["compta@dupont.fr", "jean@dupont.fr"]
    assert [x.addr_spec for x in msg["Cc"].addresses] == ["dg@dupont.fr"]
    assert msg["Reply-To"].addresses[0].addr_spec == "marie@atelier-eloise.fr"
    assert msg["Message-ID"] == "<relance.abc123@atelier-eloise.fr>"
    assert msg["X-Relance-Key"] == a.key
    assert msg["Date"].datetime == when
    assert msg["Subject"].startswith("Mise en demeure de payer")

    alt = msg.get_payload()[0]
    assert alt.get_content_type() == "multipart/alternative"
    text_part, related = alt.get_payload()
    assert text_part.get_content_type() == "text/plain"
    assert "1 984,88 €" in plain(text_part.get_content()) and "<p>" not in text_part.get_content()
    assert related.get_content_type() == "multipart/related"
    html_part, image = related.get_payload()
    assert html_part.get_content_type() == "text/html" and "é" in html_part.get_content()
    assert image.get_content_type() == "image/png" and image["Content-ID"] == "<qr-virement@relance>"
    assert image.get_content().startswith(b"\x89PNG")

    pdf = msg.get_payload()[1]
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content_disposition() == "attachment"
    assert pdf.get_filename() == "Mise en demeure - Société Générale d'Éclairage - 2025-03-16.pdf"
    assert re.search(r"filename\*(0\*)?=utf-8''", pdf.as_string(), re.IGNORECASE)  # RFC 2231, not RFC 2047
    assert pdf.get_content().startswith(b"%PDF")


def test_message_without_qr_is_alternative_only():
    r = render(action("relance_1"), replace(SETTINGS, iban=""), today=TODAY)
    msg = parsed(to_message(r, SETTINGS, message_id="<a@b>", date=datetime(2025, 3, 16, tzinfo=timezone.utc)))
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.get_payload()] == ["text/plain", "text/html"]


def test_missing_sender_address_is_a_clear_error():
    r = render(action("relance_1"), SETTINGS, today=TODAY)
    with pytest.raises(ValueError, match="expéditeur"):
        to_message(r, replace(SETTINGS, sender_email=""), message_id="<a@b>")


def test_same_inputs_same_message_bytes():
    when = datetime(2025, 3, 16, 9, 0, tzinfo=timezone.utc)
    one = to_message(render(action("relance_3"), SETTINGS, today=TODAY), SETTINGS, message_id="<m@x>", date=when)
    two = to_message(render(action("relance_3"), SETTINGS, today=TODAY), SETTINGS, message_id="<m@x>", date=when)
    strip = lambda b: re.sub(rb"boundary=\"?=+[0-9]+==\"?|--=+[0-9]+==", b"", b)  # noqa: E731
    assert strip(one.as_bytes()) == strip(two.as_bytes())
