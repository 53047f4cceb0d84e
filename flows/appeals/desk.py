"""The appeals desk (申诉处理), behind ``/appeals``: what the organisation department, the teachers and
the committee see of appeals, and the report to the committee (上报考核小组).

``/appeals`` lists the appeals of the newest open cycle that the reader may see (per
``flows.rules.access``) with the clock each runs against, and the opinions the committee asked the
reader for. Opening an appeal shows the form (附表六); the committee sees it beside the released
score sheet, and can open the self-assessment and the change history of the examinee's records.
Those who receive appeals report a submitted one to the committee with one button, optionally
with a note. Buttons carry ``ap:<cycle id>:<action>:<appeal id>``, checked on every press.
"""

from __future__ import annotations

from collections.abc import Callable

from flows.appeals import consult as appeals_consult
from flows.appeals import decision as appeals_decision
from flows.appeals.common import Desk, appeal_text, decide_due, desk_of, escalate, pressed, report_due
from flows.appeals.history import history_text, self_assessment_text
from flows.appeals.result import released_result, result_text
from flows.rules.access import (
    can_decide_appeal,
    can_read_appeal,
    can_report_appeal,
    is_committee,
    receives_appeals,
)
from flows.rules.cycles import ensure_writable, scheme_of
from flows.ui.chat import Action, Content, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.text import split_message
from storage import appeals as store
from storage.appeal_models import Appeal, AppealStatus
from storage.cycle_models import CycleExaminee

FLOW = "appeal_desk"
PREFIX = "ap"
NOTE_MAX = 500


def start(context: FlowContext, incoming: Incoming) -> list[Action]:
    """``/appeals``: the appeals the reader may see, and the opinions asked of them."""
    desk = desk_of(context, incoming)
    if isinstance(desk, list):
        return desk
    desk.forget()
    replies = _appeal_list(desk) + appeals_consult.asked_list(desk)
    return replies or [Reply(desk.text("appeal_desk_nothing", cycle=desk.cycle.name))]


def on_button(context: FlowContext, incoming: Incoming) -> list[Action]:
    desk = desk_of(context, incoming)
    if isinstance(desk, list):
        return desk
    arguments = pressed(desk, incoming)
    if arguments is None or len(arguments) < 2 or arguments[0] not in _BUTTONS:
        return desk.refuse()
    case = desk.case(arguments[1])
    if case is None or not can_read_appeal(desk.reader, case[1]):
        return desk.refuse()
    return _BUTTONS[arguments[0]](desk, *case)


def on_input(context: FlowContext, incoming: Incoming, state: dict) -> list[Action]:
    """The note typed to go with a report to the committee."""
    desk = desk_of(context, incoming)
    if isinstance(desk, list):
        return desk
    case = desk.case(state.get("appeal")) if state.get("cycle") == desk.cycle.id else None
    if (
        case is None
        or not can_report_appeal(desk.reader, case[1])
        or case[0].status != AppealStatus.SUBMITTED
    ):
        desk.forget()
        return [Reply(desk.text("appeal_stale"))]
    if incoming.content is not Content.TEXT:
        return [Reply(desk.text("appeal_text_only"))]
    note = incoming.text.strip()
    if not 1 <= len(note) <= NOTE_MAX:
        return [Reply(desk.text("appeal_bad_note", max=NOTE_MAX))]
    return _escalate(desk, *case, note=note)


# The list


def _appeal_list(desk: Desk) -> list[Action]:
    if not (receives_appeals(desk.reader) or is_committee(desk.member)):
        return []
    cases = store.of_cycle(desk.context.session, desk.cycle.id)  # type: ignore[arg-type]
    if not cases:
        return [Reply(desk.text("appeal_desk_none", cycle=desk.cycle.name))]
    scheme = scheme_of(desk.cycle)
    lines = [desk.text("appeal_desk_title", cycle=desk.cycle.name, count=len(cases))]
    buttons = []
    for number, (appeal, examinee) in enumerate(cases, start=1):
        due = _due(desk, appeal, scheme)
        lines.append(
            desk.text(
                "appeal_desk_line", number=number, name=examinee.name, status=str(appeal.status), due=due
            )
        )
        buttons.append(
            (desk.button(PREFIX, "appeal_desk_open", "o", appeal.id, number=number, name=examinee.name),)
        )
    return [Reply("\n".join(lines), tuple(buttons))]


def _due(desk: Desk, appeal: Appeal, scheme: object) -> str:
    if appeal.status == AppealStatus.SUBMITTED:
        return desk.context.local_time(report_due(appeal, scheme))  # type: ignore[arg-type]
    if appeal.status == AppealStatus.ESCALATED:
        return desk.context.local_time(decide_due(appeal, scheme))  # type: ignore[arg-type]
    return ""


# One appeal


def _open(desk: Desk, appeal: Appeal, examinee: CycleExaminee) -> list[Action]:
    """The appeal (附表六) and its opinions; for the committee beside the released score sheet."""
    session, scheme = desk.context.session, scheme_of(desk.cycle)
    blocks = [appeal_text(desk.context, desk.locale, examinee, appeal)]
    blocks += appeals_consult.opinions_text(desk, appeal)
    if is_committee(desk.member):
        result = released_result(session, examinee)
        if result is not None:
            blocks.append(
                desk.text("appeal_released_result") + "\n" + result_text(result, scheme, desk.locale)
            )
    parts = split_message("\n\n".join(blocks))
    return [Reply(part) for part in parts[:-1]] + [Reply(parts[-1], _actions(desk, appeal, examinee))]


def _actions(desk: Desk, appeal: Appeal, examinee: CycleExaminee) -> tuple:
    rows = []
    if appeal.status == AppealStatus.SUBMITTED and can_report_appeal(desk.reader, examinee):
        rows.append(
            (
                desk.button(PREFIX, "appeal_report", "now", appeal.id),
                desk.button(PREFIX, "appeal_report_with_note", "rep", appeal.id),
            )
        )
    if is_committee(desk.member):
        rows.append(
            (
                desk.button(PREFIX, "appeal_show_self", "self", appeal.id),
                desk.button(PREFIX, "appeal_show_history", "hist", appeal.id),
            )
        )
    if appeal.status == AppealStatus.ESCALATED and can_decide_appeal(desk.member, examinee):
        rows += appeals_consult.ask_buttons(desk, appeal, examinee)
        rows.append((desk.button(appeals_decision.PREFIX, "appeal_decide", "start", appeal.id),))
    return tuple(rows)


def _committee_only(show: Callable[[Desk, Appeal, CycleExaminee], str]) -> Callable[..., list[Action]]:
    def handler(desk: Desk, appeal: Appeal, examinee: CycleExaminee) -> list[Action]:
        if not is_committee(desk.member):
            return desk.refuse()
        parts = split_message(show(desk, appeal, examinee))
        back = ((desk.button(PREFIX, "appeal_back", "o", appeal.id),),)
        return [Reply(part) for part in parts[:-1]] + [Reply(parts[-1], back)]

    return handler


def _ask_note(desk: Desk, appeal: Appeal, examinee: CycleExaminee) -> list[Action]:
    if appeal.status != AppealStatus.SUBMITTED or not can_report_appeal(desk.reader, examinee):
        return desk.refuse("appeal_not_reportable")
    desk.remember(FLOW, appeal=appeal.id)
    return [Reply(desk.text("appeal_ask_note", max=NOTE_MAX))]


def _report_now(desk: Desk, appeal: Appeal, examinee: CycleExaminee) -> list[Action]:
    if appeal.status != AppealStatus.SUBMITTED or not can_report_appeal(desk.reader, examinee):
        return desk.refuse("appeal_not_reportable")
    return _escalate(desk, appeal, examinee, note=None)


def _escalate(desk: Desk, appeal: Appeal, examinee: CycleExaminee, note: str | None) -> list[Action]:
    ensure_writable(desk.cycle, desk.context.now)
    escalate(desk.context, appeal, examinee, by=desk.member, note=note)
    desk.forget()
    due = desk.context.local_time(decide_due(appeal, scheme_of(desk.cycle)))
    return [Reply(desk.text("appeal_reported", name=examinee.name, due=due))]


_BUTTONS: dict[str, Callable[[Desk, Appeal, CycleExaminee], list[Action]]] = {
    "o": _open,
    "self": _committee_only(self_assessment_text),
    "hist": _committee_only(history_text),
    "rep": _ask_note,
    "now": _report_now,
}
