"""The committee never stuck (flows.review.takeover): after the scoring deadline a committee member
takes over a sheet its scorer did not submit, with a reason (audited, the scorer told), fills it in and
submits it, and the committee can confirm; a self-assessment not submitted by its deadline is recorded
as missing, with a reason, and both show in the archive's records."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from cycle_helpers import (
    GOOD,
    NOW,
    PASS,
    SHANGHAI,
    TOP,
    Person,
    balance,
    confirm,
    examinee_id,
    open_small_cycle,
    score_everyone,
    submit_self_assessment,
)
from openpyxl import load_workbook
from sqlmodel import Session, select

from flows.archive.export import export_files
from flows.archive.records import gather
from flows.review.presses import ExamineePress, ExamineeStep
from flows.scoring.presses import ScoreAction, ScorePress
from storage.audit import entries
from storage.models import Cycle, Member, ScoreSheet, SelfAssessment, SelfStatus, SheetStatus
from storage.outbox import Notification

SCORED_AT = NOW + timedelta(days=8)
REASON = "评分人王芳逾期三天未提交，多次催办无果。"


@pytest.fixture
def people(session) -> dict[str, Person]:
    """Everyone scored but 刘洋 (1004), whose scorer 王芳 left the sheet a draft; at review time."""
    people = open_small_cycle(session)
    score_everyone(
        session, {"1001": TOP, "1002": GOOD, "1003": TOP, "1004": GOOD, "1005": PASS}, SCORED_AT, "T01"
    )
    sheet = sheet_of(session, "1004")
    sheet.status, sheet.submitted_at = SheetStatus.DRAFT, None  # never submitted by its scorer
    session.add(sheet)
    session.commit()
    return people


def sheet_of(session: Session, student_no: str) -> ScoreSheet:
    return session.exec(
        select(ScoreSheet).where(ScoreSheet.examinee_id == examinee_id(session, student_no))
    ).one()


def member_id(session: Session, student_no: str) -> int:
    return session.exec(select(Member).where(Member.student_no == student_no)).one().id  # type: ignore[return-value]


def opens(person: Person, *labels: str) -> str:
    text = person.says("/review")
    for label in labels:
        text = person.taps(label)
    return text


def test_a_committee_member_takes_over_an_unsubmitted_sheet_submits_it_and_confirms(session, people):
    teacher = people["T01"]
    opens(teacher, "办公室", "刘洋")
    teacher.taps("接管评分")
    assert "请写下接管理由" in teacher.last[-1].text
    text = teacher.says(REASON)
    assert "已接管 刘洋 的评分表，已通知评分人 王芳" in text and "📨 提交评分表" in teacher.buttons()
    sheet = sheet_of(session, "1004")
    assert sheet.scorer_member_id == member_id(session, "T01")
    [row] = entries(session, "score.takeover")
    assert row.reason == REASON and row.before["scorer"] == member_id(session, "1002")
    notices = [n.text for n in session.exec(select(Notification).where(Notification.chat_id == 802))]
    assert any("已由考核小组 赵敏 接管评分" in n and REASON in n for n in notices)
    teacher.taps("提交评分表")
    assert "✅ 已提交 刘洋 的评分表" in teacher.taps("确认提交")
    assert "接管评分" in opens(teacher, "办公室", "刘洋")
    balance(teacher)
    assert "已确认" in confirm(teacher) or "复核确认" in teacher.last[-1].text
    assert "学联主席复核签字" in opens(people["1001"]) or "学联主席复核签字" in "".join(
        people["1001"].buttons()
    )


def test_the_scorer_can_no_longer_change_a_sheet_taken_over(session, people):
    teacher = people["T01"]
    opens(teacher, "办公室", "刘洋")
    teacher.taps("接管评分")
    teacher.says(REASON)
    scorer = people["1002"]
    forged = ExamineePress(1, ExamineeStep.TAKE_OVER, examinee_id(session, "1004")).pack()
    assert "按钮已失效" in teacher.refused(forged)  # taken over once only
    scorer.says("/score")
    assert "评分已于 2026-12-08 10:00 截止" in scorer.taps("刘洋")
    tap = ScorePress(1, ScoreAction.TAP, examinee_id(session, "1004"), "results", "20").pack()
    scorer.refused(tap)
    assert sheet_of(session, "1004").scorer_member_id == member_id(session, "T01")


def test_before_the_scoring_deadline_nothing_is_taken_over(session, people):
    teacher = people["T01"]
    teacher.now = NOW + timedelta(days=10)
    opens(teacher, "办公室", "刘洋")
    assert "接管评分" not in "".join(teacher.buttons())
    forged = ExamineePress(1, ExamineeStep.TAKE_OVER, examinee_id(session, "1004")).pack()
    assert "按钮已失效" in teacher.refused(forged)
    assert sheet_of(session, "1004").scorer_member_id == member_id(session, "1002")


def test_a_missing_self_assessment_is_recorded_with_a_reason_and_shows_in_the_archive(session, people):
    submit_self_assessment(session, "1003")
    teacher = people["T01"]
    opens(teacher, "办公室", "张伟")
    assert "登记自我评定缺交" not in "".join(teacher.buttons())  # submitted
    opens(teacher, "办公室", "刘洋")
    teacher.taps("登记自我评定缺交")
    text = teacher.says("截止后多次催办，本人未提交自我评定。")
    assert "已登记 刘洋 的自我评定缺交" in text and "自我评定：缺交" in text
    [row] = entries(session, "self.missing")
    assert row.reason == "截止后多次催办，本人未提交自我评定。"
    liu = session.exec(
        select(SelfAssessment).where(SelfAssessment.examinee_id == examinee_id(session, "1004"))
    ).one()
    assert liu.status == SelfStatus.MISSING
    record = gather(session, session.exec(select(Cycle)).one())
    assert any(e.action == "self.missing" for e in record.audit)
    [liu_record] = [r for r in record.examinees if r.examinee.student_no == "1004"]
    assert liu_record.assessment is not None and liu_record.assessment.status == SelfStatus.MISSING
    files = export_files(session, session.exec(select(Cycle)).one(), SHANGHAI, now=teacher.now)
    book = load_workbook(io.BytesIO(next(data for name, data in files.items() if name.endswith(".xlsx"))))
    [written] = [row for row in book["自我评定"].iter_rows(values_only=True) if "刘洋" in row]
    assert "缺交" in written


def test_a_sheet_taken_over_shows_in_the_archive_with_the_committee_member_as_scorer(session, people):
    teacher = people["T01"]
    opens(teacher, "办公室", "刘洋")
    teacher.taps("接管评分")
    teacher.says(REASON)
    teacher.taps("提交评分表")
    teacher.taps("确认提交")
    record = gather(session, session.exec(select(Cycle)).one())
    assert any(e.action == "score.takeover" and e.reason == REASON for e in record.audit)
    [liu] = [r for r in record.examinees if r.examinee.student_no == "1004"]
    assert liu.signatures["scorer"].name == "赵敏"
