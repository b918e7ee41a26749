import re
import shutil
import subprocess
from dataclasses import replace
from decimal import Decimal as D

import pytest

from addin.core.model import ClientType
from addin.reports import letters
from addin.reports.letters import formal_notice_pdf
from tests.mail.samples import SETTINGS, TODAY, action, plain

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True)
    return " ".join(plain(out.stdout).split())


def test_business_letter_has_the_mentions_of_a_formal_notice(tmp_path):
    text = pdf_text(formal_notice_pdf(action("mise_en_demeure"), SETTINGS, today=TODAY), tmp_path)
    for mention in (
        "MISE EN DEMEURE",
        "Lettre recommandée avec accusé de réception",
        "Atelier Éloïse SARL", "SIREN 123 456 789",  # creditor
        "Café Dupont & Fils", "C001",  # debtor
        "F2025-001", "F2025-014", "BC-778", "AV-003",
        "1 234,56 €", "1 885,56 €", "19,32 €", "80,00 €", "1 984,88 €",
        "L441-10 II", "D441-5", "40 €",
        "24 mars 2025", "8 jours",  # deadline: today + 8 days
        "Fait à Lyon, le 16 mars 2025",
        "Marie Lefèvre",
    ):
        assert mention in text, mention


def test_consumer_letter_cites_the_civil_code_and_claims_no_indemnity(tmp_path):
    a = action("mise_en_demeure", type=ClientType.CONSUMER)
    text = pdf_text(formal_notice_pdf(a, SETTINGS, today=TODAY), tmp_path)
    assert "1231-6" in text and "MISE EN DEMEURE" in text
    for word in ("40 €", "L441-10", "D441-5", "Indemnité"):
        assert word not in text
    assert "1 885,56 €" in text  # balance only: no indemnity added


def test_public_buyer_letter_cites_moratory_interest(tmp_path):
    text = pdf_text(formal_notice_pdf(action("mise_en_demeure", type=ClientType.PUBLIC), SETTINGS, today=TODAY), tmp_path)
    assert "R2192-31" in text and "Intérêts moratoires" in text and "L441-10" not in text


def test_english_letter(tmp_path):
    a = action("mise_en_demeure", language="en")
    text = pdf_text(formal_notice_pdf(a, SETTINGS, today=TODAY, deadline_days=15), tmp_path)
    assert "FORMAL NOTICE / LETTER BEFORE ACTION" in text
    assert "€1,984.88" in text and "31 March 2025" in text and "15 days" in text
    assert "registered letter with acknowledgement of receipt" in text.lower()


def test_same_inputs_same_bytes():
    a = action("mise_en_demeure")
    assert formal_notice_pdf(a, SETTINGS, today=TODAY) == formal_notice_pdf(a, SETTINGS, today=TODAY)


def test_renders_to_a_png(tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm not installed")
    (tmp_path / "l.pdf").write_bytes(formal_notice_pdf(action("mise_en_demeure"), SETTINGS, today=TODAY))
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(tmp_path / "l.pdf"), str(tmp_path / "page")], check=True)
    pngs = sorted(tmp_path.glob("page*.png"))
    assert pngs and pngs[0].read_bytes().startswith(b"\x89PNG") and pngs[0].stat().st_size > 2000


def test_no_place_without_a_postcode(tmp_path):
    text = pdf_text(formal_notice_pdf(action("mise_en_demeure"), replace(SETTINGS, address=""), today=TODAY), tmp_path)
    assert "Fait à" not in text and "16 mars 2025" in text


def test_missing_font_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(letters, "FONT_REGULAR", tmp_path / "absent.ttf")
    with pytest.raises(letters.FontMissing, match="fonts-dejavu-core"):
        formal_notice_pdf(action("mise_en_demeure"), SETTINGS, today=TODAY)


def test_the_letter_claims_only_the_reminders_the_journal_shows(tmp_path):
    from datetime import date

    text = pdf_text(formal_notice_pdf(action("mise_en_demeure"), SETTINGS, today=TODAY), tmp_path)
    assert "Malgré" not in text and "restent impayées à ce jour" in text
    reminded = replace(action("mise_en_demeure"), previous_reminders=3, last_reminder=date(2025, 3, 1))
    text = pdf_text(formal_notice_pdf(reminded, SETTINGS, today=TODAY), tmp_path)
    assert "Malgré nos relances, dont la dernière le 1 mars 2025" in text or \
        "Malgré nos relances, dont la dernière le 1er mars 2025" in text


def test_the_letter_deadline_is_the_setting(tmp_path):
    text = pdf_text(formal_notice_pdf(action("mise_en_demeure"), replace(SETTINGS, reminder_deadline_days=10),
                                      today=TODAY), tmp_path)
    assert "26 mars 2025" in text and "10 jours" in text


def test_a_plan_item_in_the_letter_says_what_is_due_and_what_remains(tmp_path):
    from datetime import date
    from decimal import Decimal as D

    from addin.core.model import ActionItem

    item = ActionItem("F-7", "", date(2025, 1, 1), date(2025, 1, 31), D("2000.00"), 40, D("10.00"), D("40"),
                      ref=date(2025, 2, 4), remaining=D("3000.00"), next_installment=date(2025, 4, 4),
                      next_installment_amount=D("1000.00"))
    text = pdf_text(formal_notice_pdf(action("mise_en_demeure", items=(item,)), SETTINGS, today=TODAY), tmp_path)
    assert "2 050,00 €" in text  # 2,000 due now + 10 interest + 40: never the 3,000 € balance
    assert "reste dû sur la facture 3 000,00 €" in text and "prochaine échéance le 04/04/2025" in text


def test_a_consumer_letter_shows_no_nil_interest(tmp_path):
    from decimal import Decimal as D

    from tests.mail.samples import ITEMS

    a = action("mise_en_demeure", type=ClientType.CONSUMER, items=tuple(replace(i, interest=D("0")) for i in ITEMS))
    text = pdf_text(formal_notice_pdf(a, SETTINGS, today=TODAY), tmp_path)
    assert "Intérêts" not in text and not re.search(r"(?<![\d,-])0,00 €", text)


def test_an_invoice_the_credit_covers_is_offset_in_the_letter(tmp_path):
    from tests.mail.test_compose import covered_action

    text = pdf_text(formal_notice_pdf(covered_action("mise_en_demeure"), SETTINGS, today=TODAY), tmp_path)
    for mention in ("Facture F1 (éch. 31/01/2025), à compenser avec le crédit", "1 000,00 €", "Avoir AV1",
                    "Paiement non affecté", "1 480,00 €"):
        assert mention in text, mention


def test_the_letter_names_the_invoices_the_past_reminders_were_about(tmp_path):
    from datetime import date

    from tests.mail.test_compose import reminded_action

    text = pdf_text(formal_notice_pdf(reminded_action("mise_en_demeure"), SETTINGS, today=date(2026, 12, 14)),
                    tmp_path)
    assert "Malgré nos relances concernant la facture F2025-0246, dont la dernière le 5 décembre 2026" in text


@pytest.mark.parametrize("lang, words", [
    ("fr", "les sommes dues porteront intérêt au taux légal à compter de la réception de la présente mise en demeure"),
    ("en", "the amounts due will bear interest at the legal rate from receipt of this formal notice"),
])
def test_the_consumer_email_and_letter_say_the_same_about_when_legal_interest_starts(tmp_path, lang, words):
    from addin.mail.compose import render

    from tests.mail.samples import ITEMS

    # A first notice: no legal interest has run yet (it starts from the notice's receipt).
    first = tuple(replace(i, interest=D("0")) for i in ITEMS)
    consumer = action("mise_en_demeure", type=ClientType.CONSUMER, language=lang, items=first)
    letter = pdf_text(formal_notice_pdf(consumer, SETTINGS, today=TODAY), tmp_path)
    rendered = render(consumer, SETTINGS, today=TODAY)
    basis = "1231-6 et 1344-1 du Code civil" if lang == "fr" else "1231-6 and 1344-1 of the French Civil Code"
    for text in (letter, " ".join(plain(rendered.text).split()), " ".join(plain(rendered.html).split())):
        assert words in text and basis in text
    for template in ("particulier_3", "relance_3"):  # the steps before it announce the same start
        text = " ".join(plain(render(action(template, type=ClientType.CONSUMER, language=lang), SETTINGS,
                                     today=TODAY).text).split())
        assert ("compter de sa réception" if lang == "fr" else "rom its receipt") in text and basis in text
