"""FEC files read in every variant; the lettering decides what each payment paid."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin.imports import fec
from benchmarks.fec import generate
from benchmarks.fec_files import FecLine, write

Z = D("0")
J10, F01, F05, M01 = date(2025, 1, 10), date(2025, 2, 1), date(2025, 2, 5), date(2025, 3, 1)


def L(journal, entry, day, account, aux, piece, debit, credit, letter=""):
    return FecLine(journal, entry, day, account, "Clients" if account.startswith("411") else account, aux,
                   "Atelier Dupont" if aux == "CDUP" else "Garage Martin" if aux else "", piece, day, piece,
                   D(debit), D(credit), letter, day if letter else None)


# Atelier Dupont (CDUP): F1 1,200.00 TTC (1,000.00 HT), credit note AV1 120.00 (100.00 HT) and a
# transfer of 1,080.00, all three lettered « AA »: settled (1,200.00 - 120.00 - 1,080.00 = 0).
# F2 600.00, a part payment of 200.00 not lettered: F2 owes 400.00. Garage Martin (CMAR): F3 300.00.
# Balances: CDUP 1,200 - 120 - 1,080 + 600 - 200 = 400.00; CMAR 300.00.
LINES = [
    L("VT", "1", J10, "411000", "CDUP", "F1", "1200.00", "0", "AA"),
    L("VT", "1", J10, "706000", "", "F1", "0", "1000.00"),
    L("VT", "1", J10, "445710", "", "F1", "0", "200.00"),
    L("VT", "2", J10, "411000", "CDUP", "F2", "600.00", "0"),
    L("VT", "2", J10, "706000", "", "F2", "0", "500.00"),
    L("VT", "2", J10, "445710", "", "F2", "0", "100.00"),
    L("VT", "3", F01, "411000", "CMAR", "F3", "300.00", "0"),
    L("VT", "3", F01, "706000", "", "F3", "0", "250.00"),
    L("VT", "3", F01, "445710", "", "F3", "0", "50.00"),
    L("VT", "4", F01, "411000", "CDUP", "AV1", "0", "120.00", "AA"),
    L("VT", "4", F01, "706000", "", "AV1", "100.00", "0"),
    L("VT", "4", F01, "445710", "", "AV1", "20.00", "0"),
    L("BQ", "1", F05, "512000", "", "VIR1", "1080.00", "0"),
    L("BQ", "1", F05, "411000", "CDUP", "VIR1", "0", "1080.00", "AA"),
    L("BQ", "2", M01, "512000", "", "VIR2", "200.00", "0"),
    L("BQ", "2", M01, "411000", "CDUP", "VIR2", "0", "200.00"),
]


def test_a_worked_fec_gives_invoices_credit_notes_and_payments_by_their_lettering():
    book, problems = fec.read(write(LINES), "FEC.txt")
    assert problems == []
    assert [(c.code, c.name) for c in book.clients] == [("CDUP", "Atelier Dupont"), ("CMAR", "Garage Martin")]
    docs = {d.number: d for d in book.documents}
    assert (docs["F1"].amount_ttc, docs["F1"].amount_ht, docs["F1"].issued) == (D("1200.00"), D("1000.00"), J10)
    assert (docs["AV1"].amount_ttc, docs["AV1"].amount_ht) == (D("-120.00"), D("-100.00"))
    assert docs["AV1"].original_invoice == "F1"  # lettered with F1
    payments = [(p.client, p.paid_on, p.amount, p.invoice, p.method) for p in book.payments]
    assert payments == [("CDUP", F05, D("1080.00"), "F1", "Virement"),  # lettered: F1's 1,200 - 120
                        ("CDUP", M01, D("200.00"), "F2", "Virement")]  # not lettered: the oldest left open
    assert book.balances == {"CDUP": D("400.00"), "CMAR": D("300.00")}


VARIANTS = [
    dict(),
    dict(sep="|"),
    dict(columns=21),
    dict(columns=22, sep="|"),
    dict(signed=True),  # Montant + Sens instead of Debit + Credit
    dict(bom=True),
    dict(encoding="latin-1", newline="\r"),
    dict(encoding="cp1252", newline="\n", pad=True),
    dict(pad=True, columns=22, sep="|", encoding="latin-1"),
]


@pytest.mark.parametrize("variant", VARIANTS, ids=[repr(v) for v in VARIANTS])
def test_every_variant_reads_the_same(variant):
    lines = [ln if ln.aux != "CMAR" else FecLine(*[getattr(ln, f) for f in ("journal", "entry", "day", "account",
                                                                            "account_name", "aux")],
                                                 "Société Générale d'Électricité", *[getattr(ln, f) for f in (
                                                     "piece", "piece_day", "label", "debit", "credit", "letter",
                                                     "letter_day")]) for ln in LINES]
    data = write(lines, **variant)
    assert fec.sniff(data)
    book, problems = fec.read(data, "FEC.txt")
    base, _ = fec.read(write(lines), "FEC.txt")
    assert problems == []
    assert book.documents == base.documents and book.payments == base.payments and book.balances == base.balances
    assert book.clients[1].name == "Société Générale d'Électricité"  # accents survive Latin-1 and UTF-8


@pytest.mark.parametrize("text, amount", [("1234,56", "1234.56"), (" 1 234,56 ", "1234.56"), ("0,00", "0"),
                                          ("", "0"), ("-12,5", "-12.5"), ("1234.56", "1234.56"),
                                          ("1.234,56", "1234.56")])
def test_french_decimals(text, amount):
    assert fec.parse_amount(text) == D(amount)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "1e5", "12 €uros"])
def test_an_amount_decimal_would_take_but_no_accountant_writes_is_refused(text):
    """``Decimal`` reads « NaN » and « 1e5 »; an FEC amount never is either: the line is reported."""
    with pytest.raises(ValueError):
        fec.parse_amount(text)


def test_missing_columns_are_one_line_and_nothing_is_read():
    book, (problem,) = fec.read(write(LINES, drop=("EcritureLet", "PieceRef")), "FEC.txt")
    assert book.documents == [] and problem.row == 1 and problem.code == "import.fec.columns"
    assert "PieceRef, EcritureLet" in problem.message


def test_an_unbalanced_entry_and_a_short_line_are_reported_the_rest_read():
    data = write(LINES).decode("utf-8").split("\r\n")
    data[3] = data[3].replace("200,00", "210,00")  # VT 1's VAT line: debit 1,200 ≠ credit 1,210
    data[8] = "\t".join(data[8].split("\t")[:10])  # line 9 (VT 3's 706 line) cut short
    book, problems = fec.read("\r\n".join(data).encode("utf-8"), "FEC.txt")
    # The short line is left out, which unbalances its entry (VT 3) too.
    assert [(p.row, p.code) for p in problems] == [(9, "import.fec.line"), (2, "import.fec.unbalanced"),
                                                   (8, "import.fec.unbalanced")]
    assert "Écriture VT 1 déséquilibrée (débit 1 200,00 €, crédit 1 210,00 €)" in problems[1].message
    assert [d.number for d in book.documents] == ["F2", "AV1"]


def test_a_same_piece_number_twice_gets_its_entry_added():
    lines = [L("AN", "1", J10, "411000", "CDUP", "AN", "100.00", "0"),
             L("AN", "1", J10, "411000", "CMAR", "AN", "50.00", "0"),
             L("AN", "1", J10, "890000", "", "AN", "0", "150.00")]
    book, problems = fec.read(write(lines), "FEC.txt")
    assert problems == [] and [d.number for d in book.documents] == ["AN", "AN/AN-1"]


def left_by_client(book) -> dict[str, D]:
    """Each client's documents less its payments."""
    by_client: dict[str, D] = {}
    for d in book.documents:
        by_client[d.client] = by_client.get(d.client, Z) + d.amount_ttc
    for p in book.payments:
        by_client[p.client] = by_client.get(p.client, Z) - p.amount
    return by_client


def test_a_generated_fec_balances_to_the_cent_on_its_own():
    generated = generate(1500)
    book, problems = fec.read(write(generated.lines), "FEC.txt")
    assert problems == [] and book.balances == generated.balances
    # Money is conserved: documents less payments make the balances.
    assert left_by_client(book) == generated.balances


def test_a_receipt_that_moves_vat_on_receipts_is_a_payment_not_a_credit_note():
    # VAT on receipts (services): the bank entry also moves 20.00 from 445740 to 445710.
    lines = LINES[:3] + [
        L("BQ", "9", F05, "512000", "", "VIR9", "1200.00", "0"),
        L("BQ", "9", F05, "411000", "CDUP", "VIR9", "0", "1200.00", "AA"),
        L("BQ", "9", F05, "445740", "", "VIR9", "200.00", "0"),
        L("BQ", "9", F05, "445710", "", "VIR9", "0", "200.00"),
    ]
    book, problems = fec.read(write(lines), "FEC.txt")
    assert problems == [] and [d.number for d in book.documents] == ["F1"]
    assert [(p.amount, p.invoice) for p in book.payments] == [(D("1200.00"), "F1")]


@settings(max_examples=12, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=30, max_value=400))
def test_any_generated_fec_conserves_every_clients_balance(seed, entries):
    generated = generate(entries, seed=seed)
    book, problems = fec.read(write(generated.lines), "FEC.txt")
    assert problems == [] and book.balances == generated.balances
    named = {d.number for d in book.documents if d.amount_ttc > 0}
    assert all(p.invoice in named for p in book.payments if p.invoice)
    assert left_by_client(book) == generated.balances
