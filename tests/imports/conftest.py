"""A small register on disk for the bank imports: five clients, open invoices, no payment yet."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

TODAY = date(2026, 3, 31)
ACME_IBAN = "DE89370400440532013000"  # a valid IBAN (the ISO 13616 example)
BOB_IBAN = "FR7630006000011234567890189"

CLIENTS = [
    # code, name, IBAN
    ("C1", "ACME SARL", None),
    ("C2", "Garage Martin", None),
    ("C3", "Studio Roux", BOB_IBAN),
    ("C4", "Café Morel", None),
    ("C5", "Maison Faure", None),
]

INVOICES = [
    # number, client, issued, TTC, PO
    ("F2026-0151", "C1", date(2026, 1, 10), 100.00, None),
    ("F2026-0152", "C1", date(2026, 1, 12), 200.00, None),
    ("F2026-0153", "C1", date(2026, 1, 15), 1200.00, "BC-77120"),
    ("F2026-0154", "C2", date(2026, 1, 20), 960.00, None),
    ("F2026-0155", "C3", date(2026, 2, 1), 2400.00, None),
    ("F2026-0156", "C3", date(2026, 2, 3), 350.00, None),
    ("F2026-0157", "C4", date(2026, 2, 5), 480.00, None),
    ("F2026-0158", "C5", date(2026, 2, 8), 720.00, None),
    ("F2026-0159", "C5", date(2026, 2, 9), 130.00, None),
]


def build_book(path: Path, clients=CLIENTS, invoices=INVOICES, iban_column: bool = True) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Paramètres"
    ws.append(["Paramètre", "Valeur"])
    ws.append(["Raison sociale", "Pixel & Cie SARL"])
    ws.append(["Conditions par défaut", "30 jours"])
    ws = wb.create_sheet("Clients")
    ws.append(["Code client", "Nom", "Type", "E-mail", *(["IBAN"] if iban_column else [])])
    for code, name, iban in clients:
        ws.append([code, name, "Professionnel", f"{code.lower()}@example.com", *([iban] if iban_column else [])])
    ws = wb.create_sheet("Factures")
    ws.append(["N° facture", "Code client", "Date facture", "Montant TTC", "Bon de commande"])
    for number, client, issued, ttc, po in invoices:
        ws.append([number, client, issued, ttc, po])
        ws.cell(ws.max_row, 3).number_format = "dd/mm/yyyy"
    ws = wb.create_sheet("Paiements")
    ws.append(["Date", "Code client", "N° facture", "Montant", "Mode", "Référence"])
    wb.save(path)
    return path


@pytest.fixture
def book_path(tmp_path) -> Path:
    return build_book(tmp_path / "Registre.xlsx")
