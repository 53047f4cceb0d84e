"""The committee's review (/review, 复核确认): departments with progress and what is missing, ratings that
gate S and A, rule breaks with their fixes, changes with reasons that keep the originals, returned sheets,
the presidents scored by the committee, the chart, and who may do any of it."""

from __future__ import annotations

import warnings
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from cycle_helpers import (
    GOOD,
    NOW,
    PASS,
    TOP,
    Person,
    fill_sheets,
    open_small_cycle,
    score_everyone,
    submit_self_assessment,
)
from matplotlib import font_manager
from sqlmodel import Session, select

from flows.review.presses import ExamineePress, ExamineeStep, RatingPress
from flows.router import handle
from flows.ui.charts import Bar, Grade, cjk_font, distribution_chart
from flows.ui.chat import AttachmentKind, ChatKind, Incoming
from flows.ui.context import FlowContext
from flows.ui.fonts import BUNDLED_CJK_FONT
from storage.audit import entries
from storage.models import CycleExaminee, ItemScore, Notification, ReviewChange, ScoreSheet, SheetStatus

SCORED_AT = NOW + timedelta(days=8)


@pytest.fixture
def people(session):
    return open_small_cycle(session)


@pytest.fixture
def scored(session, people):
    """Everyone scored: 李华 98 (by the committee), 王芳 88, 张伟 98, 刘洋 98, 陈静 77."""
    score_everyone(
        session, {"1001": TOP, "1002": GOOD, "1003": TOP, "1004": TOP, "1005": PASS}, SCORED_AT, "T01"
    )
    return people


def examinee(session: Session, student_no: str) -> CycleExaminee:
    return session.exec(select(CycleExaminee).where(CycleExaminee.student_no == student_no)).one()


def in_review(person: Person, *labels: str) -> str:
    """Open /review and tap the buttons labelled ``labels`` in turn: the last screen."""
    text = person.says("/review")
    for label in labels:
        text = person.taps(label)
    return text


def sheet_of(session: Session, student_no: str) -> ScoreSheet:
    return session.exec(
        select(ScoreSheet).where(ScoreSheet.examinee_id == examinee(session, student_no).id)
    ).one()


def outbox_to(session: Session, chat_id: int) -> list[str]:
    return [n.text for n in session.exec(select(Notification).where(Notification.chat_id == chat_id))]


def test_review_is_for_committee_members_and_refuses_everyone_else(session, scored):
    officer = scored["1003"]
    assert "仅限考核小组成员" in officer.says("/review")
    forged = RatingPress(1, 1, "outstanding").pack()
    assert "仅限考核小组成员" in officer.refused(forged)
    assert session.exec(select(ReviewChange)).all() == []
    [refusal] = entries(session, "button.refused")
    assert refusal.actor == f"member:{examinee(session, '1003').member_id}"
    assert refusal.after["data"] == forged and refusal.reason == "review_not_committee"
    group = Incoming(803, -100, ChatKind.GROUP, text="/review")
    [reply] = handle(FlowContext(session=session, now=NOW), group)
    assert "私聊" in reply.text and "校学生会" not in reply.text


def test_the_overview_shows_each_department_with_progress_ratings_and_what_stands_in_the_way(session, people):
    fill_sheets(session, [examinee(session, "1003")], TOP, SCORED_AT)
    fill_sheets(session, [examinee(session, "1004")], TOP[:10], SCORED_AT, submit=False)
    teacher = people["T01"]
    text = teacher.says("/review")
    assert "评分进度：████░░░░░░░░░░░░░░░░ 1/5" in text
    assert "<b>校学生会</b>\n主席团：2 人 · 评分 0/2 · 评价 未设定" in text
    assert "办公室：2 人 · 评分 1/2 · 评价 未设定 · S1" in text
    assert "确认复核前还需：4 份评分表未提交；3 个部门未设定业绩评价；" in text
    assert {"▫️ 校学生会 · 主席团", "📊 校学生会", "✅ 确认复核平衡"} <= set(teacher.buttons())


def test_a_department_lists_what_is_missing_and_from_whom(session, people):
    fill_sheets(session, [examinee(session, "1003")], TOP, SCORED_AT)
    fill_sheets(session, [examinee(session, "1004")], TOP[:10], SCORED_AT, submit=False)
    teacher = people["T01"]
    teacher.says("/review")
    text = teacher.taps("办公室")
    assert "<b>尚未提交的评分表</b>\n刘洋：评分人 王芳 · 草稿 10/10 项" in text
    assert "1. 张伟（部长）：98 分 · 分数段 S · 建议 S · 等级 <b>S</b>" in text
    assert "2. 刘洋（干事）：评分未完成" in text
    teacher.taps("返回")
    assert "李华：由考核小组评分 · 未开始" in teacher.taps("主席团")


def test_the_department_rating_gates_grades_s_and_a(scored):
    teacher = scored["T01"]
    text = in_review(teacher, "办公室", "一般")
    assert "✓ 部门业绩评价已保存" in text and "部门业绩评价：一般" in text
    assert "1. 张伟（部长）：98 分 · 分数段 S · 建议 B · 等级 <b>B</b>" in text
    text = teacher.taps("良好")
    assert "建议 A · 等级 <b>A</b>" in text and "✓ 良好" in teacher.buttons()


def test_quota_and_spread_violations_are_listed_with_what_would_fix_them(scored):
    teacher = scored["T01"]
    text = in_review(teacher, "办公室", "优秀")
    assert "⚠️ 问题 1：S 共 2 人，至多 1 人\n建议：将 1 人从 S 调为 A" in text
    assert "接受问题 1（需写理由）" in teacher.buttons()


def test_an_examinee_graded_above_the_rating_is_a_violation_with_its_fix(session, scored):
    teacher = scored["T01"]
    in_review(teacher, "学习部", "一般", "陈静")
    teacher.taps("改等级")
    teacher.taps("A 良好")
    teacher.says("学习部活动组织出色，特此调整")
    teacher.taps("返回部门")
    text = teacher.last[-1].text
    assert "⚠️ 问题 1：1 人为 A，但部门业绩评价不允许该等级\n建议：将 1 人从 A 调为 B" in text


def test_a_score_change_needs_a_reason_and_keeps_the_scorers_original(session, scored):
    teacher = scored["T01"]
    in_review(teacher, "办公室", "张伟")
    teacher.taps("改分")
    assert "当前：19" in teacher.taps("工作业绩 19")
    assert "不是有效分数" in teacher.says("25")
    assert "分数没有变化" in teacher.says("19")
    text = teacher.says("16.5")
    assert "<b>张伟 · 工作业绩：19 → 16.5</b>" in text and "请写下修改理由（5–300 字）" in text
    text = teacher.says("不好")
    assert "理由需要 5–300 字，你写了 2 字" in text
    assert text.index("你写了 2 字") < text.index("<b>张伟 · 工作业绩：19 → 16.5</b>")  # asked again
    assert "你写了 301 字" in teacher.says("理" * 301)
    assert session.exec(select(ReviewChange)).all() == []
    text = teacher.says("工作业绩的证明材料不足")
    assert "工作业绩：16.5 / 20（评分人原评 19）" in text
    assert "<b>总分：95.5</b>（原 98）" in text
    assert "赵敏：工作业绩 19 → 16.5。理由：工作业绩的证明材料不足" in text
    [change] = session.exec(select(ReviewChange)).all()
    assert (change.before, change.after, change.reason, change.at) == (
        "19",
        "16.5",
        "工作业绩的证明材料不足",
        teacher.now,
    )
    sheet = sheet_of(session, "1003")
    original = session.exec(
        select(ItemScore).where(ItemScore.sheet_id == sheet.id, ItemScore.item == "results")
    )
    assert original.one().points == Decimal("19")  # the scorer's own score is untouched
    [audited] = entries(session, "review.score")
    assert audited.actor.startswith("member:") and audited.reason == "工作业绩的证明材料不足"
    assert audited.before["value"] == "19" and audited.after["value"] == "16.5"


def test_a_grade_change_needs_a_reason_and_is_recorded_with_before_and_after(session, scored):
    teacher = scored["T01"]
    in_review(teacher, "办公室", "优秀", "刘洋")
    assert "目前的等级是 S" in teacher.taps("改等级")
    assert "<b>刘洋 · 等级：S → A</b>" in teacher.taps("A 良好")
    text = teacher.says("部门优秀名额有限，按排名调整")
    assert "<b>考核等级：A（良好）</b> · 考核小组调整" in text
    assert "等级 S → A。理由：部门优秀名额有限，按排名调整" in text
    teacher.taps("返回部门")
    assert "✓ 符合分布规则" in teacher.last[-1].text
    [audited] = entries(session, "review.grade")
    assert (audited.before["value"], audited.after["value"]) == ("S", "A")


def test_cancelling_a_change_changes_nothing(session, scored):
    teacher = scored["T01"]
    in_review(teacher, "办公室", "刘洋")
    teacher.taps("改等级")
    teacher.taps("B 及格")
    teacher.taps("取消")
    assert "<b>刘洋</b>" in teacher.last[-1].text
    assert "没有理解" in teacher.says("随便写的一段理由文字")  # no longer waiting for a reason
    assert session.exec(select(ReviewChange)).all() == []


def test_nobody_changes_or_scores_their_own_result(session, scored):
    president = scored["1001"]  # 李华, deputy leader of the committee, and an examinee
    text = in_review(president, "主席团", "李华")
    assert "改分" not in str(president.buttons()) and "改等级" not in str(president.buttons())
    assert "<b>总分：98</b>" in text  # the committee sees every result, its own included
    regrade_own = ExamineePress(1, ExamineeStep.CHANGE_GRADE, examinee(session, "1001").id, "D")
    assert "不能修改或评定自己" in president.refused(regrade_own.pack())
    assert session.exec(select(ReviewChange)).all() == []
    assert entries(session, "button.refused")[-1].reason == "review_not_yours"


def test_a_returned_sheet_goes_back_to_its_scorer_with_the_note(session, scored):
    teacher, scorer = scored["T01"], scored["1002"]
    in_review(teacher, "办公室", "张伟")
    teacher.taps("退回评分人")
    text = teacher.says("请补充工作业绩的具体依据")
    assert "已退回 张伟 的评分表，已通知评分人 王芳" in text
    sheet = sheet_of(session, "1003")
    assert sheet.status == SheetStatus.RETURNED and sheet.return_reason == "请补充工作业绩的具体依据"
    [notice] = [t for t in outbox_to(session, 802) if "退回" in t]
    assert "请补充工作业绩的具体依据" in notice and "/score" in notice
    assert "评分进度：████████████████░░░░ 4/5" in teacher.says("/review")
    scorer.says("/score")
    scorer.taps("张伟")
    assert "考核小组于" in scorer.last[-1].text and "请补充工作业绩的具体依据" in scorer.last[-1].text
    scorer.taps("工作业绩")
    scorer.says("18")
    scorer.taps("提交")
    assert "已于" in scorer.taps("确认提交")
    assert session.get(ScoreSheet, sheet.id).status == SheetStatus.SUBMITTED


def test_a_rule_break_is_accepted_only_with_a_reason(session, scored):
    teacher = scored["T01"]
    in_review(teacher, "办公室", "优秀")
    assert "请写下接受的理由" in teacher.taps("接受问题 1")
    text = teacher.says("好")
    assert "理由需要" in text and "请写下接受的理由" in text  # the question asked again
    text = teacher.says("办公室本学期承办全校大型活动，两人表现都很突出")
    assert "✓ 问题 1：S 共 2 人，至多 1 人\n已接受（赵敏）：办公室本学期承办全校大型活动" in text
    [audited] = entries(session, "review.accept")
    assert audited.after["grades"] == "S" and audited.after["counted"] == 2


def test_the_committee_scores_a_president_item_by_item(session, people):
    member = people["1002"]  # 王芳, a committee member (组员)
    in_review(member, "主席团", "李华")
    text = member.taps("评分（考核小组）")
    assert "考核小组评分 · 李华（1/10）：工作绩效 · 工作业绩</b>（满分 20）" in text
    li = examinee(session, "1001").id
    forged = ExamineePress(1, ExamineeStep.PRESIDENT_ITEM, li, "results", "21").pack()  # above 20
    assert "按钮已失效" in member.refused(forged)
    assert session.exec(select(ItemScore)).all() == []
    member.taps("20")
    for value in TOP[1:]:
        member.says(value)
    text = member.last[-1].text
    assert "<b>考评意见 · 李华</b>" in text
    assert "至少" not in member.says("工作认真负责，统筹有力，希望继续带好团队。")
    text = "\n".join(r.text for r in member.last)
    assert "<b>总分：99</b>" in text and "📨 提交评分表" in member.buttons()
    member.taps("工作业绩")
    member.says("19")
    member.taps("提交评分表")
    text = member.taps("确认提交")
    assert "✅ 已提交 李华 的评分表（总分 98）" in text
    sheet = sheet_of(session, "1001")
    assert sheet.status == SheetStatus.SUBMITTED and sheet.comment.startswith("工作认真负责")
    assert len(entries(session, "score.item")) == 11


def test_a_president_cannot_score_themselves(session, people):
    president = people["1001"]
    in_review(president, "主席团", "李华")
    assert "评分（考核小组）" not in str(president.buttons())
    own = ExamineePress(1, ExamineeStep.PRESIDENT, examinee(session, "1001").id)
    assert "不能修改或评定自己" in president.refused(own.pack())


def test_the_chart_is_a_picture_with_one_line_per_department(scored):
    teacher = scored["T01"]
    in_review(teacher, "📊 校学生会")
    [reply] = teacher.last
    assert reply.attachment is not None and reply.attachment.kind is AttachmentKind.PHOTO
    assert reply.attachment.data.startswith(b"\x89PNG")
    assert "\n主席团：2 人 · 评分 2/2 · 评价 未设定 · S1 A1" in reply.text
    assert "\n办公室：2 人" in reply.text and "\n学习部：1 人" in reply.text


def test_the_chart_draws_chinese_in_the_bundled_font_whatever_the_server_has():
    bars = [Bar("办公室", {"A": 2, "B": 1}), Bar("学习部", {"C": 1})]
    grades = [Grade("A", "A 优秀"), Grade("B", "B 良好"), Grade("C", "C 合格")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)" for tofu
        image = distribution_chart(bars, grades, title="2026秋季考核 · 校学生会")
    assert image.startswith(b"\x89PNG")
    used = font_manager.findfont(font_manager.FontProperties(family=cjk_font()), fallback_to_default=False)
    assert Path(used) == BUNDLED_CJK_FONT


def test_a_caption_too_long_for_a_photo_follows_it_as_a_message(scored, monkeypatch):
    monkeypatch.setattr("flows.review.chart.CAPTION_LIMIT", 40)
    teacher = scored["T01"]
    in_review(teacher, "📊 校学生会")
    photo, lines = teacher.last
    assert photo.attachment is not None and photo.text == "<b>校学生会 · 等级分布</b>"
    assert lines.attachment is None and "主席团：" in lines.text and "学习部：" in lines.text


def test_the_committee_reads_a_submitted_self_assessment_beside_the_scores(session, scored):
    submit_self_assessment(
        session, "1003", answers={"work": "负责办公室档案整理，共整理档案120份，按时完成任务。"}
    )
    teacher = scored["T01"]
    in_review(teacher, "办公室", "张伟")
    assert "共整理档案120份" in teacher.taps("自评")
    teacher.taps("返回")
    teacher.taps("返回部门")
    teacher.taps("刘洋")
    assert "刘洋 没有提交自我评定" in teacher.taps("自评")


def test_english_speaking_committee_members_review_in_english(session, scored):
    teacher = scored["T01"]
    teacher.language = "en"
    text = teacher.says("/review")
    assert "Committee review" in text and "presidium: 2 · scored 2/2 · rating not set" in text
    text = teacher.taps("办公室")
    assert "Department rating: not set" in text and "1. 张伟 (head of department): 98 · band S" in text


def test_a_department_name_with_html_characters_shows_as_written_on_buttons_and_in_text(session, people):
    for row in session.exec(select(CycleExaminee).where(CycleExaminee.department == "办公室")):
        row.department = "R&D<办>"
    session.commit()
    teacher = people["T01"]
    text = teacher.says("/review")
    assert "R&amp;D&lt;办&gt;：2 人" in text and "&amp;amp;" not in text
    assert "▫️ 校学生会 · R&D<办>" in teacher.buttons()
    department = teacher.taps("R&D<办>")
    assert "R&amp;D&lt;办&gt;" in department and "&amp;amp;" not in department
    teacher.says("/review")
    assert "R&amp;D&lt;办&gt;" in teacher.says("张伟")  # the search groups its finds under the department
