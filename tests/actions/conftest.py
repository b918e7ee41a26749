"""A small register on disk for the preview and send actions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

TODAY = date(2025, 6, 30)

SETTINGS = [
    ("Raison sociale", "Pixel & Cie SARL"),
    ("SIREN", "812 345 678"),
    ("Adresse", "12 rue de la République, 69002 Lyon"),
    ("IBAN", "FR7630006000011234567890189"),
    ("BIC", "AGRIFRPPXXX"),
    ("E-mail expéditeur", "compta@pixel.example"),
    ("Nom expéditeur", "Marie Durand"),
    ("Conditions par défaut", "30 jours"),
]

CLIENTS = [
    # code, name, type, email
    ("C1", "Atelier Dupont", "Professionnel", "compta@dupont.example"),
    ("C2", "Garage Martin", "Professionnel", "martin@garage.example"),
    ("C3", "Studio Roux", "Professionnel", "roux@studio.example"),
    ("C4", "Léa Bernard", "Particulier", "lea@bernard.example"),
    ("C5", "Café Morel", "Professionnel", "morel@cafe.example"),
    ("C6", "Maison Faure", "Professionnel", "faure@maison.example"),
]

INVOICES = [
    # number, client, issued, TTC, dispute   (30 days terms: due = issued + 30)
    ("F001", "C1", date(2025, 5, 1), 1200.00, ""),  # due 31/05: 30 days late -> J+30
    ("F002", "C1", date(2025, 5, 20), 480.00, ""),  # due 19/06: 11 days late, rides along
    ("F003", "C2", date(2025, 5, 24), 960.00, ""),  # due 23/06: 7 days -> J+7 e-mail and a call
    ("F004", "C3", date(2025, 4, 16), 2400.00, ""),  # due 16/05: 45 days -> formal notice waits: J+7
    ("F005", "C4", date(2025, 5, 28), 150.00, ""),  # due 27/06: 3 days -> particulier_1
    ("F006", "C5", date(2025, 5, 10), 600.00, "travaux non terminés"),  # disputed
    ("F007", "C5", date(2025, 5, 15), 300.00, ""),  # due 14/06: 16 days -> J+15, the dispute does not block it
    ("F008", "C6", date(2025, 5, 16), 720.00, ""),  # due 15/06: 15 days -> J+15
]


def build_book(path: Path, invoices=INVOICES, clients=CLIENTS) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Paramètres"
    ws.append(["Paramètre", "Valeur"])
    for row in SETTINGS:
        ws.append(list(row))
    ws = wb.create_sheet("Clients")
    ws.append(["Code client", "Nom", "Type", "E-mail"])
    for row in clients:
        ws.append(list(row))
    ws = wb.create_sheet("Factures")
    ws.append(["N° facture", "Code client", "Date facture", "Montant TTC", "Litige"])
    for number, client, issued, ttc, dispute in invoices:
        ws.append([number, client, issued, ttc, dispute or None])
        ws.cell(ws.max_row, 3).number_format = "dd/mm/yyyy"
    ws = wb.create_sheet("Paiements")
    ws.append(["Date", "Code client", "N° facture", "Montant"])
    wb.save(path)
    return path


@pytest.fixture
def book_path(tmp_path) -> Path:
    return build_book(tmp_path / "Registre.xlsx")
