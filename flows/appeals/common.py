"""What the appeal conversations and the appeal clocks share (申诉): who is asking, an appeal's clocks,
the appeal as text (申诉表, 附表六) and its evidence shown, audit rows, and escalation (its notices
through the one notice path, ``flows.notices.notice``).

An appeal has three clocks, all from the cycle's own scheme: the appeal window after release
(``window_days``), the report to the committee after submission (``escalate_within_hours``), and
the decision after escalation (``decide_within_days``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cached_property, wraps
from typing import Any, ClassVar

from markupsafe import Markup
from sqlmodel import Session

from flows.actor import Actor
from flows.notices.notice import Kind, Notice, notify, rendered
from flows.rules.access import APPEAL_OFFICE, Reader, can_read_appeal
from flows.rules.cycles import scheme_of
from flows.rules.scheme import Scheme
from flows.ui.chat import Action, Attachment, AttachmentKind, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from flows.ui.refusal import Refused
from storage import appeals as store
from storage import audit, conversations, roster
from storage.models import (
    Appeal,
    AppealEvidence,
    AppealStatus,
    Cycle,
    CycleExaminee,
    Disputed,
    EvidenceKind,
    Member,
)

SCHEDULER = "scheduler"  # the audit actor of what the clocks do


def actor(member: Member | None) -> str:
    return f"member:{member.id}" if member is not None else SCHEDULER


# Clocks


def window_closes(cycle: Cycle, scheme: Scheme) -> datetime | None:
    """When appeals stop being accepted: ``window_days`` after release; None before release."""
    if cycle.released_at is None:
        return None
    return cycle.released_at + timedelta(days=scheme.appeals.window_days)


def report_due(appeal: Appeal, scheme: Scheme) -> datetime:
    """By when the organisation department must report a submitted appeal (24小时内上报)."""
    assert appeal.submitted_at is not None
    return appeal.submitted_at + timedelta(hours=scheme.appeals.escalate_within_hours)


def decide_due(appeal: Appeal, scheme: Scheme) -> datetime:
    """By when the committee must decide an escalated appeal (一星期内提出处理意见)."""
    assert appeal.escalated_at is not None
    return appeal.escalated_at + timedelta(days=scheme.appeals.decide_within_days)


# The appeal as text


def disputed_text(appeal: Appeal, scheme: Scheme, locale: str) -> str:
    """What the appeal disputes, in words: the grade, a dimension, or one item."""
    if appeal.disputed is None:
        return "—"
    if appeal.disputed == Disputed.GRADE:
        return render(locale, "appeal_disputed_grade")
    key = appeal.disputed_key or ""
    rubric = scheme.rubric
    if appeal.disputed == Disputed.DIMENSION:
        dimension = next((d for d in rubric.dimensions if d.key == key), None)
        return dimension.name.for_locale(locale) if dimension else key
    try:
        item = rubric.item(key)
    except KeyError:
        return key
    return f"{rubric.dimension_of(key).name.for_locale(locale)} · {item.name.for_locale(locale)}"


def evidence_line(number: int, piece: AppealEvidence, locale: str) -> str:
    return render(locale, "appeal_evidence_line", number=number, kind=str(piece.kind), text=piece.text)


_SHOWN_AS = {EvidenceKind.PHOTO: AttachmentKind.PHOTO, EvidenceKind.DOCUMENT: AttachmentKind.DOCUMENT}


def evidence_shown(session: Session, appeal: Appeal, locale: str) -> list[Action]:
    """The appeal's photos and documents themselves (sent again by their Telegram file ids), each with
    its line of the form as caption, for whoever handles the appeal."""
    return [
        Reply(
            evidence_line(number, piece, locale),
            attachment=Attachment(_SHOWN_AS[piece.kind], file_id=piece.file_id),
        )
        for number, piece in enumerate(store.evidence(session, appeal.id), start=1)
        if piece.kind in _SHOWN_AS and piece.file_id
    ]


def appeal_text(context: FlowContext, locale: str, examinee: CycleExaminee, appeal: Appeal) -> str:
    """The appeal form (申诉表, 附表六): who, what, why, the evidence, and where it stands."""
    session = context.session
    cycle = session.get(Cycle, examinee.cycle_id)
    assert cycle is not None  # foreign key
    scheme = scheme_of(cycle)
    pieces = store.evidence(session, appeal.id)
    reporter = session.get(Member, appeal.escalated_by_member_id) if appeal.escalated_by_member_id else None
    when = {
        name: context.local_time(moment) if moment else ""
        for name, moment in (
            ("submitted", appeal.submitted_at),
            ("escalated", appeal.escalated_at),
            ("decided", appeal.decided_at),
        )
    }
    return render(
        locale,
        "appeal_form",
        cycle=cycle.name,
        name=examinee.name,
        place=" ".join(part for part in (examinee.team, examinee.department) if part),
        disputed=disputed_text(appeal, scheme, locale),
        reason=appeal.reason or "—",
        evidence=Markup("\n".join(evidence_line(n, p, locale) for n, p in enumerate(pieces, start=1))),
        status=str(appeal.status),
        reporter=reporter.name if reporter else "",
        note=appeal.escalation_note or "",
        overdue=appeal.escalation_overdue,
        report_due=context.local_time(report_due(appeal, scheme)) if appeal.submitted_at else "",
        decide_due=context.local_time(decide_due(appeal, scheme)) if appeal.escalated_at else "",
        **when,
    )


# Audit


def record(
    session: Session, appeal: Appeal, action: str, by: Member | None, now: datetime, **details: Any
) -> None:
    """An audit row about ``appeal`` (``appeal.submit``, ``appeal.escalate``...)."""
    audit.record(
        session, actor=actor(by), action=action, entity="appeal", entity_id=appeal.id, at=now, **details
    )


def receivers(session: Session, examinee: CycleExaminee) -> list[Member]:
    """Who receives an appeal: the organisation department and the teachers, never its examinee."""
    people = {
        m.id: m for m in (*roster.members_in_department(session, *APPEAL_OFFICE), *roster.teachers(session))
    }
    return [member for member_id, member in people.items() if member_id != examinee.member_id]


def committee_without(session: Session, examinee: CycleExaminee) -> list[Member]:
    """The committee, less the examinee."""
    return [member for member in roster.committee(session) if member.id != examinee.member_id]


def escalate(
    context: FlowContext, appeal: Appeal, examinee: CycleExaminee, *, by: Member | None, note: str | None
) -> None:
    """Report (上报) ``appeal`` to the committee: by a member, or by the scheduler once it is overdue
    (the breach is recorded). Tells every committee member but the examinee."""
    session, now = context.session, context.now
    cycle = session.get(Cycle, examinee.cycle_id)
    assert cycle is not None  # foreign key
    overdue = by is None
    appeal.status, appeal.escalated_at, appeal.updated_at = AppealStatus.ESCALATED, now, now
    appeal.escalated_by_member_id = by.id if by is not None else None
    appeal.escalation_note, appeal.escalation_overdue = note, overdue
    session.add(appeal)
    due = context.local_time(decide_due(appeal, scheme_of(cycle)))
    record(
        session,
        appeal,
        "appeal.escalate_overdue" if overdue else "appeal.escalate",
        by,
        now,
        before={"status": AppealStatus.SUBMITTED.value},
        after={"status": AppealStatus.ESCALATED.value, "decide_due": due, "overdue": overdue},
        reason=note,
    )
    notify(
        context,
        Notice(Kind.APPEAL_ESCALATED, cycle.id, about_id=appeal.id),
        [member.id for member in committee_without(session, examinee)],
        rendered(
            "appeal_escalated_notice",
            cycle=cycle.name,
            name=examinee.name,
            reporter=by.name if by else "",
            note=note or "",
            due=due,
        ),
    )


# Those who handle appeals: the organisation department, the teachers, the committee, the parties asked


class Desk(Actor):
    """Someone handling the appeals of the current cycle, at one moment."""

    flow: ClassVar[str] = "appeal_desk"
    not_member: ClassVar[str] = "appeal_not_member"
    no_cycle: ClassVar[str] = "appeal_no_cycle"

    @cached_property
    def reader(self) -> Reader:
        """The member with their team and department (what appeal rights depend on)."""
        team, department = roster.team_and_department_names(self.session, self.member)
        return Reader(self.member, team, department)

    def case(self, appeal_id: int) -> tuple[Appeal, CycleExaminee]:
        """A submitted appeal of this cycle that the reader may see, with its examinee; Refused for
        any other id."""
        appeal = self.session.get(Appeal, appeal_id)
        if appeal is None or appeal.status == AppealStatus.DRAFT:
            raise Refused("appeal_stale", reason=f"no submitted appeal {appeal_id}")
        examinee = self.session.get(CycleExaminee, appeal.examinee_id)
        if examinee is None or examinee.cycle_id != self.cycle.id:
            raise Refused("appeal_stale", reason=f"appeal {appeal_id} is of another cycle")
        if not can_read_appeal(self.reader, examinee):
            raise Refused("appeal_stale", reason=f"may not read appeal {appeal_id}")
        return appeal, examinee


InputStep = Callable[[FlowContext, Incoming, dict], list[Action]]


def ends_when_refused(step: InputStep) -> InputStep:
    """A typed answer to a conversation that no longer holds (its appeal moved on, the sender lost the
    right, the window closed) is refused, and the conversation ends so the next message is not; an
    answer refused with its question asked again (``Refused.repeating``) keeps the question waiting."""

    @wraps(step)
    def answer(context: FlowContext, incoming: Incoming, state: dict) -> list[Action]:
        try:
            return step(context, incoming, state)
        except Refused as refusal:
            if refusal.question is None:
                conversations.end_conversation(context.session, incoming.telegram_user_id)
            raise

    return answer


def same_cycle(actor: Actor, state: dict, stale: str = "appeal_stale") -> None:
    """A conversation saved in another cycle no longer holds: Refused."""
    if state.get("cycle") != actor.cycle.id:
        raise Refused(stale, reason="a conversation saved in another cycle")
