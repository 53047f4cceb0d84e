"""The outbox: queued once per key, taken when due, claimed by one sender at a time, marked, and who
cannot be reached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cycle_helpers import bind, import_sample
from sqlmodel import Session, select

from storage import outbox
from storage.models import Notification, NotificationState, Subject

NOW = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)


def queue(session: Session, key: str, chat_id: int = 1, at: datetime = NOW) -> bool:
    return outbox.queue(session, dedupe_key=key, chat_id=chat_id, text=f"<b>{key}</b>", not_before=at)


def test_a_key_is_queued_once_even_from_two_sessions(session, engine):
    assert queue(session, "remind:1:self:7:3") is True
    session.commit()
    with Session(engine) as other:
        assert queue(other, "remind:1:self:7:3") is False
        other.commit()
    assert queue(session, "remind:1:self:7:3") is False
    rows = session.exec(select(Notification)).all()
    assert len(rows) == 1 and rows[0].state == NotificationState.PENDING and rows[0].attempts == 0


def test_due_rows_come_oldest_first_leaving_out_later_rows_given_rows_and_chats(session):
    queue(session, "a", chat_id=1)
    queue(session, "b", chat_id=2)
    queue(session, "c", chat_id=3, at=NOW + timedelta(minutes=1))
    queue(session, "d", chat_id=4)
    session.commit()
    assert [n.dedupe_key for n in outbox.due(session, NOW)] == ["a", "b", "d"]
    assert [n.dedupe_key for n in outbox.due(session, NOW, limit=2)] == ["a", "b"]
    first = outbox.due(session, NOW)[0]
    assert [n.dedupe_key for n in outbox.due(session, NOW, skip_ids=[first.id], skip_chats=[4])] == ["b"]


def subject(member: int, cycle: int = 1, step: str = "self", tag: str = "2026-11-24") -> Subject:
    return Subject("nudge", cycle, member, step, None, tag)


def test_a_subject_is_kept_as_columns_and_found_by_them(session):
    for each in (subject(7), subject(8), subject(7, cycle=10), subject(9, step="score"), subject(7, tag="x")):
        outbox.queue(
            session, dedupe_key=each.key(), chat_id=each.member_id, text="hi", not_before=NOW, subject=each
        )
    session.commit()
    [row] = session.exec(select(Notification).where(Notification.member_id == 9))
    assert (row.kind, row.cycle_id, row.member_id, row.step, row.about_id, row.tag) == (
        "nudge",
        1,
        9,
        "score",
        None,
        "2026-11-24",
    )
    assert row.subject == subject(9, step="score")
    day = "2026-11-24"
    assert outbox.told(session, kind="nudge", cycle_id=1, step="self", about_id=None, tag=day) == {7, 8}
    assert outbox.told(session, kind="nudge", cycle_id=1, tag="2026-11-24") == {7, 8, 9}  # any step
    assert outbox.told(session, kind="remind", cycle_id=1) == set()


def test_a_key_is_computed_from_the_subject_and_the_part(session):
    assert subject(7).key() == "nudge:1:self::7:2026-11-24"
    assert Subject("appeal_question", 3, 12, about_id=5).key(2) == "appeal_question:3::5:12::2"


def test_buttons_are_kept_with_the_row_in_their_rows(session):
    buttons = [[("✍️ 签字", "rs:1:ack:1"), ("📝 申诉", "ap:1:new")], [("/self", "s:1")]]
    outbox.queue(session, dedupe_key="k", chat_id=1, text="hi", not_before=NOW, buttons=buttons)
    outbox.queue(session, dedupe_key="plain", chat_id=1, text="hi", not_before=NOW)
    session.commit()
    session.expunge_all()
    rows = {row.dedupe_key: row for row in session.exec(select(Notification))}
    assert rows["k"].keyboard == buttons
    assert rows["plain"].keyboard == [] and rows["plain"].buttons is None and rows["plain"].subject is None


def test_marks_record_sent_retry_failed_and_cancelled(session):
    for key in "abcd":
        queue(session, key)
    session.commit()
    a, b, c, d = outbox.due(session, NOW)
    outbox.mark_sent(session, a, NOW)
    outbox.mark_failed(session, b, "Timed out", retry_at=NOW + timedelta(seconds=5))
    outbox.mark_failed(session, c, "Forbidden: bot was blocked by the user", retry_at=None)
    outbox.mark_cancelled(session, d, "no longer true when due")
    session.commit()
    assert [n.dedupe_key for n in outbox.due(session, NOW + timedelta(seconds=5))] == ["b"]
    states = {n.dedupe_key: (n.state, n.attempts) for n in session.exec(select(Notification))}
    assert states == {
        "a": (NotificationState.SENT, 1),
        "b": (NotificationState.PENDING, 1),
        "c": (NotificationState.FAILED, 1),
        "d": (NotificationState.CANCELLED, 0),
    }


def test_a_member_is_unreachable_until_a_later_notification_gets_through(session, sample_roster):
    import_sample(session, sample_roster)
    blocked = bind(session, "2023000256", 501)
    bind(session, "2023000157", 502)
    for key, chat in (("one", 501), ("two", 502), ("three", 501)):
        queue(session, key, chat)
    session.commit()
    one, two, three = outbox.due(session, NOW)
    outbox.mark_sent(session, one, NOW)
    outbox.mark_sent(session, two, NOW)
    outbox.mark_failed(session, three, "Forbidden: bot was blocked by the user", retry_at=None)
    session.commit()
    [person] = outbox.unreachable(session)
    assert (person.member_id, person.name, person.chat_id) == (blocked.id, "郭宇雅", 501)
    assert person.error == "Forbidden: bot was blocked by the user"

    queue(session, "four", 501)  # they unblocked the bot, and the next notification got through
    session.commit()
    outbox.mark_sent(session, outbox.due(session, NOW)[0], NOW)
    session.commit()
    assert outbox.unreachable(session) == []


def claim(session: Session, owner: str, at: datetime = NOW, **options) -> list[str]:
    rows = outbox.claim_due(session, owner, at, at + timedelta(minutes=5), **options)
    session.commit()
    return [row.dedupe_key for row in rows]


def test_a_due_row_is_claimed_by_one_sender_until_sent_or_its_claim_runs_out(session):
    for key, chat in (("a", 1), ("b", 2), ("c", 3)):
        queue(session, key, chat_id=chat)
    session.commit()
    assert claim(session, "one:1:x:sender", limit=2) == ["a", "b"]
    assert claim(session, "two:2:y:sender") == ["c"]  # the other sender gets only what is free
    assert claim(session, "two:2:y:sender") == []
    [a] = session.exec(select(Notification).where(Notification.dedupe_key == "a")).all()
    outbox.mark_sent(session, a, NOW)
    session.commit()
    assert a.claimed_by is None
    assert claim(session, "two:2:y:sender", at=NOW + timedelta(minutes=6)) == ["b", "c"]  # claims ran out


def test_a_held_or_released_row_is_free_again(session):
    queue(session, "a", chat_id=1)
    queue(session, "b", chat_id=1)
    session.commit()
    a, b = outbox.claim_due(session, "one:1:x:sender", NOW, NOW + timedelta(minutes=5))
    outbox.postpone(session, a, NOW + timedelta(hours=1))
    outbox.release(session, b)
    session.commit()
    assert claim(session, "two:2:y:sender") == ["b"]


def test_two_senders_on_postgresql_skip_each_others_rows_without_waiting(engine, session):
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite locks the whole database for a claiming transaction)")
    for key, chat in (("a", 1), ("b", 2)):
        queue(session, key, chat_id=chat)
    session.commit()
    with Session(engine) as first:
        held = outbox.claim_due(first, "one:1:x:sender", NOW, NOW + timedelta(minutes=5), limit=1)
        assert [row.dedupe_key for row in held] == ["a"]  # not committed yet: the row stays locked
        with Session(engine) as second:
            assert claim(second, "two:2:y:sender") == ["b"]
        first.rollback()
