"""Failures on demand: Telegram's flood control, errors a test scripts for the next calls of a method,
and sends held back as if Telegram had stalled."""

from __future__ import annotations

import asyncio
import math
import time
from collections import defaultdict, deque
from collections.abc import Callable

from .errors import SERVER_ERRORS, ApiError, too_many_requests


class _Window:
    """At most ``limit`` events in any ``period`` seconds, per key."""

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.events: defaultdict[object, deque[float]] = defaultdict(deque)

    @classmethod
    def from_rate(cls, rate: float, period: float) -> _Window:
        """A rate below one per period becomes one event per (period / rate)."""
        return cls(int(rate), period) if rate >= 1 else cls(1, period / rate)

    def wait(self, key: object, now: float) -> float:
        """Seconds until one more event is allowed for the key (0 when it is allowed now)."""
        events = self.events[key]
        while events and events[0] <= now - self.period:
            events.popleft()
        return events[0] + self.period - now if len(events) >= self.limit else 0.0

    def add(self, key: object, now: float) -> None:
        self.events[key].append(now)


class _Bucket:
    """``burst`` events at once, then ``rate`` a second, per key (a token bucket)."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self.levels: dict[object, tuple[float, float]] = {}  # key → (tokens, when counted)

    def _tokens(self, key: object, now: float) -> float:
        tokens, then = self.levels.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - then) * self.rate)

    def wait(self, key: object, now: float) -> float:
        """Seconds until one more event is allowed for the key (0 when it is allowed now)."""
        missing = 1.0 - self._tokens(key, now)
        return missing / self.rate if missing > 1e-9 else 0.0

    def add(self, key: object, now: float) -> None:
        self.levels[key] = (self._tokens(key, now) - 1.0, now)


TELEGRAM_FLOOD_LIMITS = {"per_chat_per_second": 1.0, "global_per_second": 30.0, "group_per_minute": 20.0}
"""Telegram's published limits: one message a second in a chat, about 30 a second in all, 20 a minute
in a group (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this)."""

TELEGRAM_BURSTS = {"private_chat_burst": 3.0}
"""With ``TELEGRAM_FLOOD_LIMITS``: the short bursts over one a second that Telegram allows in a chat
("We may allow short bursts that go over this limit, but eventually you'll begin receiving 429
errors"), in private chats. Their size is unpublished: three in a row, then one a second, is an
assumption on the strict side (a person who sends one message a second gets answers about a second
apart, some a little less)."""


class FloodLimiter:
    """Telegram's limits on sending: per chat per second, overall per second, per group per minute.

    Off until configured (``configure(**TELEGRAM_FLOOD_LIMITS)`` for Telegram's own figures, with
    ``**TELEGRAM_BURSTS`` for its short bursts in private chats). A send above a limit is refused
    with 429 and the whole seconds to wait; refused sends do not count.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.rules: list[tuple[_Window | _Bucket, str]] = []

    def configure(
        self,
        per_chat_per_second: float | None = None,
        global_per_second: float | None = None,
        group_per_minute: float | None = None,
        private_chat_burst: float | None = None,
    ) -> None:
        """Sets the limits anew; a limit left at None is off, so no arguments turn flood control off.
        ``private_chat_burst`` lets that many sends to a private chat go at once (a token bucket
        refilled at ``per_chat_per_second``); without it every chat gets ``per_chat_per_second`` in
        any second, as groups always do."""
        self.rules = []
        if per_chat_per_second:
            chat_window = _Window.from_rate(per_chat_per_second, 1.0)
            if private_chat_burst:
                self.rules.append((chat_window, "group chat"))
                self.rules.append((_Bucket(per_chat_per_second, private_chat_burst), "private chat"))
            else:
                self.rules.append((chat_window, "chat"))
        if global_per_second:
            self.rules.append((_Window.from_rate(global_per_second, 1.0), "global"))
        if group_per_minute:
            self.rules.append((_Window.from_rate(group_per_minute, 60.0), "group"))

    def check(self, chat_id: int, *, group: bool) -> None:
        """Counts a send to the chat, or raises 429 if it is over a limit."""
        now = self.clock()
        skipped = ("private chat",) if group else ("group", "group chat")
        applicable = [
            (rule, None if kind == "global" else chat_id) for rule, kind in self.rules if kind not in skipped
        ]
        wait = max((rule.wait(key, now) for rule, key in applicable), default=0.0)
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        for rule, key in applicable:
            rule.add(key, now)


class ScriptedFailures:
    """Errors to answer to the next calls of a method, in the order they were scripted."""

    def __init__(self) -> None:
        self.queued: defaultdict[str, deque[ApiError]] = defaultdict(deque)

    def add(
        self,
        method: str,
        times: int = 1,
        *,
        retry_after: int | None = None,
        status: int | None = None,
        description: str | None = None,
    ) -> None:
        """retry_after gives 429 "Too Many Requests: retry after N"; status 500/502/503 Telegram's server
        errors; any other status needs a description."""
        if retry_after is not None:
            error = too_many_requests(retry_after)
        elif status is not None and (description is not None or status in SERVER_ERRORS):
            error = ApiError(status, description or SERVER_ERRORS[status])
        else:
            raise ValueError(
                "give retry_after, or a status (with a description unless it is 500, 502 or 503)"
            )
        self.queued[method.lower()].extend([error] * times)

    def take(self, method: str) -> ApiError | None:
        queue = self.queued[method.lower()]
        return queue.popleft() if queue else None


class SendHold:
    """Sends held back, as if Telegram had stalled: once held, ``after`` more sends go through and each
    one after that waits until released. Runs on the server's event loop."""

    def __init__(self) -> None:
        self.allowance: int | None = None  # None: not held
        self.released = asyncio.Event()

    def hold(self, after: int) -> None:
        self.allowance = after
        self.released.clear()

    def release(self) -> None:
        self.allowance = None
        self.released.set()

    async def admit(self) -> None:
        """Returns when a send may go ahead: at once unless sends are held and the allowance is spent."""
        while self.allowance is not None:
            if self.allowance > 0:
                self.allowance -= 1
                return
            await self.released.wait()
