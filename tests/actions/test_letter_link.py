"""A sent formal notice's Journal row links to its PDF (issue 15, point 1).

The notice goes to a real SMTP server on 127.0.0.1 (aiosmtpd); the saved workbook is read
back by openpyxl (the hyperlink's target), by the save's own safety check, and once by
LibreOffice (the link it reads opens the kept PDF).
"""

from __future__ import annotations

import io
import re
import urllib.parse
from pathlib import Path

import openpyxl
import pytest

from addin.actions import send
from addin.books import hyperlinks, safety
from addin.books.file import FileBook
from tests import libreoffice

from .conftest import TODAY, build_book
from .test_preview_send import notice_due
from .test_preview_send import free_port


class Server:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


def send_over_smtp(path: Path) -> send.SendReport:
    controller_module = pytest.importorskip("aiosmtpd.controller")
    controller = controller_module.Controller(Server(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        environ = {"RELANCE_SMTP_HOST": "127.0.0.1", "RELANCE_SMTP_PORT": str(controller.port),
                   "RELANCE_SMTP_SECURITY": "none"}
        return send.run(FileBook.open(path), today=TODAY, book_path=path, environ=environ)
    finally:
        controller.stop()


def letter_cell(path: Path):
    ws = openpyxl.load_workbook(path)["Journal"]
    header = [c.value for c in ws[1]]
    step, comment = header.index("Étape") + 1, header.index("Commentaire") + 1
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, step).value == "J+45 LRAR")
    return ws.cell(row, comment)


def with_journal(path: Path) -> Path:
    """The register with a Journal sheet of its own, holding a person's hyperlink."""
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("Journal")
    ws.append(["Horodatage", "Client", "Factures", "Étape", "Canal", "Destinataires", "Message-ID", "Résultat",
               "Clé", "Issue de l'appel", "Interlocuteur", "Date de promesse", "Motif de litige", "Commentaire"])
    ws.append([None, "C1", None, None, "Appel", None, None, None, None, "Injoignable", None, None, None,
               "fiche client"])
    ws["N2"].hyperlink = "https://crm.example/clients/C1"
    wb.save(path)
    return path


@pytest.mark.parametrize("journal", ["created by Relance", "the register's own"])
def test_the_journal_row_of_a_sent_notice_opens_its_pdf(tmp_path, journal):
    path = build_book(tmp_path / "Registre.xlsx")
    if journal == "the register's own":
        with_journal(path)
    before = path.read_bytes()
    notice_due(path)
    report = send_over_smtp(path)
    assert report.sent and len(report.letters) == 1
    pdf = report.letters[0]
    cell = letter_cell(path)
    assert cell.hyperlink is not None, "the Commentaire is plain text, not a link"
    target = cell.hyperlink.target
    # Relative to the workbook: the link survives moving the folder.
    assert not target.startswith(("file:", "/")) and target.startswith("Lettres%20%C3%A0%20envoyer/")
    assert (path.parent / urllib.parse.unquote(target)).resolve() == pdf and pdf.read_bytes().startswith(b"%PDF")
    assert str(pdf) in cell.value  # the text still says where the letter is
    # The save's own check: nothing lost, the link's relationship added on purpose.
    assert safety.losses(safety.inventory(io.BytesIO(before)), safety.inventory(path)) == []
    if journal == "the register's own":
        person = openpyxl.load_workbook(path)["Journal"]["N2"]
        assert person.hyperlink.target == "https://crm.example/clients/C1"
    # A second save (a refresh) keeps it.
    book = FileBook.open(path)
    book.write_cells("Clients", 2, 2, [["Atelier Dupont"]])
    book.save()
    assert letter_cell(path).hyperlink.target == target
    assert safety.inventory(path).sheets["Journal"]["hyperlinks"] == (2 if journal == "the register's own" else 1)


def test_libreoffice_reads_the_link_to_the_letter(tmp_path):
    path = build_book(tmp_path / "Registre.xlsx")
    notice_due(path)
    pdf = send_over_smtp(path).letters[0]
    flat = libreoffice.convert(path, "fods", tmp_path / "lo", tmp_path / "profile").read_text("utf-8")
    hrefs = [urllib.parse.unquote(h) for h in re.findall(r'xlink:href="([^"]+)"', flat)]
    assert any(h.endswith("C3 Studio Roux - F004.pdf") for h in hrefs), hrefs
    href = next(h for h in hrefs if h.endswith(".pdf"))
    # LibreOffice read it relative to the workbook and writes it relative to its own copy (in lo/).
    assert not href.startswith("file:") and (tmp_path / "lo" / href).resolve() == pdf
    # The Journal Relance created is read as a table (point 11): a database range over its rows.
    assert re.search(r'<table:database-range table:name="tblJournal" table:target-range-address="[^"]*Journal', flat)


def test_a_lost_hyperlink_is_still_refused(tmp_path):
    path = with_journal(build_book(tmp_path / "Registre.xlsx"))
    before = safety.inventory(path)
    wb = openpyxl.load_workbook(path)
    wb["Journal"]["N2"].hyperlink = None
    wb.save(tmp_path / "lost.xlsx")
    lost = safety.losses(before, safety.inventory(tmp_path / "lost.xlsx"))
    assert any("lien(s) hypertexte" in line for line in lost), lost


def test_a_link_beside_the_workbook_is_relative_elsewhere_a_file_uri(tmp_path):
    inside = tmp_path / "Lettres à envoyer" / "2025-06-30" / "C3 Studio Roux - F004.pdf"
    assert hyperlinks.target_uri(str(inside), tmp_path) == \
        "Lettres%20%C3%A0%20envoyer/2025-06-30/C3%20Studio%20Roux%20-%20F004.pdf"
    outside = tmp_path.parent / "ailleurs.pdf"
    assert hyperlinks.target_uri(str(outside), tmp_path) == outside.resolve().as_uri()
    assert hyperlinks.target_uri("https://example.com/a b", tmp_path) == "https://example.com/a b"
    assert hyperlinks.resolve(hyperlinks.target_uri(str(inside), tmp_path), tmp_path) == inside
