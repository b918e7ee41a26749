"""The rate tables behind French late interest, shipped with their sources.

Two tables (LAW.md §6):

* ``ECB_MRO_CHANGES`` — every change of the ECB main refinancing operations
  (MRO) rate since 2008, with its effective date. Source: Banque de France /
  ECB key interest rates series.
* ``SHIPPED_HALVES`` — one row per half-year, 2015 H1 to 2026 H2: the ECB
  reference rate (the MRO rate in force on 1 January / 1 July, C. com.
  L441-10 II), and the legal interest rate for an individual creditor and for
  "all other cases" (semi-annual arrêtés of the Ministry of the Economy,
  C. mon. fin. L313-2). The B2B default rate (reference + 10 points), the
  public-buyer rate (+ 8 points, CCP R2192-31) and the contractual floor
  (3 × legal rate "other cases") are *derived*, never stored.

Honesty about the figures: they were copied from the project's legal brief
(LAW.md) on ``CHECKED_ON``; they were not re-read from Banque de France or
Légifrance by this module's author. The 2026 H2 row and the 2026-06-17 /
2026-09-16 ECB changes were reported but not verified: they carry
``verified=False``, show « Non » in the ``Taux`` sheet and every interest
computed with them says so.

The workbook's ``Taux`` sheet overrides or extends the shipped rows
(``sheet_rows`` writes it, ``rows_from_sheet`` reads it back,
``RateTable.with_overrides`` merges). A half-year nobody knows raises
``MissingRate``: Relance never guesses a rate.

Rates are annual fractions (``Decimal("0.1315")`` is 13.15 %).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Iterable, NamedTuple, Sequence

from addin.core.dates import half_year

CHECKED_ON = date(2026, 11, 23)  # the day these figures were taken from LAW.md

ECB_SOURCE = "Banque de France / BCE, taux des opérations principales de refinancement"
LEGAL_SOURCE = "arrêtés semestriels fixant le taux de l'intérêt légal (C. mon. fin. L313-2)"
SHIPPED_SOURCE = f"{ECB_SOURCE} ; {LEGAL_SOURCE} — repris du dossier LAW.md le {CHECKED_ON.isoformat()}"
UNVERIFIED_SOURCE = SHIPPED_SOURCE + " — NON VÉRIFIÉ, à confirmer"

PENALTY_MARGIN = Decimal("0.10")  # C. com. L441-10 II: reference rate + 10 points
PUBLIC_MARGIN = Decimal("0.08")  # CCP R2192-31: reference rate + 8 points
FLOOR_MULTIPLE = Decimal(3)  # C. com. L441-10 II: never below 3 × the legal interest rate

_HUNDRED = Decimal(100)

# No ECB or legal interest rate has come near this (LAW.md §6: at most 8.16 %); above it, a
# figure was typed in the wrong unit (« 0,5 » for 0.5 % reads as a fraction: 50 %).
REFERENCE_RATE_MAX = Decimal("0.25")


def percent_text(rate: Decimal) -> str:
    """0.5 → « 50 % », 1.825 → « 182,5 % »: a rate in a message, as few decimals as it needs."""
    value = (rate * _HUNDRED).normalize()
    return f"{value:f}".replace(".", ",") + " %"


class EcbChange(NamedTuple):
    """One change of the ECB MRO rate: in force from ``effective`` (inclusive)."""

    effective: date
    percent: Decimal  # in percent, as the ECB publishes it: Decimal("2.15")
    verified: bool = True


def _changes(*rows: tuple) -> tuple[EcbChange, ...]:
    return tuple(EcbChange(date.fromisoformat(d), Decimal(p), *rest) for d, p, *rest in rows)


# Source: Banque de France / ECB; copied from LAW.md §6 on CHECKED_ON.
ECB_MRO_CHANGES: tuple[EcbChange, ...] = _changes(
    ("2008-07-09", "4.25"), ("2008-10-15", "3.75"), ("2008-11-12", "3.25"), ("2008-12-10", "2.50"),
    ("2009-01-21", "2.00"), ("2009-03-11", "1.50"), ("2009-04-08", "1.25"), ("2009-05-13", "1.00"),
    ("2011-04-13", "1.25"), ("2011-07-13", "1.50"), ("2011-11-09", "1.25"), ("2011-12-14", "1.00"),
    ("2012-07-11", "0.75"), ("2013-05-08", "0.50"), ("2013-11-13", "0.25"), ("2014-06-11", "0.15"),
    ("2014-09-10", "0.05"), ("2016-03-16", "0.00"),
    ("2022-07-27", "0.50"), ("2022-09-14", "1.25"), ("2022-11-02", "2.00"), ("2022-12-21", "2.50"),
    ("2023-02-08", "3.00"), ("2023-03-22", "3.50"), ("2023-05-10", "3.75"), ("2023-06-21", "4.00"),
    ("2023-08-02", "4.25"), ("2023-09-20", "4.50"),
    ("2024-06-12", "4.25"), ("2024-09-18", "3.65"), ("2024-10-23", "3.40"), ("2024-12-18", "3.15"),
    ("2025-02-05", "2.90"), ("2025-03-12", "2.65"), ("2025-04-23", "2.40"), ("2025-06-11", "2.15"),
    # Reported, not verified against the ECB (LAW.md §6).
    ("2026-06-17", "2.40", False), ("2026-09-16", "2.65", False),
)


@dataclass(frozen=True)
class HalfYearRates:
    """The rates of one half-year (``half`` 1: January-June, 2: July-December).

    ``ecb`` is the MRO rate in force on the half's first day (C. com. L441-10 II);
    ``legal_individual`` / ``legal_other`` the legal interest rates of the
    semi-annual arrêté. All annual fractions.
    """

    year: int
    half: int
    ecb: Decimal
    legal_individual: Decimal
    legal_other: Decimal
    verified: bool
    source: str

    @property
    def label(self) -> str:
        return f"{self.year} S{self.half}"

    @property
    def default_penalty(self) -> Decimal:
        """B2B default rate: reference + 10 points (C. com. L441-10 II)."""
        return self.ecb + PENALTY_MARGIN

    @property
    def public(self) -> Decimal:
        """Public buyers' moratory rate: reference + 8 points (CCP R2192-31)."""
        return self.ecb + PUBLIC_MARGIN

    @property
    def floor(self) -> Decimal:
        """Lowest lawful contractual rate: 3 × legal rate "other cases" (C. com. L441-10 II)."""
        return FLOOR_MULTIPLE * self.legal_other


def _pct(text: str) -> Decimal:
    return Decimal(text) / _HUNDRED


def _halves(*rows: tuple) -> tuple[HalfYearRates, ...]:
    result = []
    for year, half, ecb, individual, other, *rest in rows:
        verified = rest[0] if rest else True
        result.append(HalfYearRates(
            year, half, _pct(ecb), _pct(individual), _pct(other), verified,
            SHIPPED_SOURCE if verified else UNVERIFIED_SOURCE,
        ))
    return tuple(result)


# (year, half, ECB %, legal individual %, legal other %): LAW.md §6, copied on CHECKED_ON.
SHIPPED_HALVES: tuple[HalfYearRates, ...] = _halves(
    (2015, 1, "0.05", "4.06", "0.93"), (2015, 2, "0.05", "4.29", "0.99"),
    (2016, 1, "0.05", "4.54", "1.01"), (2016, 2, "0.00", "4.35", "0.93"),
    (2017, 1, "0.00", "4.16", "0.90"), (2017, 2, "0.00", "3.94", "0.90"),
    (2018, 1, "0.00", "3.73", "0.89"), (2018, 2, "0.00", "3.60", "0.88"),
    (2019, 1, "0.00", "3.40", "0.86"), (2019, 2, "0.00", "3.26", "0.87"),
    (2020, 1, "0.00", "3.15", "0.87"), (2020, 2, "0.00", "3.11", "0.84"),
    (2021, 1, "0.00", "3.14", "0.79"), (2021, 2, "0.00", "3.12", "0.76"),
    (2022, 1, "0.00", "3.13", "0.76"), (2022, 2, "0.00", "3.15", "0.77"),
    (2023, 1, "2.50", "4.47", "2.06"), (2023, 2, "4.00", "6.82", "4.22"),
    (2024, 1, "4.50", "8.01", "5.07"), (2024, 2, "4.25", "8.16", "4.92"),
    (2025, 1, "3.15", "7.21", "3.71"), (2025, 2, "2.15", "6.65", "2.76"),
    (2026, 1, "2.15", "6.67", "2.62"),
    (2026, 2, "2.40", "6.84", "2.75", False),  # reported, not verified (LAW.md §6)
)


def half_label(year: int, half: int) -> str:
    """« 1er semestre 2027 » / « 2e semestre 2027 »."""
    return f"{'1er' if half == 1 else '2e'} semestre {year}"


class MissingRate(ValueError):
    """No rate known for a half-year: the user must complete the ``Taux`` sheet (LAW.md §6)."""

    def __init__(self, year: int, half: int, message: str | None = None):
        self.year = year
        self.half = half
        super().__init__(message or (
            f"Taux inconnu pour le {half_label(year, half)} : complétez la feuille Taux "
            "(taux BCE au 1er janvier et taux de l'intérêt légal)."
            if half == 1 else
            f"Taux inconnu pour le {half_label(year, half)} : complétez la feuille Taux "
            "(taux BCE au 1er juillet et taux de l'intérêt légal)."
        ))


@dataclass(frozen=True)
class RateTable:
    """The half-year rates and the ECB change history Relance computes with.

    ``ecb_known_until`` is the last day the change history is known to be
    complete: after it, the ECB may have moved, so ``ecb_rate_on`` refuses
    rather than carry the last rate forward silently.
    """

    halves: tuple[HalfYearRates, ...]
    ecb_changes: tuple[EcbChange, ...] = ECB_MRO_CHANGES
    ecb_known_until: date = CHECKED_ON
    _index: dict = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self):
        ordered = tuple(sorted(self.halves, key=lambda r: (r.year, r.half)))
        object.__setattr__(self, "halves", ordered)
        object.__setattr__(self, "ecb_changes", tuple(sorted(self.ecb_changes)))
        object.__setattr__(self, "_index", {(r.year, r.half): r for r in ordered})

    @classmethod
    def shipped(cls) -> "RateTable":
        """The tables shipped with Relance (see the module docstring for their status)."""
        return cls(SHIPPED_HALVES)

    def with_overrides(self, rows: Iterable[HalfYearRates]) -> "RateTable":
        """A new table where each row replaces the same half-year, or adds a new one."""
        merged = dict(self._index)
        for row in rows:
            merged[(row.year, row.half)] = row
        return RateTable(tuple(merged.values()), self.ecb_changes, self.ecb_known_until)

    def get(self, year: int, half: int) -> HalfYearRates:
        """The row of a half-year; raises ``MissingRate`` when the table does not know it."""
        try:
            return self._index[(year, half)]
        except KeyError:
            raise MissingRate(year, half) from None

    def row_for(self, d: date) -> HalfYearRates:
        return self.get(*half_year(d))

    def reference_rate(self, year: int, half: int) -> Decimal:
        """ECB MRO rate in force on 1 January (half 1) / 1 July (half 2) (C. com. L441-10 II)."""
        return self.get(year, half).ecb

    def ecb_rate_on(self, d: date) -> Decimal:
        """The ECB MRO rate in force on ``d``, from the change history (a fraction).

        Raises ``MissingRate`` before the first known change and after
        ``ecb_known_until`` (a change may have happened since the history was
        checked). Interest never uses this: it uses the half-year table, which
        the ``Taux`` sheet can extend.
        """
        if d > self.ecb_known_until or not self.ecb_changes or d < self.ecb_changes[0].effective:
            year, half = half_year(d)
            raise MissingRate(year, half, (
                f"Taux BCE inconnu au {d.strftime('%d/%m/%Y')} : l'historique livré s'arrête au "
                f"{self.ecb_known_until.strftime('%d/%m/%Y')}. Complétez la feuille Taux."
            ))
        current = self.ecb_changes[0]
        for change in self.ecb_changes:
            if change.effective > d:
                break
            current = change
        return current.percent / _HUNDRED

    def default_penalty_rate(self, d: date) -> Decimal:
        """B2B default late-payment rate on ``d``: reference of d's half + 10 points (L441-10 II)."""
        return self.row_for(d).default_penalty

    def public_rate(self, d: date) -> Decimal:
        """Public buyers' moratory rate for interest starting on ``d``: reference + 8 pts (R2192-31)."""
        return self.row_for(d).public

    def legal_rate(self, d: date, category: str = "other") -> Decimal:
        """Legal interest rate of d's half: "individual" creditor or "other" cases (L313-2 CMF)."""
        row = self.row_for(d)
        if category == "other":
            return row.legal_other
        if category == "individual":
            return row.legal_individual
        raise ValueError(f"catégorie de taux légal inconnue « {category} » : attendu other ou individual")

    def floor(self, d: date) -> Decimal:
        """Lowest lawful contractual rate on ``d``: 3 × legal rate "other cases" (L441-10 II)."""
        return self.row_for(d).floor

    def sheet_rows(self) -> tuple[tuple[str, ...], tuple[tuple, ...]]:
        """Headers and rows of the workbook's ``Taux`` sheet; rates as fractions (shown as %)."""
        rows = tuple(
            (
                r.year, r.half, r.ecb, r.default_penalty, r.public,
                r.legal_individual, r.legal_other, r.floor,
                "Oui" if r.verified else "Non", r.source,
            )
            for r in self.halves
        )
        return SHEET_HEADERS, rows


SHEET_HEADERS: tuple[str, ...] = (
    "Année", "Semestre", "Taux BCE", "Taux légal (pénalités B2B)", "Taux moratoires publics",
    "Intérêt légal (particulier créancier)", "Intérêt légal (autres cas)",
    "Plancher contractuel (3 × légal)", "Vérifié (Oui/Non)", "Source",
)

# Normalised header -> field. Derived columns are recognised so they are not
# reported as unknown, but never read: they are recomputed from the ECB and
# legal rates, so a stale derived cell cannot disagree with its inputs.
_HEADER_FIELDS = {
    "annee": "year", "year": "year",
    "semestre": "half", "half": "half", "half-year": "half", "half year": "half",
    "taux bce": "ecb", "ecb rate": "ecb", "ecb": "ecb", "bce": "ecb",
    "interet legal (particulier creancier)": "legal_individual",
    "taux legal (particulier creancier)": "legal_individual",
    "legal rate (individual creditor)": "legal_individual",
    "interet legal (autres cas)": "legal_other", "taux legal (autres cas)": "legal_other",
    "legal rate (other cases)": "legal_other",
    "verifie (oui/non)": "verified", "verifie": "verified", "verified": "verified",
    "verified (yes/no)": "verified",
    "source": "source",
    "taux legal (penalites b2b)": None, "taux moratoires publics": None,
    "plancher contractuel (3 x legal)": None, "late payment rate (b2b)": None,
    "public buyers rate": None, "contractual floor (3 x legal)": None,
}
_REQUIRED = ("year", "half", "ecb", "legal_individual", "legal_other")
_YES = {"oui", "o", "yes", "y", "vrai", "true", "1", "x"}
_NO = {"non", "n", "no", "faux", "false", "0"}


def _normalise(text: object) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.replace("×", "x").lower().split())


def read_fraction(value: object) -> Decimal:
    """A rate typed in a cell, as an annual fraction.

    Text with « % » is a percentage (« 12,15 % » → 0.1215). A bare number
    (or number text, comma or dot) of 1 or more is read as a percentage
    (12.15 → 0.1215; 1 → 0.01, since 100 % a year is never meant), below 1 as a
    fraction (0.1215 stays). Floats come only from Excel; they are read through
    their shortest decimal text, so 0.1215 does not become 0.12149999….
    Raises ValueError (French message) for anything else.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"taux illisible « {value} »")
    if isinstance(value, (int, Decimal)):
        number, percent = Decimal(value), False
    elif isinstance(value, float):
        number, percent = Decimal(repr(value)), False
    else:
        text = str(value).replace("\u00a0", "").replace("\u202f", "").replace(" ", "").strip()
        percent = "%" in text
        text = text.replace("%", "").replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"taux illisible « {value} »") from None
        if not number.is_finite():
            raise ValueError(f"taux illisible « {value} »")
    if percent or abs(number) >= 1:
        return number / _HUNDRED
    return number


def _read_int(value: object, what: str) -> int:
    if isinstance(value, bool):
        raise ValueError(what)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if text.isdigit():
        return int(text)
    raise ValueError(what)


def _read_half(value: object) -> int:
    text = _normalise(value)
    for token in ("1er semestre", "1er", "premier", "s1", "h1", "first"):
        if text == token or text.startswith(token):
            return 1
    for token in ("2e semestre", "2eme", "2e", "second", "2nd", "s2", "h2"):
        if text == token or text.startswith(token):
            return 2
    half = _read_int(value, "")
    if half in (1, 2):
        return half
    raise ValueError("")


def rows_from_sheet(
    headers: Sequence[object], rows: Iterable[Sequence[object]], first_row: int = 2
) -> tuple[list[HalfYearRates], list[str]]:
    """``read_rates_sheet`` without telling the implausible half-years apart (their errors come last)."""
    found, errors, implausible = read_rates_sheet(headers, rows, first_row)
    return found, errors + list(implausible.values())


def read_rates_sheet(
    headers: Sequence[object], rows: Iterable[Sequence[object]], first_row: int = 2
) -> tuple[list[HalfYearRates], list[str], dict[tuple[int, int], str]]:
    """Read the ``Taux`` sheet back: (rows to override the table with, errors in French,
    half-years whose row holds an implausible rate → its error).

    A rate below 0 or above ``REFERENCE_RATE_MAX`` is implausible (« -0,5 » reads as
    -50 %): no ECB or legal rate has ever been either. Its half-year is not computed with
    another figure: the caller stops interest for it (LAW.md §6: a rate Relance cannot
    trust is a rate it does not know).

    Headers in French or English; derived columns (B2B, public, floor) are
    ignored and recomputed. Rates may be fractions (0.1215), percentages typed
    as numbers (12.15) or text (« 12,15 % »); a rate above 25 % is refused as a
    typing mistake (« 0,5 » reads as the fraction 0.5 = 50 %: type « 0,5 % »). A blank « Vérifié » counts as
    « Oui »: a row the user typed is the user's own check. A bad row is left out
    with an error naming its sheet row (``first_row`` is the row of ``rows[0]``);
    when a half-year appears twice, the last row wins.
    """
    columns: dict[str, int] = {}
    errors: list[str] = []
    implausible: dict[tuple[int, int], str] = {}
    for index, header in enumerate(headers):
        key = _normalise(header)
        if key in _HEADER_FIELDS:
            name = _HEADER_FIELDS[key]
            if name is not None and name not in columns:
                columns[name] = index
        elif key:
            errors.append(f"feuille Taux : colonne « {header} » inconnue, ignorée")
    missing = [name for name in _REQUIRED if name not in columns]
    if missing:
        labels = {"year": "Année", "half": "Semestre", "ecb": "Taux BCE",
                  "legal_individual": "Intérêt légal (particulier créancier)",
                  "legal_other": "Intérêt légal (autres cas)"}
        errors.append("feuille Taux : colonnes manquantes : " + ", ".join(labels[m] for m in missing)
                      + " ; la feuille est ignorée, les taux livrés s'appliquent")
        return [], errors, implausible

    found: dict[tuple[int, int], HalfYearRates] = {}
    for offset, row in enumerate(rows):
        line = first_row + offset

        def cell(name: str) -> object:
            index = columns.get(name)
            return row[index] if index is not None and index < len(row) else None

        if all(cell(name) in (None, "") for name in _REQUIRED):
            continue  # blank line
        try:
            year = _read_int(cell("year"), "année")
        except ValueError:
            errors.append(f"feuille Taux, ligne {line} : année illisible « {cell('year')} » (ex. 2027)")
            continue
        try:
            half = _read_half(cell("half"))
        except ValueError:
            errors.append(f"feuille Taux, ligne {line} : semestre illisible « {cell('half')} » (1 ou 2)")
            continue
        values: dict[str, Decimal] = {}
        for name, label in (("ecb", "taux BCE"), ("legal_individual", "intérêt légal (particulier)"),
                            ("legal_other", "intérêt légal (autres cas)")):
            raw = cell(name)
            if raw in (None, ""):
                errors.append(f"feuille Taux, ligne {line} : {label} manquant pour le {half_label(year, half)}")
                break
            try:
                values[name] = read_fraction(raw)
            except ValueError:
                errors.append(f"feuille Taux, ligne {line} : {label} illisible « {raw} » (ex. 2,15 %)")
                break
            if values[name] > REFERENCE_RATE_MAX or values[name] < 0:
                bound = (f"ne dépasse pas {percent_text(REFERENCE_RATE_MAX)}" if values[name] > 0
                         else "n'est jamais négatif")
                implausible[(year, half)] = (
                    f"feuille Taux, ligne {line} : {label} « {raw} » lu comme {percent_text(values[name])}, "
                    f"invraisemblable (un taux BCE ou légal {bound}) ; les intérêts du {half_label(year, half)} "
                    "ne sont pas calculés tant qu'il n'est pas corrigé : saisissez-le avec le signe %, "
                    "ex. « 0,5 % »")
                break
        else:
            flag = _normalise(cell("verified"))
            if flag and flag not in _YES and flag not in _NO:
                errors.append(f"feuille Taux, ligne {line} : « Vérifié » vaut Oui ou Non, pas « {cell('verified')} »")
            source = str(cell("source") or "").strip() or "feuille Taux"
            if (year, half) in found:
                errors.append(f"feuille Taux, ligne {line} : {half_label(year, half)} en double, "
                              "la dernière ligne l'emporte")
            found[(year, half)] = HalfYearRates(
                year, half, values["ecb"], values["legal_individual"], values["legal_other"],
                verified=flag not in _NO, source=source,
            )
            implausible.pop((year, half), None)  # a later, plausible row for the half-year wins
    return list(found.values()), errors, implausible

