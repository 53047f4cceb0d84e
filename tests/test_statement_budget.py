"""The hot path stays lean: each everyday step is a handful of SQL statements, counted on the engine.

A step is what one update costs the flows (``flows.router.handle``) inside its transaction; the inbox's
own bookkeeping around it (claim, handled, finished) is counted apart. The budgets are today's counts,
no room: a step that starts querying per row, or looking the same thing up twice, fails
here instead of slowing every chat down.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from cycle_helpers import (
    AFTER_SELF_DUE,
    NOW,
    Person,
    bind,
    import_sample,
    open_sample_cycle,
    submit_self_assessment,
)
from org_helpers import statements as sent_through
from sqlalchemy import Engine
from sqlmodel import Session

from storage import inbox
from storage.db import session_scope

OFFICER = "2023000256"  # 郭宇雅, 办公室 干事, scored by 马凯秀
VICE_PRESIDENT = "2023000111"  # 马凯秀
ANSWER = "认真学习党的二十大精神，积极参加团日活动，思想上积极要求进步。"

ME, START, SELF_ANSWER, SCORE_PRESS = 1, 9, 9, 9
"""The most statements ``/me``, ``/start`` of a member, an answer typed in /self and a press of an
examinee's button in /score may take."""
INBOX = 4
"""The most an update's inbox bookkeeping may take: stored, claimed, handled, and its answer finished;
a batch of updates (stored together, claimed together) takes no more."""


def cost(engine: Engine, step: Callable[[], object]) -> list[str]:
    with sent_through(engine) as sent:
        step()
    return sent


@pytest.fixture
def officer(session: Session, sample_roster) -> Person:
    import_sample(session, sample_roster)
    bind(session, OFFICER, 501)
    bind(session, VICE_PRESIDENT, 701)
    open_sample_cycle(session)
    return Person(session, 501)


def test_me_is_a_handful_of_statements(officer, engine):
    assert len(statements := cost(engine, lambda: officer.says("/me"))) <= ME, statements


def test_start_of_a_member_is_a_handful_of_statements(officer, engine):
    assert len(statements := cost(engine, lambda: officer.says("/start"))) <= START, statements


def test_an_answer_typed_in_self_is_a_handful_of_statements(officer, engine):
    officer.says("/self")
    officer.taps("信息无误")
    statements = cost(engine, lambda: officer.says(ANSWER))
    assert "（2/5）" in officer.last[-1].text
    assert len(statements) <= SELF_ANSWER, statements


def test_a_press_on_an_examinee_in_score_is_a_handful_of_statements(officer, session, engine):
    submit_self_assessment(session, OFFICER)
    scorer = Person(session, 701)
    scorer.now = AFTER_SELF_DUE
    scorer.says("/score")
    statements = cost(engine, lambda: scorer.taps("郭宇雅"))
    assert "评分（1/10）" in scorer.last[-1].text
    assert len(statements) <= SCORE_PRESS, statements


def test_the_inbox_bookkeeping_of_an_update_is_a_handful_of_statements(engine):
    now = NOW + timedelta(hours=1)
    payload = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}}}
    reply = [{"method": "sendMessage", "chat_id": 5, "text": "hi", "keyboard": None}]

    def round_trip() -> None:
        with session_scope(engine) as session:
            inbox.receive(session, update_id=1, chat_id=5, user_id=5, payload=payload, now=now)
        with session_scope(engine) as session:
            row = inbox.claim_next(session, "worker", now, now + timedelta(minutes=1))
            assert row is not None
            inbox.handled(session, row, now, reply)
        with session_scope(engine) as session:
            inbox.finish(session, 1, "worker", datetime.now(UTC))

    statements = cost(engine, round_trip)
    with session_scope(engine) as session:
        assert inbox.unfinished(session) == 0
    assert len(statements) <= INBOX, statements


def test_the_inbox_bookkeeping_of_a_batch_costs_what_one_update_does(engine):
    now = NOW + timedelta(hours=1)
    chats = range(1, 9)
    arrivals = [
        inbox.Arrival(chat, chat, chat, {"update_id": chat, "message": {"chat": {"id": chat}}})
        for chat in chats
    ]

    def round_trip() -> None:
        with session_scope(engine) as session:
            assert inbox.receive_all(session, arrivals, now) == len(chats)
        with session_scope(engine) as session:
            rows = inbox.claim(session, "worker", now, now + timedelta(minutes=1), len(chats))
            assert len(rows) == len(chats)
            inbox.handled_all(session, [(row, _hello(row.chat_id)) for row in rows], now)
        with session_scope(engine) as session:
            inbox.finish_all(session, [row.update_id for row in rows], "worker", datetime.now(UTC))

    statements = cost(engine, round_trip)
    with session_scope(engine) as session:
        assert inbox.unfinished(session) == 0
    assert len(statements) <= INBOX, statements


def _hello(chat_id: int | None) -> list[dict]:
    return [{"method": "sendMessage", "chat_id": chat_id, "text": "hi", "keyboard": None}]
