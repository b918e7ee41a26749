"""``python3 -m benchmarks.fec [--entries 50000]``: a generated FEC → a new register, timed.

Generates a FEC of ``--entries`` accounting entries (sales, credit notes, bank receipts
lettered or not, an opening entry), then does what ``relance new BOOK --from FEC`` does:
the template, the import, the refresh. Prints the CPU time of each step and whether every
client's open balance in the register equals its balance in the FEC, to the cent. The time
is printed, never asserted (target: under 20 s of CPU for 50,000 entries).

``generate`` and ``write`` are also the tests' FEC files (tests/imports/test_fec.py).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from benchmarks.fec_files import FecLine, write

__all__ = ["FecLine", "write", "generate", "Generated", "main"]


@dataclass(frozen=True)
class Generated:
    lines: list[FecLine]
    balances: dict[str, Decimal]  # aux account -> debit - credit on the customer accounts
    entries: int


def generate(entries: int, seed: int = 7, start: date = date(2025, 1, 1)) -> Generated:
    """About ``entries`` entries over a year: 60 % sales, 5 % credit notes (with the receipt of the rest),
    the rest receipts: some settle one or two invoices (lettered), some are part payments on account,
    lettered with the invoice when it is settled. An opening entry carries a tenth of the clients."""
    rng = random.Random(seed)
    clients = [f"C{n:05d}" for n in range(1, max(5, entries // 80) + 1)]
    names = {c: f"Client {c[1:]} SARL" for c in clients}
    lines: list[FecLine] = []
    balances: dict[str, Decimal] = {c: Decimal(0) for c in clients}
    open_items: dict[str, list[tuple[str, Decimal, date]]] = {c: [] for c in clients}
    counters = {"VT": 0, "BQ": 0, "AN": 0}
    letters = iter(_letters())

    def entry(journal: str) -> str:
        counters[journal] += 1
        return str(counters[journal])

    where: dict[tuple[str, str], int] = {}  # (client, invoice piece; "" for the opening line) -> index
    pending: dict[tuple[str, str], list[int]] = {}  # part payments of an invoice, lettered with it later

    def customer(journal, num, day, client, piece, debit, credit, letter="", label=""):
        if debit > 0:
            where[(client, "" if journal == "AN" else piece)] = len(lines)
        lines.append(FecLine(journal, num, day, "411000", "Clients", client, names[client], piece, day,
                             label or names[client], debit, credit, letter, day if letter else None))
        balances[client] += debit - credit

    # Opening entry: one customer line per tenth of the clients, then its counterpart.
    num = entry("AN")
    total = Decimal(0)
    for client in clients[::10]:
        amount = Decimal(rng.randrange(10000, 500000)) / 100
        customer("AN", num, start, client, "AN", amount, Decimal(0))
        open_items[client].append(("", amount, start))
        total += amount
    lines.append(FecLine("AN", num, start, "890000", "Bilan d'ouverture", "", "", "AN", start, "A nouveaux",
                         Decimal(0), total, "", None))
    made = 1
    invoice_no = 0
    while made < entries:
        day = start + timedelta(days=rng.randrange(0, 365))
        client = rng.choice(clients)
        roll = rng.random()
        if roll < 0.60 or not open_items[client]:
            invoice_no += 1
            ht = Decimal(rng.randrange(5000, 900000)) / 100
            vat = (ht * Decimal("0.20")).quantize(Decimal("0.01"))
            piece = f"F{day.year}-{invoice_no:06d}"
            num = entry("VT")
            customer("VT", num, day, client, piece, ht + vat, Decimal(0), label=f"Facture {piece}")
            lines.append(FecLine("VT", num, day, "706000", "Prestations de services", "", "", piece, day,
                                 f"Facture {piece}", Decimal(0), ht, "", None))
            lines.append(FecLine("VT", num, day, "445710", "TVA collectée", "", "", piece, day,
                                 f"Facture {piece}", Decimal(0), vat, "", None))
            open_items[client].append((piece, ht + vat, day))
        elif roll < 0.65:
            piece_of, amount, issued = open_items[client].pop(0)
            letter = next(letters)
            note = (amount * Decimal("0.10")).quantize(Decimal("0.01"))
            vat = (note / 6).quantize(Decimal("0.01"))
            day = max(day, issued)
            num = entry("VT")
            invoice_no += 1
            piece = f"AV{day.year}-{invoice_no:06d}"
            _letter(lines, where, pending, piece_of, client, letter)
            customer("VT", num, day, client, piece, Decimal(0), note, letter, f"Avoir {piece}")
            lines.append(FecLine("VT", num, day, "706000", "Prestations de services", "", "", piece, day,
                                 f"Avoir {piece}", note - vat, Decimal(0), "", None))
            lines.append(FecLine("VT", num, day, "445710", "TVA collectée", "", "", piece, day,
                                 f"Avoir {piece}", vat, Decimal(0), "", None))
            rest = amount - note
            num = entry("BQ")
            customer("BQ", num, day + timedelta(days=3), client, f"VIR{num}", Decimal(0), rest, letter)
            lines.append(FecLine("BQ", num, day + timedelta(days=3), "512000", "Banque", "", "", f"VIR{num}",
                                 day + timedelta(days=3), "Virement reçu", rest, Decimal(0), "", None))
            made += 1
        elif rng.random() < 0.12:
            # A part payment on account: not lettered until the invoice is settled.
            piece_of, amount, issued = open_items[client][0]
            part = (amount * Decimal(rng.randrange(20, 80)) / 100).quantize(Decimal("0.01"))
            open_items[client][0] = (piece_of, amount - part, issued)
            day = max(day, issued)
            num = entry("BQ")
            pending.setdefault((client, piece_of), []).append(len(lines))
            customer("BQ", num, day, client, f"VIR{num}", Decimal(0), part)
            lines.append(FecLine("BQ", num, day, "512000", "Banque", "", "", f"VIR{num}", day, "Acompte reçu",
                                 part, Decimal(0), "", None))
        else:
            count = 2 if rng.random() < 0.15 and len(open_items[client]) >= 2 else 1
            paid = [open_items[client].pop(0) for _ in range(count)]
            amount = sum((a for _, a, _ in paid), Decimal(0))
            letter = next(letters)
            for piece_of, _, _ in paid:
                _letter(lines, where, pending, piece_of, client, letter)
            day = max(day, max(d for _, _, d in paid))
            num = entry("BQ")
            customer("BQ", num, day, client, f"VIR{num}", Decimal(0), amount, letter)
            lines.append(FecLine("BQ", num, day, "512000", "Banque", "", "", f"VIR{num}", day, "Virement reçu",
                                 amount, Decimal(0), "", None))
        made += 1
    return Generated(lines, balances, made)


def _letter(lines: list[FecLine], where: dict, pending: dict, piece: str, client: str, letter: str) -> None:
    """Letter invoice ``piece`` (the opening line when ``piece`` is empty) and its part payments."""
    for i in (where[(client, piece)], *pending.pop((client, piece), ())):
        lines[i] = lines[i].lettered(letter)


def _letters():
    n = 0
    while True:
        n += 1
        out, k = "", n
        while k:
            k, r = divmod(k - 1, 26)
            out = chr(65 + r) + out
        yield out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=50_000)
    parser.add_argument("--today", default="2026-01-15")
    args = parser.parse_args(argv)
    from addin.actions import import_invoices, refresh
    from addin.books.file import FileBook
    from addin.core.fast import choose
    from addin.demo import template_bytes
    from addin.register.load import load, load_rates

    today = date.fromisoformat(args.today)
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        t0 = time.process_time()
        generated = generate(args.entries)
        source = work / "812345676FEC20251231.txt"
        source.write_bytes(write(generated.lines))
        t1 = time.process_time()
        book_path = work / "registre.xlsx"
        book_path.write_bytes(template_bytes())
        result = import_invoices.run(FileBook.open(book_path, today=today, backups=0), today=today, paths=[source])
        t2 = time.process_time()
        refresh.run(FileBook.open(book_path, today=today, backups=0), today=today)
        t3 = time.process_time()
        register, _ = load(FileBook.open(book_path, backups=0))
        rates, _ = load_rates(FileBook.open(book_path, backups=0))
        ledger, _ = choose(register)(register, today, rates)
        balances = import_invoices.open_balances(ledger)
        wrong = [c for c, b in generated.balances.items() if balances.get(c, Decimal(0)) != b]
    print(f"FEC généré : {generated.entries} écritures, {len(generated.lines)} lignes ({t1 - t0:.1f} s)")
    print(f"Import      : {result.invoices} factures et avoirs, {result.payments} paiements, {result.clients} clients "
          f"— {t2 - t1:.1f} s CPU")
    print(f"Actualiser  : {t3 - t2:.1f} s CPU")
    print(f"Total (import + actualiser) : {t3 - t1:.1f} s CPU (objectif : moins de 20 s)")
    print(f"Soldes clients égaux au FEC au centime : {'oui' if not wrong else 'NON, ' + ', '.join(wrong[:5])}")


if __name__ == "__main__":  # pragma: no cover
    main()
