"""Tolerant typed reading of cell values: what a person types, or what Excel stores.

Every parser returns ``(value, problem)``: ``value`` is None when the cell is
empty or unreadable; ``problem`` is None when the cell was read (possibly after
a harmless conversion: a date typed as text, an amount with a euro sign), else a
``model.Problem`` at ``place`` with a French message and its fix.

Rules, in one place:
- Dates: ``date``, ``datetime`` (its calendar date, whatever the time), Excel
  serial numbers (1900 epoch with its fictitious 29/02/1900, or the Mac 1904
  epoch), text ``15/03/2025``, ``15-03-2025``, ``15.03.2025``, ``15/03/25``,
  ``2025-03-15``, ``15 mars 2025``, ``1er mars 2025``, ``15 March 2025``.
  Day first, always (French order). Years outside 1950–2150 are refused.
- Amounts: numbers (floats through ``repr`` then rounded half-up to the cent),
  text with spaces / NBSP / narrow NBSP / apostrophes as thousands separators,
  ``€`` or ``EUR``, a sign or parentheses for a negative. With both ``,`` and
  ``.``, the last one is the decimal mark. With one kind repeated (``1.200.000``)
  it is a thousands separator. A single ``,`` or ``.`` is the decimal mark,
  except when exactly three digits follow it (``1.200``, ``1,200``): no amount
  has three decimals, so it is read as a thousands separator, with a warning.
- Percentages: ``30 %`` → 0.30; a number between -1 and 1 is already a fraction
  (that is how Excel stores a cell formatted as %); a number above 1 and up to
  100 is percentage points (30 → 0.30); anything above 100 is refused. For small
  rates (escompte) a bare 1 is 1 % (``one_is_whole=False``), as in ``core.rates``;
  for a plan's share, 1 is 100 % (Excel's value of a cell showing 100 %).
- Yes/no: Oui/Non, Yes/No, Vrai/Faux, True/False, O/N, Y/N, X (yes), 1/0.
- E-mails: one or several separated by ``;`` or ``,``; kept as ``a@b.fr; c@d.fr``.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from addin.core.model import format_euros, Problem, Severity, cents

_NOTHING = object()


@dataclass(frozen=True)
class Place:
    """Where a cell is, for the problems it raises: real sheet name, 1-based row, the user's column label."""

    sheet: str = ""
    row: int | None = None
    column: str | None = None

    def problem(self, value: object, message: str, fix: str, code: str,
                severity: Severity = Severity.ERROR) -> Problem:
        return Problem(self.sheet, self.row, self.column, value, message, fix, severity, code)


NOWHERE = Place()


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# What trimming would change in a text: whitespace at either end, two in a row, or any
# whitespace but the plain space (a tab, a line break, a non-breaking space). A text with none
# of them is its own trimmed text (most cells of a register: numbers, codes, names).
_UNTRIMMED = re.compile(r"^\s|\s$|\s\s|[^\S ]")


def text(value: object) -> str:
    """A cell as trimmed text: numbers without a spurious ``.0`` (an invoice number typed as 1042)."""
    if value.__class__ is str and _UNTRIMMED.search(value) is None:  # type: ignore[arg-type]
        return value  # type: ignore[return-value]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    return " ".join(str(value).replace("\u00a0", " ").split())


# --- dates -----------------------------------------------------------------------

_EPOCH_1900 = date(1899, 12, 30)  # serial 61 = 1 Mar 1900 once the fictitious 29 Feb 1900 is skipped
_EPOCH_1904 = date(1904, 1, 1)
_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "january": 1,
    "fevrier": 2, "fevr": 2, "fev": 2, "february": 2, "feb": 2,
    "mars": 3, "mar": 3, "march": 3,
    "avril": 4, "avr": 4, "april": 4, "apr": 4,
    "mai": 5, "may": 5,
    "juin": 6, "june": 6, "jun": 6,
    "juillet": 7, "juil": 7, "july": 7, "jul": 7,
    "aout": 8, "august": 8, "aug": 8,
    "septembre": 9, "sept": 9, "sep": 9, "september": 9,
    "octobre": 10, "oct": 10, "october": 10,
    "novembre": 11, "nov": 11, "november": 11,
    "decembre": 12, "dec": 12, "december": 12,
}
_DATE_FIX = "Saisissez la date au format jj/mm/aaaa, par exemple 15/03/2025."
MIN_YEAR, MAX_YEAR = 1950, 2150  # a date outside is a typing accident


def serial_to_date(serial: float, epoch_1904: bool = False) -> date:
    """Excel serial number → date (the time of day is dropped). Raises ValueError when out of range."""
    if isinstance(serial, bool) or not math.isfinite(float(serial)):
        raise ValueError(serial)
    days = int(math.floor(float(serial)))
    if epoch_1904:
        return _EPOCH_1904 + timedelta(days=days)
    if days == 60:
        raise ValueError("29/02/1900 n'existe pas")
    if days < 1:
        raise ValueError(serial)
    return (_EPOCH_1900 + timedelta(days=days)) if days > 60 else (date(1899, 12, 31) + timedelta(days=days))


@functools.lru_cache(maxsize=65536)
def _strip_accents(s: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def _year(y: int, digits: int) -> int:
    return 2000 + y if digits == 2 else y


def _text_date(s: str, epoch_1904: bool) -> date | None:
    s = " ".join(s.replace("\u00a0", " ").replace("\u202f", " ").split())
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", s)
    if m:
        return date(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?", s)
    if m:
        return date(_year(int(m[4]), len(m[4])), int(m[3]), int(m[1]))
    m = re.fullmatch(r"(\d{4})/(\d{1,2})/(\d{1,2})", s)
    if m:
        return date(int(m[1]), int(m[2]), int(m[3]))
    low = _strip_accents(s).casefold()
    m = re.fullmatch(r"(?:[a-z]+\.?,?\s+)?(\d{1,2})(?:er|st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})", low)
    if m and m[2] in _MONTHS:
        return date(int(m[3]), _MONTHS[m[2]], int(m[1]))
    m = re.fullmatch(r"([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", low)
    if m and m[1] in _MONTHS:
        return date(int(m[3]), _MONTHS[m[1]], int(m[2]))
    m = re.fullmatch(r"\d+(?:[.,]\d+)?", s)
    if m:  # a serial number stored as text (a pasted CSV)
        return serial_to_date(float(s.replace(",", ".")), epoch_1904)
    raise ValueError(s)


def parse_date(value: object, place: Place = NOWHERE, *, epoch_1904: bool = False) -> tuple[date | None, Problem | None]:
    """A cell → ``date``; see the module docstring for what is accepted."""
    if is_blank(value):
        return None, None
    try:
        if isinstance(value, datetime):
            d = value.date()
        elif isinstance(value, date):
            d = value
        elif isinstance(value, bool):
            raise ValueError(value)
        elif isinstance(value, (int, float, Decimal)):
            if isinstance(value, int) and 19000101 <= value <= 21991231:  # typed 20250315
                d = date(value // 10000, value // 100 % 100, value % 100)
            else:
                d = serial_to_date(float(value), epoch_1904)
        elif isinstance(value, str):
            d = _text_date(value.strip(), epoch_1904)
        else:
            raise ValueError(value)
    except (ValueError, OverflowError, TypeError):
        return None, place.problem(value, f"Date illisible : « {text(value)} ».", _DATE_FIX, "date.unreadable")
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        return None, place.problem(value, f"Date invraisemblable : {d.strftime('%d/%m/%Y')}.",
                                   _DATE_FIX + " Vérifiez l'année.", "date.out_of_range")
    return d, None


# --- numbers and amounts -----------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007'’]")
_MAX_AMOUNT = Decimal(10) ** 12  # a thousand billion euros: beyond, a typing accident (and Decimal's precision)
_AMOUNT_FIX = "Saisissez un nombre, par exemple 1200,50 (sans texte autour)."


def _number(value: object, money: bool = True) -> tuple[Decimal, bool]:
    """A cell → (Decimal, ambiguous-thousands flag). Raises ValueError when unreadable.

    ``money``: a single separator followed by exactly three digits is a thousands separator.
    """
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return Decimal(value), False
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(value)
        return Decimal(repr(value)), False  # repr: the shortest decimal that round-trips, 2.675 stays 2.675
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(value)
        return value, False
    if not isinstance(value, str):
        raise ValueError(value)
    s = value.strip()
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    s = re.sub(r"(?i)(€|eur(?:os?)?\b)", "", s)
    s = _SPACES.sub("", s)
    if s.startswith(("-", "−", "+")):
        negative ^= s[0] in "-−"
        s = s[1:]
    elif s.endswith("-"):  # accounting exports: "120,00-"
        negative, s = not negative, s[:-1]
    if not re.fullmatch(r"[0-9.,]*[0-9][0-9.,]*", s):
        raise ValueError(value)
    ambiguous = False
    if "," in s and "." in s:
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        thousands = "." if dec == "," else ","
        s = s.replace(thousands, "").replace(dec, ".")
    elif s.count(",") > 1 or s.count(".") > 1:
        sep = "," if "," in s else "."
        if not re.fullmatch(r"\d{1,3}(\%s\d{3})+" % sep, s):
            raise ValueError(value)
        s = s.replace(sep, "")
    elif "," in s or "." in s:
        sep = "," if "," in s else "."
        whole, frac = s.split(sep)
        if money and len(frac) == 3 and whole and whole != "0" and len(whole) <= 3:
            ambiguous = True
            s = whole + frac
        else:
            s = (whole or "0") + "." + frac
    if s.endswith("."):
        s += "0"
    try:
        number = Decimal(s)
    except InvalidOperation as exc:
        raise ValueError(value) from exc
    return (-number if negative else number), ambiguous


def parse_money(value: object, place: Place = NOWHERE) -> tuple[Decimal | None, Problem | None]:
    """A cell → euros as ``Decimal`` rounded half-up to the cent."""
    if is_blank(value):
        return None, None
    try:
        number, ambiguous = _number(value)
    except ValueError:
        return None, place.problem(value, f"Montant illisible : « {text(value)} ».", _AMOUNT_FIX, "amount.unreadable")
    if abs(number) >= _MAX_AMOUNT:
        return None, place.problem(value, f"Montant invraisemblable : « {text(value)} ».", _AMOUNT_FIX,
                                   "amount.out_of_range")
    amount = cents(number)
    if ambiguous:
        return amount, place.problem(
            value, f"« {text(value)} » a été lu comme {format_euros(amount)} (séparateur de milliers).",
            "Si vous vouliez des décimales, écrivez-les avec une virgule et deux chiffres, par exemple 1,20.",
            "amount.ambiguous", Severity.WARNING)
    return amount, None


def parse_int(value: object, place: Place = NOWHERE) -> tuple[int | None, Problem | None]:
    """A cell → whole number (``7``, ``7.0``, ``"7"``, ``"-10"``)."""
    if is_blank(value):
        return None, None
    try:
        number, ambiguous = _number(value, money=False)
        if number != number.to_integral_value():
            raise ValueError(value)
        return int(number), None
    except ValueError:
        return None, place.problem(value, f"Nombre entier attendu : « {text(value)} ».",
                                   "Saisissez un nombre entier, par exemple 30.", "int.unreadable")


def parse_percent(value: object, place: Place = NOWHERE, *, one_is_whole: bool = True
                  ) -> tuple[Decimal | None, Problem | None]:
    """A cell → fraction (0.30 for 30 %). See the module docstring for the rule.

    ``one_is_whole=False`` for small rates (escompte): a bare 1 is then 1 %, not 100 %.
    """
    if is_blank(value):
        return None, None
    fix = "Saisissez un pourcentage, par exemple 12 % ou 0,12."
    try:
        if isinstance(value, str) and "%" in value:
            number, _ = _number(value.replace("%", ""), money=False)
            fraction = number / 100
        else:
            number, _ = _number(value, money=False)
            limit = 1 if one_is_whole else Decimal("0.999999")
            fraction = number if abs(number) <= limit else number / 100
    except ValueError:
        return None, place.problem(value, f"Pourcentage illisible : « {text(value)} ».", fix, "percent.unreadable")
    if abs(fraction) > 1:
        return None, place.problem(value, f"Pourcentage supérieur à 100 % : « {text(value)} ».", fix, "percent.out_of_range")
    return fraction.normalize() if fraction != 0 else Decimal("0"), None


_YES = {"oui", "o", "yes", "y", "x", "vrai", "true", "1", "suspendu", "suspendue", "✓", "✔"}
_NO = {"non", "n", "no", "faux", "false", "0", "-"}


def parse_bool(value: object, place: Place = NOWHERE) -> tuple[bool | None, Problem | None]:
    """A cell → True/False; empty → None."""
    if is_blank(value):
        return None, None
    if isinstance(value, bool):
        return value, None
    if isinstance(value, (int, float, Decimal)) and value in (0, 1):
        return bool(value), None
    key = _strip_accents(str(value)).strip().casefold()
    if key in _YES:
        return True, None
    if key in _NO:
        return False, None
    return None, place.problem(value, f"Oui ou Non attendu : « {text(value)} ».", "Saisissez Oui ou Non (ou laissez vide pour Non).",
                               "bool.unreadable")


@functools.lru_cache(maxsize=65536)
def _choice_key(s: str) -> str:
    return _strip_accents(s).casefold().replace(" ", "").replace("-", "").replace("_", "")


@functools.lru_cache(maxsize=256)
def _choice_index(choices: tuple[str, ...]) -> dict[str, str]:
    index: dict[str, str] = {}
    for choice in choices:
        index.setdefault(_choice_key(choice), choice)
    return index


def parse_choice(value: object, choices: tuple[str, ...], place: Place = NOWHERE) -> tuple[str | None, Problem | None]:
    """A cell → the matching choice as spelled in ``choices`` (case and accents ignored)."""
    if is_blank(value):
        return None, None
    found = _choice_index(tuple(choices)).get(_choice_key(text(value)))
    if found is not None:
        return found, None
    return None, place.problem(value, f"Valeur inconnue : « {text(value)} ».",
                               "Choisissez parmi : " + ", ".join(choices) + ".", "choice.unknown")


def parse_client_type(value: object, place: Place = NOWHERE):
    """A cell → ``model.ClientType`` (empty: None, the caller's default)."""
    from addin.core.model import ClientType

    if is_blank(value):
        return None, None
    try:
        return ClientType.parse(text(value)), None
    except ValueError as exc:
        return None, place.problem(value, str(exc)[0].upper() + str(exc)[1:] + ".",
                                   "Choisissez Professionnel, Administration ou Particulier.", "client_type.unknown")


_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")


def parse_emails(value: object, place: Place = NOWHERE) -> tuple[str, Problem | None]:
    """A cell → the valid addresses joined by ``"; "`` (duplicates removed); a problem names the rejected ones."""
    if value.__class__ is str and _EMAIL.fullmatch(value):  # one clean address (most cells): itself
        return value, None
    if is_blank(value):
        return "", None
    raw = str(value).replace("\u00a0", " ")
    valid: list[str] = []
    rejected: list[str] = []
    for part in re.split(r"[;,\n]", raw):
        candidate = part.strip().strip("<>").removeprefix("mailto:")
        if not candidate:
            continue
        if _EMAIL.fullmatch(candidate):
            if candidate.lower() not in {v.lower() for v in valid}:
                valid.append(candidate)
        else:
            rejected.append(candidate)
    problem = None
    if rejected:
        problem = place.problem(
            value, "Adresse e-mail invalide : " + ", ".join(f"« {r} »" for r in rejected) + ".",
            "Écrivez des adresses complètes (nom@domaine.fr), séparées par « ; ».", "email.invalid",
            Severity.WARNING if valid else Severity.ERROR)
    return "; ".join(valid), problem


