"""Notices with buttons: a reminder, a nudge and the scoring announcement carry the button that opens
their task (/self, /score); the committee's digest carries the /review overview's and one per sheet
it may take over. Each button, pressed from the notice, opens that screen."""

from __future__ import annotations

import reminder_helpers
from cycle_helpers import Person, submit_self_assessment
from reminder_helpers import HEAD, OFFICER, PEOPLE, TEACHER, VICE_PRESIDENT, context, local, plan_at
from sqlmodel import Session, select

from flows.home import HomePress, Task
from flows.notices.notice import Kind, Topic
from flows.reminders.ladder import TAKE_OVER_BUTTONS
from flows.reminders.nudge import nudge
from flows.review.presses import ExamineePress, ExamineeStep
from flows.ui.buttons import parse_button
from storage.models import CycleExaminee, Notification

cycle = reminder_helpers.cycle


def notices(session: Session, user: int, kind: Kind, step: str) -> list[Notification]:
    rows = session.exec(select(Notification).where(Notification.chat_id == user).order_by(Notification.id))
    return [row for row in rows if (s := row.subject) is not None and s.kind == kind and s.step == step]


def pressed_from(session: Session, row: Notification, label: str, user: int) -> str:
    """What the notice's button ``label`` shows when its reader presses it at the notice's time."""
    person = Person(session, user)
    person.now = row.not_before
    return person.presses(dict(button for buttons in row.keyboard for button in buttons)[label])


def test_a_self_assessment_reminder_opens_self_and_an_overdue_one_has_no_button(session, cycle):
    plan_at(session, local(30, 8))
    [reminder] = notices(session, PEOPLE[HEAD], Kind.REMIND, Topic.SELF)
    assert reminder.keyboard == [[("📝 填写自我评定", HomePress(cycle.id, Task.SELF).pack())]]
    assert "自我评定表（附表一）" in pressed_from(session, reminder, "📝 填写自我评定", PEOPLE[HEAD])
    plan_at(session, local(2, 8, month=12))  # the day after the deadline: nothing left to open
    overdue = notices(session, PEOPLE[HEAD], Kind.REMIND, Topic.SELF)[-1]
    assert overdue.subject is not None and overdue.subject.tag == "-1" and overdue.keyboard == []


def test_a_scorer_reminder_and_the_scoring_announcement_open_score(session, cycle):
    plan_at(session, local(8, 8, month=12))
    [reminder] = notices(session, PEOPLE[VICE_PRESIDENT], Kind.REMIND, Topic.SCORE)
    [announced] = notices(session, PEOPLE[VICE_PRESIDENT], Kind.PHASE, Topic.SCORING_OPEN)
    for row in (reminder, announced):
        assert row.keyboard == [[("✏️ 评分", HomePress(cycle.id, Task.SCORE).pack())]]
    listing = pressed_from(session, reminder, "✏️ 评分", PEOPLE[VICE_PRESIDENT])
    assert "郭宇雅" in listing and "龙浩" in listing
    [closed] = notices(session, PEOPLE[OFFICER], Kind.PHASE, Topic.SELF_CLOSED)
    assert closed.keyboard == []  # nothing to open: the self-assessment has closed


def test_a_nudge_carries_the_button_of_what_it_nudges_about(session, cycle):
    submit_self_assessment(session, OFFICER)
    nudge(context(session, local(25, 12)), cycle, actor="cli")
    session.commit()
    [nudged] = notices(session, PEOPLE[HEAD], Kind.NUDGE, Topic.SELF)
    assert nudged.keyboard == [[("📝 填写自我评定", HomePress(cycle.id, Task.SELF).pack())]]
    assert "自我评定表（附表一）" in pressed_from(session, nudged, "📝 填写自我评定", PEOPLE[HEAD])


def test_the_committee_digest_opens_review_and_each_sheet_it_may_take_over(session, cycle):
    plan_at(session, local(9, 8, month=12))  # the day after the scoring deadline: nothing was scored
    [digest] = notices(session, PEOPLE[TEACHER], Kind.DIGEST, Topic.REVIEW)
    assert "评分逾期未提交" in digest.text and "可由考核小组在 /review 中接管" in digest.text
    review, *sheets = digest.keyboard
    assert review == [("🔍 复核确认", HomePress(cycle.id, Task.REVIEW).pack())]
    assert len(sheets) == TAKE_OVER_BUTTONS
    [(label, data)] = sheets[0]
    press = parse_button(data)
    assert isinstance(press, ExamineePress) and press.step is ExamineeStep.OPEN
    examinee = session.get(CycleExaminee, press.examinee)
    assert examinee is not None and label == f"📋 {examinee.name} 的评分表（可接管）"
    assert examinee.name in digest.text
    teacher = Person(session, PEOPLE[TEACHER])
    teacher.now = digest.not_before
    assert "复核确认" in teacher.presses(review[0][1])
    screen = teacher.presses(data)
    assert examinee.name in screen and "接管评分" in "".join(teacher.buttons())
