"""Reminder emails: one ``Action`` (one client, one step, all its open items) → subject, text, HTML.

``render`` fills the templates of ``mail_templates/<lang>/<step.template>.*`` (jinja2, HTML
autoescaped, undefined variables are errors) and gathers the attachments: the EPC QR code
shown inline in the HTML, and for a formal notice the letter as a PDF.
``to_message`` turns that into a standard ``email.message.EmailMessage``::

    multipart/mixed
      multipart/alternative
        text/plain                (a real text version, not the HTML)
        multipart/related
          text/html
          image/png               (the QR code, Content-ID referenced as cid: in the HTML)
      application/pdf             (formal notice only; Content-Disposition: attachment)

Everything taken from the workbook is untrusted: it is HTML-escaped in the HTML part, and
control characters (CR, LF, …) are turned into spaces before they reach any header, so a
client named ``"Evil\\r\\nBcc: x@y"`` cannot add a header.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, localtime
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import jinja2

from addin.core.deadlines import payment_deadline
from addin.core.dunning import CLAIMING_TEMPLATES
from addin.core.model import ZERO, Action, ActionItem, Channel, ClientType, Settings, cents
from addin.mail import formatting
from addin.mail.claims import amount_to_pay, claim, reference_date, summarize
from addin.mail.text import EMAIL, format_iban, header_text, one_line, split_emails
from addin.reports.letters import formal_notice_pdf, notice_wording
from addin.mail.qr import epc_qr_png, iban_is_valid


def _templates_dir() -> Path:
    """``mail_templates/``: inside the installed package (``pip install .``), else at the top of the checkout."""
    installed = Path(str(files("addin") / "mail_templates"))
    return installed if installed.is_dir() else Path(__file__).resolve().parents[2] / "mail_templates"


TEMPLATES_DIR = _templates_dir()

TEMPLATE_NAMES = (
    "avant_echeance",
    "echeance",
    "relance_1",
    "relance_2",
    "relance_3",
    "mise_en_demeure",
    "particulier_1",
    "particulier_2",
    "particulier_3",
    "appel",
)
# CLAIMING_TEMPLATES (addin.core.dunning): the templates that claim the late interest and
# the 40 € indemnity (never the indemnity for consumers); the queue holds them while a
# rate is missing.
FORMAL_NOTICE_TEMPLATE = "mise_en_demeure"
PREVIEW_ONLY_TEMPLATES = frozenset({"appel"})
NOTICE_DEADLINE_DAYS = Settings().reminder_deadline_days  # the default; the setting wins
QR_CID = "qr-virement@relance"
OLD_DEBT_DAYS = 60  # from two months late, a first message no longer calls the debt an oversight


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # "application/pdf", "image/png"
    data: bytes
    inline_cid: str | None = None  # Content-ID (without <>) when shown inside the HTML


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...]
    to: tuple[str, ...]
    cc: tuple[str, ...]
    lang: str
    key: str = ""  # the action's key, sent as X-Relance-Key
    client_name: str = ""  # display name in To (sanitised)
    template: str = ""
    preview_only: bool = False  # a phone-call script: shown, never sent
    notes: tuple[str, ...] = ()  # what the preview should tell the user (no QR code, bad address…)


def _client_kind(client_type: ClientType) -> str:
    return {ClientType.BUSINESS: "business", ClientType.PUBLIC: "public", ClientType.CONSUMER: "consumer"}[
        client_type
    ]


def payment_link(settings: Settings, reference: str, amount: Decimal) -> str:
    """``Settings.payment_link`` with ``{reference}``, ``{invoice}`` and ``{amount}`` filled in (URL-encoded).

    Plain replacement, not ``str.format``: a link typed in the sheet cannot reach Python objects.
    """
    link = one_line(settings.payment_link)
    if not link:
        return ""
    if not re.match(r"https?://", link, re.IGNORECASE):
        return ""  # only web links; "javascript:" or "file:" have no place in an email
    quoted = urllib.parse.quote(reference, safe="")
    return (
        link.replace("{reference}", quoted)
        .replace("{invoice}", quoted)
        .replace("{amount}", f"{cents(amount):.2f}")
    )


# --- templates ------------------------------------------------------------------


@lru_cache(maxsize=8)
def environment(lang: str, templates_dir: Path = TEMPLATES_DIR) -> jinja2.Environment:
    """The jinja2 environment of one language: HTML autoescaped, text not, undefined is an error."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir / lang)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(formatting.filters(lang))
    return env


def template_language(lang: str, name: str, templates_dir: Path = TEMPLATES_DIR) -> str:
    """The client's language if the template exists in it, else French."""
    lang = formatting.language(lang)
    if (templates_dir / lang / f"{name}.html").exists():
        return lang
    return formatting.DEFAULT_LANG


def situation(ref: date | None, today: date) -> str:
    """``not_due``, ``due_today`` or ``overdue``: how a message words an item, from its date,
    never from the step's name (a J0 reached late speaks of an overdue invoice)."""
    if ref is None or ref > today:
        return "not_due"
    return "due_today" if ref == today else "overdue"


def _item_view(item: ActionItem, claim: bool, consumer: bool, today: date) -> dict[str, object]:
    ref = reference_date(item)
    where = situation(ref, today)
    return {
        "number": one_line(item.number),
        "po_number": one_line(item.po_number),
        "issued": item.issued,
        "due": item.due,
        "ref": ref,
        "situation": where,
        "balance": item.balance,
        "days_late": (today - ref).days if where == "overdue" and ref is not None else 0,
        # None: the rate table lacks a half-year, the amount is not known (never shown as owed)
        "interest": (item.interest if item.interest_known else None) if claim else ZERO,
        "indemnity": item.indemnity if claim and not consumer else ZERO,
        "on_plan": item.remaining is not None,
        # Written reminders the journal shows for it after its due date (None: not known).
        "reminders": getattr(item, "reminders", None),
        "remaining": item.remaining,
        "next_installment": item.next_installment,
        "next_installment_amount": item.next_installment_amount,
    }


def _situations(views: list[dict[str, object]]) -> dict[str, object]:
    """The message's situation as a whole, for its intro: one word, the counts and the dates."""
    kinds = [v["situation"] for v in views]
    overdue = [v["ref"] for v in views if v["situation"] == "overdue"]
    upcoming = sorted({v["ref"] for v in views if v["situation"] == "not_due" and v["ref"] is not None})
    distinct = set(kinds)
    return {
        "kind": distinct.pop() if len(distinct) == 1 else "mixed",
        "overdue": len(overdue),
        "due_today": kinds.count("due_today"),
        "not_due": kinds.count("not_due"),
        "since": min(overdue) if overdue else None,  # the oldest date an overdue item fell due
        "one_date": len({v["ref"] for v in views}) == 1,
        "next_due": upcoming[0] if upcoming else None,
    }


def repeat_number(step_name: str) -> int:
    """2 for « J+30 (2) » (a step repeated before the formal notice, ``dunning.repeat_name``), else 0."""
    m = re.search(r" \((\d+)\)$", step_name)
    return int(m.group(1)) if m and int(m.group(1)) > 1 else 0


def _reminded(views: list[dict[str, object]], previous: int) -> tuple[list[dict], list[dict]]:
    """(the listed invoices the journal shows a reminder for, the others): the opening sentence
    speaks of past reminders for the first only. Without per-invoice counts (an item built by
    hand), every item shares the message's ``previous_reminders``."""
    if any(v["reminders"] is None for v in views):
        return (list(views), []) if previous else ([], list(views))
    return [v for v in views if v["reminders"]], [v for v in views if not v["reminders"]]


def context(action: Action, settings: Settings, *, today: date, lang: str, qr_cid: str | None) -> dict:
    """Every variable the templates use (see mail_templates/README.md)."""
    summary = summarize(action)
    consumer = summary.client_type == ClientType.CONSUMER
    template = action.step.template
    claimed = claim(action)
    is_claim = claimed.interest is not None or claimed.indemnity is not None or template in CLAIMING_TEMPLATES
    claim_indemnity = claimed.indemnity is not None
    show_interest = claimed.interest is not None
    to_pay = claimed.total
    reference = summary.reference
    iban_ok = bool(settings.iban) and iban_is_valid(settings.iban)
    views = [_item_view(i, show_interest, consumer, today) for i in summary.invoices]
    reminded, unreminded = _reminded(views, action.previous_reminders)
    days = deadline_days(settings)
    return {
        "lang": lang,
        "today": today,
        "template": template,
        "step": {"name": one_line(action.step.name), "offset_days": action.step.offset_days},
        # The n-th sending of a step repeated while the formal notice waits (« J+30 (2) »): 0 if not one.
        "repeat": repeat_number(action.step.name),
        # The formal notice follows this message if it stays unpaid: only then « dernière relance ».
        "notice_next": action.notice_next,
        "client": {
            "name": one_line(action.client.name),
            "code": one_line(action.client.code),
            "kind": _client_kind(summary.client_type),
        },
        "sender": {
            "company": one_line(settings.company),
            "name": one_line(settings.sender_name),
            "phone": one_line(settings.phone),
            "email": one_line(settings.sender_email),
            "siren": one_line(settings.siren),
            "address": one_line(settings.address),
        },
        "invoices": views,
        "deductions": [
            {
                "kind": i.kind,
                "number": one_line(i.number),
                "po_number": one_line(i.po_number),
                "issued": i.issued,
                "due": reference_date(i),
                "amount": amount,
            }
            for i, amount in summary.deductions
        ],
        "plural": len(summary.invoices) > 1,
        "reference": reference,
        "next_due": summary.next_due,
        "max_days_late": max((v["days_late"] for v in views), default=0),
        # An old debt (the oldest listed invoice OLD_DEBT_DAYS late or more): its first message
        # is no « simple oubli » but states the age and asks for payment or the reason.
        "old_debt": max((v["days_late"] for v in views), default=0) >= OLD_DEBT_DAYS,
        "situation": _situations(views),
        "on_plan": any(v["on_plan"] for v in views),
        "previous_reminders": action.previous_reminders,
        "last_reminder": action.last_reminder,
        "reminded": reminded,
        "unreminded": unreminded,
        "joined": _situations(unreminded) if unreminded else None,
        "claim": is_claim,
        "show_interest": show_interest,
        "interest_unknown": show_interest and any(v["interest"] is None for v in views),
        "claim_indemnity": claim_indemnity,
        "totals": {
            "balance": summary.balance,
            "interest": summary.interest if show_interest else ZERO,
            "indemnity": summary.indemnity if claim_indemnity else ZERO,
            "to_pay": cents(to_pay),
        },
        "payment": {
            "iban": format_iban(settings.iban) if iban_ok else "",
            "bic": one_line(settings.bic).replace(" ", "").upper(),
            "reference": reference,
            "link": payment_link(settings, reference, to_pay),
            "qr_cid": qr_cid,
        },
        "deadline": payment_deadline(today, days),  # never a weekend or a French public holiday
        "deadline_days": days,
        "notice_deadline_days": days,
        # The formal notice's sentences, the very ones its letter prints (``letters.notice_wording``).
        "notice": notice_wording(action, settings, today=today, lang=lang, deadline_days=days)
        if template == FORMAL_NOTICE_TEMPLATE or action.step.channel == Channel.FORMAL_NOTICE else None,
    }


def deadline_days(settings: Settings) -> int:
    """The payment deadline the reminders and the formal notice give (Paramètres); the queue
    waits for it before the next step (``addin.core.dunning``)."""
    return max(int(settings.reminder_deadline_days), 0)


def _letter_filename(action: Action, lang: str, today: date) -> str:
    stem = "Mise en demeure" if lang == "fr" else "Formal notice"
    name = re.sub(r'[\\/:*?"<>|]+', " ", one_line(action.client.name)).strip(" .")[:60]
    return f"{stem} - {name} - {today.isoformat()}.pdf" if name else f"{stem} - {today.isoformat()}.pdf"


def render(action: Action, settings: Settings, *, today: date, templates_dir: Path = TEMPLATES_DIR,
           user_lang: str = "fr") -> Rendered:
    """Render the email of one action in the client's language (French when unknown).

    A call script is read by the user: it is in ``user_lang`` (the register's language), and
    only the sentence she says to the client (``_call_spoken``) is in the client's language.

    Raises ``jinja2.TemplateNotFound`` for a step naming a template that does not exist,
    and ``jinja2.UndefinedError`` if a template uses a variable the context lacks.
    """
    name = one_line(action.step.template)
    client_lang = template_language(action.client.language, name, templates_dir)
    script = name in PREVIEW_ONLY_TEMPLATES or action.step.channel == Channel.PHONE
    lang = template_language(user_lang, name, templates_dir) if script else client_lang
    env = environment(lang, templates_dir)
    notes: list[str] = []
    summary = summarize(action)

    attachments: list[Attachment] = []
    preview_only = name in PREVIEW_ONLY_TEMPLATES or action.step.channel == Channel.PHONE
    qr_cid = None
    to_pay = amount_to_pay(action)
    if not preview_only:
        if settings.iban and not iban_is_valid(settings.iban):
            notes.append(
                "IBAN invalide dans Paramètres (clé de contrôle) : ni IBAN ni QR code dans l'e-mail."
            )
        elif not settings.iban:
            notes.append("Pas d'IBAN dans Paramètres : pas de QR code de virement.")
        png = epc_qr_png(settings, to_pay, summary.reference) if to_pay > 0 else None
        if png is not None:
            qr_cid = QR_CID
            attachments.append(Attachment("qr-virement.png", "image/png", png, QR_CID))

    ctx = context(action, settings, today=today, lang=lang, qr_cid=qr_cid)
    spoken_html = ""
    if script:  # the words for the client, in the client's language
        spoken_env = environment(client_lang, templates_dir)
        spoken_ctx = {**ctx, "lang": client_lang}
        ctx["spoken"] = spoken_env.get_template("_call_spoken.txt").render(spoken_ctx).strip()
        spoken_html = spoken_env.get_template("_call_spoken.html").render(spoken_ctx).strip()
    unknown = [v["number"] for v in ctx["invoices"] if v["interest"] is None]
    if unknown:
        notes.append("Intérêts non connus (taux manquant dans la feuille Taux) pour : " + ", ".join(unknown) + ".")
    subject = one_line(env.get_template(f"{name}.subject.txt").render(ctx))
    text = env.get_template(f"{name}.txt").render(ctx)
    html = env.get_template(f"{name}.html").render({**ctx, "spoken": spoken_html} if script else ctx)

    if name == FORMAL_NOTICE_TEMPLATE or action.step.channel == Channel.FORMAL_NOTICE:

        pdf = formal_notice_pdf(action, settings, today=today, deadline_days=deadline_days(settings))
        attachments.append(Attachment(_letter_filename(action, lang, today), "application/pdf", pdf, None))

    to, bad_to = split_emails(action.client.email)
    cc, bad_cc = split_emails(action.client.email_cc)
    cc = tuple(a for a in cc if a.lower() not in {t.lower() for t in to})
    for bad in bad_to + bad_cc:
        notes.append(f"Adresse e-mail ignorée (invalide) : « {bad} ».")
    if not to and not preview_only:
        notes.append("Aucune adresse e-mail valide pour ce client : l'e-mail ne peut pas partir.")

    return Rendered(
        subject=subject,
        text=text,
        html=html,
        attachments=tuple(attachments),
        to=to,
        cc=cc,
        lang=lang,
        key=one_line(action.key),
        client_name=one_line(action.client.name),
        template=name,
        preview_only=preview_only,
        notes=tuple(notes),
    )


# --- the MIME message -------------------------------------------------------------


class _Policy(EmailPolicy):
    """``email.policy.default``, except that a non-ASCII Subject is encoded by ``email.header``.

    Python's own refolding drops the space between an encoded word and the word after it
    when a fold falls there (« impayée — Pixel » arrived as « impayée— Pixel »); encoding the
    whole subject as RFC 2047 words keeps every space, and a reader decodes it exactly.
    """

    def _fold(self, name, value, refold_binary=False):  # noqa: ANN001 - email.policy's signature
        text = str(value)
        if name.lower() == "subject" and not text.isascii() and not self.utf8:
            header = Header(text, "utf-8", maxlinelen=self.max_line_length or 78, header_name=name)
            return f"{name}: {header.encode(linesep=self.linesep)}{self.linesep}"
        return super()._fold(name, value, refold_binary)


MIME_POLICY = _Policy()
SMTP_POLICY = MIME_POLICY.clone(linesep="\r\n")  # for .eml files: CRLF line ends, as on the wire


def _address(display_name: str, addr: str) -> Address:
    # Address keeps an accented display name encoded (RFC 2047) and the address intact.
    return Address(display_name=header_text(display_name), addr_spec=addr)


def to_message(
    rendered: Rendered, settings: Settings, *, message_id: str, date: datetime | None = None
) -> EmailMessage:
    """The email ready for SMTP or an .eml file.

    ``message_id`` is given by the caller (derived from the action key so a resend after a
    crash carries the same id); angle brackets are added when missing. ``date`` defaults to now.
    Raises ValueError for a preview-only rendering, no valid recipient, or no sender address.
    """
    if rendered.preview_only:
        raise ValueError("un script d'appel ne s'envoie pas par e-mail")
    if not rendered.to:
        raise ValueError("aucune adresse e-mail valide pour ce client")
    sender = one_line(settings.sender_email)
    if not EMAIL.fullmatch(sender):
        raise ValueError("adresse d'expéditeur absente ou invalide dans Paramètres (E-mail expéditeur)")
    display = settings.sender_name or settings.company
    if settings.sender_name and settings.company and settings.sender_name != settings.company:
        display = f"{settings.sender_name} - {settings.company}"

    msg = EmailMessage(policy=MIME_POLICY)
    msg["Subject"] = header_text(rendered.subject, 900)
    msg["From"] = _address(display, sender)
    msg["To"] = tuple(_address(rendered.client_name, a) for a in rendered.to)
    if rendered.cc:
        msg["Cc"] = tuple(Address(addr_spec=a) for a in rendered.cc)
    if settings.bcc_sender:  # « Copie cachée à l'expéditeur »: her mailbox keeps what the client got
        msg["Bcc"] = _address(display, sender)
    msg["Reply-To"] = _address(display, sender)
    mid = one_line(message_id).replace(" ", "")
    msg["Message-ID"] = mid if mid.startswith("<") else f"<{mid}>"
    msg["Date"] = format_datetime(date) if date is not None else format_datetime(localtime())
    msg["X-Relance-Key"] = header_text(rendered.key, 900)
    msg["Content-Language"] = rendered.lang

    # quoted-printable keeps the message 7-bit clean for servers without 8BITMIME
    msg.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    html_part = msg.get_payload()[1]
    for att in rendered.attachments:
        if att.inline_cid:
            maintype, subtype = att.content_type.split("/", 1)
            html_part.add_related(
                att.data, maintype=maintype, subtype=subtype, cid=f"<{att.inline_cid}>", filename=att.filename,
                disposition="inline",
            )
    for att in rendered.attachments:
        if not att.inline_cid:
            maintype, subtype = att.content_type.split("/", 1)
            msg.add_attachment(att.data, maintype=maintype, subtype=subtype, filename=att.filename)
    return msg
