"""The outbox sender: delivers due notifications from the running bot, paced to Telegram's limits.

A run drains what is due. It claims pending rows whose time has come (``storage.outbox.claim_due``: a
row another process is sending is skipped, so several bot processes never send one row twice, and a
claim of a process that died runs out after ``CLAIM``), cancels those no longer true,
holds back every notice until the quiet hours end while they last (``flows.reminders.schedule.triage``),
and sends the rest, each with the buttons it carries, concurrently, ``concurrency`` in flight at
once, in the notice lane of the bot's rate limiter (``bot.lanes``): evenly spaced at
``messages_per_second`` within the room that members' replies leave, one group at most
``group_messages_per_minute`` a minute, one chat at most one message per ``chat_interval_seconds``.
The sender itself takes no row for a chat it sent to less than ``chat_interval_seconds`` ago, so
that a row waiting for its chat does not hold a place in flight.

Each row is committed as soon as its own send returns: sent; failed for good (the person blocked the
bot, the chat is gone: the committee sees them as unreachable); or tried again later, after
Telegram's retry_after for a 429 (once the limiter's own retries are spent), after a growing delay
for network and server errors, up to ``max_attempts``. What is left is the moment between Telegram
accepting a message and that commit (or a timed-out request Telegram did carry out): a crash there
sends that one message again after the restart. Delivery is at least once, and never lost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import ExtBot

from bot.config import DeliverySettings
from bot.lanes import Lane
from bot.telegram_io import message, request
from flows.reminders.schedule import triage
from flows.ui.context import FlowContext
from storage import leases, outbox
from storage.db import session_scope
from storage.models import Notification

log = logging.getLogger("kaohe.sender")
Clock = Callable[[], datetime]
CLAIM = timedelta(minutes=5)  # a row in flight, waiting in the rate limiter (429s included), then sent


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(600, 5 * 2**attempts))


def _seconds(retry_after: int | timedelta) -> timedelta:
    return retry_after if isinstance(retry_after, timedelta) else timedelta(seconds=retry_after)


class Sender:
    """Drains the outbox; one drain at a time (a run that finds one going returns at once)."""

    def __init__(
        self,
        engine: Engine,
        settings: DeliverySettings,
        tz: ZoneInfo,
        default_locale: str,
        clock: Clock = lambda: datetime.now(UTC),
        owner: str | None = None,
    ) -> None:
        self.owner = owner or leases.new_owner("sender")  # in its claims on outbox rows
        self.engine = engine
        self.settings = settings
        self.tz = tz
        self.default_locale = default_locale
        self.clock = clock
        self.draining = False
        self.last_sent: dict[int, float] = {}  # chat id → time.monotonic() of its last notification

    async def drain(self, bot: ExtBot[Any], keep_going: Callable[[], bool] = lambda: True) -> Counter[str]:
        """Send what is due until nothing is (or ``keep_going`` turns false); the outcomes counted."""
        if self.draining:
            return Counter()
        self.draining = True
        try:
            return await self._drain(bot, keep_going)
        finally:
            self.draining = False

    async def _drain(self, bot: ExtBot[Any], keep_going: Callable[[], bool]) -> Counter[str]:
        outcomes: Counter[str] = Counter()
        flying: dict[asyncio.Task[str], Notification] = {}
        refill_below = max(1, self.settings.concurrency // 2)
        while True:
            if keep_going() and len(flying) < refill_below:
                busy = self._cooling() | {row.chat_id for row in flying.values()}
                room = self.settings.concurrency - len(flying)
                rows, cancelled = await asyncio.to_thread(self._take, room, busy)
                outcomes += Counter(cancelled=cancelled)
                flying |= {asyncio.create_task(self._send(bot, row)): row for row in rows}
            if not flying:
                return outcomes
            done, _ = await asyncio.wait(flying, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                del flying[task]
                outcomes[task.result()] += 1

    def _cooling(self) -> set[int]:
        """Chats that had a notification less than ``chat_interval_seconds`` ago."""
        now, interval = time.monotonic(), self.settings.chat_interval_seconds
        self.last_sent = {chat: at for chat, at in self.last_sent.items() if now - at < interval}
        return set(self.last_sent)

    def _take(self, room: int, busy: set[int]) -> tuple[list[Notification], int]:
        """Up to ``room`` rows to send, claimed, the oldest of each chat not ``busy``; and how many were
        dropped. (In a worker thread, as every database step of the sender: the event loop, which
        members' replies go through, does not wait for the database.)"""
        now = self.clock()
        dropped = 0
        with session_scope(self.engine) as session:
            context = FlowContext(session=session, now=now, tz=self.tz, default_locale=self.default_locale)
            while rows := outbox.claim_due(session, self.owner, now, now + CLAIM, room, skip_chats=busy):
                verdict = triage(context, rows)
                for row in verdict.drop:
                    outbox.mark_cancelled(session, row, "no longer true when due")
                for row in verdict.hold:
                    outbox.postpone(session, row, verdict.until)
                dropped += len(verdict.drop)
                first: dict[int, Notification] = {}
                for row in verdict.send:
                    if first.setdefault(row.chat_id, row) is not row:
                        outbox.release(session, row)  # its chat's older one goes first
                if first:
                    return list(first.values()), dropped
            return [], dropped

    async def _send(self, bot: ExtBot[Any], row: Notification) -> str:
        """Send one notification and record at once what became of it: sent, failed or retry."""
        try:
            await request(
                bot, "sendMessage", {"chat_id": row.chat_id, **message(row.text, row.keyboard)}, Lane.NOTICE
            )
        except (Forbidden, BadRequest) as error:
            log.warning(
                "notification undeliverable",
                extra={"event": "outbox.failed", "id": row.id, "chat": row.chat_id, "error": str(error)},
            )
            return await asyncio.to_thread(self._failed, row, error, None)
        except RetryAfter as error:
            later = self.clock() + _seconds(error.retry_after)
            return await asyncio.to_thread(self._failed, row, error, later)
        except TelegramError as error:
            final = row.attempts + 1 >= self.settings.max_attempts
            retry_at = None if final else self.clock() + _backoff(row.attempts)
            return await asyncio.to_thread(self._failed, row, error, retry_at)
        else:
            return await asyncio.to_thread(self._sent, row)
        finally:
            self.last_sent[row.chat_id] = time.monotonic()

    def _sent(self, row: Notification) -> str:
        with session_scope(self.engine) as session:
            outbox.mark_sent(session, row, self.clock())
        return "sent"

    def _failed(self, row: Notification, error: TelegramError, retry_at: datetime | None) -> str:
        with session_scope(self.engine) as session:
            outbox.mark_failed(session, row, str(error), retry_at)
        return "failed" if retry_at is None else "retry"
