"""Issue 13, point 5: a consumer whose formal-notice date is typed gets no friendly first reminder."""

from __future__ import annotations

from datetime import date

from addin.core.dunning import DEFAULTS, History, queue
from addin.core.model import Channel, Client, ClientType, Invoice, InvoiceState, Settings, Status
from tests.core.test_dunning import D

TODAY = date(2025, 5, 5)
CONSUMER = Client("P1", "Léa Martin", ClientType.CONSUMER, email="lea@example.fr")


def consumer_invoice(notice_date=None) -> InvoiceState:
    # Due 30 Apr 2025, 5 days late on 5 May: the consumer calendar's D+3 « particulier_1 »
    # (« sans doute un oubli ») is the step its age reached.
    invoice = Invoice("F1", "P1", date(2025, 4, 30), D("1500.00"), notice_date=notice_date)
    return InvoiceState(invoice=invoice, due=date(2025, 4, 30), paid=D("0"), balance=D("1500.00"),
                        status=Status.OVERDUE, days_late=5, interest=D("0"), indemnity=D("0"))


def written(state):
    actions, nexts = queue([state], [CONSUMER], DEFAULTS, History(), Settings(), TODAY, {})
    return [a for a in actions if a.step.channel != Channel.PHONE], nexts


def test_without_a_notice_the_first_friendly_reminder_goes():
    actions, _ = written(consumer_invoice())
    assert [a.step.template for a in actions] == ["particulier_1"]


def test_a_typed_notice_date_starts_the_queue_after_the_notice():
    # The register says a formal notice was received on 2 May: no « sans doute un oubli » after it,
    # nor any reminder below the notice (the consumer calendar ends with the notice).
    actions, nexts = written(consumer_invoice(notice_date=date(2025, 5, 2)))
    assert actions == []
    assert nexts["F1"] == ("Scénario terminé", None)
