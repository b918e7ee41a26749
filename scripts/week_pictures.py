"""Regenerate the README's pictures of a week with Relance, from the demo, through LibreOffice:

    python3 scripts/week_pictures.py

- docs/img/registre-actualise.png: the Factures sheet after « Actualiser » (its first page);
- docs/img/relance-email.png: a reminder e-mail as the client sees it (Aperçu's .html);
- docs/img/mise-en-demeure.png: a formal notice, the letter kept in « Lettres à envoyer ».

The demo is written as ``relance demo`` writes it on 2 November 2026, then sent (drafts, no
server) on the 2nd, 11th, 20th and 29th, so that the oldest debts reach their formal notice, as
tests/test_four_weeks.py lives the month. Needs soffice and pdftoppm (scripts/install.sh).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
IMG = ROOT / "docs" / "img"
START = date(2026, 11, 2)
DAYS = [START + timedelta(days=9 * n) for n in range(4)]


def pdf_of(source: Path, folder: Path) -> Path:
    """``source`` (.xlsx or .html) converted to PDF by LibreOffice headless."""
    filters = ["--convert-to", "pdf:writer_web_pdf_Export" if source.suffix == ".html" else "pdf"]
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{folder}/profile", *filters,
                    "--outdir", str(folder), str(source)], check=True, capture_output=True)
    return folder / (source.stem + ".pdf")


def picture(pdf: Path, target: Path, crop: tuple[float, float, float, float], dpi: int = 70) -> None:
    """The first page of ``pdf``, cropped to the (left, top, right, bottom) fractions, as a small PNG."""
    from PIL import Image

    stem = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", str(pdf), str(stem)], check=True)
    page = sorted(pdf.parent.glob(stem.name + "*.png"))[0]
    with Image.open(page) as image:
        w, h = image.size
        left, top, right, bottom = crop
        image.crop((int(w * left), int(h * top), int(w * right), int(h * bottom))).convert("P", palette=1).save(
            target, optimize=True)
    print(target, target.stat().st_size, "octets")


def mail_picture(eml: Path, target: Path, width: int = 760) -> None:
    """The e-mail ``eml`` drawn as a mail reader shows it: From, To, Subject, then its text."""
    import email
    import textwrap
    from email.policy import default as default_policy

    from PIL import Image, ImageDraw, ImageFont

    message = email.message_from_bytes(eml.read_bytes(), policy=default_policy)
    fonts = Path("/usr/share/fonts/truetype/dejavu")
    regular = ImageFont.truetype(str(fonts / "DejaVuSans.ttf"), 13)
    bold = ImageFont.truetype(str(fonts / "DejaVuSans-Bold.ttf"), 13)
    head = [("De", str(message["From"])), ("À", str(message["To"])), ("Objet", str(message["Subject"]))]
    if message["Cc"]:
        head.insert(2, ("Cc", str(message["Cc"])))
    body = message.get_body(("plain",)).get_content()
    lines: list[str] = []
    for paragraph in body.splitlines():
        lines += textwrap.wrap(paragraph, 98) or [""]
    lines = lines[:46]
    height = 24 + 20 * len(head) + 16 + 17 * len(lines) + 20
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 16 + 20 * len(head)), fill="#eef1f5")
    y = 10
    for label, value in head:
        draw.text((14, y), f"{label} :", font=bold, fill="#333")
        draw.text((80, y), value, font=bold if label == "Objet" else regular, fill="#111")
        y += 20
    y += 16
    for line in lines:
        draw.text((14, y), line, font=regular, fill="#222")
        y += 17
    image.convert("P", palette=1).save(target, optimize=True)
    print(target, target.stat().st_size, "octets")


def main() -> None:
    import openpyxl

    from addin.actions import preview, refresh, send
    from addin.books.file import FileBook
    from addin.demo import run_demo

    IMG.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = run_demo(folder, today=START).path

        # 1. The register after Actualiser: Factures alone, first page.
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            if ws.title != "Factures":
                ws.sheet_state = "hidden"
        wb.active = wb.sheetnames.index("Factures")
        factures = wb["Factures"]
        shown_columns = {"N° facture", "Code client", "Date facture", "Montant TTC", "Litige", "Échéance", "Payé",
                         "Reste dû", "Statut", "Jours de retard", "Intérêts de retard", "Indemnité forfaitaire",
                         "Prochaine action", "Date prochaine action"}
        for cell in factures[1]:  # the columns a person looks at after Actualiser; the others hidden
            if cell.value not in shown_columns:
                factures.column_dimensions[cell.column_letter].hidden = True
        factures.print_area = "A1:W40"
        only = folder / "factures.xlsx"
        wb.save(only)
        picture(pdf_of(only, folder), IMG / "registre-actualise.png", (0.03, 0.03, 0.97, 0.62), dpi=90)

        # 2. A reminder as the client sees it: the first firm reminder Aperçu renders, as a mail
        # reader shows it (headers, then the message). LibreOffice Calc alone cannot render HTML.
        shown = preview.run(FileBook.open(path, today=START), today=START, book_path=path,
                            out_dir=folder / "apercu")
        mails = [p for p in shown.files if p.suffix == ".eml"]
        mail = next((p for p in mails if "J+15" in p.name), mails[0])
        mail_picture(mail, IMG / "relance-email.png")

        # 3. A formal notice: the month's sends, until the oldest debts reach it.
        letters: list[Path] = []
        for day in DAYS:
            refresh.run(FileBook.open(path, today=day), today=day, book_path=path)
            report = send.run(FileBook.open(path, today=day), today=day, book_path=path, environ={})
            letters += report.letters
        if not letters:
            raise SystemExit("aucune mise en demeure dans le mois : rien à montrer")
        from addin.register.load import load

        french = {c.code for c in load(FileBook.open(path, today=DAYS[-1]))[0].clients if c.language == "fr"}
        letter = next((p for p in letters if p.name.split(" ", 1)[0] in french), letters[0])
        picture(letter, IMG / "mise-en-demeure.png", (0.0, 0.0, 1.0, 0.62), dpi=80)


if __name__ == "__main__":
    main()
