"""The hot path stays lean: each everyday step is a handful of SQL statements, counted on the engine.

A step is what one update costs the flows (``flows.router.handle``) inside its transaction; the inbox's
own bookkeeping around it (claim, handled, finished) is counted apart. The budgets are today's counts,
no room: a step that starts querying per row, or looking the same thing up twice, fails
here instead of slowing every chat down.
"""

from __future__ import annotations

import asyncio
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
from sqlmodel import Session, select
from telegram import Bot, Update

from bot.telegram_io import incoming_from
from bot.worker import CLAIM_BATCH, Worker
from flows.router import handle
from flows.ui.chat import Action, Incoming
from flows.ui.context import FlowContext
from storage import inbox
from storage.db import session_scope
from storage.models import Member

OFFICER = "2023000256"  # 郭宇雅, 办公室 干事, scored by 马凯秀
VICE_PRESIDENT = "2023000111"  # 马凯秀
ANSWER = "认真学习党的二十大精神，积极参加团日活动，思想上积极要求进步。"

ME, START, SELF_ANSWER, SCORE_PRESS = 1, 9, 9, 9
"""The most statements ``/me``, ``/start`` of a member, an answer typed in /self and a press of an
examinee's button in /score may take."""
INBOX = 4
BATCH_OF_ME = 3
"""The most a batch of ``/me`` from different members claimed together by the worker may take in all:
claimed, their members read, handled."""
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
            [row] = inbox.claim(session, "worker", now, now + timedelta(minutes=1), 1)
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


def test_a_batch_of_me_claimed_by_the_worker_reads_its_senders_at_once(session, sample_roster, engine):
    import_sample(session, sample_roster)
    users = [600 + n for n in range(CLAIM_BATCH)]
    members = list(session.exec(select(Member).limit(len(users))))
    for user, member in zip(users, members, strict=True):
        bind(session, member.student_no, user)
    with session_scope(engine) as storing:
        inbox.receive_all(storing, [inbox.Arrival(user, user, user, _me(user)) for user in users], NOW)
    worker = Worker(Bot("1:x"), engine, _flows, "worker", asyncio.Event(), "zh-hans")
    answers = []
    statements = cost(engine, lambda: answers.extend(worker.claim(CLAIM_BATCH, [])))
    shown = [answer.calls[0]["text"] for answer in answers]
    assert all(member.name in text for text, member in zip(shown, members, strict=True))
    assert len(statements) <= BATCH_OF_ME, statements


def _me(user: int) -> dict:
    chat = {"id": user, "type": "private"}
    sender = {"id": user, "is_bot": False, "first_name": "M"}
    entity = {"type": "bot_command", "offset": 0, "length": 3}
    message = {"message_id": 1, "date": 0, "chat": chat, "from": sender, "text": "/me", "entities": [entity]}
    return {"update_id": user, "message": message}


def _flows(session: Session, update: Update, now: datetime) -> tuple[Incoming | None, list[Action]]:
    incoming = incoming_from(update)
    assert incoming is not None
    return incoming, handle(FlowContext(session, now), incoming)
