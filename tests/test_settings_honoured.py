"""Issue 13, point 1: every setting of *Paramètres* changes what its description says it changes.

One test per ``Settings`` field (``test_every_setting_has_its_test`` keeps the list complete).
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest

from addin.core import aging, fast
from addin.core.dunning import DEFAULTS, History, queue
from addin.core.model import Client, ClientType, Invoice, InvoiceState, Payment, Register, Settings, Status
from addin.core.rates import RateTable
from addin.mail.compose import render
from addin.mail.send import smtp_config
from addin.reports.letters import formal_notice_pdf
from tests.mail.samples import SETTINGS, TODAY, action, plain

RATES = RateTable.shipped()
ROOT = Path(__file__).resolve().parents[1]
PRO = Client("C1", "Atelier Dupont", ClientType.BUSINESS, terms="30 jours", row=2)


def mail(settings: Settings, template: str = "relance_2", **client) -> str:
    return " ".join(plain(render(action(template, **client), settings, today=TODAY).text).split())


def letter(settings: Settings, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) not installed")
    path = tmp_path / "letter.pdf"
    path.write_bytes(formal_notice_pdf(action("mise_en_demeure"), settings, today=TODAY))
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True)
    return " ".join(plain(out.stdout).split())


def ledger(settings: Settings, invoices, payments=(), today=date(2025, 4, 30), clients=(PRO,)):
    result, problems = fast.compute(Register(settings, clients, tuple(invoices), tuple(payments)), today, RATES)
    return result.by_number(), problems


# --- who writes: the letters and e-mails -------------------------------------------------------


def test_company(tmp_path):
    assert "Pixel & Cie" in letter(dataclasses.replace(SETTINGS, company="Pixel & Cie"), tmp_path)
    assert "Pixel & Cie" in mail(dataclasses.replace(SETTINGS, company="Pixel & Cie"))


def test_siren(tmp_path):
    assert "SIREN 987 654 321" in letter(dataclasses.replace(SETTINGS, siren="987 654 321"), tmp_path)


def test_address(tmp_path):
    text = letter(dataclasses.replace(SETTINGS, address="3 quai de la Fosse, 44000 Nantes"), tmp_path)
    assert "3 quai de la Fosse, 44000 Nantes" in text and "Fait à Nantes" in text


def test_iban():
    assert "FR76 3000 6000 0112 3456 7890 189" in mail(SETTINGS)
    assert "FR76" not in mail(dataclasses.replace(SETTINGS, iban=""))


def test_bic():
    assert "BIC : AGRIFRPP" in mail(SETTINGS)
    assert "BIC : BNPAFRPP" in mail(dataclasses.replace(SETTINGS, bic="BNPAFRPP"))


def test_sender_email(tmp_path):
    assert "paie@pixel.fr" in letter(dataclasses.replace(SETTINGS, sender_email="paie@pixel.fr"), tmp_path)


def test_sender_name(tmp_path):
    assert "Paul Durand" in letter(dataclasses.replace(SETTINGS, sender_name="Paul Durand"), tmp_path)


def test_bcc_sender():
    """« Copie cachée à l'expéditeur » (default Non): Oui puts the sender in Bcc of every reminder."""
    from addin.mail.compose import to_message

    def bcc(settings: Settings) -> list[str]:
        msg = to_message(render(action("relance_2"), settings, today=TODAY), settings, message_id="<k@relance>")
        return [str(v) for k, v in msg.items() if k.lower() == "bcc"]

    assert bcc(SETTINGS) == []
    sender = dataclasses.replace(SETTINGS, bcc_sender=True)
    assert len(bcc(sender)) == 1 and sender.sender_email in bcc(sender)[0]


def test_phone():
    assert "Tél. : 02 40 00 00 00" in mail(dataclasses.replace(SETTINGS, phone="02 40 00 00 00"))


def test_payment_link():
    text = mail(dataclasses.replace(SETTINGS, payment_link="https://pay.example.com/{reference}"))
    assert "Paiement en ligne : https://pay.example.com/F2025-001" in text
    assert "Paiement en ligne" not in mail(dataclasses.replace(SETTINGS, payment_link=""))


# --- how it sends -----------------------------------------------------------------------------


def test_smtp_host():
    assert smtp_config(Settings(), {}) is None  # blank: the e-mails go to the outbox
    assert smtp_config(Settings(smtp_host="smtp.example.fr"), {}).host == "smtp.example.fr"


def test_smtp_port():
    assert smtp_config(Settings(smtp_host="h", smtp_port=2525), {}).port == 2525


def test_smtp_user():
    config = smtp_config(Settings(smtp_host="h", smtp_user="relance@x.fr"), {}, get_password=lambda user: None)
    assert config.user == "relance@x.fr"


def test_smtp_security():
    config = smtp_config(Settings(smtp_host="h", smtp_security="ssl"), {})
    assert (config.security, config.port) == ("ssl", 465)  # and its default port


# --- the law -------------------------------------------------------------------------------------


def test_default_terms():
    # No terms on the invoice or the client: 10 Jan 2025 + « 45 jours fin de mois » = 24 Feb → 28 Feb.
    client = dataclasses.replace(PRO, terms=None)
    invoice = Invoice("F1", "C1", date(2025, 1, 10), D("100.00"), row=2)
    states, _ = ledger(Settings(default_terms="45 jours fin de mois"), [invoice], clients=(client,))
    assert states["F1"].due == date(2025, 2, 28)


def test_language(tmp_path):
    # « Langue » = en: a client whose own Langue is blank is written to in English.
    from addin.register.load import load
    from tests.register.conftest import FakeBook
    from tests.register.test_load import CLIENTS_FR, french_sheets

    row = ["C9", "Blue Ltd", "Professionnel", "ap@blue.co.uk", None, None, "30 jours", None, None, None, None, None]
    sheets = french_sheets(**{"Paramètres": [["Paramètre", "Valeur"], ["Langue", "en"]],
                              "Clients": [CLIENTS_FR, row]})
    register, _ = load(FakeBook(sheets))
    (client,) = register.clients
    assert client.language == "en"
    assert "Dear" in mail(SETTINGS, language=client.language) and "Bonjour" in mail(SETTINGS)


def test_penalty_mode():
    # 2,000 € due 17 Mar 2025 at a typed 15 %, on 30 Apr: legal 2000 × 0.1315 × 44 / 365 = 31.70,
    # contract 2000 × 0.15 × 44 / 365 = 36.16.
    invoice = Invoice("F1", "C1", date(2025, 2, 15), D("2000.00"), penalty_rate=D("0.15"), row=2)
    assert ledger(Settings(penalty_mode="legal"), [invoice])[0]["F1"].interest == D("31.70")
    assert ledger(Settings(penalty_mode="contract"), [invoice])[0]["F1"].interest == D("36.16")


def test_below_floor_policy():
    # 5 % typed, below the 2025 S1 floor 11.13 %: 1,000 € 44 days late (17 Mar → 30 Apr 2025):
    # legal_default 1000 × 0.1315 × 44 / 365 = 15.85; floor 1000 × 0.1113 × 44 / 365 = 13.42;
    # contract 1000 × 0.05 × 44 / 365 = 6.03.
    invoice = Invoice("F1", "C1", date(2025, 2, 15), D("1000.00"), penalty_rate=D("0.05"), row=2)
    got = [ledger(Settings(below_floor_policy=policy), [invoice])[0]["F1"].interest
           for policy in ("legal_default", "floor", "contract")]
    assert got == [D("15.85"), D("13.42"), D("6.03")]


def test_imputation():
    # 1,000 € due 17 Mar 2025; 500 € paid 16 Apr (30 days: 1000 × 0.1315 × 30 / 365 = 10.808… → 10.81),
    # then to 30 Apr (14 days): principal first, 500 × 0.1315 × 14 / 365 = 2.52 → 13.33 in all;
    # interest first (C. civ. 1343-1), 10.81 go to the interest, 510.81 remain:
    # 510.81 × 0.1315 × 14 / 365 = 2.576… → 10.808 + 2.576 = 13.38.
    invoice = Invoice("F1", "C1", date(2025, 2, 15), D("1000.00"), row=2)
    payment = Payment(date(2025, 4, 16), "C1", D("500.00"), "F1", row=2)
    assert ledger(Settings(imputation="principal"), [invoice], [payment])[0]["F1"].interest == D("13.33")
    assert ledger(Settings(imputation="interest_first"), [invoice], [payment])[0]["F1"].interest == D("13.38")


def test_sector_max_days():
    # « 45 jours » between businesses is legal (≤ 60), but beyond a 30-day sector cap: a warning.
    invoice = Invoice("F1", "C1", date(2025, 1, 10), D("100.00"), terms="45 jours", row=2)
    assert not ledger(Settings(), [invoice])[1]
    (warning,) = ledger(Settings(sector_max_days=30), [invoice])[1]
    assert "au-delà du délai maximal de votre secteur (30 jours" in warning.message


# --- the reminders -------------------------------------------------------------------------------


def overdue(balance: str, days: int = 20) -> InvoiceState:
    due = date(2025, 6, 30) - date.resolution * days
    invoice = Invoice("F1", "C1", due, D(balance), row=2)
    return InvoiceState(invoice, due, D("0"), D(balance), Status.OVERDUE, days, D("0"), D("40"))


def test_min_balance():
    client = Client("C1", "Pro", ClientType.BUSINESS, email="a@b.fr")

    def chased(threshold: str) -> bool:
        actions, _ = queue([overdue("8.00")], [client], DEFAULTS, History(), Settings(min_balance=D(threshold)),
                           date(2025, 6, 30), {})
        return bool(actions)

    assert not chased("10.00") and chased("5.00")  # 8 € is below 10 €, above 5 €


def test_reminder_deadline_days():
    # 16 Mar 2025 (a Sunday) + 8 days = Monday 24 March; + 15 days = Monday 31 March.
    assert "24 mars 2025" in mail(SETTINGS)
    assert "31 mars 2025" in mail(dataclasses.replace(SETTINGS, reminder_deadline_days=15))


# --- the credit policy and the workbook ------------------------------------------------------


def test_hold_days_late():
    client = Client("C1", "Pro", ClientType.BUSINESS)
    states = [overdue("1000.00", days=45)]
    assert aging.credit_policy_breaches([client], states, Settings(hold_days_late=30))
    assert not aging.credit_policy_breaches([client], states, Settings(hold_days_late=60))


def test_hold_amount_overdue():
    client = Client("C1", "Pro", ClientType.BUSINESS)
    states = [overdue("1000.00", days=10)]
    assert aging.credit_policy_breaches([client], states, Settings(hold_amount_overdue=D("500.00")))
    assert not aging.credit_policy_breaches([client], states, Settings(hold_amount_overdue=D("5000.00")))


def test_backups(tmp_path):
    from addin.cli import _open

    path = tmp_path / "book.xlsx"
    shutil.copy(ROOT / "workbook_template.xlsx", path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Paramètres"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Sauvegardes conservées")
    ws.cell(row, 2).value = 2
    wb.save(path)
    assert _open(path, date(2025, 6, 30)).backups == 2


def test_every_setting_has_its_test():
    tested = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    fields = {f.name for f in dataclasses.fields(Settings)} - {"extra"}  # extra: unknown keys, kept as typed
    assert fields <= tested, sorted(fields - tested)
