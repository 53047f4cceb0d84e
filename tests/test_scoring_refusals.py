"""Only an examinee's scorer may score them, and only until the deadline: forged or replayed buttons are
answered with a toast, logged and audited, and change nothing; a sheet the committee returns is a draft
again."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

import pytest
from cycle_helpers import (
    AFTER_SELF_DUE,
    NOW,
    SCORING_CLOSED,
    SHANGHAI,
    Person,
    changeable_rows,
    cycle_id,
    examinee_id,
    open_sample_cycle,
    score_through,
    scorer_in_sample_cycle,
)
from sqlmodel import Session, select

from flows.router import handle
from flows.ui.chat import Content, Incoming, Toast
from flows.ui.context import FlowContext
from storage import live_messages, scoring
from storage.audit import entries
from storage.models import ItemScore, ScoreSheet, SheetStatus

VICE_PRESIDENT = "2023000111"  # 马凯秀, in charge of 办公室, 体育部, 生活部
OTHER_VICE_PRESIDENT = "2023000116"  # 孙玉英, in charge of 学习部, 宣传部, 权益部
OFFICER = "2023000256"  # 郭宇雅, 办公室, scored by 马凯秀
STUDY_HEAD = "2023000404"  # 赵芬, 学习部, scored by 孙玉英
POINTS = ["18.5", "15", "12", "6", "5", "5", "6", "5", "6", "5"]
COMMENT = "工作认真负责，档案整理及时，希望今后更加主动。"
NOT_YOURS = "不属于你"  # the scoring refusal: "no longer valid or not yours; nothing was changed"
STALE = "这个按钮已失效"  # the router's refusal of a button that is not one of ours, or of another cycle


@pytest.fixture
def scorer(session, sample_roster) -> Person:
    return scorer_in_sample_cycle(session, sample_roster, {VICE_PRESIDENT: 901, OTHER_VICE_PRESIDENT: 902})


def points_given(session: Session) -> list[str]:
    return sorted(str(row.points) for row in session.exec(select(ItemScore)))


def results_points(session: Session) -> str:
    return str(session.exec(select(ItemScore.points).where(ItemScore.item == "results")).one())


def assert_refused_and_logged(
    person: Person, session: Session, caplog: pytest.LogCaptureFixture, data: str, says: str = NOT_YOURS
) -> None:
    """The press was answered with a toast only, saying ``says``; logged and audited as button.refused."""
    assert person.last == [] and person.toast is not None and says in person.toast
    [refusal] = entries(session, "button.refused")
    assert refusal.after["data"] == data and refusal.reason
    [record] = [r for r in caplog.records if r.name == "kaohe.flows"]
    assert record.levelno == logging.WARNING and data in record.getMessage()
    assert refusal.actor in record.getMessage()


def test_a_forged_button_for_another_scorers_examinee_is_refused_logged_and_changes_nothing(
    scorer, session, caplog
):
    data = f"c:{cycle_id(session)}:p:{examinee_id(session, STUDY_HEAD)}:results:20"
    scorer.presses(data)
    assert_refused_and_logged(scorer, session, caplog, data)
    assert points_given(session) == [] and session.exec(select(ScoreSheet)).all() == []
    assert "is not this scorer's" in entries(session, "button.refused")[0].reason


def test_opening_another_scorers_examinee_shows_nothing_of_them(scorer, session, caplog):
    data = f"c:{cycle_id(session)}:o:{examinee_id(session, STUDY_HEAD)}"
    assert "赵芬" not in scorer.presses(data)
    assert_refused_and_logged(scorer, session, caplog, data)


def test_a_button_pressed_by_someone_else_than_the_scorer_is_refused(scorer, session, caplog):
    score_through(scorer, "郭宇雅", POINTS[:1], "")
    data = f"c:{cycle_id(session)}:p:{examinee_id(session, OFFICER)}:attitude:15"
    other = Person(session, 902)
    other.now = AFTER_SELF_DUE
    other.presses(data)
    assert_refused_and_logged(other, session, caplog, data)
    assert points_given(session) == ["18.5"]


@pytest.mark.parametrize("cycle", ["999", "other"])
def test_a_button_of_another_cycle_is_refused_and_logged(scorer, session, caplog, cycle):
    data = f"c:{cycle}:p:{examinee_id(session, OFFICER)}:results:20"
    if cycle == "other":  # a newer cycle opens: the old cycle's buttons are stale
        data = data.replace("other", str(cycle_id(session)))
        open_sample_cycle(session, name="2027春季考核")
    scorer.presses(data)
    assert_refused_and_logged(scorer, session, caplog, data, says=STALE)
    assert points_given(session) == []


@pytest.mark.parametrize(
    "data",
    [
        "c:{cycle}",  # no action
        "c:{cycle}:zz:{officer}",  # no such action
        "c:{cycle}:o:abc",
        "c:{cycle}:o:²",  # a digit to str.isdigit, not to the codec
        "c:{cycle}:o:３",  # a full-width digit
        "c:{cycle}:o:-1",
        "c:{cycle}:o:" + "9" * 25,  # beyond any database id
        "c:" + "9" * 25 + ":o:{officer}",
        "c:{cycle}:p:{officer}:results:20:9",  # one field more than any press carries
    ],
)
def test_data_that_is_no_scoring_button_is_refused_and_logged(scorer, session, caplog, data):
    data = data.format(cycle=cycle_id(session), officer=examinee_id(session, OFFICER))
    scorer.presses(data)
    assert_refused_and_logged(scorer, session, caplog, data, says=STALE)


@pytest.mark.parametrize(
    "data",
    [
        "c:{cycle}:o",  # opening nobody
        "c:{cycle}:p:{officer}:results",  # a tapped score without its value
        "c:{cycle}:ls:{officer}",  # the list takes no examinee
        "c:{cycle}:sa:{officer}:results",  # showing the self-assessment takes no item
    ],
)
def test_a_scoring_button_with_the_wrong_arguments_for_its_action_is_refused(scorer, session, caplog, data):
    data = data.format(cycle=cycle_id(session), officer=examinee_id(session, OFFICER))
    scorer.presses(data)
    assert_refused_and_logged(scorer, session, caplog, data)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ("c:{cycle}:o:" + "9" * 25, STALE),
        ("c:{cycle}:p:{officer}:results:" + "9" * 25, "不是有效分数"),
        ("c:{cycle}:p:{officer}:results:²", STALE),
        ("c:{cycle}:p:{officer}:results:３", STALE),
        ("c:{cycle}:p:{officer}:results:-1", "不是有效分数"),
        ("c:{cycle}:p:{officer}:results:1e1", "不是有效分数"),
        ("c:{cycle}:p:{officer}:results:NaN", "不是有效分数"),
        ("c:{cycle}:p:{officer}:attitude", NOT_YOURS),
        ("c:{cycle}:e:{officer}:nosuchitem", "已失效"),
        ("c:{cycle}:p:{officer}:results:20:1", STALE),
        ("c:999:p:{officer}:results:20", STALE),
        ("c:{cycle}:p:{study_head}:results:20", NOT_YOURS),
        ("c:{cycle}:yes:{study_head}", NOT_YOURS),
        ("c:{cycle}:yes:{officer}", None),  # an incomplete sheet is not submitted: the next item is asked
    ],
)
def test_forged_scoring_presses_are_answered_and_change_nothing(scorer, session, caplog, data, says):
    score_through(scorer, "郭宇雅", POINTS[:1], "")
    data = data.format(
        cycle=cycle_id(session),
        officer=examinee_id(session, OFFICER),
        study_head=examinee_id(session, STUDY_HEAD),
    )
    before = changeable_rows(session)
    text = scorer.presses(data)
    assert changeable_rows(session) == before
    if says is None:
        assert "不能提交" in text and scorer.toast is None
    else:
        assert_refused_and_logged(scorer, session, caplog, data, says=says)


def test_a_stranger_pressing_a_scoring_button_is_refused_and_logged(scorer, session, caplog):
    data = f"c:{cycle_id(session)}:o:{examinee_id(session, OFFICER)}"
    stranger = Person(session, 999)
    stranger.presses(data)
    assert_refused_and_logged(stranger, session, caplog, data, says="只有已登记的成员")
    assert entries(session, "button.refused")[0].actor == "telegram:999"


def test_a_submitted_sheets_buttons_are_refused_logged_and_change_nothing(scorer, session, caplog):
    score_through(scorer, "郭宇雅", POINTS, COMMENT)
    scorer.taps("提交")
    confirm = scorer.buttons()["✅ 确认提交"]
    scorer.presses(confirm)
    sheet_id = examinee_id(session, OFFICER)
    for data in (f"c:{cycle_id(session)}:p:{sheet_id}:results:5", confirm):
        caplog.clear()
        scorer.presses(data)
        assert scorer.last == [] and "已经提交" in (scorer.toast or "")
        assert [r for r in caplog.records if r.name == "kaohe.flows"]
    assert len(entries(session, "button.refused")) == 2
    assert len(entries(session, "score.submit")) == 1
    assert results_points(session) == "18.5"


def test_typing_after_submission_changes_nothing(scorer, session):
    score_through(scorer, "郭宇雅", POINTS, COMMENT)
    edit = scorer.buttons()["✏️ 工作业绩"]
    scorer.taps("提交")
    scorer.taps("确认提交")
    assert "已经提交" in scorer.presses(edit)
    before = changeable_rows(session)
    text = scorer.says("20")  # the sheet is no longer waiting: the list is, and looks for what was typed
    assert "含“20”的共" in text and "已保存" not in text
    assert changeable_rows(session) == before
    assert results_points(session) == "18.5"


def test_after_the_scoring_deadline_nothing_can_be_changed(scorer, session):
    score_through(scorer, "郭宇雅", POINTS[:9], "")
    edit_comment = f"c:{cycle_id(session)}:cm:{examinee_id(session, OFFICER)}"
    scorer.now = SCORING_CLOSED
    assert "评分已于 2026-12-08 10:00 截止" in scorer.says("5")
    assert "截止" in scorer.presses(f"c:{cycle_id(session)}:p:{examinee_id(session, OFFICER)}:etiquette:5")
    assert "截止" in scorer.presses(edit_comment)
    assert "截止" in scorer.presses(f"c:{cycle_id(session)}:yes:{examinee_id(session, OFFICER)}")
    assert len(points_given(session)) == 9
    assert session.exec(select(ScoreSheet)).one().status == SheetStatus.DRAFT
    text = scorer.says("/score")
    assert "继续上次的评分" not in text
    text = scorer.taps("郭宇雅")
    assert "评分已于 2026-12-08 10:00 截止" in text and set(scorer.buttons()) == {"📋 名单"}
    assert "（尚有未评项目）" in text and "分数段：" not in text  # no band for an unfinished sheet


def test_a_sheet_the_committee_returns_is_a_draft_again_for_its_scorer(scorer, session):
    score_through(scorer, "郭宇雅", POINTS, COMMENT)
    scorer.taps("提交")
    scorer.taps("确认提交")
    sheet = session.exec(select(ScoreSheet)).one()
    reason = "工作业绩评分偏高，请核实。"
    scoring.return_sheet(session, sheet, actor="member:1", reason=reason, now=SCORING_CLOSED)
    session.commit()
    assert [e.reason for e in entries(session, "score.return")] == [reason]
    scorer.now = SCORING_CLOSED + timedelta(hours=1)  # returned sheets stay open until the review deadline
    assert "郭宇雅（干事）：自评未提交 · 已退回，待修改" in scorer.says("/score")
    text = scorer.taps("郭宇雅")
    assert "考核小组于 2026-12-08 10:01 退回了这份评分表：工作业绩评分偏高，请核实。" in text
    scorer.taps("工作业绩")
    assert "<b>总分：81 / 100</b>" in scorer.says("16")
    scorer.taps("提交")
    scorer.taps("确认提交")
    sheet = session.exec(select(ScoreSheet)).one()
    assert sheet.status == SheetStatus.SUBMITTED and sheet.submitted_at == scorer.now


def test_only_a_submitted_sheet_can_be_returned(scorer, session):
    score_through(scorer, "郭宇雅", POINTS[:1], "")
    with pytest.raises(ValueError, match="not submitted"):
        scoring.return_sheet(session, session.exec(select(ScoreSheet)).one(), actor="x", reason="y", now=NOW)


def test_a_press_on_a_sheet_screen_a_newer_one_replaced_is_refused_and_points_to_the_latest(scorer, session):
    scorer.says("/score")
    scorer.taps("郭宇雅")
    tap = scorer.buttons()["15"]
    live_messages.record(session, scorer.id, "score", 41, scorer.now)  # the adapter showed it as message 41
    session.commit()
    context = FlowContext(session=session, now=scorer.now, tz=SHANGHAI)
    on_old_screen = Incoming(scorer.id, scorer.id, content=Content.BUTTON, text=tap, message_id=40)
    before = changeable_rows(session)
    [toast] = handle(context, on_old_screen)
    assert isinstance(toast, Toast) and "下方最新的消息" in toast.text
    assert changeable_rows(session) == before
    [shown] = handle(context, replace(on_old_screen, message_id=41))
    assert "评分（2/10）" in shown.text and shown.live == "score" and shown.edit
