"""The ``Revue`` sheet: the monthly debtor review, computed from the ledger, rendered as blocks.

Blocks, top to bottom: key figures (outstanding, overdue, collected in the month,
interest and indemnities claimable, credit notes, unallocated payments), the ratios
(DSO by count-back, overdue share), the split by age (with a native bar chart), the
aged balance per client, changes since the previous review, clients to put on hold,
payer profiles, doubtful debts (suggestions, then the rules) and the 13-week
collection forecast. docs/review.md explains each block.

The previous reviews are kept in a hidden sheet ``_RevueSnapshot`` (one row per open
invoice and month, the last 13 months) so that the next review can say what changed.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Mapping, Sequence

from addin.books.base import Block, ChartSpec, GeneratedSheet, SheetData
from addin.core import aging
from addin.core.model import ZERO, Client, InvoiceState, Payment, Settings, Status, cents
from addin.core.records import fast_constructor

SHEET = "Revue"
SNAPSHOT_SHEET = "_RevueSnapshot"
SNAPSHOT_HEADERS = ("Mois", "N° facture", "Code client", "Reste dû", "Tranche", "Statut", "Promesse", "Litige")
KEEP_MONTHS = 13
UNKNOWN = "Échéance inconnue (à corriger)"
UNKNOWN_SHORT = "Échéance inconnue"  # a column header, a chart category: where room is short
DUE = "Reste dû (TTC, avoirs non déduits)"
NET = "Total de la balance âgée (avoirs déduits)"
_MONTH_TEXT = re.compile(r"M?(\d{4})-(0[1-9]|1[0-2])(-\d{2})?")
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1 Jan 1900 (Excel's leap-year bug included)


@dataclass(frozen=True, slots=True)
class SnapshotLine:
    client: str
    balance: Decimal
    bucket: int
    status: str
    promise: date | None
    dispute: str


_new_line = fast_constructor(SnapshotLine)  # a line per open invoice in a review


@dataclass(frozen=True)
class Snapshot:
    """Open invoices at each past review: {month "AAAA-MM": {invoice: line}}."""

    months: Mapping[str, Mapping[str, SnapshotLine]]

    def before(self, month: str) -> tuple[str, Mapping[str, SnapshotLine]] | None:
        earlier = sorted(m for m in self.months if m < month)
        return (earlier[-1], self.months[earlier[-1]]) if earlier else None


def read_snapshot(data: SheetData | None) -> Snapshot:
    """The reviews kept in ``_RevueSnapshot`` (an empty snapshot when the sheet is absent).

    Rows that are not a review line (blank, or typed over) are skipped rather than
    trusted: the memory only feeds the "changes" block.
    """
    months: dict[str, dict[str, SnapshotLine]] = {}
    if data is None:
        return Snapshot(months)
    for row in data.rows[1:]:
        row = tuple(row) + (None,) * (8 - len(row))
        key = _month_of(row[0])
        if key is None or not row[1]:
            continue
        promise = row[6].date() if hasattr(row[6], "date") and callable(row[6].date) else row[6]
        try:
            amount = Decimal(str(row[3] if row[3] is not None else 0)).quantize(Decimal("0.01"))
            bucket = int(row[4] or 0)
        except (InvalidOperation, ValueError):
            continue
        months.setdefault(key, {})[str(row[1])] = SnapshotLine(
            str(row[2] or ""), amount, min(max(bucket, 0), len(aging.BUCKETS) - 1),
            str(row[5] or ""), promise if isinstance(promise, date) else None, str(row[7] or ""))
    return Snapshot(months)


def _month_of(value: object) -> str | None:
    """The "AAAA-MM" key of a ``Mois`` cell, in whatever form the workbook gives it back.

    Written as the first day of the month (a date, which Excel keeps as it is); read back
    as a date or datetime, as Excel's serial number (a reader that does not convert), or
    as the text "AAAA-MM" older reviews wrote, which the live book could see turned into
    a date by Excel. Anything else is not a review line (None).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and 1 <= value < 2958466:
        value = _EXCEL_EPOCH + timedelta(days=int(value))
    if isinstance(value, date):  # datetime included
        return f"{value.year:04d}-{value.month:02d}"
    match = _MONTH_TEXT.fullmatch(str(value or "").strip())
    return f"{match.group(1)}-{match.group(2)}" if match else None


def month_key(month: tuple[int, int]) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


def month_label(key: str) -> str:
    """``2026-09`` → ``09/2026``, as the sheet shows a month."""
    year, month = _parse_key(key)
    return f"{month:02d}/{year:04d}"


def month_end(month: tuple[int, int]) -> date:
    """The review date of a month: its last day."""
    return date(month[0], month[1], calendar.monthrange(month[0], month[1])[1])


def snapshot_lines(states: Sequence[InvoiceState], as_of: date) -> dict[str, SnapshotLine]:
    buckets: dict[date | None, int] = {None: 0}  # due date -> its bucket (many invoices share a due date)
    lines = {}
    for s in states:
        status = s.status
        if status is Status.CREDIT_NOTE or status not in aging.OPEN or s.balance == 0:  # not is_open
            continue
        due = s.due
        found = buckets.get(due)
        if found is None:
            found = buckets[due] = aging.bucket(due, as_of) if due else 0
        invoice = s.invoice
        lines[invoice.number] = _new_line(invoice.client, s.balance, found, status.value, invoice.promise,
                                          invoice.dispute)
    return lines


def changes(previous: Mapping[str, SnapshotLine], current: Mapping[str, SnapshotLine],
            states: Sequence[InvoiceState], as_of: date,
            previous_as_of: date | None = None) -> list[tuple[str, str, str, str, Decimal]]:
    """What changed between two reviews: (kind, client, invoice, detail, amount).

    - ``Nouveau retard``: overdue now, not due (or not issued) at the previous review;
    - ``Aggravé``: overdue then, in an older bucket now;
    - ``Paiement partiel``: open at both reviews with a smaller balance now; the amount is
      what was collected in between, the detail what is still due;
    - ``Nouveau litige``: a dispute reason that was not there;
    - ``Promesse non tenue``: a promise date passed with the invoice still open, unless it
      was already passed, with the same date, at the previous review (said once);
    - ``Payée`` (with the date of full payment), ``En erreur`` (its row now has a problem:
      see Anomalies) or ``Sortie du suivi`` (deleted, cancelled by a credit note...): open
      at the previous review, not now.
    """
    from addin.mail.formatting import money

    by_number = {s.invoice.number: s for s in states}
    result = []
    for number, now in sorted(current.items()):
        before = previous.get(number)
        if now.bucket >= 1 and (before is None or before.bucket == 0):
            result.append(("Nouveau retard", now.client, number, aging.BUCKETS[now.bucket], now.balance))
        elif before is not None and now.bucket > before.bucket >= 1:
            result.append(("Aggravé", now.client, number,
                           f"{aging.BUCKETS[before.bucket]} → {aging.BUCKETS[now.bucket]}", now.balance))
        if before is not None and 0 < now.balance < before.balance:
            result.append(("Paiement partiel", now.client, number, f"reste dû {money(now.balance)}",
                           before.balance - now.balance))
        if now.dispute and (before is None or not before.dispute):
            result.append(("Nouveau litige", now.client, number, now.dispute, now.balance))
        promise = now.promise or (before.promise if before else None)
        already = (before is not None and previous_as_of is not None and before.promise == promise
                   and promise is not None and promise < previous_as_of)
        if promise is not None and promise < as_of and not already:
            result.append(("Promesse non tenue", now.client, number, f"promis le {promise:%d/%m/%Y}", now.balance))
    for number, before in sorted(previous.items()):
        if number not in current:
            state = by_number.get(number)
            paid = state is not None and state.status is Status.PAID
            if state is not None and aging.needs_fixing(state):
                result.append(("En erreur", before.client, number, "à corriger : voir Anomalies", before.balance))
                continue
            result.append(("Payée" if paid else "Sortie du suivi", before.client, number,
                           f"le {state.paid_on:%d/%m/%Y}" if paid and state.paid_on else "", before.balance))
    return result


@dataclass(frozen=True)
class Headline:
    """The figures both the sheet and the command's summary give: computed once per review."""

    balance: aging.AgedBalance
    figures: aging.Receivables
    days: Decimal | None  # DSO
    breaches: list[aging.Breach]


def headline(states: Sequence[InvoiceState], clients: Sequence[Client], settings: Settings, as_of: date,
             credits: Mapping[str, Decimal] | None = None) -> Headline:
    """Aged balance, receivables, DSO and the clients to put on hold as of ``as_of``."""
    unpaid = aging.unpaid(states)  # a paid invoice counts in the DSO's sales only
    return Headline(aging.aged_balance(unpaid, clients, as_of, credits or {}), aging.receivables(unpaid, as_of),
                    aging.dso(states, as_of), aging.credit_policy_breaches(clients, unpaid, settings, as_of))


def build_review(states: Sequence[InvoiceState], clients: Sequence[Client], payments: Sequence[Payment],
                 settings: Settings, month: tuple[int, int], previous: Snapshot | None = None, *,
                 credits: Mapping[str, Decimal] | None = None,
                 unreadable_rows: int = 0, ignored_payments: int = 0,
                 unreadable_amount: Decimal | None = None,
                 head: Headline | None = None) -> tuple[GeneratedSheet, GeneratedSheet]:
    """The ``Revue`` sheet and the updated hidden ``_RevueSnapshot`` sheet for ``month``.

    ``states`` must be computed by the ledger as of the month's last day (``month_end``);
    ``payments`` give the month's collections; ``credits`` (client → unallocated amount)
    the payments not allocated to an invoice; ``previous`` the reviews kept so far;
    ``unreadable_rows`` the rows of ``Factures`` the loader could not read at all (no
    state, no amount), counted with the invoices in error among the rows to correct;
    ``ignored_payments`` the rows of ``Paiements`` left out for an error (not collected here);
    ``unreadable_amount`` what the *Montant TTC* cells of those unreadable rows hold (shown
    on their own line, outside every total: the review never says 0,00 € for rows with amounts);
    ``head`` the ``headline`` of the same states, when the caller has it already.
    """
    as_of = month_end(month)
    credits = credits or {}
    previous = previous or Snapshot({})
    head = head or headline(states, clients, settings, as_of, credits)
    # Most figures below skip a paid invoice: they read the unpaid ones only (``aging.unpaid``).
    unpaid = aging.unpaid(states)
    balance, figures, days, breaches = head.balance, head.figures, head.days, head.breaches
    names = {c.code: c.name for c in clients}
    first = as_of.replace(day=1)
    collected = sum((p.amount for p in payments if first <= p.paid_on <= as_of), ZERO)
    owed = aging.claimable(states, clients, as_of)
    key = month_key(month)
    before = previous.before(key)

    blocks: list[Block] = []
    blocks.append(Block(
        f"Revue des créances au {as_of:%d/%m/%Y}", ("Indicateur", "Montant", "Précision"),
        (
            (DUE, figures.due, "factures ouvertes : le « Reste dû » d'Actualiser"),
            ("dont échu", figures.overdue, f"échéance dépassée au {as_of:%d/%m/%Y}"),
        ) + _to_fix_line(figures, unreadable_rows, unreadable_amount) + (
            ("Avoirs non utilisés", figures.credit_notes, "à imputer ou rembourser"),
            (NET, figures.net, "reste dû + échéance inconnue + avoirs"),
            ("Encaissé dans le mois", collected, f"paiements du {first:%d/%m} au {as_of:%d/%m/%Y}"
             + (f" ; non comptées : {ignored_payments} ligne(s) de Paiements ignorée(s) pour erreur "
                "(toutes dates, voir Anomalies)" if ignored_payments else "")),
            ("Intérêts de retard exigibles", owed.open_interest, "factures ouvertes (L441-10 II)"),
            ("Indemnités forfaitaires exigibles", owed.open_indemnity, "40 € par facture en retard (D441-5)"),
            ("Pénalités sur factures soldées", owed.settled_interest + owed.settled_indemnity,
             "payées en retard, non prescrites : à réclamer si besoin"),
            ("Paiements non affectés", balance.totals.unallocated, "à imputer ou rembourser (hors balance)"),
        ),
        # The notes run over the empty cells to their right (LibreOffice does not grow a wrapped row),
        # the chart stands past them.
        ("text", "money", "text"), (44, 16, 39),
    ))
    blocks.append(Block(
        "Ratios", ("DSO (jours)", "Part échue", "Méthode du DSO"),
        ((days, aging.overdue_share(unpaid, as_of),
          "épuisement (count-back) sur le CA TTC"),),
        ("number", "percent", "text"), (44, 16, 14),
    ))
    # Invoices in error have no age: their own column (and bar) only when there are some.
    unknown = any(aging.needs_fixing(s) and s.balance for s in unpaid)
    spread = tuple(zip(aging.BUCKETS, balance.totals.buckets))
    spread += ((UNKNOWN_SHORT, balance.totals.unknown),) if unknown else ()
    blocks.append(Block("Répartition par ancienneté", ("Tranche", "Montant"), spread, ("text", "money"), (44, 16)))
    chart_index = len(blocks) - 1

    def aged(r: aging.AgedRow) -> tuple:
        return (r.name, r.client, *r.buckets, *((r.unknown,) if unknown else ()), r.credit_notes, r.total,
                r.unallocated)

    headers = ("Client", "Code client", *aging.BUCKETS, *((UNKNOWN_SHORT,) if unknown else ()), "Avoirs", "Total",
               "Paiements non affectés")
    widths = (44, 16) + (14,) * len(aging.BUCKETS) + ((18,) if unknown else ()) + (14, 14, 22)
    blocks.append(Block("Balance âgée par client", headers,
                        tuple(aged(r) for r in balance.rows) + (aged(balance.totals),),
                        ("text", "text") + ("money",) * (len(headers) - 2), widths))
    current = snapshot_lines(unpaid, as_of)
    if before is not None:
        diff = changes(before[1], current, states, as_of, month_end(_parse_key(before[0])))
        title = f"Évolution depuis la revue de {month_label(before[0])}"
    else:
        diff, title = [], "Évolution : première revue (rien à comparer)"
    blocks.append(Block(title, ("Client", "Code client", "Facture", "Montant", "Changement", "Détail"),
                        tuple((names.get(c, ""), c, n, a, k, d) for k, c, n, d, a in diff),
                        ("text", "text", "text", "money", "text", "text"), (44, 16, 14, 14, 20, 14)))
    blocks.append(Block("Clients à bloquer (politique de crédit des Paramètres)", ("Client", "Code client", "Motif"),
                        tuple((names.get(b.client, ""), b.client, hold_reason(b)) for b in breaches),
                        ("text", "text", "text"), (44, 16, 14)))
    profiles = aging.payer_profiles(clients, states)
    blocks.append(Block(
        "Profils de paiement (factures soldées)",
        ("Client", "Code client", "Soldées", "Retard moyen", "Retard médian", "% en retard"),
        tuple((names.get(p.client, ""), p.client, p.paid_invoices, p.average_days_late, p.median_days_late,
               p.share_paid_late) for p in profiles.values() if p.paid_invoices),
        ("text", "text", "int", "number", "number", "percent"), (44, 16, 14, 14, 14, 14),
    ))
    doubtful = not_covered(aging.doubtful_debts(unpaid, clients, as_of), unpaid, credits, as_of)
    blocks.append(Block(
        "Créances douteuses — suggestions de provision (à valider par le comptable)",
        ("Client", "Code client", "Facture", "Reste dû", "Jours retard", "Taux", "Provision HT", "Règle"),
        tuple((names.get(d.client, ""), d.client, d.invoice, d.balance, d.days_late, d.rate, d.provision, d.rule)
              for d in doubtful),
        ("text", "text", "text", "money", "int", "percent", "money", "text"), (44, 16, 14, 14, 14, 14, 14, 14),
    ))
    blocks.append(Block("Règles de provision (la première qui s'applique)", ("Règle",),
                        tuple((rule,) for rule in aging.DOUBTFUL_RULES), ("text",), (44,)))
    expected = aging.forecast(states, profiles, as_of, doubtful=[d.invoice for d in doubtful])
    apart = (("Au-delà de 13 semaines", expected.beyond), ("En litige : non daté", expected.disputed),
             ("Créances douteuses : hors prévision", expected.doubtful), (UNKNOWN, expected.to_fix))
    blocks.append(Block(
        "Prévision d'encaissements (13 semaines) — promesse, sinon échéance + retard habituel du client ; "
        "date dépassée : re-datée à la revue + retard habituel (7 jours au moins)",
        ("Semaine du", "Montant attendu", "Factures", "dont re-daté"),
        tuple((w.start, w.amount, w.count, w.redated) for w in expected.weeks)
        + tuple((label, amount, count, None) for label, (amount, count) in apart if count),
        ("date", "money", "int", "money"), (44, 16, 14, 14),
    ))

    chart_top = _top_of(blocks, chart_index)  # the header row of the "Répartition" block
    chart = ChartSpec(
        "Balance âgée (TTC)",
        categories=(chart_top + 1, 1, chart_top + len(spread), 1),
        values=(chart_top, 2, chart_top + len(spread), 2),
        anchor="J2", y_title="€",
    )
    revue = GeneratedSheet(SHEET, tuple(blocks), charts=(chart,),
                           note="Revue mensuelle des créances, recalculée par « Revue mensuelle ». "
                                "Les provisions sont des suggestions à valider par votre comptable.")

    months = {m: lines for m, lines in previous.months.items() if m != key}
    months[key] = current
    kept = sorted(months)[-KEEP_MONTHS:]
    # The month as its first day, a date: a "2026-10" text turns into a date when Excel
    # gets it from the live book, and read_snapshot takes both.
    rows = tuple((date(*_parse_key(m), 1), number, line.client, line.balance, line.bucket, line.status,
                  line.promise, line.dispute)
                 for m in kept for number, line in sorted(months[m].items()))
    snapshot = GeneratedSheet(SNAPSHOT_SHEET, (Block("", SNAPSHOT_HEADERS, rows,
                                                     ("date", "text", "text", "money", "int", "text", "date", "text")),),
                              hidden=True, note="Relance : mémoire des revues précédentes (ne pas modifier).")
    return revue, snapshot


UNREAD = "Lignes de Factures non lues"


def rows_to_fix(figures: aging.Receivables, unreadable_rows: int) -> str:
    """``2 factures sans échéance connue : voir Anomalies`` (empty when none): the invoices read
    whose due date is unknown; rows not read at all are said by ``unread_rows``."""
    rows = figures.to_fix_count
    if not rows or not figures.to_fix:  # a paid invoice in error owes nothing: Anomalies says it
        return ""
    return f"{rows} facture{'s' if rows > 1 else ''} sans échéance connue : voir Anomalies"


def unread_rows(unreadable_rows: int) -> str:
    """``4 lignes de Factures en erreur, comptées nulle part : voir Anomalies`` (empty when none)."""
    if not unreadable_rows:
        return ""
    plural = unreadable_rows > 1
    return (f"{unreadable_rows} ligne{'s' if plural else ''} de Factures en erreur, "
            f"comptée{'s' if plural else ''} nulle part : voir Anomalies")


def _to_fix_line(figures: aging.Receivables, unreadable_rows: int, unreadable_amount: Decimal | None = None
                 ) -> tuple[tuple[object, ...], ...]:
    """The headline's "Échéance inconnue" line (invoices read without a due date) and the rows
    of Factures not read at all, with the amounts their cells hold (blank when none is legible)."""
    lines: tuple[tuple[object, ...], ...] = ()
    text = rows_to_fix(figures, unreadable_rows)
    if text:
        lines += ((UNKNOWN, figures.to_fix, text),)
    text = unread_rows(unreadable_rows)
    if text:
        lines += ((UNREAD, unreadable_amount or None, text),)
    return lines


def not_covered(doubtful: Sequence[aging.Suggestion], states: Sequence[InvoiceState],
                credits: Mapping[str, Decimal] | None, as_of: date) -> list[aging.Suggestion]:
    """The provision suggestions less what the client's credit covers (credit notes, unallocated
    payments), set against its open invoices oldest due first as a payment is (Code civil
    1342-10; the queue's and Anomalies' rule): a covered invoice needs no provision, a partly
    covered one a provision on the rest."""
    from dataclasses import replace as _replace

    from addin.mail.formatting import money

    credit: dict[str, Decimal] = {c: a for c, a in (credits or {}).items() if a > 0}
    for s in states:
        if s.status is Status.CREDIT_NOTE and s.balance < 0 and s.invoice.issued <= as_of:
            credit[s.invoice.client] = credit.get(s.invoice.client, ZERO) - s.balance
    if not credit or not doubtful:
        return list(doubtful)
    covered: dict[str, Decimal] = {}
    open_states = sorted((s for s in states if s.invoice.client in credit and s.balance > 0
                          and s.status is not Status.CREDIT_NOTE and s.due is not None),
                         key=lambda s: (s.due, s.invoice.number))
    for s in open_states:
        left = credit[s.invoice.client]
        if left <= 0:
            continue
        used = min(left, s.balance)
        covered[s.invoice.number] = used
        credit[s.invoice.client] = left - used
    out = []
    for d in doubtful:
        used = covered.get(d.invoice, ZERO)
        if used >= d.balance:
            continue
        if used:
            rest = d.balance - used
            d = _replace(d, provision=cents(d.provision * rest / d.balance),
                         rule=f"{d.rule} ; {money(used)} couverts par le crédit du client")
        out.append(d)
    return out


def hold_reason(breach: aging.Breach) -> str:
    """The reason a client is to be put on hold, in words: each rule it breaks, then the
    disputed invoices that were not counted."""
    from addin.mail.formatting import money

    reasons = []
    if breach.days_late is not None:
        reasons.append(f"{breach.days_late} jours de retard (politique : {breach.days_limit})")
    if breach.overdue is not None:
        reasons.append(f"échu {money(breach.overdue)} > {money(breach.overdue_limit)}")
    if breach.balance is not None:
        reasons.append(f"encours {money(breach.balance)} > plafond {money(breach.credit_limit)}")
    text = " ; ".join(reasons)
    count = len(breach.disputed)
    if count:
        text += (f" (dont {count} facture{'s' if count > 1 else ''} en litige, "
                 f"non comptée{'s' if count > 1 else ''} : {', '.join(breach.disputed)})")
    return text


def _parse_key(key: str) -> tuple[int, int]:
    year, month = key.split("-")
    return int(year), int(month)


def _top_of(blocks: Sequence[Block], index: int) -> int:
    """1-based header row of ``blocks[index]`` as the books lay blocks out (title, header, rows, blank)."""
    row = 1
    for block in blocks[:index]:
        row += (1 if block.title else 0) + 1 + len(block.rows) + 1
    return row + (1 if blocks[index].title else 0)

