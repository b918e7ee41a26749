"""Each invoice's open balance: what bank matching needs of the ledger (issue 18).

``open_balances(register, today, rates)``: per invoice, in the register's order, the balance
the engine (``fast.compute``, as « Actualiser ») gives an invoice that is an open item — its
status neither a credit note nor an error, its balance above zero — and 0.00 for every other.
Computed from the due dates and the allocation of the payments alone (``fast.open_balances``:
no interest, no status, no per-invoice state), which is all an import needs; a register the
fast engine hands to the reference (interest-first imputation, a number twice, amounts not in
whole cents) gets the engine itself. ``tests/core/test_balances.py`` proves both equal on
random registers.

Pure: no I/O.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from addin.core import fast
from addin.core.model import ZERO, Register, Status
from addin.core.rates import RateTable

_NOT_ITEMS = (Status.CREDIT_NOTE, Status.ERROR)


def open_balances(register: Register, today: date, rates: RateTable) -> list[Decimal]:
    """The open balance of each invoice of ``register`` as of ``today`` (see the module's docstring)."""
    found = fast.open_balances(register, today)
    if found is not None:
        return found
    return from_ledger(fast.choose(register)(register, today, rates)[0].states)


def from_ledger(states) -> list[Decimal]:
    """The same figures read from the engine's states."""
    return [s.balance if s.status not in _NOT_ITEMS and s.balance > 0 else ZERO for s in states]
