"""The inbox's worker in process, against the fake Bot API: a failing update is tried three times and then
answered with an apology; an answer cut short by a crash is finished without handling the update again;
a reply that cannot get through is sent later, once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
from fakebotapi import FakeBotApi
from sqlalchemy import Engine
from sqlmodel import Session
from telegram import Bot, Update

from bot.telegram_io import calls_for
from bot.worker import Worker
from flows.ui.chat import Reply
from storage import inbox, leases
from storage.db import session_scope
from storage.models import InboxUpdate


@pytest.fixture
def api() -> AsyncIterator[FakeBotApi]:
    with FakeBotApi() as api:
        yield api


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.base_url) as bot:
        yield bot


def store(engine: Engine, api: FakeBotApi, bot: Bot, user_id: int, text: str) -> Update:
    api.user(user_id, language_code="en").send(text)
    [raw] = api.pending_updates()[-1:]
    update = Update.de_json(raw, bot)
    with session_scope(engine) as session:
        inbox.receive(
            session,
            update_id=update.update_id,
            chat_id=user_id,
            user_id=user_id,
            payload=update.to_dict(),
            now=datetime.now(UTC),
        )
    return update


async def run_until(worker: Worker, done: Callable[[], bool], timeout: float = 15) -> None:
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        async with asyncio.timeout(timeout):
            while not done():
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await running


def row(engine: Engine, update_id: int) -> InboxUpdate:
    with Session(engine) as session:
        found = session.get(InboxUpdate, update_id)
        assert found is not None
        return found


async def test_an_update_that_keeps_failing_is_given_up_with_an_apology_in_the_senders_language(
    engine, api, bot
):
    update = store(engine, api, bot, 501, "/boom")
    tries: list[int] = []

    def failing(session, update, now):
        tries.append(update.update_id)
        raise RuntimeError("a bug in a flow")

    worker = Worker(bot, engine, failing, leases.new_owner("test"), asyncio.Event(), "zh-CN")
    await run_until(worker, lambda: bool(api.sent(501)))
    [apology] = api.sent(501)
    assert "something went wrong" in apology.body
    assert tries == [update.update_id] * inbox.MAX_ATTEMPTS
    stored = row(engine, update.update_id)
    assert stored.failed and stored.error == "RuntimeError: a bug in a flow"


async def test_an_answer_cut_short_by_a_crash_is_finished_without_handling_the_update_again(engine, api, bot):
    update = store(engine, api, bot, 502, "/two")
    now = datetime.now(UTC)
    with session_scope(engine) as session:  # a process handled it and sent the first message, then died
        [claimed] = inbox.claim(session, "elsewhere:1:x:w", now, now, 1)
        inbox.handled(session, claimed, now, calls_for(update, [Reply("第一条"), Reply("第二条")]))
    with session_scope(engine) as session:
        assert inbox.replied(session, update.update_id, "elsewhere:1:x:w", 1, now)

    def must_not_run(session, update, now):
        raise AssertionError("handled twice")

    worker = Worker(bot, engine, must_not_run, leases.new_owner("test"), asyncio.Event(), "zh-CN")
    await run_until(worker, lambda: row(engine, update.update_id).done_at is not None)
    assert [message.body for message in api.sent(502)] == ["第二条"]


async def test_a_reply_that_cannot_get_through_is_sent_later_once(engine, api, bot):
    update = store(engine, api, bot, 503, "/hello")
    api.fail_next("sendMessage", status=502)

    def hello(session, update, now):
        return None, [Reply("你好")]

    worker = Worker(bot, engine, hello, leases.new_owner("test"), asyncio.Event(), "zh-CN")
    await run_until(worker, lambda: row(engine, update.update_id).done_at is not None)
    assert [message.body for message in api.sent(503)] == ["你好"]
    assert [call.status for call in api.calls("sendMessage")] == [502, 200]
