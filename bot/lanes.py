"""Two lanes to Telegram in one budget: replies go at once, notices at the broadcast's pace.

Telegram allows a bot about 30 messages a second in all, about one a second to one chat and 20 a
minute to one group, and answers more with 429. ``Lanes`` is the bot's rate limiter (PTB's
``BaseRateLimiter``): every request passes through it, and each is in one of two lanes.

- A **notice** (the outbox, ``bot.sender``, which marks its sends ``rate_limit_args=Lane.NOTICE``)
  waits its turn: evenly spaced, ``messages_per_second`` apart, and only while the last second holds
  fewer than ``messages_per_second - REPLY_HEADROOM`` requests (fewer still while members are busy:
  an eighth of a second of the replies' current rate is left free as well), nor while a reply waits
  for the budget; one chat gets it a ``chat_interval_seconds`` after anything else sent to it, one group
  ``60 / group_messages_per_minute`` seconds after anything else.
- A **reply** (everything else: the answer to an update, ``bot.telegram_io``, a button's toast, the
  start's menus) goes at once while the last second holds fewer than ``messages_per_second``
  requests, else first in line (before any notice; replies in the order they came) for the next free
  place. It waits for its chat only when that chat
  had a notice in the last ``chat_interval_seconds`` (at most once per notice, by less than a
  second), and in a group only when the group's last minute is full.

Both lanes count in one sliding window of a second (requests that name a chat: sends and edits;
``getUpdates`` and a toast go straight through), so no second ever holds more than
``messages_per_second``; the headroom the notices leave is what lets a reply go at once in the
middle of a broadcast. A request counts from the moment it goes until a second after its answer:
Telegram counts it somewhere in between, so however the network holds requests up, they cannot
reach it bunched. A 429 that still happens halts the notices and that chat for its
``retry_after``, and the request is tried again after it, up to ``retries`` times; a reply's 429
halts only its own chat, other members' replies go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.config import DeliverySettings

log = logging.getLogger("kaohe.lanes")
REPLY_HEADROOM = 2  # places a second the notices leave free, so that a reply need not wait
REPLY_LOOKAHEAD = 0.125  # seconds of the replies' current rate the notices leave free on top
GROUP_PERIOD = 60.0  # seconds: Telegram's limit for a group is per minute
FORGET_AFTER = 2 * GROUP_PERIOD  # a chat's record, when nothing was sent to it for this long
Result = bool | dict[str, Any] | list[dict[str, Any]]


class Lane(StrEnum):
    """Which lane a request goes in: ``rate_limit_args`` of an ``ExtBot`` call (None: a reply)."""

    REPLY = "reply"
    NOTICE = "notice"


class Window:
    """At most ``limit`` requests in any ``period`` seconds, as Telegram counts them, wherever in the
    round trip Telegram does: a request counts from the moment it goes until ``period`` after its
    answer. (Counted from when it went, requests held up on the way can arrive bunched together.)"""

    def __init__(self, rate: float, period: float) -> None:
        self.limit = max(1, int(rate * period + 1e-9))  # below one a period: one per (period / rate)
        self.period = self.limit / rate
        self.flying = 0  # gone, not answered yet
        self.answered: deque[float] = deque()  # when each answer came, in order

    def wait(self, now: float, room: int = 0) -> float:
        """Seconds until one more fits with ``room`` places still left after it (0: it fits now; an
        answer still awaited counts as coming at once, so waiting that long may not be enough)."""
        while self.answered and self.answered[0] <= now - self.period:
            self.answered.popleft()
        cap = max(1, self.limit - room)
        over = self.flying + len(self.answered) - cap  # this many must leave the window first
        if over < 0:
            return 0.0
        if over < len(self.answered):
            return self.answered[over] + self.period - now
        return self.period

    def went(self) -> None:
        self.flying += 1

    def came(self, now: float) -> None:
        self.flying -= 1
        self.answered.append(now)


@dataclass
class Chat:
    """What was last sent to one chat, and until when Telegram told the bot to hold off it."""

    group: Window | None
    last: float = float("-inf")
    last_notice: float = float("-inf")
    held_until: float = float("-inf")
    flying: int = 0  # requests to it gone and not answered yet
    notices_flying: int = 0

    def since(self, last: float, flying: int, now: float) -> float:
        """Seconds since ``last``, none while such a request is in flight (it may reach Telegram yet)."""
        return 0.0 if flying else now - last


class Lanes(BaseRateLimiter[Lane]):
    """The bot's rate limiter: replies first, notices in the room left (see the module's docstring)."""

    def __init__(self, settings: DeliverySettings, retries: int = 3) -> None:
        self.settings = settings
        self.retries = retries
        self.overall = Window(settings.messages_per_second, 1.0)
        self.notice_room = min(REPLY_HEADROOM, self.overall.limit - 1)
        self.notice_spacing = 1 / settings.messages_per_second
        self.group_spacing = GROUP_PERIOD / settings.group_messages_per_minute
        self.chats: dict[int | str | None, Chat] = {}
        self.last_notice = float("-inf")
        self.notices_held_until = float("-inf")
        self.reply_times: deque[float] = deque()  # the replies of the last second: their rate
        self.replies_waiting = 0  # replies waiting for the overall budget: the notices stand back
        self.reply_line = asyncio.Lock()  # the replies waiting for the overall budget, in turn
        self.replies_through = asyncio.Event()
        self.replies_through.set()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def _chat(self, key: int | str | None, now: float) -> Chat:
        chat = self.chats.get(key)
        if chat is None:
            if len(self.chats) > 4096:
                self._forget(now)
            group = isinstance(key, str) or (isinstance(key, int) and key < 0)
            period_rate = self.settings.group_messages_per_minute / GROUP_PERIOD
            chat = self.chats[key] = Chat(Window(period_rate, GROUP_PERIOD) if group else None)
        return chat

    def _forget(self, now: float) -> None:
        quiet = now - FORGET_AFTER
        self.chats = {
            key: chat
            for key, chat in self.chats.items()
            if chat.flying or max(chat.last, chat.held_until) > quiet
        }

    def _reply_wait(self, chat: Chat, now: float) -> float:
        """Seconds a reply waits for its own chat: a notice just sent to it, a 429, a full minute."""
        interval = self.settings.chat_interval_seconds
        waits = [chat.held_until - now, interval - chat.since(chat.last_notice, chat.notices_flying, now)]
        if chat.group is not None:
            waits.append(chat.group.wait(now))
        return max(waits)

    def _notice_wait(self, chat: Chat, now: float) -> float:
        """Seconds a notice waits: for its chat, the notices' spacing and 429s, and the room left."""
        since = chat.since(chat.last, chat.flying, now)
        waits = [
            chat.held_until - now,
            self.settings.chat_interval_seconds - since,
            self.notices_held_until - now,
            self.last_notice + self.notice_spacing - now,
            self.overall.wait(now, room=self._room(now)),
        ]
        if chat.group is not None:
            waits += [chat.group.wait(now), self.group_spacing - since]
        return max(waits)

    def _room(self, now: float) -> int:
        """The places the notices leave free: a few, and more while members are busy."""
        while self.reply_times and self.reply_times[0] <= now - 1.0:
            self.reply_times.popleft()
        busy = math.ceil(len(self.reply_times) * REPLY_LOOKAHEAD)
        return min(self.notice_room + busy, self.overall.limit - 1)

    def _take(self, chat: Chat, lane: Lane, counted: bool, now: float) -> None:
        chat.last, chat.flying = now, chat.flying + 1
        if lane is Lane.NOTICE:
            chat.last_notice = self.last_notice = now
            chat.notices_flying += 1
        if counted:
            self.overall.went()
            if chat.group is not None:
                chat.group.went()
            if lane is Lane.REPLY:
                self.reply_times.append(now)

    async def _reply_turn(self, chat: Chat, counted: bool) -> None:
        while (wait := self._reply_wait(chat, time.monotonic())) > 0:
            await asyncio.sleep(wait)
        if counted and self.overall.wait(time.monotonic()) > 0:
            self.replies_waiting += 1
            self.replies_through.clear()
            try:
                async with self.reply_line:  # first come, first served: only the first one watches
                    while (wait := self.overall.wait(time.monotonic())) > 0:
                        await asyncio.sleep(wait)
            finally:
                self.replies_waiting -= 1
                if not self.replies_waiting:
                    self.replies_through.set()
        self._take(chat, Lane.REPLY, counted, time.monotonic())

    async def _notice_turn(self, chat: Chat, counted: bool) -> None:
        while True:
            await self.replies_through.wait()
            wait = self._notice_wait(chat, time.monotonic())
            if wait <= 0 and not self.replies_waiting:
                break
            await asyncio.sleep(max(wait, 0.0))
        self._take(chat, Lane.NOTICE, counted, time.monotonic())

    def _answered(self, chat: Chat, lane: Lane, counted: bool) -> None:
        """Telegram answered (or the request failed): the windows and the chat's spacing count from
        here (the request may have reached Telegram late, behind others on the network)."""
        now = time.monotonic()
        chat.last, chat.flying = now, chat.flying - 1
        if lane is Lane.NOTICE:
            chat.last_notice = now
            chat.notices_flying -= 1
        if counted:
            self.overall.came(now)
            if chat.group is not None:
                chat.group.came(now)

    def _held(self, key: int | str | None, error: RetryAfter) -> float:
        """Telegram said 429: hold the notices and this chat for its retry_after; the seconds."""
        after = error.retry_after
        seconds = (after.total_seconds() if isinstance(after, timedelta) else float(after)) + 0.1
        until = time.monotonic() + seconds
        self.notices_held_until = max(self.notices_held_until, until)
        chat = self._chat(key, time.monotonic())
        chat.held_until = max(chat.held_until, until)
        return seconds

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Lane | None,
    ) -> Result:
        """Make the request in its lane's turn; after a 429 again once retry_after has passed."""
        lane = rate_limit_args or Lane.REPLY
        key = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            key = int(key)  # type: ignore[arg-type]
        counted = key is not None
        attempt = 0
        while True:
            chat = self._chat(key, time.monotonic())
            if lane is Lane.NOTICE:
                await self._notice_turn(chat, counted)
            else:
                await self._reply_turn(chat, counted)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                seconds = self._held(key, error)
                if attempt == self.retries:
                    raise
                attempt += 1
                log.info(
                    "429: tried again after retry_after",
                    extra={"event": "send.flood", "lane": lane.value, "method": endpoint, "seconds": seconds},
                )
            finally:
                self._answered(chat, lane, counted)


def rate_limiter(settings: DeliverySettings, retries: int = 3) -> Lanes:
    """The limiter ``bot.app`` builds the bot with (and the benchmarks and tests, to be like it)."""
    return Lanes(settings, retries)
