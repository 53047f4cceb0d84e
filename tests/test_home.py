"""The home screen (flows.home): /start shows a member what is pending for them now, with deadlines
and a button for each task; a member registering mid-cycle is greeted with it; /help lists the
deadlines and the committee to contact; an archived cycle's /result says where its record is."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cycle_helpers import (
    NOW,
    PASS,
    REVIEW_TIME,
    SMALL_ROSTER,
    Person,
    import_sample,
    open_sample_cycle,
    open_small_cycle,
    score_everyone,
    submit_self_assessment,
)
from sqlmodel import select

from flows.home import HomePress, Task
from flows.roster.invitations import invitations_for_unbound
from storage.models import Cycle


@pytest.fixture
def people(session) -> dict[str, Person]:
    people = open_small_cycle(session)
    for person in people.values():
        person.now = NOW + timedelta(hours=1)  # self-assessments open
    return people


def test_a_member_who_registers_mid_cycle_is_told_the_cycle_the_deadline_and_the_next_step(session):
    import_sample(session, SMALL_ROSTER)
    open_sample_cycle(session)
    [invitation] = [
        i
        for i in invitations_for_unbound(session, now=NOW, valid_days=14, bot_username="kaohe_bot")
        if i.member.student_no == "1004"
    ]
    session.commit()
    newcomer = Person(session, 904)
    greeting = newcomer.says(f"/start {invitation.code}")
    assert "刘洋" in greeting and "2026秋季考核" in greeting
    assert "填写自我评定（附表一），截止 2026-12-01 10:00" in greeting
    assert "考核周期开始后" not in greeting
    assert HomePress.parse(newcomer.buttons()["📝 填写自我评定"]) == HomePress(1, Task.SELF)
    assert "自我评定表（附表一）" in newcomer.taps("填写自我评定")


def test_start_lists_every_pending_task_with_its_deadline_and_a_button_opening_it(people):
    scorer = people["1002"]  # 王芳: an examinee herself, scores three people
    home = scorer.says("/start")
    assert "欢迎回来" in home and "填写自我评定（附表一），截止 2026-12-01 10:00" in home
    assert "为 3 位被考核者评分（附表三），截止 2026-12-08 10:00" in home
    assert {"📝 填写自我评定", "✏️ 评分"} <= set(scorer.buttons())
    assert "张伟" in scorer.taps("评分")


def test_a_submitted_self_assessment_is_no_longer_pending(session, people):
    submit_self_assessment(session, "1004")
    assert "目前没有需要你做的事" in people["1004"].says("/start")
    assert not people["1004"].buttons()


def test_a_released_result_waits_to_be_signed_and_its_button_opens_it(session, people):
    cycle = session.exec(select(Cycle)).one()
    cycle.released_at = NOW + timedelta(days=22)
    session.add(cycle)
    session.commit()
    score_everyone(session, dict.fromkeys(("1001", "1002", "1003", "1004", "1005"), PASS), NOW, "1002")
    officer = people["1004"]
    officer.now = NOW + timedelta(days=22, hours=1)
    assert "查看考核结果并签字确认收到" in officer.says("/start")
    assert "你的考核结果" in officer.taps("我的考核结果")
    officer.taps("签字")
    assert "查看考核结果" not in officer.says("/start")


def test_a_home_button_of_another_cycle_is_refused(people):
    assert people["1004"].refused(HomePress(99, Task.SELF).pack())


def test_help_lists_the_deadlines_and_the_committee_to_contact(people):
    text = people["1004"].says("/help")
    assert "2026秋季考核 的截止时间" in text and "自我评定：2026-12-01 10:00" in text
    assert "复核确认：2026-12-15 10:00" in text
    assert "联系考核小组" in text and "李华" in text and "赵敏" in text


def test_after_archiving_result_says_the_cycle_is_archived_and_where_the_record_is(session, people):
    cycle = session.exec(select(Cycle)).one()
    cycle.archived_at = NOW + timedelta(days=40)
    session.add(cycle)
    session.commit()
    officer = people["1004"]
    officer.now = NOW + timedelta(days=41)
    text = officer.says("/result")
    assert "已于" in text and "归档" in text and "组织部" in text
    assert "不在本次考核的被考核者名单中" not in text
    assert "现在没有进行中的考核周期" in officer.says("/start")


def test_the_committee_is_shown_the_review_once_scoring_is_due(people):
    teacher = people["T01"]
    assert "复核确认全部考核结果" not in teacher.says("/start")
    teacher.now = REVIEW_TIME
    assert "复核确认全部考核结果，截止 2026-12-15 10:00" in teacher.says("/start")
    assert "办公室" in teacher.taps("复核确认")
