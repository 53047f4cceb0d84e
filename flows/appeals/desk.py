"""The appeals desk (申诉处理), behind ``/appeals``: what the organisation department, the teachers and
the committee see of appeals, and the report to the committee (上报考核小组).

``/appeals`` lists the appeals of the newest open cycle that the reader may see (per
``flows.rules.access``) with the clock each runs against, and the opinions the committee asked the
reader for. Opening an appeal shows the form (附表六); the committee sees it beside the released
score sheet, and can open the self-assessment and the change history of the examinee's records.
Those who receive appeals report a submitted one to the committee with one button, optionally
with a note. Every press (``DeskPress``) is checked against the presser's rights to that appeal.
An opened appeal is one live message (``flows.ui.live``): its readings, the note asked for and the
report edit it; a refused note is asked for again.
"""

from __future__ import annotations

from collections.abc import Callable

from flows.appeals import consult as appeals_consult
from flows.appeals import decision as appeals_decision
from flows.appeals.common import (
    Desk,
    appeal_text,
    decide_due,
    ends_when_refused,
    escalate,
    evidence_shown,
    report_due,
    same_cycle,
)
from flows.appeals.history import history_text, self_assessment_text
from flows.appeals.presses import DecisionAction, DeskAction, DeskPress
from flows.results.result import released_result, result_text
from flows.rules.access import can_decide_appeal, can_report_appeal, is_committee, receives_appeals
from flows.rules.cycles import ensure_writable
from flows.ui.chat import Action, Button, Content, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.i18n import plain
from flows.ui.live import asked_again, ensure_live, shown_live
from flows.ui.refusal import Refused
from flows.ui.text import split_message
from storage import appeals as store
from storage.models import Appeal, AppealStatus, CycleExaminee

FLOW = Desk.flow
NOTE_MAX = 500


def start(context: FlowContext, incoming: Incoming) -> list[Action]:
    """``/appeals``: the appeals the reader may see, and the opinions asked of them."""
    desk = Desk.resolve(context, incoming)
    desk.forget()
    replies = _appeal_list(desk) + appeals_consult.asked_list(desk)
    return replies or [Reply(desk.text("appeal_desk_nothing", cycle=desk.cycle.name))]


def on_press(context: FlowContext, incoming: Incoming, press: DeskPress) -> list[Action]:
    """A press on one appeal: opened, read beside the self-assessment or history, or reported."""
    desk = Desk.resolve(context, incoming)
    if press.action is not DeskAction.OPEN:
        ensure_live(context, incoming, FLOW)
    return shown_live(FLOW, _STEPS[press.action](desk, *desk.case(press.appeal)))


@ends_when_refused
def on_input(context: FlowContext, incoming: Incoming, state: dict) -> list[Action]:
    """The note typed to go with a report to the committee."""
    desk = Desk.resolve(context, incoming)
    same_cycle(desk, state)
    appeal, examinee = _reportable(desk, *desk.case(state["appeal"]))
    if incoming.content is not Content.TEXT:
        return [Reply(desk.text("appeal_text_only"))]
    note = incoming.text.strip()
    if not 1 <= len(note) <= NOTE_MAX:
        raise Refused("appeal_bad_note", max=NOTE_MAX).repeating(asked_again(FLOW, _note_prompt(desk)))
    return shown_live(FLOW, _escalate(desk, appeal, examinee, note=note))


def _button(desk: Desk, label_key: str, action: DeskAction, appeal: Appeal, **params: object) -> Button:
    """A desk button; its label is plain text (an examinee's name in it shows as it is)."""
    press = DeskPress(desk.cycle.id, action, appeal.id)
    return desk.button(plain(desk.locale, label_key, **params), press)


# The list


def _appeal_list(desk: Desk) -> list[Action]:
    if not (receives_appeals(desk.reader) or is_committee(desk.member)):
        return []
    cases = store.of_cycle(desk.session, desk.cycle.id)
    if not cases:
        return [Reply(desk.text("appeal_desk_none", cycle=desk.cycle.name))]
    lines = [desk.text("appeal_desk_title", cycle=desk.cycle.name, count=len(cases))]
    buttons = []
    for number, (appeal, examinee) in enumerate(cases, start=1):
        due = _due(desk, appeal)
        lines.append(
            desk.text(
                "appeal_desk_line", number=number, name=examinee.name, status=str(appeal.status), due=due
            )
        )
        opens = _button(desk, "appeal_desk_open", DeskAction.OPEN, appeal, number=number, name=examinee.name)
        buttons.append((opens,))
    return [Reply("\n".join(lines), tuple(buttons))]


def _due(desk: Desk, appeal: Appeal) -> str:
    if appeal.status == AppealStatus.SUBMITTED:
        return desk.local(report_due(appeal, desk.scheme))
    if appeal.status == AppealStatus.ESCALATED:
        return desk.local(decide_due(appeal, desk.scheme))
    return ""


# One appeal


def _open(desk: Desk, appeal: Appeal, examinee: CycleExaminee) -> list[Action]:
    """The appeal (附表六), its photos and documents themselves, and its opinions; for the committee
    beside the released score sheet."""
    session, scheme = desk.session, desk.scheme
    blocks = [appeal_text(desk.context, desk.locale, examinee, appeal)]
    blocks += appeals_consult.opinions_text(desk, appeal)
    if is_committee(desk.member):
        result = released_result(session, examinee)
        if result is not None:
            blocks.append(
                desk.text("appeal_released_result") + "\n" + result_text(result, scheme, desk.locale)
            )
    shown = evidence_shown(session, appeal, desk.locale)
    return [*_pages("\n\n".join(blocks), _actions(desk, appeal, examinee)), *shown]


def _pages(text: str, buttons: tuple[tuple[Button, ...], ...]) -> list[Action]:
    """``text`` in as many messages as it takes, the buttons under the last."""
    parts = split_message(text)
    return [*(Reply(part) for part in parts[:-1]), Reply(parts[-1], buttons)]


def _actions(desk: Desk, appeal: Appeal, examinee: CycleExaminee) -> tuple[tuple[Button, ...], ...]:
    rows: list[tuple[Button, ...]] = []
    if appeal.status == AppealStatus.SUBMITTED and can_report_appeal(desk.reader, examinee):
        rows.append(
            (
                _button(desk, "appeal_report", DeskAction.REPORT_NOW, appeal),
                _button(desk, "appeal_report_with_note", DeskAction.REPORT_WITH_NOTE, appeal),
            )
        )
    if is_committee(desk.member):
        rows.append(
            (
                _button(desk, "appeal_show_self", DeskAction.SELF_ASSESSMENT, appeal),
                _button(desk, "appeal_show_history", DeskAction.HISTORY, appeal),
            )
        )
    if appeal.status == AppealStatus.ESCALATED and can_decide_appeal(desk.member, examinee):
        rows += appeals_consult.ask_buttons(desk, appeal, examinee)
        rows.append(
            (appeals_decision.button(desk, desk.text("appeal_decide"), DecisionAction.START, appeal),)
        )
    return tuple(rows)


def _committee_only(show: Callable[[Desk, Appeal, CycleExaminee], str]) -> Step:
    def step(desk: Desk, appeal: Appeal, examinee: CycleExaminee) -> list[Action]:
        if not is_committee(desk.member):
            raise Refused("appeal_stale", reason="the committee's reading only")
        back = ((_button(desk, "appeal_back", DeskAction.OPEN, appeal),),)
        return _pages(show(desk, appeal, examinee), back)

    return step


def _reportable(desk: Desk, appeal: Appeal, examinee: CycleExaminee) -> tuple[Appeal, CycleExaminee]:
    """The appeal, when it still waits to be reported and the reader may report it."""
    if appeal.status != AppealStatus.SUBMITTED or not can_report_appeal(desk.reader, examinee):
        raise Refused("appeal_not_reportable", reason=f"appeal {appeal.id} is not reportable by them")
    return appeal, examinee


def _ask_note(desk: Desk, appeal: Appeal, examinee: CycleExaminee) -> list[Action]:
    _reportable(desk, appeal, examinee)
    desk.remember(appeal=appeal.id)
    return [_note_prompt(desk)]


def _note_prompt(desk: Desk) -> Reply:
    return Reply(desk.text("appeal_ask_note", max=NOTE_MAX))


def _report_now(desk: Desk, appeal: Appeal, examinee: CycleExaminee) -> list[Action]:
    return _escalate(desk, *_reportable(desk, appeal, examinee), note=None)


def _escalate(desk: Desk, appeal: Appeal, examinee: CycleExaminee, note: str | None) -> list[Action]:
    ensure_writable(desk.cycle, desk.now)
    escalate(desk.context, appeal, examinee, by=desk.member, note=note)
    desk.forget()
    due = desk.local(decide_due(appeal, desk.scheme))
    return [Reply(desk.text("appeal_reported", name=examinee.name, due=due))]


Step = Callable[[Desk, Appeal, CycleExaminee], list[Action]]

_STEPS: dict[DeskAction, Step] = {
    DeskAction.OPEN: _open,
    DeskAction.SELF_ASSESSMENT: _committee_only(self_assessment_text),
    DeskAction.HISTORY: _committee_only(history_text),
    DeskAction.REPORT_WITH_NOTE: _ask_note,
    DeskAction.REPORT_NOW: _report_now,
}
