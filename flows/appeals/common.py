"""What the appeal conversations and the appeal clocks share (申诉): who is asking, an appeal's clocks,
the appeal as text (申诉表, 附表六), notices through the outbox, audit rows, and escalation.

An appeal has three clocks, all from the cycle's own scheme: the appeal window after release
(``window_days``), the report to the committee after submission (``escalate_within_hours``), and
the decision after escalation (``decide_within_days``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup
from sqlmodel import Session

from flows.rules.access import APPEAL_OFFICE, Reader
from flows.rules.cycles import scheme_of
from flows.rules.scheme import Scheme
from flows.ui.chat import Action, Button, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.i18n import locale_for, render
from storage import accounts, audit, outbox
from storage import appeals as store
from storage import cycles as cycle_store
from storage.appeal_models import Appeal, AppealEvidence, AppealStatus, Disputed
from storage.cycle_models import Cycle, CycleExaminee
from storage.models import Member

SCHEDULER = "scheduler"  # the audit actor of what the clocks do


def reader_of(session: Session, telegram_user_id: int) -> Reader | None:
    """The active member behind a Telegram account, with their team and department, or None."""
    member = accounts.member_of_user(session, telegram_user_id)
    if member is None:
        return None
    team, department = accounts.team_and_department_names(session, member)
    return Reader(member, team, department)


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


def appeal_text(context: FlowContext, locale: str, examinee: CycleExaminee, appeal: Appeal) -> str:
    """The appeal form (申诉表, 附表六): who, what, why, the evidence, and where it stands."""
    session = context.session
    cycle = session.get(Cycle, examinee.cycle_id)
    assert cycle is not None  # foreign key
    scheme = scheme_of(cycle)
    pieces = store.evidence(session, appeal.id)  # type: ignore[arg-type]
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


# Notices and audit


def notify(
    session: Session,
    members: Iterable[Member],
    *,
    key: str,
    text: Callable[[str], str],
    now: datetime,
    default_locale: str,
) -> int:
    """Queue ``text(locale)`` for each bound member, once per ``key``; how many were queued."""
    people = {member.id: member for member in members if member.id is not None}
    bindings = cycle_store.bindings_by_member(session, list(people))
    queued = 0
    for member_id, binding in bindings.items():
        locale = locale_for(binding.language_code, default_locale)
        fresh = outbox.queue(
            session,
            dedupe_key=f"{key}:{member_id}",
            chat_id=binding.chat_id,
            text=text(locale),
            not_before=now,
        )
        queued += fresh
    return queued


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
        m.id: m for m in (*store.members_in_department(session, *APPEAL_OFFICE), *store.teachers(session))
    }
    return [member for member_id, member in people.items() if member_id != examinee.member_id]


def committee_without(session: Session, examinee: CycleExaminee) -> list[Member]:
    """The committee, less the examinee."""
    return [member for member in store.committee(session) if member.id != examinee.member_id]


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
        session,
        committee_without(session, examinee),
        key=f"appeal:{appeal.id}:escalated",
        text=lambda locale: render(
            locale,
            "appeal_escalated_notice",
            cycle=cycle.name,
            name=examinee.name,
            reporter=by.name if by else "",
            note=note or "",
            due=due,
        ),
        now=now,
        default_locale=context.default_locale,
    )


# Those who handle appeals: the organisation department, the teachers, the committee, the parties asked


@dataclass
class Desk:
    """Someone handling the appeals of the newest open cycle, at one moment."""

    context: FlowContext
    locale: str
    reader: Reader
    user: int  # their Telegram account
    cycle: Cycle

    @property
    def member(self) -> Member:
        return self.reader.member

    def text(self, key: str, **params: object) -> str:
        return render(self.locale, key, **params)

    def button(self, prefix: str, label_key: str, action: str, *args: object, **params: object) -> Button:
        data = ":".join(str(part) for part in (prefix, self.cycle.id, action, *args))
        return Button(self.text(label_key, **params), data)

    def remember(self, flow: str, **state: object) -> None:
        state = {"cycle": self.cycle.id, **state}
        cycle_store.set_conversation(self.context.session, self.user, flow, state, self.context.now)

    def forget(self) -> None:
        cycle_store.end_conversation(self.context.session, self.user)

    def case(self, appeal_id: object) -> tuple[Appeal, CycleExaminee] | None:
        """A submitted appeal of this desk's cycle by its id (as a button or state carries it)."""
        try:
            appeal = self.context.session.get(Appeal, int(str(appeal_id)))
        except ValueError:
            return None
        if appeal is None or appeal.status == AppealStatus.DRAFT:
            return None
        examinee = self.context.session.get(CycleExaminee, appeal.examinee_id)
        if examinee is None or examinee.cycle_id != self.cycle.id:
            return None
        return appeal, examinee

    def refuse(self, key: str = "appeal_stale", **params: object) -> list[Action]:
        message = self.text(key, **params)
        return [Reply(message, notice=message)]


def desk_of(context: FlowContext, incoming: Incoming) -> Desk | list[Action]:
    """The desk of whoever sent ``incoming``, or the reply saying why they have none."""
    locale = context.locale(incoming)
    reader = reader_of(context.session, incoming.telegram_user_id)
    if reader is None:
        return [Reply(render(locale, "appeal_not_member"))]
    cycle = cycle_store.latest_cycle(context.session)
    if cycle is None:
        return [Reply(render(locale, "appeal_no_cycle"))]
    return Desk(context, locale, reader, incoming.telegram_user_id, cycle)


def pressed(desk: Desk, incoming: Incoming) -> list[str] | None:
    """A pressed button's action and arguments, or None when it is for another cycle or malformed."""
    parts = incoming.text.split(":")
    if len(parts) < 3 or parts[1] != str(desk.cycle.id):
        return None
    return parts[2:]
