"""Worksheet functions (xlwings UDFs) over the same engine as the ribbon buttons.

Typed in a cell, e.g. ``=due_date(C5; "45 jours fin de mois")`` or
``=late_interest(F5; G5; TODAY())``. Excel sends floats, datetimes and empty
cells; these functions turn them into Decimal and date, call ``addin.core`` and
return what Excel shows: floats rounded to the cent, dates, integers, text.

A bad argument never shows a Python traceback: the cell gets a short readable
error text starting with ``#RELANCE!``.

Rates and settings come from the calling workbook: xlwings hands the calling cell
to a parameter named ``caller`` (hidden from Excel's argument list), and the
functions that need rates read that workbook's *Taux* sheet (and the *Paramètres*
keys « Taux sous le plancher » and « Imputation des paiements ») through the
register's own readers, once per workbook every few seconds, so a recalculation of
10,000 cells is not 10,000 reads. Called from Python without ``caller``: the shipped
rate table and the default settings.

The ``*_column`` variants take whole columns and return one value per row, as a
2-D array (one column) that spills down in Excel with dynamic arrays (Microsoft 365,
Excel 2021+), so that a 10,000-row register of formulas is one round trip per column,
not 10,000. ``installments`` spills its two columns the same way.

On Linux the xlwings decorators do nothing: these are plain Python functions,
which is how the tests call them.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

import xlwings as xw

from addin.core import due_dates as _due_dates
from addin.core import penalties as _penalties
from addin.core import plans as _plans
from addin.core.discounts import early_discount as _early_discount
from addin.core.model import ZERO, ClientType, Settings, cents
from addin.core.rates import RateTable, read_fraction

ERROR = "#RELANCE! "
_EXCEL_EPOCH = date(1899, 12, 30)


# --- The calling workbook's rates and settings ---------------------------------------------

# How long one read of a workbook's Taux and Paramètres serves its formulas: long enough
# for one recalculation, short enough that a row added to Taux shows at the next one.
BOOK_CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class BookRules:
    """What the interest functions need from a workbook: its rate table and two settings."""

    rates: RateTable
    below_floor_policy: str = Settings.below_floor_policy
    imputation: str = Settings.imputation


_book_cache: dict[str, tuple[float, BookRules]] = {}
# What xlwings raises when it cannot map a synced workbook's URL to its local file
# (``addin.books.live.local_path``); any other failure is Excel not answering.
_SYNC_FAILURES = ("XlwingsError", "UnboundLocalError")


@functools.lru_cache(maxsize=1)
def _shipped() -> BookRules:
    return BookRules(RateTable.shipped())


class _RulesSheets:
    """The calling workbook seen through the two sheets the worksheet functions read.

    ``register.load`` then reads *Paramètres* only (the other sheets are absent to it,
    so never read) and ``register.load_rates`` reads *Taux*: one bulk read each.
    """

    def __init__(self, book):
        self._book = book

    def sheet_names(self) -> list[str]:
        from addin.register import schema

        names = self._book.sheet_names()
        return [n for n in names if schema.find_sheet([n], schema.PARAMETRES) or schema.find_sheet([n], schema.TAUX)]

    def read_sheet(self, name: str):
        return self._book.read_sheet(name)


def _read_rules(book) -> BookRules:
    from addin.books.live import LiveBook
    from addin.register.load import load, load_rates

    sheets = _RulesSheets(LiveBook(book))
    rates, _ = load_rates(sheets)  # a bad Taux row is left out: the shipped figure, if any, applies
    settings = load(sheets)[0].settings  # an unknown policy word keeps the default (Actualiser reports it)
    return BookRules(rates, settings.below_floor_policy, settings.imputation)


def book_rules(caller=None) -> BookRules:
    """The rates and settings of the workbook ``caller`` (an xlwings Range) belongs to.

    Without ``caller``: the shipped table and the default settings. Read at most once
    every ``BOOK_CACHE_SECONDS`` per workbook (keyed on its file on this computer,
    ``addin.books.live.local_path``).
    """
    if caller is None:
        return _shipped()
    from addin.books.base import BookError
    from addin.books.live import local_path

    try:
        book = caller.sheet.book
        key = str(local_path(book))  # a synced workbook whose copy is not found: the French message
        now = time.monotonic()
        cached = _book_cache.get(key)
        if cached is not None and now - cached[0] < BOOK_CACHE_SECONDS:
            return cached[1]
        rules = _read_rules(book)
    except ValueError:
        raise
    except BookError as error:
        if type(error.__cause__).__name__ in _SYNC_FAILURES or error.__cause__ is None:
            raise ValueError(str(error)) from None  # the synced copy is not found: say what to do
        raise ValueError(f"lecture des feuilles Taux et Paramètres impossible : {error.__cause__}") from None
    except Exception as error:  # COM or AppleScript failures: a readable cell, not a traceback
        raise ValueError(f"lecture des feuilles Taux et Paramètres impossible : {error}") from None
    _book_cache[key] = (now, rules)
    return rules


# --- What Excel sends ----------------------------------------------------------------------


def _cell_error(func):
    """Turn any error into a readable cell text instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (ValueError, TypeError, ArithmeticError, InvalidOperation) as error:
            return ERROR + str(error).split("\n")[0]

    return wrapper


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _to_date(value, name: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 1 <= value < 2958466:  # Excel's dates: 01/01/1900 to 31/12/9999
            raise ValueError(f"{name} : date hors de la plage d'Excel (reçu {value})")
        return _EXCEL_EPOCH + timedelta(days=int(value))
    if _blank(value):
        raise ValueError(f"{name} : cellule vide, une date est attendue")
    if isinstance(value, str):
        text = value.strip()
        for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                pass
    raise ValueError(f"{name} : date attendue, reçu « {value} »")


def _to_optional_date(value, name: str) -> date | None:
    if _blank(value):
        return None
    return _to_date(value, name)


def _to_decimal(value, name: str) -> Decimal:
    if isinstance(value, bool) or _blank(value):
        raise ValueError(f"{name} : montant attendu")
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    text = str(value).replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace("€", "")
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{name} : montant illisible « {value} »") from None
    if not number.is_finite():
        raise ValueError(f"{name} : montant illisible « {value} »")
    return number


def _to_whole(value, name: str, minimum: int) -> int:
    """A count typed in a cell: 3 or 3.0, never 1.5 or 0 when ``minimum`` is 1."""
    number = _to_decimal(value, name)
    if number != number.to_integral_value() or number < minimum:
        raise ValueError(f"{name} : un nombre entier de {minimum} ou plus est attendu, pas « {value} »")
    return int(number)


def _to_rate(value, name: str, *, penalty: bool = False) -> Decimal:
    """The one reading of a rate in a worksheet function: 0.2, 20, « 20 % », « 0,2 » are all 20 %.

    A bare number below 1 is a fraction, from 1 a percentage (``rates.read_fraction``, the
    register's reading too). ``penalty=True``: a contractual late-payment rate, which may
    also be per month or week (« 1 % par mois ») and may not exceed 100 % a year
    (``penalties.parse_rate``, the same reading of a bare number). Never negative.
    """
    if isinstance(value, bool) or _blank(value):
        raise ValueError(f"{name} : taux attendu (ex. 20 %, 0,2 ou 20)")
    if penalty:
        return _penalties.parse_rate(value)
    try:
        rate = read_fraction(value)
    except (ValueError, InvalidOperation):
        raise ValueError(f"{name} : taux illisible « {value} » (ex. 20 %, 0,2 ou 20)") from None
    if rate < 0:
        raise ValueError(f"{name} : taux négatif « {value} »")
    return rate


def _money(amount: Decimal) -> float:
    return float(cents(amount))


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        flat = []
        for item in value:
            flat.extend(item if isinstance(item, (list, tuple)) else [item])
        return flat
    return [value]


def _payments(payment_dates, payment_amounts) -> list[tuple[date, Decimal]]:
    """Payments given as two ranges, paired row by row: a blank row in both is skipped."""
    dates, amounts = _as_list(payment_dates), _as_list(payment_amounts)
    if len(dates) != len(amounts):
        raise ValueError(f"paiements : la plage des dates ({len(dates)} cellules) et celle des montants "
                         f"({len(amounts)} cellules) doivent avoir la même taille")
    payments = []
    for k, (when, amount) in enumerate(zip(dates, amounts), 1):
        if _blank(when) and _blank(amount):
            continue
        if _blank(amount):
            raise ValueError(f"paiement n° {k} : une date sans montant")
        if _blank(when):
            raise ValueError(f"paiement n° {k} : un montant sans date")
        value = _to_decimal(amount, f"paiement n° {k}")
        if value < 0:
            raise ValueError(f"paiement n° {k} : montant négatif ({amount}) ; un remboursement n'est pas un paiement")
        payments.append((_to_date(when, f"paiement n° {k}"), value))
    return sorted(payments)


# --- The functions ---------------------------------------------------------------------------


@xw.func
@xw.arg("invoice_date", doc="Date de la facture")
@xw.arg("terms", doc="Conditions de paiement, ex. « 45 jours fin de mois »")
@xw.arg("delivery_date", doc="Date de livraison (facultative)")
@_cell_error
def due_date(invoice_date, terms, delivery_date=None):
    """Échéance d'une facture selon ses conditions de paiement (L441-10 I C. com.)."""
    issued = _to_date(invoice_date, "date de facture")
    delivered = _to_optional_date(delivery_date, "date de livraison")
    return _due_dates.due_date(issued, None if _blank(terms) else terms, delivered)


@xw.func
@xw.arg("on_date", doc="Date à laquelle le taux s'applique")
@_cell_error
def penalty_rate(on_date, caller=None):
    """Taux légal des pénalités de retard B2B : taux BCE du semestre + 10 points (L441-10 II).

    Lu dans la feuille Taux du classeur (puis dans la table livrée).
    """
    return float(book_rules(caller).rates.default_penalty_rate(_to_date(on_date, "date")))


@xw.func
@xw.arg("amount", doc="Montant TTC dû")
@xw.arg("due_date", doc="Échéance")
@xw.arg("as_of", doc="Date de calcul, ex. AUJOURDHUI()")
@xw.arg("annual_rate", doc="Taux annuel contractuel (facultatif ; défaut : taux légal)")
@xw.arg("payment_dates", doc="Dates des paiements partiels (plage)")
@xw.arg("payment_amounts", doc="Montants des paiements partiels (plage, même taille)")
@xw.arg("client_type", doc="Professionnel (défaut), Administration ou Particulier (ou Business, Public buyer, Consumer)")
@xw.arg("notice_date", doc="Particulier : date de réception de la mise en demeure (les intérêts courent du lendemain)")
@_cell_error
def late_interest(amount, due_date, as_of, annual_rate=None, payment_dates=None, payment_amounts=None,
                  client_type=None, notice_date=None, caller=None):
    """Intérêts de retard au jour près, par semestre, selon le débiteur.

    Professionnel : BCE + 10 points (L441-10 II C. com.) ; Administration : intérêts moratoires,
    BCE du semestre où ils commencent + 8 points (R2192-31 CCP) ; Particulier : intérêt légal à
    compter de la mise en demeure (C. civ. 1231-6), 0 sans elle. Taux de la feuille Taux du
    classeur ; « Taux sous le plancher » et « Imputation des paiements » de Paramètres.
    Paiements : deux plages lues ligne à ligne. Les mêmes centimes que la colonne Intérêts de retard.
    """
    rules = book_rules(caller)
    rate = None if _blank(annual_rate) else _to_rate(annual_rate, "taux annuel", penalty=True)
    kind = ClientType.BUSINESS if _blank(client_type) else ClientType.parse(client_type)
    result = _penalties.late_interest(
        _to_decimal(amount, "montant"), _to_date(due_date, "échéance"), _to_date(as_of, "date de calcul"),
        rates=rules.rates, client_type=kind, payments=_payments(payment_dates, payment_amounts),
        contract_rate=None if kind is ClientType.PUBLIC else rate,
        notice_date=_to_optional_date(notice_date, "date de mise en demeure"),
        below_floor_policy=rules.below_floor_policy, imputation=rules.imputation,
    )
    return _money(result.amount)


@xw.func
@xw.arg("client_type", doc="Professionnel, Administration ou Particulier")
@_cell_error
def recovery_indemnity(client_type):
    """Indemnité forfaitaire pour frais de recouvrement : 40 € par facture (D441-5), 0 pour un particulier."""
    return _money(_penalties.recovery_indemnity(ClientType.parse(client_type)))


@xw.func
@xw.arg("amount_ht", doc="Montant HT")
@xw.arg("vat_rate", doc="Taux de TVA : 20 %, 0,2 ou 20")
@xw.arg("discount_rate", doc="Taux d'escompte sur le HT : 2 %, 0,02 ou 2")
@xw.arg("deadline", doc="Date limite de l'escompte")
@xw.arg("paid_on", doc="Date du paiement complet (vide : pas payée)")
@_cell_error
def early_discount(amount_ht, vat_rate, discount_rate, deadline, paid_on):
    """Escompte TTC accordé (0 si le paiement complet arrive après la date limite)."""
    ht = _to_decimal(amount_ht, "montant HT")
    if ht < 0:
        raise ValueError(f"montant HT négatif ({amount_ht}) : l'escompte porte sur une facture, pas sur un avoir")
    result = _early_discount(
        ht, _to_rate(vat_rate, "taux de TVA"), _to_rate(discount_rate, "taux d'escompte"),
        _to_date(deadline, "date limite"), _to_optional_date(paid_on, "date de paiement"),
    )
    return _money(result.discount_ttc if result.applies else ZERO)


@xw.func
@xw.arg("total", doc="Montant total")
@xw.arg("count", doc="Nombre d'échéances (entier, 1 ou plus)")
@xw.arg("first_due", doc="Première échéance")
@xw.arg("months_between", doc="Mois entre deux échéances (entier, 1 ou plus ; défaut 1)")
@xw.arg("deposit_rate", doc="Acompte à la première date : 30 %, 0,3 ou 30 (facultatif)")
@_cell_error
def installments(total, count, first_due, months_between=1, deposit_rate=0):
    """Échéancier : dates (comme MOIS.DECALER) et montants au centime, dont la somme fait le total.

    Renvoie deux colonnes (date, montant), une ligne par échéance, qui se déversent sous la cellule.
    """
    plan = _plans.installment_plan(
        _to_decimal(total, "total"), _to_whole(count, "nombre d'échéances", 1),
        _to_date(first_due, "première échéance"),
        months_between=1 if _blank(months_between) else _to_whole(months_between, "mois entre échéances", 1),
        deposit_rate=ZERO if _blank(deposit_rate) else _to_rate(deposit_rate, "taux d'acompte"),
    )
    return [[step.due, _money(step.amount)] for step in plan]


@xw.func
@_cell_error
def days_late(due_date, as_of):
    """Jours de retard : date de calcul − échéance (0 si pas en retard)."""
    return max(0, (_to_date(as_of, "date de calcul") - _to_date(due_date, "échéance")).days)


@xw.func
@_cell_error
def aging_bucket(due_date, as_of):
    """Tranche de la balance âgée : Non échu, 1–30 j, 31–60 j, 61–90 j, > 90 j."""
    from addin.core import aging

    return aging.BUCKETS[aging.bucket(_to_date(due_date, "échéance"), _to_date(as_of, "date de calcul"))]


# --- Column versions: one call per column, one value per row --------------------------------


def _column(func, **columns) -> list[list]:
    """``func`` on each row of equally long columns, as a one-column 2-D list (it spills down).

    Columns of different lengths would pair the wrong rows: every row is then an error
    cell naming the lengths, never a silent blank.
    """
    lengths = {name: len(values) for name, values in columns.items()}
    rows = max(lengths.values(), default=0)
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{name} {n}" for name, n in lengths.items())
        return [[f"{ERROR}plages de tailles différentes ({detail} lignes) : sélectionnez les mêmes lignes"]
                ] * max(rows, 1)
    if rows == 0:
        return [[""]]
    return [[func(*values)] for values in zip(*columns.values())]


@xw.func
@xw.arg("invoice_dates", ndim=1)
@xw.arg("terms", ndim=1)
@xw.arg("delivery_dates", ndim=1)
def due_date_column(invoice_dates, terms, delivery_dates=None):
    """``due_date`` on each row of the columns (same rows), one due date per row, spilling down.

    A blank invoice date gives a blank row; ``delivery_dates`` may be omitted.
    """
    columns = {"dates de facture": _as_list(invoice_dates), "conditions": _as_list(terms)}
    if delivery_dates is not None:
        columns["dates de livraison"] = _as_list(delivery_dates)
    else:
        columns["dates de livraison"] = [None] * len(columns["dates de facture"])

    def one(issued, text, delivery):
        return "" if _blank(issued) else due_date(issued, text, delivery)

    return _column(one, **columns)


@xw.func
@xw.arg("amounts", ndim=1)
@xw.arg("due_dates", ndim=1)
@xw.arg("paid_dates", ndim=1)
def late_interest_column(amounts, due_dates, as_of, paid_dates=None, caller=None):
    """Late interest of each row, one value per row, spilling down: each row's TTC amount owed
    in full from the day after its due date to its payment date (``paid_dates``, the day the
    invoice was paid in full), or to ``as_of`` while that cell is blank or later than ``as_of``.

    Business rules at the legal rate of each half-year (ECB + 10 points, L441-10 II), from the
    calling workbook's Taux sheet. It knows one payment per row, the one that settles the
    invoice: for partial payments use ``late_interest`` with its payment ranges (or the
    Factures column that Actualiser fills). A blank amount or due date gives a blank row.
    """
    try:
        rates = book_rules(caller).rates
    except ValueError as error:
        return [[ERROR + str(error)]]
    columns = {"montants": _as_list(amounts), "échéances": _as_list(due_dates)}
    columns["dates de paiement"] = (_as_list(paid_dates) if paid_dates is not None
                                    else [None] * len(columns["montants"]))

    @_cell_error
    def one(amount, due, paid):
        if _blank(amount) or _blank(due):
            return ""
        value = _to_decimal(amount, "montant")
        if isinstance(paid, (int, float, Decimal)) and not isinstance(paid, bool):
            # Date cells reach Python as datetimes; a bare number is an amount typed in the wrong
            # range (this range held the amounts paid before), not a date of 1905.
            raise ValueError(f"date de paiement attendue (cellule au format date), reçu le nombre {paid}")
        paid_on = _to_optional_date(paid, "date de paiement")
        # The payment settles the invoice: imputed to principal whatever Paramètres says, so the
        # interest stops on that day as the docstring states.
        result = _penalties.late_interest(
            value, _to_date(due, "échéance"), _to_date(as_of, "date de calcul"), rates=rates,
            payments=[(paid_on, value)] if paid_on is not None else (),
        )
        return _money(result.amount)

    return _column(one, **columns)


@xw.func
@xw.arg("due_dates", ndim=1)
def days_late_column(due_dates, as_of):
    """``days_late`` on each row of the column, one value per row, spilling down (blank rows stay blank)."""
    return _column(lambda due: "" if _blank(due) else days_late(due, as_of), échéances=_as_list(due_dates))
