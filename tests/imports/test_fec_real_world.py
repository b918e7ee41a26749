"""FECs as accounting packages and spreadsheets really write them (each file written by the test)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D

import pytest

from addin.imports import fec

# Atelier Dupont (C001): invoice F1 of 1,234.56 TTC (1,028.80 HT + 205.76 VAT), paid 1,000.00 on
# 5 Feb, lettered with F1 « A » (partly: 234.56 left open). Balance 1,234.56 - 1,000.00 = 234.56.
HEADER = ["JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum",
          "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet",
          "ValidDate", "Montantdevise", "Idevise"]
ROWS = [
    ["VT", "Ventes", "1", "20250110", "411000", "Clients", "C001", "Atelier Dupont", "F1", "20250110", "Facture F1",
     "1 234,56", "0,00", "A", "20250205", "20250110", "", ""],
    ["VT", "Ventes", "1", "20250110", "706000", "Prestations", "", "", "F1", "20250110", "Facture F1", "0,00",
     "1 028,80", "", "", "20250110", "", ""],
    ["VT", "Ventes", "1", "20250110", "445710", "TVA collectée", "", "", "F1", "20250110", "Facture F1", "0,00",
     "205,76", "", "", "20250110", "", ""],
    ["BQ", "Banque", "7", "20250205", "512000", "Banque", "", "", "VIR", "20250205", "Virement Dupont", "1 000,00",
     "0,00", "", "", "20250205", "", ""],
    ["BQ", "Banque", "7", "20250205", "411000", "Clients", "C001", "Atelier Dupont", "VIR", "20250205",
     "Virement Dupont", "0,00", "1 000,00", "A", "20250205", "20250205", "", ""],
]


def expected(book: fec.Fec, problems) -> None:
    assert problems == []
    assert [(c.code, c.name) for c in book.clients] == [("C001", "Atelier Dupont")]
    (invoice,) = book.documents
    assert (invoice.number, invoice.issued, invoice.amount_ttc, invoice.amount_ht) == (
        "F1", date(2025, 1, 10), D("1234.56"), D("1028.80"))
    assert [(p.paid_on, p.amount, p.invoice) for p in book.payments] == [(date(2025, 2, 5), D("1000.00"), "F1")]
    assert book.balances == {"C001": D("234.56")}


def test_the_plain_fec_of_these_tests():
    text = "\r\n".join("\t".join(r) for r in [HEADER, *ROWS])
    expected(*fec.read(text.encode("utf-8"), "FEC.txt"))


def test_a_spreadsheet_export_quoted_semicolons_slashed_dates_and_a_closing_separator():
    # « Enregistrer sous CSV » from a spreadsheet: every field in double quotes, semicolons, dates
    # JJ/MM/AAAA, Windows-1252, a separator closing each line, and ValidDate… left off the end.
    def line(cells):
        cells = [c[6:8] + "/" + c[4:6] + "/" + c[:4] if len(c) == 8 and c.isdigit() and c.startswith("20") else c
                 for c in cells]
        return ";".join(f'"{c}"' for c in cells) + ";"
    rows = [line(HEADER)] + [line(r[:15]) for r in ROWS]
    data = "\r\n".join(rows).encode("cp1252")
    assert fec.sniff(data)
    expected(*fec.read(data, "export.csv"))


def test_header_names_as_packages_spell_them_in_another_order():
    # Full words and accents (JournalLibelle, CompAuxLibelle, EcritureLettrage, DateLettrage,
    # Débit, Crédit), lower case, the amounts before the accounts: read by name, not by place.
    names = {"JournalLib": "JournalLibelle", "CompteLib": "CompteLibellé", "CompAuxLib": "CompAuxLibelle",
             "EcritureLet": "EcritureLettrage", "DateLet": "DateLettrage", "Debit": "Débit", "Credit": "Crédit",
             "EcritureLib": "ecriturelib", "Montantdevise": "MontantDevise"}
    order = [11, 12, *range(11), *range(13, 18)]
    header = [names.get(HEADER[i], HEADER[i]) for i in order]
    text = "\n".join("|".join(r[i] for i in order) for r in ROWS)
    data = ("|".join(header) + "\n" + text).encode("latin-1")
    assert fec.sniff(data)
    expected(*fec.read(data, "FEC.txt"))


@pytest.mark.parametrize("text, amount", [("1,234.56", "1234.56"), ("1'234,56", "1234.56"), ("12,50-", "-12.50"),
                                          ("1.234.567,89", "1234567.89")])
def test_amounts_with_other_thousands_marks_and_a_trailing_minus(text, amount):
    assert fec.parse_amount(text) == D(amount)


@pytest.mark.parametrize("text", ["20250110 00:00:00", "2025-01-10T00:00:00", "10/01/2025 00:00"])
def test_dates_with_a_midnight_time(text):
    assert fec.parse_date(text) == date(2025, 1, 10)


def test_a_label_holding_the_separator():
    # Quoted (a spreadsheet's CSV): the separator inside quotes is text, the line reads whole.
    rows = [list(r) for r in ROWS]
    rows[0][10] = "Facture F1; acompte déduit"
    data = "\r\n".join(";".join(f'"{c}"' for c in r) for r in [HEADER, *rows]).encode("utf-8")
    book, problems = fec.read(data, "export.csv")
    expected(book, problems)
    # Not quoted (a FEC exported with a « | » in a label): every field after it is shifted, so the
    # line is reported and left out, never read with the wrong amounts. Line 6 is the payment's
    # customer line: without it the bank entry is unbalanced too, and F1 stays wholly open.
    rows = [list(r) for r in ROWS]
    rows[4][10] = "Virement | Dupont"
    data = "\n".join("|".join(r) for r in [HEADER, *rows]).encode("utf-8")
    book, problems = fec.read(data, "FEC.txt")
    assert [(p.row, p.code) for p in problems] == [(6, "import.fec.line")]
    assert book.payments == [] and book.balances == {"C001": D("1234.56")}


def test_a_spreadsheets_unicode_text_is_utf_16():
    # « Texte Unicode (*.txt) »: UTF-16 with its byte order mark, tab-separated.
    data = "\r\n".join("\t".join(r) for r in [HEADER, *ROWS]).encode("utf-16")
    assert data.startswith((b"\xff\xfe", b"\xfe\xff")) and fec.sniff(data)
    expected(*fec.read(data, "FEC.txt"))


def test_fecs_of_two_years_joined_keep_their_entries_apart():
    # Two exercises' FECs joined into one file: the header comes again, and entry numbers restart
    # (VT 1 in 2024 and VT 1 in 2025). Each entry keeps its own sales: F0 660.00 TTC = 600.00 HT +
    # 60.00 VAT at 10 %; F1 as in the plain file (1,028.80 HT). Merged, F0 would get the pair's
    # blended share: 1,628.80 × 660.00 / 1,894.56 = 567.42. Balance 660.00 + 234.56 = 894.56.
    year_before = [["VT", "Ventes", "1", "20240110", "411000", "Clients", "C001", "Atelier Dupont", "F0", "20240110",
                    "Facture F0", "660,00", "0,00", "", "", "20240110", "", ""],
                   ["VT", "Ventes", "1", "20240110", "706000", "Prestations", "", "", "F0", "20240110", "Facture F0",
                    "0,00", "600,00", "", "", "20240110", "", ""],
                   ["VT", "Ventes", "1", "20240110", "445710", "TVA collectée", "", "", "F0", "20240110",
                    "Facture F0", "0,00", "60,00", "", "", "20240110", "", ""]]
    text = "\r\n".join("\t".join(r) for r in [HEADER, *year_before, HEADER, *ROWS])
    book, problems = fec.read(text.encode("utf-8"), "FEC.txt")
    assert problems == []
    assert [(d.number, d.amount_ttc, d.amount_ht) for d in book.documents] == [
        ("F0", D("660.00"), D("600.00")), ("F1", D("1234.56"), D("1028.80"))]
    assert book.balances == {"C001": D("894.56")}


def test_header_names_with_spaces_or_underscores():
    # « Journal Code », « ECRITURE_NUM »…: the same fields, found by sniff and read by name.
    header = [re.sub(r"(?<=[a-z])(?=[A-Z])", " ", h) for h in HEADER]  # JournalCode -> Journal Code
    header[2] = "ECRITURE_NUM"
    data = "\r\n".join("\t".join(r) for r in [header, *ROWS]).encode("utf-8")
    assert header[0] == "Journal Code" and fec.sniff(data)
    expected(*fec.read(data, "FEC.txt"))
