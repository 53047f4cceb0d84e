"""Test helpers: the sample roster at every phase of a cycle, with someone bound in every role.

``at_phase(session, sample, phase)`` builds the database as it stands in ``phase`` (through the real
flows where a conversation leaves something half done) and returns the moment to act at; ``ROLES``
names the Telegram account of each kind of person who might press a button then.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

import appeal_helpers as appeals
import cycle_helpers as cycles
from appeal_helpers import IDS, OFFICER, ORG_OFFICER
from cycle_helpers import NOW, SHANGHAI, Person, bind, import_sample, open_sample_cycle
from sqlmodel import Session, select

from flows.archive.export import archive_cycle
from storage.models import Cycle

PRESIDENT = "2023000042"  # 罗晨秀, 校学生会 主席: scores the vice-presidents; deputy leader of the committee
HEAD = appeals.OUTSIDER  # 龙浩, head of 办公室, scored by 马凯秀 like the officer
STRANGER = 590  # a Telegram account bound to nobody

ROLES: dict[str, int] = {
    "stranger": STRANGER,
    "examinee": IDS[OFFICER],
    "vice-president scorer": IDS[appeals.SCORER],
    "president": 561,
    "committee member": IDS[appeals.MEMBER],
    "organisation department (appeal desk)": IDS[ORG_OFFICER],
    "teacher (committee leader)": IDS[appeals.LEADER],
}
"""Each kind of person who might press a button, and their Telegram user id."""


class Phase(StrEnum):
    NO_CYCLE = "no cycle"
    SELF_ASSESSMENT = "self-assessment"
    SCORING = "scoring"
    REVIEW = "review"
    RESULTS = "released, appeal window open"
    APPEAL = "an appeal under way"
    ARCHIVED = "archived"


def at_phase(session: Session, sample: Path, phase: Phase) -> datetime:
    """The sample roster, everyone in ``ROLES`` bound, the cycle as it stands in ``phase``; the moment."""
    if phase in (Phase.RESULTS, Phase.APPEAL, Phase.ARCHIVED):
        return _released(session, sample, phase)
    import_sample(session, sample)
    for student_no, user in IDS.items():
        bind(session, student_no, user)
    bind(session, PRESIDENT, ROLES["president"])
    if phase is Phase.NO_CYCLE:
        return NOW
    open_sample_cycle(session)
    if phase is Phase.SELF_ASSESSMENT:
        cycles.submit_self_assessment(session, HEAD)
        _half_written_self_assessment(Person(session, IDS[OFFICER]))
        return NOW + timedelta(hours=2)
    cycles.submit_self_assessment(session, OFFICER)
    cycles.submit_self_assessment(session, HEAD)
    if phase is Phase.SCORING:
        return _half_scored(Person(session, IDS[appeals.SCORER]), NOW + timedelta(days=8))
    appeals.score(session, OFFICER, at=NOW + timedelta(days=8))
    return NOW + timedelta(days=15)  # after the scoring deadline, before the review deadline


def _half_written_self_assessment(officer: Person) -> None:
    """The officer has confirmed her details and answered the first section, and the form waits."""
    officer.says("/self")
    officer.taps("信息无误")
    officer.says("认真学习党的二十大精神，积极参加团日活动，思想上积极要求进步。")


def _half_scored(scorer: Person, now: datetime) -> datetime:
    """The scorer has opened the officer's score sheet and scored its first item."""
    scorer.now = now
    scorer.says("/score")
    scorer.taps("郭宇雅")
    scorer.says("15")
    return now


def _released(session: Session, sample: Path, phase: Phase) -> datetime:
    people = appeals.released_cycle(session, sample)
    bind(session, PRESIDENT, ROLES["president"])
    now = people[OFFICER].now
    if phase is Phase.RESULTS:
        return now
    if phase is Phase.APPEAL:
        return _appeal_under_way(people)
    archived = appeals.RELEASED + timedelta(days=10)
    archive_cycle(session, session.exec(select(Cycle)).one(), actor="test", now=archived, tz=SHANGHAI)
    session.commit()
    return archived + timedelta(hours=1)


def _appeal_under_way(people: dict[str, Person]) -> datetime:
    """The officer has appealed, the desk has reported it, and a committee member has asked her scorer."""
    appeals.appeal_through(people[OFFICER])
    desk = people[ORG_OFFICER]
    desk.says("/appeals")
    desk.taps("郭宇雅")
    desk.taps("上报考核小组")
    committee = people[appeals.MEMBER]
    committee.says("/appeals")
    committee.taps("郭宇雅")
    committee.taps("征求评分人意见")
    committee.says("请说明工作业绩评分的依据。")
    return committee.now
