"""Due dates from French (and English) payment terms — Code de commerce L441-10 I.

The grammar (case, accents and spacing do not matter):

=============================================  ===============  =====================================
wording                                        kind             due date
=============================================  ===============  =====================================
à réception, comptant, on receipt, cash        ``receipt``      the invoice date
30 jours, 30 j, net 30, 30 days,              ``days``         invoice date + N days
paiement à 30 jours, 30 (a number),
30 jours dès réception (de facture)
45 jours fin de mois, 45 j FDM, 45jfdm,        ``days_eom``     invoice date + N days, then the end
45 jours fin du mois, 45 days EOM                               of that month (the default reading)
fin de mois 45 jours, fin de mois + 45 jours   ``eom_days``     end of the invoice's month, + N days
45 jours fin de mois le 10                     ``days_eom_on``  the ``days_eom`` date, then day J of
                                                                the following month
fin de mois le 10                              ``days_eom_on``  end of the invoice's month (N = 0),
                                                                then day J of the following month
30 jours date de livraison / après livraison   ``delivery_days``  delivery date + N days
30 jours dès réception des marchandises
fin de mois                                    ``days_eom``     end of the invoice's month (N = 0)
(empty), délai légal, legal default           ``legal_default``  30 days after receipt of the goods
                                                                or performance of the service
=============================================  ===============  =====================================

"45 jours fin de mois" has two readings accepted by the DGCCRF; Relance names each
by its wording: "N jours fin de mois" is *N days, then end of month*
(10 Jan 2025 → 24 Feb → 28 Feb 2025); "fin de mois N jours" is *end of month, then N
days* (10 Jan 2025 → 31 Jan → 17 Mar 2025).

Due dates are calendar dates: weekends and public holidays never move them.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from addin.core.dates import end_of_month
from addin.core.model import ClientType

KINDS = ("receipt", "days", "days_eom", "eom_days", "days_eom_on", "delivery_days", "legal_default")

HINT = ("Formulations reconnues : « à réception », « 30 jours », « 45 jours fin de mois », "
        "« fin de mois 45 jours », « 45 jours fin de mois le 10 », « fin de mois le 10 », "
        "« 30 jours dès réception », « 30 jours date de livraison » "
        "(ou en anglais : « on receipt », « 30 days », « 45 days end of month »…). "
        "Vide : 30 jours après la livraison (délai légal).")


class TermsError(ValueError):
    """Payment terms Relance cannot read; ``hint`` lists the accepted wordings."""

    def __init__(self, message: str, hint: str = HINT):
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class Terms:
    kind: str
    days: int = 0
    day_of_month: int | None = None
    text: str = ""

    def __post_init__(self) -> None:
        # Terms built by code (not parsed) must still make sense: an impossible argument.
        if self.kind not in KINDS:
            raise ValueError(f"type de conditions de paiement inconnu : {self.kind}")
        if self.days < 0:
            raise ValueError(f"nombre de jours négatif dans les conditions de paiement : {self.days}")
        if self.kind == "days_eom_on" and not (self.day_of_month and 1 <= self.day_of_month <= 31):
            raise ValueError(f"jour du mois impossible : {self.day_of_month} (entre 1 et 31)")

    def describe(self, lang: str = "fr") -> str:
        """The canonical wording of these terms."""
        n, j = self.days, self.day_of_month
        fr = {
            "receipt": "à réception",
            "days": f"{n} jours",
            "days_eom": f"{n} jours fin de mois" if n else "fin de mois",
            "eom_days": f"fin de mois {n} jours",
            "days_eom_on": f"{n} jours fin de mois le {j}" if n else f"fin de mois le {j}",
            "delivery_days": f"{n} jours date de livraison",
            "legal_default": "30 jours après livraison (délai légal)",
        }
        en = {
            "receipt": "on receipt",
            "days": f"{n} days",
            "days_eom": f"{n} days end of month" if n else "end of month",
            "eom_days": f"end of month + {n} days",
            "days_eom_on": f"{n} days end of month on the {j}" if n else f"end of month on the {j}",
            "delivery_days": f"{n} days from delivery",
            "legal_default": "30 days after delivery (legal default)",
        }
        return (en if lang == "en" else fr)[self.kind]


LEGAL_DEFAULT = Terms(kind="legal_default", days=30, text="")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("’", "'").replace("\u00a0", " ").replace("\u202f", " ")
    return re.sub(r"\s+", " ", text).strip(" .;")


# « 45jfdm »: no space, so the unit ends where « fdm » / « eom » begins.
_DAYS = r"(?P<n>\d{1,3})\s*(?:jours?|j|days?|d)(?:\b|(?=f\.?d\.?m|eom))"
_EOM = r"(?:fin d[eu] mois|fdm|f\.?d\.?m\.?|end of (?:the )?month|eom)"
_ON_DAY = r"\s*,?\s*(?:le|on the|on)\s*(?P<j>\d{1,2})(?:er|e|eme|st|nd|rd|th)?"
# « paiement à 30 jours », « payable at 30 days »: the words before the delay change nothing.
_LEAD = r"(?:(?:paiement|reglement|payment|payable)\s*)?(?:a |at |net )?"
# Receipt of the invoice, not of the goods: counted from the invoice date.
_INVOICE_RECEIPT = (r" des reception(?: de (?:la )?facture)?| a (?:la )?reception(?: de (?:la )?facture)?"
                    r"| (?:from|after|upon|on) receipt(?: of (?:the )?invoice)?")
_PATTERNS: tuple[tuple[str, re.Pattern], ...] = tuple((kind, re.compile(p)) for kind, p in (
    ("receipt", r"^(?:(?:paiement )?a (?:la )?reception(?: de (?:la )?facture)?|(?:paiement )?comptant|"
                r"(?:payable )?(?:up)?on receipt|due on receipt|cash|immediate(?: payment)?|immediat|0 jours?|0 days?)$"),
    ("days_eom_on", rf"^{_LEAD}{_DAYS}\s*,?\s*{_EOM}{_ON_DAY}$"),
    ("days_eom_on", rf"^{_EOM}{_ON_DAY}$"),  # « fin de mois le 10 »: N = 0
    ("days_eom", rf"^{_LEAD}{_DAYS}\s*,?\s*{_EOM}$"),
    ("eom_days", rf"^{_EOM}\s*(?:\+|plus|,)?\s*{_DAYS}$"),
    ("days_eom", rf"^{_EOM}$"),
    ("delivery_days", rf"^{_LEAD}{_DAYS}\s*(?:net\s*)?(?:a compter de la |a partir de la |apres (?:la )?|de la "
                      rf"|date (?:de )?|des |a (?:la )?|from |after )"
                      rf"(?:date de )?(?:livraison|reception des marchandises|execution|delivery)$"),
    ("days", rf"^{_LEAD}{_DAYS}(?: net| nets| date de facture| from invoice(?: date)?| fin de prestation"
             rf"|{_INVOICE_RECEIPT})?$"),
    ("days", r"^net\s*(?P<n>\d{1,3})$"),
    # A number typed in the terms cell: « 30 » (the register's text of 30.0) is 30 days.
    ("days", r"^(?P<n>\d{1,3})(?:[.,]0+)?$"),
    # The wording ``describe`` gives the legal default, so that it reads back as itself.
    ("legal_default", r"^(?:30 jours apres (?:la )?livraison )?\(?delai legal\)?$|"
                      r"^(?:30 days after delivery )?\(?legal default\)?$"),
))


@functools.lru_cache(maxsize=4096)
def parse_terms(text: "str | int | float | Decimal | None") -> Terms:
    """Read payment terms; raise ``TermsError`` (with the accepted wordings) for anything else.

    ``None`` or an empty text gives the legal default (L441-10 I: 30 days after receipt
    of the goods or performance of the service). A whole number (30, 30.0, « 30 »)
    is that many days from the invoice date.
    """
    if text is None or (isinstance(text, str) and not text.strip()):
        return LEGAL_DEFAULT
    if isinstance(text, bool):
        raise TermsError(f"conditions de paiement illisibles : « {text} »")
    if isinstance(text, (int, float, Decimal)):
        # A number typed in the terms cell (Excel sends 30.0): that many days.
        try:
            days = int(text)
        except (ValueError, OverflowError):
            days = None
        if days is None or days != text or not 0 <= days <= 999:
            raise TermsError(f"conditions de paiement illisibles : « {text} » (un nombre entier de jours est attendu)")
        return Terms(kind="days", days=days, text=f"{days} jours")
    original = str(text).strip()
    folded = _fold(original)
    for kind, pattern in _PATTERNS:
        match = pattern.match(folded)
        if match is None:
            continue
        if kind == "legal_default":
            return Terms(kind=kind, days=LEGAL_DEFAULT.days, text=original)
        groups = match.groupdict()
        days = int(groups.get("n") or 0)
        day = int(groups["j"]) if groups.get("j") else None
        if day is not None and not 1 <= day <= 31:
            raise TermsError(f"jour du mois impossible dans « {original} » : {day}")
        return Terms(kind=kind, days=days, day_of_month=day, text=original)
    raise TermsError(f"conditions de paiement illisibles : « {original} »")


def due_date(issued: date, terms: "Terms | str | None", delivered: date | None = None) -> date:
    """The due date of an invoice issued on ``issued`` under ``terms``.

    Legal default (no terms): delivery date + 30 days, or invoice date + 30 days when
    no delivery date is known. ``delivery_days`` terms need the delivery date.
    Never before the invoice date: a delivery so long before the invoice that its
    delivery-based date has passed when the invoice is issued gives the invoice date
    (``due_date_warnings`` says so; interest cannot run before the invoice exists).
    """
    return max(_unclamped_due_date(issued, terms, delivered), issued)


def _unclamped_due_date(issued: date, terms: "Terms | str | None", delivered: date | None) -> date:
    if not isinstance(terms, Terms):
        terms = parse_terms(terms)
    kind, n = terms.kind, terms.days
    if kind == "receipt":
        return issued
    if kind == "days":
        return issued + timedelta(days=n)
    if kind == "days_eom":
        return end_of_month(issued + timedelta(days=n))
    if kind == "eom_days":
        return end_of_month(issued) + timedelta(days=n)
    if kind == "days_eom_on":
        first_of_next = end_of_month(issued + timedelta(days=n)) + timedelta(days=1)
        return first_of_next.replace(day=min(terms.day_of_month or 1, end_of_month(first_of_next).day))
    if kind == "delivery_days":
        if delivered is None:
            raise TermsError(
                f"« {terms.text or terms.describe()} » : la date de livraison manque",
                "Renseignez la colonne « Date livraison » de la facture.")
        return delivered + timedelta(days=n)
    if kind == "legal_default":
        return (delivered or issued) + timedelta(days=30)
    raise TermsError(f"type de conditions inconnu : {kind}")


def due_date_warnings(issued: date, terms: "Terms | str | None", delivered: date | None = None) -> list[str]:
    """A warning when ``due_date`` had to move a delivery-based due date up to the invoice date.

    Delivery-based terms and the legal default count from the delivery; when that date
    + N days is already past on the invoice date, the due date is the invoice date.
    """
    if not isinstance(terms, Terms):
        terms = parse_terms(terms)
    raw = _unclamped_due_date(issued, terms, delivered)
    if raw >= issued:
        return []
    wording = f"« {terms.text or terms.describe()} »" if terms.kind != "legal_default" else "le délai légal"
    return [f"{wording} compté depuis la livraison du {delivered:%d/%m/%Y} donne une échéance au "
            f"{raw:%d/%m/%Y}, avant la date de facture du {issued:%d/%m/%Y} : l'échéance retenue est "
            f"la date de facture"]


def term_warnings(terms: "Terms | str | None", issued: date,
                  client_type: ClientType = ClientType.BUSINESS, max_days: int | None = None) -> list[str]:
    """Warnings (never refusals) for terms beyond the legal maximum.

    Between businesses (L441-10 I): at most 60 days from the invoice date, or, if the
    contract says so, 45 days end of month; either DGCCRF reading of "45 jours fin de
    mois" is accepted, so an end-of-month term warns only when its due date falls after
    the later of the two readings (or when its N exceeds 45). Public buyers (Code de la
    commande publique R2192-10): 30 days, counted here from the invoice date (50 days for
    public hospitals, 60 for some public companies: Relance cannot tell them apart, the
    message says so). Consumers: no legal cap. Receipt terms and the legal default
    (30 days) never warn.

    ``max_days``: a shorter cap of the seller's sector (transport, perishable food:
    30 days, LAW.md §1; the *Paramètres* key « Délai maximal du secteur (jours) »),
    judged on the days from the invoice date to the due date (the N days of
    delivery-based terms and of the legal default). A warning too, after the legal one;
    never for consumers.
    """
    if max_days is not None and (isinstance(max_days, bool) or not isinstance(max_days, int) or max_days < 0):
        raise ValueError(f"délai maximal du secteur impossible : {max_days!r} (un nombre entier de jours, 0 ou plus)")
    if not isinstance(terms, Terms):
        terms = parse_terms(terms)
    if client_type is ClientType.CONSUMER or terms.kind == "receipt":
        return []
    warnings = [] if terms.kind == "legal_default" else _legal_warnings(terms, issued, client_type)
    if max_days is not None:
        from_delivery = terms.kind in ("delivery_days", "legal_default")
        days = terms.days if from_delivery else (due_date(issued, terms) - issued).days
        if days > max_days:
            since = "après la livraison" if from_delivery else "après la date de facture"
            warnings.append(f"« {terms.text or terms.describe()} » : {days} jours {since}, au-delà du délai maximal "
                            f"de votre secteur ({max_days} jours, réglage « Délai maximal du secteur (jours) » "
                            f"de Paramètres)")
    return warnings


def _legal_warnings(terms: Terms, issued: date, client_type: ClientType) -> list[str]:
    wording = f"« {terms.text or terms.describe()} »"
    if client_type is ClientType.PUBLIC:
        # Delivery-based terms: the delivery date is not known here; judge the N days.
        too_long = (terms.days > 30 if terms.kind in ("days", "delivery_days")
                    else due_date(issued, terms) > issued + timedelta(days=30))
        if not too_long:
            return []
        return [f"{wording} dépasse le délai de paiement d'un acheteur public : 30 jours (R2192-10 du Code "
                f"de la commande publique ; 50 jours pour un établissement public de santé, 60 pour "
                f"certaines entreprises publiques)"]
    if terms.kind in ("days", "delivery_days"):
        if terms.days > 60:
            return [f"{wording} : {terms.days} jours dépassent le maximum légal de 60 jours à compter de la date "
                    f"de facture entre professionnels (L441-10 I du Code de commerce)"]
        return []
    latest = max(end_of_month(issued + timedelta(days=45)), end_of_month(issued) + timedelta(days=45))
    if terms.days > 45 or due_date(issued, terms) > latest:
        return [f"{wording} dépasse 45 jours fin de mois, maximum légal entre professionnels "
                f"(L441-10 I du Code de commerce) : échéance au {due_date(issued, terms):%d/%m/%Y}, "
                f"au plus tard le {latest:%d/%m/%Y}"]
    return []


# A public buyer's reception of the payment request, when no date is recorded: the request's
# date + 2 days (CCP R2192-14).
PUBLIC_RECEIPT_DAYS = 2


def payment_period_start(client_type: ClientType, issued: date, received: date | None = None,
                         delivered: date | None = None) -> date:
    """The date an invoice's payment terms count from.

    Businesses and consumers: the invoice date (L441-10 I). A public buyer: the date it
    received the payment request (CCP R2192-12; sent through Chorus Pro, the date of the
    deposit's notification, R2192-15), ``received``; blank, the invoice date + 2 days
    (R2192-14: « à défaut, la date de la demande de paiement augmentée de deux jours fait
    foi »); and when that date is before the performance (``delivered``), the performance
    date (R2192-13).
    """
    if client_type is not ClientType.PUBLIC:
        return issued
    start = received if received is not None else issued + timedelta(days=PUBLIC_RECEIPT_DAYS)
    if delivered is not None and delivered > start:
        start = delivered
    return start
