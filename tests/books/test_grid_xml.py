"""A generated sheet's XML (``xlsx.grid_sheet_xml``) takes its cells as ``FileBook`` lays them out,
row after row, left to right, and writes most texts without escaping them. Neither shortcut may
change a byte: cells given in any order give the same part, and every text is written as
``cell_tail`` writes it."""

import random
from datetime import date
from decimal import Decimal as D

from hypothesis import given, settings, strategies as st

from addin.books import xlsx

TEXTS = st.text(alphabet=st.sampled_from(list("aé Z_x0041&<>\r\n\t\x01\"'") + ["\ud800", "\uffff"]), max_size=12)
VALUES = st.one_of(st.none(), TEXTS, st.integers(-5, 5), st.decimals(places=2, min_value=-9, max_value=9),
                   st.booleans(), st.floats(allow_nan=False, allow_infinity=False, width=32),
                   st.dates(date(1990, 1, 1), date(2100, 1, 1)))


def grid_of(cells):
    grid = xlsx.Grid(note="note")
    grid.cells.update(cells)
    grid.heights[2] = 30.0
    grid.widths[1] = 44
    grid.freeze_rows = 1
    return grid


def part(grid):
    return xlsx.grid_sheet_xml(grid, False, tab_selected=False, drawing_rid=None, legacy_rid=None)


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.tuples(st.integers(1, 30), st.integers(1, 30)),
                       st.tuples(VALUES, st.sampled_from([0, 0, 3, 7])), max_size=40),
       st.randoms(use_true_random=False))
def test_cells_in_any_order_give_the_same_part(cells, rnd):
    ordered = dict(sorted(cells.items()))
    shuffled = list(cells.items())
    rnd.shuffle(shuffled)
    assert part(grid_of(shuffled)) == part(grid_of(ordered.items()))
    # and each cell is where its reference says, with its own tail, rows in order
    xml = part(grid_of(shuffled)).decode()
    body = xml[xml.index("<sheetData>"):xml.index("</sheetData>")]
    at = 0
    for (r, c), (value, style) in ordered.items():
        cell = f'<c r="{xlsx.ref_of(r, c)}"' + xlsx.cell_tail(style, value, False)
        found = body.index(cell, at)
        at = found + len(cell)


@settings(max_examples=150, deadline=None)
@given(TEXTS, st.sampled_from([0, 5]))
def test_a_text_written_as_is_only_when_cell_tail_would_not_change_it(text, style):
    quick = xlsx._plain_text_tail(style, text)
    if quick is not None:
        assert quick == xlsx.cell_tail(style, text, False)
        assert f">{text}<" in quick


def test_a_sheet_from_a_generated_register_is_the_same_whatever_its_cell_order():
    rnd = random.Random(7)
    cells = {(r, c): (rnd.choice(["Dupont & fils", "SARL Martin", D("12.50"), D(0), None, date(2025, 1, 2)]),
                      rnd.choice([0, 4])) for r in range(1, 60) for c in range(1, 12)}
    backwards = dict(reversed(list(cells.items())))
    assert part(grid_of(cells.items())) == part(grid_of(backwards.items()))
    assert b'<dimension ref="A1:K59"/>' in part(grid_of(backwards.items()))


ROW = st.lists(VALUES, max_size=6)


@settings(max_examples=80, deadline=None)
@given(st.lists(ROW, max_size=8), st.lists(st.sampled_from([0, 3]), min_size=6, max_size=6),
       st.dictionaries(st.tuples(st.integers(1, 3), st.integers(1, 8)), st.tuples(TEXTS, st.just(9)), max_size=4))
def test_whole_rows_write_what_the_same_cells_placed_one_by_one_write(rows, styles, titles):
    """A block's rows given whole (``Grid.rows``) and the same cells placed one by one give the same
    part: a None without a style is no cell, a row without a cell is no row, the dimension the same."""
    whole, single = grid_of(titles.items()), grid_of(titles.items())
    for k, values in enumerate(rows, start=4):
        whole.rows[k] = (tuple(values), tuple(styles))
        for j, (value, style) in enumerate(zip(values, styles), start=1):
            if value is not None or style:
                single.placed[(k, j)] = (value, style)
            assert whole.value(k, j) == value
    assert whole.value(4 + len(rows), 1) is None
    assert part(whole) == part(single)
    assert whole.cells == single.cells and not whole.rows  # taken in for good


def test_a_cell_set_after_the_rows_were_taken_in_wins_over_its_row():
    grid = grid_of({(1, 1): ("Titre", 9)}.items())
    grid.rows[2] = (("Dupont", D("10.00"), None), (0, 4, 0))
    grid.cells[(2, 2)] = (D("12.00"), 4)  # as write_block does in a generated sheet
    assert grid.value(2, 2) == D("12.00") and grid.value(2, 1) == "Dupont"
    xml = part(grid).decode()
    assert '<c r="B2" s="4"><v>12</v></c>' in xml and "<v>10</v>" not in xml and 'r="C2"' not in xml
