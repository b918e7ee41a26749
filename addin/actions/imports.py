"""Importer: bank statements, e-invoices and FECs into the register — nothing typed twice.

E-invoices (Factur-X, CII, UBL) and FECs go to ``addin.actions.import_invoices`` (then the
register is refreshed, unless ``refresh=False``); bank statements are read here:

``run(book, today=…, paths=[…])`` reads each file, tells its kind from its content
(``addin.imports.detect``: CAMT.052/053/054, OFX/QFX, CFONB 120, the CSV of an online bank),
reads its lines (``addin.imports.camt``, ``ofx``, ``cfonb``, ``bank_csv``), gives each line its
identity, then lets ``addin.imports.reconcile`` apply the decisions already typed in
*Rapprochement* and match the new lines: sure matches go to *Paiements*, the others to
*Rapprochement*. The register is then refreshed exactly as « Actualiser » does (from the
same snapshot, the new payments included; ``refresh=False``, ``--sans-actualiser``: left to
« Actualiser », for very large registers), and the book is saved once.

A CSV whose columns could only be guessed is not read: its guess waits in *Rapprochement*
(« format CSV ») until a person confirms it; from then on that format is read without asking.

A file that is not a statement stops the import before anything is written, with one
line saying which file and why. A malformed line of a statement is reported (file and
line) in the summary and in *Anomalies*; the other lines are imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Sequence

from addin.actions import import_invoices
from addin.books.base import Book
from addin.imports import bank_csv, camt, cfonb, detect, ofx, reconcile
from addin.imports.encoding import decode
from addin.imports.statement import BankLine, LineProblem, NotAStatement, with_identities
from addin.register.snapshot import READ, Snapshot

READERS = {"camt": camt.read, "ofx": ofx.read, "cfonb": cfonb.read, "bank_csv": bank_csv.read}
FORMAT_NAMES = {"camt": "CAMT (ISO 20022)", "ofx": "OFX", "cfonb": "CFONB 120", "bank_csv": "CSV bancaire"}
# Invoice files (Factur-X, UBL, CII, FEC: issue 19) go to this action, with the same arguments.


@dataclass(frozen=True)
class ImportResult:
    summary: str
    problems: list = field(default_factory=list)
    lines: int = 0  # bank lines read
    known: int = 0  # of which already imported before
    payments: int = 0  # rows added to Paiements
    pending: int = 0  # rows in Rapprochement after the import
    files: tuple[tuple[str, str], ...] = ()  # (file name, kind)


def read_statement(data: bytes, name: str, kind: str, layout: bank_csv.Layout | None = None
                   ) -> tuple[list[BankLine], list[LineProblem]]:
    """The lines of one statement file of ``kind``, with their identities (``layout``: a CSV's
    confirmed columns)."""
    if layout is not None:
        lines, problems = bank_csv.read(data, name, layout=layout)
    else:
        lines, problems = READERS[kind](data, name)
    return with_identities(lines), problems


def _csv_layout(data: bytes, name: str, confirmed: dict[str, str]):
    """(layout, None) for a CSV whose header names its columns or whose guessed format was confirmed
    once; (None, what to confirm) when the columns are only guessed."""
    text = decode(data)
    if bank_csv.detect(text) is not None:
        return None, None
    guessed = bank_csv.guess(text)
    if guessed is None:
        raise NotAStatement(f"« {name} » n'est pas un relevé bancaire que Relance lit.")
    key = reconcile.layout_identity(bank_csv.signature(text, guessed))
    if key in confirmed:
        layout = bank_csv.from_spec(confirmed[key], guessed)
        if layout is not None:
            return layout, None
    return None, reconcile.LayoutToConfirm(name, key, bank_csv.spec(guessed), _sample_row(text, guessed))


def _sample_row(text: str, layout: bank_csv.Layout) -> str:
    first = text.splitlines()[layout.header_row + 1:layout.header_row + 2]
    return first[0][:100] if first else ""


def run(book: Book, *, today: date, paths: Sequence[str | Path] = (), book_path: Path | None = None,
        refresh: bool = True) -> ImportResult:
    """Import the statements ``paths`` into ``book`` (see the module's docstring). ``refresh=False``
    writes the bank lines only (a very large register: its refresh takes longer than the import);
    « Actualiser » then brings balances, statuses, reminders and Anomalies up to date.

    Without the cyclic garbage collector (``fast.gc_paused``, as every command of the CLI): the
    register's records make no cycles, and each collection would walk all of them again — from the
    ribbon too."""
    from addin.core.fast import gc_paused

    with gc_paused():
        return _run(book, today=today, paths=paths, book_path=book_path, refresh=refresh)


def _run(book: Book, *, today: date, paths: Sequence[str | Path], book_path: Path | None,
         refresh: bool) -> ImportResult:
    paths = [Path(p) for p in (paths or ())]
    if not paths:
        return ImportResult("Aucun relevé choisi : rien n'a été importé. Choisissez un ou plusieurs fichiers de "
                            "relevé (CAMT .xml, OFX/QFX, CFONB .txt, CSV de votre banque).")
    files: list[tuple[Path, bytes, str]] = []
    refused: list[str] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as error:
            refused.append(f"« {path.name} » illisible ({error.strerror or error}).")
            continue
        kind = detect.kind_of(data, path.name)
        if kind is None:
            refused.append(f"« {path.name} » n'est ni un relevé bancaire que Relance lit (CAMT, OFX/QFX, CFONB 120, "
                           "CSV avec en-têtes Date et Montant ou Débit/Crédit), ni une facture électronique "
                           "(PDF Factur-X, XML CII ou UBL), ni un FEC.")
        else:
            files.append((path, data, kind))
    if refused:  # nothing is written when one of the files is not a statement
        raise ValueError("Import annulé, rien n'a été écrit : " + " ".join(refused))

    book_path = Path(book_path) if book_path else (Path(book.path) if getattr(book, "path", None) else None)
    invoice_files = [p for p, _, kind in files if kind not in detect.BANK]
    before: list[str] = []
    invoice_problems: list = []
    if invoice_files:
        done = import_invoices.run(book, today=today, paths=invoice_files, book_path=book_path)
        before.append(done.summary.replace(import_invoices.REFRESH_HINT, "").rstrip() if refresh else done.summary)
        invoice_problems = list(done.problems)
    if not any(kind in detect.BANK for _, _, kind in files):
        if not refresh:
            return ImportResult("\n".join(before), invoice_problems)
        from addin.actions import refresh as refresh_action  # a client who paid is never chased

        refreshed = refresh_action.run(book, today=today, book_path=book_path)
        return ImportResult("\n".join([*before, "", refreshed.summary]), [*invoice_problems, *refreshed.problems])

    book.progress(0.1, "Relance : lecture du classeur…")
    snapshot = Snapshot.read(book, (READ if refresh else reconcile.REGISTER) + reconcile.SHEETS)
    confirmed = reconcile.confirmed_layouts(snapshot)
    lines: list[BankLine] = []
    problems: list[LineProblem] = []
    shown: list[tuple[str, str]] = []
    unsure: list[reconcile.LayoutToConfirm] = []
    for path, data, kind in files:
        if kind not in detect.BANK:
            continue
        try:
            layout = None
            if kind == "bank_csv":
                layout, ask = _csv_layout(data, path.name, confirmed)
                if ask is not None:
                    unsure.append(ask)
                    continue
            found, bad = read_statement(data, path.name, kind, layout)
        except NotAStatement as error:
            raise ValueError(f"Import annulé, rien n'a été écrit : {error}") from None
        lines += found
        problems += bad
        shown.append((path.name, kind))

    from addin.actions import refresh as refresh_action

    book.progress(0.3, "Relance : rapprochement des relevés…")
    phase = reconcile.run(snapshot, today=today, lines=lines, line_problems=problems, layouts=unsure)
    writes = None
    if refresh:
        writes = refresh_action.compute_writes(phase.snapshot, today=today,
                                               book_path=book_path or Path(getattr(book, "path")),
                                               extra_problems=phase.problems)
    book.progress(0.6, "Relance : écriture…")
    phase.write(book)
    if writes is not None:
        refresh_action.write_all(book, writes.cells, writes.sheets)
    book.save()
    book.progress(1.0, "")
    read_lines = [f"{name} : {FORMAT_NAMES[kind]}, {sum(1 for ln in lines if ln.source == name)} opération(s)"
                  for name, kind in shown]
    read_lines += [f"{u.source} : CSV aux colonnes devinées ({u.spec}), rien d'importé de ce fichier : vérifiez "
                   "et confirmez ce format dans la feuille « Rapprochement », puis importez-le à nouveau."
                   for u in unsure]
    bad_lines = [f"  {p.source}, ligne {p.line} : {p.message}" for p in problems[:10]]
    if len(problems) > 10:
        bad_lines.append(f"  … et {len(problems) - 10} autre(s) : voir Anomalies.")
    after = [writes.result.summary] if writes is not None else [
        "Soldes, statuts, relances et Anomalies ne sont pas encore à jour : cliquez sur « Actualiser » "
        "(relance refresh)."]
    summary = "\n".join([*before, *read_lines, *phase.summary(), *bad_lines, "", *after])
    c = phase.counts
    found = [*invoice_problems, *(writes.result.problems if writes is not None else phase.problems)]
    return ImportResult(summary, found, c["read"], c["known"], c["payment_rows"], c["pending"], tuple(shown))
