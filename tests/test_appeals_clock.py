"""The appeal clocks with a controllable clock: escalation after 24 hours (the breach recorded), and
a flag to the committee leader once a day after 7 days, until the appeal is decided."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from appeal_helpers import (
    LEADER,
    MEMBER,
    OFFICER,
    ORG_OFFICER,
    RELEASED,
    the_appeal,
    with_an_appeal,
)
from cycle_helpers import SHANGHAI
from sqlmodel import select

from flows.appeals.clock import Clock, Due, DueKind, plan, run
from flows.notices.notice import Kind
from flows.ui.context import FlowContext
from storage.audit import entries
from storage.models import AppealStatus, Notification

SUBMITTED = RELEASED + timedelta(hours=1)  # 2026-12-16 03:00 UTC, 11:00 in Shanghai
DAY = timedelta(hours=24)


def clock(
    status: AppealStatus, submitted: datetime | None = None, escalated: datetime | None = None
) -> Clock:
    return Clock(1, status, submitted, escalated, timedelta(hours=24), timedelta(days=7))


# The plan is pure


@pytest.mark.parametrize(
    ("after", "due"),
    [
        (DAY - timedelta(seconds=1), []),
        (DAY, [Due(1, DueKind.ESCALATE)]),
        (3 * DAY, [Due(1, DueKind.ESCALATE)]),
    ],
)
def test_a_submitted_appeal_is_due_for_escalation_after_24_hours(after, due):
    assert plan([clock(AppealStatus.SUBMITTED, submitted=SUBMITTED)], SUBMITTED + after, SHANGHAI) == due


def test_an_escalated_appeal_is_flagged_after_7_days_with_the_local_day():
    escalated = datetime(2026, 12, 17, 3, 0, tzinfo=UTC)
    late = clock(AppealStatus.ESCALATED, SUBMITTED, escalated)
    assert plan([late], escalated + 7 * DAY - timedelta(minutes=1), SHANGHAI) == []
    assert plan([late], escalated + 7 * DAY, SHANGHAI) == [Due(1, DueKind.FLAG, date(2026, 12, 24))]
    at_night = datetime(2026, 12, 25, 16, 0, tzinfo=UTC)  # 00:00 in Shanghai: quiet hours
    assert plan([late], at_night, SHANGHAI) == []
    assert plan([late], at_night + timedelta(hours=8), SHANGHAI) == [Due(1, DueKind.FLAG, date(2026, 12, 26))]


def test_drafts_and_decided_appeals_have_no_clock():
    now = SUBMITTED + 30 * DAY
    assert (
        plan([clock(AppealStatus.DRAFT), clock(AppealStatus.DECIDED, SUBMITTED, SUBMITTED)], now, SHANGHAI)
        == []
    )


# Applied to the database


@pytest.fixture
def submitted(session, sample_roster):
    return with_an_appeal(session, sample_roster)


def run_at(session, now: datetime) -> list[Due]:
    """One run of the clocks at ``now``."""
    return run(FlowContext(session=session, now=now, tz=SHANGHAI))


def flags(session) -> list[Notification]:
    return list(session.exec(select(Notification).where(Notification.kind == Kind.APPEAL_OVERDUE)))


def test_nobody_reporting_within_24_hours_escalates_by_itself_and_records_the_breach(submitted, session):
    assert run_at(session, SUBMITTED + DAY - timedelta(minutes=1)) == []
    assert the_appeal(session).status == AppealStatus.SUBMITTED
    assert run_at(session, SUBMITTED + DAY) == [Due(1, DueKind.ESCALATE)]
    session.commit()
    appeal = the_appeal(session)
    assert appeal.status == AppealStatus.ESCALATED and appeal.escalation_overdue
    assert appeal.escalated_by_member_id is None and appeal.escalated_at == SUBMITTED + DAY
    [breach] = entries(session, "appeal.escalate_overdue")
    assert breach.actor == "scheduler" and breach.after["overdue"] is True
    member_chat = submitted[MEMBER].id
    [notice] = session.exec(
        select(Notification).where(
            Notification.chat_id == member_chat, Notification.kind == Kind.APPEAL_ESCALATED
        )
    ).all()
    assert "系统自动" in notice.text
    assert run_at(session, SUBMITTED + DAY + timedelta(minutes=1)) == []  # once only
    assert "超过时限未上报，系统自动上报" in submitted[OFFICER].says("/appeal")


def test_an_undecided_appeal_is_flagged_to_the_leader_once_a_day_until_decided(submitted, session):
    run_at(session, SUBMITTED + DAY)  # escalated by the scheduler at 2026-12-17 11:00
    session.commit()
    overdue = SUBMITTED + 8 * DAY
    for minutes in (0, 1, 30, 120):
        run_at(session, overdue + timedelta(minutes=minutes))
    session.commit()
    [first] = flags(session)
    assert first.chat_id == submitted[LEADER].id and "郭宇雅" in first.text and "仍未裁定" in first.text
    run_at(session, overdue + DAY)
    session.commit()
    assert [(n.about_id, n.tag, n.member_id) for n in flags(session)] == [
        (1, "2026-12-24", 82),
        (1, "2026-12-25", 82),
    ]
    assert len(entries(session, "appeal.overdue_flag")) == 2

    leader = submitted[LEADER]
    leader.now = overdue + DAY + timedelta(hours=1)
    leader.presses("ad:1:start:1")
    leader.taps("维持原结果")
    leader.says("评分依据充分，维持原评定结果。")
    leader.taps("确认最终裁定")
    assert run_at(session, overdue + 2 * DAY) == []
    assert len(flags(session)) == 2


def test_a_reported_appeal_is_not_escalated_again(submitted, session):
    org = submitted[ORG_OFFICER]
    org.now = SUBMITTED + timedelta(hours=2)
    org.presses("ap:1:now:1")
    assert run_at(session, SUBMITTED + 2 * DAY) == []
    assert not the_appeal(session).escalation_overdue
