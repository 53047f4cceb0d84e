"""Appeals (申诉, 附表六): writing one within the window, one per cycle, who sees it, reporting it,
consulting the parties, and the final decision."""

from __future__ import annotations

from datetime import timedelta

import pytest
from appeal_helpers import (
    LEADER,
    MEMBER,
    OFFICER,
    ORG_OFFICER,
    OUTSIDER,
    RELEASED,
    SCORER,
    appeal_through,
    decide_changed,
    examinee_of,
    member,
    opens_the_appeal,
    refused,
    released_cycle,
    reported,
    sends_file,
    the_appeal,
)
from cycle_helpers import Person
from sqlmodel import select

from flows.appeals.conversation import appeal_button
from flows.ui.chat import Content
from storage import review
from storage.audit import entries
from storage.models import (
    Appeal,
    AppealChange,
    AppealEvidence,
    AppealStatus,
    ChangeKind,
    Cycle,
    CycleExaminee,
    EvidenceKind,
    Notification,
    Outcome,
    ReviewChange,
)

REASON = "工作业绩一项没有计入我负责的迎新晚会签到工作，与事实不符。"


@pytest.fixture
def people(session, sample_roster) -> dict[str, Person]:
    return released_cycle(session, sample_roster)


def notices(session, chat_id: int) -> list[str]:
    """The appeal notices queued for one chat."""
    rows = session.exec(select(Notification).where(Notification.chat_id == chat_id))
    return [n.text for n in rows if n.kind is not None and n.kind.startswith("appeal_")]


def starts_deciding(person: Person, outcome: str = "更改结果") -> str:
    """``person`` of the committee starts deciding the appeal, choosing ``outcome``."""
    person.presses("ad:1:start:1")
    return person.taps(outcome)


def deciding(people: dict[str, Person], outcome: str = "更改结果") -> Person:
    """The appeal reported, and the committee's leader deciding it, having chosen ``outcome``."""
    reported(people)
    starts_deciding(people[LEADER], outcome)
    return people[LEADER]


# Writing and submitting


def test_an_examinee_appeals_against_an_item_with_evidence_and_the_receivers_are_told(people, session):
    text = appeal_through(people[OFFICER], REASON)
    assert "已于 2026-12-16 11:00 提交" in text and "2026-12-17 11:00" in text
    appeal = the_appeal(session)
    assert (appeal.status, appeal.disputed, appeal.disputed_key) == (
        AppealStatus.SUBMITTED,
        "item",
        "results",
    )
    assert appeal.reason == REASON and appeal.submitted_at == RELEASED + timedelta(hours=1)
    [evidence] = session.exec(select(AppealEvidence)).all()
    assert evidence.kind == EvidenceKind.TEXT and "312" in evidence.text
    assert any("郭宇雅" in t and "/appeals" in t for t in notices(session, people[ORG_OFFICER].id))
    assert any("郭宇雅" in t for t in notices(session, people[LEADER].id))  # a teacher
    for bystander in (OUTSIDER, MEMBER, SCORER):
        assert not notices(session, people[bystander].id)
    [row] = entries(session, "appeal.submit")
    assert row.actor.startswith("member:") and row.reason == REASON


def test_a_refused_reason_asks_for_the_reason_again_and_it_is_still_waited_for(people, session):
    officer = people[OFFICER]
    officer.says("/appeal")
    officer.taps("总分与等级")
    text = officer.says("不公平")
    assert "你写了 3 字" in text and text.index("你写了 3 字") < text.index("请写明申诉理由")
    assert "第 1 份" not in officer.says(REASON)  # taken as the reason, not as evidence
    assert the_appeal(session).reason == REASON


def test_photos_and_documents_are_kept_by_their_telegram_file_ids(people, session):
    officer = people[OFFICER]
    officer.says("/appeal")
    officer.taps("总分与等级")
    officer.says(REASON)
    assert "第 1 份" in sends_file(officer, Content.PHOTO, "photo-1", "签到表照片")
    assert "第 2 份" in sends_file(officer, Content.DOCUMENT, "doc-2")
    refused = officer.sends(Content.STICKER)
    assert "只能是文字、照片或文件" in refused and "已收到 2 份" in refused  # and the question again
    review = officer.taps("完成")
    assert "📷 照片：签到表照片" in review and "📄 文件" in review
    pieces = session.exec(select(AppealEvidence).order_by(AppealEvidence.id)).all()
    assert [(p.kind, p.file_id, p.file_unique_id) for p in pieces] == [
        (EvidenceKind.PHOTO, "photo-1", "unique-photo-1"),
        (EvidenceKind.DOCUMENT, "doc-2", "unique-doc-2"),
    ]


def test_a_draft_resumes_where_it_stood_and_can_be_edited_before_submitting(people, session):
    officer = people[OFFICER]
    officer.says("/appeal")
    officer.taps("工作绩效")
    officer.says("/cancel")
    assert "申诉理由" in officer.says("/appeal")  # the dispute is saved: the reason comes next
    officer.says(REASON)
    officer.taps("完成")
    officer.taps("申诉事项")
    text = officer.taps("总分与等级")
    assert "申诉事项：总分与等级" in text and the_appeal(session).status == AppealStatus.DRAFT
    officer.taps("清除材料")
    officer.taps("提交申诉")
    assert "已于" in officer.taps("确认提交")


def test_too_short_a_reason_is_refused_and_nothing_is_saved(people, session):
    officer = people[OFFICER]
    officer.says("/appeal")
    officer.taps("总分与等级")
    assert "10–1500" in officer.says("不公平")
    assert the_appeal(session).reason is None


def test_the_appeal_button_of_a_released_result_starts_the_appeal(people, session):
    cycle = session.exec(select(Cycle)).one()
    button = appeal_button(cycle, "zh-CN")
    assert "你对哪一项有异议" in people[OFFICER].presses(button.data)


def test_before_release_and_after_the_window_an_appeal_is_refused_with_the_reason(people, session):
    officer = people[OFFICER]
    officer.now = RELEASED - timedelta(hours=1)
    assert "尚未公布" in officer.says("/appeal")
    officer.now = RELEASED + timedelta(days=3)
    assert "申诉期已于 2026-12-19 10:00 截止" in officer.says("/appeal")
    assert not session.exec(select(Appeal)).all()


def test_a_draft_cannot_be_submitted_once_the_window_has_closed(people, session):
    officer = people[OFFICER]
    officer.says("/appeal")
    officer.taps("总分与等级")
    officer.says(REASON)
    officer.taps("完成")
    officer.now = RELEASED + timedelta(days=3, minutes=1)
    assert "截止" in refused(officer, "a:1:yes")
    assert the_appeal(session).status == AppealStatus.DRAFT


def test_there_is_one_appeal_per_cycle_and_old_buttons_change_nothing(people, session):
    officer = people[OFFICER]
    appeal_through(officer)
    text = officer.says("/appeal")
    assert "状态：已于" in text and "只能申诉一次" in text
    assert "只能申诉一次" in refused(officer, "a:1:ev_clear")
    assert "只能申诉一次" in refused(officer, "a:1:d:grade")
    assert "只能申诉一次" in officer.presses("a:1:new")  # the result's appeal button shows where it stands
    appeal = the_appeal(session)
    assert appeal.disputed == "item" and len(session.exec(select(AppealEvidence)).all()) == 1


# Who sees it, who reports it


def test_only_the_examinee_the_receivers_and_the_committee_see_an_appeal(people, session):
    appeal_through(people[OFFICER])
    assert "郭宇雅" in people[ORG_OFFICER].says("/appeals")
    assert "郭宇雅" in people[MEMBER].says("/appeals")
    outsider = people[OUTSIDER]
    assert "没有你能查看的申诉" in outsider.says("/appeals")
    for data in ("ap:1:o:1", "ap:1:self:1", "ap:1:hist:1", "ap:1:rep:1", "ad:1:start:1", "ao:1:ask:1"):
        assert refused(outsider, data) == "这个按钮已失效，请重新发送命令。"


def test_the_organisation_department_sees_the_appeal_but_not_the_score_sheet(people):
    appeal_through(people[OFFICER])
    org = people[ORG_OFFICER]
    text = opens_the_appeal(org)
    assert REASON in text and "总分：" not in text
    assert set(org.buttons()) == {"📤 上报考核小组", "📝 附说明上报"}
    assert "失效" in refused(org, "ap:1:self:1")


def test_an_examinee_s_name_holding_html_shows_as_it_is_on_the_desk_s_button(people, session):
    appeal_through(people[OFFICER])
    examinee = session.exec(select(CycleExaminee).where(CycleExaminee.student_no == OFFICER)).one()
    examinee.name = "郭<宇>&amp;雅"
    session.add(examinee)
    session.commit()
    org = people[ORG_OFFICER]
    org.says("/appeals")
    assert "📂 1. 郭<宇>&amp;雅" in org.buttons()  # a label is plain text: nothing to escape


def test_a_receiver_reports_with_a_note_and_the_committee_is_told(people, session):
    appeal_through(people[OFFICER])
    org = people[ORG_OFFICER]
    opens_the_appeal(org)
    org.taps("附说明上报")
    text = org.says("请" * 501)
    assert "不能超过 500 字" in text and "请发送随申诉一并上报的说明" in text  # asked again, still waiting
    assert "2026-12-23 11:00" in org.says("请考核小组核实签到记录。")
    appeal = the_appeal(session)
    assert appeal.status == AppealStatus.ESCALATED and not appeal.escalation_overdue
    assert appeal.escalation_note == "请考核小组核实签到记录。"
    assert any("闫欣刚" in t and "核实签到记录" in t for t in notices(session, people[MEMBER].id))
    assert not [t for t in notices(session, people[OFFICER].id) if "上报考核小组" in t]
    assert "已经上报" in refused(org, "ap:1:now:1")  # once only
    assert len(entries(session, "appeal.escalate")) == 1


def test_the_examinee_and_the_committee_cannot_report_it(people, session):
    appeal_through(people[OFFICER])
    refused(people[OFFICER], "ap:1:now:1")
    refused(people[MEMBER], "ap:1:now:1")  # on the committee, but not a receiver
    assert the_appeal(session).status == AppealStatus.SUBMITTED


# The committee: reading, consulting, deciding


def test_the_committee_reads_the_appeal_beside_the_score_sheet_self_assessment_and_history(people):
    reported(people)
    member = people[MEMBER]
    text = opens_the_appeal(member)
    assert REASON in text and "总分：77.0/100" in text and "B（及格）" in text
    assert "自我评定表（附表一）" in member.taps("自我评定")
    member.taps("返回申诉")
    history = member.taps("变更记录")
    assert "score.submit" in history and "appeal.submit" in history and "appeal.escalate" in history


def test_the_committee_asks_the_scorer_who_sees_only_the_question_and_answers(people, session):
    reported(people)
    member = people[MEMBER]
    opens_the_appeal(member)
    member.taps("征求评分人意见")
    assert "马凯秀" in member.says("请说明工作业绩评分的依据。")
    [notice] = [t for t in notices(session, people[SCORER].id) if "征求你的意见" in t]
    assert "请说明工作业绩评分的依据" in notice and REASON not in notice
    scorer = people[SCORER]
    scorer.says("/appeals")
    scorer.taps("答复")
    text = scorer.says("很" * 1501)
    assert "不能超过 1500 字" in text and "请说明工作业绩评分的依据" in text  # the question asked again
    scorer.says("签到工作由学生会统一安排，已计入工作态度一项。")
    assert any("马凯秀" in t and "已答复" in t for t in notices(session, people[MEMBER].id))
    assert "已计入工作态度一项" in opens_the_appeal(member)
    assert [e.action for e in entries(session) if e.action.startswith("appeal.")][-2:] == [
        "appeal.consult",
        "appeal.opinion",
    ]


def test_someone_else_is_asked_by_name(people, session):
    reported(people)
    member = people[MEMBER]
    member.presses("ao:1:ask:1")
    assert "名单中没有" in member.says("不存在的人")
    assert "龙浩" in member.says("龙浩")
    member.says("她在迎新晚会中负责签到吗？")
    assert any("迎新晚会" in t for t in notices(session, people[OUTSIDER].id))


def test_the_scorer_and_the_examinee_cannot_decide(people, session):
    reported(people)
    for student_no in (SCORER, OFFICER):
        assert "失效" in refused(people[student_no], "ad:1:start:1")
    assert "💬 征求评分人意见" not in people[SCORER].buttons()


def test_a_changed_decision_is_final_and_goes_privately_to_the_examinee(people, session):
    reported(people)
    assert "已对 郭宇雅 的申诉作出最终裁定" in decide_changed(people[MEMBER])
    appeal = the_appeal(session)
    assert appeal.status == AppealStatus.DECIDED and appeal.outcome == Outcome.CHANGED
    [change] = session.exec(select(AppealChange)).all()
    assert (change.item, change.before, change.after) == ("results", 15, 18)
    [notice] = [t for t in notices(session, people[OFFICER].id) if "最终裁定" in t]
    assert "更改结果" in notice and "总分：80.0/100" in notice and "A（良好）" in notice
    [row] = entries(session, "appeal.decide")
    assert row.before["total"] == "77.0" and row.after["total"] == "80.0" and row.after["grade"] == "A"
    text = people[OFFICER].says("/appeal")
    assert "最终裁定" in text and "不能再次申诉" in text
    assert "已经作出最终裁定" in refused(people[LEADER], "ad:1:ok:1")


def test_an_upheld_decision_keeps_the_result(people, session):
    leader = deciding(people, "维持原结果")
    assert "请写明裁定理由" in leader.says("维持")  # too short: refused, and asked again
    leader.says("评分依据充分，签到工作已计入工作态度。")
    text = leader.taps("确认最终裁定")
    assert "最终裁定" in text
    appeal = the_appeal(session)
    assert appeal.outcome == Outcome.UPHELD and appeal.new_grade is None
    [notice] = [t for t in notices(session, people[OFFICER].id) if "最终裁定" in t]
    assert "维持原结果" in notice and "总分：77.0/100" in notice


def test_a_change_that_changes_nothing_asks_for_changes_first(people, session):
    leader = deciding(people)
    assert "点项目输入新的分数" in leader.presses("ad:1:why:1")  # forged: no reasons asked yet
    assert "填写裁定理由" not in "".join(leader.buttons())


def test_a_decision_may_set_the_grade_itself(people, session):
    leader = deciding(people)
    leader.taps("更改等级")
    assert "A（良好）" in leader.taps("A（良好）")
    leader.taps("填写裁定理由")
    leader.says("综合考虑本学期的突出贡献，等级调整为良好。")
    leader.taps("确认最终裁定")
    assert the_appeal(session).new_grade == "A"
    [notice] = [t for t in notices(session, people[OFFICER].id) if "最终裁定" in t]
    assert "总分：77.0/100" in notice and "A（良好）" in notice


def test_the_appeal_is_against_the_reviewed_result_and_a_new_total_respects_the_department_rating(
    people, session
):
    cycle_id, examinee, leader = 1, examinee_of(session, OFFICER), member(session, LEADER)
    for kind, changed in (
        (ChangeKind.RATING, {"team": "校学生会", "department": "办公室"}),
        (ChangeKind.SCORE, {}),
    ):
        review.record_change(
            session,
            ReviewChange(
                cycle_id=cycle_id,
                kind=kind,
                examinee_id=None if kind == ChangeKind.RATING else examinee.id,
                item=None if kind == ChangeKind.RATING else "attitude",
                after="ordinary" if kind == ChangeKind.RATING else "13",
                reason="复核平衡",
                member_id=leader.id,
                version=1,
                **changed,
            ),
        )
    session.commit()
    officer = people[OFFICER]
    assert "总分：78.0/100" in officer.says("/appeal")  # attitude 12 → 13 in review
    officer.taps("总分与等级")
    officer.says(REASON)
    officer.taps("完成")
    officer.taps("提交申诉")
    officer.taps("确认提交")
    people[ORG_OFFICER].presses("ap:1:now:1")
    committee = people[MEMBER]
    starts_deciding(committee)
    committee.taps("工作业绩")
    text = committee.says("20")  # 83: band A, but an ordinary department allows B at best
    assert "总分：83.0/100" in text and "B（及格）" in text
