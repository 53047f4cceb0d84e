"""The appeal clocks (申诉时限): escalation after 24 hours, and a daily flag after 7 days.

``plan`` is pure: given the open appeals' clocks and the time, it says what is due. A submitted
appeal nobody reported within ``escalate_within_hours`` is escalated to the committee by the
scheduler itself, and the breach is recorded. An escalated appeal still undecided
``decide_within_days`` after escalation is flagged to the committee leader (组长) once every local
day, outside the scheme's quiet hours, until it is decided. ``run`` applies the plan; the running
bot calls it every minute, and outbox dedupe keys make each notice go exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from flows.appeals.common import committee_without, decide_due, escalate, record
from flows.notices.notice import Kind, Notice, notify, rendered
from flows.rules.cycles import scheme_of
from flows.rules.scheme import QuietHours, Scheme
from flows.ui.context import FlowContext
from storage import appeals as store
from storage.models import Appeal, AppealStatus, CommitteeRole, Cycle, CycleExaminee


class DueKind(StrEnum):
    ESCALATE = "escalate"  # 超时自动上报
    FLAG = "flag"  # 超期未裁定, flagged to the committee leader


@dataclass(frozen=True)
class Clock:
    """What the clocks need to know of one open appeal."""

    appeal_id: int
    status: AppealStatus
    submitted_at: datetime | None
    escalated_at: datetime | None
    escalate_within: timedelta
    decide_within: timedelta
    quiet_hours: QuietHours = field(default_factory=QuietHours)

    @classmethod
    def of(cls, appeal: Appeal, scheme: Scheme) -> Clock:
        return cls(
            appeal_id=appeal.id,
            status=appeal.status,
            submitted_at=appeal.submitted_at,
            escalated_at=appeal.escalated_at,
            escalate_within=timedelta(hours=scheme.appeals.escalate_within_hours),
            decide_within=timedelta(days=scheme.appeals.decide_within_days),
            quiet_hours=scheme.reminders.quiet_hours,
        )


@dataclass(frozen=True)
class Due:
    """Something the clocks must do now: escalate an appeal, or flag it for the local ``day``."""

    appeal_id: int
    kind: DueKind
    day: date | None = None


def plan(clocks: Iterable[Clock], now: datetime, tz: ZoneInfo) -> list[Due]:
    """What is due at ``now`` (pure: no database, no side effects)."""
    local = now.astimezone(tz)
    due = []
    for clock in clocks:
        if clock.status == AppealStatus.SUBMITTED and clock.submitted_at is not None:
            if now >= clock.submitted_at + clock.escalate_within:
                due.append(Due(clock.appeal_id, DueKind.ESCALATE))
        elif clock.status == AppealStatus.ESCALATED and clock.escalated_at is not None:
            late = now >= clock.escalated_at + clock.decide_within
            if late and not clock.quiet_hours.contains(local.time()):
                due.append(Due(clock.appeal_id, DueKind.FLAG, local.date()))
    return due


def run(context: FlowContext) -> list[Due]:
    """Apply what is due at ``context.now`` to the open appeals of every cycle not archived; returns it."""
    session = context.session
    cases = {appeal.id: (appeal, examinee, cycle) for appeal, examinee, cycle in store.open_appeals(session)}
    clocks = [Clock.of(appeal, scheme_of(cycle)) for appeal, _, cycle in cases.values()]
    due = plan(clocks, context.now, context.tz)
    for item in due:
        appeal, examinee, cycle = cases[item.appeal_id]
        if item.kind == DueKind.ESCALATE:
            escalate(context, appeal, examinee, by=None, note=None)
        else:
            _flag(context, appeal, examinee, cycle, item.day)
    return due


def _flag(
    context: FlowContext, appeal: Appeal, examinee: CycleExaminee, cycle: Cycle, day: date | None
) -> None:
    """Tell the committee leader (else the whole committee) that ``appeal`` is overdue, once a day."""
    session = context.session
    committee = committee_without(session, examinee)
    leaders = [member for member in committee if member.committee_role == CommitteeRole.LEADER]
    due = context.local_time(decide_due(appeal, scheme_of(cycle)))
    queued = notify(
        context,
        Notice(Kind.APPEAL_OVERDUE, cycle.id, about_id=appeal.id, tag=str(day)),
        [member.id for member in leaders or committee],
        rendered("appeal_overdue_notice", cycle=cycle.name, name=examinee.name, due=due),
    )
    if queued:
        record(session, appeal, "appeal.overdue_flag", None, context.now, after={"day": str(day)})
