"""The matcher's indexes find what a plain scan finds (they only make it faster: issue 18's speed).

Oracles written the slow, obvious way: a client's name is recognised when its words (legal forms
and small words left out) come in a row among the payer's; a number is compacted by dropping every
character that is not a letter or a digit; its digits key is what ``[A-Z]{0,10}(\\d{5,})`` reads.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from addin.imports.matching import Item, Matcher, Party, compact, name_words
from addin.imports.statement import BankLine

WORDS = ["Martin", "Dupont", "SARL", "Café", "cafe", "de", "la", "Garage", "Roux", "Studio", "Ets", "ab"]
names = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join)


def _scan(parties, payer):
    words = name_words(payer)
    found = set()
    for p in parties:
        key = name_words(p.name)
        if not key or len("".join(key)) < 3:
            continue
        if any(tuple(words[i:i + len(key)]) == key for i in range(len(words))):
            found.add(p.code)
    return found.pop() if len(found) == 1 else None


@settings(max_examples=200, deadline=None)
@given(client_names=st.lists(names, min_size=1, max_size=6), payer=names)
def test_a_payer_is_recognised_by_name_as_a_scan_of_every_client_would(client_names, payer):
    parties = [Party(f"C{i}", n) for i, n in enumerate(client_names)]
    line = BankLine(account="A", booked=date(2026, 3, 2), amount=Decimal("10.00"), payer=payer)
    assert Matcher([], parties).payer(line, "")[0] == _scan(parties, payer)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="Ff aA-./_0123456789éßİ\u00a0", max_size=16))
def test_a_number_is_compacted_as_the_regex_would(text):
    assert compact(text) == re.sub(r"[^0-9A-Z]", "", text.upper())


@settings(max_examples=300, deadline=None)
@given(prefix=st.text(alphabet="ABFZ", max_size=12), digits=st.text(alphabet="0123456789", min_size=1, max_size=8))
def test_a_number_is_found_by_its_digits_behind_any_prefix_as_the_regex_reads_them(prefix, digits):
    key = re.compile(r"[A-Z]{0,10}(\d{5,})")
    number, text = "F" + digits, prefix + digits
    ours, theirs = key.fullmatch(number), key.fullmatch(text)
    expected = text == number or (ours is not None and theirs is not None and ours.group(1) == theirs.group(1))
    found, _ = Matcher([Item(number, "C1", Decimal("10.00"))], []).found_in(text)
    assert found == ([number] if expected else [])
