"""Workbook → ``Register`` and its problems, through the ``Book`` port.

``load(book)`` reads Paramètres, Clients, Factures, Paiements and Échéanciers
(French or English sheet and column labels, columns in any order, the user's own
columns ignored, empty rows skipped) and returns ``(Register, problems)``. A bad
row never stops the others: it is left out (``Severity.ERROR``) or kept with a
warning (``Severity.WARNING``), and its problem names the sheet (its real name),
the 1-based row, the column as the user wrote it, the raw value and the fix.

Rules worth knowing:
- **Credit notes.** A negative ``Montant TTC`` is a credit note (avoir) when its
  number starts with ``AV`` or contains ``avoir`` (``AV-2025-003``, ``Avoir 12``),
  or when ``Montant HT`` is negative too. Any other negative amount is a typing
  mistake: the row is left out with a problem.
- A duplicate invoice number: the first row is kept, the next ones are left out.
- A duplicate client code: likewise.
- Client codes match case-insensitively (``c001`` is ``C001``).
- A payment with no client code takes the client of the invoice it names.
- Formulas in input cells: their cached value is read. A formula never
  calculated (no cached value, as openpyxl writes them) is a problem: open and
  save the file in Excel or LibreOffice.
- Merged cells in a table: only the top-left cell has a value; one warning per range.
- **Totals rows** (``totals_rows``): a row whose identity cells (Factures: N° facture,
  Code client, Date facture; Paiements: Date, Code client, N° facture; Échéanciers:
  N° plan, Code client, Étape; Clients: Code client, Nom) hold nothing typed — they
  are empty, formulas, or a label starting with « Total », « Sous-total », « Totaux »
  or « Somme » — and that holds a formula or such a label somewhere (an Excel
  table's Total row, a ``=SUM(F2:F9)`` under the invoices, a numbering formula
  filled down in advance) is not a record: it is not read, not reported, and
  refresh writes nothing in it. A row with only the user's own columns filled is
  not a record either (skipped like an empty row).
- A payment larger than the balance is the allocation engine's business, not this module's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date as _Date
from decimal import Decimal
from operator import itemgetter
from typing import Callable, Iterable

import numpy as np

from addin.books.base import Book, SheetData
from addin.books.xlsx import col_letter
from addin.core.model import Client, ClientType, Invoice, Payment, PlanStep, Problem, Register, Settings, Severity
from addin.core.records import fast_constructor
from addin.register import cells, columns, schema
from addin.register.cells import Place, is_blank, text
from addin.register.schema import Column, HeaderMap, Sheet

WARNING = Severity.WARNING
_REQUIRED_SHEETS = (schema.CLIENTS, schema.FACTURES, schema.PAIEMENTS)
_SECRET_MASK = "••••••"
_ZERO = Decimal(0)  # compared with an amount: faster than the int 0


# The records of the rows read without a problem, built as ``Invoice(...)``, ``Payment(...)``… build
# them, faster (a register has hundreds of thousands of rows; see ``records.fast_constructor``).
new_invoice = fast_constructor(Invoice)
new_payment = fast_constructor(Payment)
new_client = fast_constructor(Client)

def load(book: Book, *, by_rows: bool = False) -> tuple[Register, list[Problem]]:
    """Read the whole register. Never raises on bad data: every defect is a ``Problem``.

    The data sheets are read column by column (``addin.register.columns``); ``by_rows``
    reads every row through the per-row reading instead, as the tests' oracle.
    """
    from addin.core.fast import gc_paused

    with gc_paused():  # hundreds of thousands of records, no cycles
        names = list(book.sheet_names())
        ctx = _Context(book, names, epoch_1904(book), [], by_rows=by_rows)
        settings = _load_settings(ctx)
        clients = _load_clients(ctx, settings.language)
        invoices, seen_numbers = _load_invoices(ctx, clients)
        payments = _load_payments(ctx, clients, invoices, seen_numbers)
        plan_steps = _load_plans(ctx, clients, invoices, _record(ctx))
    register = Register(settings, tuple(clients.values()), tuple(invoices.values()), tuple(payments), tuple(plan_steps))
    return register, ctx.problems


def load_settings(book: Book) -> tuple[Settings, list[Problem]]:
    """Only the ``Paramètres`` sheet: what a door needs before it runs an action (backups kept)."""
    ctx = _Context(book, list(book.sheet_names()), epoch_1904(book), [])
    return _load_settings(ctx), ctx.problems


def epoch_1904(book: object) -> bool:
    """Whether the workbook counts dates from 1904 (old Mac Excel). Books say so by an attribute."""
    for name in ("epoch_1904", "date1904", "is_1904"):
        value = getattr(book, name, None)
        if isinstance(value, bool):
            return value
    epoch = getattr(getattr(book, "workbook", None), "epoch", None)  # FileBook's openpyxl workbook
    return getattr(epoch, "year", 1899) == 1904


# --- reading a table ---------------------------------------------------------------


@dataclass
class _Context:
    book: Book
    names: list[str]
    epoch_1904: bool
    problems: list[Problem]
    # Memos of pure parses for this load: a register repeats its texts and amounts.
    texts: dict[str, str] = field(default_factory=columns.Texts)
    amounts: dict[float, Decimal] = field(default_factory=dict)
    by_rows: bool = False  # every row through the per-row reading (the tests' oracle for the columns)

    def parse_date(self, value: object, place) -> tuple:
        return cells.parse_date(value, place, epoch_1904=self.epoch_1904)


def _as_text(value: object, place) -> tuple[str, None]:
    return text(value), None


class _LazyPlace:
    """A cell's place, built only when a parse has a problem to report (most never do)."""

    __slots__ = ("row", "key")

    def __init__(self, row: "_Row", key: str):
        self.row, self.key = row, key

    def problem(self, *args, **kwargs) -> Problem:
        return self.row.place(self.key).problem(*args, **kwargs)


@dataclass
class _Row:
    """One data row of a table: its cells by column key, and the helpers that type them."""

    ctx: _Context
    sheet: str  # the real sheet name
    header: HeaderMap
    number: int  # 1-based sheet row
    raw: dict[str, object]
    uncalculated: frozenset[str] = frozenset()  # keys whose formula has no value (already reported)
    bad: bool = False  # an error left the row out
    formulas: frozenset[str] = frozenset()  # keys whose cell holds a formula

    def place(self, key: str) -> Place:
        return Place(self.sheet, self.number, self.header.label_of(key))

    def problem(self, key: str | None, message: str, fix: str, code: str, severity: Severity = Severity.ERROR,
                value: object = None) -> None:
        if key is not None and value is None:
            value = self.raw.get(key)
        column = self.header.label_of(key) if key is not None else None
        self.ctx.problems.append(Problem(self.sheet, self.number, column, value, message, fix, severity, code))
        if severity == Severity.ERROR:
            self.bad = True

    def _typed(self, key: str, parse: Callable, required: bool):
        value = self.raw.get(key)
        if value is None or (value.__class__ is str and not value.strip()):
            if required and key in self.uncalculated:
                self.bad = True  # one problem for one cause: the formula's
            elif required:
                col = self.header.sheet.column(key)
                self.problem(key, f"{col.fr} manquant(e) : la ligne est ignorée.",
                             f"Remplissez la colonne « {self.header.label_of(key)} ».", "cell.required")
            return None
        result, problem = parse(value, _LazyPlace(self, key))
        if problem is not None:
            self.ctx.problems.append(problem)
            if problem.severity == Severity.ERROR and required:
                self.bad = True
        return result

    def text(self, key: str, required: bool = False) -> str:
        value = self.raw.get(key)
        if value.__class__ is str:  # the common case, read once per distinct text
            found = self.ctx.texts.get(value)
            if found is None:
                found = self.ctx.texts[value] = text(value)
            if found or not required:
                return found
        return self._typed(key, _as_text, required) or ""

    def date(self, key: str, required: bool = False):
        value = self.raw.get(key)
        if value.__class__ is _Date and cells.MIN_YEAR <= value.year <= cells.MAX_YEAR:
            return value  # a date cell, as the book reads it
        return self._typed(key, self.ctx.parse_date, required)

    def money(self, key: str, required: bool = False) -> Decimal | None:
        value = self.raw.get(key)
        if value.__class__ is float or value.__class__ is int:  # a number cell: the same amount, the same Decimal
            found = self.ctx.amounts.get(value)
            if found is None:
                found, problem = cells.parse_money(value, _LazyPlace(self, key))
                if problem is not None:
                    self.ctx.problems.append(problem)
                    if problem.severity == Severity.ERROR and required:
                        self.bad = True
                    return found
                if value:  # 0.0 and -0.0: equal keys, not the same Decimal
                    self.ctx.amounts[value] = found
            return found
        return self._typed(key, cells.parse_money, required)

    def percent(self, key: str, required: bool = False, one_is_whole: bool = True) -> Decimal | None:
        return self._typed(key, lambda v, p: cells.parse_percent(v, p, one_is_whole=one_is_whole), required)

    def boolean(self, key: str) -> bool | None:
        return self._typed(key, cells.parse_bool, False)


def _table(ctx: _Context, sheet: Sheet, required: bool) -> tuple[str, HeaderMap, list[_Row]] | None:
    """Locate, check and cut a sheet into data rows; None when it cannot be read (problems said why)."""
    cut = _columns(ctx, sheet, required)
    return None if cut is None else (cut.name, cut.header, cut.rows())


def _columns(ctx: _Context, sheet: Sheet, required: bool) -> "_Cut | None":
    """Locate, check and cut a sheet into input columns; None when it cannot be read (problems said why)."""
    name = schema.find_sheet(ctx.names, sheet)
    if name is None:
        if required:
            ctx.problems.append(Problem(
                sheet.fr, None, None, None,
                f"La feuille « {sheet.fr} » est introuvable : aucune donnée de cette feuille n'est lue.",
                f"Ajoutez une feuille nommée « {sheet.fr} » avec ses en-têtes (copiez-la du modèle workbook_template.xlsx).",
                Severity.ERROR, "sheet.missing"))
        return None
    data = ctx.book.read_sheet(name)
    header = schema.locate_header(data, sheet)
    if header.row is None:
        if any(not is_blank(v) for row in data.rows for v in row):
            labels = ", ".join(c.fr for c in sheet.columns if c.required)
            ctx.problems.append(Problem(
                name, None, None, None,
                f"Ligne d'en-têtes introuvable dans « {name} » : la feuille est ignorée.",
                f"Dans les 10 premières lignes, écrivez une ligne d'en-têtes avec au moins : {labels}.",
                Severity.ERROR, "sheet.no_header"))
        elif required:
            ctx.problems.append(Problem(
                name, None, None, None, f"La feuille « {name} » est vide : pas même d'en-têtes.",
                "Recopiez la ligne d'en-têtes du modèle workbook_template.xlsx.", Severity.ERROR, "sheet.no_header"))
        return None
    for index, label in header.duplicates:
        ctx.problems.append(Problem(
            name, header.row, label, label, f"La colonne « {label} » apparaît deux fois : seule la première est lue.",
            "Supprimez ou renommez la seconde colonne.", WARNING, "column.duplicate"))
    missing = header.missing_required
    if missing:
        for key in missing:
            col = sheet.column(key)
            ctx.problems.append(Problem(
                name, header.row, col.fr, None,
                f"Colonne obligatoire « {col.fr} » absente : aucune ligne de « {name} » n'est lue.",
                f"Ajoutez une colonne « {col.fr} » (ou « {col.en} ») à la ligne d'en-têtes {header.row}.",
                Severity.ERROR, "column.missing"))
        return None

    return _cut(ctx, data, header, name)


@dataclass
class _Cut:
    """A table's data rows as input columns (``columns.cut``): ``values[key][i]`` is the cell of
    sheet row ``first + i``; ``records`` the offsets of the rows that may be records (not a
    totals row, not empty); ``pending``/``formulas`` the keys of uncalculated/formula cells by row."""

    ctx: _Context
    name: str
    header: HeaderMap
    first: int
    count: int
    values: dict[str, list]
    records: list[int]
    pending: dict[int, set[str]]
    formulas: dict[int, set[str]]

    def row(self, i: int) -> _Row:
        """The per-row reading of offset ``i`` (a row with a problem, or every row for the oracle)."""
        number = self.first + i
        empty: frozenset[str] = frozenset()
        return _Row(self.ctx, self.name, self.header, number, {k: v[i] for k, v in self.values.items()},
                    frozenset(self.pending.get(number, empty)), formulas=frozenset(self.formulas.get(number, empty)))

    def rows(self) -> list[_Row]:
        return [self.row(i) for i in self.records]

    def special(self, odd: bytearray) -> None:
        """Rows with a formula or an uncalculated cell among their inputs take the per-row reading."""
        for number in (*self.pending, *self.formulas):
            if 0 <= number - self.first < self.count:
                odd[number - self.first] = 1


def _cut(ctx: _Context, data: SheetData, header: HeaderMap, name: str) -> _Cut:
    """Cut a located table into input columns; merged cells and uncalculated formulas are said here."""
    sheet = header.sheet
    inputs = {k: j for k, j in header.columns.items() if k not in header.appended and not sheet.column(k).computed}
    by_index = {j: k for k, j in inputs.items()}
    body = data.rows[header.row:]
    values = columns.cut(body, inputs)
    first = header.row + 1
    _merged(ctx, data, header, by_index, values, name)
    totals = totals_rows(data, header)
    uncalculated = _formulas(ctx, data, header, by_index, values, name, totals)
    # The formula cells and uncalculated cells by row: most rows have none.
    formula_keys: dict[int, set[str]] = {}
    for r, j in data.formulas:
        if j in by_index:
            formula_keys.setdefault(r, set()).add(by_index[j])
    pending_keys: dict[int, set[str]] = {}
    for r, j in uncalculated:
        pending_keys.setdefault(r, set()).add(by_index[j])
    count = len(body)
    filled = columns.filled(list(values.values()), count)
    records = [i for i in range(count) if (filled[i] or first + i in pending_keys) and first + i not in totals]
    return _Cut(ctx, name, header, first, count, values, records, pending_keys, formula_keys)


# The cells that make a row a record: a row with none of them typed is not one (see totals_rows).
_IDENTITY = {
    "invoices": ("number", "client", "issued"),
    "payments": ("paid_on", "client", "invoice"),
    "plans": ("plan", "client", "step"),
    "clients": ("code", "name"),
}
_TOTAL_LABEL = re.compile(r"^(sous |sub |grand )?(total|totals|totaux|subtotal)\b|^(somme|sum)\b")


def is_total_label(value: object) -> bool:
    """« Total », « Sous-total », « Totaux », « Total général », « Somme », "Subtotal"…"""
    if not isinstance(value, str):
        return False
    # Every label starts with g, s or t; a text opening with another ASCII letter or digit (an
    # invoice number, a client code: every row of a register) keeps it first once normalised.
    first = value[:1]
    if first.isascii() and first.isalnum() and first not in "gstGST":
        return False
    return bool(_TOTAL_LABEL.match(schema.normalize(value)))


def totals_rows(data: SheetData, header: HeaderMap) -> frozenset[int]:
    """The 1-based rows below the header that total the table rather than being records.

    Rule (the module docstring says it for users): no identity cell holds a typed value
    other than a « Total » label, and the row holds a formula or such a label.
    """
    identity = _IDENTITY.get(header.sheet.key)
    if not identity or header.row is None:
        return frozenset()
    columns = [header.columns[k] for k in identity if k in header.columns and k not in header.appended]
    formulas = data.formulas
    with_formula = {r for r, _c in formulas}
    found = set()
    rows = data.rows
    candidates: Iterable[int] = range(header.row + 1, len(rows) + 1)
    if columns:  # a row whose first identity cell is a text opening with a letter or digit (not g, s, t),
        j = columns[0] - 1  # or a value that is not a text (a date, a number), is typed unless a formula
        held = {r for r, c in formulas if c == j + 1}
        candidates = _untyped(rows, header.row, j, held)
    for r in candidates:
        values = rows[r - 1]
        typed = False
        for j in columns:
            value = values[j - 1] if j - 1 < len(values) else None
            if value is None or (value.__class__ is str and not value.strip()):
                continue
            if (r, j) not in formulas and not is_total_label(value):
                typed = True
                break
        if typed:
            continue
        if r in with_formula or any(is_total_label(v) for v in values):
            found.add(r)
    return frozenset(found)


_UNTYPED_START = re.compile(r"\x00(?![0-9A-FH-RU-Za-fh-ru-z])")  # not an ASCII letter or digit, or g, s, t


def _untyped(rows, start: int, j: int, held: set[int]) -> list[int]:
    """The rows below ``start`` (1-based) whose cell ``j`` (0-based) is not surely a record's: not a
    text opening with an ASCII letter or digit other than g, s, t, nor another value (a date, a
    number); or in ``held``. A column of texts only, or of no text, is looked at in C."""
    body = rows[start:]
    if body and min(map(len, body)) > j:
        column = list(map(itemgetter(j), body))
        kinds = set(map(type, column))
        if str not in kinds and type(None) not in kinds:  # dates or numbers: every row typed
            return sorted(r for r in held if start < r <= len(rows))
        joined = "\x00" + "\x00".join(column) if kinds == {str} else ""
        if joined.count("\x00") == len(column) and column:  # (a NUL, which XML forbids, would shift the cells)
            found = [m.start() for m in _UNTYPED_START.finditer(joined)]
            if found:  # the cell each match opens: by the cells' starts in ``joined``
                lengths = np.fromiter(map(len, column), np.int64, len(column)) + 1
                starts = np.cumsum(lengths) - lengths
                found = (np.searchsorted(starts, found) + start + 1).tolist()
            return sorted({*found, *(r for r in held if start < r <= len(rows))})
    return [r for r, values in enumerate(body, start=start + 1)
            if r in held or not (len(values) > j and (
                (v := values[j]).__class__ is str and (c := v[:1]).isascii() and c.isalnum()
                and c not in "gstGST" or (v is not None and v.__class__ is not str)))]


def _merged(ctx: _Context, data: SheetData, header: HeaderMap, by_index: dict[int, str], values: dict[str, list],
            name: str) -> None:
    first = header.row + 1
    for min_row, min_col, max_row, max_col in data.merged:
        if max_row < header.row or not any(min_col <= j <= max_col for j in by_index):
            continue  # a title banner above the table, or the user's own columns
        if min_row >= first and min_col in by_index:
            column = values[by_index[min_col]]
            top_left = column[min_row - first] if min_row - first < len(column) else None
        else:
            rows = data.rows
            top_left = rows[min_row - 1][min_col - 1] if min_row - 1 < len(rows) and min_col - 1 < len(rows[min_row - 1]) else None
        for c in range(min_col, max_col + 1):
            key = by_index.get(c)
            if key is None:
                continue
            column = values[key]
            for r in range(max(min_row, first), max_row + 1):
                if (r, c) != (min_row, min_col) and r - first < len(column):
                    column[r - first] = None
        ref = f"{col_letter(min_col)}{min_row}:{col_letter(max_col)}{max_row}"
        key = by_index.get(min_col)
        ctx.problems.append(Problem(
            name, min_row, header.label_of(key) if key else None, top_left,
            f"Cellules fusionnées {ref} dans le tableau : seule la valeur de la première cellule est lue.",
            "Défusionnez ces cellules (Accueil › Fusionner) et recopiez la valeur sur chaque ligne concernée.",
            WARNING, "cell.merged"))


def _formulas(ctx: _Context, data: SheetData, header: HeaderMap, by_index: dict[int, str], values: dict[str, list],
              name: str, totals: frozenset[int] = frozenset()) -> set[tuple[int, int]]:
    """Input cells holding a formula never calculated: a problem each (their cached value is read otherwise)."""
    found: set[tuple[int, int]] = set()
    for r, c in sorted(data.formulas):
        if r <= header.row or c not in by_index or r in totals:
            continue
        column = values[by_index[c]]
        value = column[r - header.row - 1] if r - header.row - 1 < len(column) else None
        if value is None:
            found.add((r, c))
            ctx.problems.append(Problem(
                name, r, header.label_of(by_index[c]), None,
                "Cette cellule contient une formule dont la valeur n'a jamais été calculée.",
                "Ouvrez le fichier dans Excel ou LibreOffice et enregistrez-le : la valeur sera calculée.",
                Severity.ERROR, "cell.formula_not_calculated"))
    return found


def _fold(code: str) -> str:
    return code.strip().casefold()


# --- Paramètres --------------------------------------------------------------------

_SETTING_WORDS = {
    "penalty_mode": {"legal": "legal", "legale": "legal", "taux legal": "legal", "contract": "contract",
                     "contrat": "contract", "contractuel": "contract", "contractuelle": "contract"},
    "below_floor_policy": {"legal default": "legal_default", "legal": "legal_default", "taux legal": "legal_default",
                           "floor": "floor", "plancher": "floor", "contract": "contract", "contrat": "contract",
                           "contractuel": "contract"},
    "imputation": {"principal": "principal", "capital": "principal", "interest first": "interest_first",
                   "interets d abord": "interest_first", "interets": "interest_first"},
    "language": {"fr": "fr", "francais": "fr", "french": "fr", "en": "en", "anglais": "en", "english": "en"},
    "smtp_security": {"starttls": "starttls", "tls": "starttls", "ssl": "ssl", "none": "none", "aucune": "none",
                      "non": "none", "sans": "none"},
}


def _load_settings(ctx: _Context) -> Settings:
    sheet = schema.PARAMETRES
    name = schema.find_sheet(ctx.names, sheet)
    if name is None:
        ctx.problems.append(Problem(
            sheet.fr, None, None, None, "La feuille « Paramètres » est introuvable : les réglages par défaut s'appliquent.",
            "Ajoutez la feuille « Paramètres » (copiez-la du modèle workbook_template.xlsx) et remplissez-la.",
            WARNING, "sheet.missing"))
        return Settings()
    table = _table(ctx, sheet, required=False)
    if table is None:
        return Settings()
    _, header, rows = table
    values: dict[str, object] = {}
    seen: dict[str, int] = {}
    extra: list[tuple[str, str]] = []
    for row in rows:
        key_text = text(row.raw.get("key"))
        if not key_text:
            continue
        raw = row.raw.get("value")
        if schema.PASSWORD_KEY.search(schema.normalize(key_text)):
            row.problem("key", f"« {key_text} » : un mot de passe ne doit jamais être écrit dans le classeur.",
                        "Supprimez cette ligne (et la valeur). Donnez le mot de passe SMTP par la variable "
                        "d'environnement RELANCE_SMTP_PASSWORD ou le trousseau du système.",
                        "settings.password", value=_SECRET_MASK if not is_blank(raw) else None)
            continue
        col = schema.match_setting(key_text)
        if col is None:
            extra.append((key_text, text(raw)))
            continue
        if col.key in seen:
            row.problem("key", f"Le paramètre « {key_text} » est écrit deux fois : la ligne {seen[col.key]} est retenue.",
                        "Supprimez l'une des deux lignes.", "settings.duplicate", WARNING)
            continue
        seen[col.key] = row.number
        if is_blank(raw):
            continue
        value = _setting_value(row, col, raw)
        if value is not None:
            values[col.key] = value
    return Settings(**values, extra=tuple(extra))


def _setting_value(row: _Row, col: Column, raw: object) -> object:
    place = Place(row.sheet, row.number, row.header.label_of("value"))
    default = getattr(Settings(), col.key)
    if col.kind == "int":
        value, problem = cells.parse_int(raw, place)
        if problem is None and col.key == "smtp_port" and not 1 <= value <= 65535:
            problem = place.problem(raw, f"Port SMTP impossible : {value}.", "Saisissez 587 (starttls) ou 465 (ssl).",
                                    "settings.port")
        elif problem is None and value < 0:
            problem = place.problem(raw, f"« {col.fr} » ne peut pas être négatif.", "Saisissez un nombre positif.",
                                    "settings.negative")
    elif col.kind == "money":
        value, problem = cells.parse_money(raw, place)
    elif col.kind == "choice":
        word = schema.normalize(raw)
        value = _SETTING_WORDS.get(col.key, {}).get(word) or next(
            (schema.SETTING_CODES.get(col.key, {}).get(c, c) for c in col.choices if schema.normalize(c) == word),
            None)
        problem = None if value else place.problem(
            raw, f"Valeur inconnue pour « {col.fr} » : « {text(raw)} ».",
            "Choisissez parmi : " + ", ".join(col.choices) + f". En attendant : {schema.setting_label(col.key, default)}.",
            "settings.choice")
    elif col.kind == "bool":
        value, problem = cells.parse_bool(raw, place)
    elif col.kind == "email":
        value, problem = cells.parse_emails(raw, place)
        if problem is None and ";" in value:
            problem = place.problem(raw, "Une seule adresse d'expéditeur est possible.", "Gardez une seule adresse.",
                                    "settings.email")
    else:
        value, problem = text(raw), None
    if problem is not None:
        row.ctx.problems.append(Problem(problem.sheet, problem.row, problem.column, problem.value,
                                        f"{col.fr} : {problem.message}", problem.fix, WARNING, problem.code))
        return None
    return value


# --- Clients -----------------------------------------------------------------------

_LANGUAGES = {"fr": "fr", "francais": "fr", "french": "fr", "en": "en", "anglais": "en", "english": "en"}


def _load_clients(ctx: _Context, default_language: str = "fr") -> dict[str, Client]:
    clients: dict[str, Client] = {}
    cut = _columns(ctx, schema.CLIENTS, required=True)
    if cut is None:
        return clients
    firsts: dict[str, int] = {}
    n, v, odd = cut.count, cut.values.get, bytearray(cut.count)
    if ctx.by_rows:
        odd = bytearray(b"\x01" * n)
    cut.special(odd)
    codes = columns.texts(v("code"), n, ctx.texts, odd)
    names = columns.texts(v("name"), n, ctx.texts)
    types = columns.typed(v("type"), n, odd, cells.parse_client_type, repeats=True)
    emails = columns.typed(v("email"), n, odd, cells.parse_emails)
    copies = columns.typed(v("email_cc"), n, odd, cells.parse_emails)
    languages = columns.typed(v("language"), n, odd, _language, repeats=True)
    limits = columns.amounts(v("credit_limit"), n, odd, ctx.amounts)
    holds = columns.typed(v("on_hold"), n, odd, cells.parse_bool, repeats=True)
    terms = columns.texts(v("terms"), n, ctx.texts)
    scenarios = columns.texts(v("scenario"), n, ctx.texts)
    notes = columns.texts(v("notes"), n, ctx.texts)
    sirens = columns.texts(v("siren"), n, ctx.texts)
    addresses = columns.texts(v("address"), n, ctx.texts)
    phones = columns.texts(v("phone"), n, ctx.texts)
    business = ClientType.BUSINESS
    first = cut.first
    for i in cut.records:
        code, name = codes[i], names[i]
        folded = _fold(code)
        if odd[i] or folded in firsts or not name:
            _client_row(ctx, cut.row(i), clients, firsts, default_language)  # a problem to say
            continue
        firsts[folded] = first + i
        clients[folded] = new_client(code, name, types[i] or business, emails[i] or "", copies[i] or "",
                                     languages[i] or default_language, terms[i] or None, scenarios[i] or None,
                                     limits[i], bool(holds[i]), notes[i], first + i, sirens[i], addresses[i], phones[i])
    return clients


def _language(value: object) -> tuple[str, object]:
    """A client's « Langue » for the column reading: (language, None), or ("", True) when unknown."""
    language = _LANGUAGES.get(schema.normalize(value), "")
    return language, (None if language else True)


def _client_row(ctx: _Context, row: _Row, clients: dict[str, Client], firsts: dict[str, int],
                default_language: str) -> None:
    """One *Clients* row, read cell by cell: the client, or the problems that leave it out."""
    code = row.text("code", required=True)
    if row.bad:
        return
    if _fold(code) in firsts:
        row.problem("code", f"Code client « {code} » en double (déjà ligne {firsts[_fold(code)]}) : cette ligne est ignorée.",
                    "Donnez un code unique à chaque client, ou supprimez le doublon.", "client.duplicate")
        return
    firsts[_fold(code)] = row.number
    name = row.text("name")
    if not name:
        row.problem("name", "Nom du client manquant : le code est utilisé à la place.",
                    "Saisissez le nom ou la raison sociale du client.", "client.name_missing", WARNING)
        name = code
    client_type, problem = cells.parse_client_type(row.raw.get("type"), row.place("type"))
    if problem is not None:
        row.problem("type", problem.message + " Le client est traité comme Professionnel en attendant.",
                    problem.fix, problem.code, WARNING)
    email, problem = cells.parse_emails(row.raw.get("email"), row.place("email"))
    if problem is not None:
        row.problem("email", problem.message, problem.fix, problem.code, WARNING)
    cc, problem = cells.parse_emails(row.raw.get("email_cc"), row.place("email_cc"))
    if problem is not None:
        row.problem("email_cc", problem.message, problem.fix, problem.code, WARNING)
    language = default_language  # blank: the Paramètres' « Langue »
    if not is_blank(row.raw.get("language")):
        language = _LANGUAGES.get(schema.normalize(row.raw["language"]), "")
        if not language:
            row.problem("language", f"Langue inconnue « {text(row.raw['language'])} » : français utilisé.",
                        "Saisissez fr ou en.", "client.language", WARNING)
            language = "fr"
    credit_limit = row.money("credit_limit")
    on_hold = row.boolean("on_hold")
    clients[_fold(code)] = Client(
        code=code, name=name, type=client_type or ClientType.BUSINESS, email=email, email_cc=cc,
        language=language, terms=row.text("terms") or None, scenario=row.text("scenario") or None,
        credit_limit=credit_limit, on_hold=bool(on_hold), notes=row.text("notes"), row=row.number,
        siren=row.text("siren"), address=row.text("address"), phone=row.text("phone"),
    )


def _client_of(row: _Row, clients: dict[str, Client], code: str) -> Client | None:
    client = clients.get(_fold(code))
    if client is None:
        row.problem("client", f"Code client « {code} » inconnu : la ligne est ignorée.",
                    "Ajoutez ce client dans la feuille Clients, ou corrigez le code.", "client.unknown")
    return client


# --- Factures ----------------------------------------------------------------------

_CREDIT_NOTE = re.compile(r"^\s*AV|avoir", re.IGNORECASE)
# Unmistakably a credit note's number ("AV-2025-003", "AV12", "Avoir 12"), not "AVR-…".
_CREDIT_NOTE_STRICT = re.compile(r"^\s*AV[\s_.-]?\d|\bavoir\b", re.IGNORECASE)


def is_credit_note_number(number: str) -> bool:
    """``AV-2025-003``, ``AV12``, ``Avoir 12``: the numbering that marks a credit note."""
    return bool(_CREDIT_NOTE.search(number))


def _load_invoices(ctx: _Context, clients: dict[str, Client]) -> tuple[dict[str, Invoice], set[str]]:
    invoices: dict[str, Invoice] = {}
    seen: dict[str, int] = {}  # every number typed, even on a row left out
    cut = _columns(ctx, schema.FACTURES, required=True)
    if cut is None:
        return invoices, set()
    n, v, odd = cut.count, cut.values.get, bytearray(cut.count)
    if ctx.by_rows:
        odd = bytearray(b"\x01" * n)
    cut.special(odd)
    numbers = columns.texts(v("number"), n, ctx.texts, odd)
    codes = columns.texts(v("client"), n, ctx.texts, odd)
    issued = columns.dates(v("issued"), n, odd, ctx.epoch_1904, required=True)
    ttcs = columns.amounts(v("amount_ttc"), n, odd, ctx.amounts, required=True)
    hts = columns.amounts(v("amount_ht"), n, odd, ctx.amounts)
    delivered = columns.dates(v("delivered"), n, odd, ctx.epoch_1904)
    terms = columns.texts(v("terms"), n, ctx.texts)
    rates = columns.typed(v("penalty_rate"), n, odd, _rate, repeats=True)
    discounts = columns.typed(v("discount_rate"), n, odd, _small_percent, repeats=True)
    orders = columns.texts(v("po_number"), n, ctx.texts)
    disputes = columns.texts(v("dispute"), n, ctx.texts)
    promises = columns.dates(v("promise"), n, odd, ctx.epoch_1904)
    notices = columns.dates(v("notice_date"), n, odd, ctx.epoch_1904)
    corrects = columns.texts(v("corrects"), n, ctx.texts)
    received = columns.dates(v("received"), n, odd, ctx.epoch_1904)
    client_of = _ClientOf(clients)
    strict = _CREDIT_NOTE_STRICT.search
    first = cut.first
    for i in cut.records:
        number, ttc, ht = numbers[i], ttcs[i], hts[i]
        client = None
        if not odd[i] and number not in seen:
            client = client_of[codes[i]]
        if client is not None and ttc > _ZERO:  # an invoice (most rows): the rules below, fewer steps
            bad = strict(number) or (ht is not None and (ht < _ZERO or ttc < ht))
        else:  # no client, a credit note or a zero amount
            bad = client is None or (ttc < 0 and not (is_credit_note_number(number) or (ht is not None and ht < 0))) or (
                ht is not None and (((ht < 0) != (ttc < 0) and ht != 0 and ttc != 0) or abs(ttc) < abs(ht)))
        if bad:
            _invoice_row(ctx, cut.row(i), clients, invoices, seen)  # a problem to say: the per-row reading
            continue
        seen[number] = first + i
        invoices[number] = new_invoice(number, client.code, issued[i], ttc, ht, delivered[i], terms[i] or None, rates[i],
                                   discounts[i], orders[i], disputes[i], promises[i], notices[i], first + i,
                                   corrects[i] or None, received[i])
    _check_corrects(ctx, invoices)
    return invoices, set(seen)


class _ClientOf(dict):
    """The client a code typed names (compared folded: ``_fold``), or None; once per distinct code."""

    def __init__(self, clients: dict[str, Client]):
        super().__init__()
        self.clients = clients

    def __missing__(self, code: str) -> Client | None:
        client = self[code] = self.clients.get(_fold(code))
        return client


def _rate(value: object) -> tuple[Decimal | None, object]:
    """The ``Taux de pénalité`` of a cell for the column reading: (rate, None), or (None, True) when
    ``_penalty_rate`` would say a problem."""
    from addin.core.penalties import parse_rate

    try:
        return parse_rate(value), None
    except ValueError:
        return None, True


def _small_percent(value: object):
    return cells.parse_percent(value, one_is_whole=False)


def _invoice_row(ctx: _Context, row: _Row, clients: dict[str, Client], invoices: dict[str, Invoice],
                 seen: dict[str, int]) -> None:
    """One *Factures* row, read cell by cell: what it holds, or the problems that leave it out."""
    number = row.text("number", required=True)
    code = row.text("client", required=True)
    issued = row.date("issued", required=True)
    ttc = row.money("amount_ttc", required=True)
    ht = row.money("amount_ht")
    if number:
        if number in seen:
            row.problem("number", f"N° de facture « {number} » en double (déjà ligne {seen[number]}) : cette ligne est ignorée.",
                        "Chaque facture a un numéro unique : corrigez le numéro ou supprimez le doublon.",
                        "invoice.duplicate")
            return
        seen[number] = row.number
    if row.bad:
        return
    client = _client_of(row, clients, code)
    if client is None:
        return
    if ttc > 0 and _CREDIT_NOTE_STRICT.search(number):
        row.problem("amount_ttc", f"« {number} » est numéroté comme un avoir mais son montant est positif "
                    f"({cells.format_euros(ttc)}) : la ligne est ignorée (ni relancée, ni déduite).",
                    "Un avoir se saisit en négatif (HT et TTC) ; si c'est bien une facture, donnez-lui un "
                    "numéro de facture.", "invoice.credit_note_positive")
        return
    if ttc < 0 and not (is_credit_note_number(number) or (ht is not None and ht < 0)):
        row.problem("amount_ttc", f"Montant TTC négatif ({cells.format_euros(ttc)}) sur une facture qui n'est pas un avoir : la ligne est ignorée.",
                    "Pour un avoir, numérotez-le « AV… » (ou saisissez aussi le HT en négatif) ; sinon saisissez un montant positif.",
                    "invoice.negative")
        return
    if ht is not None:
        if (ht < 0) != (ttc < 0) and ht != 0 and ttc != 0:
            row.problem("amount_ht", "Le HT et le TTC n'ont pas le même signe.",
                        "Saisissez les deux en positif pour une facture, en négatif pour un avoir.",
                        "invoice.sign_mismatch", WARNING)
        elif abs(ttc) < abs(ht):
            row.problem("amount_ttc", f"Montant TTC ({cells.format_euros(ttc)}) inférieur au HT ({cells.format_euros(ht)}).",
                        "Vérifiez que les colonnes HT et TTC ne sont pas inversées : le TTC inclut la TVA.",
                        "invoice.ttc_below_ht", WARNING)
    penalty_rate = _penalty_rate(row)
    discount = row.percent("discount_rate", one_is_whole=False)
    invoices[number] = Invoice(
        number=number, client=client.code, issued=issued, amount_ttc=ttc, amount_ht=ht,
        delivered=row.date("delivered"), terms=row.text("terms") or None, penalty_rate=penalty_rate,
        discount_rate=discount, po_number=row.text("po_number"), dispute=row.text("dispute"),
        promise=row.date("promise"), notice_date=row.date("notice_date"), row=row.number,
        corrects=row.text("corrects") or None, received=row.date("received"),
    )


def _check_corrects(ctx: _Context, invoices: dict[str, Invoice]) -> None:
    """A *Facture d'origine* that cannot be linked is said (``credit_notes.link`` leaves it aside)."""
    from addin.core.credit_notes import link_problem

    for invoice in invoices.values():
        message = link_problem(invoice, invoices.get(invoice.corrects or ""))
        if message is not None:
            ctx.problems.append(Problem(schema.FACTURES.fr, invoice.row, schema.FACTURES.column("corrects").fr,
                                        invoice.corrects, message[:1].upper() + message[1:] + ".",
                                        "Saisissez le n° d'une facture du même client, ou videz la cellule.",
                                        WARNING, "invoice.corrects"))


def _penalty_rate(row: _Row) -> Decimal | None:
    raw = row.raw.get("penalty_rate")
    if is_blank(raw):
        return None
    try:
        from addin.core.penalties import parse_rate
    except ImportError:  # pragma: no cover - the engine ships penalties.py
        return row.percent("penalty_rate", one_is_whole=False)
    try:
        return parse_rate(raw)
    except ValueError as exc:
        message = str(exc)
        row.problem("penalty_rate", message[:1].upper() + message[1:] + " : le taux légal s'applique en attendant.",
                    "Saisissez un taux annuel, par exemple 12 %, ou laissez vide pour le taux légal.",
                    "invoice.penalty_rate", WARNING)
        return None


# --- Paiements ---------------------------------------------------------------------


def _load_payments(ctx: _Context, clients: dict[str, Client], invoices: dict[str, Invoice],
                   seen_numbers: set[str]) -> list[Payment]:
    payments: list[Payment] = []
    cut = _columns(ctx, schema.PAIEMENTS, required=True)
    if cut is None:
        return payments
    n, v, odd = cut.count, cut.values.get, bytearray(cut.count)
    if ctx.by_rows:
        odd = bytearray(b"\x01" * n)
    cut.special(odd)
    paid = columns.dates(v("paid_on"), n, odd, ctx.epoch_1904, required=True)
    amounts = columns.amounts(v("amount"), n, odd, ctx.amounts, required=True)
    numbers = columns.texts(v("invoice"), n, ctx.texts)
    codes = columns.texts(v("client"), n, ctx.texts)
    methods = columns.texts(v("method"), n, ctx.texts)
    references = columns.texts(v("reference"), n, ctx.texts)
    client_of = _ClientOf(clients)
    choices: dict[str, str] = {}
    first = cut.first
    for i in cut.records:
        number, code, amount = numbers[i] or None, codes[i], amounts[i]
        invoice = invoices.get(number) if number else None
        client = None
        if not odd[i] and (invoice is not None or not number) and (code or invoice is not None):
            client = client_of[code or invoice.client]
        # An invoice's client is a client's own code: another code is another client.
        if client is None or amount <= _ZERO or (invoice is not None and invoice.client != client.code):
            _payment_row(ctx, cut.row(i), clients, invoices, seen_numbers, payments)  # a problem to say
            continue
        method = methods[i]
        matched = choices.get(method)
        if matched is None:
            matched = choices[method] = cells.parse_choice(method, schema.PAYMENT_METHODS)[0] or method
        payments.append(new_payment(paid[i], client.code, amount, invoice.number if invoice else None, matched,
                                    references[i], first + i))
    return payments


def _payment_row(ctx: _Context, row: _Row, clients: dict[str, Client], invoices: dict[str, Invoice],
                 seen_numbers: set[str], payments: list[Payment]) -> None:
    """One *Paiements* row, read cell by cell: the payment, or the problems that leave it out."""
    paid_on = row.date("paid_on", required=True)
    amount = row.money("amount", required=True)
    number = row.text("invoice") or None
    code = row.text("client")
    invoice = invoices.get(number) if number else None
    if number and invoice is None:
        if number in seen_numbers:
            row.problem("invoice", f"La facture « {number} » que ce paiement règle a une erreur : le paiement est ignoré.",
                        "Corrigez d'abord la ligne de la facture dans la feuille Factures (voir ses anomalies).",
                        "payment.invoice_in_error")
        else:
            row.problem("invoice", f"N° de facture « {number} » inconnu : le paiement est ignoré.",
                        "Corrigez le numéro (tel qu'écrit dans Factures), ou videz la cellule pour imputer "
                        "le paiement sur la facture échue la plus ancienne.", "payment.invoice_unknown")
    if not code:
        if invoice is not None:
            code = invoice.client
        elif not row.bad:
            row.problem("client", "Code client manquant : le paiement est ignoré.",
                        "Saisissez le code du client qui a payé.", "cell.required")
    if row.bad:
        return
    client = _client_of(row, clients, code)
    if client is None:
        return
    if amount < 0:
        row.problem("amount", f"Paiement négatif ({cells.format_euros(amount)}) : il est ignoré.",
                    "Un paiement se saisit en positif ; un remboursement ou un avoir se saisit dans Factures (n° « AV… »).",
                    "payment.negative")
        return
    if amount == 0:
        row.problem("amount", "Paiement de 0 € : il est ignoré.", "Saisissez le montant reçu, ou supprimez la ligne.",
                    "payment.zero", WARNING)
        return
    if invoice is not None and _fold(invoice.client) != _fold(client.code):
        # Said as the allocation engine does it (Code civil 1342-10): the payer's own open
        # invoices, the oldest due first, never the other client's invoice.
        row.problem("client", f"La facture « {invoice.number} » est au client « {invoice.client} », pas à "
                    f"« {client.code} » : le paiement est imputé sur les factures de « {client.code} », "
                    "la plus ancienne échue d'abord, pas sur cette facture.",
                    f"Si ce paiement règle bien la facture « {invoice.number} », corrigez le code client "
                    f"(« {invoice.client} ») ; sinon corrigez ou videz le n° de facture.",
                    "payment.client_mismatch", WARNING)
    method = text(row.raw.get("method"))
    matched, _ = cells.parse_choice(method, schema.PAYMENT_METHODS)
    payments.append(Payment(
        paid_on=paid_on, client=client.code, amount=amount, invoice=invoice.number if invoice else None,
        method=matched or method, reference=row.text("reference"), row=row.number,
    ))


# --- Échéanciers -------------------------------------------------------------------


def _record(ctx: _Context):
    """What the last refresh wrote (hidden sheet ``_Relance``), to tell its figures from typed ones."""
    from addin.register.record import read_record

    name = schema.find_sheet(ctx.names, schema.RECORD)
    return read_record(ctx.book.read_sheet(name) if name is not None else None)


def _load_plans(ctx: _Context, clients: dict[str, Client], invoices: dict[str, Invoice],
                record=None) -> list[PlanStep]:
    """The plan steps. A ``Montant`` still equal to what the last refresh wrote there (``record``)
    is Relance's, not the user's: read as blank, so it is computed again from the plan."""
    written = record.plan_amounts if record is not None else {}
    steps: list[PlanStep] = []
    table = _table(ctx, schema.ECHEANCIERS, required=False)
    if table is None:
        return steps
    _, _, rows = table
    for row in rows:
        plan = row.text("plan", required=True)
        code = row.text("client", required=True)
        step = row.text("step", required=True)
        if row.bad:
            continue
        client = _client_of(row, clients, code)
        if client is None:
            continue
        total = row.money("total")
        percent = row.percent("percent")
        amount = row.money("amount")
        if amount is not None and "amount" not in row.formulas and written.get((plan, step)) == amount:
            amount = None  # Relance's own figure (see addin.register.record)
        due = row.date("due")
        number = row.text("invoice") or None
        for key, value in (("total", total), ("amount", amount), ("percent", percent)):
            if value is not None and value < 0:
                row.problem(key, "Valeur négative dans un échéancier.", "Saisissez une valeur positive.",
                            "plan.negative")
        if row.bad:
            continue
        if amount is None and percent is None:
            row.problem("amount", "Étape sans montant ni pourcentage.",
                        "Saisissez le montant de l'étape, ou son pourcentage et le montant total du plan.",
                        "plan.no_amount", WARNING)
        elif amount is None and total is None:
            row.problem("total", "Pourcentage sans montant total : le montant de l'étape ne peut pas être calculé.",
                        "Saisissez le montant total du plan.", "plan.no_total", WARNING)
        if number and number not in invoices:
            row.problem("invoice", f"N° de facture « {number} » absent de la feuille Factures.",
                        "Vérifiez le numéro, ou videz la cellule tant que la facture n'est pas émise.",
                        "plan.invoice_unknown", WARNING)
        steps.append(PlanStep(plan=plan, client=client.code, step=step, label=row.text("label"), total=total,
                              percent=percent, amount=amount, due=due, invoice=number, row=row.number,
                              suspends_penalties=bool(row.boolean("suspends_penalties"))))
    return steps


# --- Taux ----------------------------------------------------------------------------


def load_rates(book: Book, base=None):
    """The rate table: ``base`` (default: the shipped table) overridden by the workbook's ``Taux`` sheet.

    Returns ``(RateTable, problems)``; a bad ``Taux`` row is left out with a warning
    (the shipped figure for that half-year still applies).
    """
    from addin.core.rates import RateTable, read_rates_sheet

    table = base if base is not None else RateTable.shipped()
    name = schema.find_sheet(book.sheet_names(), schema.TAUX)
    if name is None:
        return table, []
    data = book.read_sheet(name)
    header_index = None
    for i, row in enumerate(data.rows[:10]):
        words = {schema.normalize(v) for v in row}
        if words & {"annee", "year"} and words & {"semestre", "half", "half year"}:
            header_index = i
            break
    if header_index is None:
        if any(not is_blank(v) for row in data.rows for v in row):
            return table, [Problem(name, None, None, None,
                                   "Feuille Taux sans ligne d'en-têtes (Année, Semestre…) : les taux livrés s'appliquent.",
                                   "Recopiez la feuille Taux du modèle workbook_template.xlsx.", WARNING, "rates.no_header")]
        return table, []
    overrides, errors, implausible = read_rates_sheet(data.rows[header_index], data.rows[header_index + 1:],
                                                      first_row=header_index + 2)
    problems = []
    for message in errors:
        m = re.search(r"ligne (\d+)", message)
        problems.append(Problem(name, int(m[1]) if m else None, None, None, message[:1].upper() + message[1:] + ".",
                                "Corrigez la ligne (taux en %, année, semestre 1 ou 2) ou supprimez-la.",
                                WARNING, "rates.row"))
    try:
        table = table.with_overrides(overrides)
    except ValueError as exc:
        problems.append(Problem(name, None, None, None, str(exc), "Corrigez la feuille Taux.", WARNING, "rates.invalid"))
    if implausible:
        # An implausible rate stops interest for its half-year: no other figure stands in for it.
        table = RateTable(tuple(r for r in table.halves if (r.year, r.half) not in implausible),
                          table.ecb_changes, table.ecb_known_until)
        for message in implausible.values():
            m = re.search(r"ligne (\d+)", message)
            problems.append(Problem(name, int(m[1]) if m else None, None, None, message[:1].upper() + message[1:] + ".",
                                    "Corrigez le taux (en %, ex. « 3,15 % ») ou supprimez la ligne.",
                                    Severity.ERROR, "rates.implausible"))
    return table, problems
