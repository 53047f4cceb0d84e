"""The outbox: queued once per key, taken when due, marked, and who cannot be reached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cycle_helpers import bind, import_sample
from sqlmodel import Session, select

from storage import outbox
from storage.models import Notification, NotificationState

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


def test_keys_are_found_by_prefix_with_like_wildcards_taken_literally(session):
    for key in ("nudge:1:self:7:2026-11-24", "nudge:1:self:8:2026-11-24", "nudge:10:self:7:x", "n_dge:1:x"):
        queue(session, key)
    session.commit()
    assert outbox.keys_with_prefix(session, "nudge:1:") == {
        "nudge:1:self:7:2026-11-24",
        "nudge:1:self:8:2026-11-24",
    }
    assert outbox.keys_with_prefix(session, "n_dge") == {"n_dge:1:x"}


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
