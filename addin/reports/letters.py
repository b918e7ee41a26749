"""The formal notice (mise en demeure) as a PDF letter, ready to print and send by LRAR.

Its content follows LAW.md §7: the creditor and the debtor, the words "mise en demeure",
the invoices and amounts, the interest and indemnity claimed to date with their legal basis,
a deadline (the Paramètres' « Délai accordé dans les relances », 8 days by default), "Lettre recommandée avec accusé de réception", date and place,
and a signature block. The legal basis depends on the debtor:

- business: late interest, Code de commerce L441-10 II; 40 € per invoice, D441-5 (more on proof of
  higher costs); remedies: injonction de payer (CPC 1405 s.), and up to 5,000 € the simplified
  recovery of small claims by a commissaire de justice (CPCE L125-1);
- public buyer: moratory interest, Code de la commande publique L2192-13 and R2192-31 s.; 40 € per
  invoice, D2192-35; remedy: the administrative judge's référé-provision (CJA R541-1), after any
  claim the contract's CCAG requires — never an injonction de payer (not available against a public
  person under a public contract);
- consumer: legal interest from the receipt of the notice, Code civil 1231-6 and 1344-1 (the notice
  itself: 1344); no indemnity, and the recovery costs without an enforceable title stay with the
  creditor (CPCE L111-8): none is claimed; remedies: injonction de payer, small claims (L125-1).

The deadline is « N jours à compter de la réception de la présente », with the date it gives for a
letter received the day it is sent, never a weekend or a French public holiday
(``core.deadlines``). The interest is shown per period (dates, days, base, rate and its basis,
amount) so that the debtor or a judge can check it. ``notice_wording`` holds the sentences the
letter and the formal-notice e-mail share: they say the same amounts, deadline and legal basis.

English clients get an English letter ("FORMAL NOTICE / LETTER BEFORE ACTION") citing the same
French texts. The bytes depend only on the inputs: the PDF creation date is ``today``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF

from addin.core.deadlines import payment_deadline
from addin.core.model import Action, ClientType, Settings, cents
from addin.mail import formatting
from addin.mail.claims import summarize
from addin.mail.text import one_line

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"


class FontMissing(RuntimeError):
    """The Unicode font the letters need is not installed."""


_TEXT = {
    "fr": {
        "lrar": "Lettre recommandée avec accusé de réception",
        "title": "MISE EN DEMEURE DE PAYER",
        "object": "Objet : mise en demeure de payer — {ref}",
        "siren": "SIREN",
        "account": "Compte client",
        "made": "Fait à {place}, le {date}",
        "made_noplace": "Le {date}",
        "greeting": "Madame, Monsieur,",
        "intro": (
            "Malgré nos relances{about}{last}, les sommes suivantes restent impayées à ce jour, "
            "bien qu'arrivées à échéance :"
        ),
        "intro_one": "Malgré notre rappel{about}{last}, les sommes suivantes restent impayées à ce jour, bien qu'arrivées à échéance :",
        "about_one": " concernant la facture {n}",
        "about_many": " concernant les factures {n}",
        "and": " et ",
        "intro_none": "Les sommes suivantes, arrivées à échéance, restent impayées à ce jour :",
        "last_many": ", dont la dernière le {date}",
        "last_one": " du {date}",
        "plan": (
            "Facture {n} : échéancier convenu ; le montant ci-dessus est celui des échéances dues et impayées, "
            "reste dû sur la facture {remaining}{next}."
        ),
        "plan_next": ", prochaine échéance le {date} ({amount})",
        "cols": ("Facture", "Bon de cde", "Date", "Échéance", "Retard (j)", "Reste dû", "Intérêts", "Indemnité"),
        "credit_note": "Avoir {n}",
        "unallocated": "Paiement non affecté",
        "covered": "Facture {n} (éch. {due}), à compenser avec le crédit",
        "total_balance": "Principal restant dû",
        "total_interest": "Intérêts de retard au {date}",
        "total_interest_public": "Intérêts moratoires au {date}",
        "total_indemnity": "Indemnité forfaitaire pour frais de recouvrement",
        "total": "Total réclamé",
        "basis_business": (
            "Cette somme comprend les pénalités de retard, dues de plein droit depuis le lendemain de la date "
            "d'échéance sans qu'un rappel soit nécessaire (article L441-10 II du Code de commerce), au taux "
            "indiqué pour chaque période{below} ({interest} au {today}, à parfaire jusqu'au paiement "
            "effectif), et l'indemnité forfaitaire pour frais de recouvrement de 40 € par facture payée en "
            "retard (articles L441-10 II et D441-5 du Code de commerce) ({indemnity}) ; une indemnisation "
            "complémentaire peut être demandée, sur justification, lorsque les frais de recouvrement exposés "
            "sont supérieurs."
        ),
        "basis_public": (
            "Cette somme comprend les intérêts moratoires, dus de plein droit dès le lendemain de l'expiration "
            "du délai de paiement (articles L2192-13 et R2192-31 et suivants du Code de la commande publique : "
            "taux de la Banque centrale européenne en vigueur au premier jour du semestre où ils ont commencé "
            "à courir, majoré de huit points) ({interest} au {today}, à parfaire jusqu'au paiement effectif), "
            "et l'indemnité forfaitaire pour frais de recouvrement de 40 € par facture (article D2192-35 du "
            "même code) ({indemnity})."
        ),
        "basis_consumer": (
            "Conformément aux articles 1231-6 et 1344-1 du Code civil, les sommes dues porteront intérêt au "
            "taux légal à compter de la réception de la présente mise en demeure."
        ),
        "basis_consumer_running": (
            "Conformément aux articles 1231-6 et 1344-1 du Code civil, les sommes dues portent intérêt au "
            "taux légal depuis la réception de notre mise en demeure ({interest} au {today}, à parfaire "
            "jusqu'au paiement effectif)."
        ),
        "demand": (
            "Par la présente, nous vous mettons en demeure de nous régler la somme de {total} dans un délai "
            "de {days} jours à compter de la réception de la présente, soit au plus tard le {deadline} pour "
            "une réception le {today}."
        ),
        "pay": "Règlement par virement : IBAN {iban}{bic}, en indiquant la référence {ref}.",
        "remedies_business": (
            "À défaut de paiement dans ce délai, nous pourrons, sans autre avis, demander au président du "
            "tribunal de commerce une ordonnance d'injonction de payer (articles 1405 et suivants du Code de "
            "procédure civile) ou, pour une créance n'excédant pas 5 000 €, recourir à la procédure "
            "simplifiée de recouvrement des petites créances par un commissaire de justice (article L125-1 "
            "du Code des procédures civiles d'exécution)."
        ),
        "remedies_public": (
            "À défaut de paiement dans ce délai, et après la réclamation préalable que prévoit, le cas "
            "échéant, le cahier des clauses administratives générales applicable au marché, nous pourrons "
            "demander au juge des référés du tribunal administratif le versement d'une provision (article "
            "R541-1 du Code de justice administrative)."
        ),
        "remedies_consumer": (
            "À défaut de paiement dans ce délai, nous pourrons demander au juge une ordonnance d'injonction "
            "de payer (articles 1405 et suivants du Code de procédure civile) ou, pour une créance "
            "n'excédant pas 5 000 €, recourir à la procédure simplifiée de recouvrement des petites créances "
            "par un commissaire de justice (article L125-1 du Code des procédures civiles d'exécution)."
        ),
        "below": " dans le détail du calcul ci-dessous",
        "calc_title": "Détail du calcul des intérêts",
        "calc_cols": ("Facture", "Du", "Au", "Jours", "Base", "Taux", "Fondement du taux", "Intérêts"),
        "calc_total": "Total facture {n} (arrondi au centime)",
        "calc_note": "Intérêts = base × taux × jours / 365 ; le total de chaque facture est arrondi au centime.",
        "closing": "Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées.",
    },
    "en": {
        "lrar": "Registered letter with acknowledgement of receipt (lettre recommandée avec accusé de réception)",
        "title": "FORMAL NOTICE / LETTER BEFORE ACTION",
        "object": "Re: formal notice to pay (mise en demeure) — {ref}",
        "siren": "SIREN",
        "account": "Customer account",
        "made": "{place}, {date}",
        "made_noplace": "{date}",
        "greeting": "Dear Sir or Madam,",
        "intro": "Despite our reminders{about}{last}, the following amounts, now overdue, remain unpaid:",
        "intro_one": "Despite our reminder{about}{last}, the following amounts, now overdue, remain unpaid:",
        "about_one": " about invoice {n}",
        "about_many": " about invoices {n}",
        "and": " and ",
        "intro_none": "The following amounts, now overdue, remain unpaid:",
        "last_many": ", the last one on {date}",
        "last_one": " of {date}",
        "plan": (
            "Invoice {n}: agreed payment plan; the amount above is that of the installments due and unpaid, "
            "balance of the invoice {remaining}{next}."
        ),
        "plan_next": ", next installment on {date} ({amount})",
        "cols": ("Invoice", "PO", "Date", "Due date", "Days late", "Balance", "Interest", "Indemnity"),
        "credit_note": "Credit note {n}",
        "unallocated": "Unallocated payment",
        "covered": "Invoice {n} (due {due}), offset against the credit",
        "total_balance": "Principal outstanding",
        "total_interest": "Late-payment interest as of {date}",
        "total_interest_public": "Moratory interest as of {date}",
        "total_indemnity": "Fixed recovery indemnity",
        "total": "Total claimed",
        "basis_business": (
            "This sum includes the late-payment interest, due by law from the day after the due date without "
            "any reminder being necessary (article L441-10 II of the French Commercial Code, Code de "
            "commerce), at the rate shown for each period{below} ({interest} as of {today}, running until "
            "actual payment), and the fixed recovery indemnity of 40 € per invoice paid late (articles "
            "L441-10 II and D441-5 of the Commercial Code) ({indemnity}); further compensation may be "
            "claimed, on proof, where the recovery costs incurred are higher."
        ),
        "basis_public": (
            "This sum includes the moratory interest, due by law from the day after the payment period "
            "expired (articles L2192-13 and R2192-31 et seq. of the French Public Procurement Code, Code de la "
            "commande publique: the European Central Bank rate in force on the first day of the half-year in "
            "which it started to run, plus eight points) ({interest} as of {today}, running until actual "
            "payment), and the fixed recovery indemnity of 40 € per invoice (article D2192-35 of the same "
            "code) ({indemnity})."
        ),
        "basis_consumer": (
            "In accordance with articles 1231-6 and 1344-1 of the French Civil Code, the amounts due will bear "
            "interest at the legal rate from receipt of this formal notice."
        ),
        "basis_consumer_running": (
            "In accordance with articles 1231-6 and 1344-1 of the French Civil Code, the amounts due bear "
            "interest at the legal rate since receipt of our formal notice ({interest} as of {today}, running "
            "until actual payment)."
        ),
        "demand": (
            "We hereby give you formal notice to pay the sum of {total} within {days} days of receipt of this "
            "notice, i.e. by {deadline} at the latest if received on {today}."
        ),
        "pay": "Payment by bank transfer: IBAN {iban}{bic}, quoting the reference {ref}.",
        "remedies_business": (
            "Failing payment within this period, we may, without further notice, apply to the president of the "
            "commercial court for an order for payment (injonction de payer, articles 1405 et seq. of the "
            "French Code of Civil Procedure) or, for a claim not exceeding 5,000 €, use the simplified "
            "small-claims recovery procedure through a commissaire de justice (article L125-1 of the Code "
            "des procédures civiles d'exécution)."
        ),
        "remedies_public": (
            "Failing payment within this period, and after any prior claim the general administrative "
            "terms (CCAG) applicable to the contract require, we may apply to the interim-relief judge of "
            "the administrative court for an advance payment (référé-provision, article R541-1 of the Code "
            "de justice administrative)."
        ),
        "remedies_consumer": (
            "Failing payment within this period, we may apply to the court for an order for payment "
            "(injonction de payer, articles 1405 et seq. of the French Code of Civil Procedure) or, for a "
            "claim not exceeding 5,000 €, use the simplified small-claims recovery procedure through a "
            "commissaire de justice (article L125-1 of the Code des procédures civiles d'exécution)."
        ),
        "below": " in the breakdown below",
        "calc_title": "How the interest is computed",
        "calc_cols": ("Invoice", "From", "To", "Days", "Base", "Rate", "Basis of the rate", "Interest"),
        "calc_total": "Total for invoice {n} (rounded to the cent)",
        "calc_note": "Interest = base × rate × days / 365; each invoice's total is rounded to the cent.",
        "closing": "Yours faithfully,",
    },
}


@dataclass(frozen=True)
class PeriodLine:
    """One line of the interest breakdown: ``base`` for ``days`` days at ``rate`` (its ``basis``)."""

    number: str
    start: date
    end: date
    days: int
    base: Decimal
    rate: Decimal
    basis: str
    amount: Decimal  # the period's amount to the cent (the invoice's total is rounded once)


@dataclass(frozen=True)
class NoticeWording:
    """What the formal notice says, shared word for word by the letter and the e-mail."""

    demand: str
    basis: str
    remedies: str
    deadline: date
    days: int
    periods: tuple[PeriodLine, ...]
    totals: tuple[tuple[str, Decimal], ...]  # (invoice, its interest) for the invoices in ``periods``


def notice_wording(action: Action, settings: Settings, *, today: date, lang: str,
                   deadline_days: int | None = None) -> NoticeWording:
    """The demand (amount, « N jours à compter de la réception », the deadline's date), the legal
    basis and the remedies open against this debtor, and the interest's breakdown per period."""
    t = _TEXT[formatting.language(lang)]
    money = lambda v: formatting.money(v, lang)  # noqa: E731
    long_date = lambda d: formatting.long_date(d, lang)  # noqa: E731
    summary = summarize(action)
    kind = action.client.type
    days = max(settings.reminder_deadline_days if deadline_days is None else deadline_days, 0)
    deadline = payment_deadline(today, days)
    lines: list[PeriodLine] = []
    totals: list[tuple[str, Decimal]] = []
    for item in summary.invoices:
        periods = getattr(item, "periods", ()) or ()
        if not item.interest_known or item.interest <= 0 or not periods:
            continue
        for p in periods:
            lines.append(PeriodLine(one_line(item.number), p.start, p.end, p.days, p.base, p.rate,
                                    p.rate_source, cents(p.amount)))
        totals.append((one_line(item.number), item.interest))
    below = t["below"] if lines else ""
    figures = dict(interest=money(summary.interest), today=long_date(today), indemnity=money(summary.indemnity),
                   below=below)
    if kind == ClientType.CONSUMER:
        basis = t["basis_consumer_running"].format(**figures) if summary.interest > 0 else t["basis_consumer"]
        remedies = t["remedies_consumer"]
    elif kind == ClientType.PUBLIC:
        basis, remedies = t["basis_public"].format(**figures), t["remedies_public"]
    else:
        basis, remedies = t["basis_business"].format(**figures), t["remedies_business"]
    demand = t["demand"].format(total=money(summary.claimed), days=days, deadline=long_date(deadline),
                                today=long_date(today))
    return NoticeWording(demand, basis, remedies, deadline, days, tuple(lines), tuple(totals))


def letter_place(settings: Settings) -> str:
    """The town for "Fait à …": the words after a 5-digit postcode in the company address."""
    match = re.search(r"\b\d{5}\s+([^,\n\d][^,\n]*)", settings.address or "")
    return one_line(match.group(1)).strip() if match else ""


def _fonts(pdf: FPDF) -> None:
    if not FONT_REGULAR.exists() or not FONT_BOLD.exists():
        raise FontMissing(
            f"Police DejaVu introuvable ({FONT_REGULAR}) : installez le paquet fonts-dejavu-core "
            "(scripts/install.sh) pour produire les lettres de mise en demeure."
        )
    pdf.add_font("DejaVu", "", str(FONT_REGULAR))
    pdf.add_font("DejaVu", "B", str(FONT_BOLD))


def formal_notice_pdf(action: Action, settings: Settings, *, today: date, deadline_days: int | None = None) -> bytes:
    """The formal notice letter for ``action``'s client, as PDF bytes (deterministic for the same inputs).

    Raises ``FontMissing`` when the DejaVu font is not installed.
    """
    lang = formatting.language(action.client.language)
    t = _TEXT[lang]
    money = lambda v: formatting.money(v, lang)  # noqa: E731
    sdate = formatting.short_date
    long_date = lambda d: formatting.long_date(d, lang)  # noqa: E731
    summary = summarize(action)
    kind = action.client.type
    consumer = kind == ClientType.CONSUMER
    wording = notice_wording(action, settings, today=today, lang=lang, deadline_days=deadline_days)

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_creation_date(datetime(today.year, today.month, today.day, tzinfo=timezone.utc))
    pdf.set_producer("Relance")
    pdf.set_title(t["title"])
    pdf.set_author(one_line(settings.company))
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=18)
    _fonts(pdf)
    pdf.add_page()
    width = pdf.epw

    def para(text: str, size: float = 10, style: str = "", gap: float = 2.5, align: str = "J") -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(width, 5, text, align=align, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    # Creditor (top left)
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(width, 5.5, one_line(settings.company), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9.5)
    for line in (
        one_line(settings.address),
        f"{t['siren']} {one_line(settings.siren)}" if settings.siren else "",
        " · ".join(x for x in (one_line(settings.phone), one_line(settings.sender_email)) if x),
    ):
        if line:
            pdf.cell(width, 4.8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)

    # Debtor (right column, where a window envelope shows it)
    left = pdf.l_margin + width * 0.5
    pdf.set_x(left)
    pdf.set_font("DejaVu", "B", 10.5)
    pdf.multi_cell(width * 0.5, 5.5, one_line(action.client.name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9.5)
    debtor_address = one_line(getattr(action.client, "address", ""))
    if debtor_address:
        pdf.set_x(left)
        pdf.multi_cell(width * 0.5, 4.8, debtor_address, new_x="LMARGIN", new_y="NEXT")
    debtor_siren = one_line(getattr(action.client, "siren", ""))
    if debtor_siren:
        pdf.set_x(left)
        pdf.cell(width * 0.5, 4.8, f"{t['siren']} {debtor_siren}", new_x="LMARGIN", new_y="NEXT")
    if action.client.code:
        pdf.set_x(left)
        pdf.cell(width * 0.5, 4.8, f"{t['account']} : {one_line(action.client.code)}" if lang == "fr"
                 else f"{t['account']}: {one_line(action.client.code)}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)

    place = letter_place(settings)
    made = t["made"].format(place=place, date=long_date(today)) if place else t["made_noplace"].format(
        date=long_date(today)
    )
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(width, 5, made, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    para(t["lrar"], size=10, style="B", gap=1, align="L")
    para(t["object"].format(ref=summary.reference), size=10, style="B", gap=4, align="L")
    para(t["title"], size=15, style="B", gap=4, align="C")
    para(t["greeting"], gap=2, align="L")
    # Never claim a reminder the journal does not show (review 4, item 4e).
    previous = action.previous_reminders
    when = long_date(action.last_reminder) if action.last_reminder else None
    # Past reminders are claimed for the invoices the journal shows them for, named when some
    # listed invoices had none (``ActionItem.reminders``).
    counts = [getattr(i, "reminders", None) for i in summary.invoices]
    about = ""
    if None not in counts and 0 in counts and any(counts):
        names = [one_line(i.number) for i, n in zip(summary.invoices, counts) if n]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + t["and"] + names[-1]
        about = t["about_one" if len(names) == 1 else "about_many"].format(n=joined)
    if previous > 1:
        intro = t["intro"].format(about=about, last=t["last_many"].format(date=when) if when else "")
    elif previous == 1:
        intro = t["intro_one"].format(about=about, last=t["last_one"].format(date=when) if when else "")
    else:
        intro = t["intro_none"]
    para(intro, gap=3)

    # Table of invoices. A consumer owes no 40 €, and legal interest only from the notice
    # (Code civil 1231-6): no interest column while it is nil.
    claim_indemnity = not consumer
    show_interest = not consumer or summary.interest > 0
    cols = list(t["cols"])
    widths = [26, 22, 19, 19, 15, 27, 22, 20]
    if not claim_indemnity:
        cols, widths = cols[:7], [30, 24, 21, 21, 16, 31, 27]
    if not show_interest:
        cols, widths = cols[:6], [32, 26, 23, 23, 18, 36]
    scale = width / sum(widths)
    widths = [w * scale for w in widths]
    pdf.set_font("DejaVu", "B", 8)
    pdf.set_fill_color(235, 235, 235)
    for label, w in zip(cols, widths):
        pdf.cell(w, 6, label, border=1, align="C", fill=True)
    pdf.ln()
    pdf.set_font("DejaVu", "", 8)
    for item in summary.invoices:
        row = [
            one_line(item.number),
            one_line(item.po_number),
            sdate(item.issued),
            sdate(item.due),
            str(max((today - (item.ref or item.due)).days, 0) if (item.ref or item.due) else 0),
            money(item.balance),
        ]
        if show_interest:
            row.append(money(item.interest))
        if claim_indemnity:
            row.append(money(item.indemnity))
        for i, (value, w) in enumerate(zip(row, widths)):
            pdf.cell(w, 5.5, value, border=1, align="R" if i >= 4 else "L")
        pdf.ln()
    for item, amount in summary.deductions:
        label = t.get(item.kind, t["unallocated"]).format(n=one_line(item.number), due=sdate(item.ref or item.due))
        if item.number and item.kind == "unallocated_payment":
            label += f" {one_line(item.number)}"
        if item.issued and item.kind != "covered":
            label += f" ({sdate(item.issued)})"
        pdf.cell(sum(widths[:5]), 5.5, label, border=1)
        pdf.cell(widths[5], 5.5, money(amount), border=1, align="R")
        if widths[6:]:
            pdf.cell(sum(widths[6:]), 5.5, "", border=1)
        pdf.ln()
    pdf.ln(2)
    for item in summary.invoices:  # an installment plan: what the amount is, what remains
        if item.remaining is None:
            continue
        following = t["plan_next"].format(date=sdate(item.next_installment), amount=money(item.next_installment_amount)) \
            if item.next_installment else ""
        para(t["plan"].format(n=one_line(item.number), remaining=money(item.remaining), next=following), size=8.5,
             gap=1, align="L")
    pdf.ln(2)

    # Totals
    def total_line(label: str, value: str, bold: bool = False) -> None:
        pdf.set_font("DejaVu", "B" if bold else "", 9.5)
        pdf.cell(width * 0.7, 5.5, label, align="R")
        pdf.cell(width * 0.3, 5.5, value, align="R", new_x="LMARGIN", new_y="NEXT")

    total_line(t["total_balance"], money(summary.balance))
    interest_label = t["total_interest_public"] if kind == ClientType.PUBLIC else t["total_interest"]
    if show_interest:
        total_line(interest_label.format(date=long_date(today)), money(summary.interest))
    if claim_indemnity:
        total_line(t["total_indemnity"], money(summary.indemnity))
    total_line(t["total"], money(summary.claimed), bold=True)
    pdf.ln(4)

    if wording.periods:  # how the interest was computed, so that the debtor or a judge can check it
        para(t["calc_title"], size=9.5, style="B", gap=1, align="L")
        calc_widths = [w * width / 170 for w in (18, 16, 16, 9, 20, 13, 60, 18)]
        pdf.set_font("DejaVu", "B", 7)
        for label, w in zip(t["calc_cols"], calc_widths):
            pdf.cell(w, 5, label, border=1, align="C", fill=True)
        pdf.ln()
        pdf.set_font("DejaVu", "", 7)
        percent = lambda r: formatting.percent(r, lang)  # noqa: E731
        for line in wording.periods:
            cells = (line.number, sdate(line.start), sdate(line.end), str(line.days), money(line.base),
                     percent(line.rate), line.basis, money(line.amount))
            for i, (value, w) in enumerate(zip(cells, calc_widths)):
                size = 7
                while size > 4.5 and pdf.get_string_width(value) > w - 1.5:  # a long basis: smaller, never cut
                    size -= 0.5
                    pdf.set_font("DejaVu", "", size)
                pdf.cell(w, 5, value, border=1, align="R" if i in (3, 4, 5, 7) else "L")
                pdf.set_font("DejaVu", "", 7)
            pdf.ln()
        for number, total in wording.totals:
            pdf.set_font("DejaVu", "B", 7)
            pdf.cell(sum(calc_widths[:-1]), 5, t["calc_total"].format(n=number), border=1, align="R")
            pdf.cell(calc_widths[-1], 5, money(total), border=1, align="R")
            pdf.ln()
        pdf.ln(1)
        para(t["calc_note"], size=7.5, gap=3, align="L")

    para(wording.demand, style="B")
    para(wording.basis)
    from addin.mail.qr import iban_is_valid  # noqa: PLC0415 (keeps the import list short for the letter)
    from addin.mail.text import format_iban

    if settings.iban and iban_is_valid(settings.iban):
        bic = f", BIC {one_line(settings.bic)}" if settings.bic else ""
        para(t["pay"].format(iban=format_iban(settings.iban), bic=bic, ref=summary.reference))
    para(wording.remedies)
    para(t["closing"], gap=8, align="L")

    # Signature block
    pdf.set_x(left)
    pdf.set_font("DejaVu", "B", 10)
    signer = one_line(settings.sender_name) or one_line(settings.company)
    pdf.multi_cell(width * 0.5, 5, signer, new_x="LMARGIN", new_y="NEXT")
    if settings.sender_name and settings.company:
        pdf.set_x(left)
        pdf.set_font("DejaVu", "", 9.5)
        pdf.multi_cell(width * 0.5, 5, one_line(settings.company), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
