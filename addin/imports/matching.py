"""Which open invoices a bank line pays: pure, no I/O.

A credit line in euros is matched, in this order:

1. **invoice numbers in the text.** The text and the numbers are compared without
   separators or case, so ``F2026-0153``, ``F 2026 0153``, ``f2026/0153`` all find
   invoice ``F2026-0153``; a number of five digits or more is also found by its digits
   behind any letter prefix (``FA20260153``, ``FACT 2026-0153``). Then the client's
   purchase-order numbers (``Bon de commande``, four characters or more), the same way.
2. **the payer**: its IBAN against the *IBAN* column of *Clients*, else its name (or, when
   the bank gives none, the text) against the clients' names, legal forms (SARL, SAS…)
   and small words left out;
3. **the amount**: one open item of that client equal to it, or a set of two to four of
   its open items (among its first 15 smaller than the amount) that adds up to it exactly and is the only such set;
   with no client known, an open item of any client equal to it is only a candidate.

A match is **sure**, and becomes payments, when (1) finds open invoices of one client
whose balances add up to the amount, or one invoice whose balance covers it (a partial
payment), and the payer, when recognised, is that client; or when (2) recognises the
client and (3) finds exactly one item or one set. Everything else — a number of another
client's invoice, invoices already paid, more money than they owe, several candidates,
an amount alone — is a proposal for a person to confirm. Debits, returned operations
and other currencies are never matched.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Sequence

from addin.core.model import ZERO, format_euros
from addin.imports.statement import RETURNED, BankLine
from addin.register.schema import normalize

MAX_SET = 4  # at most this many invoices in a set found by its sum
MAX_ITEMS_FOR_SETS = 15


@dataclass(frozen=True, slots=True)
class Item:
    """An invoice as matching sees it: its balance now (0 when paid)."""

    number: str
    client: str
    balance: Decimal
    po: str = ""


@dataclass(frozen=True, slots=True)
class Party:
    code: str
    name: str
    ibans: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Allocation:
    client: str
    invoice: str | None  # None: the client's oldest open invoices (Code civil 1342-10)
    amount: Decimal


@dataclass(frozen=True)
class Outcome:
    sure: bool
    allocations: tuple[Allocation, ...] = ()  # the proposal (empty: nothing to propose)
    reason: str = ""  # why a person must look (French); empty when sure
    others: tuple[str, ...] = ()  # other candidates, as shown
    how: str = ""  # what found it: "numéro", "commande", "IBAN", "nom", "montant"


_LEGAL = {"sarl", "sas", "sasu", "sa", "eurl", "sci", "snc", "scop", "ste", "societe", "ets", "etablissements",
          "cie", "et", "de", "la", "le", "les", "du", "des", "d", "l", "and", "the", "ltd", "gmbh", "inc", "mr",
          "mme", "m", "monsieur", "madame", "vir", "virement", "sepa", "recu", "de", "prlv", "sct", "inst"}


_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
_ALNUM_RUN = re.compile(r"[A-Z0-9]+")
_DIGITS_KEY = re.compile(r"[A-Z]{0,10}(\d{5,})")


@functools.lru_cache(maxsize=65536)  # the same payers come back line after line
def name_words(name: str) -> tuple[str, ...]:
    return tuple(w for w in normalize(name).split() if w not in _LEGAL)


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def compact(text: str) -> str:
    """Letters and digits only, in upper case (``f 2026-0153`` → ``F20260153``)."""
    upper = str(text).upper()
    if upper.isalnum() and upper.isascii():  # nothing to drop
        return upper
    plain = upper.replace("-", "").replace(" ", "")
    if plain.isalnum() and plain.isascii():  # the usual number: only dashes or spaces to drop
        return plain
    return _NOT_ALNUM.sub("", upper)


def _digits_key(text: str) -> str | None:
    """The digits of a compact key made of up to ten letters then five digits or more, else None."""
    if not text.isascii():
        m = _DIGITS_KEY.fullmatch(text)
        return m.group(1) if m else None
    digits = text.lstrip(_LETTERS)
    return digits if len(digits) >= 5 and len(text) - len(digits) <= 10 and digits.isdigit() else None


class Matcher:
    """The indexes of one register, built once; ``match`` one line at a time, ``take``
    what was paid so that the next lines see the balances left."""

    def __init__(self, items: Iterable[Item], parties: Iterable[Party]):
        items = list(items)
        self._index([i.number for i in items], [i.client for i in items], [i.balance for i in items],
                    [i.po for i in items], parties)

    @classmethod
    def of_columns(cls, numbers: Sequence[str], clients: Sequence[str], balances: Sequence[Decimal],
                   pos: Sequence[str | None], parties: Iterable[Party]) -> "Matcher":
        """The same as ``Matcher(items, parties)``, from the items' columns (no ``Item`` made)."""
        matcher = cls.__new__(cls)
        matcher._index(numbers, clients, balances, pos, parties)
        return matcher

    def _index(self, numbers, clients, balances, pos, parties) -> None:
        # Built a column at a time (a register has a hundred thousand invoices): a later item with
        # the same number or key replaces an earlier one, as one item at a time would.
        self.client_of: dict[str, str] = dict(zip(numbers, clients))
        self.balance: dict[str, Decimal] = dict(zip(numbers, balances))
        keys = list(map(compact, numbers))
        self.by_compact: dict[str, str] = dict(zip(keys, numbers))
        self.by_compact.pop("", None)  # a number of no letter or digit is found by nothing
        self.by_digits: dict[str, list[str]] = defaultdict(list)
        for number, digits in zip(numbers, map(_digits_key, keys)):
            if digits:
                self.by_digits[digits].append(number)
        self.by_po: dict[str, list[str]] = defaultdict(list)
        for number, po in zip(numbers, pos):
            if po:
                po = compact(po)
                if len(po) >= 4:
                    self.by_po[po].append(number)
        self.open_by_client: dict[str, list[str]] = defaultdict(list)
        self.by_amount: dict[Decimal, list[str]] = defaultdict(list)
        for number, client, balance in zip(numbers, clients, balances):
            if balance > 0:
                self.open_by_client[client].append(number)
                self.by_amount[balance].append(number)
        self.parties = {p.code: p for p in parties}
        self.by_iban: dict[str, str | None] = {}
        self.by_words: dict[tuple[str, ...], set[str]] = defaultdict(set)  # a name's words → its clients
        for p in self.parties.values():
            for iban in p.ibans:
                self.by_iban[iban] = p.code if self.by_iban.get(iban, p.code) == p.code else None
            words = name_words(p.name)
            if words and len("".join(words)) >= 3:
                self.by_words[words].add(p.code)
        self.name_lengths = sorted({len(w) for w in self.by_words})

    # --- finding ---------------------------------------------------------------------

    def found_in(self, text: str) -> tuple[list[str], list[str]]:
        """(invoice numbers, PO invoices) named in ``text``, in the order of the text."""
        tokens = _ALNUM_RUN.findall(str(text).upper())
        numbers: list[str] = []
        pos: list[str] = []
        by_compact, by_digits, by_po = self.by_compact, self.by_digits, self.by_po
        for i in range(len(tokens)):
            s = ""
            for token in tokens[i:i + 4]:  # one to four tokens joined: « F 2026 0153 »
                s += token
                hit = by_compact.get(s)
                if hit is not None:
                    hits = (hit,)
                else:
                    digits = _digits_key(s) if s[-1].isdigit() else None  # a digits key ends with a digit
                    hits = by_digits.get(digits, ()) if digits else ()
                for h in hits:
                    if h not in numbers:
                        numbers.append(h)
                if by_po:
                    for h in by_po.get(s, ()):
                        if h not in pos:
                            pos.append(h)
        return numbers, pos

    def payer(self, line: BankLine, iban: str) -> tuple[str | None, str]:
        """(client code, "IBAN" | "nom") of the payer, or (None, "")."""
        if iban and self.by_iban.get(iban):
            return self.by_iban[iban], "IBAN"
        words = name_words(line.payer or line.text)
        found: set[str] = set()
        for i in range(len(words)):  # every client whose name's words are found in a row in the payer's
            for n in self.name_lengths:
                if i + n > len(words):
                    break
                found.update(self.by_words.get(words[i:i + n], ()))
        return (found.pop(), "nom") if len(found) == 1 else (None, "")

    # --- deciding --------------------------------------------------------------------

    def match(self, line: BankLine, iban: str = "") -> Outcome:
        """The outcome for ``line`` (``iban``: the payer's IBAN once checked, else "")."""
        if line.family == RETURNED:
            return Outcome(False, reason="Opération rejetée ou retournée (prélèvement impayé…) : ce n'est pas un "
                                         "paiement ; si elle annule un paiement enregistré, supprimez-le de Paiements.")
        if line.amount <= 0:
            return Outcome(False, reason="Débit : de l'argent sorti, pas un paiement reçu.")
        if line.currency != "EUR":
            return Outcome(False, reason=f"Devise {line.currency} : Relance n'enregistre que des euros ; "
                                         "saisissez le paiement en euros dans Paiements.")
        payer, how_payer = self.payer(line, iban)
        numbers, pos = self.found_in(f"{line.text} {line.reference}")
        if numbers:
            return self._by_invoices(line, numbers, payer, "numéro")
        if pos:
            return self._by_invoices(line, pos, payer, "commande")
        if payer:
            return self._by_client(line, payer, how_payer)
        return self._by_amount(line)

    def _by_invoices(self, line: BankLine, numbers: list[str], payer: str | None, how: str) -> Outcome:
        clients = list(dict.fromkeys(self.client_of[n] for n in numbers))
        named = ", ".join(numbers)
        if len(clients) > 1:
            return Outcome(False, self.spread(line.amount, numbers),
                           f"Le libellé cite des factures de plusieurs clients ({', '.join(clients)}) : choisissez.",
                           how=how)
        client = clients[0]
        open_numbers = [n for n in numbers if self.balance[n] > 0]
        if not open_numbers:
            return Outcome(False, (Allocation(client, None, line.amount),),
                           f"Facture(s) {named} déjà soldée(s) : paiement en double, ou pour une autre facture ?",
                           how=how)
        proposal = self.spread(line.amount, open_numbers)
        if payer and payer != client:
            return Outcome(False, proposal, f"Le libellé cite {named} du client {client}, mais le payeur est "
                                            f"reconnu comme {payer} : confirmez.", how=how)
        total = sum((self.balance[n] for n in open_numbers), ZERO)
        if line.amount == total or (len(open_numbers) == 1 and line.amount < total):
            return Outcome(True, proposal, how=how)
        if line.amount > total:
            return Outcome(False, proposal, f"Montant supérieur au reste dû de {named} ({format_euros(total)}) : "
                                            f"l'excédent de {format_euros(line.amount - total)} irait en avoir client.",
                           how=how)
        return Outcome(False, proposal, f"Paiement partiel de plusieurs factures ({named}, reste dû "
                                        f"{format_euros(total)}) : confirmez la répartition.", how=how)

    def _by_client(self, line: BankLine, client: str, how: str) -> Outcome:
        numbers = self.open_by_client.get(client, [])
        numbers = [n for n in numbers if self.balance[n] > 0]
        single = [n for n in numbers if self.balance[n] == line.amount]
        if len(single) == 1:
            return Outcome(True, self.spread(line.amount, single), how=how)
        sets = [] if single else self.sets(numbers, line.amount)
        if len(sets) == 1:
            return Outcome(True, self.spread(line.amount, list(sets[0])), how=how)
        others = tuple(", ".join(s) for s in sets[:3]) or tuple(single[:3])
        reason = (f"Payeur reconnu ({client}, par son {how}) mais plusieurs factures possibles : choisissez."
                  if others else f"Payeur reconnu ({client}, par son {how}) mais aucune facture ni ensemble de "
                                 f"factures de ce montant : paiement à imputer sur ses plus anciennes ?")
        return Outcome(False, (Allocation(client, None, line.amount),), reason, others, how)

    def _by_amount(self, line: BankLine) -> Outcome:
        numbers = [n for n in self.by_amount.get(line.amount, ()) if self.balance[n] == line.amount]
        if not numbers:
            return Outcome(False, reason="Aucune facture, aucun client ni aucun montant ne correspond.")
        first = numbers[0]
        others = tuple(f"{n} ({self.client_of[n]})" for n in numbers[1:4])
        reason = ("Seul le montant correspond (une facture de ce reste dû) : confirmez."
                  if len(numbers) == 1 else f"{len(numbers)} factures ont ce reste dû : choisissez.")
        return Outcome(False, self.spread(line.amount, [first]), reason, others, "montant")

    def sets(self, numbers: list[str], amount: Decimal) -> list[tuple[str, ...]]:
        """Sets of 2 to ``MAX_SET`` of ``numbers`` (the first 15 smaller than ``amount``) whose balances
        add up to ``amount`` (at most 4 listed: more means "ambiguous" all the same)."""
        target = int(amount * 100)
        pool = [(n, int(self.balance[n] * 100)) for n in numbers if 0 < self.balance[n] < amount]
        pool = pool[:MAX_ITEMS_FOR_SETS]
        if sum(c for _, c in pool) < target:
            return []
        found = []
        for size in range(2, min(MAX_SET, len(pool)) + 1):
            for combo in itertools.combinations(pool, size):
                if sum(c for _, c in combo) == target:
                    found.append(tuple(n for n, _ in combo))
                    if len(found) > 3:
                        return found
        return found

    # --- paying ----------------------------------------------------------------------

    def spread(self, amount: Decimal, numbers: list[str]) -> tuple[Allocation, ...]:
        """``amount`` over ``numbers`` in order, each up to its balance; what is left goes on the last."""
        out = []
        left = amount
        for i, n in enumerate(numbers):
            part = left if i == len(numbers) - 1 else min(left, max(self.balance.get(n, ZERO), ZERO))
            if part <= 0 and i < len(numbers) - 1:
                continue
            out.append(Allocation(self.client_of.get(n, ""), n, part))
            left -= part
        return tuple(a for a in out if a.amount > 0)

    def take(self, allocations: Iterable[Allocation]) -> None:
        """Lower the balances by what was just paid."""
        for a in allocations:
            if a.invoice in self.balance:
                self.balance[a.invoice] -= a.amount

    def learn(self, client: str, iban: str) -> bool:
        """Remember a payer's IBAN for ``client``; False when it is another client's already."""
        known = self.by_iban.get(iban)
        if known not in (None, client) or (iban in self.by_iban and known is None):
            return False
        self.by_iban[iban] = client
        return True
