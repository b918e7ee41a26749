"""How a bank line finds the invoices it pays (``addin.imports.matching``): worked examples."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from addin.imports.matching import Allocation, Item, Matcher, Party
from addin.imports.statement import RETURNED, TRANSFER, BankLine

ACME_IBAN = "DE89370400440532013000"
ITEMS = [
    Item("F2026-0151", "C1", D("100.00")),
    Item("F2026-0152", "C1", D("200.00")),
    Item("F2026-0153", "C1", D("1200.00"), "BC-77120"),
    Item("F2026-0154", "C2", D("960.00")),
    Item("F2026-0155", "C3", D("2400.00")),
    Item("F2026-0156", "C3", D("350.00")),
    Item("F2026-0158", "C5", D("720.00")),
    Item("F2026-0159", "C5", D("130.00")),
    Item("F2026-0160", "C5", D("55.00")),
    Item("F2025-0099", "C2", D("0.00")),  # paid already
]
PARTIES = [Party("C1", "ACME SARL", (ACME_IBAN,)), Party("C2", "Garage Martin"), Party("C3", "Studio Roux"),
           Party("C5", "Maison Faure")]


def line(amount, text="", payer="", family=TRANSFER, currency="EUR"):
    return BankLine("FR76…", date(2026, 3, 2), D(amount), currency, text, payer, family=family)


@pytest.fixture
def matcher():
    return Matcher(ITEMS, PARTIES)


@pytest.mark.parametrize("text", ["VIR F2026-0153", "Facture F 2026 0153", "FA20260153 REGLEMENT", "f2026/0153",
                                  "REF:F2026.0153/ACME", "FACT 2026-0153"])
def test_an_invoice_number_is_found_however_it_is_written(matcher, text):
    outcome = matcher.match(line("1200.00", text))
    assert outcome.sure and outcome.allocations == (Allocation("C1", "F2026-0153", D("1200.00")),)


def test_a_number_that_only_contains_the_digits_is_not_an_invoice(matcher):
    assert not matcher.match(line("1200.00", "COMMANDE 20260153999")).sure


def test_one_payment_for_three_invoices(matcher):
    # 100 + 200 + 1200 = 1500: each invoice gets its balance.
    outcome = matcher.match(line("1500.00", "Reglement F2026-0151 F2026-0152 F2026-0153"))
    assert outcome.sure
    assert [(a.invoice, a.amount) for a in outcome.allocations] == [
        ("F2026-0151", D("100.00")), ("F2026-0152", D("200.00")), ("F2026-0153", D("1200.00"))]


def test_a_partial_payment_of_one_invoice_is_sure(matcher):
    outcome = matcher.match(line("400.00", "Acompte F2026-0154"))
    assert outcome.sure and outcome.allocations == (Allocation("C2", "F2026-0154", D("400.00")),)


def test_a_partial_payment_of_several_invoices_asks(matcher):
    # 100 + 200 = 300 owed, 250 paid: which one is short is a person's call; the proposal fills in order.
    outcome = matcher.match(line("250.00", "F2026-0151 F2026-0152"))
    assert not outcome.sure and "partiel" in outcome.reason
    assert [(a.invoice, a.amount) for a in outcome.allocations] == [("F2026-0151", D("100.00")),
                                                                     ("F2026-0152", D("150.00"))]


def test_more_than_owed_asks(matcher):
    outcome = matcher.match(line("1300.00", "F2026-0153"))
    assert not outcome.sure and "100,00 €" in outcome.reason  # 1 300 − 1 200 = 100 of excess


def test_a_payer_naming_another_client_s_invoice_asks(matcher):
    # ACME (C1, known by its IBAN) pays Studio Roux's F2026-0156: a group paying for a subsidiary, or a typo?
    outcome = matcher.match(line("350.00", "VIR F2026-0156", "ACME SARL"), ACME_IBAN)
    assert not outcome.sure and "C3" in outcome.reason and "C1" in outcome.reason
    assert outcome.allocations == (Allocation("C3", "F2026-0156", D("350.00")),)


def test_invoices_of_two_clients_ask(matcher):
    assert not matcher.match(line("1310.00", "F2026-0154 F2026-0156")).sure


def test_an_invoice_already_paid_asks(matcher):
    outcome = matcher.match(line("80.00", "F2025-0099"))
    assert not outcome.sure and "déjà soldée" in outcome.reason


def test_the_purchase_order_number_is_the_second_key(matcher):
    outcome = matcher.match(line("1200.00", "Votre commande BC 77120"))
    assert outcome.sure and outcome.allocations[0].invoice == "F2026-0153" and outcome.how == "commande"


def test_the_payer_iban_then_one_open_item_of_that_amount(matcher):
    outcome = matcher.match(line("200.00", "VIREMENT"), ACME_IBAN)
    assert outcome.sure and outcome.allocations == (Allocation("C1", "F2026-0152", D("200.00")),)
    assert outcome.how == "IBAN"


def test_the_payer_name_then_a_set_of_its_open_items(matcher):
    # Maison Faure owes 720 + 130 + 55; 850 = 720 + 130 is the only set of them making 850.
    outcome = matcher.match(line("850.00", "PAIEMENT", "MAISON FAURE SAS"))
    assert outcome.sure and {a.invoice for a in outcome.allocations} == {"F2026-0158", "F2026-0159"}


def test_a_known_payer_with_an_amount_matching_nothing_asks_for_the_client(matcher):
    outcome = matcher.match(line("99.00", "VIREMENT", "Garage Martin"))
    assert not outcome.sure and outcome.allocations == (Allocation("C2", None, D("99.00")),)


def test_an_amount_alone_is_only_a_candidate(matcher):
    outcome = matcher.match(line("960.00", "VIREMENT RECU", "SOMEONE"))
    assert not outcome.sure and outcome.allocations[0].invoice == "F2026-0154" and outcome.how == "montant"


@pytest.mark.parametrize("bank_line, words", [
    (line("-80.00", "PRLV EDF F2026-0151"), "Débit"),
    (line("100.00", "REJET PRLV F2026-0151", family=RETURNED), "rejetée"),
    (line("100.00", "F2026-0151", currency="USD"), "USD"),
])
def test_debits_returns_and_other_currencies_are_never_payments(matcher, bank_line, words):
    outcome = matcher.match(bank_line)
    assert not outcome.sure and outcome.allocations == () and words in outcome.reason


def test_what_was_paid_is_taken_before_the_next_line(matcher):
    first = matcher.match(line("100.00", "F2026-0151"))
    matcher.take(first.allocations)
    assert not matcher.match(line("100.00", "F2026-0151")).sure  # the same invoice, paid twice: ask


def test_an_iban_is_learned_once_and_never_given_to_a_second_client(matcher):
    assert matcher.learn("C2", "FR1420041010050500013M02606")
    assert matcher.payer(line("1.00"), "FR1420041010050500013M02606") == ("C2", "IBAN")
    assert not matcher.learn("C3", "FR1420041010050500013M02606")
