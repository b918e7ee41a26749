"""Regenerate docs/img/revue.png: the demo's monthly review, rendered by LibreOffice.

    python3 scripts/review_picture.py [--today 2026-11-23] [--month 2026-10]

Writes the demo register in a temporary folder exactly as ``relance demo DIR --today
2026-11-23`` does (the date the README uses), runs « Revue mensuelle » for the month
``relance review`` picks that day (the last complete month) unless ``--month`` says
otherwise, hides every other sheet, converts to PDF with LibreOffice headless, renders
the first page with pdftoppm and crops its top half.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--today", default="2026-11-23")
    parser.add_argument("--month", default=None, help="AAAA-MM (default: the month relance review picks)")
    args = parser.parse_args()
    today = date.fromisoformat(args.today)

    import openpyxl
    from PIL import Image

    from addin.actions import review
    from addin.books.file import FileBook
    from addin.demo import run_demo

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = run_demo(folder, today=today).path
        month = tuple(int(part) for part in args.month.split("-")) if args.month else review.default_month(today)
        review.run(FileBook.open(path, today=today), today=today, month=month)
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            if ws.title != "Revue":
                ws.sheet_state = "hidden"
        wb.active = wb.sheetnames.index("Revue")
        only = folder / "revue.xlsx"
        wb.save(only)
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{folder}/profile",
                        "--convert-to", "pdf", "--outdir", str(folder), str(only)], check=True, capture_output=True)
        subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", str(folder / "revue.pdf"),
                        str(folder / "page")], check=True)
        page = next(folder.glob("page*.png"))
        with Image.open(page) as image:
            w, h = image.size
            image.crop((int(w * 0.04), int(h * 0.05), int(w * 0.96), int(h * 0.62))).save(
                ROOT / "docs" / "img" / "revue.png", optimize=True)
    print(ROOT / "docs" / "img" / "revue.png")


if __name__ == "__main__":
    main()
