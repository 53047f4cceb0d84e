"""Live grade-quota guidance while scoring (拉开档次): the department's bands so far against its quotas,
rounded for small departments as the scheme says, and a warning for a scorer who gives everyone the
same total."""

from __future__ import annotations

from pathlib import Path

import pytest
from cycle_helpers import (
    AFTER_SELF_DUE,
    Person,
    fill_sheets,
    score_through,
    scorer_in_sample_cycle,
)
from sqlmodel import Session, select

from storage.models import CycleExaminee, ScoreSheet, SheetStatus

VICE_PRESIDENT = "2023000111"  # 马凯秀, in charge of 办公室 (4 people)
EIGHTY = ["15", "15", "12", "6", "5", "5", "6", "5", "6", "5"]  # 80, band A
NINETY_FIVE = ["20", "15", "15", "8", "6", "6", "8", "7", "5", "5"]  # 95, band S
COMMENT = "工作认真负责，档案整理及时，希望今后更加主动。"
HEADER = "id,name,team,department,position,oversees,college,term_start,committee\n"
# At most 30% S, rounded up: the most people who may be S in a department of 1, 2, ... 12.
MOST_S = {1: 1, 2: 1, 3: 1, 4: 2, 5: 2, 6: 2, 7: 3, 8: 3, 9: 3, 10: 3, 11: 4, 12: 4}


def department_of(size: int, folder: Path) -> Path:
    """A roster whose one department, 测试部, has ``size`` people."""
    rows = ["P001,罗主席,校学生会,,主席,,文学院,2025-09,"]
    rows += ["V001,马副主席,校学生会,,副主席,测试部,文学院,2025-09,"]
    rows += [f"D{n:03},成员{n:02},校学生会,测试部,干事,,文学院,2025-09," for n in range(1, size + 1)]
    path = folder / f"roster-{size}.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def office(session: Session) -> list[CycleExaminee]:
    return list(session.exec(select(CycleExaminee).where(CycleExaminee.department == "办公室")))


@pytest.mark.parametrize("size", range(1, 13))
def test_the_summary_counts_the_department_against_its_quota_rounded_for_small_departments(
    session, tmp_path, size
):
    scorer = scorer_in_sample_cycle(session, department_of(size, tmp_path), {"V001": 1001})
    text = score_through(scorer, "成员01", NINETY_FIVE, COMMENT)
    assert f"（共 {size} 人，已评完 1 人）" in text
    assert f"S 1 人（至多 {MOST_S[size]} 人） · A 0 人 · B 0 人 · C 0 人 · D 0 人" in text
    assert "“至多”向上取整" in text


@pytest.fixture
def scorer(session, sample_roster) -> Person:
    return scorer_in_sample_cycle(session, sample_roster, {VICE_PRESIDENT: 1002})


def test_the_department_distribution_counts_finished_sheets_submitted_or_not(scorer, session):
    people = office(session)
    fill_sheets(session, people[:1], NINETY_FIVE, AFTER_SELF_DUE)
    fill_sheets(session, people[1:2], EIGHTY, AFTER_SELF_DUE, submit=False)
    score_through(scorer, "江桂", EIGHTY[:4], "")
    text = score_through(scorer, "郭宇雅", NINETY_FIVE, COMMENT)
    assert "（共 4 人，已评完 3 人）" in text  # 江桂's half-scored sheet does not count yet
    assert "S 2 人（至多 2 人） · A 1 人" in text and "⚠️" not in text


def test_a_band_over_its_quota_is_flagged_as_the_scorer_goes(scorer, session):
    fill_sheets(session, office(session)[:2], NINETY_FIVE, AFTER_SELF_DUE)
    text = score_through(scorer, "郭宇雅", NINETY_FIVE, COMMENT)
    assert "S 3 人（至多 2 人）⚠️" in text


def test_a_scorer_who_gives_the_whole_department_the_same_total_is_warned_before_submitting(scorer, session):
    fill_sheets(session, office(session)[:2], EIGHTY, AFTER_SELF_DUE)
    fill_sheets(session, office(session)[3:], EIGHTY, AFTER_SELF_DUE, submit=False)
    score_through(scorer, "郭宇雅", EIGHTY, COMMENT)
    text = scorer.taps("提交")
    assert "你给校学生会 · 办公室全部 4 人的总分都是 80 分" in text and "拉开分数档次" in text
    assert "确认提交" in text
    scorer.taps("确认提交")  # the scorer may still submit: it is their judgement
    submitted = session.exec(select(ScoreSheet).where(ScoreSheet.status == SheetStatus.SUBMITTED)).all()
    assert len(submitted) == 3


def test_no_warning_while_totals_differ_or_the_department_is_not_fully_scored(scorer, session):
    fill_sheets(session, office(session)[:2], EIGHTY, AFTER_SELF_DUE)
    score_through(scorer, "郭宇雅", EIGHTY, COMMENT)
    assert "拉开分数档次" not in scorer.taps("提交")  # 江桂 not scored yet
    fill_sheets(session, office(session)[3:], NINETY_FIVE, AFTER_SELF_DUE, submit=False)
    scorer.says("/score")
    scorer.taps("郭宇雅")
    assert "拉开分数档次" not in scorer.taps("提交")


def test_a_department_of_two_may_share_one_total(session, tmp_path):
    scorer = scorer_in_sample_cycle(session, department_of(2, tmp_path), {"V001": 1003})
    other = session.exec(select(CycleExaminee).where(CycleExaminee.student_no == "D002")).one()
    fill_sheets(session, [other], EIGHTY, AFTER_SELF_DUE)
    score_through(scorer, "成员01", EIGHTY, COMMENT)
    assert "拉开分数档次" not in scorer.taps("提交")
