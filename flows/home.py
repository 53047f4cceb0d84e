"""The home screen (主页): what is pending for a registered member now, with its deadline and a button
that opens the task's own screen.

``/start`` for a member, and the greeting of someone who registers while a cycle is open, show it:
their self-assessment (自我评定, until it is submitted), the score sheets they still owe (上级评定),
their released result to sign for (被考核者签字), the appeals and opinions waiting for them (申诉), and
for the committee the review (复核确认) once scoring is due. Each button is a ``HomePress`` naming the
cycle and the task; a press opens the same screen as the task's command (the reminders, nudges and
the committee's digest carry the same buttons, ``task_button``). ``/help`` lists the open
cycle's deadlines and whom to contact: the committee (考核小组), by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from markupsafe import Markup

from flows import review, scoring
from flows import selfassess as self_assessment
from flows.appeals import desk as appeals_desk
from flows.appeals.common import decide_due, report_due, window_closes
from flows.results.result import final_result
from flows.rules.access import Reader, can_report_appeal, is_committee
from flows.rules.cycles import scheme_of
from flows.rules.names import name_of
from flows.ui.buttons import ButtonData, Id
from flows.ui.chat import Action, Button, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from storage import appeals as appeal_store
from storage import cycles as cycle_store
from storage import review as review_store
from storage import roster
from storage import scoring as scoring_store
from storage.models import AppealStatus, Cycle, CycleExaminee, Member, SelfStatus, SheetStatus, SignatureRole


class Task(StrEnum):
    """A kind of thing a member may have to do in a cycle (the command that opens it)."""

    SELF = "self"
    SCORE = "score"
    RESULT = "result"
    APPEALS = "appeals"
    REVIEW = "review"


@dataclass(frozen=True)
class HomePress(ButtonData, prefix="h"):
    """A task's button on the home screen: opens that task's screen in ``cycle``."""

    cycle: Id
    task: Task


@dataclass(frozen=True)
class Pending:
    """One task waiting for the member: how many (sheets, appeals) and by when, if there is a deadline."""

    task: Task
    count: int = 1
    due: datetime | None = None


OPENS: dict[Task, Callable[[FlowContext, Incoming], list[Action]]] = {
    Task.SELF: self_assessment.start,
    Task.SCORE: scoring.start,
    Task.RESULT: review.show_result,
    Task.APPEALS: appeals_desk.start,
    Task.REVIEW: review.start,
}


def task_button(locale: str, cycle_id: int, task: Task) -> Button:
    """The button that opens ``task``'s screen in the cycle (on the home screen and under a notice
    that asks for the task: a reminder, a nudge, the committee's digest)."""
    return Button(render(locale, f"home_open_{task}"), HomePress(cycle_id, task))


def on_press(context: FlowContext, incoming: Incoming, press: HomePress) -> list[Action]:
    """A home button: the task's own screen, as its command shows it (the router checked the cycle)."""
    return OPENS[press.task](context, incoming)


def pending(context: FlowContext, member: Member, cycle: Cycle) -> list[Pending]:
    """What ``member`` has to do in ``cycle`` at this moment, in the order the cycle asks it."""
    examinee = cycle_store.current_examinee(context.session, member.id)
    own = examinee if examinee is not None and examinee.cycle_id == cycle.id else None
    found = [
        _self_assessment(context, own, cycle),
        _sheets(context, member, cycle),
        _receipt(context, member, own, cycle),
        _appeals(context, member, cycle),
        _review(context, member, cycle),
    ]
    return [task for task in found if task is not None]


def home_text(
    context: FlowContext, locale: str, member: Member
) -> tuple[str, tuple[tuple[Button, ...], ...]]:
    """The home screen of ``member``: the open cycle with what is pending and a button for each task;
    without an open cycle, that they will be told when one opens."""
    cycle = context.current_cycle()
    if cycle is None or (cycle.archived_at is not None and cycle.archived_at <= context.now):
        return render(locale, "home_no_cycle"), ()
    tasks = pending(context, member, cycle)
    lines = [
        render(
            locale,
            "home_task",
            task=str(task.task),
            count=task.count,
            due=context.local_time(task.due) if task.due else "",
        )
        for task in tasks
    ]
    text = render(locale, "home_cycle", cycle=cycle.name, tasks=Markup("\n".join(lines)), nothing=not tasks)
    buttons = tuple((task_button(locale, cycle.id, task.task),) for task in tasks)
    return text, buttons


def help_screen(context: FlowContext, incoming: Incoming) -> list[Action]:
    """``/help``: what the bot is for, the open cycle's deadlines, and the committee to contact."""
    locale = context.locale(incoming)
    cycle = context.current_cycle()
    deadlines = None
    if cycle is not None:
        closes = window_closes(cycle, scheme_of(cycle))
        deadlines = {
            "cycle": cycle.name,
            "self_due": context.local_time(cycle.self_due),
            "score_due": context.local_time(cycle.score_due),
            "review_due": context.local_time(cycle.review_due),
            "appeal_due": context.local_time(closes) if closes else "",
        }
    committee = roster.committee(context.session)
    contacts = ", ".join(
        render(locale, "help_contact", name=m.name, role=name_of(m.committee_role, locale))
        for m in committee
        if m.committee_role is not None
    )
    return [Reply(render(locale, "help", deadlines=deadlines, contacts=contacts))]


def _self_assessment(context: FlowContext, examinee: CycleExaminee | None, cycle: Cycle) -> Pending | None:
    if examinee is None or context.now >= cycle.self_due:
        return None
    own = cycle_store.self_assessments(context.session, cycle.id).get(examinee.id)
    if own is not None and own.status == SelfStatus.SUBMITTED:
        return None
    return Pending(Task.SELF, due=cycle.self_due)


def _sheets(context: FlowContext, member: Member, cycle: Cycle) -> Pending | None:
    if cycle.released_at is not None:
        return None
    mine = scoring_store.examinees_of_scorer(context.session, cycle.id, member.id)
    sheets = scoring_store.cycle_sheets(context.session, cycle.id)
    owed = [e for e in mine if (s := sheets.get(e.id)) is None or s.status != SheetStatus.SUBMITTED]
    return Pending(Task.SCORE, len(owed), cycle.score_due) if owed else None


def _receipt(
    context: FlowContext, member: Member, examinee: CycleExaminee | None, cycle: Cycle
) -> Pending | None:
    if cycle.released_at is None or examinee is None:
        return None
    result = final_result(context.session, examinee)
    signed = {
        s.version
        for s in review_store.signatures(context.session, cycle.id)
        if s.role == SignatureRole.EXAMINEE and s.member_id == member.id
    }
    if result is None or result.version in signed:
        return None
    return Pending(Task.RESULT, due=window_closes(cycle, scheme_of(cycle)))


def _appeals(context: FlowContext, member: Member, cycle: Cycle) -> Pending | None:
    session, scheme = context.session, scheme_of(cycle)
    team, department = roster.team_and_department_names(session, member)
    reader = Reader(member, team, department)
    appeals = appeal_store.of_cycle(session, cycle.id)
    dues = [
        report_due(appeal, scheme)
        for appeal, examinee in appeals
        if appeal.status == AppealStatus.SUBMITTED and can_report_appeal(reader, examinee)
    ]
    if is_committee(member):
        dues += [
            decide_due(appeal, scheme) for appeal, _ in appeals if appeal.status == AppealStatus.ESCALATED
        ]
    asked = appeal_store.asked_of(session, member.id, cycle.id)
    unanswered = [o for o, a in asked if o.answer is None and a.status == AppealStatus.ESCALATED]
    dues += [decide_due(appeal, scheme) for o, appeal in asked if o in unanswered]
    return Pending(Task.APPEALS, len(dues), min(dues)) if dues else None


def _review(context: FlowContext, member: Member, cycle: Cycle) -> Pending | None:
    if not is_committee(member) or cycle.released_at is not None or context.now < cycle.score_due:
        return None
    return Pending(Task.REVIEW, due=cycle.review_due)
