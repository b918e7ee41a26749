"""Worksheet functions (xlwings UDFs) over the same engine as the ribbon buttons.

Typed in a cell, e.g. ``=due_date(C5; "45 jours fin de mois")`` or
``=late_interest(F5; G5; TODAY())``. Excel sends floats, datetimes and empty
cells; these functions turn them into Decimal and date, call ``addin.core`` and
return what Excel shows: floats rounded to the cent, dates, integers, text.

A bad argument never shows a Python traceback: the cell gets a short readable
error text starting with ``#RELANCE!``.

The ``*_column`` variants take whole columns and return a whole column in one
call, so that a 10,000-row register of formulas is one round trip per column,
not 10,000.

On Linux the xlwings decorators do nothing: these are plain Python functions,
which is how the tests call them.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

import xlwings as xw

from addin.core import due_dates as _due_dates
from addin.core import penalties as _penalties
from addin.core import plans as _plans
from addin.core.discounts import early_discount as _early_discount
from addin.core.model import ClientType, cents
from addin.core.rates import RateTable

ERROR = "#RELANCE! "
_EXCEL_EPOCH = date(1899, 12, 30)


@functools.lru_cache(maxsize=1)
def _rates() -> RateTable:
    return RateTable.shipped()


def _cell_error(func):
    """Turn any error into a readable cell text instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (ValueError, TypeError, ArithmeticError, InvalidOperation) as error:
            return ERROR + str(error).split("\n")[0]

    return wrapper


def _to_date(value, name: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _EXCEL_EPOCH + timedelta(days=int(value))
    if isinstance(value, str) and value.strip():
        text = value.strip()
        for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                pass
    raise ValueError(f"{name} : date attendue, reçu « {value} »")


def _to_optional_date(value, name: str) -> date | None:
    if value is None or value == "":
        return None
    return _to_date(value, name)


def _to_decimal(value, name: str) -> Decimal:
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError(f"{name} : montant attendu")
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    text = str(value).replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace("€", "")
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{name} : montant illisible « {value} »") from None


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


@xw.func
@xw.arg("invoice_date", doc="Date de la facture")
@xw.arg("terms", doc="Conditions de paiement, ex. « 45 jours fin de mois »")
@xw.arg("delivery_date", doc="Date de livraison (facultative)")
@_cell_error
def due_date(invoice_date, terms, delivery_date=None):
    """Échéance d'une facture selon ses conditions de paiement (L441-10 I C. com.)."""
    issued = _to_date(invoice_date, "date de facture")
    delivered = _to_optional_date(delivery_date, "date de livraison")
    return _due_dates.due_date(issued, terms if terms not in ("", None) else None, delivered)


@xw.func
@xw.arg("on_date", doc="Date à laquelle le taux s'applique")
@_cell_error
def penalty_rate(on_date):
    """Taux légal des pénalités de retard B2B : taux BCE du semestre + 10 points (L441-10 II)."""
    return float(_rates().default_penalty_rate(_to_date(on_date, "date")))


@xw.func
@xw.arg("amount", doc="Montant TTC dû")
@xw.arg("due_date", doc="Échéance")
@xw.arg("as_of", doc="Date de calcul, ex. AUJOURDHUI()")
@xw.arg("annual_rate", doc="Taux annuel contractuel (facultatif ; défaut : taux légal)")
@xw.arg("payment_dates", doc="Dates des paiements partiels (plage)")
@xw.arg("payment_amounts", doc="Montants des paiements partiels (plage)")
@_cell_error
def late_interest(amount, due_date, as_of, annual_rate=None, payment_dates=None, payment_amounts=None):
    """Intérêts de retard entre professionnels, au jour près, par semestre (L441-10 II)."""
    dates = [d for d in _as_list(payment_dates) if d not in (None, "")]
    amounts = [a for a in _as_list(payment_amounts) if a not in (None, "")]
    if len(dates) != len(amounts):
        raise ValueError("autant de dates que de montants de paiement sont attendus")
    payments = sorted(
        (_to_date(d, "date de paiement"), _to_decimal(a, "montant de paiement")) for d, a in zip(dates, amounts)
    )
    rate = None if annual_rate in (None, "") else _penalties.parse_rate(annual_rate)
    result = _penalties.late_interest(
        _to_decimal(amount, "montant"), _to_date(due_date, "échéance"), _to_date(as_of, "date de calcul"),
        rates=_rates(), payments=payments, contract_rate=rate,
    )
    return _money(result.amount)


@xw.func
@xw.arg("client_type", doc="Professionnel, Administration ou Particulier")
@_cell_error
def recovery_indemnity(client_type):
    """Indemnité forfaitaire pour frais de recouvrement : 40 € par facture (D441-5), 0 pour un particulier."""
    return _money(_penalties.recovery_indemnity(ClientType.parse(client_type)))


@xw.func
@_cell_error
def early_discount(amount_ht, vat_rate, discount_rate, deadline, paid_on):
    """Escompte TTC accordé (0 si le paiement complet arrive après la date limite)."""
    result = _early_discount(
        _to_decimal(amount_ht, "montant HT"), _to_decimal(vat_rate, "taux de TVA"),
        _to_decimal(discount_rate, "taux d'escompte"), _to_date(deadline, "date limite"),
        _to_optional_date(paid_on, "date de paiement"),
    )
    return _money(result.discount_ttc if result.applies else Decimal(0))


@xw.func
@xw.ret(expand="table")
@_cell_error
def installments(total, count, first_due, months_between=1, deposit_rate=0):
    """Échéancier : dates (comme MOIS.DECALER) et montants au centime, dont la somme fait le total."""
    count_int = int(_to_decimal(count, "nombre d'échéances"))
    if count_int != _to_decimal(count, "nombre d'échéances"):
        raise ValueError("nombre d'échéances : un entier est attendu")
    plan = _plans.installment_plan(
        _to_decimal(total, "total"), count_int, _to_date(first_due, "première échéance"),
        months_between=int(_to_decimal(months_between or 1, "mois entre échéances")),
        deposit_rate=_to_decimal(deposit_rate or 0, "taux d'acompte"),
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


# --- Array versions: one call per column --------------------------------------


def _column(func, *columns):
    rows = max(len(c) for c in columns)
    padded = [c + [None] * (rows - len(c)) for c in columns]
    return [[func(*values)] for values in zip(*padded)]


@xw.func
@xw.arg("invoice_dates", ndim=1)
@xw.arg("terms", ndim=1)
@xw.arg("delivery_dates", ndim=1)
@xw.ret(expand="table")
def due_date_column(invoice_dates, terms, delivery_dates=None):
    """``due_date`` for a whole column in one call (blank rows stay blank)."""
    dates, terms = _as_list(invoice_dates), _as_list(terms)
    delivered = _as_list(delivery_dates) or [None] * len(dates)

    def one(issued, text, delivery):
        return "" if issued in (None, "") else due_date(issued, text, delivery)

    return _column(one, dates, terms, delivered)


@xw.func
@xw.arg("amounts", ndim=1)
@xw.arg("due_dates", ndim=1)
@xw.arg("paid_amounts", ndim=1)
@xw.ret(expand="table")
def late_interest_column(amounts, due_dates, as_of, paid_amounts=None):
    """``late_interest`` on each row's balance (amount − paid) for a whole column in one call."""
    amounts, dues = _as_list(amounts), _as_list(due_dates)
    paid = _as_list(paid_amounts) or [0] * len(amounts)

    def one(amount, due, already_paid):
        if amount in (None, "") or due in (None, ""):
            return ""
        try:
            balance = _to_decimal(amount, "montant") - _to_decimal(already_paid or 0, "payé")
        except ValueError as error:
            return ERROR + str(error)
        return late_interest(balance, due, as_of)

    return _column(one, amounts, dues, paid)


@xw.func
@xw.arg("due_dates", ndim=1)
@xw.ret(expand="table")
def days_late_column(due_dates, as_of):
    """``days_late`` for a whole column in one call."""
    return _column(lambda due: "" if due in (None, "") else days_late(due, as_of), _as_list(due_dates))
