"""``python3 -m benchmarks.bank_import``: 10,000 bank lines into a 100,000-invoice register.

    python3 -m benchmarks.bank_import [--invoices 100000] [--lines 10000] [--work DIR]

Writes the benchmark register (``benchmarks.registers``) and a CAMT.053 statement of
``--lines`` lines paying its open invoices the ways clients pay (``addin.imports.samples``:
invoice numbers written every way, partial payments, debits, a returned debit), then
measures in CPU seconds (``time.process_time``, this process): reading the statement,
the matching phase (the register's balances — its load and the engine —, then every line
against them), ``relance import --sans-actualiser`` (read, match, write the bank lines, save)
and the whole ``relance import`` (the same, then the refresh it ends with, as « Actualiser »),
each on a fresh copy of the register. Target (issue 18): the import under 10 s of CPU; the
refresh that follows costs what « Actualiser » costs (README, Performance). Printed, never
asserted by a test.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from benchmarks import registers

TARGET_S = 10.0


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args(argv)

    from addin.actions import imports
    from addin.books.file import FileBook
    from addin.imports import reconcile, samples
    from addin.register.snapshot import READ, Snapshot

    work = args.work or Path(tempfile.mkdtemp(prefix="relance-bank-"))
    work.mkdir(parents=True, exist_ok=True)
    today = registers.TODAY
    sample = registers.data(args.invoices, today)
    path = work / f"registre-{args.invoices}.xlsx"
    if not path.exists():  # the same size and seed make the same register: written once per folder
        registers.write_xlsx(sample, path)
    names = {c.code: c.name for c in sample.clients}
    snapshot = Snapshot.read(FileBook.open(path, today=today), READ + reconcile.SHEETS)
    items = [(i.number, i.client, names.get(i.client, ""), i.balance)
             for i in reconcile.open_items(snapshot, today) if i.balance > 0]
    # month_of_payments adds one debit per 8 payments and one returned debit
    month = samples.month_of_payments(items, today - timedelta(days=30), count=int(args.lines * 8 / 9))
    statement = work / "releve.xml"
    statement.write_bytes(samples.camt([(samples.ACCOUNT, month)]))

    figures: dict[str, float] = {}
    start = time.process_time()
    lines, _ = imports.read_statement(statement.read_bytes(), statement.name, "camt")
    figures["lecture du relevé"] = time.process_time() - start
    start = time.process_time()
    phase = reconcile.run(snapshot, today=today, lines=lines)
    figures["rapprochement (soldes + lignes)"] = time.process_time() - start
    start = time.process_time()
    reconcile.open_items(snapshot, today)
    figures["  dont les soldes (load + moteur)"] = time.process_time() - start
    for label, refresh in (("relance import --sans-actualiser", False), ("relance import (et actualisation)", True)):
        copy = work / f"copie-{refresh}.xlsx"
        shutil.copyfile(path, copy)  # each measure on the register as written, never on an imported one
        start = time.process_time()
        result = imports.run(FileBook.open(copy, today=today, backups=0), today=today, paths=[statement],
                             refresh=refresh)
        figures[label] = time.process_time() - start

    print(f"Import bancaire : {len(lines)} lignes dans un registre de {len(sample.invoices)} factures "
          f"({len(items)} ouvertes)")
    for label, seconds in figures.items():
        print(f"  {label:<34} {seconds:7.2f} s CPU")
    print(f"  paiements sûrs : {phase.counts['paid_lines']} lignes → {result.payments} lignes de Paiements ; "
          f"à rapprocher : {result.pending}")
    total = figures["relance import --sans-actualiser"]
    print(f"  cible < {TARGET_S:.0f} s CPU (l'import, sans l'actualisation qui suit) : "
          f"{'PASS' if total < TARGET_S else 'FAIL'} ({total:.2f} s)")
    return figures


if __name__ == "__main__":
    main()
