"""The /self conversation (自我评定, 附表一): resumable, validated, reviewable, and closed at its deadline."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from cycle_helpers import NOW, Person, bind, changeable_rows, cycle_id, import_sample, open_sample_cycle
from sqlmodel import select

from flows.rules.scheme import DEFAULT_SCHEME, default_scheme
from flows.ui.chat import Content
from storage.audit import entries
from storage.models import Conversation, SelfAnswer, SelfAssessment, SelfScore, SelfStatus

OFFICER = "2023000256"  # 郭宇雅, 校学生会 办公室 干事, scored by 马凯秀
ANSWERS = {
    "ideology": "认真学习党的二十大精神，积极参加团日活动，思想上积极要求进步。",
    "study": "本学期绩点3.6，专业排名前15%，获得校级二等奖学金，没有缺课记录。",
    "work": "负责办公室档案整理和例会记录，共整理档案120份；协助组织迎新晚会，负责签到与物资，"
    "按时完成所有交办任务，值班零缺勤。",
    "progress": "文字表达和沟通协调能力明显提高，学会了用表格管理物资。",
    "improve": "主动性还不够，遇到问题有时等待安排；今后要多提建议、多承担。",
}


@pytest.fixture
def examinee(session, sample_roster):
    import_sample(session, sample_roster)
    bind(session, OFFICER, 501)
    open_sample_cycle(session)
    return Person(session, 501)


def answer_everything(person: Person) -> str:
    person.says("/self")
    text = person.taps("信息无误")
    for answer in ANSWERS.values():
        text = person.says(answer)
    return text


def stored_answers(session) -> dict[str, str]:
    return {row.section: row.text for row in session.exec(select(SelfAnswer))}


def test_self_starts_with_the_header_from_the_frozen_roster(examinee):
    text = examinee.says("/self")
    for field in ("郭宇雅", "办公室", "干事", "2025-09", "外国语学院", "2026-12-01 10:00"):
        assert field in text
    assert set(examinee.buttons()) >= {"✅ 信息无误", "✏️ 修改任职时间", "✏️ 修改院部"}


def test_the_examinee_can_correct_term_and_college_in_the_header(examinee, session):
    examinee.says("/self")
    examinee.taps("修改任职时间")
    assert "不是有效的任职时间" in examinee.says("去年九月")
    assert "2025-10" in examinee.says("2025年10月")
    examinee.taps("修改院部")
    assert "数学学院" in examinee.says("数学学院")
    assessment = session.exec(select(SelfAssessment)).one()
    assert (assessment.term_start, assessment.college) == ("2025-10", "数学学院")


def test_sections_are_asked_one_at_a_time_with_their_length_limits(examinee):
    examinee.says("/self")
    text = examinee.taps("信息无误")
    assert "（1/5）思想政治" in text and "20–1500" in text
    text = examinee.says(ANSWERS["ideology"])
    assert "已保存" in text and "（2/5）学习" in text


def test_a_too_short_or_too_long_answer_is_refused_and_the_section_is_asked_again(examinee, session):
    examinee.says("/self")
    examinee.taps("信息无误")
    text = examinee.says("还行")
    assert "至少需要 20 字" in text and "（1/5）思想政治" in text
    assert text.index("至少需要 20 字") < text.index("（1/5）思想政治")
    text = examinee.says("很" * 1501)
    assert "最多 1500 字" in text and "（1/5）思想政治" in text
    assert stored_answers(session) == {}
    assert "（2/5）" in examinee.says(ANSWERS["ideology"])


@pytest.mark.parametrize("content", [Content.STICKER, Content.PHOTO, Content.VOICE])
def test_a_non_text_reply_gets_a_prompt_and_the_question_again(examinee, session, content):
    examinee.says("/self")
    examinee.taps("信息无误")
    text = examinee.sends(content)
    assert "需要文字回答" in text and "思想政治" in text
    assert stored_answers(session) == {}


def test_leaving_midway_loses_nothing_and_self_resumes_at_the_first_unanswered_part(examinee, session):
    examinee.says("/self")
    examinee.taps("信息无误")
    examinee.says(ANSWERS["ideology"])
    examinee.says(ANSWERS["study"])
    assert "已停止" in examinee.says("/cancel")
    assert session.exec(select(Conversation)).all() == []
    examinee.now += timedelta(days=3)
    text = examinee.says("/self")
    assert "（3/5）" in text and "工作能力" in text
    assert set(stored_answers(session)) == {"ideology", "study"}


def test_the_review_screen_shows_the_whole_form_and_any_section_can_be_edited(examinee, session):
    text = answer_everything(examinee)
    assert "自我评定表" in text and all(answer in text for answer in ANSWERS.values())
    text = examinee.taps("学习")
    assert "学习" in text and ANSWERS["study"] in text  # the current answer is shown for editing
    new_study = "本学期绩点3.8，专业排名前10%，获得国家励志奖学金，全勤。"
    text = examinee.says(new_study)
    assert "已保存" in text and new_study in text and "提交" in str(examinee.buttons())
    assert stored_answers(session)["study"] == new_study


def test_submitting_asks_for_confirmation_then_locks_the_form(examinee, session):
    answer_everything(examinee)
    assert "确认提交" in examinee.taps("提交")
    assert session.exec(select(SelfAssessment)).one().status == SelfStatus.DRAFT
    text = examinee.taps("确认提交")
    assert "已于" in text and "马凯秀" in text
    assessment = session.exec(select(SelfAssessment)).one()
    assert assessment.status == SelfStatus.SUBMITTED and assessment.submitted_at == examinee.now
    assert [e.action for e in entries(session, "self.submit")] == ["self.submit"]
    text = examinee.says("/self")
    assert "只能查看" in text and ANSWERS["work"] in text
    assert "已经提交" in examinee.presses(f"s:{cycle_id(session)}:ed:study")
    assert stored_answers(session)["study"] == ANSWERS["study"]


def test_a_submitted_form_can_be_withdrawn_before_the_deadline_and_edited(examinee, session):
    answer_everything(examinee)
    examinee.taps("提交")
    examinee.taps("确认提交")
    examinee.says("/self")
    text = examinee.taps("撤回")
    assert "草稿" in text
    assert session.exec(select(SelfAssessment)).one().status == SelfStatus.DRAFT
    assert [e.action for e in entries(session, "self.withdraw")] == ["self.withdraw"]


def test_a_submitted_form_cannot_be_withdrawn_once_the_scorer_has_started(examinee, session):
    answer_everything(examinee)
    examinee.taps("提交")
    examinee.taps("确认提交")
    bind(session, "2023000111", 502)  # 马凯秀, who scores 郭宇雅
    scorer = Person(session, 502)
    scorer.says("/score")
    scorer.taps("郭宇雅")
    scorer.says("18")
    examinee.says("/self")
    assert "不能撤回" in examinee.taps("撤回")
    assert session.exec(select(SelfAssessment)).one().status == SelfStatus.SUBMITTED
    assert entries(session, "self.withdraw") == []


def test_after_the_deadline_nothing_can_be_submitted(examinee, session):
    answer_everything(examinee)
    examinee.now = NOW + timedelta(days=7, minutes=1)
    assert "已于 2026-12-01 10:00 截止" in examinee.taps("提交")
    assert "截止" in examinee.says("/self")
    assert session.exec(select(SelfAssessment)).one().status == SelfStatus.DRAFT


def test_after_the_deadline_a_pending_answer_is_not_saved(examinee, session):
    examinee.says("/self")
    examinee.taps("信息无误")
    examinee.now = NOW + timedelta(days=8)
    assert "截止" in examinee.says(ANSWERS["ideology"])
    assert stored_answers(session) == {}


def test_a_forged_button_for_another_cycle_changes_nothing(examinee, session):
    answer_everything(examinee)
    text = examinee.presses("s:999:yes")
    assert "失效" in text and examinee.last == []  # a toast only
    assert session.exec(select(SelfAssessment)).one().status == SelfStatus.DRAFT
    assert entries(session, "button.refused")[0].after["data"] == "s:999:yes"


def test_a_stale_score_button_is_refused(examinee, session):
    examinee.says("/self")
    cycle = cycle_id(session)
    assert "失效" in examinee.presses(f"s:{cycle}:sc:results:20")
    assert examinee.toast and examinee.last == []


@pytest.mark.parametrize(
    "data",
    [
        "s:" + "9" * 25 + ":yes",  # beyond any database id
        "s:²:yes",  # a digit to str.isdigit, not to the codec
        "s:３:yes",  # a full-width digit
        "s:-1:yes",
        "s:{cycle}",  # no action
        "s:{cycle}:zz",  # no such action
        "s:{cycle}:yes:now",  # submitting takes no argument
        "s:{cycle}:ed",  # editing names a section
        "s:{cycle}:ed:" + "9" * 25,  # a section no scheme has
        "s:{cycle}:ed:study:more",
        "s:{cycle}:sc:results",  # a tapped self-score without its value
        "s:{cycle}:sc:results:20",  # a self-score the scheme does not ask for
        "s:{cycle}:sc:results:20:1:2",
        "s:{cycle}:sc_edit",
        "s:{cycle}:wd",  # withdrawing a form that is not submitted
        "s:999:hdr",  # a cycle that does not exist
    ],
)
def test_forged_self_assessment_presses_are_answered_with_a_toast_and_change_nothing(examinee, session, data):
    examinee.says("/self")
    examinee.taps("信息无误")
    examinee.says(ANSWERS["ideology"])
    before = changeable_rows(session)
    examinee.presses(data.format(cycle=cycle_id(session)))
    assert examinee.last == [] and examinee.toast is not None
    assert changeable_rows(session) == before
    assert len(entries(session, "button.refused")) == 1


def test_someone_not_in_the_cycle_is_told_there_is_nothing_to_fill(session, sample_roster):
    import_sample(session, sample_roster)
    bind(session, "T001", 601)  # a teacher: on the committee, never assessed
    open_sample_cycle(session)
    assert "没有需要你填写" in Person(session, 601).says("/self")
    assert "绑定" in Person(session, 602).says("/self")


def test_a_button_of_the_cycle_before_is_refused_once_a_new_cycle_opens(examinee, session):
    examinee.says("/self")
    confirm = examinee.buttons()["✅ 信息无误"]
    open_sample_cycle(session, name="2027春季考核")
    before = changeable_rows(session)
    assert "失效" in examinee.presses(confirm)
    assert examinee.last == [] and changeable_rows(session) == before


@pytest.fixture
def self_scoring_examinee(session, sample_roster, tmp_path):
    scheme = tmp_path / "self-scoring.toml"
    text = DEFAULT_SCHEME.read_text(encoding="utf-8")
    assert "self_score = false" in text
    scheme.write_text(text.replace("self_score = false", "self_score = true"), encoding="utf-8")
    import_sample(session, sample_roster)
    bind(session, OFFICER, 501)
    open_sample_cycle(session, scheme=scheme)
    return Person(session, 501)


def test_when_the_scheme_asks_examinees_score_themselves_item_by_item(self_scoring_examinee, session):
    person = self_scoring_examinee
    text = answer_everything(person)
    items = len(default_scheme().rubric.items)
    assert f"自评分（1/{items}）" in text and "工作业绩" in text and "满分 20" in text
    assert "不是有效分数" in person.says("21")
    assert "不是有效分数" in person.says("很好")
    assert "不是有效分数" in person.says("15.25")
    text = person.says("18.5")
    assert f"自评分（2/{items}）" in text
    person.taps("15")  # a suggested value for 工作态度
    for _ in range(items - 2):
        text = person.says("5")
    assert f"合计 {Decimal('33.5') + 5 * (items - 2)} / 100" in text
    assert {str(v) for v in session.exec(select(SelfScore.points))} >= {"18.5", "15.0", "5.0"}
    assert "确认提交" in person.taps("提交")


def test_a_forged_self_score_beyond_the_maximum_is_refused_with_a_toast(self_scoring_examinee, session):
    person = self_scoring_examinee
    answer_everything(person)
    before = changeable_rows(session)
    text = person.presses(f"s:{cycle_id(session)}:sc:results:99")
    assert "不是有效分数" in text and person.last == []
    assert changeable_rows(session) == before
    assert "自评分（2/" in person.says("18")  # the question still stands


def test_an_answer_holding_html_is_shown_again_for_editing_exactly_as_typed(examinee, session):
    answer_everything(examinee)
    examinee.taps("学习")
    typed = "我在R&D小组<组长>负责学习&amp;宣传，本学期绩点3.6，专业排名前15%。"
    examinee.says(typed)
    examinee.taps("学习")
    escaped = "我在R&amp;D小组&lt;组长&gt;负责学习&amp;amp;宣传，本学期绩点3.6，专业排名前15%。"
    assert examinee.last[-1].text == escaped  # Telegram shows it as typed
    assert stored_answers(session)["study"] == typed
