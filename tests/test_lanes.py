"""The bot's two lanes to Telegram: replies at once, notices paced, one budget, no 429."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from cycle_helpers import SHANGHAI
from fakebotapi import FakeBotApi
from fakebotapi.faults import TELEGRAM_FLOOD_LIMITS
from sqlalchemy import Engine
from sqlmodel import Session
from telegram.error import BadRequest, RetryAfter
from telegram.ext import Application, ExtBot

from bot.config import DeliverySettings
from bot.lanes import Lane, Lanes
from bot.sender import Sender
from bot.telegram_io import execute
from storage import outbox

SETTINGS = DeliverySettings(messages_per_second=20, chat_interval_seconds=0.3)
GROUP = -100_123
NOON = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai: no quiet hours


class Telegram:
    """Stands in for the request the limiter lets through: notes when each went, to which chat."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, float]] = []
        self.refuse: dict[str, int] = {}  # name → seconds of a 429 to answer it once

    async def post(self, name: str) -> bool:
        self.sent.append((name, time.monotonic()))
        if seconds := self.refuse.pop(name, 0):
            raise RetryAfter(seconds)
        return True

    def times(self, prefix: str = "") -> list[float]:
        return [at for name, at in self.sent if name.startswith(prefix)]

    def order(self) -> list[str]:
        return [name for name, _ in self.sent]


async def request(
    lanes: Lanes, telegram: Telegram, name: str, chat: int | None, lane: Lane | None = None
) -> bool:
    data = {} if chat is None else {"chat_id": chat}
    result = await lanes.process_request(telegram.post, (name,), {}, "sendMessage", data, lane)
    assert result is True
    return result


def notices(lanes: Lanes, telegram: Telegram, count: int, first_chat: int = 1000) -> list[asyncio.Task[bool]]:
    return [
        asyncio.create_task(request(lanes, telegram, f"notice {n}", first_chat + n, Lane.NOTICE))
        for n in range(count)
    ]


async def test_a_reply_goes_before_the_notices_queued_ahead_of_it():
    lanes, telegram = Lanes(SETTINGS), Telegram()
    broadcast = notices(lanes, telegram, 60)
    await asyncio.sleep(0.3)
    sent_before = len(telegram.sent)
    await request(lanes, telegram, "reply", 7)
    assert telegram.order().index("reply") == sent_before  # straight through: no notice went first
    assert sent_before < 20  # while most of the broadcast still waits
    await asyncio.gather(*broadcast)


async def test_replies_waiting_for_the_budget_go_before_any_further_notice():
    lanes, telegram = Lanes(SETTINGS), Telegram()
    broadcast = notices(lanes, telegram, 30)
    await asyncio.sleep(0.2)
    replies = [asyncio.create_task(request(lanes, telegram, f"reply {n}", 500 + n)) for n in range(25)]
    await asyncio.gather(*replies)
    order = telegram.order()
    last_reply = max(order.index(f"reply {n}") for n in range(25))
    notices_between = [
        name for name in order[order.index("reply 0") : last_reply] if name.startswith("notice")
    ]
    assert notices_between == []
    await asyncio.gather(*broadcast)


async def test_no_second_holds_more_than_the_budget_in_both_lanes_together():
    lanes, telegram = Lanes(SETTINGS), Telegram()
    broadcast = notices(lanes, telegram, 40)
    await asyncio.sleep(0.5)
    replies = [asyncio.create_task(request(lanes, telegram, f"reply {n}", 500 + n)) for n in range(15)]
    await asyncio.gather(*broadcast, *replies)
    times, limit = telegram.times(), lanes.overall.limit
    assert len(times) == 55 and limit == 20
    assert all(later - earlier >= 1.0 - 1e-3 for earlier, later in zip(times, times[limit:], strict=False))


async def test_requests_held_up_on_the_way_still_reach_telegram_within_the_budget():
    lanes, arrived, rng = Lanes(SETTINGS), [], random.Random(7)

    async def over_a_slow_network(name: str) -> bool:
        await asyncio.sleep(rng.uniform(0, 0.3))  # on the way there
        arrived.append(time.monotonic())  # when Telegram counts it
        await asyncio.sleep(rng.uniform(0, 0.1))  # the answer on the way back
        return True

    async def send(name: str, chat: int, lane: Lane | None) -> None:
        data = {"chat_id": chat}
        await lanes.process_request(over_a_slow_network, (name,), {}, "sendMessage", data, lane)

    broadcast = [asyncio.create_task(send(f"notice {n}", 1000 + n, Lane.NOTICE)) for n in range(40)]
    await asyncio.sleep(0.5)
    await asyncio.gather(*broadcast, *(send(f"reply {n}", 500 + n, None) for n in range(20)))
    arrived.sort()
    assert len(arrived) == 60
    assert all(b - a > 1.0 for a, b in zip(arrived, arrived[lanes.overall.limit :], strict=False))


async def test_notices_alone_are_evenly_spaced_and_leave_room_for_replies():
    lanes, telegram = Lanes(SETTINGS), Telegram()
    await asyncio.gather(*notices(lanes, telegram, 25))
    times = telegram.times()
    assert all(b - a >= 1 / 20 - 1e-3 for a, b in itertools.pairwise(times))
    room = lanes.overall.limit - lanes.notice_room
    assert all(later - earlier >= 1.0 - 1e-3 for earlier, later in zip(times, times[room:], strict=False))


async def test_while_members_are_busy_the_notices_leave_more_room():
    lanes, telegram = Lanes(SETTINGS), Telegram()
    await asyncio.gather(*(request(lanes, telegram, f"reply {n}", 500 + n) for n in range(14)))
    broadcast = notices(lanes, telegram, 10)
    await asyncio.sleep(0.4)  # time for 8 notices at their spacing, room for 4 beside 14 replies
    assert len(telegram.times("notice")) <= 2  # an eighth of a second of 14 replies a second kept free
    await asyncio.gather(*broadcast)


async def test_one_chat_gets_a_notice_a_chat_interval_after_anything_else():
    lanes, telegram = Lanes(SETTINGS), Telegram()
    await request(lanes, telegram, "reply", 42)
    await request(lanes, telegram, "notice 1", 42, Lane.NOTICE)
    await request(lanes, telegram, "notice 2", 42, Lane.NOTICE)
    reply, first, second = telegram.times()
    assert first - reply >= SETTINGS.chat_interval_seconds - 1e-3
    assert second - first >= SETTINGS.chat_interval_seconds - 1e-3


async def test_a_notice_waits_for_the_answer_to_a_reply_still_on_its_way_to_the_same_chat():
    lanes, answered = Lanes(SETTINGS), []

    async def slow(name: str) -> bool:
        if name == "reply":
            await asyncio.sleep(2 * SETTINGS.chat_interval_seconds)  # held up on the way
        answered.append((name, time.monotonic()))
        return True

    async def send(name: str, lane: Lane | None) -> None:
        await lanes.process_request(slow, (name,), {}, "sendMessage", {"chat_id": 42}, lane)

    reply = asyncio.create_task(send("reply", None))
    await asyncio.sleep(0.01)
    await asyncio.gather(reply, send("notice", Lane.NOTICE))
    (first, reply_answered), (_, notice_went) = answered
    assert first == "reply" and notice_went - reply_answered >= SETTINGS.chat_interval_seconds - 1e-3


async def test_a_reply_to_a_chat_that_just_had_a_notice_waits_out_its_chat_interval_only():
    lanes, telegram = Lanes(SETTINGS), Telegram()
    await request(lanes, telegram, "notice", 42, Lane.NOTICE)
    await request(lanes, telegram, "reply elsewhere", 43)
    await request(lanes, telegram, "reply", 42)
    await request(lanes, telegram, "reply again", 42)
    notice, elsewhere, reply, again = telegram.times()
    assert elsewhere - notice < SETTINGS.chat_interval_seconds / 2
    assert reply - notice >= SETTINGS.chat_interval_seconds - 1e-3
    assert again - reply < SETTINGS.chat_interval_seconds / 2  # replies to replies are not spaced


async def test_a_group_gets_no_more_than_its_messages_a_minute():
    lanes, telegram = Lanes(DeliverySettings(group_messages_per_minute=5)), Telegram()
    for n in range(5):
        await request(lanes, telegram, f"reply {n}", GROUP)
    sixth = asyncio.create_task(request(lanes, telegram, "reply 5", GROUP))
    other = asyncio.create_task(request(lanes, telegram, "private", 42))
    await asyncio.wait([sixth, other], timeout=0.5)
    assert other.done() and not sixth.done()  # the group's minute is full; other chats go on
    sixth.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sixth


async def test_a_429_is_tried_again_after_retry_after_holding_the_notices_and_that_chat():
    lanes, telegram = Lanes(SETTINGS), Telegram()
    telegram.refuse["refused"] = 1
    refused = asyncio.create_task(request(lanes, telegram, "refused", 42, Lane.NOTICE))
    await asyncio.sleep(0.05)
    others = notices(lanes, telegram, 3, first_chat=2000)
    await request(lanes, telegram, "reply elsewhere", 43)
    await asyncio.gather(refused, *others)
    times = dict(telegram.sent[1:])  # the retried notice's second try, the others
    first_try = telegram.sent[0][1]
    assert times["refused"] - first_try >= 1.0
    assert times["reply elsewhere"] - first_try < 0.5  # other chats' replies are not held
    assert all(times[f"notice {n}"] - first_try >= 1.0 for n in range(3))  # the broadcast yields


async def test_a_429_beyond_the_retries_reaches_the_caller():
    lanes, telegram = Lanes(SETTINGS, retries=0), Telegram()
    telegram.refuse["reply"] = 1
    with pytest.raises(RetryAfter):
        await request(lanes, telegram, "reply", 42)


class Recording(Lanes):
    """The bot's limiter, noting the lane of each request by method."""

    def __init__(self, settings: DeliverySettings) -> None:
        super().__init__(settings)
        self.lanes: list[tuple[str, Lane | None]] = []

    async def process_request(
        self, callback: Any, args: Any, kwargs: Any, endpoint: str, data: Any, rate_limit_args: Lane | None
    ) -> Any:
        self.lanes.append((endpoint, rate_limit_args))
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as api:
        yield api


def queue(engine: Engine, api: FakeBotApi, chats: list[int]) -> None:
    with Session(engine) as session:
        for n, chat in enumerate(chats):
            api.user(chat).send("/start")
            outbox.queue(session, dedupe_key=f"lanes:{n}", chat_id=chat, text=f"通知 {n}", not_before=NOON)
        session.commit()


def outbox_sender(engine: Engine, settings: DeliverySettings) -> Sender:
    return Sender(engine, settings, SHANGHAI, "zh-CN", clock=lambda: NOON)


def bot_with(api: FakeBotApi, limiter: Lanes) -> ExtBot[Lane]:
    return Application.builder().token(api.token).base_url(api.base_url).rate_limiter(limiter).build().bot


async def test_the_outbox_sends_in_the_notice_lane_and_answers_in_the_reply_lane(engine, api):
    limiter = Recording(SETTINGS)
    queue(engine, api, [601, 602])
    async with bot_with(api, limiter) as bot:
        await outbox_sender(engine, SETTINGS).drain(bot)
        await execute(bot, engine, {"method": "sendMessage", "chat_id": 601, "text": "好", "keyboard": []})
        with contextlib.suppress(BadRequest):  # no such press: refused, but through the limiter first
            await execute(bot, engine, {"method": "answerCallbackQuery", "query_id": "1", "text": None})
    sends = [lane for endpoint, lane in limiter.lanes if endpoint != "getMe"]
    assert sends == [Lane.NOTICE, Lane.NOTICE, None, None]  # None: a reply


async def test_under_telegrams_flood_limits_replies_amid_a_broadcast_cause_no_429(engine, api):
    settings = DeliverySettings()
    chats = [700_000 + n for n in range(80)]
    queue(engine, api, chats)
    api.flood_limits(**TELEGRAM_FLOOD_LIMITS)

    async def member(bot: ExtBot[Lane], chat: int) -> None:
        for _ in range(3):
            await execute(
                bot, engine, {"method": "sendMessage", "chat_id": chat, "text": "好", "keyboard": []}
            )
            await asyncio.sleep(settings.chat_interval_seconds)

    async with bot_with(api, Lanes(settings)) as bot:
        notices_sender = outbox_sender(engine, settings)

        async def broadcast() -> int:
            sent = 0
            while outcomes := await notices_sender.drain(bot):
                sent += outcomes["sent"]
                await asyncio.sleep(settings.chat_interval_seconds)
            return sent

        sent, *_ = await asyncio.gather(broadcast(), *(member(bot, chat) for chat in chats[:10]))
    assert sent == 80
    assert [c.status for c in api.calls("sendMessage")].count(429) == 0
    assert all(len(api.sent(chat)) == 4 for chat in chats[:10])
