"""Checked again just before sending, by kind (``flows.reminders.checks``): the sign-off's and the
appeals' notices, and a returned sheet's, are dropped once no longer true; the rest hold.

(The reminders', digests', nudges', phase announcements' and the opening's checks are in
test_reminders.py and test_reminders_nudge.py.)
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from appeal_helpers import (
    LEADER,
    MEMBER,
    OFFICER,
    ORG_OFFICER,
    SCORER,
    appeal_through,
    examinee_of,
    released_cycle,
    the_appeal,
)
from cycle_helpers import GOOD, NOW, PASS, SHANGHAI, TOP, Person, open_small_cycle, score_everyone
from sqlmodel import Session, select

from flows.appeals.clock import run
from flows.notices.notice import Kind, Notice, notify, rendered
from flows.reminders.checks import STILL_DUE, unwanted
from flows.ui.context import FlowContext
from storage import review, scoring
from storage.models import AppealOpinion, AppealStatus, Notification, ScoreSheet, SignatureRole

DAY = timedelta(days=1)


def of_kind(session: Session, kind: Kind) -> list[Notification]:
    session.expire_all()
    return list(session.exec(select(Notification).where(Notification.kind == kind)))


def dropped(person: Person, kind: Kind, later: timedelta = timedelta(0)) -> list[Notification]:
    """The notices of ``kind`` that the sender would drop now (or ``later``)."""
    context = FlowContext(session=person.session, now=person.now + later, tz=SHANGHAI)
    return unwanted(context, of_kind(person.session, kind))


def test_every_kind_with_a_check_is_covered_here_or_beside_its_flow():
    assert set(STILL_DUE) == {
        Kind.REMIND,  # test_reminders.py
        Kind.DIGEST,  # test_reminders.py
        Kind.NUDGE,  # test_reminders_nudge.py
        Kind.PHASE,  # test_reminders.py
        Kind.OPENED,  # test_reminders.py
        Kind.SIGNOFF,
        Kind.RETURNED,
        Kind.APPEAL_SUBMITTED,
        Kind.APPEAL_ESCALATED,
        Kind.APPEAL_OVERDUE,
        Kind.APPEAL_QUESTION,
    }


# Review


@pytest.fixture
def scored(session) -> dict[str, Person]:
    people = open_small_cycle(session)
    score_everyone(session, {"1001": TOP, "1002": GOOD, "1003": TOP, "1004": GOOD, "1005": PASS}, NOW, "T01")
    return people


def test_a_signers_turn_is_dropped_once_that_step_is_signed(session, scored):
    teacher = scored["T01"]
    teacher.says("/review")
    for group, rating in (("主席团", "优秀"), ("办公室", "优秀"), ("学习部", "良好")):
        teacher.taps(group)
        teacher.taps(rating)
        teacher.taps("返回")
    teacher.says("/review")
    teacher.taps("确认复核平衡")
    teacher.taps("✅ 确认")
    [turn] = of_kind(session, Kind.SIGNOFF)
    assert (turn.step, turn.tag, turn.chat_id) == ("president", "1", 801)
    assert dropped(teacher, Kind.SIGNOFF) == []
    president = session.exec(select(Notification.member_id).where(Notification.chat_id == 801)).first()
    review.sign(
        session, cycle_id=1, role=SignatureRole.PRESIDENT, member_id=president, version=1, now=teacher.now
    )
    session.commit()
    assert dropped(teacher, Kind.SIGNOFF) == [turn]


def test_a_returned_sheets_notice_is_dropped_once_the_sheet_is_submitted_again(session, scored):
    teacher = scored["T01"]
    teacher.says("/review")
    for label in ("办公室", "张伟", "退回评分人"):
        teacher.taps(label)
    teacher.says("请补充工作业绩的具体依据")
    [notice] = of_kind(session, Kind.RETURNED)
    assert notice.chat_id == 802 and dropped(teacher, Kind.RETURNED) == []
    sheet = session.get(ScoreSheet, notice.about_id)
    scoring.submit_sheet(session, sheet, actor="member:2", now=teacher.now, after={})
    session.commit()
    assert dropped(teacher, Kind.RETURNED) == [notice]


# Appeals


@pytest.fixture
def appealed(session, sample_roster) -> dict[str, Person]:
    people = released_cycle(session, sample_roster)
    appeal_through(people[OFFICER])
    return people


def report(people: dict[str, Person]) -> None:
    org = people[ORG_OFFICER]
    org.says("/appeals")
    org.taps("郭宇雅")
    org.taps("上报考核小组")


def test_a_submitted_appeals_notice_is_dropped_once_it_is_reported(session, appealed):
    org = appealed[ORG_OFFICER]
    submitted = of_kind(session, Kind.APPEAL_SUBMITTED)
    assert org.id in {n.chat_id for n in submitted} and dropped(org, Kind.APPEAL_SUBMITTED) == []
    report(appealed)
    assert the_appeal(session).status == AppealStatus.ESCALATED
    assert {n.id for n in dropped(org, Kind.APPEAL_SUBMITTED)} == {n.id for n in submitted}
    assert dropped(org, Kind.APPEAL_ESCALATED) == []


def test_an_escalated_appeals_notice_is_dropped_once_it_is_decided(session, appealed):
    report(appealed)
    member = appealed[MEMBER]
    escalated = of_kind(session, Kind.APPEAL_ESCALATED)
    assert member.id in {n.chat_id for n in escalated}
    appeal = the_appeal(session)
    appeal.status = AppealStatus.DECIDED
    session.add(appeal)
    session.commit()
    assert {n.id for n in dropped(member, Kind.APPEAL_ESCALATED)} == {n.id for n in escalated}


def test_a_question_to_a_party_is_dropped_once_answered(session, appealed):
    report(appealed)
    member = appealed[MEMBER]
    member.says("/appeals")
    for label in ("郭宇雅", "征求评分人意见"):
        member.taps(label)
    member.says("请说明工作业绩评分的依据。")
    [question] = of_kind(session, Kind.APPEAL_QUESTION)
    assert question.chat_id == appealed[SCORER].id and dropped(member, Kind.APPEAL_QUESTION) == []
    opinion = session.get(AppealOpinion, question.about_id)
    opinion.answer, opinion.answered_at = "已计入工作态度一项。", member.now
    session.add(opinion)
    session.commit()
    assert dropped(member, Kind.APPEAL_QUESTION) == [question]


def test_an_overdue_flag_holds_for_its_day_while_the_appeal_is_undecided(session, appealed):
    leader = appealed[LEADER]
    report(appealed)
    leader.now += 8 * DAY
    run(FlowContext(session=session, now=leader.now, tz=SHANGHAI))
    session.commit()
    [flag] = of_kind(session, Kind.APPEAL_OVERDUE)
    assert flag.chat_id == leader.id and dropped(leader, Kind.APPEAL_OVERDUE) == []
    assert dropped(leader, Kind.APPEAL_OVERDUE, later=DAY) == [flag]  # yesterday's flag: today's will go
    appeal = the_appeal(session)
    appeal.status = AppealStatus.DECIDED
    session.add(appeal)
    session.commit()
    assert dropped(leader, Kind.APPEAL_OVERDUE) == [flag]


@pytest.mark.parametrize("kind", [kind for kind in Kind if kind not in STILL_DUE])
def test_news_that_stays_true_is_never_dropped(session, appealed, kind):
    officer = appealed[OFFICER]
    context = FlowContext(session=session, now=officer.now, tz=SHANGHAI)
    examinee = examinee_of(session, OFFICER)
    notify(
        context,
        Notice(kind, examinee.cycle_id, about_id=1),
        [examinee.member_id],
        rendered("result_released_footer"),
    )
    session.commit()
    [notice] = [n for n in of_kind(session, kind) if n.about_id == 1]
    assert notice.chat_id == officer.id
    assert dropped(officer, kind, later=60 * DAY) == []
