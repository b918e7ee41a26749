"""``relance demo``: a realistic register written into the template, refreshed, summarised.

The sample (``addin.sample``) is typed into the template's input tables the way a
person would fill them, then a few deliberate mistakes are typed over it (a
date that does not exist, an unknown client, a duplicate number...) so that the
``Anomalies`` sheet shows what Relance reports. The file is then refreshed by
the same action as the ribbon's « Actualiser ».
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from addin.books.base import Book
from addin.core.model import ClientType
from addin.register import schema
from addin.sample import SampleData, generate

DEMO_NAME = "relance-demo.xlsx"


@dataclass(frozen=True)
class DemoResult:
    path: Path
    summary: str


def template_path() -> Path:
    """The shipped template: at the repository root, next to the ``addin`` package."""
    return Path(__file__).resolve().parent.parent / "workbook_template.xlsx"


def template_bytes() -> bytes:
    """The template's bytes: the repository's file, else built from the schema (``pip install .``)."""
    path = template_path()
    if path.exists():
        return path.read_bytes()
    from addin.register.template import template_bytes as build

    return build()


def run_demo(directory: Path, *, today: date) -> DemoResult:
    """Write the demo register into ``directory``, refresh it as of ``today``, and summarise."""
    from addin.actions import refresh
    from addin.books.file import FileBook, keep_backup

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / DEMO_NAME
    previous = None
    if path.exists():  # never lose a file: the previous demo goes to the backups folder
        previous = keep_backup(path, 5)
        _set_aside_its_log(path, previous)
    path.write_bytes(template_bytes())

    data = generate(today)
    book = FileBook.open(path, today=today, backups=0)
    fill(book, data)
    planted = typed_mistakes(book, data, today)
    book.save()

    book = FileBook.open(path, today=today, backups=0)
    result = refresh.run(book, today=today, book_path=path)
    counts = (f"{len(data.clients)} clients, {len(data.invoices)} factures et avoirs, "
              f"{len(data.payments)} paiements, {len(data.plan_steps)} étapes d'échéanciers")
    program = command_name()
    summary = "\n".join([
        f"Classeur de démonstration : {path.resolve()}",
        *([f"  (la démo précédente est gardée : {previous.resolve()})"] if previous is not None else []),
        f"  {counts}",
        result.summary,
        "",
        "Erreurs glissées exprès dans la démo, pour montrer comment Relance les signale (feuille Anomalies) :",
        *(f"  - {line}" for line in planted),
        "",
        "Ensuite :",
        f"  {program} preview {path} --today {today.isoformat()}",
        "    les messages du jour, en fichiers dans « Aperçu relances »",
        f"  {program} send {path} --today {today.isoformat()}",
        "    sans serveur SMTP : des brouillons .eml dans « Boîte d'envoi »",
        f"  {program} review {path} --today {today.isoformat()}",
        "    la revue mensuelle",
    ])
    return DemoResult(path, summary)


def command_name() -> str:
    """« relance » as the user typed it (``.venv/bin/relance`` when the environment is not
    activated), so that the commands the summary suggests can be copied as they are."""
    typed = sys.argv[0] if sys.argv else ""
    return typed if Path(typed).name == "relance" else "relance"


def _set_aside_its_log(path: Path, backup: Path) -> None:
    """A new demo starts with no reminders sent: the previous demo's send log goes beside its backup."""
    from addin.mail.journal import Journal

    log = Journal.open(path).path
    for file in sorted(log.parent.glob(log.name + "*")) if log.parent.exists() else ():
        file.replace(backup.with_name(backup.name + "." + file.name))


# --- typing records into the template ---------------------------------------------------------


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, ClientType):
        return value.value
    if isinstance(value, Decimal):
        return value
    return value


def _rows(book: Book, sheet: schema.Sheet, records) -> tuple[str, list[list[object]]]:
    name = schema.find_sheet(book.sheet_names(), sheet)
    header = schema.locate_header(book.read_sheet(name), sheet)
    width = max(header.columns.values())
    rows = []
    for record in records:
        row: list[object] = [None] * width
        values = {f.name: getattr(record, f.name) for f in fields(record)}
        for key, index in header.columns.items():
            if key in values and not sheet.column(key).computed:
                value = values[key]
                row[index - 1] = None if value in ("", None) else _cell(value)
        rows.append(row)
    return name, rows


def fill(book: Book, data: SampleData) -> None:
    """Type the sample's records into the input tables and its settings into Paramètres."""
    _fill_settings(book, data)
    for sheet, records in ((schema.CLIENTS, data.clients), (schema.FACTURES, data.invoices),
                           (schema.PAIEMENTS, data.payments), (schema.ECHEANCIERS, data.plan_steps)):
        name, rows = _rows(book, sheet, records)
        if rows:
            book.append_rows(name, rows)


def _fill_settings(book: Book, data: SampleData) -> None:
    name = schema.find_sheet(book.sheet_names(), schema.PARAMETRES)
    sheet = book.read_sheet(name)
    header = schema.locate_header(sheet, schema.PARAMETRES)
    key_col, value_col = header.columns["key"], header.columns["value"]
    wanted = {f.name: getattr(data.settings, f.name) for f in fields(data.settings)}
    for row_number, row in enumerate(sheet.rows[header.row:], start=header.row + 1):
        column = schema.match_setting(row[key_col - 1] if len(row) >= key_col else None)
        if column is None or column.key.startswith("smtp") or column.key not in wanted:
            continue
        value = schema.setting_label(column.key, wanted[column.key])  # the drop-down's French value
        if isinstance(value, bool):
            value = schema.YES_NO[0] if value else schema.YES_NO[1]
        if value not in ("", None):
            book.write_cells(name, row_number, value_col, [[value]], ())


def typed_mistakes(book: Book, data: SampleData, today: date) -> list[str]:
    """What a busy person types: the mistakes the Anomalies sheet must catch, and a dispute and a promise.

    Returns what was planted, one line each, for the demo's summary."""
    planted: list[str] = []
    name = schema.find_sheet(book.sheet_names(), schema.FACTURES)
    sheet = book.read_sheet(name)
    header = schema.locate_header(sheet, schema.FACTURES)
    col = header.columns
    first = header.row + 1
    invoices = list(data.invoices)
    row_of = {inv.number: first + i for i, inv in enumerate(invoices)}

    # Two overdue invoices of business clients (as the engine sees them): a dispute, a promise.
    from addin.core.ledger import compute
    from addin.core.model import Register
    from addin.core.model import Status as S
    from addin.core.rates import RateTable

    ledger, _ = compute(Register(data.settings, data.clients, data.invoices, data.payments, data.plan_steps),
                        today, RateTable.shipped())
    clients = {c.code: c for c in data.clients}
    overdue = [s.invoice for s in ledger.states
               if s.status is S.OVERDUE and clients[s.invoice.client].type is ClientType.BUSINESS
               and s.invoice.number in row_of and s.days_late > 20]
    if len(overdue) >= 2:
        book.write_cells(name, row_of[overdue[0].number], col["dispute"],
                         [["Livrable contesté : maquettes non conformes au cahier des charges"]], ("text",))
        book.write_cells(name, row_of[overdue[-1].number], col["promise"],
                         [[today + timedelta(days=12)]], ("date",))

    # Deliberate mistakes, each on its own row.
    mistakes = [inv for inv in invoices[5:60:11] if not inv.is_credit_note][:4]
    if len(mistakes) == 4:
        book.write_cells(name, row_of[mistakes[0].number], col["issued"], [["31/02/2025"]], ("text",))
        book.write_cells(name, row_of[mistakes[1].number], col["client"], [["C999"]], ("text",))
        book.write_cells(name, row_of[mistakes[2].number], col["terms"], [["45 jours fin du mois prochain"]], ("text",))
        book.write_cells(name, row_of[mistakes[3].number], col["amount_ttc"], [["1 250,00 €"]], ("text",))
        planted += [f"Factures ligne {row_of[mistakes[0].number]} : une date qui n'existe pas (31/02/2025)",
                    f"Factures ligne {row_of[mistakes[1].number]} : un client inconnu (C999)",
                    f"Factures ligne {row_of[mistakes[2].number]} : des conditions de paiement illisibles "
                    "(« 45 jours fin du mois prochain »)",
                    f"Factures ligne {row_of[mistakes[3].number]} : un montant tapé en texte (« 1 250,00 € »)"]
    duplicate = invoices[10]
    book.append_rows(name, [_duplicate_row(header, duplicate)])
    planted.append(f"Factures, dernière ligne : la facture {duplicate.number} saisie deux fois")

    pay_name = schema.find_sheet(book.sheet_names(), schema.PAIEMENTS)
    pay_header = schema.locate_header(book.read_sheet(pay_name), schema.PAIEMENTS)
    width = max(pay_header.columns.values())
    row: list[object] = [None] * width
    row[pay_header.columns["paid_on"] - 1] = today - timedelta(days=3)
    row[pay_header.columns["client"] - 1] = data.clients[0].code
    row[pay_header.columns["invoice"] - 1] = "F2025-9999"
    row[pay_header.columns["amount"] - 1] = Decimal("480.00")
    row[pay_header.columns["method"] - 1] = "Virement"
    book.append_rows(pay_name, [row])
    planted.append("Paiements, dernière ligne : un virement pour une facture qui n'existe pas (F2025-9999)")
    return planted


def _duplicate_row(header: schema.HeaderMap, invoice) -> list[object]:
    row: list[object] = [None] * max(header.columns.values())
    row[header.columns["number"] - 1] = invoice.number
    row[header.columns["client"] - 1] = invoice.client
    row[header.columns["issued"] - 1] = invoice.issued
    row[header.columns["amount_ttc"] - 1] = invoice.amount_ttc
    return row



