"""Nudging everyone pending (一键催办): once a day each, after quiet hours, only by the committee."""

from __future__ import annotations

import reminder_helpers
from cycle_helpers import Person, submit_self_assessment
from reminder_helpers import HEAD, OFFICER, PEOPLE, PRESIDENT, TEACHER, VICE_PRESIDENT, context, local
from sqlmodel import select

from flows.notices.notice import Kind, Topic
from flows.reminders.checks import unwanted
from flows.reminders.nudge import nudge
from storage import outbox
from storage.models import AuditEntry, Notification, Subject

cycle = reminder_helpers.cycle


def nudges(session) -> list[tuple[Subject, Notification]]:
    rows = session.exec(select(Notification)).all()
    return [(row.subject, row) for row in rows if row.kind == Kind.NUDGE]


def test_a_nudge_reaches_everyone_pending_once_a_day(session, cycle):
    submit_self_assessment(session, OFFICER)
    first = nudge(context(session, local(25, 12)), cycle, actor="cli")
    session.commit()
    assert first.topic is Topic.SELF
    assert (first.queued, first.earlier) == (3, 0)  # the head, the vice-president and the president
    assert first.unbound == first.pending - 3 > 70  # most of the sample roster never registered
    again = nudge(context(session, local(25, 18)), cycle, actor="cli")
    assert (again.queued, again.earlier) == (0, 3)
    tomorrow = nudge(context(session, local(26, 9)), cycle, actor="cli")
    assert tomorrow.queued == 3
    session.commit()
    texts = [row.text for s, row in nudges(session) if row.chat_id == PEOPLE[HEAD]]
    assert len(texts) == 2 and "考核小组提醒" in texts[0] and "/self" in texts[0]
    audits = session.exec(select(AuditEntry).where(AuditEntry.action == "cycle.nudge")).all()
    assert [a.after["queued"] for a in audits] == [3, 0, 3]


def test_a_nudge_in_quiet_hours_waits_and_counts_for_the_day_it_goes_out(session, cycle):
    late = nudge(context(session, local(25, 23, 30)), cycle, actor="cli")
    session.commit()
    assert late.queued == 4
    assert {row.not_before for _, row in nudges(session)} == {local(26, 7)}
    assert nudge(context(session, local(26, 10)), cycle, actor="cli").queued == 0
    submit_self_assessment(session, HEAD, at=local(26, 1))  # a night owl: nothing to nudge by 07:00
    dropped = unwanted(context(session, local(26, 7)), outbox.due(session, local(26, 7)))
    assert [row.chat_id for row in dropped] == [PEOPLE[HEAD]]


def test_while_scoring_the_scorers_are_nudged_with_what_they_still_owe(session, cycle):
    result = nudge(context(session, local(3, 12, month=12)), cycle, actor="cli")
    session.commit()
    assert result.topic is Topic.SCORE
    chats = {row.chat_id: row.text for _, row in nudges(session)}
    assert set(chats) == {PEOPLE[VICE_PRESIDENT], PEOPLE[PRESIDENT]}
    assert "郭宇雅" in chats[PEOPLE[VICE_PRESIDENT]] and "/score" in chats[PEOPLE[VICE_PRESIDENT]]
    later = context(session, local(9, 12, month=12))  # review by now: nudges about scoring are stale
    assert len(unwanted(later, [row for _, row in nudges(session)])) == 2


def test_in_review_there_is_nobody_to_nudge(session, cycle):
    assert nudge(context(session, local(9, 12, month=12)), cycle, actor="cli").topic is None
    assert nudges(session) == []


# In chat


def test_a_committee_member_nudges_with_one_button(session, cycle):
    teacher = Person(session, PEOPLE[TEACHER])
    assert "还有 80 人没有提交自我评定" in teacher.says("/nudge")
    done = teacher.taps("催办 80 人")
    assert "已催办 4 人" in done and "76 人尚未绑定机器人" in done and teacher.last[0].edit
    assert {row.chat_id for _, row in nudges(session)} == {
        PEOPLE[m] for m in (HEAD, OFFICER, VICE_PRESIDENT, PRESIDENT)
    }
    again = teacher.presses(f"n:{cycle.id}:self")  # a second press the same day
    assert "已催办 0 人" in again and "4 人今天已催办过" in again


def test_others_and_stale_or_forged_presses_change_nothing(session, cycle):
    teacher = Person(session, PEOPLE[TEACHER])
    teacher.says("/nudge")
    [data] = teacher.buttons().values()
    officer = Person(session, PEOPLE[OFFICER])
    assert "只有考核小组成员" in officer.says("/nudge")
    assert "只有考核小组成员" in officer.presses(data)
    assert "已失效" in teacher.presses(f"n:{cycle.id}:score")
    teacher.now = local(3, 12, month=12)  # scoring now: the self-assessment button is stale
    assert "已失效" in teacher.presses(data)
    assert nudges(session) == []
