"""Shared by the reminder tests: the people of the sample roster who are bound, a clock in Shanghai."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cycle_helpers import SHANGHAI, bind, import_sample, open_sample_cycle
from sqlmodel import Session

from flows.reminders.schedule import plan
from flows.ui.context import FlowContext
from storage.models import Cycle

OFFICER, HEAD = "2023000256", "2023000157"  # 郭宇雅 and 龙浩 of 校学生会 办公室
VICE_PRESIDENT = "2023000111"  # 马凯秀: scores 办公室, 体育部, 生活部; a committee member; assessed herself
PRESIDENT = "2023000042"  # 罗晨秀: scores the vice-presidents; deputy leader of the committee
TEACHER = "T001"  # 龚杰: chief adviser of the committee, not assessed
PEOPLE = {OFFICER: 501, HEAD: 502, VICE_PRESIDENT: 503, PRESIDENT: 504, TEACHER: 505}


def local(day: int, hour: int = 0, minute: int = 0, month: int = 11) -> datetime:
    """A moment of 2026 in Shanghai, as UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def context(session: Session, now: datetime) -> FlowContext:
    return FlowContext(session=session, now=now, tz=SHANGHAI)


def plan_at(session: Session, now: datetime) -> int:
    queued = plan(context(session, now))
    session.commit()
    return queued


@pytest.fixture
def cycle(session, sample_roster) -> Cycle:
    """The sample cycle, opened 2026-11-24 10:00: self-assessment due 12-01, scoring 12-08, review 12-15."""
    import_sample(session, sample_roster)
    for student_no, user in PEOPLE.items():
        bind(session, student_no, user)
    return open_sample_cycle(session).cycle
