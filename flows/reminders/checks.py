"""Is it still true? Each kind of notice checked again just before it is sent (``STILL_DUE``).

The sender hands ``unwanted`` the notices that are due; they are grouped by cycle and kind, and each
kind's check says which of its subjects still hold. A notice whose kind has no check (a released
result, a voided signature, an appeal's decision, an answer, a recorded talk) holds: what it reports
stays true. So does a row queued before subjects were kept (no subject).

- reminders, digests, nudges, phase announcements: see their modules;
- the opening: until the self-assessment deadline it announces;
- a signer's turn: while the sign-off still waits for that stage on that version;
- a returned score sheet: while the sheet is still returned;
- an appeal submitted / escalated: while it still waits to be reported / decided; overdue: the
  flag of the day, while it is still undecided;
- a question to a party on an appeal: while it is unanswered and the appeal undecided.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from flows.notices.notice import Kind
from flows.notices.quiet import local_day
from flows.reminders.announcements import announcements_still_due, opening_still_due
from flows.reminders.ladder import digests_still_due, reminders_still_due
from flows.reminders.nudge import nudges_still_due
from flows.review.signoff import signoff_state
from flows.ui.context import FlowContext
from storage.models import (
    Appeal,
    AppealOpinion,
    AppealStatus,
    Cycle,
    Notification,
    ScoreSheet,
    SheetStatus,
    Subject,
)

StillDue = Callable[[FlowContext, Cycle, Iterable[Subject]], set[Subject]]


def _signer_still_awaited(context: FlowContext, cycle: Cycle, subjects: Iterable[Subject]) -> set[Subject]:
    state = signoff_state(context.session, cycle)
    return {s for s in subjects if s.step == state.stage and s.tag == str(state.version)}


def _sheet_still_returned(context: FlowContext, cycle: Cycle, subjects: Iterable[Subject]) -> set[Subject]:
    def returned(sheet_id: int | None) -> bool:
        sheet = context.session.get(ScoreSheet, sheet_id)
        return sheet is not None and sheet.status == SheetStatus.RETURNED

    return {s for s in subjects if returned(s.about_id)}


def _appeal_in(status: AppealStatus, *, today_only: bool = False) -> StillDue:
    """A check that the appeal a notice is about is still ``status`` (and, if asked, the tag is today)."""

    def check(context: FlowContext, cycle: Cycle, subjects: Iterable[Subject]) -> set[Subject]:
        today = local_day(context.now, context.tz)

        def holds(subject: Subject) -> bool:
            appeal = context.session.get(Appeal, subject.about_id)
            return appeal is not None and appeal.status == status and (not today_only or subject.tag == today)

        return {s for s in subjects if holds(s)}

    return check


def _question_still_open(context: FlowContext, cycle: Cycle, subjects: Iterable[Subject]) -> set[Subject]:
    def holds(opinion_id: int | None) -> bool:
        opinion = context.session.get(AppealOpinion, opinion_id)
        if opinion is None or opinion.answered_at is not None:
            return False
        appeal = context.session.get(Appeal, opinion.appeal_id)
        return appeal is not None and appeal.status != AppealStatus.DECIDED

    return {s for s in subjects if holds(s.about_id)}


STILL_DUE: dict[str, StillDue] = {
    Kind.REMIND: reminders_still_due,
    Kind.DIGEST: digests_still_due,
    Kind.NUDGE: nudges_still_due,
    Kind.PHASE: announcements_still_due,
    Kind.OPENED: opening_still_due,
    Kind.SIGNOFF: _signer_still_awaited,
    Kind.RETURNED: _sheet_still_returned,
    Kind.APPEAL_SUBMITTED: _appeal_in(AppealStatus.SUBMITTED),
    Kind.APPEAL_ESCALATED: _appeal_in(AppealStatus.ESCALATED),
    Kind.APPEAL_OVERDUE: _appeal_in(AppealStatus.ESCALATED, today_only=True),
    Kind.APPEAL_QUESTION: _question_still_open,
}


def unwanted(context: FlowContext, notifications: Sequence[Notification]) -> list[Notification]:
    """The due ``notifications`` that are no longer true, by their kind's check."""
    groups: dict[tuple[int, str], list[Subject]] = {}
    for row in notifications:
        subject = row.subject
        if subject is not None and subject.kind in STILL_DUE:
            groups.setdefault((subject.cycle_id, subject.kind), []).append(subject)
    untrue: set[Subject] = set()
    for (cycle_id, kind), group in groups.items():
        cycle = context.session.get(Cycle, cycle_id)
        still = STILL_DUE[kind](context, cycle, group) if cycle is not None else set()
        untrue |= set(group) - still
    return [row for row in notifications if row.subject in untrue]
