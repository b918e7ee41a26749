"""The register's data: dumb immutable records, no behaviour.

Everything the engine computes starts from these records and returns new ones.
Money is ``Decimal`` (euros, cents after explicit rounding), dates are ``date``
(never datetimes, never time zones), rates are annual *fractions*
(``Decimal("0.1315")`` is 13.15 % a year).

Each record read from a workbook keeps ``row``, its 1-based row number in its
sheet, so that every problem and every computed value can be traced back to
the cell a person typed.

The records a register holds by the hundred thousand (clients, invoices, payments,
plan steps, problems, invoice states and their interest periods) are slotted
(``slots=True``): no ``__dict__`` per record, about 12 % less memory for the register
and 15 % for the ledger (measured at 100,000 invoices), and faster attribute reads.
Read their fields with ``dataclasses.fields``, not ``vars()``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

CENT = Decimal("0.01")
ZERO = Decimal("0")


def cents(amount: Decimal) -> Decimal:
    """Round to the cent, half-up: the one rounding rule of Relance."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_euros(amount: Decimal) -> str:
    """1234.5 → ``1 234,50 €``: amounts inside French messages (Anomalies, summaries)."""
    sign = "-" if amount < 0 else ""
    whole, frac = f"{abs(cents(amount)):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{' '.join(groups)},{frac} €"


class ClientType(str, Enum):
    """Who the debtor is; it decides which late-payment rules apply (LAW.md §2-5)."""

    BUSINESS = "Professionnel"
    PUBLIC = "Administration"
    CONSUMER = "Particulier"

    @classmethod
    def parse(cls, text: object) -> "ClientType":
        """Accept the French labels, the English ones and a few common variants.

        Raises ValueError with a readable message for anything else.
        """
        key = str(text or "").strip().lower()
        for member, words in _CLIENT_TYPE_WORDS.items():
            if key in words:
                return member
        raise ValueError(
            f"type de client inconnu « {text} » : attendu Professionnel, Administration ou Particulier"
        )


_CLIENT_TYPE_WORDS = {
    ClientType.BUSINESS: {"professionnel", "pro", "entreprise", "business", "b2b", "company"},
    ClientType.PUBLIC: {"administration", "public", "acheteur public", "public buyer", "b2g"},
    ClientType.CONSUMER: {"particulier", "consommateur", "consumer", "individual", "b2c"},
}


class Severity(str, Enum):
    ERROR = "erreur"  # the row (or the cell) was left out of the computation
    WARNING = "avertissement"  # computed, but a person should look


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in the user's data, with its place and its fix.

    ``row`` is the 1-based sheet row (None for a whole sheet or setting);
    ``column`` the column label as the user sees it (None for a whole row).
    """

    sheet: str
    row: int | None
    column: str | None
    value: object
    message: str  # what is wrong, in the user's words
    fix: str  # how to fix it
    severity: Severity = Severity.ERROR
    code: str = ""  # stable machine code, e.g. "date.unreadable"


@dataclass(frozen=True, slots=True)
class Client:
    code: str
    name: str
    type: ClientType = ClientType.BUSINESS
    email: str = ""
    email_cc: str = ""
    language: str = "fr"  # "fr" or "en"
    terms: str | None = None  # payment terms text, e.g. "45 jours fin de mois"
    scenario: str | None = None  # reminder scenario name; None: the type's default
    credit_limit: Decimal | None = None
    on_hold: bool = False  # "Relances suspendues"
    notes: str = ""
    row: int | None = None
    siren: str = ""  # the client's SIREN, quoted in formal notices (optional)
    address: str = ""  # postal address, printed on the formal notice (optional)
    phone: str = ""  # the number a call task dials (optional)


@dataclass(frozen=True, slots=True)
class Invoice:
    """An invoice (or a credit note when ``amount_ttc`` is negative)."""

    number: str
    client: str
    issued: date
    amount_ttc: Decimal
    amount_ht: Decimal | None = None
    delivered: date | None = None
    terms: str | None = None  # None: the client's terms, else the book's default
    penalty_rate: Decimal | None = None  # contractual annual fraction; None: the legal rate
    discount_rate: Decimal | None = None  # escompte as a fraction of HT, e.g. 0.02
    po_number: str = ""  # the client's purchase-order number
    dispute: str = ""  # reason; non-empty: the invoice is disputed, reminders paused
    promise: date | None = None  # promise to pay: reminders paused until this date
    notice_date: date | None = None  # formal notice received (consumer interest starts)
    row: int | None = None
    # A credit note's original invoice (a mandatory mention of a French credit note): a linked
    # credit note reduces that invoice's balance and its interest base from its own date.
    corrects: str | None = None
    # The date a public buyer received the payment request (Chorus Pro: the deposit date):
    # its payment period runs from it (CCP R2192-12 to R2192-15).
    received: date | None = None

    @property
    def is_credit_note(self) -> bool:
        return self.amount_ttc < 0


@dataclass(frozen=True, slots=True)
class Payment:
    paid_on: date
    client: str
    amount: Decimal
    invoice: str | None = None  # None: allocated to the oldest open invoice (Code civil 1342-10)
    method: str = ""
    reference: str = ""
    row: int | None = None


@dataclass(frozen=True, slots=True)
class PlanStep:
    """One line of the ``Échéanciers`` sheet: a step of a deposit, milestone or installment plan."""

    plan: str
    client: str
    step: str
    label: str = ""  # "Objet" of the plan
    total: Decimal | None = None
    percent: Decimal | None = None  # fraction, 0.30 for 30 %
    amount: Decimal | None = None
    due: date | None = None
    invoice: str | None = None  # the invoice this step became, or the invoice it schedules
    row: int | None = None
    # An installment plan agreed after default stops the penalties only if it says so
    # (LAW.md §6b): then each installment bears interest from its own date.
    suspends_penalties: bool = False


@dataclass(frozen=True)
class Settings:
    """The ``Paramètres`` sheet, typed. Secrets (SMTP password) never live here."""

    company: str = ""
    siren: str = ""
    address: str = ""
    iban: str = ""
    bic: str = ""
    sender_email: str = ""
    sender_name: str = ""
    phone: str = ""
    payment_link: str = ""  # may contain {invoice} / {reference}
    smtp_host: str = ""
    smtp_port: int | None = None
    smtp_user: str = ""
    smtp_security: str = "starttls"  # starttls | ssl | none
    default_terms: str = "30 jours"
    language: str = "fr"
    # contract (default): an invoice's own « Taux de pénalité » when typed, else the legal rate;
    # legal: the legal rate always, a typed rate is ignored with a warning.
    penalty_mode: str = "contract"
    below_floor_policy: str = "legal_default"  # legal_default | floor | contract
    imputation: str = "principal"  # principal | interest_first (Code civil 1343-1)
    min_balance: Decimal = Decimal("5.00")  # residuals below this are not chased
    reminder_deadline_days: int = 8  # the payment deadline a reminder gives; the next step waits for it
    backups: int = 5
    hold_days_late: int = 60  # credit policy: put on hold past this many days late
    hold_amount_overdue: Decimal | None = None
    # A shorter legal cap of the seller's sector (transport, perishable food: 30 days,
    # L441-10 I and L441-11): terms beyond it are a warning. None: no sector cap.
    sector_max_days: int | None = None
    bcc_sender: bool = False  # « Copie cachée à l'expéditeur »: every reminder also goes to the sender (Bcc)
    extra: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # unknown keys, kept


@dataclass(frozen=True)
class Register:
    """Everything the workbook holds, typed. Built by ``addin.register.load``."""

    settings: Settings
    clients: tuple[Client, ...] = ()
    invoices: tuple[Invoice, ...] = ()
    payments: tuple[Payment, ...] = ()
    plan_steps: tuple[PlanStep, ...] = ()


# --- What the engine computes ------------------------------------------------


class Status(str, Enum):
    """An invoice's status as written in the ``Statut`` column."""

    NOT_DUE = "À échoir"
    OVERDUE = "En retard"
    PAID = "Payée"
    DISPUTED = "En litige"
    PROMISED = "Promesse de paiement"
    CREDIT_NOTE = "Avoir"
    ERROR = "Erreur"  # the row has a problem that stops its computation (see Anomalies)


@dataclass(frozen=True, slots=True)
class InterestPeriod:
    """One line of an interest breakdown: ``base`` owed for ``days`` days at ``rate``."""

    start: date  # first day counted (inclusive)
    end: date  # last day counted (inclusive)
    days: int
    base: Decimal  # amount still due incl. VAT during the period
    rate: Decimal  # annual fraction
    rate_source: str  # e.g. "BCE 2025 S1 2,15 % + 10 pts (L441-10)" or "taux contractuel"
    amount: Decimal  # unrounded: base × rate × days / 365


@dataclass(frozen=True, slots=True)
class InvoiceState:
    """Everything Relance computes for one invoice at a given date (the computed columns)."""

    invoice: Invoice
    due: date | None  # None when the terms could not be read (a Problem says why)
    paid: Decimal
    balance: Decimal  # amount_ttc - paid ("Reste dû"); negative for a credit note
    status: Status
    days_late: int  # 0 when not late; as of today, or of the payment date when paid late
    interest: Decimal  # late interest to date, rounded to the cent
    indemnity: Decimal  # 40 € fixed recovery indemnity, 0 when not owed
    periods: tuple[InterestPeriod, ...] = ()
    paid_on: date | None = None  # date the invoice was fully paid
    plan_due: date | None = None  # next installment date when the invoice is on a plan
    next_action: str = ""
    next_action_date: date | None = None
    last_reminder: date | None = None
    # False when the rate table lacks a half-year the delay runs into (a Problem says
    # which): ``interest`` then holds only the interest up to the last day the table
    # covers, a lower bound that must not be claimed or shown as the interest owed.
    interest_known: bool = True
    # The part of the balance due now: for an invoice on an installment plan, the
    # installments due up to today not covered by the payments; otherwise the balance.
    due_now: Decimal | None = None
    # What the credit notes linked to this invoice took off it (``credit_notes.link``);
    # ``balance`` is amount − credited − paid.
    credited: Decimal = ZERO


class Channel(str, Enum):
    EMAIL = "e-mail"
    PHONE = "appel"
    LETTER = "courrier"
    FORMAL_NOTICE = "mise en demeure"


@dataclass(frozen=True)
class Step:
    """One step of a reminder scenario (``Scénarios`` sheet)."""

    scenario: str  # e.g. "Professionnel"
    name: str  # stable key of the step, e.g. "J+7"
    offset_days: int  # from the due date; negative = before
    channel: Channel
    template: str  # template name in mail_templates/<lang>/, e.g. "relance_1"
    min_gap_days: int = 0  # since the previous step for this client
    min_previous: int = 0  # reminders already sent before this step is allowed (formal notice: 3)


@dataclass(frozen=True)
class ActionItem:
    """One invoice (or credit note, or unallocated payment) listed in a reminder."""

    number: str
    po_number: str
    issued: date | None
    due: date | None
    balance: Decimal
    days_late: int
    interest: Decimal
    indemnity: Decimal
    kind: str = "invoice"  # invoice | credit_note | unallocated_payment | covered (by the credit)
    # The date ``balance`` fell (or falls) due: the first unpaid installment on a plan, else ``due``.
    ref: date | None = None
    interest_known: bool = True  # False: ``interest`` is a lower bound (a rate is missing)
    # On an installment plan, ``balance`` is the part due now; these say the rest.
    remaining: Decimal | None = None  # the invoice's whole balance
    next_installment: date | None = None  # the next installment not yet due
    next_installment_amount: Decimal | None = None
    # The written reminders the journal shows for this invoice after its own due date, so a
    # message never words a past reminder for an invoice that had none.
    reminders: int = 0
    last_reminder: date | None = None
    # The interest's breakdown (``InvoiceState.periods``), shown by the formal notice.
    periods: tuple[InterestPeriod, ...] = ()


@dataclass(frozen=True)
class Action:
    """One line of the ``Relances`` queue: one client, one step, one day, all its open items."""

    client: Client
    step: Step
    on: date
    items: tuple[ActionItem, ...]
    total_balance: Decimal
    total_interest: Decimal
    total_indemnity: Decimal
    # Written reminders the journal shows for the listed invoices after their due date:
    # the wording never claims a previous reminder that did not go out.
    previous_reminders: int = 0
    last_reminder: date | None = None
    # The formal notice comes next if this message stays unpaid: every listed overdue invoice will
    # have had the reminders the notice needs. Only then may a message call itself the last
    # amicable reminder and announce the notice (``dunning``); otherwise it is a further reminder.
    notice_next: bool = True

    @functools.cached_property  # read a few times per action by the queue, the sheet and the journal
    def key(self) -> str:
        """Identity used by the journal to send exactly once: client, step and invoices."""
        numbers = ",".join(sorted(i.number for i in self.items if i.kind == "invoice"))
        return f"{self.client.code}|{self.step.scenario}|{self.step.name}|{numbers}"
