"""Benchmark: 2,000 notifications through the real sender against the fake Bot API with flood control on.

    .venv/bin/python benchmarks/delivery.py [--count 2000] [--rate 28] [--database-url URL]

Queues ``count`` notifications (one per person, and a few people with two, to exercise the pacing
per chat) in a database (SQLite in a temporary folder unless a URL is given; it is brought up to the
newest schema and must have nothing else pending in its outbox), then drains them with
``bot.sender.Sender`` and the bot's rate limiter against ``tests/fakebotapi`` answering 429 above
Telegram's limits (30 a second in all, 1 a second per chat). Prints messages a second, the 429s the
fake answered (there should be none) and what became of this run's rows.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select
from telegram.ext import Application

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from fakebotapi import FakeBotApi  # noqa: E402
from fakebotapi.faults import TELEGRAM_FLOOD_LIMITS  # noqa: E402

from bot.config import DeliverySettings  # noqa: E402
from bot.lanes import rate_limiter  # noqa: E402
from bot.sender import Sender  # noqa: E402
from storage import outbox  # noqa: E402
from storage.db import make_engine, upgrade  # noqa: E402
from storage.models import Notification  # noqa: E402

FIRST_USER = 700_001
TWICE_EVERY = 100  # every 100th person gets a second notification
NOON = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai: outside quiet hours


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="notifications to send (default 2000)")
    parser.add_argument("--rate", type=float, default=DeliverySettings().messages_per_second)
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    return parser.parse_args()


def queue(database_url: str, api: FakeBotApi, count: int, run: str) -> int:
    engine = make_engine(database_url)
    upgrade(engine)
    people = count - count // TWICE_EVERY
    with Session(engine) as session:
        for n in range(count):
            chat = FIRST_USER + n % people
            api.user(chat).send("/start")  # the chat must know the bot before it may write
            text = f"⏰ <b>提醒</b> {n}: 自我评定今天截止。"
            outbox.queue(session, dedupe_key=f"{run}:{n}", chat_id=chat, text=text, not_before=NOON)
        session.commit()
    engine.dispose()
    return people


async def drain(database_url: str, api: FakeBotApi, settings: DeliverySettings) -> tuple[Counter[str], float]:
    engine = make_engine(database_url)
    sender = Sender(engine, settings, ZoneInfo("Asia/Shanghai"), "zh-CN", clock=lambda: NOON)
    limiter = rate_limiter(settings)
    bot = Application.builder().token(api.token).base_url(api.base_url).rate_limiter(limiter).build().bot
    async with bot:  # as bot.app builds it: the same limiter and HTTP connection pool
        started = time.monotonic()
        outcomes: Counter[str] = Counter()
        while True:
            run = await sender.drain(bot)
            outcomes += run
            if not run:
                break
            await asyncio.sleep(settings.chat_interval_seconds)  # the job's next run, for chats still cooling
        elapsed = time.monotonic() - started
    engine.dispose()
    return outcomes, elapsed


def states(database_url: str, run: str) -> dict[str, int]:
    """How many of this run's rows ended in each state."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        mine = col(Notification.dedupe_key).startswith(f"{run}:")
        query = select(Notification.state, func.count()).where(mine).group_by(Notification.state)
        rows = session.exec(query).all()
    engine.dispose()
    return dict(rows)


def main() -> None:
    args = arguments()
    settings = DeliverySettings(messages_per_second=args.rate)
    with tempfile.TemporaryDirectory() as folder, FakeBotApi() as api:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        run = f"bench:{time.time_ns()}"
        people = queue(url, api, args.count, run)
        api.flood_limits(**TELEGRAM_FLOOD_LIMITS)
        outcomes, elapsed = asyncio.run(drain(url, api, settings))
        calls = api.calls("sendMessage")
        refused = sum(1 for call in calls if call.status == 429)
        delivered = sum(len(api.sent(FIRST_USER + n)) for n in range(people))
        rows = states(url, run)
    print(f"notifications: {args.count} to {people} people; pace set to {args.rate:g}/s")
    print(f"sent: {outcomes['sent']} in {elapsed:.1f} s = {outcomes['sent'] / elapsed:.1f} messages/s")
    print(f"429 answers: {refused}; sendMessage calls: {len(calls)}; delivered: {delivered}")
    print(f"rows: {rows}")


if __name__ == "__main__":
    main()
