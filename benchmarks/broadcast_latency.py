"""Benchmark: members' replies while a broadcast of 1,000 notices drains, against the fake Bot API.

    .venv/bin/python benchmarks/broadcast_latency.py [--count 1000] [--members 20] [--apart]
        [--database-url URL]

Queues ``count`` notices, one per person (in SQLite in a temporary folder unless a URL is given; it is
brought up to the newest schema and must have nothing else pending in its outbox), turns on Telegram's
flood limits in ``tests/fakebotapi`` (30 a second in all, 1 a second per chat), and drains them with
``bot.sender.Sender`` through the bot's rate limiter, as ``bot.app`` builds it. Meanwhile ``members``
people (the first recipients of the broadcast, each getting a notice of it too; with ``--apart``
people outside it) are answered, each a second after their previous answer, from a random start,
through ``bot.telegram_io.execute`` (the call a worker makes for an answer) on the same bot. Prints
the replies' latency (p50, p90, p99, max: from the call to Telegram's answer), the broadcast's
messages a second, all messages a second, how late the event loop ran (a reply cannot beat it: the
load of the machine shows there), and the 429s the fake answered (there should be none).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session
from telegram import Bot
from telegram.error import RetryAfter
from telegram.ext import Application

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "benchmarks")]

from fakebotapi import FakeBotApi  # noqa: E402
from fakebotapi.faults import TELEGRAM_FLOOD_LIMITS  # noqa: E402
from machine import describe  # noqa: E402

from bot.app import CONNECTIONS, POOL_TIMEOUT  # noqa: E402
from bot.bot_api_http import bot_api_request  # noqa: E402
from bot.config import DeliverySettings  # noqa: E402
from bot.lanes import rate_limiter  # noqa: E402
from bot.sender import Sender  # noqa: E402
from bot.telegram_io import execute  # noqa: E402
from storage import outbox  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402

FIRST_USER = 800_001
NOON = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai: outside quiet hours
SHANGHAI = "Asia/Shanghai"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="notices in the broadcast (default 1000)")
    parser.add_argument("--members", type=int, default=20, help="members answered once a second (20)")
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    parser.add_argument("--apart", action="store_true", help="members not among the recipients")
    parser.add_argument("--seed", type=int, default=12)
    return parser.parse_args()


def queue(engine: Engine, api: FakeBotApi, count: int, run: str) -> None:
    with Session(engine) as session:
        for n in range(count):
            chat = FIRST_USER + n
            api.user(chat).send("/start")  # the chat must know the bot before it may write
            text = f"📣 <b>通知</b> {n}: 考核结果已发布。"
            outbox.queue(session, dedupe_key=f"{run}:{n}", chat_id=chat, text=text, not_before=NOON)
        session.commit()


async def broadcast(sender: Sender, bot: Bot, settings: DeliverySettings) -> tuple[int, float]:
    """Drain the outbox as the ``outbox`` job does, until nothing is left: (sent, seconds)."""
    started, sent = time.monotonic(), 0
    while outcomes := await sender.drain(bot):
        sent += outcomes["sent"]
        await asyncio.sleep(settings.chat_interval_seconds)  # the job's next run, for chats still cooling
    return sent, time.monotonic() - started


async def member(
    bot: Bot, engine: Engine, chat: int, start: float, done: asyncio.Event, refused: list[int]
) -> list[float]:
    """Answer one member, again a second after each answer, until the broadcast is done; each answer's
    latency."""
    latencies: list[float] = []
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    while not done.is_set():
        asked = time.monotonic()
        call = {"method": "sendMessage", "chat_id": chat, "text": "✅ 已收到", "keyboard": []}
        try:
            await execute(bot, engine, call)
        except RetryAfter:  # 429 beyond the limiter's retries: the worker would try it later
            refused.append(chat)
        else:
            latencies.append(time.monotonic() - asked)
        await asyncio.sleep(1.0)  # a member writes again a second after the answer
    return latencies


async def measure(
    url: str, api: FakeBotApi, members: list[int], seed: int
) -> tuple[int, float, list[float], list[int], list[float]]:
    settings = DeliverySettings()
    engine = make_engine(url)
    sender = Sender(engine, settings, ZoneInfo(SHANGHAI), "zh-CN", clock=lambda: NOON)
    limiter = rate_limiter(settings)
    request = bot_api_request(None, api.base_url, connections=CONNECTIONS, pool_timeout=POOL_TIMEOUT)
    builder = Application.builder().token(api.token).base_url(api.base_url).rate_limiter(limiter)
    bot = builder.request(request).build().bot
    rng, refused = random.Random(seed), []
    async with bot:  # as bot.app builds it: the same limiter and HTTP connection pool
        done = asyncio.Event()
        now = time.monotonic()
        answering = [
            asyncio.create_task(member(bot, engine, chat, now + rng.random(), done, refused))
            for chat in members
        ]
        watching = asyncio.create_task(lag(done))
        sent, elapsed = await broadcast(sender, bot, settings)
        done.set()
        latencies = [seconds for task in answering for seconds in await task]
        late = await watching
    engine.dispose()
    return sent, elapsed, latencies, refused, late


async def lag(done: asyncio.Event) -> list[float]:
    """How late the event loop wakes a 10 ms sleep, again and again (the machine's load, the database's
    commits on the loop): a reply cannot be faster than the loop."""
    late: list[float] = []
    while not done.is_set():
        asked = time.monotonic()
        await asyncio.sleep(0.01)
        late.append(time.monotonic() - asked - 0.01)
    return late


def figures(seconds: list[float]) -> str:
    """p50, p90, p99 and the maximum, in milliseconds."""
    ordered = sorted(seconds)

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    return (
        f"p50 {at(0.5):.0f} ms, p90 {at(0.9):.0f} ms, p99 {at(0.99):.0f} ms, max {ordered[-1] * 1000:.0f} ms"
    )


def main() -> None:
    args = arguments()
    print(describe(), flush=True)
    with tempfile.TemporaryDirectory() as folder, FakeBotApi() as api:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        engine = make_engine(url)
        upgrade(engine)
        queue(engine, api, args.count, f"latency:{time.time_ns()}")
        first = FIRST_USER + args.count if args.apart else FIRST_USER
        members = [first + n for n in range(args.members)]
        for chat in members:
            api.user(chat).send("/start")
        engine.dispose()
        api.flood_limits(**TELEGRAM_FLOOD_LIMITS)
        sent, elapsed, latencies, refused, late = asyncio.run(measure(url, api, members, args.seed))
        statuses = Counter(call.status for call in api.calls("sendMessage"))
    print(f"broadcast: {sent} of {args.count} notices in {elapsed:.1f} s = {sent / elapsed:.1f} messages/s")
    print(f"replies: {len(latencies)} to {args.members} members ({len(refused)} refused 429)")
    print(f"reply latency: {figures(latencies)}")
    total, pace = (sent + len(latencies)) / elapsed, DeliverySettings().messages_per_second
    print(f"all messages while it drained: {total:.1f}/s (pace set to {pace:g}/s)")
    print(f"event loop late: {figures(late)}")
    print(f"429 answers: {statuses[429]}; sendMessage calls: {sum(statuses.values())}")


if __name__ == "__main__":
    main()
