"""Revue mensuelle on the demo register: sums that match, a real chart, a memory of last month."""

from __future__ import annotations

import re

import shutil
import zipfile
from datetime import date
from decimal import Decimal as D

import openpyxl
import pytest

from addin.actions import review
from addin.books.file import FileBook
from addin.core import aging
from addin.core.ledger import compute
from addin.books.base import SheetData
from addin.core.model import Client, Invoice, InvoiceState, Payment, Register, Settings, Status
from addin.reports.review import Snapshot, SnapshotLine, build_review, changes, read_snapshot
from tests import libreoffice
from tests.test_demo import TODAY


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory):
    from addin.demo import run_demo

    folder = tmp_path_factory.mktemp("review")
    return run_demo(folder, today=TODAY).path


@pytest.fixture
def book(demo_book, tmp_path):
    path = tmp_path / "Registre.xlsx"
    shutil.copyfile(demo_book, path)
    return path


def revue_rows(path):
    ws = openpyxl.load_workbook(path)["Revue"]
    return [r for r in ws.iter_rows(values_only=True)]


def block(rows, title):
    start = next(i for i, r in enumerate(rows) if r[0] == title or str(r[0] or "").startswith(title))
    out = []
    for r in rows[start + 2:]:
        if all(v is None for v in r):
            break
        out.append(r)
    return rows[start + 1], out


def test_aged_balance_totals_equal_the_open_balances_of_factures(book):
    result = review.run(FileBook.open(book, today=TODAY), today=TODAY, month=(2026, 10))
    assert result.as_of == date(2026, 10, 31)
    header, lines = block(revue_rows(book), "Balance âgée par client")
    total_row = lines[-1]
    assert total_row[0] == "Total"
    total_col = header.index("Total")
    # The same register, computed independently as of 31/10/2026: sum of open "Reste dû".
    from addin.register.load import load

    register, _ = load(FileBook.open(book))
    as_of = date(2026, 10, 31)
    at_end = Register(register.settings, register.clients, tuple(i for i in register.invoices if i.issued <= as_of),
                      tuple(p for p in register.payments if p.paid_on <= as_of), register.plan_steps)
    from addin.core.rates import RateTable

    ledger, _ = compute(at_end, as_of, RateTable.shipped())
    expected = sum((s.balance for s in ledger.states if aging.is_open(s) or aging.needs_fixing(s)), D(0))
    assert D(str(total_row[total_col])).quantize(D("0.01")) == expected
    per_client = sum(D(str(r[total_col])) for r in lines[:-1]).quantize(D("0.01"))
    assert per_client == expected


def test_aged_balance_totals_equal_the_reste_du_of_factures_including_rows_in_error(book):
    """The acceptance test read from the sheet a user sees: refresh as of 31/10/2026, review October,
    and the Total of the aged balance is the sum of the Reste dû column of Factures over the
    invoices issued by then and not paid, rows in error included."""
    from addin.actions import refresh

    as_of = date(2026, 10, 31)
    # The demo's invoice with unreadable terms is paid by a payment naming it: take that payment
    # out, so that a row in error still has a Reste dû the total must include.
    wb = openpyxl.load_workbook(book)
    factures, payments = wb["Factures"], wb["Paiements"]
    head = [c.value for c in factures[1]]
    unreadable = next(r[0] for r in factures.iter_rows(min_row=2, values_only=True)
                      if r[head.index("Conditions de paiement")] == "45 jours fin du mois prochain")
    for row in range(payments.max_row, 1, -1):
        if payments.cell(row, 3).value == unreadable:
            payments.delete_rows(row)
    wb.save(book)
    refresh.run(FileBook.open(book, today=as_of), today=as_of)
    review.run(FileBook.open(book, today=TODAY), today=TODAY, month=(2026, 10))
    ws = openpyxl.load_workbook(book)["Factures"]
    header = [c.value for c in ws[1]]
    col = {name: header.index(name) for name in ("Date facture", "Reste dû", "Statut")}
    expected, errors = D(0), 0
    for r in ws.iter_rows(min_row=2, values_only=True):
        issued = r[col["Date facture"]]
        if r[col["Statut"]] == "Erreur":
            errors += 1
        if r[col["Reste dû"]] is None or r[col["Statut"]] == "Payée" or not hasattr(issued, "year"):
            continue
        if issued.date() <= as_of:
            expected += D(str(r[col["Reste dû"]]))
    assert errors  # the demo has rows to correct, one of them with a Reste dû
    header, lines = block(revue_rows(book), "Balance âgée par client")
    total = lines[-1]
    assert total[0] == "Total" and "Échéance inconnue" in header
    assert D(str(total[header.index("Total")])).quantize(D("0.01")) == expected.quantize(D("0.01"))
    assert D(str(total[header.index("Échéance inconnue")])) > 0
    # The headline says how many rows need correcting.
    _, figures = block(revue_rows(book), "Revue des créances")
    to_fix = next(r for r in figures if r[0] == "Échéance inconnue (à corriger)")
    unread = next(r for r in figures if r[0] == "Lignes de Factures non lues")
    said = [int(re.match(r"(\d+) ", line[2]).group(1)) for line in (to_fix, unread)]
    assert sum(said) == errors and "Anomalies" in to_fix[2] and "Anomalies" in unread[2]
    # Rows the loader could not read hold amounts: the review says them, never « 0,00 € ».
    assert unread[1] and D(str(unread[1])) > 0


def test_the_review_has_a_native_chart_and_every_block(book):
    review.run(FileBook.open(book, today=TODAY), today=TODAY, month=(2026, 10))
    with zipfile.ZipFile(book) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert charts and b"barChart" in z.read(charts[0])
    rows = revue_rows(book)
    titles = {r[0] for r in rows if r[0]}
    for title in ("Revue des créances au 31/10/2026", "Répartition par ancienneté", "Balance âgée par client",
                  "Clients à bloquer (politique de crédit des Paramètres)", "Profils de paiement (factures soldées)"):
        assert title in titles
    assert any(str(t).startswith("Prévision d'encaissements") for t in titles)
    header, (ratios,) = block(rows, "Ratios")
    assert header[:2] == ("DSO (jours)", "Part échue") and ratios[0] > 0 and 0 < ratios[1] < 1
    wb = openpyxl.load_workbook(book)
    assert wb["_RevueSnapshot"].sheet_state == "hidden"


def test_second_month_reports_changes_against_the_first(book):
    review.run(FileBook.open(book, today=TODAY), today=TODAY, month=(2026, 9))
    review.run(FileBook.open(book, today=TODAY), today=TODAY, month=(2026, 10))
    rows = revue_rows(book)
    header, lines = block(rows, "Évolution depuis la revue de 09/2026")
    kinds = {r[4] for r in lines}
    assert {"Nouveau retard", "Payée"} <= kinds
    # Redoing September afterwards compares with nothing earlier, not with October.
    review.run(FileBook.open(book, today=TODAY), today=TODAY, month=(2026, 9))
    assert any(str(r[0]).startswith("Évolution : première revue") for r in revue_rows(book) if r[0])


def test_changes_between_two_snapshots():
    line = lambda balance, bucket, promise=None, dispute="": SnapshotLine("C1", D(balance), bucket, "x", promise, dispute)
    previous = {"F1": line("100", 0), "F2": line("50", 1), "F3": line("70", 2), "F4": line("10", 1)}
    current = {"F1": line("100", 1), "F2": line("50", 2, dispute="contesté"), "F3": line("70", 2, date(2026, 10, 5))}
    paid = InvoiceState(Invoice("F4", "C1", date(2026, 8, 1), D("10")), date(2026, 9, 1), D("10"), D(0),
                        Status.PAID, 0, D(0), D(0), paid_on=date(2026, 10, 3))
    found = {(k, n) for k, _, n, _, _ in changes(previous, current, [paid], date(2026, 10, 31))}
    assert found == {("Nouveau retard", "F1"), ("Aggravé", "F2"), ("Nouveau litige", "F2"),
                     ("Promesse non tenue", "F3"), ("Payée", "F4")}


@pytest.mark.libreoffice
def test_the_review_renders_through_libreoffice(book, tmp_path):
    review.run(FileBook.open(book, today=TODAY), today=TODAY, month=(2026, 11))
    wb = openpyxl.load_workbook(book)
    for ws in wb.worksheets:
        if ws.title != "Revue":
            ws.sheet_state = "hidden"
    wb.active = wb.sheetnames.index("Revue")
    only = tmp_path / "revue.xlsx"
    wb.save(only)
    pdf = libreoffice.convert(only, "pdf", tmp_path / "pdf", tmp_path / "profile")
    pages = libreoffice.render_png(pdf, tmp_path / "png" / "revue", resolution=60)
    assert pages and all(p.stat().st_size > 5000 for p in pages)
    from PIL import Image

    with Image.open(pages[0]) as image:  # a page with something drawn on it, not a blank sheet
        colors = image.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colors is not None and len(colors) > 20


def test_a_broken_promise_is_reported_once():
    # Promised for 5 Sep, still open at the September review (reported), and at the October one
    # with the same promise: already said. A new promise (10 Oct) broken in October is reported.
    line = lambda promise: SnapshotLine("C1", D("70"), 2, "x", promise, "")
    september = {"F3": line(date(2026, 9, 5))}
    assert [k for k, *_ in changes({}, september, [], date(2026, 9, 30))] == ["Nouveau retard", "Promesse non tenue"]
    october = {"F3": line(date(2026, 9, 5))}
    assert changes(september, october, [], date(2026, 10, 31), date(2026, 9, 30)) == []
    october = {"F3": line(date(2026, 10, 10))}
    assert [k for k, *_ in changes(september, october, [], date(2026, 10, 31), date(2026, 9, 30))] == [
        "Promesse non tenue"]


def _state(number, client, due, balance, status, ttc=None, issued=None, paid_on=None, dispute=""):
    ttc = D(ttc if ttc is not None else balance)
    invoice = Invoice(number, client, issued or date(2026, 8, 1), ttc, dispute=dispute)
    return InvoiceState(invoice, due, ttc - D(balance), D(balance), status, 0, D(0), D(0), paid_on=paid_on)


def _rows(sheet, title):
    """The rows of one block of a GeneratedSheet, by its title's start."""
    return next(b for b in sheet.blocks if b.title.startswith(title)).rows


def test_build_review_from_states_then_a_month_later_from_its_snapshot():
    clients = [Client("C1", "Atelier"), Client("C2", "Garage", credit_limit=D("100"))]
    september = [
        _state("F1", "C1", date(2026, 10, 15), "500.00", Status.NOT_DUE),
        _state("F2", "C2", date(2026, 9, 10), "300.00", Status.OVERDUE),
    ]
    payments = [Payment(date(2026, 9, 3), "C1", D("120.00")), Payment(date(2026, 8, 31), "C1", D("999.00"))]
    revue, memory = build_review(september, clients, payments, Settings(), (2026, 9), None)
    figures = {r[0]: r[1] for r in revue.blocks[0].rows}
    # Outstanding 500 + 300; overdue 300 (F2, due 10 Sep); collected in September 120 (not 31 Aug).
    assert figures["Reste dû (TTC, avoirs non déduits)"] == D("800.00") and figures["dont échu"] == D("300.00")
    assert figures["Encaissé dans le mois"] == D("120.00")
    (days, share, _), = _rows(revue, "Ratios")
    assert share == D("0.375")  # 300 / 800
    assert _rows(revue, "Répartition")[1] == ("1–30 j", D("300.00"))  # 20 days late at 30 Sep
    assert [r[1] for r in _rows(revue, "Clients à bloquer")] == ["C2"]  # 300 > its 100 limit
    # The chart points at the "Répartition" block: header row then the 5 buckets, column B.
    chart, = revue.charts
    assert chart.values[1:] == (2, chart.values[0] + 5, 2)
    assert memory.hidden and memory.name == "_RevueSnapshot"

    # The hidden sheet read back (as a book returns it) feeds October's changes.
    block_ = memory.blocks[0]
    previous = read_snapshot(SheetData(memory.name, (block_.headers,) + block_.rows))
    october = [
        _state("F1", "C1", date(2026, 10, 15), "500.00", Status.OVERDUE, dispute="livraison incomplète"),
        _state("F2", "C2", date(2026, 9, 10), "0.00", Status.PAID, ttc="300.00", paid_on=date(2026, 10, 2)),
    ]
    revue, memory = build_review(october, clients, [], Settings(), (2026, 10), previous)
    found = {(r[4], r[2]) for r in _rows(revue, "Évolution depuis la revue de 09/2026")}
    assert found == {("Nouveau retard", "F1"), ("Nouveau litige", "F1"), ("Payée", "F2")}
    assert {r[0] for r in memory.blocks[0].rows} == {date(2026, 9, 1), date(2026, 10, 1)}


def test_read_snapshot_skips_rows_typed_over():
    rows = (("Mois", "N° facture"), ("2026-09", "F1", "C1", 10.5, 1, "En retard", None, ""),
            ("septembre", "F2", "C1", 1, 1, "", None, ""), ("2026-09", "F3", "C1", "abc", 1, "", None, ""),
            ("2026-09", "F4"))
    snap = read_snapshot(SheetData("_RevueSnapshot", rows))
    assert set(snap.months) == {"2026-09"} and set(snap.months["2026-09"]) == {"F1", "F4"}
    assert snap.months["2026-09"]["F1"].balance == D("10.50")
    assert read_snapshot(None) == Snapshot({})


def test_a_month_not_yet_begun_is_refused_the_current_one_is_projected(book):
    with pytest.raises(ValueError, match="pas encore possible"):
        review.run(FileBook.open(book, today=TODAY), today=TODAY, month=(2026, 12))
    result = review.run(FileBook.open(book, today=TODAY), today=TODAY, month=(2026, 11))
    assert result.as_of == date(2026, 11, 30) and "projetée au 30/11/2026" in result.summary


def test_a_hold_reason_names_the_rules_and_the_disputes_left_out():
    from addin.reports.review import hold_reason

    breach = aging.Breach("C003", days_late=396, days_limit=60, balance=D("11096.40"), credit_limit=D("5000"),
                          disputed=("F2025-0212",), disputed_amount=D("1412.40"))
    assert hold_reason(breach) == ("396 jours de retard (politique : 60) ; encours 11\u202f096,40\xa0€ > plafond "
                                   "5\u202f000,00\xa0€ (dont 1 facture en litige, non comptée : F2025-0212)")


def test_reste_du_is_one_figure_with_one_label_in_refresh_review_sheet_and_summary(book):
    # Refresh and review at the same date: the refresh summary's "Reste dû" line (credit notes not
    # deducted, shown beside) is the review summary's, and the Revue's headline shows the same amount.
    from addin.actions import refresh

    day = date(2026, 11, 30)
    refreshed = refresh.run(FileBook.open(book, today=day), today=day)
    reviewed = review.run(FileBook.open(book, today=day), today=day, month=(2026, 11))
    line = next(l for l in refreshed.summary.splitlines() if l.strip().startswith("Reste dû"))
    assert " ".join(line.split()) in [" ".join(l.split()) for l in reviewed.summary.splitlines()]
    _, figures = block(revue_rows(book), "Revue des créances")
    shown = {r[0]: r[1] for r in figures}
    assert D(str(shown["Reste dû (TTC, avoirs non déduits)"])) == refreshed.totals["due"]
    assert D(str(shown["Avoirs non utilisés"])) == refreshed.totals["credit_notes"]


def test_the_forecast_block_keeps_doubtful_debts_out_of_the_weeks(book):
    # On the demo at 31/10/2026, the doubtful debts the sheet suggests to provision are on their own
    # line, not in the first week; the weeks and the lines below them account for every open invoice.
    review.run(FileBook.open(book, today=TODAY), today=TODAY, month=(2026, 10))
    rows = revue_rows(book)
    _, doubtful = block(rows, "Créances douteuses")
    _, forecast = block(rows, "Prévision d'encaissements")
    weeks = [r for r in forecast if hasattr(r[0], "year")]
    lines = {r[0]: r for r in forecast if not hasattr(r[0], "year")}
    assert len(weeks) == 13
    provisioned = sum(D(str(r[3])) for r in doubtful)
    assert D(str(lines["Créances douteuses : hors prévision"][1])) == provisioned
    first_week = weeks[0]
    assert not first_week[3]  # nothing re-dated into the week of the review
    _, figures = block(rows, "Revue des créances")
    shown = {r[0]: D(str(r[1])) for r in figures if r[1] is not None}
    placed = sum(D(str(r[1])) for r in forecast)
    assert placed == shown["Reste dû (TTC, avoirs non déduits)"] + shown.get("Échéance inconnue (à corriger)", 0)


@pytest.mark.parametrize("key", [
    date(2026, 9, 1),  # as written: the first day of the month, a date Excel keeps as it is
    __import__("datetime").datetime(2026, 9, 1),  # read back by openpyxl or xlwings; also what Excel makes
    # of the old text key "2026-09" written by the live book (the bug this test keeps away)
    46266, 46266.0,  # the same date as Excel's serial number (a reader that does not convert)
    "2026-09",  # the text key of older reviews, when Excel left it alone
])
def test_read_snapshot_takes_the_month_key_in_every_form_excel_may_give_it(key):
    rows = (("Mois", "N° facture"), (key, "F1", "C1", 10.5, 1, "En retard", None, ""))
    snap = read_snapshot(SheetData("_RevueSnapshot", rows))
    assert set(snap.months) == {"2026-09"} and snap.months["2026-09"]["F1"].balance == D("10.50")
    assert snap.before("2026-10")[0] == "2026-09"


def test_the_snapshot_month_survives_a_save_and_the_next_review_compares(book):
    # The key is written as a date (first of the month); read back from the saved file, October's
    # review finds September's. A key Excel turned into a date (the live book) is found as well.
    review.run(FileBook.open(book, today=TODAY), today=TODAY, month=(2026, 9))
    wb = openpyxl.load_workbook(book)
    keys = {c.value for c in wb["_RevueSnapshot"]["A"][1:]}
    assert keys == {__import__("datetime").datetime(2026, 9, 1)}
    review.run(FileBook.open(book, today=TODAY), today=TODAY, month=(2026, 10))
    assert any(str(r[0]).startswith("Évolution depuis la revue de 09/2026") for r in revue_rows(book))


def test_a_partial_payment_shows_in_the_changes():
    # F5: 1,000.00 open at the September review, 600.00 at October's: 400.00 collected, still open.
    line = lambda balance: SnapshotLine("C1", D(balance), 2, "En retard", None, "")
    found = changes({"F5": line("1000.00"), "F6": line("50.00")}, {"F5": line("600.00"), "F6": line("50.00")},
                    [], date(2026, 10, 31), date(2026, 9, 30))
    assert found == [("Paiement partiel", "C1", "F5", "reste dû 600,00\xa0€", D("400.00"))]


def test_an_invoice_that_falls_into_error_is_not_said_to_have_left_the_follow_up():
    line = SnapshotLine("C1", D("300.00"), 1, "En retard", None, "")
    broken = InvoiceState(Invoice("F7", "C1", date(2026, 8, 1), D("300.00")), None, D(0), D("300.00"),
                          Status.ERROR, 0, D(0), D(0))
    assert changes({"F7": line}, {}, [broken], date(2026, 10, 31)) == [
        ("En erreur", "C1", "F7", "à corriger : voir Anomalies", D("300.00"))]


def test_the_chart_reads_exactly_the_split_by_age_block(book):
    # The ChartSpec handed to the book: series title "Montant", one bar per bucket (and the
    # "Échéance inconnue" bar when rows are in error), the amounts of the "Répartition" block.
    import re

    review.run(FileBook.open(book, today=TODAY), today=TODAY, month=(2026, 11))
    with zipfile.ZipFile(book) as z:
        xml = z.read(next(n for n in z.namelist() if n.startswith("xl/charts/chart"))).decode()
    refs = re.findall(r"<(?:c:)?f>'?Revue'?!\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?</(?:c:)?f>", xml)
    (title_col, title_row, _, _), (cat_col, cat_top, _, cat_bottom), (val_col, val_top, _, val_bottom) = refs
    ws = openpyxl.load_workbook(book)["Revue"]
    header, split = block(revue_rows(book), "Répartition par ancienneté")
    assert ws[f"{title_col}{title_row}"].value == "Montant" == header[1]
    assert [ws[f"{cat_col}{r}"].value for r in range(int(cat_top), int(cat_bottom) + 1)] == [r[0] for r in split]
    assert [ws[f"{val_col}{r}"].value for r in range(int(val_top), int(val_bottom) + 1)] == [r[1] for r in split]
    assert [r[0] for r in split] == list(aging.BUCKETS)  # no row in error with a balance: no such bar


def test_collections_of_the_month_say_which_payment_rows_were_left_out(book):
    # The demo's deliberate mistake: C001 pays « F2025-9999 », an invoice that does not exist.
    # That row is ignored (Anomalies); the month's collections must say so, not drop it silently.
    wb = openpyxl.load_workbook(book)
    ws = wb["Paiements"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 3).value == "F2025-9999")
    paid_on = ws.cell(row, 1).value.date()
    review.run(FileBook.open(book, today=TODAY), today=TODAY, month=(paid_on.year, paid_on.month))
    collected = next(r for r in revue_rows(book) if r[0] == "Encaissé dans le mois")
    anomalies = openpyxl.load_workbook(book)["Anomalies"]
    flagged = {r[1] for r in anomalies.iter_rows(values_only=True) if r[0] == "Paiements" and r[6] == "erreur"}
    assert row in flagged
    assert f"non comptées : {len(flagged)} ligne(s) de Paiements ignorée(s)" in collected[2]


def test_no_provision_for_what_a_credit_already_covers():
    """Issue 15 point 8: an invoice 400 days late that a credit note covers needs no provision;
    one half covered, a provision on the other half. Credit 1 500 € against F1 (1 000 €, 400 days
    late, due first) and F2 (1 000 €, 200 days late): F1 covered, F2 covered for 500 €, so its
    50 % provision is on 500 € HT-share 1 (no HT given): 250,00 €."""
    from addin.core.model import Client, Invoice, InvoiceState, Status
    from addin.reports.review import not_covered
    from addin.core import aging

    as_of = date(2026, 10, 31)

    def st(number, days, balance, status=Status.OVERDUE):
        due = as_of - __import__("datetime").timedelta(days=days)
        inv = Invoice(number=number, client="C1", issued=due, amount_ttc=D(balance))
        return InvoiceState(invoice=inv, due=due, paid=D(0), balance=D(balance), status=status,
                            days_late=days, interest=D(0), indemnity=D(0))

    states = [st("F1", 400, "1000"), st("F2", 200, "1000"), st("AV1", 10, "-1500", Status.CREDIT_NOTE)]
    clients = [Client(code="C1", name="Client 1")]
    raw = aging.doubtful_debts(states, clients, as_of)
    assert {d.invoice: d.provision for d in raw} == {"F1": D("1000.00"), "F2": D("500.00")}
    kept = not_covered(raw, states, {}, as_of)
    assert [(d.invoice, d.provision) for d in kept] == [("F2", D("250.00"))]
    assert "couverts par le crédit" in kept[0].rule
