"""Payment terms and due dates — Code de commerce L441-10 I, LAW.md §1 and §6b."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings, strategies as st

from addin.core.due_dates import (
    KINDS,
    LEGAL_DEFAULT,
    Terms,
    TermsError,
    due_date,
    due_date_warnings,
    parse_terms,
    term_warnings,
)
from addin.core.model import ClientType

# --- The grammar: every wording of the module docstring --------------------------------------


@pytest.mark.parametrize("text", [
    "à réception", "A RÉCEPTION", "a reception", "  à   réception  ", "à la réception", "à réception de facture",
    "paiement à réception", "comptant", "Comptant", "paiement comptant",
    "on receipt", "upon receipt", "due on receipt", "payable on receipt", "cash", "CASH", "immédiat",
    "0 jours", "0 days",
])
def test_receipt_wordings(text):
    terms = parse_terms(text)
    assert (terms.kind, terms.days, terms.day_of_month) == ("receipt", 0, None)
    assert terms.text == text.strip()


@pytest.mark.parametrize("text, n", [
    ("30 jours", 30), ("30 JOURS", 30), ("30jours", 30), ("1 jour", 1), ("30 j", 30), ("30j", 30),
    ("à 30 jours", 30), ("A 30 JOURS", 30), ("30 jours net", 30), ("30 jours nets", 30),
    ("30 jours date de facture", 30), ("net 30", 30), ("Net 30", 30), ("NET30", 30), ("net 30 days", 30),
    ("30 days", 30), ("60 days from invoice date", 60), ("45 d", 45), ("60\u00a0jours", 60), ("90 jours.", 90),
    ("paiement à 30 jours", 30), ("Paiement a 30 jours", 30), ("paiement 30 jours", 30),
    ("payment at 30 days", 30), ("payment 30 days", 30), ("payable at 30 days", 30),
    # Receipt of the invoice: counted from the invoice date.
    ("30 jours dès réception", 30), ("30 jours des reception de facture", 30),
    ("30 jours à réception de facture", 30), ("30 jours à réception de la facture", 30),
    ("30 jours à réception", 30), ("30 days from receipt of invoice", 30), ("30 days upon receipt", 30),
    ("30 days after receipt of invoice", 30),
    # A number typed in the terms cell (Excel sends a float, the register a text).
    ("30", 30), ("30.0", 30), ("45,0", 45), (" 60 ", 60),
])
def test_days_wordings(text, n):
    terms = parse_terms(text)
    assert (terms.kind, terms.days, terms.day_of_month) == ("days", n, None)


@pytest.mark.parametrize("text, n", [
    ("45 jours fin de mois", 45), ("45 Jours Fin De Mois", 45), ("45 j FDM", 45), ("45j fdm", 45),
    ("45 j f.d.m.", 45), ("45 jours, fin de mois", 45), ("à 45 jours fin de mois", 45),
    ("45 days end of month", 45), ("45 days EOM", 45), ("45 days end of the month", 45),
    ("30  jours   fin  de  mois", 30), ("45 jours fin du mois", 45), ("45jfdm", 45), ("45JFDM", 45),
    ("45 j fdm", 45), ("45j f.d.m.", 45), ("45 days end of the month", 45),
    ("fin de mois", 0), ("Fin de mois", 0), ("FDM", 0), ("end of month", 0), ("EOM", 0),
])
def test_days_then_end_of_month_wordings(text, n):
    terms = parse_terms(text)
    assert (terms.kind, terms.days, terms.day_of_month) == ("days_eom", n, None)


@pytest.mark.parametrize("text, n", [
    ("fin de mois 45 jours", 45), ("fin de mois + 45 jours", 45), ("fin de mois plus 45 jours", 45),
    ("FIN DE MOIS, 45 J", 45), ("fdm + 30 j", 30), ("end of month + 45 days", 45), ("EOM 30 days", 30),
])
def test_end_of_month_then_days_wordings(text, n):
    terms = parse_terms(text)
    assert (terms.kind, terms.days, terms.day_of_month) == ("eom_days", n, None)


@pytest.mark.parametrize("text, n, j", [
    ("45 jours fin de mois le 10", 45, 10), ("45 j FDM le 10", 45, 10), ("30 jours fin de mois le 1er", 30, 1),
    ("45 jours fin de mois, le 15", 45, 15), ("45 days end of month on the 10th", 45, 10),
    ("45 days EOM on 5", 45, 5), ("30 j fdm le 31", 30, 31), ("45 jours fin du mois le 10", 45, 10),
    ("45jfdm le 10", 45, 10),
    # No N: the end of the invoice's month, then day J of the next month.
    ("fin de mois le 10", 0, 10), ("Fin de mois, le 15", 0, 15), ("fin du mois le 5", 0, 5),
    ("end of month on the 10th", 0, 10), ("EOM on 10", 0, 10),
])
def test_days_end_of_month_on_day_wordings(text, n, j):
    terms = parse_terms(text)
    assert (terms.kind, terms.days, terms.day_of_month) == ("days_eom_on", n, j)


@pytest.mark.parametrize("text, n", [
    ("30 jours date de livraison", 30), ("30 jours après livraison", 30), ("30 jours après la livraison", 30),
    ("30 jours à compter de la livraison", 30), ("30 jours à partir de la livraison", 30),
    ("30 jours date de réception des marchandises", 30), ("45 jours après exécution", 45),
    ("30 days from delivery", 30), ("30 days after delivery", 30), ("À 30 JOURS APRÈS LIVRAISON", 30),
])
def test_delivery_wordings(text, n):
    terms = parse_terms(text)
    assert (terms.kind, terms.days, terms.day_of_month) == ("delivery_days", n, None)


@pytest.mark.parametrize("text", [None, "", "   ", "\u00a0"])
def test_no_terms_is_the_legal_default(text):
    assert parse_terms(text) == LEGAL_DEFAULT
    assert LEGAL_DEFAULT.kind == "legal_default" and LEGAL_DEFAULT.days == 30


@pytest.mark.parametrize("text", [
    "30 jours après livraison (délai légal)", "30 days after delivery (legal default)", "délai légal", "Legal default",
])
def test_the_legal_default_wording_reads_back_as_the_legal_default(text):
    # describe() writes these words; before this they were "illisibles" when read back.
    terms = parse_terms(text)
    assert (terms.kind, terms.days) == ("legal_default", 30)
    assert due_date(date(2025, 1, 10), terms) == date(2025, 2, 9)  # no delivery date: 10 Jan + 30


@pytest.mark.parametrize("text", [
    "bientôt", "trente jours", "45 jours fin de semaine", "1000 jours", "net", "-30 jours", "30.5",
    "45 jours fin du mois prochain", "30 jours dès réception des marchandises demain", "1000", "paiement",
])
def test_unreadable_terms_raise_with_the_accepted_wordings(text):
    with pytest.raises(TermsError) as caught:
        parse_terms(text)
    assert text.strip() in str(caught.value)
    assert "45 jours fin de mois" in caught.value.hint and "on receipt" in caught.value.hint


@pytest.mark.parametrize("text", ["45 jours fin de mois le 0", "45 jours fin de mois le 32"])
def test_impossible_day_of_month_raises(text):
    with pytest.raises(TermsError, match="jour du mois impossible"):
        parse_terms(text)


# --- Due dates --------------------------------------------------------------------------------


def test_receipt_and_days():
    assert due_date(date(2025, 1, 10), "à réception") == date(2025, 1, 10)
    assert due_date(date(2025, 1, 10), "comptant") == date(2025, 1, 10)
    assert due_date(date(2025, 1, 10), "30 jours") == date(2025, 2, 9)  # 21 days left in January + 9
    assert due_date(date(2025, 1, 10), "net 30") == date(2025, 2, 9)


def test_60_days_from_31_december_2023_is_29_february_2024():
    # 31 Dec + 31 (January) = 31 Jan; + 29 (February of a leap year) = 29 Feb.
    assert due_date(date(2023, 12, 31), "60 jours") == date(2024, 2, 29)
    # Not a leap year: 31 Dec 2024 + 60 = 1 Mar 2025 (31 + 28 = 59 days to 28 Feb).
    assert due_date(date(2024, 12, 31), "60 jours") == date(2025, 3, 1)


def test_both_readings_of_45_days_end_of_month():
    # LAW.md §1: 10 Jan 2025 + 45 d = 24 Feb → end of that month = 28 Feb 2025.
    assert due_date(date(2025, 1, 10), "45 jours fin de mois") == date(2025, 2, 28)
    assert due_date(date(2025, 1, 10), "45 j FDM") == date(2025, 2, 28)
    # End of January = 31 Jan, + 45 d (28 to 28 Feb, 17 more) = 17 Mar 2025.
    assert due_date(date(2025, 1, 10), "fin de mois 45 jours") == date(2025, 3, 17)
    assert due_date(date(2025, 1, 10), "fin de mois + 45 jours") == date(2025, 3, 17)


def test_45_days_end_of_month_from_31_january():
    # 2024: 31 Jan + 45 d = 16 Mar (29 days to 29 Feb, 16 more) → 31 Mar 2024.
    assert due_date(date(2024, 1, 31), "45 jours fin de mois") == date(2024, 3, 31)
    # 2025: 31 Jan + 45 d = 17 Mar (28 days to 28 Feb, 17 more) → 31 Mar 2025.
    assert due_date(date(2025, 1, 31), "45 jours fin de mois") == date(2025, 3, 31)


def test_end_of_month_then_30_days_from_31_january():
    # 31 Jan is already the month's end; + 30 d = 2 Mar 2025 (28 + 2), 1 Mar 2024 (29 + 1).
    assert due_date(date(2025, 1, 31), "fin de mois 30 jours") == date(2025, 3, 2)
    assert due_date(date(2024, 1, 31), "fin de mois 30 jours") == date(2024, 3, 1)


def test_plain_end_of_month():
    assert due_date(date(2025, 2, 3), "fin de mois") == date(2025, 2, 28)
    assert due_date(date(2024, 2, 3), "fin de mois") == date(2024, 2, 29)
    assert due_date(date(2025, 12, 31), "fin de mois") == date(2025, 12, 31)


def test_30_days_end_of_month_on_the_10th_from_31_january():
    # 31 Jan 2025 + 30 d = 2 Mar (28 days to 28 Feb, 2 more) → 31 Mar → 10 Apr 2025.
    assert due_date(date(2025, 1, 31), "30 jours fin de mois le 10") == date(2025, 4, 10)
    # 31 Jan 2024 + 30 d = 1 Mar (29 days to 29 Feb, 1 more) → 31 Mar → 10 Apr 2024.
    assert due_date(date(2024, 1, 31), "30 jours fin de mois le 10") == date(2024, 4, 10)
    # 31 Jan 2025 + 28 d = 28 Feb → 28 Feb → 10 Mar 2025: the month end itself stays in February.
    assert due_date(date(2025, 1, 31), "28 jours fin de mois le 10") == date(2025, 3, 10)


def test_typed_numbers_are_days():
    # Excel sends 30.0 for a number typed in the terms cell: 10 Jan 2025 + 30 = 9 Feb 2025.
    assert parse_terms(30.0) == Terms("days", 30, text="30 jours")
    assert parse_terms(30) == Terms("days", 30, text="30 jours")
    assert due_date(date(2025, 1, 10), 30.0) == date(2025, 2, 9)
    for bad in (30.5, -30, 1000, True):
        with pytest.raises(TermsError):
            parse_terms(bad)


def test_receipt_of_the_invoice_counts_from_the_invoice_date():
    # « 30 jours dès réception » is the receipt of the invoice: 10 Jan 2025 + 30 = 9 Feb 2025,
    # whatever the delivery date.
    assert due_date(date(2025, 1, 10), "30 jours dès réception", date(2025, 1, 2)) == date(2025, 2, 9)
    assert due_date(date(2025, 1, 10), "30 jours à réception de facture") == date(2025, 2, 9)


def test_end_of_month_on_day_j_without_days():
    # « fin de mois le 10 »: end of the invoice's month (31 Jan 2025), then 10 Feb 2025.
    assert due_date(date(2025, 1, 10), "fin de mois le 10") == date(2025, 2, 10)
    assert due_date(date(2025, 1, 31), "fin de mois le 10") == date(2025, 2, 10)
    # 15 Dec 2024 → 31 Dec → 10 Jan 2025 (crossing the year); day 31 in February → 28 Feb 2025.
    assert due_date(date(2024, 12, 15), "fin de mois le 10") == date(2025, 1, 10)
    assert due_date(date(2025, 1, 15), "fin de mois le 31") == date(2025, 2, 28)
    assert parse_terms("fin de mois le 10").describe() == "fin de mois le 10"
    assert parse_terms("fin de mois le 10").describe("en") == "end of month on the 10"


def test_end_of_month_short_forms_and_fin_du_mois():
    # 10 Jan 2025 + 45 = 24 Feb → 28 Feb 2025, however it is written.
    for text in ("45jfdm", "45 j fdm", "45 jours fin du mois"):
        assert due_date(date(2025, 1, 10), text) == date(2025, 2, 28)


def test_days_end_of_month_on_day_j():
    # 10 Jan 2025 + 45 d = 24 Feb → 28 Feb → day 10 of the following month = 10 Mar 2025.
    assert due_date(date(2025, 1, 10), "45 j FDM le 10") == date(2025, 3, 10)
    # Crossing the year: 20 Nov 2025 + 45 d = 4 Jan 2026 → 31 Jan → 10 Feb 2026.
    assert due_date(date(2025, 11, 20), "45 jours fin de mois le 10") == date(2026, 2, 10)


def test_day_31_is_clamped_to_the_month_end():
    # 10 Feb 2025 + 45 d = 27 Mar → 31 Mar → April has 30 days: 30 Apr 2025.
    assert due_date(date(2025, 2, 10), "45 jours fin de mois le 31") == date(2025, 4, 30)
    # 1 Dec 2024 + 45 d = 15 Jan 2025 → 31 Jan → February: 28 Feb 2025 (29 Feb in 2024).
    assert due_date(date(2024, 12, 1), "45 jours fin de mois le 31") == date(2025, 2, 28)
    assert due_date(date(2023, 12, 1), "45 jours fin de mois le 31") == date(2024, 2, 29)
    assert due_date(date(2023, 12, 1), "45 jours fin de mois le 30") == date(2024, 2, 29)


def test_delivery_based_terms_count_from_the_delivery_date():
    # Delivered 20 Jan 2025 + 30 d = 19 Feb 2025, whatever the invoice date.
    assert due_date(date(2025, 1, 10), "30 jours date de livraison", date(2025, 1, 20)) == date(2025, 2, 19)
    assert due_date(date(2025, 1, 10), "30 days from delivery", date(2025, 1, 5)) == date(2025, 2, 4)


def test_delivery_based_terms_without_a_delivery_date_raise():
    with pytest.raises(TermsError, match="date de livraison manque") as caught:
        due_date(date(2025, 1, 10), "30 jours après livraison")
    assert "Date livraison" in caught.value.hint


def test_legal_default_is_delivery_plus_30_else_invoice_plus_30():
    assert due_date(date(2025, 1, 10), None, date(2025, 1, 20)) == date(2025, 2, 19)  # 20 Jan + 30
    assert due_date(date(2025, 1, 10), "") == date(2025, 2, 9)  # 10 Jan + 30
    assert due_date(date(2025, 1, 10), LEGAL_DEFAULT) == date(2025, 2, 9)


def test_a_delivery_long_before_the_invoice_never_puts_the_due_date_before_it():
    # Delivered 1 Jan 2025, invoiced 1 Mar 2025, no terms: 1 Jan + 30 = 31 Jan, before the invoice
    # date. The due date is clamped to the invoice date (1 Mar 2025), with a warning saying so.
    assert due_date(date(2025, 3, 1), None, date(2025, 1, 1)) == date(2025, 3, 1)
    assert due_date(date(2025, 3, 1), "30 jours date de livraison", date(2025, 1, 1)) == date(2025, 3, 1)
    [warning] = due_date_warnings(date(2025, 3, 1), None, date(2025, 1, 1))
    assert "31/01/2025" in warning and "01/03/2025" in warning and "date de facture" in warning
    # 1 Feb + 30 = 3 Mar 2025, after the invoice date: kept, no warning.
    assert due_date(date(2025, 3, 1), None, date(2025, 2, 1)) == date(2025, 3, 3)
    assert due_date_warnings(date(2025, 3, 1), None, date(2025, 2, 1)) == []
    # Exactly the invoice date (30 Jan + 30 = 1 Mar): no clamp, no warning.
    assert due_date_warnings(date(2025, 3, 1), "30 jours après livraison", date(2025, 1, 30)) == []
    assert due_date_warnings(date(2025, 3, 1), "30 jours", date(2024, 1, 1)) == []  # not delivery-based


def test_non_delivery_terms_ignore_the_delivery_date():
    assert due_date(date(2025, 1, 10), "30 jours", date(2025, 3, 1)) == date(2025, 2, 9)


def test_due_date_accepts_parsed_terms():
    assert due_date(date(2025, 1, 10), Terms("eom_days", 45)) == date(2025, 3, 17)


@pytest.mark.parametrize("kind, days, day", [
    ("someday", 0, None), ("days", -1, None), ("days_eom_on", 45, None), ("days_eom_on", 45, 32),
])
def test_impossible_terms_built_by_code_raise(kind, days, day):
    with pytest.raises(ValueError):
        Terms(kind, days, day)


def test_unreadable_terms_raise_from_due_date():
    with pytest.raises(TermsError):
        due_date(date(2025, 1, 10), "quand vous voulez")


# --- Warnings (never refusals) ----------------------------------------------------------------

ISSUED = date(2025, 1, 10)


def test_more_than_60_days_between_businesses_warns():
    [warning] = term_warnings("61 jours", ISSUED)
    assert "60 jours" in warning and "L441-10" in warning
    assert term_warnings("60 jours", ISSUED) == []
    assert len(term_warnings("61 jours date de livraison", ISSUED)) == 1


def test_more_than_45_days_end_of_month_warns():
    assert term_warnings("45 jours fin de mois", ISSUED) == []
    assert term_warnings("fin de mois 45 jours", ISSUED) == []
    [warning] = term_warnings("50 jours fin de mois", ISSUED)
    assert "45 jours fin de mois" in warning and "L441-10" in warning
    assert len(term_warnings("fin de mois 50 jours", ISSUED)) == 1


def test_end_of_month_on_day_j_warns_only_past_the_later_reading():
    # Either reading of "45 jours fin de mois" is lawful, so the later one is the limit.
    # 10 Jan 2025: 24 Feb → 28 Feb, or 31 Jan + 45 = 17 Mar: limit 17 Mar.
    # "45 j FDM le 10": 28 Feb → 10 Mar ≤ 17 Mar, no warning.
    assert term_warnings("45 jours fin de mois le 10", ISSUED) == []
    # 31 Jan 2025: 17 Mar → 31 Mar, or 31 Jan + 45 = 17 Mar: limit 31 Mar.
    # "45 j FDM le 10": 31 Mar → 10 Apr > 31 Mar.
    [warning] = term_warnings("45 jours fin de mois le 10", date(2025, 1, 31))
    assert "10/04/2025" in warning and "31/03/2025" in warning and "L441-10" in warning
    # "30 jours fin de mois le 10" from 31 Jan 2025: 2 Mar → 31 Mar → 10 Apr, also too late.
    assert len(term_warnings("30 jours fin de mois le 10", date(2025, 1, 31))) == 1
    assert term_warnings("30 jours fin de mois le 10", ISSUED) == []  # 9 Feb → 28 Feb → 10 Mar


def test_end_of_month_then_45_days_from_the_31st_is_within_the_limit():
    # 31 Jan 2025: both readings give 31 Mar / 17 Mar; "fin de mois 45 jours" = 17 Mar.
    assert term_warnings("fin de mois 45 jours", date(2025, 1, 31)) == []
    assert term_warnings("fin de mois", date(2025, 1, 31)) == []


def test_receipt_and_legal_default_never_warn():
    assert term_warnings("à réception", ISSUED) == []
    assert term_warnings(None, ISSUED) == []


def test_public_buyer_over_30_days_warns_with_the_article():
    [warning] = term_warnings("45 jours", ISSUED, ClientType.PUBLIC)
    assert "R2192-10" in warning
    assert term_warnings("30 jours", ISSUED, ClientType.PUBLIC) == []
    assert len(term_warnings("45 jours fin de mois", ISSUED, ClientType.PUBLIC)) == 1  # 28 Feb > 9 Feb
    assert len(term_warnings("45 jours date de livraison", ISSUED, ClientType.PUBLIC)) == 1


def test_public_buyer_warning_names_the_longer_public_limits():
    [warning] = term_warnings("fin de mois 30 jours", ISSUED, ClientType.PUBLIC)  # 31 Jan + 30 = 2 Mar
    assert "50 jours" in warning and "60" in warning
    assert term_warnings("fin de mois", ISSUED, ClientType.PUBLIC) == []  # 31 Jan ≤ 10 Jan + 30 = 9 Feb
    assert term_warnings("à réception", ISSUED, ClientType.PUBLIC) == []


def test_a_sector_cap_warns_past_its_days():
    # Transport or perishable food: 30 days (LAW.md §1), a warning, never a refusal.
    # 10 Jan 2025 + 31 days = 10 Feb 2025: one day too many.
    [warning] = term_warnings("31 jours", ISSUED, max_days=30)
    assert "30 jours" in warning and "secteur" in warning and "Délai maximal du secteur (jours)" in warning
    assert term_warnings("30 jours", ISSUED, max_days=30) == []  # exactly the cap: lawful
    # « 45 jours fin de mois » from 10 Jan 2025 = 28 Feb 2025, 49 days after the invoice: lawful
    # between businesses (no legal-maximum warning), but past a 30-day sector cap.
    assert term_warnings("45 jours fin de mois", ISSUED) == []
    [warning] = term_warnings("45 jours fin de mois", ISSUED, max_days=30)
    assert "49 jours" in warning
    # « fin de mois » from 10 Jan = 31 Jan, 21 days: within 30.
    assert term_warnings("fin de mois", ISSUED, max_days=30) == []
    # Delivery-based terms: their N days are judged (the delivery date is not known here).
    assert len(term_warnings("45 jours après livraison", ISSUED, max_days=30)) == 1
    assert term_warnings("30 jours après livraison", ISSUED, max_days=30) == []
    # Both rules at once: 90 days break the legal 60 and a 30-day cap.
    assert len(term_warnings("90 jours", ISSUED, max_days=30)) == 2
    # Receipt and consumers never warn; the legal default (30 days after delivery) only past a
    # cap shorter than 30 days.
    assert term_warnings("à réception", ISSUED, max_days=0) == []
    assert term_warnings(None, ISSUED, max_days=30) == []
    assert len(term_warnings(None, ISSUED, max_days=20)) == 1
    assert term_warnings("45 jours", ISSUED, ClientType.CONSUMER, max_days=30) == []
    # A public buyer's 30 days already apply; a shorter sector cap adds its own warning.
    assert len(term_warnings("25 jours", ISSUED, ClientType.PUBLIC, max_days=20)) == 1


@pytest.mark.parametrize("cap", [-1, 1.5, "30"])
def test_an_impossible_sector_cap_is_refused(cap):
    with pytest.raises(ValueError):
        term_warnings("30 jours", ISSUED, max_days=cap)


def test_consumers_have_no_cap():
    assert term_warnings("90 jours", ISSUED, ClientType.CONSUMER) == []
    assert term_warnings("90 jours fin de mois", ISSUED, ClientType.CONSUMER) == []


# --- Invariants -------------------------------------------------------------------------------

DATES = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
NON_DELIVERY = [k for k in KINDS if k != "delivery_days"]


@settings(max_examples=200, deadline=None)
@given(DATES, st.sampled_from(NON_DELIVERY), st.integers(0, 120), st.integers(1, 31))
def test_due_date_is_never_before_the_invoice_date(issued, kind, n, j):
    terms = Terms(kind, 30 if kind == "legal_default" else n, j if kind == "days_eom_on" else None)
    due = due_date(issued, terms)
    assert due >= issued
    if kind == "days_eom_on":
        # Day J of the month after the "N jours fin de mois" date.
        eom = due_date(issued, Terms("days_eom", n))
        assert due > eom and (due - eom).days <= 31


@settings(max_examples=300, deadline=None)
@given(DATES, st.sampled_from(KINDS), st.integers(0, 120), st.integers(1, 31), st.integers(-400, 400))
def test_due_date_is_never_before_the_invoice_date_whatever_the_delivery_date(issued, kind, n, j, offset):
    # Delivery dates on both sides of the invoice date, far before it included.
    delivered = issued + timedelta(days=offset)
    terms = Terms(kind, 30 if kind == "legal_default" else n, j if kind == "days_eom_on" else None)
    due = due_date(issued, terms, delivered)
    assert due >= issued
    clamped = kind in ("delivery_days", "legal_default") and delivered + timedelta(days=terms.days) < issued
    assert bool(due_date_warnings(issued, terms, delivered)) == clamped
    if kind in ("delivery_days", "legal_default") and not clamped:
        assert due == delivered + timedelta(days=terms.days)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(KINDS), st.integers(0, 120), st.integers(1, 31), st.sampled_from(["fr", "en"]))
def test_describe_round_trips_through_parse_terms(kind, n, j, lang):
    days = {"legal_default": 30, "receipt": 0}.get(kind, n)
    terms = Terms(kind, days, j if kind == "days_eom_on" else None)
    parsed = parse_terms(terms.describe(lang))
    expected = (kind, terms.days, terms.day_of_month)
    if kind == "days" and n == 0:
        expected = ("receipt", 0, None)  # "0 jours" reads as "à réception": the same due date
    assert (parsed.kind, parsed.days, parsed.day_of_month) == expected
    delivered = date(2025, 1, 20)
    assert due_date(date(2025, 1, 10), parsed, delivered) == due_date(date(2025, 1, 10), terms, delivered)


@settings(max_examples=200, deadline=None)
@given(DATES, st.sampled_from(NON_DELIVERY), st.integers(0, 120), st.integers(1, 31),
       st.sampled_from(list(ClientType)))
def test_warnings_follow_the_legal_limits(issued, kind, n, j, client_type):
    terms = Terms(kind, 30 if kind == "legal_default" else n, j if kind == "days_eom_on" else None)
    warnings = term_warnings(terms, issued, client_type)
    due = due_date(issued, terms)
    if client_type is ClientType.CONSUMER:
        assert warnings == []
    elif client_type is ClientType.PUBLIC and kind != "days":
        assert bool(warnings) == (due > issued + timedelta(days=30))
    elif kind == "days":
        assert bool(warnings) == (n > (30 if client_type is ClientType.PUBLIC else 60))
    elif kind in ("days_eom", "eom_days", "days_eom_on"):
        # Never silent past the later reading of "45 jours fin de mois".
        latest = max(due_date(issued, Terms("days_eom", 45)), due_date(issued, Terms("eom_days", 45)))
        if due > latest:
            assert warnings
