"""Reminders with a controllable clock: the ladder, quiet hours, digests, announcements, each once."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta

import pytest
import reminder_helpers
from cycle_helpers import NOW, SHANGHAI, submit_self_assessment
from reminder_helpers import (
    HEAD,
    OFFICER,
    PEOPLE,
    PRESIDENT,
    TEACHER,
    VICE_PRESIDENT,
    context,
    local,
    plan_at,
)
from sqlmodel import Session, select

from flows.notices.notice import Kind, Topic
from flows.notices.quiet import quiet_end
from flows.reminders.checks import unwanted
from flows.reminders.ladder import Ladder, rung_in_force, rung_moment
from flows.rules.scheme import QuietHours
from storage import outbox
from storage.models import Notification, Subject

LADDER = (3, 1, 0, -1)
cycle = reminder_helpers.cycle


PLANNED = (Kind.REMIND, Kind.DIGEST, Kind.NUDGE, Kind.PHASE)


def subjects(session: Session, kinds: tuple[Kind, ...] = PLANNED) -> list[tuple[Subject, Notification]]:
    """The scheduler's notices (or those of ``kinds``), with their subjects, in the order queued."""
    rows = session.exec(select(Notification).order_by(Notification.id)).all()
    return [(subject, row) for row in rows if (subject := row.subject) is not None and subject.kind in kinds]


def of(session: Session, user: int, kind: Kind) -> list[str]:
    """The tags of one kind of notice to one chat, in the order they were queued."""
    return [s.tag for s, row in subjects(session) if row.chat_id == user and s.kind == kind]


# The ladder and quiet hours


def test_a_rung_comes_at_the_start_of_its_day_and_stays_in_force_until_the_next():
    ladder = Ladder(Topic.SELF, deadline=local(1, 22, month=12), since=local(20))
    assert rung_moment(ladder.deadline, 3, SHANGHAI) == local(28)
    assert rung_moment(ladder.deadline, -1, SHANGHAI) == local(2, month=12)
    expected = [
        (local(27, 23), None),
        (local(28, 0), 3),
        (local(29, 15), 3),
        (local(30, 8), 1),
        (local(1, 21, 59, month=12), 0),
        (local(1, 22, month=12), None),  # the deadline has passed, the overdue rung has not come
        (local(2, 7, month=12), -1),
        (local(9, 7, month=12), -1),
    ]
    assert [(now, rung_in_force(ladder, LADDER, now, SHANGHAI)) for now, _ in expected] == expected


def test_rungs_that_came_before_the_people_concerned_had_anything_to_do_are_left_out():
    opened_late = Ladder(Topic.SELF, deadline=local(1, 22, month=12), since=local(28, 12))
    assert rung_in_force(opened_late, LADDER, local(29, 8), SHANGHAI) is None
    assert rung_in_force(opened_late, LADDER, local(30, 8), SHANGHAI) == 1


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (local(24, 23, 30), local(25, 7)),
        (local(25, 3), local(25, 7)),
        (local(25, 7), local(25, 7)),
        (local(25, 12), local(25, 12)),
        (local(25, 22, 59), local(25, 22, 59)),
    ],
)
def test_what_falls_due_in_quiet_hours_waits_for_their_end(now, until):
    assert quiet_end(QuietHours(), now, SHANGHAI) == until


def test_quiet_hours_within_one_day_work_too():
    lunch = QuietHours(start=time(12), end=time(14))
    assert quiet_end(lunch, local(25, 13), SHANGHAI) == local(25, 14)
    assert quiet_end(lunch, local(25, 23, 30), SHANGHAI) == local(25, 23, 30)


# A whole cycle, planned every hour


def walk(session: Session, start: datetime, end: datetime, step: timedelta = timedelta(hours=1)) -> int:
    queued, now = 0, start
    while now <= end:
        queued += plan_at(session, now)
        now += step
    return queued


def test_through_a_whole_cycle_each_reminder_goes_to_each_person_once_outside_quiet_hours(session, cycle):
    walk(session, NOW, local(30, 11))
    submit_self_assessment(session, OFFICER, at=local(30, 11, 30))  # after the 1-day reminder
    total = walk(session, local(30, 12), local(18, 12, month=12))

    assert of(session, PEOPLE[OFFICER], Kind.REMIND) == ["3", "1"]
    assert of(session, PEOPLE[HEAD], Kind.REMIND) == ["3", "1", "0", "-1"]
    # The vice-president is reminded of her own self-assessment, then of her score sheets.
    assert of(session, PEOPLE[VICE_PRESIDENT], Kind.REMIND) == ["3", "1", "0", "-1", "3", "1", "0", "-1"]
    assert of(session, PEOPLE[TEACHER], Kind.REMIND) == []
    days = [f"2026-12-{day:02}" for day in range(8, 17)]  # from scoring's deadline to the review's + 1 day
    for member in (VICE_PRESIDENT, PRESIDENT, TEACHER):
        assert of(session, PEOPLE[member], Kind.DIGEST) == days
    assert of(session, PEOPLE[OFFICER], Kind.DIGEST) == []
    phases = Counter((s.step, row.chat_id) for s, row in subjects(session) if s.kind == Kind.PHASE)
    assert phases[(Topic.SELF_CLOSED, PEOPLE[OFFICER])] == 1
    assert phases[(Topic.SCORING_OPEN, PEOPLE[VICE_PRESIDENT])] == 1
    assert phases[(Topic.SCORING_OPEN, PEOPLE[OFFICER])] == 0

    for _, row in subjects(session):
        moment = row.not_before.astimezone(SHANGHAI).time()
        assert time(7) <= moment < time(23), row.dedupe_key
    assert len({row.dedupe_key for _, row in subjects(session)}) == len(subjects(session))
    assert walk(session, NOW, local(18, 12, month=12), step=timedelta(hours=5)) == 0  # again: nothing new
    assert total > 0


def test_texts_say_what_is_due_and_a_scorer_sees_whom_they_still_owe(session, cycle):
    plan_at(session, local(30, 8))
    [(_, head)] = [(s, r) for s, r in subjects(session) if r.chat_id == PEOPLE[HEAD]]
    assert "明天" in head.text and "2026-12-01 10:00" in head.text and "/self" in head.text
    plan_at(session, local(8, 8, month=12))
    scores = {r.chat_id: r for s, r in subjects(session) if s.kind == Kind.REMIND and s.step == Topic.SCORE}
    assert set(scores) == {PEOPLE[VICE_PRESIDENT], PEOPLE[PRESIDENT]}
    score = scores[PEOPLE[VICE_PRESIDENT]]
    assert "今天" in score.text
    assert all(name in score.text for name in ("郭宇雅", "龙浩", "办公室")) and "/score" in score.text


def test_after_the_bot_was_down_only_the_rung_in_force_goes_out(session, cycle):
    assert plan_at(session, local(1, 8, month=12)) > 0  # nothing planned on 11-28 or 11-30
    assert of(session, PEOPLE[HEAD], Kind.REMIND) == ["0"]


def test_nothing_is_planned_in_quiet_hours_and_it_all_comes_at_their_end(session, cycle):
    assert plan_at(session, local(30, 0, 5)) == 0
    assert plan_at(session, local(30, 6, 59)) == 0
    assert plan_at(session, local(30, 7)) > 0
    assert {row.not_before for _, row in subjects(session)} == {local(30, 7)}


def test_nothing_is_reminded_once_results_are_released(session, cycle):
    cycle.released_at = local(10, 12, month=12)
    session.add(cycle)
    session.commit()
    assert plan_at(session, local(11, 8, month=12)) == 0


# Checked again just before sending


def test_a_queued_reminder_is_dropped_once_its_person_has_submitted_or_its_rung_is_past(session, cycle):
    plan_at(session, local(30, 8))
    due = outbox.due(session, local(30, 8))
    assert unwanted(context(session, local(30, 8)), due) == []
    submit_self_assessment(session, HEAD, at=local(30, 9))
    dropped = unwanted(context(session, local(30, 9)), outbox.due(session, local(30, 9)))
    assert [r.chat_id for r in dropped] == [PEOPLE[HEAD]]
    later = unwanted(context(session, local(1, 8, month=12)), outbox.due(session, local(1, 8, month=12)))
    assert {r.chat_id for r in later} == {PEOPLE[m] for m in (HEAD, OFFICER, VICE_PRESIDENT, PRESIDENT)}


def test_announcements_and_the_opening_hold_only_while_what_they_announce_lasts(session, cycle):
    plan_at(session, local(1, 12, month=12))  # scoring is open
    announced = [r for s, r in subjects(session) if s.kind == Kind.PHASE]
    assert announced and unwanted(context(session, local(2, 8, month=12)), announced) == []
    assert unwanted(context(session, local(8, 12, month=12)), announced) == announced  # review by now
    opened = [r for _, r in subjects(session, (Kind.OPENED,))]
    assert opened and unwanted(context(session, local(30, 8)), opened) == []
    assert unwanted(context(session, local(1, 23, month=12)), opened) == opened  # the self-assessment closed


def test_a_row_queued_without_a_subject_is_sent_unchecked(session, cycle):
    outbox.queue(session, dedupe_key="cycle:1:opened:7", chat_id=PEOPLE[OFFICER], text="old", not_before=NOW)
    [old] = [row for row in session.exec(select(Notification)) if row.subject is None]
    assert unwanted(context(session, local(8, 12, month=12)), [old]) == []
