"""Scoring goes level by level, bottom up (由下至上逐级进行): the president scores vice-presidents, submits
a vice-president's sheet only once that vice-president has submitted all their departments' sheets
(or the scoring deadline has passed), and sees each vice-president's department averages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cycle_helpers import (
    AFTER_SELF_DUE,
    NOW,
    SCORING_CLOSED,
    Person,
    fill_sheets,
    score_through,
    scorer_in_sample_cycle,
)
from sqlmodel import Session, select

from storage import scoring
from storage.models import CycleExaminee, Member, ScoreSheet, SheetStatus

PRESIDENT = "2023000042"  # 罗晨秀, 校学生会
VICE_PRESIDENT = "2023000111"  # 马凯秀, in charge of 办公室 (4), 体育部 (4), 生活部 (6)
POINTS = ["18.5", "15", "12", "6", "5", "5", "6", "5", "6", "5"]
REST = ["15", "12", "6", "5", "5", "6", "5", "6", "5"]  # 65 points for every item but the first
COMMENT = "分管部门工作扎实，协调有力，希望继续加强计划性。"


@pytest.fixture
def president(session, sample_roster) -> Person:
    return scorer_in_sample_cycle(session, sample_roster, {PRESIDENT: 801, VICE_PRESIDENT: 802})


def member_id(session: Session, student_no: str) -> int:
    return session.exec(select(Member.id).where(Member.student_no == student_no)).one()


def scored_by(session: Session, student_no: str, department: str | None = None) -> list[CycleExaminee]:
    query = select(CycleExaminee).where(CycleExaminee.scorer_member_id == member_id(session, student_no))
    if department is not None:
        query = query.where(CycleExaminee.department == department)
    return list(session.exec(query.order_by(CycleExaminee.id)))


def fill(session: Session, examinees: list[CycleExaminee], total: int, submit: bool = True) -> None:
    """Score sheets straight through storage: ``total`` points each (the first item takes what is left)."""
    fill_sheets(session, examinees, [str(total - 65), *REST], AFTER_SELF_DUE, submit)


def sheet_of(session: Session, student_no: str) -> ScoreSheet | None:
    examinee = session.exec(select(CycleExaminee).where(CycleExaminee.student_no == student_no)).one()
    return scoring.sheet_of(session, examinee.id)  # type: ignore[arg-type]


def sheet_status(session: Session, student_no: str) -> str | None:
    sheet = sheet_of(session, student_no)
    return None if sheet is None else sheet.status


def test_the_president_scores_the_vice_presidents_of_their_team_but_not_the_presidents(president):
    text = president.says("/score")
    assert all(name in text for name in ("马凯秀", "孙玉英", "熊秀雅"))
    assert "罗晨秀" not in text and "莫玲" not in text  # presidents are the committee's; other teams not ours
    assert "由下至上逐级进行" in text and "评分截止：<b>2026-12-15 10:00</b>" in text


def test_the_president_is_held_back_until_the_vice_president_has_submitted_all_their_departments(
    president, session
):
    score_through(president, "马凯秀", POINTS, COMMENT)
    assert "马凯秀 分管部门的评分表已提交 0/14 份" in president.taps("提交")
    below = scored_by(session, VICE_PRESIDENT)
    fill(session, below[:13], 80)
    fill(session, below[13:], 80, submit=False)  # the last one only in draft
    president.says("/score")
    president.taps("马凯秀")
    assert "已提交 13/14 份" in president.taps("提交")
    assert sheet_status(session, VICE_PRESIDENT) == SheetStatus.DRAFT
    scoring.submit_sheet(session, scoring.sheet_of(session, below[13].id), actor="test", now=NOW, after={})  # type: ignore[arg-type]
    session.commit()
    president.says("/score")
    president.taps("马凯秀")
    assert "确认提交 马凯秀 的评分表" in president.taps("提交")
    assert "已于" in president.taps("确认提交")
    assert sheet_status(session, VICE_PRESIDENT) == SheetStatus.SUBMITTED


def test_the_hold_ends_at_the_scoring_deadline_and_the_president_can_then_submit(president, session):
    score_through(president, "马凯秀", POINTS, COMMENT)
    assert "0/14" in president.taps("提交")
    president.now = SCORING_CLOSED
    president.says("/score")
    president.taps("马凯秀")
    assert "确认提交" in president.taps("提交")
    president.taps("确认提交")
    assert sheet_status(session, VICE_PRESIDENT) == SheetStatus.SUBMITTED


def test_the_president_can_score_a_vice_president_in_the_review_window_but_not_after_it(president, session):
    president.now = SCORING_CLOSED
    score_through(president, "马凯秀", POINTS[:2], "")
    president.now = NOW + timedelta(days=21, minutes=1)  # the review deadline has passed too
    text = president.says("5")
    assert "评分已于 2026-12-15 10:00 截止" in text
    assert len(scoring.item_scores(session, sheet_of(session, VICE_PRESIDENT).id)) == 2  # type: ignore[union-attr, arg-type]


def test_the_presidents_view_of_a_vice_president_shows_their_departments_averages(president, session):
    office = scored_by(session, VICE_PRESIDENT, "办公室")
    fill(session, office[:2], 80)
    fill(session, office[2:], 85)
    fill(session, scored_by(session, VICE_PRESIDENT, "体育部"), 70, submit=False)  # drafts do not count
    text = president.says("/score")
    assert "马凯秀（副主席）" in text
    assert "↳ 分管部门：办公室 平均 82.5（4/4） · 体育部 —（0/4） · 生活部 —（0/6）" in text
    text = score_through(president, "马凯秀", POINTS, COMMENT)
    assert "<b>马凯秀 分管部门的评分</b>" in text
    assert "办公室：平均 82.5 分（已提交 4/4）" in text and "体育部：尚无已提交的评分（已提交 0/4）" in text


def test_the_vice_presidents_are_graded_as_one_group_of_their_team(president):
    text = score_through(president, "马凯秀", POINTS, COMMENT)
    assert "<b>校学生会 · 副主席：按你所给总分的分数段</b>（共 3 人，已评完 1 人）" in text
    assert "S 0 人（至多 1 人）" in text


def test_a_vice_president_is_scored_on_their_own_sheet_by_the_president_only(president, session):
    vice_president = Person(session, 802)
    vice_president.now = AFTER_SELF_DUE
    text = vice_president.says("/score")
    assert "马凯秀（副主席）" not in text and "郭宇雅" in text
