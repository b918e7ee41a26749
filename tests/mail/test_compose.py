import email
import email.policy
import re
from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal

import jinja2
import pytest

from addin.core.model import ClientType
from addin.mail.compose import TEMPLATE_NAMES, payment_link, render, to_message
from addin.mail.text import split_emails
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
    # A call script is read by the user: in her register's language (here the client's).
    r = render(action(template, language=lang), SETTINGS, today=TODAY, user_lang=lang)
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


# --- what a message says is true: review 4 --------------------------------------------

from datetime import date, timedelta  # noqa: E402

from addin.core.model import ActionItem  # noqa: E402
from addin.mail.claims import claim  # noqa: E402
from addin.mail.compose import MIME_POLICY  # noqa: E402
from tests.mail.samples import ITEMS  # noqa: E402

D = Decimal


def one(due: date, **kw) -> tuple[ActionItem, ...]:
    """A single 500 € invoice due on ``due``."""
    return (ActionItem("F-9", "", due - timedelta(days=30), due, D("500.00"), max(0, (TODAY - due).days),
                       D("0"), D("0"), **kw),)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_due_day_step_reached_late_words_the_invoice_as_overdue(lang):
    late = render(action("echeance", items=one(TODAY - timedelta(days=8)), language=lang), SETTINGS, today=TODAY)
    for body in (plain(late.subject), plain(late.text), plain(late.html)):
        assert "aujourd'hui" not in body and "ce jour" not in body and "due today" not in body
        assert ("8 mars 2025" if lang == "fr" else "8 March 2025") in body or "08/03/2025" in body
    assert ("échue depuis le 08/03/2025" if lang == "fr" else "overdue since 08/03/2025") in plain(late.text)
    on_time = render(action("echeance", items=one(TODAY), language=lang), SETTINGS, today=TODAY)
    assert ("arrive à échéance aujourd'hui" if lang == "fr" else "falls due today") in plain(on_time.text)
    before = render(action("avant_echeance", items=one(TODAY + timedelta(days=10)), language=lang), SETTINGS,
                    today=TODAY)
    assert ("arrivera à échéance le 26 mars 2025" if lang == "fr" else "will fall due on 26 March 2025") in plain(
        before.text)


def test_a_courtesy_message_with_items_in_different_situations_says_so():
    items = one(TODAY) + (replace(one(TODAY + timedelta(days=5))[0], number="F-10"),)
    text = plain(render(action("echeance", items=items), SETTINGS, today=TODAY).text)
    assert "1 arrive à échéance aujourd'hui, 1 arrivera à échéance prochainement" in text
    assert "échéance aujourd'hui (16/03/2025)" in text and "à échoir le 21/03/2025" in text


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_previous_reminder_is_claimed_that_the_journal_does_not_show(lang):
    first = render(action("relance_2", language=lang), SETTINGS, today=TODAY)
    for body in (plain(first.subject), plain(first.text), plain(first.html)):
        for claimed in ("précédent rappel", "Deuxième relance", "Malgré", "previous reminder", "Second reminder",
                        "Despite"):
            assert claimed not in body, claimed
    second = render(replace(action("relance_2", language=lang), previous_reminders=1,
                            last_reminder=date(2025, 3, 7)), SETTINGS, today=TODAY)
    assert ("Deuxième relance" if lang == "fr" else "Second reminder") in second.subject
    assert ("Malgré notre rappel du 7 mars 2025" if lang == "fr" else "Despite our reminder of 7 March 2025") in \
        plain(second.text)
    for template in ("relance_3", "mise_en_demeure", "particulier_2", "particulier_3"):
        r = render(action(template, language=lang), SETTINGS, today=TODAY)
        assert "Malgré" not in r.text and "Despite" not in r.text and "revenir vers vous" not in r.text


def test_the_deadline_is_the_setting_the_queue_waits_for():
    r = render(action("relance_2"), replace(SETTINGS, reminder_deadline_days=15), today=TODAY)
    assert "au plus tard le 31 mars 2025" in plain(r.text)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_installment_plan_item_shows_what_is_due_what_remains_and_when_next(lang):
    item = ActionItem("F-7", "BC-1", date(2025, 1, 1), date(2025, 1, 31), D("1000.00"), 7, D("0"), D("0"),
                      ref=date(2025, 3, 9), remaining=D("3000.00"), next_installment=date(2025, 4, 9),
                      next_installment_amount=D("1000.00"))
    r = render(action("relance_1", items=(item,), language=lang), SETTINGS, today=TODAY)
    money = (lambda x: f"{x} €") if lang == "fr" else (lambda x: f"€{x}")
    for body in (plain(r.text), plain(r.html)):
        assert money("1 000,00" if lang == "fr" else "1,000.00") in body
        assert money("3 000,00" if lang == "fr" else "3,000.00") in body and "09/04/2025" in body
        assert "3 000,00 € :" not in body and "€3,000.00:" not in body  # the whole balance is never asked
    assert ("Par virement de 1 000,00 €" if lang == "fr" else "By bank transfer of €1,000.00") in plain(r.text)
    assert ("échue depuis le 09/03/2025 (7 jours" if lang == "fr" else "overdue since 09/03/2025 (7 days") in plain(
        r.text)


def test_an_unknown_interest_is_never_shown_as_an_amount():
    items = (replace(ITEMS[0], interest_known=False),) + ITEMS[1:]
    r = render(action("relance_3", items=items), SETTINGS, today=TODAY)
    assert "non calculés (taux manquant)" in plain(r.text) and "non calculé (taux manquant)" in plain(r.html)
    assert "15,57" not in plain(r.text)
    assert any("taux manquant" in n for n in r.notes)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_consumer_third_reminder_states_the_consumer_consequences_only(lang):
    r = render(action("particulier_3", language=lang, type=ClientType.CONSUMER), SETTINGS, today=TODAY)
    for body in (plain(r.text), plain(r.html)):
        assert "1231-6" in body
        assert ("mise en demeure" if lang == "fr" else "formal notice") in body
        assert ("24 mars 2025" if lang == "fr" else "24 March 2025") in body
        for word in LEGAL_B2B:
            assert word not in body


def test_a_consumer_formal_notice_shows_no_nil_interest_and_the_claim_says_what_is_claimed():
    consumer = action("mise_en_demeure", type=ClientType.CONSUMER,
                      items=tuple(replace(i, interest=D("0")) for i in ITEMS))
    r = render(consumer, SETTINGS, today=TODAY)
    for body in (plain(r.text), plain(r.html)):
        assert "intérêts de retard 0,00" not in body.lower() and "Intérêts de retard :" not in body
    assert claim(consumer).interest is None and claim(consumer).indemnity is None
    assert claim(consumer).total == D("1885.56")
    reminder = claim(action("relance_1"))
    assert (reminder.interest, reminder.indemnity, reminder.total) == (None, None, D("1885.56"))
    last = claim(action("relance_3"))
    assert (last.interest, last.indemnity, last.total) == (D("19.32"), D("80"), D("1984.88"))


@pytest.mark.parametrize("subject", [
    "Deuxième relance : facture F2026-0042 impayée — Pixel & Cie SARL, atelier de création graphique",
    "Rappel : facture F001 non réglée — Pixel & Cie SARL",
    "Factures F2026-0001 F2026-0002 F2026-0003 : échéance le 15 décembre 2026 — Société Générale d'Éclairage",
])
def test_the_subject_arrives_exactly_as_written(subject):
    r = replace(render(action("relance_1"), SETTINGS, today=TODAY), subject=subject)
    msg = to_message(r, SETTINGS, message_id="<s@x>", date=datetime(2025, 3, 16, tzinfo=timezone.utc))
    for policy in (msg.policy, MIME_POLICY.clone(linesep="\r\n")):
        raw = msg.as_bytes(policy=policy)
        head = raw.split(b"\r\n\r\n" if b"\r\n" in raw else b"\n\n")[0]
        assert all(len(line) <= 78 for line in head.splitlines())
        assert email.message_from_bytes(raw, policy=email.policy.default)["Subject"] == subject


@pytest.mark.parametrize("lang, words", [("fr", "(1 jour de retard)"), ("en", "(1 day late)")])
def test_one_day_late_is_singular(lang, words):
    r = render(action("relance_2", items=one(TODAY - timedelta(days=1)), language=lang), SETTINGS, today=TODAY)
    assert plain(r.text).count(words) == 2  # the intro and the item's line


# --- second review ------------------------------------------------------------------------


def covered_action(template="avant_echeance", lang="fr"):
    from datetime import date

    from addin.core.model import ActionItem

    D = Decimal
    items = (
        ActionItem("F2", "", date(2025, 2, 24), date(2025, 3, 26), D("2000.00"), 0, D("0"), D("0"),
                   ref=date(2025, 3, 26)),
        ActionItem("F1", "BC-9", date(2025, 1, 1), date(2025, 1, 31), D("1000.00"), 44, D("0"), D("0"),
                   kind="covered", ref=date(2025, 1, 31)),
        ActionItem("AV1", "", date(2025, 2, 1), None, D("-1500.00"), 0, D("0"), D("0"), kind="credit_note"),
        ActionItem("", "", None, None, D("-20.00"), 0, D("0"), D("0"), kind="unallocated_payment"),
    )
    return action(template, items=items, language=lang)


@pytest.mark.parametrize("lang, words", [
    ("fr", ("Facture F1 (bon de commande BC-9) du 01/01/2025 (échéance le 31/01/2025), à compenser avec le crédit "
            "ci-dessous : 1 000,00 €", "Avoir AV1 du 01/02/2025 : -1 500,00 €",
            "Paiement reçu non affecté : -20,00 €", "Total restant dû : 1 480,00 €")),
    ("en", ("Invoice F1 (purchase order BC-9) of 01/01/2025 (due on 31/01/2025), to be offset against the credit "
            "below: €1,000.00", "Credit note AV1 of 01/02/2025: -€1,500.00", "Unallocated payment received: -€20.00",
            "Total balance due: €1,480.00")),
])
def test_an_invoice_the_credit_covers_is_listed_beside_it_so_the_total_is_the_clients_position(lang, words):
    r = render(covered_action(lang=lang), SETTINGS, today=TODAY)
    text = plain(r.text)
    for w in words:
        assert w in text, w
    assert "F1" not in r.subject and "F2" in r.subject  # the covered invoice is not what the message is about
    html = plain(r.html)
    assert "à compenser avec le crédit ci-dessous" in html or "to be offset against the credit below" in html


def reminded_action(template="relance_3", lang="fr", client_type=ClientType.BUSINESS):
    """F2025-0246 (430 days late) had two reminders, the last on 5 Dec 2026; F2026-0278 fell due
    on 10 Dec 2026 and had none: it rides along in the oldest invoice's last reminder."""
    from datetime import date

    from addin.core.model import ActionItem

    D = Decimal
    items = (
        ActionItem("F2025-0246", "", date(2025, 8, 7), date(2025, 10, 10), D("183.60"), 430, D("26.49"), D("40"),
                   ref=date(2025, 10, 10), reminders=2, last_reminder=date(2026, 12, 5)),
        ActionItem("F2026-0278", "BC-84197", date(2026, 10, 21), date(2026, 12, 10), D("2311.20"), 4, D("3.14"),
                   D("40"), ref=date(2026, 12, 10), reminders=0),
    )
    a = action(template, items=items, language=lang, type=client_type)
    return replace(a, on=date(2026, 12, 14), previous_reminders=2, last_reminder=date(2026, 12, 5))


@pytest.mark.parametrize("lang, opening", [
    ("fr", "Malgré nos rappels (le dernier le 5 décembre 2026) concernant la facture F2025-0246, celle-ci reste "
           "impayée. Ce message porte aussi sur la facture F2026-0278, échue depuis le 10 décembre 2026."),
    ("en", "Despite our reminders (the last one on 5 December 2026) about invoice F2025-0246, it remains unpaid. "
           "This message also covers invoice F2026-0278, overdue since 10 December 2026."),
])
def test_the_last_reminder_claims_past_reminders_only_for_the_invoices_that_had_them(lang, opening):
    from datetime import date

    for template in ("relance_2", "relance_3", "particulier_3", "mise_en_demeure"):
        r = render(reminded_action(template, lang), SETTINGS, today=date(2026, 12, 14))
        text = " ".join(plain(r.text).split())
        words = opening.replace("reste impayée.", "reste impayée à ce jour.") if template == "relance_2" and lang == "fr" \
            else opening
        assert words in text, (template, text[:600])
        assert "430 jours de retard)." not in text and "430 days late)." not in text
        # Nothing is said to be attached that is not (« joindre » reads as an attachment).
        pdfs = [a for a in r.attachments if a.content_type == "application/pdf"]
        claims = re.findall(r"joign|ci-joint|include|attach", text, re.IGNORECASE)
        assert not claims or (template == "mise_en_demeure" and pdfs), (template, claims)
        assert words in " ".join(plain(re.sub(r"<[^>]+>", "", r.html)).split())
    # Every invoice reminded before, one date: the days late are still said in the opening.
    r = render(replace(reminded_action(lang=lang), items=reminded_action().items[:1]), SETTINGS,
               today=date(2026, 12, 14))
    assert ("(430 jours de retard)" if lang == "fr" else "(430 days late)") in plain(r.text)


REPEATABLE = ["relance_1", "relance_2", "relance_3", "particulier_1", "particulier_2", "particulier_3"]


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("template", REPEATABLE)
def test_a_step_repeated_before_the_formal_notice_is_worded_as_a_repeat(template, lang):
    """C040 got two « dernier rappel amiable » e-mails (12-10, then 12-25 as « J+30 (2) »): the second
    must say it follows the first, in every template a scenario can repeat."""
    from datetime import date

    first = action(template, language=lang, type=ClientType.CONSUMER)
    first = replace(first, previous_reminders=2, last_reminder=date(2025, 3, 1), notice_next=False)
    again = replace(first, step=replace(first.step, name="J+30 (2)"))
    r1, r2 = (render(a, SETTINGS, today=TODAY) for a in (first, again))
    said = {"fr": "Nous vous avons adressé", "en": "We sent you"}[lang]
    when = {"fr": "le 1er mars 2025", "en": "on 1 March 2025"}[lang]
    for part in (plain(r2.text), plain(r2.html)):
        assert said in part and when in part
        assert "notre dernier rappel amiable." not in part and "Ce message est notre dernière" not in part
        assert "This is our final amicable reminder." not in part
    assert said not in plain(r1.text)
    if template in ("relance_2", "particulier_2"):  # already « Nouvelle relance » after two reminders
        assert r2.subject.startswith(("Nouvelle relance", "Nouveau rappel", "Further reminder"))
    else:
        assert r1.subject != r2.subject
    if template in ("relance_3", "particulier_3"):
        # The first was not the last (the notice was not next): the repeat says a further one.
        what = {"fr": "une relance" if template == "relance_3" else "un rappel", "en": "a reminder"}[lang]
        assert f"{said} {what} {when}" in plain(r2.text)
        further = {"fr": "supplémentaire", "en": "This is a further reminder."}[lang]
        assert further in plain(r2.text)


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("template", ["relance_3", "particulier_3"])
def test_only_a_message_the_formal_notice_follows_calls_itself_the_last(template, lang):
    """Issue 15 point 4: « dernière relance amiable » and the threat of a formal notice only when
    the notice comes next; otherwise a plain reminder with its deadline."""
    last = {"fr": ("dernière relance amiable", "dernier rappel amiable", "Dernière relance", "Dernier rappel"),
            "en": ("final amicable reminder", "Final reminder")}[lang]
    threat = {"fr": "nous vous adresserons une mise en demeure", "en": "we will send you a formal notice"}[lang]
    for notice_next in (True, False):
        for name in ("J+30", "J+30 (2)"):
            a = replace(action(template, language=lang, type=ClientType.CONSUMER), notice_next=notice_next)
            a = replace(a, step=replace(a.step, name=name))
            r = render(a, SETTINGS, today=TODAY)
            for part in (r.subject, plain(r.text), plain(r.html)):
                assert any(w in part for w in last) == notice_next, (notice_next, name, part[:300])
            assert (threat in plain(r.text)) == notice_next


FRENCH_SPACING = re.compile(r"[ \u00a0\u202f][:;!?](?!\w)|[«»]")


def test_english_messages_have_english_typography_and_number():
    """No space before : ; ! ? nor « » in English (« Unallocated payment received : »), and a
    plural invoice list is « them », never « settle it »."""
    from datetime import date

    found = []
    for template in TEMPLATE_NAMES:
        for kind in ClientType:
            for a in (action(template, language="en", type=kind), covered_action(template, "en"),
                      reminded_action(template, "en", kind)):
                for each in (a, replace(a, step=replace(a.step, name="J+30 (2)"))):
                    r = render(each, SETTINGS, today=date(2026, 12, 14), user_lang="en")
                    html = re.sub(r"<[^>]+>", " ", r.html).replace("&nbsp;", "\u00a0")
                    for part in (r.subject, r.text, html):
                        found += [(template, kind.value, part[max(0, m.start() - 30):m.end()])
                                  for m in FRENCH_SPACING.finditer(part)]
    assert found == []
    text = render(action("particulier_1", language="en", type=ClientType.CONSUMER), SETTINGS, today=TODAY).text
    assert "settle them" in text and "settle it" not in text


def test_the_english_letter_has_english_typography(tmp_path):
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed")
    from addin.reports.letters import formal_notice_pdf

    for a in (action("mise_en_demeure", language="en"), covered_action("mise_en_demeure", "en")):
        path = tmp_path / "letter.pdf"
        path.write_bytes(formal_notice_pdf(a, SETTINGS, today=TODAY))
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout
        assert [m.group() for m in FRENCH_SPACING.finditer(" ".join(text.split()))] == []


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("template", ["relance_1", "particulier_1"])
def test_the_first_message_for_an_old_debt_fits_its_age(template, lang):
    """Issue 15 point 6: a first run on an invoice 385 days late does not send « sans doute un oubli »."""
    from datetime import date, timedelta

    from addin.core.model import ActionItem

    today = date(2026, 11, 23)
    due = today - timedelta(days=385)
    item = ActionItem("F2025-0100", "", due - timedelta(days=30), due, Decimal("900"), 385, Decimal("80"),
                      Decimal("40"), ref=due, reminders=0)
    old = replace(action(template, items=(item,), language=lang), on=today)
    text = plain(render(old, SETTINGS, today=today).text)
    assert not re.search(r"oubli|oversight", text), text[:400]
    assert ("385 jours de retard" if lang == "fr" else "385 days late") in text
    recent = replace(item, days_late=8, due=today - timedelta(days=8), ref=today - timedelta(days=8))
    text = plain(render(replace(old, items=(recent,)), SETTINGS, today=today).text)
    assert re.search(r"oubli|oversight", text)


@pytest.mark.parametrize("user_lang, client_lang", [("fr", "en"), ("en", "fr")])
def test_a_call_script_speaks_the_clients_language_and_instructs_in_the_users(user_lang, client_lang):
    """Issue 15 point 7: the user reads her instructions in the register's language; she says the
    quoted sentence in the client's."""
    from addin.core.model import Channel

    a = action("appel", language=client_lang)
    a = replace(a, step=replace(a.step, channel=Channel.PHONE))
    r = render(a, SETTINGS, today=TODAY, user_lang=user_lang)
    spoken = {"fr": "Je vous appelle au sujet", "en": "I am calling about"}
    notes = {"fr": "À noter pendant l'appel", "en": "Note during the call"}
    for part in (plain(r.text), plain(r.html)):
        assert spoken[client_lang] in part and spoken[user_lang] not in part
        assert notes[user_lang] in part and notes[client_lang] not in part
    assert r.subject.startswith({"fr": "Appel à passer", "en": "Call to make"}[user_lang])
