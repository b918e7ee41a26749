"""Issue 13's acceptance: a formal notice per debtor (business, public buyer, consumer), from the
engine's own figures, rendered to PNG by pdftoppm, stating the legal basis, the per-period
calculation, the deadline and only the remedies open against that debtor; its e-mail says the
same amounts, deadline and legal basis.

All three as of Thursday 7 August 2025: 8 days from the receipt of a letter received that day end
on Friday 15 August (Assomption, a public holiday), so the deadline printed is Monday 18 August 2025.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest
from PIL import Image

from addin.core import fast
from addin.core.model import (
    Action, ActionItem, Channel, Client, ClientType, Invoice, Register, Settings, Step,
)
from addin.core.rates import RateTable
from addin.mail.compose import render
from addin.reports.letters import formal_notice_pdf
from tests.mail.samples import SETTINGS, plain

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
                                reason="poppler-utils (pdftoppm, pdftotext) not installed")

TODAY = date(2025, 8, 7)
RATES = RateTable.shipped()


def notice(client: Client, invoice: Invoice) -> Action:
    """The formal notice of ``invoice`` as the queue lists it, from the production engine's state."""
    register = Register(Settings(), (client,), (invoice,))
    (state,) = fast.compute(register, TODAY, RATES)[0].states
    item = ActionItem(invoice.number, "", invoice.issued, state.due, state.balance, state.days_late,
                      state.interest, state.indemnity, ref=state.due, periods=state.periods, reminders=3,
                      last_reminder=date(2025, 7, 20))
    step = Step(client.type.value, "J+45", 45, Channel.FORMAL_NOTICE, "mise_en_demeure", min_previous=3)
    return Action(client, step, TODAY, (item,), state.balance, state.interest, state.indemnity,
                  previous_reminders=3, last_reminder=date(2025, 7, 20))


def business() -> Action:
    # 10,000 € due 15 Jun 2025 (issued 16 May, 30 days), unpaid on 7 Aug:
    # 16-30 Jun: 15 d × 13.15 % → 10000 × 0.1315 × 15 / 365 = 54.04;
    # 1 Jul-7 Aug: 38 d × 12.15 % → 10000 × 0.1215 × 38 / 365 = 126.49; total 180.534… → 180.53, + 40 €.
    client = Client("C1", "Café Dupont & Fils", ClientType.BUSINESS, terms="30 jours", email="compta@dupont.fr")
    return notice(client, Invoice("F2025-101", "C1", date(2025, 5, 16), D("10000.00")))


def public() -> Action:
    # 20,000 € received by the buyer 11 May 2025, 30 days: due 10 Jun; unpaid on 7 Aug: 58 days at the
    # rate of the half-year interest started in (2025 S1: 3.15 + 8 = 11.15 %) for the whole delay:
    # 20000 × 0.1115 × 58 / 365 = 354.356… → 354.36, + 40 €.
    client = Client("M1", "Mairie de Lyon", ClientType.PUBLIC, terms="30 jours", email="mandatement@lyon.fr")
    return notice(client, Invoice("F2025-102", "M1", date(2025, 5, 9), D("20000.00"), received=date(2025, 5, 11)))


def consumer() -> Action:
    # 1,500 € due 30 Apr 2025, a first notice received 2 Jun: legal interest from 3 Jun,
    # 3-30 Jun: 28 d × 3.71 % → 1500 × 0.0371 × 28 / 365 = 4.27; 1 Jul-7 Aug: 38 d × 2.76 % →
    # 1500 × 0.0276 × 38 / 365 = 4.31; total 8.579… → 8.58, no 40 €.
    client = Client("P1", "Léa Martin", ClientType.CONSUMER, terms="à réception", email="lea@example.fr")
    return notice(client, Invoice("F2025-103", "P1", date(2025, 4, 30), D("1500.00"), notice_date=date(2025, 6, 2)))


def letter(action: Action, tmp_path, name: str) -> tuple[str, Image.Image]:
    pdf = tmp_path / f"{name}.pdf"
    pdf.write_bytes(formal_notice_pdf(action, SETTINGS, today=TODAY))
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-singlefile", str(pdf), str(tmp_path / name)], check=True)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    return " ".join(plain(text).split()), Image.open(tmp_path / f"{name}.png")


DEADLINE = ("8 jours à compter de la réception de la présente", "18 août 2025", "7 août 2025")
REMEDIES_COURT = ("injonction de payer", "1405", "L125-1", "5 000 €")
REMEDIES_PUBLIC = ("R541-1", "Code de justice administrative", "provision", "cahier des clauses administratives")

CASES = {
    "business": (business, ("L441-10 II", "D441-5", "40 €"),
                 # per period: from, to, days, rate, amount; the invoice's total
                 ("16/06/2025 30/06/2025 15 10 000,00 € 13,15 %", "54,04 €",
                  "01/07/2025 07/08/2025 38 10 000,00 € 12,15 %", "126,49 €", "180,53 €"),
                 REMEDIES_COURT, REMEDIES_PUBLIC + ("à votre charge",), "10 220,53 €"),
    "public": (public, ("L2192-13", "R2192-31", "D2192-35", "huit points"),
               ("11/06/2025 07/08/2025 58 20 000,00 € 11,15 %", "354,36 €"),
               REMEDIES_PUBLIC, ("injonction", "L125-1", "L441-10", "à votre charge"), "20 394,36 €"),
    "consumer": (consumer, ("1231-6", "1344-1", "taux légal"),
                 ("03/06/2025 30/06/2025 28 1 500,00 € 3,71 %", "4,27 €",
                  "01/07/2025 07/08/2025 38 1 500,00 € 2,76 %", "4,31 €", "8,58 €"),
                 REMEDIES_COURT, REMEDIES_PUBLIC + ("40 €", "L441-10", "D441-5", "Indemnité", "à votre charge"),
                 "1 508,58 €"),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_each_debtor_gets_its_own_formal_notice(tmp_path, kind):
    make, basis, periods, remedies, never, total = CASES[kind]
    action = make()
    text, image = letter(action, tmp_path, kind)
    assert image.size[0] > 300 and image.getextrema() != ((255, 255), (255, 255), (255, 255))  # a page, not blank
    for words in ("MISE EN DEMEURE", "Détail du calcul des intérêts", total, *basis, *periods, *DEADLINE,
                  *remedies):
        assert words in text, (kind, words)
    for words in never:
        assert words not in text, (kind, words)


@pytest.mark.parametrize("kind", list(CASES))
def test_the_email_and_its_letter_say_the_same(tmp_path, kind):
    make, basis, periods, remedies, never, total = CASES[kind]
    action = make()
    text, _ = letter(action, tmp_path, kind)
    rendered = render(action, SETTINGS, today=TODAY)
    mail = " ".join(plain(rendered.text).split())
    for words in (total, *basis, *DEADLINE, *remedies, periods[-1]):
        assert words in mail, (kind, words)
    for words in never:
        assert words not in mail, (kind, words)
    assert any(a.filename.endswith(".pdf") for a in rendered.attachments)


def test_a_first_notice_to_a_consumer_announces_the_interest_from_its_receipt(tmp_path):
    # No notice received yet: no interest has run, none is claimed, and the letter says it will run
    # from the receipt of this one (Code civil 1231-6, 1344-1); no calculation to show.
    action = consumer()
    item = replace(action.items[0], interest=D("0"), periods=())
    action = replace(action, items=(item,), total_interest=D("0"))
    text, _ = letter(action, tmp_path, "first")
    assert "porteront intérêt au taux légal à compter de la réception de la présente mise en demeure" in text
    assert "Détail du calcul" not in text and "1 500,00 €" in text
