"""The /score conversation (直接上级评定, score sheet 附表三): the list, the self-assessment, item by item
scoring with a running total, the evaluation comment, the summary, submission, resuming and privacy."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from cycle_helpers import (
    AFTER_SELF_DUE,
    NOW,
    Person,
    bind,
    cycle_id,
    examinee_id,
    import_sample,
    open_sample_cycle,
    score_through,
    scorer_in_sample_cycle,
    submit_self_assessment,
)
from sqlmodel import Session, select

from flows.router import handle
from flows.ui.chat import ChatKind, Content, Incoming
from flows.ui.context import FlowContext
from flows.ui.menu import member_menu
from flows.ui.text import visible_length
from storage.audit import entries
from storage.models import ItemScore, Member, ScoreSheet, SheetStatus

VICE_PRESIDENT = "2023000111"  # 马凯秀, 校学生会, in charge of 办公室, 体育部, 生活部
OFFICER = "2023000256"  # 郭宇雅, 办公室 干事, scored by 马凯秀
HEAD = "2023000157"  # 龙浩, 办公室 部长
POINTS = ["18.5", "15", "12", "6", "5", "5", "6", "5", "6", "5"]  # 83.5, band A
COMMENT = "工作认真负责，档案整理及时，希望今后更加主动。"


@pytest.fixture
def scorer(session, sample_roster) -> Person:
    return scorer_in_sample_cycle(session, sample_roster, {VICE_PRESIDENT: 701})


def stored_points(session: Session) -> dict[str, str]:
    return {row.item: str(row.points) for row in session.exec(select(ItemScore))}


def test_score_lists_the_scorers_examinees_by_department_with_state_and_deadline(scorer, session):
    submit_self_assessment(session, OFFICER)
    score_through(scorer, "龙浩", POINTS[:3], "")
    text = scorer.says("/score")
    assert "评分截止：<b>2026-12-08 10:00</b>" in text
    assert text.index("办公室") < text.index("体育部") < text.index("生活部")
    assert "郭宇雅（干事）：自评已提交 · 未开始评分" in text
    assert "龙浩（部长）：自评未提交 · 评分草稿 3/10 项" in text
    assert "孙玉英" not in text and "赵芬" not in text  # another vice-president's people
    assert len([label for label in scorer.buttons() if "⬜" in label or "✏️" in label]) == 14


def test_an_examinee_can_be_scored_once_their_self_assessment_is_submitted(scorer, session):
    scorer.now = NOW + timedelta(hours=2)  # the self-assessment is still open
    text = scorer.says("/score")
    assert "郭宇雅（干事）：自评未提交 · 未开始评分（2026-12-01 10:00 自评截止后或 TA 提交后可评分）" in text
    assert not any("郭宇雅" in label for label in scorer.buttons())
    assert "还没有提交自我评定" in scorer.presses(f"c:{cycle_id(session)}:o:{examinee_id(session, OFFICER)}")
    submit_self_assessment(session, OFFICER)
    scorer.says("/score")
    assert "评分（1/10）" in scorer.taps("郭宇雅")


def test_after_the_self_assessment_deadline_an_examinee_who_did_not_submit_is_scored_anyway(scorer):
    scorer.says("/score")
    text = scorer.taps("郭宇雅")
    assert "郭宇雅 <b>未提交</b>自我评定" in text and "评分（1/10）" in text


def test_opening_an_examinee_shows_their_self_assessment_then_the_first_item_and_anchors(scorer, session):
    work = "负责办公室档案整理和例会记录，共整理档案120份；协助组织迎新晚会。"
    submit_self_assessment(session, OFFICER, answers={"work": work})
    scorer.says("/score")
    text = scorer.taps("郭宇雅")
    assert "自我评定表（附表一）" in text and work in text
    assert text.index(work) < text.index("评分（1/10）：工作绩效 · 工作业绩</b>（满分 20）")
    assert "<b>15</b>：绝大部分任务按时完成且质量良好" in text
    assert set(scorer.buttons()) == {"20", "15", "10", "5", "📄 自评", "📋 名单"}


def test_a_long_self_assessment_is_split_over_messages_without_cutting_a_tag(scorer, session):
    sections = ("ideology", "study", "work", "progress", "improve")
    answers = dict.fromkeys(sections, "认真工作，积极参加活动。" * 80)
    submit_self_assessment(session, OFFICER, answers=answers)
    scorer.says("/score")
    scorer.taps("郭宇雅")
    replies = scorer.last
    assert len(replies) >= 3
    for reply in replies:
        assert visible_length(reply.text) <= 4096
        assert len(re.findall(r"<b>", reply.text)) == len(re.findall(r"</b>", reply.text))
    assert "评分（1/10）" in replies[-1].text and replies[-1].buttons


def test_each_item_is_scored_by_a_tap_or_a_typed_number_with_the_running_total(scorer, session):
    scorer.says("/score")
    scorer.taps("郭宇雅")
    text = scorer.taps("15")
    assert "✓ 已保存：工作业绩 15 分。" in text and "评分（2/10）" in text
    assert "郭宇雅 目前合计：<b>15</b> / 100" in text
    text = scorer.says("12.5")
    assert "✓ 已保存：工作态度 12.5 分。" in text and "目前合计：<b>27.5</b>" in text
    assert stored_points(session) == {"results": "15.0", "attitude": "12.5"}


@pytest.mark.parametrize("typed", ["21", "-1", "很好", "15.25", ""])
def test_an_out_of_range_or_non_numeric_score_is_refused_with_the_range_and_the_item_asked_again(
    scorer, session, typed
):
    scorer.says("/score")
    scorer.taps("郭宇雅")
    text = scorer.says(typed)
    assert "不是有效分数" in text and "0–20" in text and "最多一位小数" in text
    assert text.index("不是有效分数") < text.index("评分（1/10）：工作绩效 · 工作业绩")
    assert {"20", "15", "📄 自评"} <= set(scorer.buttons())  # the question with its buttons, below
    assert stored_points(session) == {}
    assert "评分（2/10）" in scorer.says("20")


def test_a_forged_value_beyond_the_item_maximum_is_refused(scorer, session):
    scorer.says("/score")
    scorer.taps("郭宇雅")
    text = scorer.presses(f"c:{cycle_id(session)}:p:{examinee_id(session, OFFICER)}:results:25")
    assert "0–20" in text and stored_points(session) == {}


def test_a_sticker_instead_of_a_score_gets_a_prompt_and_the_question_again(scorer):
    scorer.says("/score")
    scorer.taps("郭宇雅")
    text = scorer.sends(Content.STICKER)
    assert "需要文字" in text and "工作业绩" in text


def test_the_evaluation_comment_is_required_and_its_length_is_checked(scorer, session):
    text = score_through(scorer, "郭宇雅", POINTS, "还行")
    assert "考评意见至少需要 10 字，你写了 2 字" in text
    assert "考评意见最多 1000 字" in scorer.says("好" * 1001)
    assert session.exec(select(ScoreSheet)).one().comment is None
    assert "考评意见（" not in scorer.says(COMMENT)
    assert session.exec(select(ScoreSheet)).one().comment == COMMENT
    scorer.taps("提交")
    assert "确认提交" in scorer.last[-1].text


def test_the_summary_shows_every_item_the_total_its_band_and_the_department_so_far(scorer):
    text = score_through(scorer, "郭宇雅", POINTS, COMMENT)
    assert "✓ 考评意见已保存" in text
    assert "工作绩效 · 工作业绩：18.5 / 20" in text and "生活作风 · 礼仪：5 / 7" in text
    assert "<b>总分：83.5 / 100</b>　分数段：A（良好，80 分及以上）" in text
    assert COMMENT in text
    assert "（共 4 人，已评完 1 人）" in text
    assert "S 0 人（至多 2 人） · A 1 人 · B 0 人 · C 0 人 · D 0 人" in text
    assert "最终考核等级由考核小组复核平衡后确定" in text


def test_any_item_and_the_comment_can_be_changed_from_the_summary(scorer, session):
    score_through(scorer, "郭宇雅", POINTS, COMMENT)
    text = scorer.taps("工作能力")
    assert "当前给分：12" in text
    text = scorer.says("14")
    assert "<b>总分：85.5 / 100</b>" in text  # straight back to the summary
    scorer.taps("考评意见")
    text = scorer.says("表现突出，档案工作细致，值得大家学习。")
    assert "表现突出" in text and session.exec(select(ScoreSheet)).one().comment.startswith("表现突出")
    changes = [(e.before, e.after) for e in entries(session, "score.item") if e.before]
    assert changes == [({"item": "ability", "points": "12.0"}, {"item": "ability", "points": "14.0"})]


def test_every_item_score_records_who_gave_it_and_when(scorer, session):
    score_through(scorer, "郭宇雅", POINTS[:2], "")
    member = session.exec(select(Member).where(Member.student_no == VICE_PRESIDENT)).one()
    rows = session.exec(select(ItemScore)).all()
    assert {(row.scored_by_member_id, row.scored_at) for row in rows} == {(member.id, scorer.now)}
    assert len(entries(session, "score.item")) == 2


def test_submitting_asks_for_confirmation_then_locks_the_sheet(scorer, session):
    score_through(scorer, "郭宇雅", POINTS, COMMENT)
    text = scorer.taps("提交")
    assert "确认提交 郭宇雅 的评分表（总分 83.5）吗" in text
    assert session.exec(select(ScoreSheet)).one().status == SheetStatus.DRAFT
    text = scorer.taps("确认提交")
    assert "已于 2026-12-01 11:00 提交 郭宇雅 的评分表（总分 83.5）" in text
    sheet = session.exec(select(ScoreSheet)).one()
    assert sheet.status == SheetStatus.SUBMITTED and sheet.submitted_at == scorer.now
    [audit] = entries(session, "score.submit")
    assert audit.after["total"] == "83.5" and audit.actor.startswith("member:")
    assert "郭宇雅（干事）：自评未提交 · 已提交（83.5 分）" in text
    text = scorer.taps("郭宇雅")
    assert "已于 2026-12-01 11:00 提交，现在只能查看" in text
    assert set(scorer.buttons()) == {"📋 名单"}


def test_a_sheet_cannot_be_submitted_before_every_item_and_the_comment(scorer, session):
    score_through(scorer, "郭宇雅", POINTS[:4], "")
    text = scorer.presses(f"c:{cycle_id(session)}:yes:{examinee_id(session, OFFICER)}")
    assert "不能提交" in text and "评分（5/10）" in text
    assert session.exec(select(ScoreSheet)).one().status == SheetStatus.DRAFT


def test_leaving_midway_loses_nothing_and_score_resumes_where_the_scorer_left_off(scorer, session):
    score_through(scorer, "郭宇雅", POINTS[:3], "")
    assert "已停止" in scorer.says("/cancel")
    scorer.now += timedelta(days=2)
    text = scorer.says("/score")
    assert "继续上次的评分：<b>郭宇雅</b>" in text and "评分（4/10）：学业成绩 · 知识技能" in text
    assert "目前合计：<b>45.5</b>" in text
    assert "评分（5/10）" in scorer.says("6")


def test_a_restart_loses_nothing_every_score_was_committed_before_the_reply(scorer, session, engine):
    score_through(scorer, "郭宇雅", POINTS[:5], "")
    session.close()  # as after kill -9: only what was committed survives
    with Session(engine, expire_on_commit=False) as fresh:
        again = Person(fresh, 701)
        again.now = scorer.now
        text = again.says("/score")
        assert "评分（6/10）：学业成绩 · 学习纪律" in text and "目前合计：<b>56.5</b>" in text
        assert len(fresh.exec(select(ItemScore)).all()) == 5


def test_the_self_assessment_can_be_shown_again_while_scoring(scorer, session):
    submit_self_assessment(session, OFFICER, answers={"study": "本学期绩点3.6，专业排名前15%。"})
    scorer.says("/score")
    scorer.taps("郭宇雅")
    scorer.says("18")
    assert "本学期绩点3.6" in scorer.taps("自评")
    assert "评分（3/10）" in scorer.says("15")  # the question still stands


def test_a_scorer_sees_the_band_of_their_own_total_never_a_final_grade(scorer, session):
    text = score_through(scorer, "郭宇雅", ["20", "15", "15", "8", "6", "6", "8", "7", "8", "7"], COMMENT)
    assert "分数段：S（优秀，90 分及以上）" in text
    scorer.taps("提交")
    scorer.taps("确认提交")
    for shown in (text, scorer.says("/score"), scorer.taps("郭宇雅")):
        assert "最终等级" not in shown and "考核结果" not in shown and "部门业绩" not in shown
    assert "最终考核等级由考核小组复核平衡后确定" in scorer.last[-1].text


def test_an_examinee_cannot_score_anyone(scorer, session):
    bind(session, OFFICER, 702)
    officer = Person(session, 702)
    officer.now = AFTER_SELF_DUE
    assert "没有需要你评分的人" in officer.says("/score")
    text = officer.presses(f"c:{cycle_id(session)}:o:{examinee_id(session, HEAD)}")
    assert "不属于你" in text and "龙浩" not in text


def test_score_is_refused_in_a_group_and_from_someone_not_registered(scorer, session):
    context = FlowContext(session=session, now=AFTER_SELF_DUE)
    group = Incoming(701, -100, ChatKind.GROUP, Content.TEXT, "/score", language_code="zh-hans")
    assert "私聊" in handle(context, group)[0].text
    assert "绑定" in Person(session, 799).says("/score")


def test_scorers_have_score_in_their_menu_and_department_members_do_not(scorer, session):
    def menu(student_no: str) -> list[str]:
        member = session.exec(select(Member).where(Member.student_no == student_no)).one()
        return [command.command for command in member_menu(member, "zh-CN")]

    assert "score" in menu(VICE_PRESIDENT) and "score" in menu("2023000042")
    assert "score" not in menu(OFFICER) and "self" in menu(OFFICER)


def test_english_speaking_scorers_get_every_screen_in_english(session, sample_roster):
    import_sample(session, sample_roster)
    bind(session, VICE_PRESIDENT, 703, language="en")
    open_sample_cycle(session)
    person = Person(session, 703, language="en")
    person.now = AFTER_SELF_DUE
    text = score_through(person, "郭宇雅", POINTS, COMMENT)
    assert "Total: 83.5 / 100" in text and "band: A (Good, 80 or more)" in text
    assert "S 0 of at most 2 · A 1 · B 0 · C 0 · D 0" in text
    assert not re.search(r"[分人]", text.replace("郭宇雅", "").replace(COMMENT, "").replace("办公室", ""))
    assert "Submit the score sheet of 郭宇雅 (total 83.5)?" in person.taps("Submit")


def test_totals_add_decimals_exactly(scorer):
    text = score_through(scorer, "郭宇雅", ["0.1", "0.2", "0", "0", "0", "0", "0", "0", "0", "0"], COMMENT)
    assert f"<b>总分：{Decimal('0.3')} / 100</b>" in text
