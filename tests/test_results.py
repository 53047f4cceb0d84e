"""Results (考核结果, 保密制度): released only after the sign-off, each examinee gets their own result in
their private chat and nothing of anyone else's; /result shows it again with the examinee's signature and the
way to appeal; a group, another examinee and the scorer learn nothing of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cycle_helpers import GOOD, NOW, PASS, TOP, Person, open_small_cycle, score_everyone
from sqlmodel import Session, select

from flows.appeals.presses import AppealAction, AppealPress
from flows.notices.notice import Kind
from flows.review.release import ReceiptPress
from flows.router import handle
from flows.ui.chat import ChatKind, Incoming
from flows.ui.context import FlowContext
from storage.audit import entries
from storage.models import CycleExaminee, Notification, Signature, SignatureRole, TelegramBinding

SCORED_AT = NOW + timedelta(days=8)
NAMES = {"1001": "李华", "1002": "王芳", "1003": "张伟", "1004": "刘洋", "1005": "陈静"}


def release_all(people: dict[str, Person]) -> None:
    """Rate every department, change 刘洋's grade with a reason, confirm, and sign off."""
    teacher, president = people["T01"], people["1001"]
    teacher.says("/review")
    for group, rating in (("主席团", "优秀"), ("办公室", "优秀"), ("学习部", "良好")):
        teacher.taps(group)
        teacher.taps(rating)
        teacher.taps("返回")
    teacher.taps("办公室")
    teacher.taps("刘洋")
    teacher.taps("改等级")
    teacher.taps("B 及格")
    teacher.says("本学期多次缺席例会，调为及格")
    teacher.says("/review")
    teacher.taps("确认复核平衡")
    teacher.taps("✅ 确认")
    president.says("/review")
    president.taps("学联主席复核签字")
    president.taps("无意见")
    teacher.says("/review")
    teacher.taps("团委老师签字")
    teacher.taps("确认签字并发布")


@pytest.fixture
def people(session):
    people = open_small_cycle(session)
    score_everyone(
        session, {"1001": TOP, "1002": GOOD, "1003": TOP, "1004": GOOD, "1005": PASS}, SCORED_AT, "T01"
    )
    return people


@pytest.fixture
def released(people):
    release_all(people)
    return people


def examinee_id(session: Session, student_no: str) -> int:
    row = session.exec(select(CycleExaminee).where(CycleExaminee.student_no == student_no)).one()
    assert row.id is not None
    return row.id


def delivered(session: Session, chat_id: int) -> str:
    rows = session.exec(
        select(Notification).where(Notification.chat_id == chat_id, Notification.kind == Kind.RESULT)
    )
    return "\n".join(row.text for row in rows)


def test_before_the_sign_off_result_says_when_results_are_expected(people):
    text = people["1004"].says("/result")
    assert "尚未发布" in text and "2026-12-15 10:00" in text and "总分" not in text


def test_each_examinee_receives_exactly_their_own_result_in_their_private_chat(session, released):
    bindings = {b.member_id: b.chat_id for b in session.exec(select(TelegramBinding))}
    results = session.exec(select(Notification).where(Notification.kind == Kind.RESULT)).all()
    assert len(results) == 5 and {n.chat_id for n in results} <= set(bindings.values())
    for student_no, name in NAMES.items():
        text = delivered(session, released[student_no].id)
        assert f"{name} · 校学生会" in text and "你的考核结果" in text
        assert not [other for other in NAMES.values() if other != name and other in text]
    officer = delivered(session, 804)
    assert "<b>工作绩效：45 / 50</b>\n　工作业绩：18 / 20" in officer
    assert "<b>总分：88 / 100</b>\n<b>考核等级：B（及格）</b>\n实际表现全面达到了指标要求" in officer
    assert "刘洋工作认真负责" in officer  # the scorer's comment
    assert delivered(session, 806) == ""  # the teacher is not assessed


def test_the_scorer_keeps_seeing_only_the_scores_they_gave(session, released):
    scorer = released["1002"]  # 王芳 scored 刘洋 88 (band A); the committee made it B
    scorer.says("/score")
    text = "\n".join(r.text for r in scorer.last) + scorer.taps("刘洋")
    assert "B（及格）" not in text and "调为及格" not in text and "分数段：A" in text
    assert "刘洋" not in delivered(session, 802)


def test_result_shows_the_own_result_with_sign_and_appeal_buttons(session, released):
    officer = released["1004"]
    text = officer.says("/result")
    assert "刘洋 · 校学生会 · 办公室 · 干事" in text and "<b>考核等级：B（及格）</b>" in text
    assert "签字只表示收到，不代表同意" in text and "可在 2026-12-12 10:00 前点“申诉”" in text
    assert set(officer.buttons()) == {"✍️ 签字（确认收到）", "📝 申诉"}
    text = officer.taps("签字")
    assert "签字确认收到结果" in text and "不代表同意" in text
    [signature] = session.exec(select(Signature).where(Signature.role == SignatureRole.EXAMINEE)).all()
    assert signature.version == 1 and signature.signed_at == officer.now
    text = officer.says("/result")
    assert "你已于 2026-12-09 10:00 签字确认收到" in text and set(officer.buttons()) == {"📝 申诉"}


def test_the_released_result_arrives_with_the_sign_and_appeal_buttons_of_result(session, released):
    examinees = {e.member_id: e.id for e in session.exec(select(CycleExaminee))}
    appeal = AppealPress(1, AppealAction.NEW).pack()
    for row in session.exec(select(Notification).where(Notification.kind == Kind.RESULT)):
        sign = ReceiptPress(1, examinees[row.member_id], 1).pack()
        assert row.keyboard == [[("✍️ 签字（确认收到）", sign), ("📝 申诉", appeal)]]
    officer = released["1004"]
    [notice] = [
        row for row in session.exec(select(Notification)) if row.kind == Kind.RESULT and row.chat_id == 804
    ]
    [[(_, sign), _]] = notice.keyboard
    assert "签字确认收到结果" in officer.presses(sign)  # the notice's own button signs


def test_the_appeal_button_starts_the_examinees_appeal_until_the_window_closes(released):
    officer = released["1004"]
    officer.says("/result")
    assert "你对哪一项有异议" in officer.taps("申诉")
    officer.says("/result")
    officer.now += timedelta(days=4)
    assert "申诉期已于 2026-12-12 10:00 截止" in officer.taps("申诉")


def test_in_a_group_result_only_points_to_the_private_chat(session, released):
    group = Incoming(804, -100500, ChatKind.GROUP, text="/result@kaohe_test_bot")
    [reply] = handle(FlowContext(session=session, now=released["1004"].now), group)
    assert reply.chat_id is None and "私聊" in reply.text
    assert "刘洋" not in reply.text and "及格" not in reply.text and not reply.buttons


def test_nobody_signs_for_someone_else_or_for_another_cycle(session, released):
    other = released["1003"]
    own, someone_else = examinee_id(session, "1003"), examinee_id(session, "1004")
    assert "按钮已失效" in other.refused(ReceiptPress(2, own, 1).pack())
    assert "按钮已失效" in other.refused(ReceiptPress(1, someone_else, 1).pack())
    assert "结果已更新" in other.refused(ReceiptPress(1, own, 7).pack())
    assert "只有已登记的成员" in Person(session, 999).refused(ReceiptPress(1, own, 1).pack())
    assert session.exec(select(Signature).where(Signature.role == SignatureRole.EXAMINEE)).all() == []
    assert len(entries(session, "button.refused")) == 4
    other.presses(ReceiptPress(1, own, 1).pack())
    [signature] = session.exec(select(Signature).where(Signature.role == SignatureRole.EXAMINEE)).all()
    assert (
        signature.member_id
        == session.exec(
            select(TelegramBinding.member_id).where(TelegramBinding.telegram_user_id == 803)
        ).one()
    )


def test_teachers_and_strangers_have_no_result(released, session):
    assert "不在本次考核的被考核者名单中" in released["T01"].says("/result")
    assert "绑定" in Person(session, 999).says("/result")


def test_acknowledgement_progress_is_counted(session, released):
    from flows.review.signoff import signoff_state
    from storage.models import Cycle

    released["1003"].says("/result")
    released["1003"].taps("签字")
    released["1005"].says("/result")
    released["1005"].taps("签字")
    state = signoff_state(session, session.exec(select(Cycle)).one())
    assert (state.acknowledged, state.examinees, state.stage) == (2, 5, "released")


def test_english_speaking_examinees_get_their_result_in_english(session, people):
    binding = session.exec(select(TelegramBinding).where(TelegramBinding.telegram_user_id == 805)).one()
    binding.language_code = "en"
    session.add(binding)
    session.commit()
    release_all(people)
    text = delivered(session, 805)
    assert "Your assessment result" in text and "Grade: B (Pass)" in text
