"""The accountant's copy: a values-only workbook anyone can open, with nothing private in it.

Built as a NEW workbook written cell by cell from the register's values, which is
the simplest way to be sure nothing leaks:
- every formula is replaced by its last computed value (a formula never computed
  is left blank and counted in the summary); no macro, no external link, no
  defined name, no data connection can come along;
- ``Paramètres`` loses the SMTP settings (server, port, user, security) and every row
  whose key looks like a secret: a password, token, secret, API key, credential or any
  "key"/"clé" (see ``is_secret``). The IBAN, BIC and RIB stay: they are printed on every
  invoice. The rule is on the key, so a secret typed under an innocent key is not caught;
  the *Paramètres* help says never to type one there;
- sheets whose name starts with ``_`` (the review's memory) or ends with ``.conf`` (an
  add-in's settings) are left out, and so is any other hidden sheet; Relance's own
  sheets (Clients, Factures, Paiements...) are kept even when hidden, and shown;
- a sheet ``Intérêts (détail)`` gives the interest breakdown of every invoice
  (period, days, base, rate, source), so each amount can be checked by hand.
Number formats, column widths, bold headers and frozen panes are kept; the review's
chart is kept (a chart is values, not code) when every range it reads is in a kept
sheet. The same inputs give the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Mapping, Sequence

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from addin.core.model import InvoiceState
from addin.files import atomic_write
from addin.register import schema

DETAIL_SHEET = "Intérêts (détail)"
_SECRET_SETTINGS = {"smtp_host", "smtp_port", "smtp_user", "smtp_security"}
_HEADER_FILL = PatternFill("solid", start_color="FFDDEBF7", end_color="FFDDEBF7")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    summary: str
    blank_formulas: int
    removed_settings: tuple[str, ...]
    blanked_cells: tuple[str, ...] = ()  # "Sheet!B3": secrets blanked outside Paramètres
    dropped_sheets: tuple[str, ...] = ()  # sheets not copied (hidden, settings, named like a secret)
    as_of: date | None = None  # the date every figure of the copy is computed at
    recomputed: int = 0  # cells of Factures whose value changed when recomputed at ``as_of``


@dataclass(frozen=True)
class Cover:
    """What the « À lire » sheet states: where the copy comes from and at which date."""

    book: str  # the register's file name
    made_on: date
    as_of: date
    origin: str  # why that date


@dataclass(frozen=True)
class Copy:
    """The accountant's copy and what was left out of it."""

    data: bytes
    blank_formulas: int
    removed_settings: tuple[str, ...]
    blanked_cells: tuple[str, ...]
    dropped_sheets: tuple[str, ...]
    recomputed: int = 0


_OWN_SHEETS = tuple(schema.SHEETS)
# Words that name a secret whatever comes with them (matched on schema.normalize: no case,
# no accents, punctuation turned into spaces, so "SMTP_PASSWORD" reads "smtp password").
_STRONG = (r"pass|passe|passes|password|passwords|passwort|passwd|passphrase|passcode|"
           r"mots? ?de ?passe|motdepasse|mdp|pwd|psw|secrets?|secrete|tokens?|jetons?|"
           r"api ?keys?|apikeys?|cles? d? ?api|pin|code pin|nip|codes? d? ?acces|credentials?|"
           r"oauth|bearer|otp|2fa|totp|private key|cle privee|cle secrete")
_STRONG_WORD = re.compile(rf"\b({_STRONG})\d*\b")
# Words that name a credential unless the key is about bank details or a public identifier.
_WEAK_WORD = re.compile(r"\b(keys?|cles?|clef|identifiants?|logins?|logon|utilisateur|user|username|"
                        r"acces|access|session|cookie|dsn|private|prive|privee|privees|prives)\d*\b")
_PUBLIC = re.compile(r"\b(iban|bic|rib|swift|tva|vat|siren|siret|rcs|naf|ape|eori|ics|creancier|"
                     r"intracommunautaire|fiscal)\b")
# "mot de passe : x", "mdp=x" inside a longer text (normalised, but keeping ":" and "=").
_INLINE = re.compile(rf"(?:^| )({_STRONG})\d*[^:=]{{0,20}}[:=] ?[^ ]")
_LABEL_WORDS = 6  # a label is short: a longer text is a sentence, judged by _INLINE only


def _excluded(ws, own: set[str]) -> bool:
    title = ws.title.lower()
    if title.startswith("_") or title.endswith(".conf"):
        return True
    if ws.title not in own and is_secret_label(ws.title):
        return True
    return ws.sheet_state != "visible" and ws.title not in own


def is_secret(key: object) -> bool:
    """True for a ``Paramètres`` key (or any label) the accountant's copy must not carry.

    A setting Relance knows is secret only when it is an SMTP one (server, port, user,
    security). Any other key is secret when it reads like a password, a PIN, an access
    code, a token, a secret, an API key or a credential (``_STRONG``), or when it names a
    key, a login, a user or an access (``_WEAK``) that is not about bank details (IBAN,
    BIC, RIB, SWIFT: printed on every invoice) or a public identifier (VAT, SIREN...).
    """
    column = schema.match_setting(key)
    if column is not None:
        return column.key in _SECRET_SETTINGS
    text = schema.normalize(key)
    if not text:
        return False
    if "smtp" in text or schema.PASSWORD_KEY.search(text) or _STRONG_WORD.search(text):
        return True
    return bool(_WEAK_WORD.search(text)) and not _PUBLIC.search(text)


def is_secret_label(value: object) -> bool:
    """A short text (``Mot de passe``, ``Code PIN :``) naming a secret: the cells it labels are blanked."""
    if not isinstance(value, str):
        return False
    text = value.strip().rstrip(":= ").strip()
    if not text or ":" in text or "=" in text or len(text.split()) > _LABEL_WORDS:
        return False
    return is_secret(text)


def has_inline_secret(value: object) -> bool:
    """A text holding a secret after its label: ``Note : mdp = x``, ``Mot de passe: x``."""
    if not isinstance(value, str):
        return False
    text = re.sub(r"[^0-9a-z:=]+", " ", schema._strip_accents(value).casefold())
    return bool(_INLINE.search(text))


def secret_cells(rows: Sequence[Sequence[object]], header_row: int | None = None,
                 known: Sequence[int] = ()) -> set[tuple[int, int]]:
    """The 1-based (row, column) cells to blank in a sheet's values.

    ``header_row`` set (one of Relance's tables): a user's column whose header is a secret
    label loses every value below the header (the columns in ``known`` are Relance's and
    never secret), and a data cell is blanked only when it holds a secret after its label.
    Otherwise (a sheet of the user's): a secret label blanks the values to its right on
    its row and the values below it in its column down to the first empty cell, which
    covers a key/value row, a label above its value and a table's header alike; a text
    holding a secret after its label is blanked too. Judged on the values as read, so
    blanking one cell never hides or reveals another label.
    """
    out: set[tuple[int, int]] = set()

    def filled(r: int, c: int) -> bool:
        return r <= len(rows) and c <= len(rows[r - 1]) and rows[r - 1][c - 1] not in (None, "")

    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value in (None, ""):
                continue
            if header_row is not None and r == header_row:
                if c not in known and is_secret_label(value):
                    out.update((below, c) for below in range(r + 1, len(rows) + 1) if filled(below, c))
                continue
            if has_inline_secret(value):
                out.add((r, c))
            if header_row is not None or not is_secret_label(value):
                continue
            out.update((r, right) for right in range(c + 1, len(row) + 1) if filled(r, right))
            below = r + 1
            while filled(below, c):
                out.add((below, c))
                below += 1
    return out


def _chart_sheets(chart) -> set[str]:
    """The sheet names a chart reads its data from."""
    from openpyxl.chart.reference import Reference  # noqa: F401  (the refs are plain strings)

    names = set()
    for series in getattr(chart, "series", []):
        for ref in (series.val and series.val.numRef, series.cat and (series.cat.numRef or series.cat.strRef),
                    series.tx and series.tx.strRef):
            formula = getattr(ref, "f", None)
            if formula:
                names.update(m.group(1) or m.group(2) for m in re.finditer(r"'((?:[^']|'')+)'!|([^'!(),\s]+)!", formula))
    return {n.replace("''", "'") for n in names}


def build(book_path: Path, states: Sequence[InvoiceState], *, today: date, as_of: date | None = None,
          cover: Cover | None = None,
          figures: Mapping[str, Mapping[tuple[int, int], tuple[object, str]]] | None = None) -> Copy:
    """The copy's bytes and what was left out: formulas never computed, settings, cells, sheets.

    ``states`` are computed at ``as_of`` (default ``today``), the date of the interest
    detail; ``figures`` gives, per sheet, the (row, column) cells to write instead of the
    register's value, with their column kind: Factures' computed figures at ``as_of``, so
    that the copy agrees with its own interest detail. ``cover`` adds the « À lire » sheet.
    """
    from addin.books.base import SheetData
    from addin.books.file import _set, workbook_bytes

    values = openpyxl.load_workbook(book_path, data_only=True)
    formulas = openpyxl.load_workbook(book_path, data_only=False)
    out = openpyxl.Workbook()
    out.remove(out.active)
    as_of = as_of or today
    figures = figures or {}
    recomputed = 0
    blank = 0
    removed: list[str] = []
    blanked: list[str] = []
    settings_name = schema.find_sheet(values.sheetnames, schema.PARAMETRES)
    own = {name: sheet for sheet in _OWN_SHEETS if (name := schema.find_sheet(values.sheetnames, sheet))}
    kept = {ws.title for ws in values.worksheets if not _excluded(ws, set(own))}
    dropped = tuple(ws.title for ws in values.worksheets if ws.title not in kept)
    for ws in values.worksheets:
        if ws.title not in kept:
            continue
        target = out.create_sheet(ws.title)
        source_formulas = formulas[ws.title]
        skip_rows: set[int] = set()
        if ws.title == settings_name:
            for row in ws.iter_rows(min_row=1):
                key = row[0].value
                if key is not None and is_secret(key):
                    skip_rows.add(row[0].row)
                    removed.append(str(key))
        skip_cells = _secrets_of(ws, own.get(ws.title), SheetData)
        blanked += [f"{ws.title}!{get_column_letter(c)}{r}" for r, c in sorted(skip_cells) if r not in skip_rows]
        shift = 0
        for row in ws.iter_rows():
            r = row[0].row
            if r in skip_rows:
                shift += 1
                continue
            for cell in row:
                if (r, cell.column) in skip_cells:
                    continue
                if cell.value is None:
                    if source_formulas.cell(r, cell.column).data_type == "f":
                        blank += 1
                    continue
                new = target.cell(r - shift, cell.column)
                _set(new, cell.value)
                new.number_format = cell.number_format
                if cell.font is not None and cell.font.b:
                    new.font = Font(bold=True)
                if cell.fill is not None and cell.fill.fgColor is not None and cell.fill.fill_type == "solid":
                    new.fill = PatternFill("solid", start_color=cell.fill.fgColor, end_color=cell.fill.fgColor)
        for (r, c), (value, kind) in sorted(figures.get(ws.title, {}).items()):
            if r in skip_rows or (r, c) in skip_cells:
                continue
            source = ws.cell(r, c)
            if _same(source.value, value):
                continue
            recomputed += 1
            new = target.cell(r - sum(1 for k in skip_rows if k < r), c)
            new.value = None
            if value is not None:
                _set(new, value)
                new.number_format = _format_of(source.number_format, kind, value)
        for letter, dim in ws.column_dimensions.items():
            if dim.width:
                target.column_dimensions[letter].width = dim.width
        target.freeze_panes = ws.freeze_panes
        _printable_like(target, ws)
        for chart in getattr(ws, "_charts", []):  # the review's chart: values, not code
            if _chart_sheets(chart) <= kept:
                target.add_chart(chart)
    _interest_detail(out.create_sheet(DETAIL_SHEET), states, as_of)
    if cover is not None:
        _cover(out.create_sheet("À lire", 0), cover, values, recomputed, blank, len(removed), len(blanked), dropped)
    props = out.properties
    props.creator = props.lastModifiedBy = "Relance"
    props.title = "Copie pour le comptable (valeurs seules)"
    props.created = props.modified = datetime(today.year, today.month, today.day)
    return Copy(workbook_bytes(out), blank, tuple(removed), tuple(blanked), dropped, recomputed)


def _printable_like(target, source) -> None:
    """The copy prints as the register does: orientation, paper, fit to the page's width."""
    target.page_setup.orientation = source.page_setup.orientation
    target.page_setup.paperSize = source.page_setup.paperSize
    target.page_setup.fitToWidth = source.page_setup.fitToWidth
    target.page_setup.fitToHeight = source.page_setup.fitToHeight
    target.sheet_properties.pageSetUpPr.fitToPage = bool(source.sheet_properties.pageSetUpPr
                                                         and source.sheet_properties.pageSetUpPr.fitToPage)


def _same(copied: object, computed: object) -> bool:
    """Whether a register's value already is the recomputed one (a float read back, a datetime)."""
    if copied in (None, "") and computed in (None, ""):
        return True
    if isinstance(computed, Decimal) or (isinstance(computed, int) and not isinstance(computed, bool)):
        try:
            return Decimal(str(copied)).quantize(Decimal("0.01")) == Decimal(computed).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError, TypeError):
            return False
    if isinstance(computed, date):
        return isinstance(copied, date) and (copied.date() if isinstance(copied, datetime) else copied) == computed
    return copied == computed


def _format_of(current: str, kind: str, value: object) -> str:
    """The number format of a recomputed cell: the register's, unless it had none (General)."""
    from addin.books.base import NUMBER_FORMATS

    if current and current != "General":
        return current
    fmt = {"date": "date", "money": "money", "int": "int", "percent": "percent"}.get(kind)
    return NUMBER_FORMATS[fmt] if fmt else current


def _cover(ws, cover: Cover, values, recomputed: int, blank: int, removed: int, blanked: int,
           dropped: Sequence[str]) -> None:
    """« À lire »: where the copy comes from, the date of its figures, what was left out (counts only)."""
    from addin.books.file import _set

    revue = schema.find_sheet(values.sheetnames, schema.REVUE)
    review_title = str(values[revue]["A1"].value or "") if revue else ""
    if not re.search(r"\d{2}/\d{2}/\d{4}", review_title):  # the template's placeholder: never run
        review_title = ""
    lines = [
        ("Copie pour le comptable (valeurs seules)", None, None),
        (None, None, None),
        ("Registre", cover.book, None),
        ("Copie faite le", cover.made_on, None),
        ("Chiffres calculés au", cover.as_of, f"Factures et Intérêts (détail) : {cover.origin}"),
        ("Revue", review_title or "pas encore faite", "la revue mensuelle garde sa propre date (fin du mois revu)"),
        ("Factures recalculées", recomputed, "cellules dont la valeur du registre a changé depuis son dernier calcul"),
        ("Formules sans valeur", blank, "formules jamais calculées, laissées vides"),
        ("Paramètres retirés", removed, "réglages SMTP et secrets"),
        ("Cellules vidées", blanked, "secrets trouvés dans les autres feuilles"),
        ("Feuilles non copiées", len(dropped), "masquées, de réglages du complément ou nommées comme un secret"),
    ]
    formats = {date: "dd/mm/yyyy", int: "0"}
    for r, line in enumerate(lines, start=1):
        for c, value in enumerate(line, start=1):
            if value is None:
                continue
            cell = ws.cell(r, c)
            _set(cell, value)
            fmt = formats.get(type(value))
            if fmt:
                cell.number_format = fmt
                cell.alignment = Alignment(horizontal="left")
            if c == 1:
                cell.font = Font(bold=True)
    for letter, width in zip("ABC", (26, 44, 70)):
        ws.column_dimensions[letter].width = width


def _secrets_of(ws, sheet: schema.Sheet | None, sheet_data) -> set[tuple[int, int]]:
    """The cells of ``ws`` to blank: see ``secret_cells``. Relance's generated sheets are its
    own words (none); its tables are judged by their header; the user's sheets cell by cell."""
    if sheet is not None and sheet.kind == "generated":
        return set()
    rows = tuple(ws.iter_rows(values_only=True))
    if sheet is None or not sheet.columns or sheet.kind == "settings":
        return secret_cells(rows) if sheet is None else {
            (r, c) for r, c in secret_cells(rows, header_row=0) if c > 1}  # Paramètres: inline only
    header = schema.locate_header(sheet_data(ws.title, rows), sheet)
    if header.row is None:
        return secret_cells(rows)
    return secret_cells(rows, header.row, tuple(header.columns.values()))


def _interest_detail(ws, states: Sequence[InvoiceState], as_of: date) -> None:
    headers = ("N° facture", "Code client", "Échéance", "Du", "Au", "Jours", "Base TTC", "Taux annuel",
               "Source du taux", "Intérêts", "Total facture", "Indemnité")
    from addin.books.file import _set

    ws.append([f"Intérêts de retard au {as_of:%d/%m/%Y} : détail par période (base × taux × jours / 365)"])
    ws["A1"].font = Font(bold=True)
    for j, header in enumerate(headers, start=1):
        cell = ws.cell(2, j, header)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    formats = ("@", "@", "dd/mm/yyyy", "dd/mm/yyyy", "dd/mm/yyyy", "0", '#,##0.00 "€"', "0.00 %", "@",
               '#,##0.00 "€"', '#,##0.00 "€"', '#,##0.00 "€"')
    row = 3
    for state in states:
        for k, p in enumerate(state.periods):
            last = k == len(state.periods) - 1
            values = (state.invoice.number, state.invoice.client, state.due, p.start, p.end, p.days, p.base, p.rate,
                      p.rate_source, p.amount.quantize(p.amount.__class__("0.0001")),
                      state.interest if last else None, state.indemnity if last else None)
            for j, (value, fmt) in enumerate(zip(values, formats), start=1):
                if value is None:
                    continue
                cell = ws.cell(row, j)
                _set(cell, value)
                cell.number_format = fmt
            row += 1
    for letter, width in zip("ABCDEFGHIJKL", (14, 12, 12, 12, 12, 8, 14, 11, 44, 12, 14, 12)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A3"


def write(data: bytes, out: Path) -> None:
    """Atomically: a temporary file in the same folder, then replace."""
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, data)
