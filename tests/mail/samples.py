"""Test records: a small agency chasing a client with two invoices, a credit note and a payment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from addin.core.model import Action, ActionItem, Channel, Client, ClientType, Settings, Step

TODAY = date(2025, 3, 16)
IBAN = "FR76 3000 6000 0112 3456 7890 189"  # valid checksum (a published sample IBAN)

SETTINGS = Settings(
    company="Atelier Éloïse SARL",
    siren="123 456 789",
    address="12 rue de la République, 69002 Lyon",
    iban=IBAN,
    bic="AGRIFRPP",
    sender_email="marie@atelier-eloise.fr",
    sender_name="Marie Lefèvre",
    phone="04 78 00 00 00",
    payment_link="https://pay.example.com/p?ref={reference}",
)

# Amounts chosen so that no total ends in "40 €" by accident (consumer tests look for "40 €").
# 1 234,56 + 801,00 − 100,00 − 50,00 = 1 885,56 €; interest 15,57 + 3,75 = 19,32 €; indemnity 2 × 40 = 80 €.
ITEMS = (
    ActionItem("F2025-001", "BC-778", date(2025, 1, 10), date(2025, 2, 9), D("1234.56"), 35, D("15.57"), D("40")),
    ActionItem("F2025-014", "PO 12/A", date(2025, 2, 1), date(2025, 3, 3), D("801.00"), 13, D("3.75"), D("40")),
    ActionItem("AV-003", "", date(2025, 2, 20), None, D("-100.00"), 0, D("0"), D("0"), kind="credit_note"),
    ActionItem("VIR-0301", "", date(2025, 3, 1), None, D("50.00"), 0, D("0"), D("0"), kind="unallocated_payment"),
)

CHANNELS = {"appel": Channel.PHONE, "mise_en_demeure": Channel.FORMAL_NOTICE}


def client(
    *,
    name: str = "Café Dupont & Fils",
    type: ClientType = ClientType.BUSINESS,
    language: str = "fr",
    email: str = "compta@dupont.fr; jean@dupont.fr",
    email_cc: str = "dg@dupont.fr",
    code: str = "C001",
) -> Client:
    return Client(code, name, type, email=email, email_cc=email_cc, language=language)


def action(template: str = "relance_1", *, items=ITEMS, **client_kwargs) -> Action:
    c = client(**client_kwargs)
    step = Step(c.type.value, template.upper(), 7, CHANNELS.get(template, Channel.EMAIL), template)
    invoices = [i for i in items if i.kind == "invoice"]
    return Action(
        client=c,
        step=step,
        on=TODAY,
        items=tuple(items),
        total_balance=sum((i.balance for i in invoices), D("0")),
        total_interest=sum((i.interest for i in invoices), D("0")),
        total_indemnity=sum((i.indemnity for i in invoices), D("0")),
    )


def plain(text: str) -> str:
    """Babel's no-break spaces as ordinary spaces, to compare with readable literals."""
    return text.replace("\u202f", " ").replace("\xa0", " ").replace("&nbsp;", " ")
