"""The sender in process against the fake Bot API: each notification once, paced, retried or failed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta

import pytest
import reminder_helpers
from cycle_helpers import SHANGHAI
from fakebotapi import FakeBotApi
from reminder_helpers import OFFICER, PEOPLE, context, local, plan_at
from sqlalchemy import Engine
from sqlmodel import Session, select
from telegram import Bot
from telegram.ext import Application

from bot.config import DeliverySettings
from bot.lanes import rate_limiter
from bot.sender import Sender
from flows.appeals.presses import AppealAction, AppealPress
from flows.notices.notice import Body, Kind, Notice, notify
from flows.reminders.nudge import nudge
from flows.review.release import ReceiptPress
from flows.ui.chat import Button
from storage import outbox, roster
from storage.models import Notification, NotificationState

NOON = local(25, 12)
FAST = DeliverySettings(chat_interval_seconds=0.2)
cycle = reminder_helpers.cycle


class Clock:
    def __init__(self, now: datetime = NOON) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as api:
        yield api


async def started_bot(api: FakeBotApi, settings: DeliverySettings, retries: int = 3) -> Bot:
    """The bot as ``bot.app`` builds it: its rate limiter and HTTP connection pool."""
    limiter = rate_limiter(settings, retries)
    bot = Application.builder().token(api.token).base_url(api.base_url).rate_limiter(limiter).build().bot
    await bot.initialize()
    return bot


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    bot = await started_bot(api, FAST)
    yield bot
    await bot.shutdown()


def queue(engine: Engine, api: FakeBotApi, chats: list[int], at: datetime = NOON, name: str = "test") -> None:
    """A notification to each chat, whose user has written to the bot first (else it may not write)."""
    with Session(engine) as session:
        for n, chat in enumerate(chats):
            api.user(chat).send("/start")
            text = f"<b>通知</b> {n}"
            outbox.queue(session, dedupe_key=f"{name}:{n}", chat_id=chat, text=text, not_before=at)
        session.commit()


def states(engine: Engine) -> dict[str, NotificationState]:
    with Session(engine) as session:
        return {row.dedupe_key: row.state for row in session.exec(select(Notification))}


def sender(engine: Engine, clock: Clock, settings: DeliverySettings = FAST) -> Sender:
    return Sender(engine, settings, SHANGHAI, "zh-CN", clock=clock)


async def test_every_due_notification_is_sent_once_and_marked(engine, api, bot):
    queue(engine, api, [601, 602, 603])
    queue(engine, api, [604], at=NOON + timedelta(minutes=5), name="later")
    clock = Clock()
    assert await sender(engine, clock).drain(bot) == {"sent": 3}
    assert await sender(engine, clock).drain(bot) == {}
    assert [m.text for m in api.sent(601)] == ["通知 0"]
    assert api.sent(604) == []
    clock.now += timedelta(minutes=5)
    assert await sender(engine, clock).drain(bot) == {"sent": 1}
    assert set(states(engine).values()) == {NotificationState.SENT}
    assert len(api.calls("sendMessage")) == 4


async def test_in_quiet_hours_every_notice_waits_for_their_end(engine, session, cycle, api, bot):
    for user in PEOPLE.values():
        api.user(user).send("/start")
    assert await sender(engine, Clock(local(25, 22))).drain(bot) == {"sent": 4}  # the cycle's notices
    assert plan_at(session, local(28, 22, 50)) == 4  # 3 days to go: the four examinees among them
    queue(engine, api, [601], at=local(28, 22, 50), name="result")  # any other notice waits as well
    assert await sender(engine, Clock(local(28, 23, 30))).drain(bot) == {}
    assert await sender(engine, Clock(local(29, 6, 59))).drain(bot) == {}
    assert await sender(engine, Clock(local(29, 7))).drain(bot) == {"sent": 5}
    assert len(api.calls("sendMessage")) == 9


async def test_a_notice_arrives_with_its_buttons_under_its_last_part(engine, session, cycle, api, bot):
    officer = PEOPLE[OFFICER]
    api.user(officer).send("/start")
    sign, appeal = ReceiptPress(1, 1, 1), AppealPress(1, AppealAction.NEW)
    buttons = ((Button("✍️ 签字", sign), Button("📝 申诉", appeal)),)
    long = "\n\n".join(f"第{n}段 " + "很长的结果" * 100 for n in range(12))  # over 4,096 characters

    def compose(_member: int, _locale: str) -> Body:
        return Body(long, buttons)

    member = roster.member_ids_by_student_no(session)[OFFICER]
    result = Notice(Kind.RESULT, cycle.id, about_id=1)
    assert notify(context(session, local(25, 12)), result, [member], compose) == 1
    session.commit()
    outbox_sender = sender(engine, Clock(local(25, 12)))
    while await outbox_sender.drain(bot):
        await asyncio.sleep(FAST.chat_interval_seconds)
    *first, last = [m for m in api.sent(officer) if "第" in m.body]
    assert first and all(m.buttons == [] for m in first)
    assert last.buttons == [[("✍️ 签字", sign.pack()), ("📝 申诉", appeal.pack())]]
    assert "".join(m.body for m in [*first, last]).count("很长的结果") == 12 * 100


async def test_a_nudge_that_missed_its_day_is_dropped(engine, session, cycle, api, bot):
    nudge(context(session, local(25, 22, 50)), cycle, actor="cli")
    session.commit()
    outcomes = await sender(engine, Clock(local(26, 7))).drain(bot)
    assert outcomes["cancelled"] == 4 and outcomes["sent"] == 0


async def test_a_blocked_user_or_an_unknown_chat_fails_for_good(engine, api, bot):
    queue(engine, api, [601, 602])
    api.user(601).block_bot()
    with Session(engine) as session:  # someone who never wrote to the bot
        outbox.queue(session, dedupe_key="stranger", chat_id=603, text="hi", not_before=NOON)
        session.commit()
    assert await sender(engine, Clock()).drain(bot) == {"sent": 1, "failed": 2}
    assert states(engine) == {
        "test:0": NotificationState.FAILED,
        "test:1": NotificationState.SENT,
        "stranger": NotificationState.FAILED,
    }
    assert await sender(engine, Clock(NOON + timedelta(hours=1))).drain(bot) == {}


async def test_429_is_waited_out_and_every_message_delivered_exactly_once(engine, api, bot):
    chats = list(range(601, 611))
    queue(engine, api, chats)
    api.fail_next("sendMessage", times=2, retry_after=1)
    assert await sender(engine, Clock()).drain(bot) == {"sent": 10}
    assert all(len(api.sent(chat)) == 1 for chat in chats)
    assert [c.status for c in api.calls("sendMessage")].count(429) == 2


async def test_429_beyond_the_limiters_retries_puts_the_row_back_until_retry_after(engine, api):
    bot = await started_bot(api, FAST, retries=0)
    queue(engine, api, [601])
    api.fail_next("sendMessage", retry_after=30)
    clock = Clock()
    assert await sender(engine, clock).drain(bot) == {"retry": 1}
    with Session(engine) as session:
        [row] = session.exec(select(Notification)).all()
    assert row.state == NotificationState.PENDING and row.not_before == NOON + timedelta(seconds=30)
    clock.now += timedelta(seconds=30)
    assert await sender(engine, clock).drain(bot) == {"sent": 1}
    await bot.shutdown()


async def test_server_errors_are_retried_with_backoff_then_given_up(engine, api, bot):
    queue(engine, api, [601, 602])
    api.fail_next("sendMessage", times=2, status=502)
    clock = Clock()
    settings = DeliverySettings(chat_interval_seconds=0.2, max_attempts=2)
    assert await sender(engine, clock, settings).drain(bot) == {"retry": 2}
    clock.now += timedelta(seconds=5)
    api.fail_next("sendMessage", status=500)
    assert await sender(engine, clock, settings).drain(bot) == {"sent": 1, "failed": 1}
    assert sorted(states(engine).values()) == [NotificationState.FAILED, NotificationState.SENT]


async def test_one_chat_gets_one_notification_at_a_time(engine, api, bot):
    queue(engine, api, [601, 601, 602])
    outbox_sender = sender(engine, Clock())
    assert await outbox_sender.drain(bot) == {"sent": 2}
    assert await outbox_sender.drain(bot) == {}  # the chat is cooling
    await asyncio.sleep(FAST.chat_interval_seconds)
    assert await outbox_sender.drain(bot) == {"sent": 1}
    first, second = api.sent(601)
    assert second.date >= first.date


async def test_under_telegrams_flood_limits_the_sender_causes_no_429(engine, api):
    settings = DeliverySettings()  # the defaults: 28 a second, 1 a second per chat
    bot = await started_bot(api, settings)
    chats = [700_000 + n for n in range(90)]
    queue(engine, api, chats + chats[:5])
    api.flood_limits(per_chat_per_second=1, global_per_second=30, group_per_minute=20)
    outbox_sender = sender(engine, Clock(), settings)
    sent = 0
    while outcomes := await outbox_sender.drain(bot):
        sent += outcomes["sent"]
        await asyncio.sleep(settings.chat_interval_seconds)
    assert sent == 95
    assert [c.status for c in api.calls("sendMessage")].count(429) == 0
    await bot.shutdown()


async def test_a_second_drain_while_one_runs_returns_at_once(engine, api, bot):
    queue(engine, api, list(range(601, 621)))
    outbox_sender = sender(engine, Clock())
    first = asyncio.create_task(outbox_sender.drain(bot))
    await asyncio.sleep(0)
    assert await outbox_sender.drain(bot) == {}
    assert await first == {"sent": 20}
