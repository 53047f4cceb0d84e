"""The inbox: every update stored once, claimed in order within its chat, answered under a lease, given
up after repeated failures; and the leases that let one process at a time poll."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from storage import inbox, leases
from storage.db import MIGRATIONS_DIR, _alembic_config, make_engine, upgrade
from storage.models import InboxUpdate

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)
INBOX_REVISION = "0010"  # the migration that made the inbox out of the handled updates


def receive(session: Session, update_id: int, chat_id: int | None) -> bool:
    payload = {"update_id": update_id, "message": {"text": f"#{update_id}"}}
    new = inbox.receive(
        session, update_id=update_id, chat_id=chat_id, user_id=chat_id, payload=payload, now=NOW
    )
    session.commit()
    return new


def claim(session: Session, owner: str = "here:1:a", at: datetime = NOW) -> int | None:
    rows = inbox.claim(session, owner, at, at + LEASE, 1)
    if not rows:
        session.rollback()
        return None
    [row] = rows
    claimed = row.update_id
    inbox.handled(session, row, at, [{"method": "sendMessage", "chat_id": row.chat_id, "text": "ok"}])
    session.commit()
    return claimed


def test_an_update_is_stored_once_however_often_telegram_sends_it(session):
    assert receive(session, 1001, 501)
    assert not receive(session, 1001, 501)
    assert inbox.unfinished(session) == 1


def test_a_batch_stored_again_in_part_counts_only_its_new_updates(session):
    def arrival(update_id: int) -> inbox.Arrival:
        return inbox.Arrival(update_id, 501, 501, {"update_id": update_id})

    assert inbox.receive_all(session, [arrival(1), arrival(2)], NOW) == 2
    assert inbox.receive_all(session, [arrival(2), arrival(3), arrival(3)], NOW) == 1
    session.commit()
    assert inbox.unfinished(session) == 3


def test_one_chat_is_answered_in_order_one_update_at_a_time_while_other_chats_go_ahead(session):
    for update_id, chat in ((1, 501), (2, 502), (3, 501), (4, 502), (5, 501)):
        receive(session, update_id, chat)
    assert claim(session) == 1
    assert claim(session, "here:1:b") == 2  # another chat, while 1 is still being answered
    assert claim(session, "here:1:c") is None  # 3 waits for 1, 4 for 2
    inbox.finish(session, 1, "here:1:a", NOW)
    session.commit()
    assert claim(session, "here:1:c") == 3
    assert claim(session, "here:1:d") is None


def test_a_claim_finishes_the_answered_updates_first_so_their_chats_next_ones_are_claimed(session):
    for update_id, chat in ((1, 501), (2, 502), (3, 501), (4, 502)):
        receive(session, update_id, chat)
    first = inbox.claim(session, "here:1:a", NOW, NOW + LEASE, 8)
    inbox.handled_all(session, [(row, [{"method": "sendMessage"}]) for row in first], NOW)
    session.commit()
    assert [row.update_id for row in first] == [1, 2]
    later = NOW + timedelta(seconds=1)
    # 1 was answered, 2 not yet; another owner's finish of 2 is not this owner's to make
    rows = inbox.claim(session, "here:1:a", later, later + LEASE, 8, finished=[1])
    assert [row.update_id for row in rows] == [3]
    assert inbox.claim(session, "here:1:b", later, later + LEASE, 8, finished=[2]) == []
    session.commit()
    done = {row.update_id: row.done_at for row in session.exec(select(InboxUpdate))}
    assert done == {1: later, 2: None, 3: None, 4: None}


def test_a_batch_marked_handled_keeps_its_answers_and_what_had_nothing_to_send_is_done(session):
    for update_id in (1, 2):
        receive(session, update_id, 500 + update_id)
    rows = inbox.claim(session, "here:1:a", NOW, NOW + LEASE, 8)
    answer = [{"method": "sendMessage", "chat_id": 501, "text": "好"}]
    inbox.handled_all(session, [(rows[0], answer), (rows[1], [])], NOW)
    session.commit()
    first, second = (session.get(InboxUpdate, update_id) for update_id in (1, 2))
    assert first and second
    assert (first.handled_at, first.replies, first.done_at, first.claimed_by) == (
        NOW,
        answer,
        None,
        "here:1:a",
    )
    assert (second.handled_at, second.replies, second.done_at, second.claimed_by) == (NOW, None, NOW, None)


def test_an_update_without_a_chat_waits_for_nobody(session):
    receive(session, 1, 501)
    receive(session, 2, None)
    assert claim(session) == 1
    assert claim(session, "here:1:b") == 2


def test_a_claim_that_ran_out_is_taken_over_where_the_answer_stopped(session):
    receive(session, 1, 501)
    assert claim(session, "there:7:a") == 1
    assert inbox.replied(session, 1, "there:7:a", 0, NOW + LEASE)
    session.commit()
    assert claim(session, "here:1:a", at=NOW + LEASE / 2) is None
    later = NOW + LEASE + timedelta(seconds=1)
    [row] = inbox.claim(session, "here:1:a", later, later + LEASE, 1)
    assert row.handled_at == NOW and row.replies and row.replies_sent == 0
    session.commit()
    assert not inbox.replied(session, 1, "there:7:a", 1, later + LEASE)  # the first owner has lost it


def test_the_claims_of_a_process_that_is_gone_are_released_at_once(session):
    receive(session, 1, 501)
    receive(session, 2, 502)
    claim(session, "here:1:a")
    claim(session, "here:2:a")
    assert leases.release_claims(session, InboxUpdate, lambda owner: owner.startswith("here:1:")) == 1
    session.commit()
    assert claim(session, "here:3:a") == 1


def test_a_failing_update_is_tried_again_then_given_up_with_an_apology(session):
    receive(session, 1, 501)
    apology = [{"method": "sendMessage", "chat_id": 501, "text": "sorry"}]
    for attempt in range(1, inbox.MAX_ATTEMPTS + 1):
        [row] = inbox.claim(session, "here:1:a", NOW, NOW + LEASE, 1)
        assert row.handled_at is None, attempt
        session.rollback()  # the handling failed: its effects, and the claim, rolled back
        assert inbox.failed_attempt(session, 1, "boom", NOW, NOW, apology)
        session.commit()
    row = session.get(InboxUpdate, 1)
    assert row.failed and row.handled_at == NOW and row.replies == apology and row.error == "boom"
    assert not inbox.failed_attempt(session, 1, "boom", NOW, NOW, apology)  # given up: no more tries


def test_a_failed_attempt_waits_for_its_retry_time(session):
    receive(session, 1, 501)
    inbox.failed_attempt(session, 1, "locked", NOW, NOW + timedelta(seconds=5), [])
    session.commit()
    assert claim(session) is None
    assert claim(session, at=NOW + timedelta(seconds=6)) == 1


def test_a_reply_that_cannot_get_through_is_tried_later_then_given_up(session):
    receive(session, 1, 501)
    claim(session)
    inbox.reply_later(session, 1, "here:1:a", 0, "timed out", NOW, NOW + timedelta(seconds=30))
    session.commit()
    assert claim(session, "here:1:b", at=NOW + timedelta(seconds=10)) is None
    [row] = inbox.claim(session, "here:1:b", NOW + timedelta(seconds=31), NOW + LEASE * 2, 1)
    assert row.attempts == 1
    session.commit()
    inbox.reply_later(session, 1, "here:1:b", 0, "timed out", NOW, None)
    session.commit()
    assert session.get(InboxUpdate, 1).done_at == NOW and inbox.unfinished(session) == 0


def test_done_updates_are_forgotten_after_a_while_and_unfinished_ones_never(session):
    receive(session, 1, 501)
    receive(session, 2, 502)
    claim(session)
    inbox.finish(session, 1, "here:1:a", NOW)
    session.commit()
    inbox.forget_before(session, NOW + timedelta(days=3))
    session.commit()
    assert session.get(InboxUpdate, 1) is None and session.get(InboxUpdate, 2) is not None


def test_updates_handled_before_the_inbox_existed_are_not_handled_again(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    before_inbox = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(INBOX_REVISION).down_revision
    command.upgrade(_alembic_config(engine), str(before_inbox))
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO handledupdate (update_id, handled_at) VALUES (77, '2026-11-20')")
        )
    upgrade(engine)
    with Session(engine) as session:
        assert not receive(session, 77, 501)
        assert claim(session) is None
    engine.dispose()


def test_two_processes_on_postgresql_skip_each_others_claims_and_keep_each_chat_in_order(engine: Engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite locks the whole database for a claiming transaction)")
    with Session(engine) as session:
        for update_id, chat in ((1, 501), (2, 501), (3, 502)):
            receive(session, update_id, chat)
    first = Session(engine)
    [held] = inbox.claim(first, "a:1:a", NOW, NOW + LEASE, 1)  # handling, not committed yet
    assert held.update_id == 1
    result: list[int | None] = []

    def second_process() -> None:
        with Session(engine) as session:
            result.append(claim(session, "b:1:a"))

    other = threading.Thread(target=second_process)
    other.start()
    other.join(timeout=10)
    assert not other.is_alive(), "the second process waited for the first one's lock"
    assert result == [3]  # not 1 (locked), not 2 (behind 1 in its chat)
    first.rollback()
    first.close()


def test_one_lease_holder_at_a_time_until_it_runs_out_or_its_process_is_gone(session):
    alive = f"{leases.HOST}:{os.getppid()}:x"  # a running process of this host
    assert leases.take(session, "polling", alive, NOW, NOW + LEASE) is None
    session.commit()
    holder = leases.take(session, "polling", "me:1:a", NOW, NOW + LEASE)
    session.commit()
    assert holder is not None and holder.owner == alive and holder.pid == str(os.getppid())
    assert leases.take(session, "polling", alive, NOW, NOW + 2 * LEASE) is None  # renewed by its holder
    session.commit()
    assert leases.take(session, "polling", "me:1:a", NOW + 3 * LEASE, NOW + 4 * LEASE) is None  # ran out
    session.commit()
    assert leases.take(session, "polling", alive, NOW + 3 * LEASE, NOW + 4 * LEASE) is not None


def test_a_lease_of_a_stopped_process_of_this_host_is_taken_over_at_once(session):
    gone = f"{leases.HOST}:{2**22 + 12345}:x"  # above the largest pid Linux hands out
    assert leases.is_gone(gone) and not leases.is_gone(leases.new_owner("test"))
    assert not leases.is_gone("elsewhere:1:x")  # another host cannot be checked: trusted
    earlier = f"{leases.HOST}:{os.getpid()}:0ld0ne:run"  # an earlier process that had this pid
    assert leases.is_gone(earlier) and not leases.mine(earlier)
    assert leases.take(session, "polling", gone, NOW, NOW + LEASE) is None
    session.commit()
    assert leases.take(session, "polling", "me:1:a", NOW, NOW + LEASE) is None
    leases.give_up(session, "polling", "me:1:a")
    session.commit()
    assert leases.take(session, "polling", "other:1:a", NOW, NOW + LEASE) is None
