"""Interview records (面谈记录): a committee member records one; the examinee reads their own; nobody
outside the committee reads anyone else's."""

from __future__ import annotations

import pytest
from appeal_helpers import LEADER, MEMBER, OFFICER, ORG_OFFICER, OUTSIDER, refused, released_cycle
from cycle_helpers import Person
from sqlmodel import select

from storage.audit import entries
from storage.models import Interview, Notification

FIELDS = [
    "2026-12-16 09:30",
    "团委办公室 302",
    "程婷、郭宇雅",
    "考核结果反馈与改进计划",
    "肯定了本学期的工作，约定下学期多承担策划任务。",
]


@pytest.fixture
def people(session, sample_roster) -> dict[str, Person]:
    return released_cycle(session, sample_roster)


def record(person: Person, name: str = "郭宇雅", fields: list[str] = FIELDS) -> str:
    person.says(f"/interview {name}")
    for value in fields:
        text = person.says(value)
    return text


def test_a_committee_member_records_an_interview_and_the_examinee_reads_it(people, session):
    leader = people[LEADER]
    review = record(leader)
    assert "团委办公室 302" in review and "2026-12-16 09:30" in review
    assert "已保存" in leader.taps("保存")
    [interview] = session.exec(select(Interview)).all()
    assert interview.topic == "考核结果反馈与改进计划" and interview.place == "团委办公室 302"
    [row] = entries(session, "interview.record")
    assert row.entity_id == str(interview.id)
    assert any(
        "面谈" in n.text for n in session.exec(select(Notification)) if n.chat_id == people[OFFICER].id
    )
    text = people[OFFICER].says("/interviews")
    assert all(part in text for part in ("面谈时间：2026-12-16 09:30", "程婷、郭宇雅", "约定下学期"))


def test_the_examinee_is_named_after_the_command_too_and_fields_can_be_edited(people, session):
    leader = people[LEADER]
    leader.says("/interview")
    assert "面谈时间" in leader.says("2023000256")
    for value in FIELDS:
        leader.says(value)
    leader.taps("地点")
    assert "保存" in leader.says("学生活动中心 201") and "学生活动中心 201" in leader.last[-1].text
    leader.taps("保存")
    assert session.exec(select(Interview)).one().place == "学生活动中心 201"


def test_a_bad_time_or_a_future_time_is_refused_and_the_time_asked_again(people):
    leader = people[LEADER]
    leader.says("/interview 郭宇雅")
    text = leader.says("下周三")
    assert "时间格式不对" in text and "请输入面谈时间" in text
    assert "时间格式不对" in leader.says("2099-01-01 10:00")
    assert "面谈地点" in leader.says("2026-12-15")


def test_only_committee_members_record_interviews_and_never_their_own(people, session):
    assert "只有考核小组成员" in people[ORG_OFFICER].says("/interview 郭宇雅")
    assert "只有考核小组成员" in people[OFFICER].says("/interview 郭宇雅")
    assert "不能为其记录" in people[MEMBER].says("/interview 2023000116")  # the member himself
    assert not session.exec(select(Interview)).all()


def test_nobody_outside_the_committee_reads_anyone_elses_interviews(people):
    leader = people[LEADER]
    record(leader)
    leader.taps("保存")
    assert "只有考核小组成员" in people[OUTSIDER].says("/interviews 郭宇雅")
    assert "没有你的面谈记录" in people[OUTSIDER].says("/interviews")
    assert "只有考核小组成员" in people[ORG_OFFICER].says("/interviews 郭宇雅")
    assert "约定下学期" in people[MEMBER].says("/interviews 郭宇雅")
    assert "只有考核小组成员" in refused(people[OUTSIDER], "iv:1:pick:1")
