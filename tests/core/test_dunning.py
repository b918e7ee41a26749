"""The reminder queue: each rule of addin.core.dunning, and the anchors' bugs."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings as hsettings, strategies as st

from addin.core import dunning
from addin.core.dunning import DEFAULTS, Dispute, History, Promise, Reminder, queue
from addin.core.model import (
    ZERO, Action, Channel, Client, ClientType, Invoice, InvoiceState, Settings, Status,
)

TODAY = date(2025, 6, 30)
SETTINGS = Settings()
D = Decimal


def client(code="C1", type_=ClientType.BUSINESS, **kw) -> Client:
    return Client(code=code, name=f"Client {code}", type=type_, email=f"{code.lower()}@example.fr", **kw)


def state(number, due, balance="1000", client_code="C1", status=None, interest="0", indemnity=None,
          paid="0", **inv) -> InvoiceState:
    balance = D(balance)
    amount = inv.pop("amount", balance + D(paid))
    invoice = Invoice(number=number, client=client_code, issued=due - timedelta(days=30), amount_ttc=amount,
                      **inv)
    days_late = max(0, (TODAY - due).days)
    if status is None:
        status = (Status.CREDIT_NOTE if amount < 0 else Status.PAID if balance <= 0
                  else Status.OVERDUE if days_late else Status.NOT_DUE)
    if indemnity is None:
        indemnity = "40" if days_late and status == Status.OVERDUE else "0"
    return InvoiceState(invoice=invoice, due=due, paid=D(paid), balance=balance, status=status,
                        days_late=days_late, interest=D(interest), indemnity=D(indemnity))


def ago(days: int) -> date:
    """The due date that makes an invoice ``days`` late today (negative: due in the future)."""
    return TODAY - timedelta(days=days)


def run(states, clients=None, history=History(), today=TODAY, credits=None, scenarios=DEFAULTS, settings=SETTINGS,
        **kw):
    return queue(states, clients or [client()], scenarios, history, settings, today, credits or {}, **kw)


def sent(action: Action, on: date = TODAY) -> Reminder:
    """The journal entry a successful send of ``action`` leaves."""
    return Reminder(client=action.client.code,
                    invoices=tuple(i.number for i in action.items if i.kind == "invoice"),
                    step=action.step.name, channel=action.step.channel, on=on, key=action.key)


def written(actions):
    return [a for a in actions if a.step.channel != Channel.PHONE]


# --- the anchors' bugs -----------------------------------------------------------------


def test_one_message_per_client_listing_all_overdue_items():
    states = [state("F1", ago(20)), state("F2", ago(8)), state("F3", ago(16), client_code="C2")]
    actions, _ = run(states, [client("C1"), client("C2")])
    mails = written(actions)
    assert [(a.client.code, sorted(i.number for i in a.items)) for a in mails] == [
        ("C1", ["F1", "F2"]), ("C2", ["F3"])]


def test_the_oldest_item_sets_the_step():
    actions, _ = run([state("F1", ago(20)), state("F2", ago(8))])
    # 20 days late reaches J+15 (relance_2); the 8-day-late invoice rides along.
    assert written(actions)[0].step.template == "relance_2"


def test_grouped_amounts_are_the_sum_of_the_items():
    states = [state("F1", ago(20), "1200.50", interest="12.34"), state("F2", ago(8), "99.99", interest="1.01"),
              state("AV1", ago(40), "-100.00")]
    action = written(run(states)[0])[0]
    invoices = [i for i in action.items if i.kind == "invoice"]
    assert action.total_balance == D("1200.50") + D("99.99") - D("100.00")
    assert action.total_interest == D("13.35")
    assert action.total_indemnity == D("80")
    assert action.total_balance == sum(i.balance for i in action.items)
    assert len(invoices) == 2


def test_running_twice_the_same_day_after_sending_proposes_nothing():
    states = [state("F1", ago(20)), state("F2", ago(8))]
    actions, _ = run(states)
    assert actions
    history = History(reminders=tuple(sent(a) for a in actions))
    assert run(states, history=history)[0] == []


def test_a_flat_fee_never_appears_interest_comes_from_the_ledger():
    states = [state("F1", ago(40), "8000", interest="87.67")]
    action = written(run(states)[0])[0]
    assert {i.kind for i in action.items} == {"invoice"}
    assert action.total_interest == D("87.67")
    # With no interest in the ledger (not yet late), there is none in the action.
    action = written(run([state("F9", ago(-10), "500")])[0])[0]
    assert action.total_interest == ZERO and action.total_indemnity == ZERO


def test_a_dispute_on_one_invoice_does_not_block_the_others():
    states = [state("F1", ago(20), dispute="livraison incomplète", status=Status.DISPUTED), state("F2", ago(16))]
    actions, nexts = run(states)
    assert [i.number for i in written(actions)[0].items] == ["F2"]
    assert nexts["F1"] == ("En litige : livraison incomplète", None)


def test_a_dispute_logged_in_the_journal_pauses_only_its_invoice():
    history = History(disputes=(Dispute("C1", ("F1",), "prix contesté"),))
    actions, nexts = run([state("F1", ago(20)), state("F2", ago(16))], history=history)
    assert [i.number for i in written(actions)[0].items] == ["F2"]
    assert nexts["F1"][0] == "En litige : prix contesté"


# --- the other rules --------------------------------------------------------------------


def test_a_missed_step_is_proposed_once_only_the_highest_reached():
    # 40 days late and never reminded: J+30 only, not J-10, J0, J+7, J+15 as a backlog.
    actions, _ = run([state("F1", ago(40))])
    assert [a.step.name for a in written(actions)] == ["J+30"]


def test_a_phone_call_task_accompanies_the_email_at_d_plus_7():
    actions, nexts = run([state("F1", ago(7))])
    assert {(a.step.channel, a.step.template) for a in actions} == {
        (Channel.EMAIL, "relance_1"), (Channel.PHONE, "appel")}
    assert nexts["F1"] == ("E-mail J+7", TODAY)


def test_never_two_steps_for_one_client_on_one_day():
    # A reminder already went out today (J0); now an older invoice appears: nothing more today.
    history = History(reminders=(Reminder("C1", ("F2",), "J0", Channel.EMAIL, TODAY, key="k"),))
    actions, _ = run([state("F1", ago(20)), state("F2", ago(0))], history=history)
    assert written(actions) == []


def test_min_gap_days_since_the_previous_reminder():
    history = History(reminders=(Reminder("C1", ("F1",), "J+7", Channel.EMAIL, TODAY - timedelta(days=3)),
                                 Reminder("C1", ("F1",), "Appel J+7", Channel.PHONE, TODAY - timedelta(days=3))))
    actions, nexts = run([state("F1", ago(15))], history=history)
    assert actions == []
    assert nexts["F1"] == ("E-mail J+15", TODAY + timedelta(days=2))
    later = TODAY + timedelta(days=2)
    actions, _ = run([state("F1", ago(15))], history=history, today=later)
    assert [a.step.name for a in written(actions)] == ["J+15"]


def test_formal_notice_waits_for_three_reminders_and_catches_up_one_at_a_time():
    states = [state("F1", ago(50))]
    history = History()
    proposed = []
    day = TODAY
    # J+15 sent Saturday 5 July gives 8 days: Sunday 13, then Monday 14 July (a holiday) → Tuesday 15;
    # J+30 goes on 20 July, the notice once its deadline (Monday 28 July) has passed, on 30 July.
    for _ in range(7):
        actions = written(run(states, history=history, today=day)[0])
        if actions:
            proposed.append(actions[0].step.name)
            history = History(reminders=history.reminders + (sent(actions[0], day),))
        day += timedelta(days=5)
    assert proposed == ["J+7", "J+15", "J+30", "J+45"]
    assert proposed[-1] == "J+45" and DEFAULTS["Professionnel"][-1].channel == Channel.FORMAL_NOTICE


def test_formal_notice_after_three_reminders():
    history = History(reminders=tuple(
        Reminder("C1", ("F1",), name, Channel.EMAIL, ago(46 - off)) for name, off in
        (("J+7", 7), ("J+15", 15), ("J+30", 30))))
    actions, _ = run([state("F1", ago(46))], history=history)
    assert [a.step.template for a in written(actions)] == ["mise_en_demeure"]


def test_a_newer_invoice_never_brings_a_second_formal_notice():
    # F1 is 60 days late and had its three reminders and its formal notice; F2 falls due later.
    # Sending every 5 days for two months: no second notice while F2 has not had three reminders
    # of its own, and F1's notice is never repeated for F1 alone.
    notice = Reminder("C1", ("F1",), "J+45", Channel.FORMAL_NOTICE, ago(15), key="notice")
    history = History(reminders=tuple(
        Reminder("C1", ("F1",), name, Channel.EMAIL, ago(60 - off)) for name, off in
        (("J+7", 7), ("J+15", 15), ("J+30", 30))) + (notice,))
    states = [state("F1", ago(60)), state("F2", ago(-3))]
    notices, day = [], TODAY
    for _ in range(13):
        for action in written(run(states, history=history, today=day)[0]):
            history = History(reminders=history.reminders + (sent(action, day),))
            if action.step.channel == Channel.FORMAL_NOTICE:
                notices.append((day, sorted(i.number for i in action.items)))
        day += timedelta(days=5)
    f2_reminders = [r for r in history.reminders if "F2" in r.invoices and r.channel == Channel.EMAIL]
    assert all(len([r for r in f2_reminders if r.on < when]) >= 3 for when, _ in notices)
    assert len(notices) <= 1  # at most the one F2 earns itself, ~45 days after its due date


def test_promise_pauses_until_its_date():
    promised = [state("F1", ago(20), promise=TODAY + timedelta(days=3))]
    actions, nexts = run(promised)
    assert written(actions) == []
    assert nexts["F1"] == ("Promesse de paiement", TODAY + timedelta(days=4))
    assert written(run(promised, today=TODAY + timedelta(days=4))[0])
    # A promise logged in the journal works the same way, for that invoice only.
    history = History(promises=(Promise("C1", ("F1",), TODAY),))
    actions, _ = run([state("F1", ago(20)), state("F2", ago(16))], history=history)
    assert [i.number for i in written(actions)[0].items] == ["F2"]


def test_skips_paid_errors_small_residuals_and_clients_on_hold():
    states = [state("F1", ago(20), "0", paid="500"), state("F2", ago(20), status=Status.ERROR),
              state("F3", ago(20), "4.99")]
    actions, nexts = run(states)
    assert actions == []
    assert nexts["F2"][0].startswith("À corriger") and nexts["F3"][0].startswith("Solde")
    actions, nexts = run([state("F4", ago(20))], [client(on_hold=True)])
    assert actions == [] and nexts["F4"] == ("Relances suspendues", None)


def test_a_paid_invoice_has_no_next_action_and_a_shared_number_shows_the_open_ones():
    paid, open_ = state("F1", ago(20), "0", paid="500"), state("F1", ago(20), client_code="C2")
    _, nexts = run([paid, state("F9", ago(20), "0", paid="5", client_code="C3")], [client("C1"), client("C2")])
    assert nexts == {}  # a paid invoice has no next action: nothing is said of it
    # A number shared by a paid invoice and an open one (a duplicate): the open one's next action,
    # whatever the order of the clients.
    _, nexts = run([paid, open_], [client("C1"), client("C2")])
    assert nexts["F1"] == ("E-mail J+15", TODAY)
    _, nexts = run([paid, open_], [client("C2"), client("C1")])
    assert nexts["F1"] == ("E-mail J+15", TODAY)


def test_follows_the_installment_date_instead_of_the_original_due_date():
    plan = replace(state("F1", ago(60)), plan_due=ago(7))
    actions, _ = run([plan])
    assert [a.step.name for a in written(actions)] == ["J+7"]
    future = replace(state("F1", ago(60)), plan_due=TODAY + timedelta(days=20))
    actions, nexts = run([future])
    assert actions == [] and nexts["F1"] == ("E-mail J-10", TODAY + timedelta(days=10))


def test_credit_notes_and_unallocated_payments_are_listed_as_deductions():
    states = [state("F1", ago(20), "1000"), state("AV1", ago(40), "-150")]
    action = written(run(states, credits={"C1": D("200")})[0])[0]
    kinds = {i.kind: i.balance for i in action.items}
    assert kinds == {"invoice": D("1000"), "credit_note": D("-150"), "unallocated_payment": D("-200")}
    assert action.total_balance == D("650")
    # A key names only the invoices: a new credit note does not make the action look new.
    assert action.key == "C1|Professionnel|J+15|F1"


def test_nothing_to_claim_when_deductions_cover_the_debt():
    states = [state("F1", ago(20), "100"), state("AV1", ago(40), "-100")]
    problems = []
    actions, nexts = run(states, problems=problems)
    assert actions == []  # no e-mail, no call
    assert nexts["F1"] == (dunning.COVERED_BY["credit_note"], None)
    assert [p.code for p in problems] == ["queue.credit_covers"]


def test_consumers_owe_no_indemnity_and_get_their_own_scenario():
    c = client(type_=ClientType.CONSUMER)
    actions, _ = run([state("F1", ago(3), indemnity="40")], [c])
    action = written(actions)[0]
    assert action.step.template == "particulier_1" and action.total_indemnity == ZERO


def test_public_buyers_get_the_slower_calendar():
    actions, _ = run([state("F1", ago(7))], [client(type_=ClientType.PUBLIC)])
    assert [a.step.name for a in actions] == ["J0"]


def test_client_scenario_else_the_type_and_a_warning_when_unknown():
    custom = {"Rapide": (dunning.Step("Rapide", "J+1", 1, Channel.EMAIL, "relance_1"),), **DEFAULTS}
    actions, _ = run([state("F1", ago(2))], [client(scenario="Rapide")], scenarios=custom)
    assert [a.step.scenario for a in actions] == ["Rapide"]
    lost = client(scenario="Inconnu")
    actions, _ = run([state("F1", ago(2))], [lost], scenarios=custom)
    assert [a.step.name for a in actions] == ["J0"]
    problems = dunning.check_scenarios([lost], custom)
    assert len(problems) == 1 and problems[0].column == "Scénario" and "Inconnu" in problems[0].message


def test_a_new_invoice_after_a_reminder_is_listed_in_the_next_one():
    history = History(reminders=(Reminder("C1", ("F1",), "J+7", Channel.EMAIL, ago(1), key="x"),))
    states = [state("F1", ago(8)), state("F2", ago(0))]
    assert written(run(states, history=history)[0]) == []  # min gap
    # Five days later F2's own J0 goes (late: the templates word it as overdue); F1 already
    # had J+7, a higher step, so a J0 never lists it (escalation never goes back).
    later = TODAY + timedelta(days=5)
    actions = written(run(states, history=history, today=later)[0])
    assert [(a.step.name, sorted(i.number for i in a.items)) for a in actions] == [("J0", ["F2"])]
    history = History(reminders=history.reminders + (sent(actions[0], later),))
    # F1's J+15 then lists both.
    later = TODAY + timedelta(days=10)
    actions = written(run(states, history=history, today=later)[0])
    assert [(a.step.name, sorted(i.number for i in a.items)) for a in actions] == [("J+15", ["F1", "F2"])]


def test_last_reminders_per_invoice():
    history = History(reminders=(Reminder("C1", ("F1", "F2"), "J0", Channel.EMAIL, ago(5)),
                                 Reminder("C1", ("F1",), "J+7", Channel.EMAIL, ago(1)),
                                 Reminder("C1", ("F1",), "Appel J+7", Channel.PHONE, TODAY)))
    assert dunning.last_reminders(history) == {"F1": ago(1), "F2": ago(5)}


# --- what a message may say: review 4 -------------------------------------------------------


def steps_of(scenario: str) -> dict[str, dunning.Step]:
    return {s.name: s for s in DEFAULTS[scenario]}


def reminders_for(number: str, due: date, *names: str, scenario="Professionnel", client_code="C1"):
    """The journal of ``names`` sent for ``number`` on their own dates (due + offset)."""
    steps = steps_of(scenario)
    return tuple(Reminder(client_code, (number,), name, steps[name].channel,
                          due + timedelta(days=steps[name].offset_days), key=f"{number}|{name}")
                 for name in names)


NO_CALLS = {name: tuple(s for s in steps if s.channel != Channel.PHONE) for name, steps in DEFAULTS.items()}


def test_a_step_that_states_interest_is_held_while_a_rate_is_missing():
    # 35 days late: J+30 (relance_3 states the interest). The rate table lacks a half-year.
    unknown = replace(state("F1", ago(35), interest="12.00"), interest_known=False)
    problems = []
    actions, nexts = run([unknown], problems=problems)
    assert written(actions) == []
    assert nexts["F1"] == (dunning.RATE_MISSING, None)  # the call of the day does not hide it
    assert [(p.code, p.value) for p in problems] == [("queue.rate_missing", "J+30")]
    assert "F1" in problems[0].message and "Taux" in problems[0].fix
    # The formal notice (it states interest too) is held the same way.
    history = History(reminders=reminders_for("F1", ago(50), "J+7", "J+15", "J+30"))
    unknown = replace(state("F1", ago(50)), interest_known=False)
    problems = []
    assert written(run([unknown], history=history, problems=problems)[0]) == []
    assert problems and problems[0].value == "J+45"
    # A step that states no interest goes: J+15 (relance_2) lists the balance only.
    actions, _ = run([replace(state("F1", ago(16)), interest_known=False)])
    assert [a.step.template for a in written(actions)] == ["relance_2"]
    assert written(actions)[0].items[0].interest_known is False  # the template shows no figure for it


def plan_state(number="F1", installments=((ago(7), "1000"), (TODAY + timedelta(days=23), "1000"),
                                          (TODAY + timedelta(days=53), "1000")), paid="0"):
    """An invoice of 3,000 € spread over three installments (the first one due 7 days ago)."""
    plan = tuple((d, D(a)) for d, a in installments)
    total = sum((a for _, a in plan), ZERO)
    s = state(number, ago(60), str(total - D(paid)), paid=paid)
    covered, first_unpaid = D(paid), None
    for d, a in plan:
        if covered >= a:
            covered -= a
            continue
        first_unpaid = d
        break
    return replace(s, plan_due=first_unpaid), {number: plan}


def test_an_installment_plan_asks_only_what_is_due_and_says_what_remains():
    s, plans = plan_state()
    actions, _ = run([s], installments=plans)
    mail = written(actions)[0]
    assert mail.step.name == "J+7"
    item = mail.items[0]
    assert (item.balance, item.remaining, item.days_late) == (D("1000"), D("3000"), 7)
    assert (item.next_installment, item.next_installment_amount) == (TODAY + timedelta(days=23), D("1000"))
    assert item.ref == ago(7)
    assert mail.total_balance == D("1000")  # not the 3,000 € of the whole invoice
    # A partial payment is taken off the installments due first.
    s, plans = plan_state(paid="400")
    item = written(run([s], installments=plans)[0])[0].items[0]
    assert (item.balance, item.remaining, item.next_installment_amount) == (D("600"), D("2600"), D("1000"))
    # Every installment covered but a balance left (a plan for less than the invoice): the
    # reminders follow the due date again, for the balance.
    s, plans = plan_state(paid="3000")
    s = replace(s, balance=D("500"), status=Status.OVERDUE, plan_due=None)
    item = written(run([s], installments=plans)[0])[0].items[0]
    assert (item.balance, item.remaining, item.ref) == (D("500"), None, ago(60))
    # The ledger's own figure (due_now) wins when it is set.
    s, plans = plan_state()
    item = written(run([replace(s, due_now=D("999.99"))], installments=plans)[0])[0].items[0]
    assert item.balance == D("999.99")


def test_an_installment_plan_formal_notice_claims_what_is_due_now():
    # Two installments overdue (1,000 € each, the first 50 days ago), one to come.
    s, plans = plan_state(installments=((ago(50), "1000"), (ago(20), "1000"), (TODAY + timedelta(days=10), "1000")))
    history = History(reminders=reminders_for("F1", ago(50), "J+7", "J+15", "J+30"))
    actions, _ = run([s], history=history, installments=plans)
    notice = written(actions)[0]
    assert notice.step.channel == Channel.FORMAL_NOTICE
    assert notice.total_balance == D("2000") and notice.items[0].remaining == D("3000")


def test_a_courtesy_step_never_lists_an_item_under_formal_notice():
    # F1 had its three reminders and its formal notice; F2 falls due in 10 days, then today.
    history = History(reminders=reminders_for("F1", ago(60), "J+7", "J+15", "J+30", "J+45"))
    for due, step in ((ago(-10), "J-10"), (ago(0), "J0")):
        actions, nexts = run([state("F1", ago(60)), state("F2", due)], history=history, scenarios=NO_CALLS)
        assert [(a.step.name, [i.number for i in a.items]) for a in written(actions)] == [(step, ["F2"])]
        assert nexts["F1"] == ("Scénario terminé", None)


def test_a_step_before_the_due_date_is_never_proposed_for_an_overdue_item():
    custom = {**DEFAULTS, "Lent": (dunning.Step("Lent", "J-10", -10, Channel.EMAIL, "avant_echeance"),
                                   dunning.Step("Lent", "J+30", 30, Channel.EMAIL, "relance_1"))}
    c = client(scenario="Lent")
    actions, nexts = run([state("F1", ago(28))], [c], scenarios=custom)
    assert actions == []
    assert nexts["F1"] == ("E-mail J+30", ago(28) + timedelta(days=30))
    # On its due date it is not past it: the J-10 may still go (worded « due today »).
    assert [a.step.name for a in run([state("F1", ago(0))], [c], scenarios=custom)[0]] == ["J-10"]


def test_a_late_j0_is_proposed_for_the_item_it_is_about():
    # A public buyer's J0 reached 8 days late (Relance was not run on the day): it goes once,
    # about that invoice, with its real delay for the template to word it.
    actions, _ = run([state("F1", ago(8))], [client(type_=ClientType.PUBLIC)])
    mail = written(actions)[0]
    assert mail.step.name == "J0" and mail.items[0].days_late == 8 and mail.items[0].ref == ago(8)


def test_escalation_never_goes_back_to_a_gentler_step():
    # A consumer reminded for the first time at J+15 (« Second rappel ») under a sheet scenario
    # whose notice needs two reminders: the catch-up repeats J+15, never « Petit rappel » J+3.
    sheet = {**DEFAULTS, "Particulier": (
        dunning.Step("Particulier", "J+3", 3, Channel.EMAIL, "particulier_1", min_gap_days=5),
        dunning.Step("Particulier", "J+15", 15, Channel.EMAIL, "particulier_2", min_gap_days=5),
        dunning.Step("Particulier", "J+30", 30, Channel.FORMAL_NOTICE, "mise_en_demeure", min_gap_days=5,
                     min_previous=2))}
    consumer = client(type_=ClientType.CONSUMER)
    due = ago(31)
    history = History(reminders=(Reminder("C1", ("F1",), "J+15", Channel.EMAIL, due + timedelta(days=20),
                                          key="first"),))
    actions, nexts = run([state("F1", due)], [consumer], history=history, scenarios=sheet)
    assert [(a.step.name, a.step.template) for a in written(actions)] == [("J+15 (2)", "particulier_2")]
    assert actions[0].key != "first" and "J+15 (2)" in actions[0].key
    # Once it went, the notice follows (after the deadline the repeat gave).
    history = History(reminders=history.reminders + (sent(actions[0]),))
    later = TODAY + timedelta(days=9)
    assert [a.step.channel for a in written(run([state("F1", due)], [consumer], history=history,
                                                 scenarios=sheet, today=later)[0])] == [Channel.FORMAL_NOTICE]


def test_a_formal_notice_sent_under_another_calendar_is_still_the_last_step():
    # Before this calendar, a consumer's J+30 was the formal notice; it is now particulier_3.
    # An invoice that had that notice gets nothing gentler after it.
    due = ago(60)
    history = History(reminders=reminders_for("F1", due, "J+3", "J+15", scenario="Particulier") + (
        Reminder("C1", ("F1",), "J+30", Channel.FORMAL_NOTICE, due + timedelta(days=30), key="old notice"),))
    actions, nexts = run([state("F1", due)], [client(type_=ClientType.CONSUMER)], history=history,
                         scenarios=NO_CALLS)
    # Nothing more to send; what is left is the notice's date of receipt (consumer interest).
    assert written(actions) == [] and nexts["F1"] == (dunning.NOTICE_DATE_MISSING, None)


def test_the_catch_up_proposes_the_next_step_above_the_highest_done():
    due = ago(50)
    history = History(reminders=(Reminder("C1", ("F1",), "J+15", Channel.EMAIL, due + timedelta(days=20)),))
    actions, _ = run([state("F1", due)], history=history)
    assert [a.step.name for a in written(actions)] == ["J+30"]  # not J+7, gentler than J+15


def test_a_newer_invoice_never_rides_in_a_gentler_step_than_it_had():
    # F1 had J+30 (eleven days ago, Thursday 19 June: its deadline, Friday 27 June, has passed); F2
    # reaches J+7: the J+7 lists F2 only.
    history = History(reminders=reminders_for("F1", ago(41), "J+30"))
    actions, _ = run([state("F1", ago(41)), state("F2", ago(7))], history=history)
    assert [(a.step.name, [i.number for i in a.items]) for a in written(actions)] == [("J+7", ["F2"])]


def test_the_previous_reminders_the_journal_shows_are_given_to_the_template():
    # First contact at J+15 (Relance not run before): no previous reminder to speak of.
    mail = written(run([state("F1", ago(16))])[0])[0]
    assert (mail.step.template, mail.previous_reminders, mail.last_reminder) == ("relance_2", 0, None)
    # After a J+7 (and a courtesy J-10, which is not a reminder of a debt):
    history = History(reminders=reminders_for("F1", ago(16), "J-10", "J+7"))
    mail = written(run([state("F1", ago(16))], history=history)[0])[0]
    assert (mail.previous_reminders, mail.last_reminder) == (1, ago(9))


def test_the_next_step_waits_for_the_deadline_the_last_message_gave():
    # J+30 (relance_3: « avant le … », 8 days) went late, at D+40; the notice is reached at
    # D+45 and the 5-day gap has passed, but the deadline runs to D+48: the notice waits.
    due = ago(45)
    history = History(reminders=reminders_for("F1", due, "J+7", "J+15") + (
        Reminder("C1", ("F1",), "J+30", Channel.EMAIL, due + timedelta(days=40), key="j30"),))
    actions, nexts = run([state("F1", due)], history=history, scenarios=NO_CALLS)
    assert written(actions) == []
    assert nexts["F1"] == ("Mise en demeure J+45", due + timedelta(days=49))
    assert written(run([state("F1", due)], history=history, today=due + timedelta(days=49))[0])
    # One setting for the templates and the queue: a 2-day deadline (Friday 27 June) lets it go at D+45.
    # (3 days would end on Saturday 28 June, moved to Monday 30 June: the notice would wait a day more.)
    short = replace(SETTINGS, reminder_deadline_days=2)
    assert [a.step.channel for a in written(run([state("F1", due)], history=history, settings=short)[0])] == [
        Channel.FORMAL_NOTICE]


def test_the_formal_notice_lists_only_items_that_had_their_own_reminders():
    # F1 had J+7, J+15, J+30; F2 (40 days late) rode only in F1's J+30, and got a courtesy
    # e-mail before its due date that does not count. The notice lists F1 alone.
    f1, f2 = ago(46), ago(40)
    history = History(reminders=reminders_for("F1", f1, "J+7", "J+15") + (
        Reminder("C1", ("F1", "F2"), "J+30", Channel.EMAIL, f1 + timedelta(days=30), key="j30"),
        Reminder("C1", ("F2",), "J-10", Channel.EMAIL, f2 - timedelta(days=10), key="j-10"),
    ))
    actions, nexts = run([state("F1", f1), state("F2", f2)], history=history, scenarios=NO_CALLS)
    assert [(a.step.name, [i.number for i in a.items]) for a in written(actions)] == [("J+45", ["F1"])]
    assert nexts["F2"][1] > TODAY  # F2 waits for its own steps, never the same day


def test_consumers_get_three_reminders_before_their_formal_notice():
    consumer = DEFAULTS["Particulier"]
    notice = next(s for s in consumer if s.channel == Channel.FORMAL_NOTICE)
    reminders = [s for s in consumer if s.channel == Channel.EMAIL and s.offset_days > 0]
    assert notice.min_previous == 3 and len(reminders) >= 3
    assert [s.template for s in reminders] == ["particulier_1", "particulier_2", "particulier_3"]
    assert all(s.offset_days < notice.offset_days for s in reminders)


def test_a_small_disputed_invoice_shows_its_dispute_not_the_threshold():
    actions, nexts = run([state("F1", ago(20), "3.00", dispute="prix contesté", status=Status.DISPUTED)])
    assert actions == [] and nexts["F1"] == ("En litige : prix contesté", None)


def simulate(states, clients, days, every=1, start=TODAY, scenarios=DEFAULTS, settings=SETTINGS):
    """Run the queue every ``every`` days and send everything proposed: the journal it leaves."""
    history, log = History(), []
    for n in range(0, days, every):
        day = start + timedelta(days=n)
        for action in run(states, clients, history=history, today=day, scenarios=scenarios, settings=settings)[0]:
            history = History(reminders=history.reminders + (sent(action, day),))
            log.append((day, action))
    return log


@hsettings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-20, 90), st.sampled_from(list(ClientType))), min_size=1, max_size=4),
       st.integers(1, 7))
def test_escalation_is_monotonic_and_every_notice_is_earned(items, every):
    clients = [client(f"C{t.name}", t) for t in ClientType]
    by_type = {c.type: c.code for c in clients}
    states = [state(f"F{n}", ago(age), client_code=by_type[t]) for n, (age, t) in enumerate(items)]
    refs = {s.invoice.number: s.due for s in states}
    log = simulate(states, clients, 120, every)
    highest: dict[str, int] = {}
    deadline: dict[str, date] = {}
    last_day: dict[str, date] = {}
    for day, action in log:
        if action.step.channel == Channel.PHONE:
            continue
        code = action.client.code
        steps = DEFAULTS[action.client.type.value]
        index = [s.name for s in steps].index(action.step.name.split(" (")[0])
        assert last_day.get(code) != day  # one written step per client and day
        assert code not in deadline or day > deadline[code]  # never before the deadline given
        for item in action.items:
            assert index >= highest.get(item.number, -1), (item.number, action.step.name)  # never gentler
            highest[item.number] = max(highest.get(item.number, -1), index)
            if action.step.offset_days < 0:
                assert refs[item.number] >= day  # a before-due step only for an item not past due
            if action.step.channel == Channel.FORMAL_NOTICE:
                before = [a for d, a in log if d < day and a.step.channel == Channel.EMAIL
                          and item.number in {i.number for i in a.items} and d > refs[item.number]]
                assert len(before) >= 3, (item.number, [a.step.name for a in before])
        last_day[code] = day
        if action.step.template in dunning.DEADLINE_TEMPLATES:
            deadline[code] = day + timedelta(days=SETTINGS.reminder_deadline_days)


# --- invariants -------------------------------------------------------------------------

balances = st.decimals(min_value=D("-500"), max_value=D("5000"), places=2)


@st.composite
def registers(draw):
    clients = [client(f"C{i}", draw(st.sampled_from(list(ClientType)))) for i in range(draw(st.integers(1, 3)))]
    states = []
    for n in range(draw(st.integers(0, 8))):
        code = draw(st.sampled_from(clients)).code
        balance = draw(balances)
        due = ago(draw(st.integers(-20, 120)))
        dispute = draw(st.sampled_from(["", "", "", "litige"]))
        status = Status.DISPUTED if dispute and balance > 0 else None
        states.append(state(f"F{n}", due, str(balance), client_code=code, dispute=dispute, status=status,
                            interest=str(draw(st.decimals(0, 100, places=2)))))
    return clients, states


@hsettings(max_examples=150, deadline=None)
@given(registers(), st.integers(0, 40))
def test_invariants(reg, days):
    clients, states = reg
    today = TODAY + timedelta(days=days)
    actions, nexts = queue(states, clients, DEFAULTS, History(), SETTINGS, today, {})
    per_track = [(a.client.code, a.step.channel == Channel.PHONE) for a in actions]
    assert len(per_track) == len(set(per_track))  # one action per client and track
    by_number = {s.invoice.number: s for s in states}
    for a in actions:
        assert a.total_balance == sum(i.balance for i in a.items)
        assert a.total_interest == sum(i.interest for i in a.items if i.kind == "invoice")
        for item in a.items:
            if item.kind == "invoice":
                s = by_number[item.number]
                assert s.balance >= SETTINGS.min_balance and not s.invoice.dispute
                assert s.invoice.client == a.client.code
                assert nexts[item.number][1] == today
    # Replaying what was sent: the same day proposes nothing more.
    history = History(reminders=tuple(sent(a, today) for a in actions))
    assert queue(states, clients, DEFAULTS, history, SETTINGS, today, {})[0] == []


# --- the Scénarios sheet (addin.register.scenarios) --------------------------------------

from addin.books.base import SheetData  # noqa: E402
from addin.register.scenarios import load_scenarios, scenarios_from_sheet  # noqa: E402

HEADER = ("Scénario", "Étape", "Jours après échéance", "Canal", "Modèle", "Écart minimum (jours)",
          "Relances préalables minimum")


class _Sheets:
    def __init__(self, sheets):
        self.sheets = sheets

    def sheet_names(self):
        return list(self.sheets)

    def read_sheet(self, name):
        return SheetData(name, tuple(self.sheets[name]))


def test_missing_or_empty_scenarios_sheet_means_the_shipped_scenarios():
    assert load_scenarios(_Sheets({})) == (DEFAULTS, [])
    assert load_scenarios(_Sheets({"Scénarios": [(None, None)]})) == (DEFAULTS, [])
    assert load_scenarios(_Sheets({"Scénarios": [HEADER]})) == (DEFAULTS, [])


def test_scenarios_sheet_replaces_a_shipped_scenario_and_adds_new_ones():
    rows = [("Relance rapide",), HEADER,
            ("Professionnel", "J+1", 1, "E-mail", "relance_1", 2, None),
            ("Professionnel", "MED", "J+20", "Mise en demeure", None, None, None),
            ("Express", "Appel J+2", 2, "Appel", "", None, None)]
    scenarios, problems = load_scenarios(_Sheets({"Scenarios": rows}))
    assert problems == []
    pro = scenarios["Professionnel"]
    assert [(s.name, s.offset_days, s.channel, s.template, s.min_gap_days, s.min_previous) for s in pro] == [
        ("J+1", 1, Channel.EMAIL, "relance_1", 2, 0),
        ("MED", 20, Channel.FORMAL_NOTICE, "mise_en_demeure", 0, 3)]
    assert scenarios["Express"][0].template == "appel"
    assert scenarios["Particulier"] == DEFAULTS["Particulier"]


def test_bad_scenario_rows_are_problems_with_their_cell():
    rows = [("Scenario", "Step", "Days after due date", "Channel", "Template"),
            ("Pro", "J+7", "sept", "Email", "relance_1"),
            ("Pro", "J+8", 8, "Fax", "relance_1"),
            ("Pro", "J+9", 9, "E-mail", "relance_9"),
            ("Pro", "J+10", 10, "E-mail", None),
            ("Pro", "J+11", 11, "Letter", "relance_2"),
            ("Pro", "J+11", 12, "Letter", "relance_2")]
    scenarios, problems = scenarios_from_sheet(SheetData("Scenarios", tuple(rows)))
    assert [(p.row, p.column) for p in problems] == [
        (2, "Jours après échéance"), (3, "Canal"), (4, "Modèle"), (5, "Modèle"), (7, "Étape")]
    assert all(p.fix for p in problems)
    assert [s.name for s in scenarios["Pro"]] == ["J+11"]


def test_an_unallocated_payment_is_named_by_the_template_in_the_clients_language():
    """It used to carry the French words as its number: "Unallocated payment received Paiement non affecté"."""
    from addin.mail.compose import render

    states = [state("F1", ago(20), "1000")]
    for lang, label in (("en", "Unallocated payment received"), ("fr", "Paiement reçu non affecté")):
        action = written(run(states, clients=[client(language=lang)], credits={"C1": D("200")})[0])[0]
        text = render(action, Settings(company="ACME", sender_email="a@acme.example"), today=TODAY).text
        line = next(x for x in text.splitlines() if label in x)
        assert "non affecté" not in line.replace("Paiement reçu non affecté", "")
        assert ("Paiement" in line) == (lang == "fr")


# --- second review (simulated days) ------------------------------------------------------


def calls(actions):
    return [a for a in actions if a.step.channel == Channel.PHONE]


def test_a_call_step_already_done_is_not_repeated_when_another_invoice_reaches_it():
    # F1 had its « Appel J+7 » six days ago; F2 reaches D+7 today: the call lists F2 only.
    history = History(reminders=(
        Reminder("C1", ("F1",), "J+7", Channel.EMAIL, ago(6), key="m", state="sent"),
        Reminder("C1", ("F1",), "Appel J+7", Channel.PHONE, ago(6), key="c", state="task"),))
    actions, _ = run([state("F1", ago(13)), state("F2", ago(7))], history=history)
    assert [[i.number for i in a.items] for a in calls(actions)] == [["F2"]]
    # Alone, F1 gets no second call.
    assert calls(run([state("F1", ago(13))], history=history)[0]) == []


def test_no_call_step_below_a_formal_notice_already_sent_on_the_written_track():
    # F1 (60 days late) had its formal notice and never its call; F2 reaches D+7 today.
    history = History(reminders=tuple(
        Reminder("C1", ("F1",), name, Channel.EMAIL, ago(60 - off), key=name) for name, off in
        (("J+7", 7), ("J+15", 15), ("J+30", 30))) + (
        Reminder("C1", ("F1",), "J+45", Channel.FORMAL_NOTICE, ago(15), key="notice"),))
    assert calls(run([state("F1", ago(60))], history=history)[0]) == []
    actions, _ = run([state("F1", ago(60)), state("F2", ago(7))], history=history)
    assert [[i.number for i in a.items] for a in calls(actions)] == [["F2"]]
    # A call step placed after the notice in a sheet scenario is still proposed.
    late_call = {"Professionnel": DEFAULTS["Professionnel"] + (
        dunning._s("Professionnel", "Appel J+50", 50, Channel.PHONE, "appel"),)}
    actions, _ = run([state("F1", ago(60))], history=history, scenarios=late_call)
    assert [a.step.name for a in calls(actions)] == ["Appel J+50"]


def skipped(client_code, numbers, step, on, channel=Channel.EMAIL, scenario="Professionnel"):
    """What preview.prepare feeds the queue for a line a person marked « Ignorer »."""
    key = f"{client_code}|{scenario}|{step}|{','.join(sorted(numbers))}"
    return Reminder(client_code, tuple(numbers), step, channel, on, key=key, state="skipped")


def test_an_ignored_line_counts_as_done_and_the_next_step_comes_at_its_date():
    states = [state("F1", ago(7)), state("F2", ago(7))]
    history = History(reminders=(skipped("C1", ("F1", "F2"), "J+7", TODAY),))
    actions, nexts = run(states, history=history, scenarios=NO_CALLS)
    assert written(actions) == []  # not proposed again, and nothing else for the client that day
    assert nexts["F1"] == ("E-mail J+15", TODAY + timedelta(days=8))
    for n in range(1, 8):  # the days after: still nothing, whatever the key
        assert written(run(states, history=history, scenarios=NO_CALLS, today=TODAY + timedelta(days=n))[0]) == []
    actions, _ = run(states, history=history, scenarios=NO_CALLS, today=TODAY + timedelta(days=8))
    assert [a.step.name for a in written(actions)] == ["J+15"]
    assert written(actions)[0].previous_reminders == 0  # « Malgré notre rappel » would be false


def test_an_ignored_line_sets_no_gap_no_deadline_and_is_not_one_of_the_three_reminders():
    # J+15 (it gives a deadline) ignored on day 27: J+30 still goes on day 30 (no 5-day gap, no 8-day deadline).
    due = TODAY - timedelta(days=27)
    states = [state("F1", due)]
    history = History(reminders=(
        Reminder("C1", ("F1",), "J+7", Channel.EMAIL, due + timedelta(days=7), key="a"),
        skipped("C1", ("F1",), "J+15", TODAY),))
    assert written(run(states, history=history, scenarios=NO_CALLS, today=TODAY + timedelta(days=3))[0])[0].step.name == "J+30"
    # At J+45 the formal notice still waits: J+7 and J+30 went, the ignored J+15 is not a reminder.
    history = History(reminders=history.reminders + (
        Reminder("C1", ("F1",), "J+30", Channel.EMAIL, due + timedelta(days=30), key="b"),))
    actions, _ = run(states, history=history, scenarios=NO_CALLS, today=due + timedelta(days=45))
    assert [a.step.name for a in written(actions)] == ["J+30 (2)"]
    assert dunning.last_reminders(history) == {"F1": due + timedelta(days=30)}


def test_an_ignored_invoice_does_not_ride_along_in_the_same_step_for_another_invoice():
    # J+7 about F1 ignored; a day later F2 reaches its own J+7: the J+7 lists F2 alone.
    later = TODAY + timedelta(days=1)
    history = History(reminders=(skipped("C1", ("F1",), "J+7", TODAY),))
    states = [state("F1", ago(7)), state("F2", later - timedelta(days=7))]
    actions, _ = run(states, history=history, scenarios=NO_CALLS, today=later)
    assert [(a.step.name, [i.number for i in a.items]) for a in actions] == [("J+7", ["F2"])]
    # At F1's J+15 both are listed again (F2 had its J+7: it rides along).
    history = History(reminders=history.reminders + (sent(actions[0], later),))
    actions, _ = run(states, history=history, scenarios=NO_CALLS, today=TODAY + timedelta(days=8))
    assert [(a.step.name, [i.number for i in a.items]) for a in actions] == [("J+15", ["F1", "F2"])]


def test_an_ignored_step_is_not_sent_under_a_new_key_when_another_invoice_joins():
    # J+7 for F1 ignored; two days later F2 falls due and is 0 days late: no J+7 for F1 again,
    # and F1's next step is J+15 at its date.
    history = History(reminders=(skipped("C1", ("F1",), "J+7", TODAY),))
    later = TODAY + timedelta(days=2)
    states = [state("F1", ago(7)), state("F2", later - timedelta(days=1))]
    actions, nexts = run(states, history=history, scenarios=NO_CALLS, today=later)
    assert all("F1" not in {i.number for i in a.items} or a.step.name != "J+7" for a in actions)
    assert nexts["F1"] == ("E-mail J+15", TODAY + timedelta(days=8))


def test_a_client_whose_credits_cover_its_overdue_items_is_told_not_silently_dropped():
    # /tmp/rev2/min/m.xlsx: a 1,000 € invoice 60 days late and a 1,500 € credit note. Before, no
    # line in the queue and « E-mail J+7 » as the next action every day.
    states = [state("F1", ago(60), "1000"), state("AV1", ago(30), "-1500")]
    problems = []
    for day in (TODAY, TODAY + timedelta(days=1), TODAY + timedelta(days=10)):
        actions, nexts = run(states, problems=problems, today=day)
        assert actions == []
        assert nexts["F1"] == ("Couvert par un avoir : imputez-le", None)
    warning = problems[0]
    assert (warning.sheet, warning.value, warning.code) == ("Clients", "C1", "queue.credit_covers")
    assert "AV1" in warning.message and "F1" in warning.message and "Imputez" in warning.fix
    one = []
    run(states, problems=one)
    assert len(one) == 1  # one warning per client, whatever the tracks
    # An unallocated payment says so.
    _, nexts = run([state("F1", ago(20), "400")], credits={"C1": D("400")})
    assert nexts["F1"] == ("Couvert par un paiement non affecté : affectez-le", None)
    _, nexts = run(states, credits={"C1": D("10")})
    assert nexts["F1"] == ("Couvert par un avoir / paiement non affecté : imputez-le", None)


def test_a_courtesy_email_about_a_new_invoice_is_not_lost_because_a_credit_covers_an_older_one():
    # F1 (20 days late) is covered by AV1; F2 falls due in 10 days: its J-10 goes, and its total is
    # the client's true position: F2 + F1 − AV1 (F1 listed as offset against the credit).
    states = [state("F1", ago(20), "1000"), state("AV1", ago(30), "-1500"), state("F2", ago(-10), "2000")]
    actions, nexts = run(states, scenarios=NO_CALLS)
    assert [a.step.name for a in actions] == ["J-10"]
    items = {i.number: (i.kind, i.balance) for i in actions[0].items}
    assert items == {"F2": ("invoice", D("2000")), "F1": ("covered", D("1000")), "AV1": ("credit_note", D("-1500"))}
    assert actions[0].total_balance == D("1500")  # 2000 + 1000 − 1500
    assert actions[0].key == "C1|Professionnel|J-10|F2"
    assert nexts["F1"] == ("Couvert par un avoir : imputez-le", None)
    assert nexts["F2"] == ("E-mail J-10", TODAY)
    # When the credit covers the new invoice too (net position under the threshold): no
    # courtesy e-mail, and each invoice says why.
    states[2] = state("F2", ago(-10), "400")
    actions, nexts = run(states, scenarios=NO_CALLS)
    assert actions == []
    assert nexts["F1"] == nexts["F2"] == ("Couvert par un avoir : imputez-le", None)


def test_a_credit_covers_the_oldest_items_first_and_the_rest_is_chased():
    # 1,500 € of credit: F1 (1,000 €, oldest) covered, F2 (800 €) partly: F2's reminder lists F2,
    # F1 offset and the credit note: 800 + 1000 − 1500 = 300 €.
    states = [state("F1", ago(40), "1000"), state("F2", ago(16), "800"), state("AV1", ago(30), "-1500")]
    action = written(run(states)[0])[0]
    assert [(i.number, i.kind) for i in action.items] == [("F2", "invoice"), ("F1", "covered"),
                                                          ("AV1", "credit_note")]
    assert action.total_balance == D("300") and action.step.name == "J+15"


def test_each_listed_invoice_carries_the_reminders_it_had():
    # F1 had J+7 and J+15; F2 fell due 3 days ago and rides along in F1's J+30.
    history = History(reminders=(
        Reminder("C1", ("F1",), "J+7", Channel.EMAIL, ago(23), key="a"),
        Reminder("C1", ("F1",), "J+15", Channel.EMAIL, ago(15), key="b"),
        Reminder("C1", ("F1",), "Appel J+7", Channel.PHONE, ago(23), key="c", state="task")))
    action = written(run([state("F1", ago(30)), state("F2", ago(3))], history=history)[0])[0]
    assert action.step.name == "J+30"
    assert [(i.number, i.reminders, i.last_reminder) for i in action.items] == [
        ("F1", 2, ago(15)), ("F2", 0, None)]
    assert (action.previous_reminders, action.last_reminder) == (2, ago(15))


def test_after_a_consumers_formal_notice_the_next_action_asks_for_its_date_of_receipt():
    # Consumer legal interest runs from the notice's receipt (Code civil 1231-6, 1344-1): without
    # the « Date de mise en demeure » it stays at 0 €.
    c = client(type_=ClientType.CONSUMER)
    reminders = tuple(Reminder("C1", ("F1",), name, Channel.EMAIL, ago(60 - off), key=name)
                      for name, off in (("J+3", 3), ("J+15", 15), ("J+30", 30)))
    notice = Reminder("C1", ("F1",), "J+45", Channel.FORMAL_NOTICE, ago(15), key="notice")
    letter = Reminder("C1", ("F1",), "J+45 LRAR", Channel.LETTER, ago(15), key="lrar", state="task")
    partial = replace(notice, state="partial")  # the e-mail missed the client; the letter went
    for history in (History(reminders=reminders + (notice, letter)), History(reminders=reminders + (partial, letter))):
        actions, nexts = run([state("F1", ago(60))], [c], history=history, scenarios=NO_CALLS)
        assert nexts["F1"] == (dunning.NOTICE_DATE_MISSING, None)
        assert "Date de mise en demeure" in dunning.NOTICE_DATE_MISSING
    _, nexts = run([state("F1", ago(60), notice_date=ago(12))], [c], history=History(reminders + (notice,)),
                   scenarios=NO_CALLS)
    assert nexts["F1"] == ("Scénario terminé", None)
    # A business debtor owes interest from the due date: nothing to ask.
    _, nexts = run([state("F1", ago(60))], history=History(reminders + (notice,)), scenarios=NO_CALLS)
    assert nexts["F1"] == ("Scénario terminé", None)
    # An ignored notice was never sent: nothing to ask either.
    skipped_notice = replace(notice, state="skipped")
    _, nexts = run([state("F1", ago(60))], [c], history=History(reminders + (skipped_notice,)), scenarios=NO_CALLS)
    assert nexts["F1"][0] != dunning.NOTICE_DATE_MISSING


def test_listed_items_are_made_whole_as_their_dataclass_would_make_them():
    from dataclasses import fields

    from addin.core.model import ActionItem
    names = {f.name for f in fields(ActionItem)}
    plan = [(ago(40), D("600")), (ago(-20), D("400"))]
    on_plan = replace(state("F1", ago(40), paid="100"), plan_due=ago(40))
    for item in (dunning._item(state("F1", ago(20)), client(), TODAY, None, 2, ago(5)),
                 dunning._item(on_plan, client(type_=ClientType.CONSUMER), TODAY, plan),
                 dunning._deduction(state("AV1", ago(3), "-120"))):
        assert set(vars(item)) == names
        made = ActionItem(**{name: getattr(item, name) for name in names})
        assert item == made and hash(item) == hash(made) and repr(item) == repr(made)
        assert replace(item, balance=D("1")).balance == D("1")


def test_a_reminder_says_the_notice_comes_next_only_when_it_does():
    """Issue 15 point 4: J+7 ignored, so J+30 is the second reminder: it cannot announce the
    formal notice (which needs three); its repeat J+30 (2) is the third and does; then the notice."""
    due = TODAY - timedelta(days=30)
    states = [state("F1", due)]
    reminders = (skipped("C1", ("F1",), "J+7", due + timedelta(days=7)),
                 Reminder("C1", ("F1",), "J+15", Channel.EMAIL, due + timedelta(days=15), key="a"))
    actions, _ = run(states, history=History(reminders=reminders), scenarios=NO_CALLS)
    (j30,) = written(actions)
    assert j30.step.name == "J+30" and not j30.notice_next
    reminders += (sent(j30),)
    day = due + timedelta(days=45)  # the notice's day: it waits for a third reminder
    actions, _ = run(states, history=History(reminders=reminders), scenarios=NO_CALLS, today=day)
    (again,) = written(actions)
    assert again.step.name == "J+30 (2)" and again.notice_next
    reminders += (sent(again, day),)
    later = day + timedelta(days=9)
    actions, _ = run(states, history=History(reminders=reminders), scenarios=NO_CALLS, today=later)
    assert [a.step.channel for a in written(actions)] == [Channel.FORMAL_NOTICE]


def test_the_third_reminder_of_the_usual_path_announces_the_notice():
    due = TODAY - timedelta(days=30)
    reminders = (Reminder("C1", ("F1",), "J+7", Channel.EMAIL, due + timedelta(days=7), key="a"),
                 Reminder("C1", ("F1",), "J+15", Channel.EMAIL, due + timedelta(days=15), key="b"))
    actions, _ = run([state("F1", due)], history=History(reminders=reminders), scenarios=NO_CALLS)
    assert [(a.step.name, a.notice_next) for a in written(actions)] == [("J+30", True)]
