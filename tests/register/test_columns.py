"""The register read column by column (``load``) gives what the per-row reading gives
(``load(book, by_rows=True)``, the oracle): the same records and the same problems, in the same
order, whatever the cells hold; and only the rows with a problem are read row by row."""

from datetime import date, datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from addin.register import load as load_module
from addin.register.load import load
from tests.register.conftest import FakeBook
from tests.register.test_load import CLIENTS_FR, CLIENT_ROWS, INVOICES_FR, PAYMENTS_FR, french_sheets

# What a person or another program leaves in a register's cells, good and bad.
TEXTS = st.sampled_from(["F1", "F2", "F3", "AV-1", "Avoir 2", "AVR-3", " F1 ", "f1", "C001", "c001", "MAIRIE",
                         "P01", "INCONNU", "  ", "", "Total", "a\u00a0b", "x  y", "Virement", "chèque", "CB"])
NUMBERS = st.sampled_from([0, 0.0, -0.0, 1, 12, 1200, 1200.5, 2.675, 1.005, -120, -100.0, 0.1 + 0.2, 1e13,
                           45762, 45762.75, 20250315, 7.123, True, False])  # (no NaN: a file cannot hold one)
DATES = st.sampled_from([date(2025, 3, 15), date(1900, 1, 1), date(2200, 1, 1), datetime(2025, 5, 2, 14, 30),
                         datetime(2025, 5, 2), "15/03/2025", "2025-03-15", "1er mai 2025", "31/02/2025", "demain",
                         "45762", "12 %", "1 200,00 €", "1.200", "(50,00)", "Oui", "x", "15 % par mois",
                         "3 fois le taux légal"])
CELL = st.one_of(st.none(), TEXTS, NUMBERS, DATES)


@st.composite
def _row(draw, good, key, names=tuple(f"F{k}" for k in range(1, 41))):
    """A row: the good row with its own number (``key``: the column), and up to three odd cells."""
    row = list(good)
    row[key] = draw(st.sampled_from(names))
    for _ in range(draw(st.integers(0, 3))):
        row[draw(st.integers(0, len(row) - 1))] = draw(CELL)
    return row


GOOD_INVOICE = ["F1", "C001", date(2025, 3, 15), None, 1000, 1200, None, None, None, None, None, None, None]
GOOD_PAYMENT = [date(2025, 4, 20), "C001", "F1", 500.5, "Virement", "VIR 1"]
GOOD_CLIENT = ["C001", "Atelier", "Professionnel", "a@b.fr", None, "fr", None, None, 1000, "Non", None, None]
ODD_CLIENT = st.sampled_from([None, "", "Particulier", "Mairie", "Public", "a@b.fr; c@d", "pas une adresse", "en",
                              "EN", "de", "Oui", "peut-être", "1 000,555", 12.345, -5, 0.0, "  ", date(2025, 1, 1)])


@st.composite
def registers(draw):
    invoices = draw(st.lists(_row(GOOD_INVOICE, 0), max_size=25))
    payments = draw(st.lists(_row(GOOD_PAYMENT, 2), max_size=25))
    clients = draw(st.lists(_row(GOOD_CLIENT, 0, ("C001", "c001", " C001", "MAIRIE", "P01", "Z", "")), max_size=8))
    for row in clients:  # odd cells a client row holds
        for _ in range(draw(st.integers(0, 2))):
            row[draw(st.sampled_from([1, 1, 2, 3, 4, 5, 8, 9]))] = draw(ODD_CLIENT)
    factures = [INVOICES_FR[:13], *invoices]
    paiements = [PAYMENTS_FR, *payments]
    formulas = {}
    if invoices and draw(st.booleans()):  # a formula cell, calculated or not
        formulas["Factures"] = {(draw(st.integers(2, len(invoices) + 1)), draw(st.integers(1, 13)))}
    merged = {}
    if payments and draw(st.booleans()):
        top = draw(st.integers(2, len(payments) + 1))
        merged["Paiements"] = ((top, 2, top + 1, 3),)
    sheets = french_sheets(Clients=[CLIENTS_FR, *CLIENT_ROWS, *clients], Factures=factures, Paiements=paiements,
                           **{"Échéanciers": [["N° plan"]]})
    return FakeBook(sheets, formulas=formulas, merged=merged, epoch_1904=draw(st.booleans()))


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registers())
def test_columns_read_what_the_rows_read(book):
    register, problems = load(book)
    oracle, expected = load(book, by_rows=True)
    assert register == oracle
    assert problems == expected
    # Amounts equal as Decimals and written alike (0.00 never -0.00, 2.675 → 2.68).
    assert [str(i.amount_ttc) for i in register.invoices] == [str(i.amount_ttc) for i in oracle.invoices]


def test_only_rows_with_a_problem_are_read_row_by_row(monkeypatch):
    """500 clean invoices and payments and two bad rows: two per-row readings on those sheets."""
    invoices = [[f"F{i}", "C001", date(2025, 1, 1 + i % 28), None, 100 + i, 120 + i * 1.2] for i in range(500)]
    invoices.append(["F9", "C001", "31/02/2025", None, 100, 120])  # no such date: a problem
    payments = [[date(2025, 4, 20), "c001", f"F{i}", 12.5] for i in range(500)]
    payments.append([date(2025, 4, 20), "C001", "F0", 0])  # a payment of 0: a warning
    book = FakeBook(french_sheets(Factures=[INVOICES_FR[:6], *invoices], Paiements=[PAYMENTS_FR[:4], *payments],
                                  **{"Échéanciers": [["N° plan"]]}))
    read = []
    original = load_module._Cut.row
    monkeypatch.setattr(load_module._Cut, "row", lambda self, i: read.append((self.name, i)) or original(self, i))
    register, problems = load(book)
    assert [n for n, _ in read if n in ("Factures", "Paiements")] == ["Factures", "Paiements"]
    assert len(register.invoices) == 500 and len(register.payments) == 500
    assert register.invoices[7].amount_ttc == Decimal("128.40")  # 120 + 7 × 1.2 = 128.39999999999998 → 128.40
    assert register.payments[0].client == "C001"  # « c001 » is C001
    assert {p.code for p in problems} >= {"date.unreadable", "payment.zero"}
    assert [(p.sheet, p.row) for p in problems if p.code == "date.unreadable"] == [("Factures", 502)]


def test_client_rows_of_the_example_read_alike():
    book = FakeBook(french_sheets(Clients=[CLIENTS_FR, *CLIENT_ROWS]))
    assert load(book) == load(book, by_rows=True)


# --- the rows a totals check looks at (``load._untyped``), against the rule cell by cell ---------

def _untyped_by_rows(rows, start, j, held):
    """The rule, one row at a time: a record's first identity cell is a text opening with an ASCII
    letter or digit other than g, s, t, or another value (a date, a number)."""
    out = []
    for r, values in enumerate(rows[start:], start=start + 1):
        v = values[j] if len(values) > j else None
        typed = (isinstance(v, str) and v[:1].isascii() and v[:1].isalnum() and v[:1] not in "gstGST") or (
            v is not None and not isinstance(v, str))
        if r in held or not typed:
            out.append(r)
    return out


_FIRST_CELLS = st.one_of(st.sampled_from(["F2025-001", "Total", "sous-total", "Grand total", "É12", "", " x", "abc",
                                          "g1", "S", "9z", "é", "Zed", "\x01a", "Somme", "tva"]),
                         st.text(max_size=4), st.none(), st.integers(0, 9), st.dates())


@given(kind=st.sampled_from(["texts", "dates", "mixed"]), data=st.data())
@hsettings(max_examples=150, deadline=None)
def test_the_rows_a_totals_check_looks_at_are_those_of_the_rule_cell_by_cell(kind, data):
    from addin.register.load import _untyped

    cells = {"texts": st.one_of(_FIRST_CELLS.filter(lambda v: isinstance(v, str)), st.text(max_size=5)),
             "dates": st.dates(), "mixed": _FIRST_CELLS}[kind]
    body = data.draw(st.lists(st.one_of(cells.map(lambda v: (v, "x")), st.just(())) if kind == "mixed"
                              else cells.map(lambda v: (v, "x")), max_size=12))
    rows = [("N°", "Client"), *body]
    held = set(data.draw(st.lists(st.integers(0, len(rows) + 2), max_size=3)))
    assert _untyped(rows, 1, 0, held) == _untyped_by_rows(rows, 1, 0, held)
