"""Realistic French sample data: the demo register and the benchmarks' registers.

Deterministic for a given ``today``, size and seed. The invoices cover the 18
months before ``today`` so that there is always work in the reminder queue.
Records are typed (``addin.core.model``); ``addin.demo`` writes them into the
template workbook and then types a few deliberate mistakes over them, as a
person would.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from addin.core.dates import add_months
from addin.core.due_dates import due_date
from addin.core.model import Client, ClientType, Invoice, Payment, PlanStep, Settings, cents

_PREFIXES = ["Atelier", "Boulangerie", "Cabinet", "Garage", "Imprimerie", "Maison", "Studio", "Transports",
             "Menuiserie", "Pharmacie", "Librairie", "Agence", "Clinique", "Ferme", "Hôtel", "Café"]
_NAMES = ["Dupont", "Martin", "Bernard", "Lefèvre", "Moreau", "Laurent", "Girard", "Roux", "Fontaine",
          "Chevalier", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Boyer", "Perrin", "Morel",
          "Mercier", "Dubois", "Lambert", "Bonnet", "François", "Legrand", "Gauthier", "Noël"]
_CITIES = ["Lyon", "Villeurbanne", "Grenoble", "Saint-Étienne", "Annecy", "Mâcon", "Vienne", "Bourg-en-Bresse"]
# Each town's own postcodes (La Poste): a Grenoble client is not in 69xxx.
_POSTCODES = {"Lyon": [f"6900{n}" for n in range(1, 10)], "Villeurbanne": ["69100"], "Grenoble": ["38000", "38100"],
              "Saint-Étienne": ["42000", "42100"], "Annecy": ["74000"], "Mâcon": ["71000"], "Vienne": ["38200"],
              "Bourg-en-Bresse": ["01000"]}
_PUBLIC = ["Mairie de {c}", "Communauté de communes de {c}", "Centre hospitalier de {c}", "Lycée Ampère de {c}",
           "Conseil départemental — {c}", "Syndicat des eaux de {c}", "Médiathèque municipale de {c}",
           "Office de tourisme de {c}"]
_FIRST = ["Camille", "Louise", "Hugo", "Léa", "Jules", "Chloé", "Lucas", "Inès", "Théo", "Zoé"]
_TERMS_BUSINESS = ["30 jours", "45 jours fin de mois", "60 jours", "fin de mois 45 jours", "à réception",
                   "30 jours fin de mois le 10", "30 jours"]
_MODES = ["Virement", "Virement", "Virement", "Prélèvement SEPA", "Chèque", "Carte", "Lien de paiement"]


@dataclass(frozen=True)
class SampleData:
    settings: Settings
    clients: tuple[Client, ...]
    invoices: tuple[Invoice, ...]
    payments: tuple[Payment, ...]
    plan_steps: tuple[PlanStep, ...]


def demo_settings() -> Settings:
    return Settings(
        company="Pixel & Cie SARL", siren="812 345 678", address="12 rue de la République, 69002 Lyon",
        iban="FR7630006000011234567890189", bic="AGRIFRPPXXX", sender_email="compta@pixel-et-cie.example",
        sender_name="Marie Durand", phone="04 72 00 00 00",
        payment_link="https://paiement.pixel-et-cie.example/?ref={reference}",
    )


def generate(today: date, *, clients: int = 40, invoices: int = 320, seed: int = 7,
             payments_per_invoice: float = 1.15, months: int = 18) -> SampleData:
    """A register of ``invoices`` invoices for ``clients`` clients issued over ``months`` months."""
    rng = random.Random(seed)
    client_list = _clients(rng, clients)
    start = add_months(today, -months)
    span = max(1, (today - start).days - 2)
    habits = {c.code: _habit(rng, c) for c in client_list}

    invoice_list: list[Invoice] = []
    payment_list: list[Payment] = []
    for n in range(invoices):
        client = client_list[rng.randrange(len(client_list)) if n >= len(client_list) else n]
        issued = start + timedelta(days=rng.randrange(span))
        ht = cents(Decimal(rng.lognormvariate(7.4, 0.9)).quantize(Decimal("1")))
        ht = max(ht, Decimal("80.00"))
        ttc = cents(ht * Decimal("1.2"))
        number = f"F{issued.year}-{n + 1:06d}" if invoices > 99_999 else f"F{issued.year}-{n + 1:04d}"
        delivered = issued - timedelta(days=rng.randrange(0, 10)) if rng.random() < 0.3 else None
        invoice = Invoice(
            number=number, client=client.code, issued=issued, amount_ttc=ttc, amount_ht=ht,
            delivered=delivered, po_number=f"BC-{rng.randrange(10000, 99999)}" if rng.random() < 0.55 else "",
            discount_rate=Decimal("0.02") if rng.random() < 0.04 else None,
        )
        invoice_list.append(invoice)
        payment_list.extend(_payments(rng, invoice, client, habits[client.code], today, payments_per_invoice))

    invoice_list.sort(key=lambda inv: (inv.issued, inv.number))
    invoice_list, payment_list = _numbered_in_date_order(invoice_list, payment_list, invoices > 99_999)
    invoice_list = _credit_notes(rng, invoice_list, today)
    plan_steps, plan_invoices = _plans(client_list, today)
    invoice_list.extend(plan_invoices)
    payment_list.extend(
        Payment(paid_on=plan_invoices[0].issued + timedelta(days=6), client=plan_invoices[0].client,
                amount=plan_invoices[0].amount_ttc, invoice=plan_invoices[0].number, method="Virement",
                reference=plan_invoices[0].number)
        for _ in range(1) if plan_invoices and plan_invoices[0].issued + timedelta(days=6) <= today
    )
    payment_list.sort(key=lambda p: (p.paid_on, p.client))
    return SampleData(demo_settings(), tuple(client_list), tuple(invoice_list), tuple(payment_list),
                      tuple(plan_steps))


def _numbered_in_date_order(invoice_list: list[Invoice], payment_list: list[Payment], wide: bool
                            ) -> tuple[list[Invoice], list[Payment]]:
    """Invoices numbered in an unbroken sequence per year, in the order they were issued, as
    French invoicing rules require (CGI annexe II art. 242 nonies A); payments follow."""
    renamed: dict[str, str] = {}
    counters: dict[int, int] = {}
    out = []
    for inv in invoice_list:  # already in date order
        counters[inv.issued.year] = counters.get(inv.issued.year, 0) + 1
        number = f"F{inv.issued.year}-{counters[inv.issued.year]:{'06d' if wide else '04d'}}"
        renamed[inv.number] = number
        out.append(replace(inv, number=number))
    def reference(text: str, old: str | None) -> str:  # "VIR F2025-0042": the transfer quotes the invoice
        return text.replace(old, renamed[old]) if old and old in renamed and old in text else text

    payments = [replace(p, invoice=renamed.get(p.invoice, p.invoice), reference=reference(p.reference, p.invoice))
                for p in payment_list]
    return out, payments


def _clients(rng: random.Random, count: int) -> list[Client]:
    result = []
    for i in range(count):
        roll = i % 20
        city = _CITIES[rng.randrange(len(_CITIES))]
        if roll < 13:
            kind = ClientType.BUSINESS
            name = f"{_PREFIXES[rng.randrange(len(_PREFIXES))]} {_NAMES[rng.randrange(len(_NAMES))]}"
            terms = _TERMS_BUSINESS[rng.randrange(len(_TERMS_BUSINESS))]
        elif roll < 17:
            kind = ClientType.PUBLIC
            name = _PUBLIC[rng.randrange(len(_PUBLIC))].format(c=city)
            terms = "30 jours"
        else:
            kind = ClientType.CONSUMER
            name = f"{_FIRST[rng.randrange(len(_FIRST))]} {_NAMES[rng.randrange(len(_NAMES))]}"
            terms = "à réception"
        code = f"C{i + 1:05d}" if count > 9_999 else f"C{i + 1:03d}"
        slug = _ascii(name.lower().split()[-1]) or "client"  # Lefèvre → lefevre, not lefvre
        result.append(Client(
            code=code, name=name, type=kind, email=f"compta@{slug}{i + 1}.example",
            email_cc=f"direction@{slug}{i + 1}.example" if rng.random() < 0.2 else "",
            language="en" if rng.random() < 0.1 else "fr", terms=terms,
            address=f"{rng.randrange(1, 120)} rue {_NAMES[rng.randrange(len(_NAMES))]}, "
                    f"{_postcode(city, rng.randrange(9))} {city}",
            credit_limit=Decimal(rng.choice([5000, 10000, 20000, 50000])) if kind is ClientType.BUSINESS else None,
            # From the index, not the random stream: the rest of the sample stays as it was.
            phone=f"04 {72 + i % 8:02d} {(i * 37) % 100:02d} {(i * 53) % 100:02d} {(i * 71) % 100:02d}",
        ))
    return result


def _habit(rng: random.Random, client: Client) -> tuple[float, int, int]:
    """(probability of paying at all, typical delay in days, spread): good, slow and bad payers."""
    roll = rng.random()
    if client.type is ClientType.PUBLIC:
        return 0.97, 25, 15
    if roll < 0.55:
        return 0.98, 2, 6
    if roll < 0.85:
        return 0.93, 20, 15
    return 0.7, 55, 30


def _payments(rng, invoice: Invoice, client: Client, habit, today: date, per_invoice: float) -> list[Payment]:
    pays, delay, spread = habit
    if rng.random() > pays:
        return []
    due = due_date(invoice.issued, client.terms, invoice.delivered)
    settle = due + timedelta(days=int(rng.gauss(delay, spread)))
    settle = max(settle, invoice.issued + timedelta(days=1))
    method = _MODES[rng.randrange(len(_MODES))]
    named = rng.random() < 0.95
    parts = 1 if rng.random() > (per_invoice - 1) else 2
    if parts == 2:
        first = cents(invoice.amount_ttc * Decimal(rng.choice(["0.3", "0.4", "0.5"])))
        first_on = max(invoice.issued + timedelta(days=1), settle - timedelta(days=rng.randrange(15, 45)))
        result = [Payment(first_on, client.code, first, invoice.number, method, _reference(method, invoice.number))]
        if settle <= today:
            result.append(Payment(settle, client.code, invoice.amount_ttc - first, invoice.number, method,
                                  _reference(method, invoice.number, 2)))
        return [p for p in result if p.paid_on <= today]
    if settle > today:
        return []
    return [Payment(settle, client.code, invoice.amount_ttc, invoice.number if named else None, method,
                    _reference(method, invoice.number if named else None))]


def _ascii(text: str) -> str:
    """Letters and digits of ``text`` without their accents (« François » → « francois »)."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in plain if ch.isalnum())


def _postcode(city: str, draw: int) -> str:
    codes = _POSTCODES.get(city, ["69001"])
    return codes[draw % len(codes)]


def _reference(method: str, number: str | None, part: int = 1) -> str:
    """What the bank statement shows for a payment of ``method``: a transfer or a card quotes the
    invoice, a cheque has its own number, a direct debit its mandate (« VIR » only for transfers)."""
    import hashlib

    seed = int(hashlib.sha256(f"{number}|{part}".encode()).hexdigest()[:8], 16)
    if method == "Chèque":
        return f"CHQ n° {1_000_000 + seed % 9_000_000}"
    if method == "Prélèvement SEPA":
        return f"PRLV SEPA {number}" if number else f"PRLV SEPA RUM-{seed % 100_000:05d}"
    if method == "Carte":
        return f"CB {number}" if number else f"CB {seed % 10_000:04d}"
    if method == "Lien de paiement":
        return f"Paiement en ligne {number}" if number else "Paiement en ligne"
    return f"VIR {number}" if number else "VIR SEPA"


def _credit_notes(rng: random.Random, invoices: list[Invoice], today: date) -> list[Invoice]:
    """A credit note (negative invoice, numbered AV-…) for about one invoice in forty."""
    result = list(invoices)
    for k, invoice in enumerate(invoices[::40]):
        ht = -cents(invoice.amount_ht * Decimal("0.1")) if invoice.amount_ht else Decimal("-50.00")
        issued = min(today, invoice.issued + timedelta(days=12))
        result.append(Invoice(number=f"AV{issued.year}-{k + 1:04d}", client=invoice.client, issued=issued,
                              amount_ttc=cents(ht * Decimal("1.2")), amount_ht=ht, terms="à réception",
                              po_number=invoice.po_number))
    return result


def _plans(clients: list[Client], today: date) -> tuple[list[PlanStep], list[Invoice]]:
    """A deposit plan, a milestone plan and an installment plan on the first business clients."""
    business = [c for c in clients if c.type is ClientType.BUSINESS]
    a, b, c = business[0], business[1], business[2]
    steps: list[PlanStep] = []
    invoices: list[Invoice] = []

    # Deposit at signature (invoiced and paid), balance at delivery (to invoice).
    signed = today - timedelta(days=40)
    deposit = Invoice(number=f"F{signed.year}-AC01", client=a.code, issued=signed, amount_ttc=Decimal("5400.00"),
                      amount_ht=Decimal("4500.00"), terms="à réception", po_number="BC-REFONTE")
    invoices.append(deposit)
    steps += [
        PlanStep("P-001", a.code, "Acompte à la signature", "Refonte du site", Decimal("18000.00"),
                 Decimal("0.30"), None, signed, deposit.number),
        PlanStep("P-001", a.code, "Solde à la livraison", "Refonte du site", Decimal("18000.00"),
                 Decimal("0.70"), None, today + timedelta(days=35), None),
    ]

    # Milestones 30 / 40 / 30 %: the first stage invoiced, the others to come.
    kickoff = today - timedelta(days=20)
    stage1 = Invoice(number=f"F{kickoff.year}-JA01", client=b.code, issued=kickoff, amount_ttc=Decimal("3600.00"),
                     amount_ht=Decimal("3000.00"), terms="30 jours", po_number="BC-APPLI")
    invoices.append(stage1)
    for label, pct, when, number in (
        ("Cadrage validé", "0.30", kickoff, stage1.number),
        ("Recette de la version bêta", "0.40", today + timedelta(days=30), None),
        ("Mise en production", "0.30", today + timedelta(days=75), None),
    ):
        steps.append(PlanStep("P-002", b.code, label, "Application mobile", Decimal("12000.00"), Decimal(pct),
                              None, when, number))

    # An installment plan agreed with a struggling client on an overdue invoice.
    old = today - timedelta(days=120)
    overdue = Invoice(number=f"F{old.year}-EC01", client=c.code, issued=old, amount_ttc=Decimal("4500.00"),
                      amount_ht=Decimal("3750.00"), terms="30 jours", po_number="BC-MAINT")
    invoices.append(overdue)
    first = today - timedelta(days=25)
    for k in range(3):
        steps.append(PlanStep("P-003", c.code, f"Mensualité {k + 1}/3", "Étalement facture maintenance",
                              Decimal("4500.00"), None, Decimal("1500.00"), add_months(first, k), overdue.number))
    return steps, invoices
