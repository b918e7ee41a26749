import shutil
import subprocess
from dataclasses import replace

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
