"""Receiving updates: each is in the inbox (``storage.inbox``), committed, before Telegram is told.

Polling: the bot asks ``getUpdates`` itself (PTB's Updater confirms a batch, by asking with a higher
offset, before the application has handled it), as plain JSON: each update is stored as Telegram
sent it and parsed once, on the database thread, for its chat and for the worker (``Received``;
PTB's ``get_updates`` would parse it, and storing it would turn it back into JSON). A batch is
stored and committed; only then is the
next ``getUpdates`` sent with ``offset`` = the last stored + 1, which tells Telegram to forget what
came before. The first request after a start carries no offset: Telegram sends again whatever it was
not told about, and the inbox skips what it already holds.

Webhook: Telegram's POST is answered 200 only after the update is committed; a failure to store it
answers 500, and Telegram posts it again later.

Either way ``arrived`` wakes the workers (``bot.worker``). Trouble reaching the Bot API is retried
with growing pauses (``Reconnecting``), one clear line a try instead of tracebacks.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import threading
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from functools import partial
from http import HTTPStatus
from types import TracebackType
from typing import TypeVar

import tornado.web
from sqlalchemy import Engine
from telegram import Bot, Update
from telegram.error import Conflict, RetryAfter, TelegramError
from tornado.httpserver import HTTPServer

from bot.failures import network_problem, unreachable
from bot.telegram_io import JSON, request
from flows.ui.i18n import plain
from storage import inbox
from storage.db import in_database_thread, session_scope

log = logging.getLogger("kaohe.intake")
T = TypeVar("T")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FIRST_PAUSE, LONGEST_PAUSE = 1.0, 60.0
READ_TIMEOUT = 5.0  # seconds for getUpdates' answer beyond its long poll (PTB's default for it)


class Received:
    """The updates this process stored, as parsed, until one of its workers claims them: parsed once.
    Bounded: one that another process claims, or one that waits long, drops out and is parsed again
    from the inbox when claimed. (Filled and emptied on database threads, hence the lock.)"""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self.updates: dict[int, Update] = {}
        self.lock = threading.Lock()

    def keep(self, updates: Sequence[Update]) -> None:
        with self.lock:
            for update in updates:
                self.updates[update.update_id] = update
            while len(self.updates) > self.size:
                del self.updates[next(iter(self.updates))]  # the oldest

    def take(self, update_id: int) -> Update | None:
        with self.lock:
            return self.updates.pop(update_id, None)


def store(
    engine: Engine, updates: Sequence[Update], payloads: Sequence[JSON], received: Received | None = None
) -> int:
    """Commit the updates to the inbox, each as received (its ``payloads``), and keep them parsed in
    ``received``; how many were new."""
    if received is not None:
        received.keep(updates)
    arrivals = []
    for update, payload in zip(updates, payloads, strict=True):
        chat, user = update.effective_chat, update.effective_user
        chat_id = chat.id if chat else (user.id if user else None)
        arrivals.append(inbox.Arrival(update.update_id, chat_id, user.id if user else None, payload))
    with session_scope(engine) as session:
        new = inbox.receive_all(session, arrivals, datetime.now(UTC))
    if new < len(updates):
        log.info(
            "updates received again: skipped",
            extra={"event": "update.duplicate", "count": len(updates) - new},
        )
    return new


def parse_and_store(engine: Engine, bot: Bot, payloads: Sequence[JSON], received: Received | None) -> int:
    """``store`` the updates as Telegram sent them, parsing each once."""
    return store(engine, [Update.de_json(payload, bot) for payload in payloads], payloads, received)


class Reconnecting:
    """Runs a Bot API step until it succeeds or ``stop`` is set, pausing 1, 2, 4 … 60 s between tries
    that fail to reach the API, with one line a try saying what is wrong."""

    def __init__(self, locale: str, url: str, stop: asyncio.Event) -> None:
        self.locale = locale
        self.url = url
        self.stop = stop
        self.pause = FIRST_PAUSE
        self.failing = False

    async def run(self, step: Callable[[], Awaitable[T]]) -> T | None:
        """The step's result; None when stopped first. Errors other than network trouble propagate."""
        while not self.stop.is_set():
            try:
                result = await step()
            except RetryAfter as error:
                await self.wait(error.retry_after if isinstance(error.retry_after, int) else 1)
                continue
            except Conflict:  # another program polls with this token (one not sharing the database)
                log.warning(plain(self.locale, "polling_conflict"), extra={"event": "telegram.conflict"})
                await self.wait(LONGEST_PAUSE / 2)
                continue
            except TelegramError as error:
                if not network_problem(error):
                    raise
                await self.failed(error)
                continue
            self.succeeded()
            return result
        return None

    async def failed(self, error: BaseException) -> None:
        problem = unreachable(self.locale, self.url, error)
        seconds = round(self.pause)
        log.warning(
            plain(self.locale, "retrying", problem=problem, seconds=seconds),
            extra={"event": "telegram.unreachable", "retry_in": seconds},
        )
        self.failing = True
        await self.wait(self.pause)
        self.pause = min(LONGEST_PAUSE, self.pause * 2)

    def succeeded(self) -> None:
        if self.failing:
            log.info(plain(self.locale, "reconnected"), extra={"event": "telegram.reachable"})
        self.failing = False
        self.pause = FIRST_PAUSE

    async def wait(self, seconds: float) -> None:
        await pause(self.stop, seconds)


async def pause(stop: asyncio.Event, seconds: float, *wakes: asyncio.Event) -> None:
    """Wait ``seconds``, or less when ``stop`` (or one of ``wakes``) is set."""
    waits = [asyncio.ensure_future(event.wait()) for event in (stop, *wakes)]
    await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    for waiting in waits:
        waiting.cancel()


async def poll(
    bot: Bot,
    engine: Engine,
    arrived: asyncio.Event,
    reconnecting: Reconnecting,
    *,
    timeout: int,
    allowed: list[str],
    received: Received | None = None,
) -> None:
    """Long-poll until ``reconnecting.stop`` is set; each batch committed before the offset moves on."""
    offset: int | None = None
    while not reconnecting.stop.is_set():
        asking = {"offset": offset, "timeout": timeout, "allowed_updates": allowed}
        fetch = partial(request, bot, "getUpdates", asking, read_timeout=timeout + READ_TIMEOUT)
        payloads: list[JSON] | None = await _until_stopped(reconnecting, fetch)
        if not payloads:
            continue
        await in_database_thread(engine, parse_and_store, engine, bot, payloads, received)
        offset = payloads[-1]["update_id"] + 1
        arrived.set()


async def _until_stopped(reconnecting: Reconnecting, fetch: Callable[[], Awaitable[T]]) -> T | None:
    """The fetch, abandoned when stop is set (a long poll would otherwise hold the stop up)."""
    fetching = asyncio.ensure_future(reconnecting.run(fetch))
    stopping = asyncio.ensure_future(reconnecting.stop.wait())
    await asyncio.wait((fetching, stopping), return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not fetching.done():
        fetching.cancel()
        with suppress(asyncio.CancelledError):
            await fetching
        return None
    return fetching.result()


class UpdateEndpoint(tornado.web.RequestHandler):
    """The webhook: checks Telegram's secret, stores the update, and only then answers 200."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(
        self, bot: Bot, engine: Engine, secret: str, arrived: asyncio.Event, received: Received | None
    ) -> None:
        self.bot, self.engine, self.secret, self.arrived = bot, engine, secret, arrived
        self.received = received

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        try:
            payload = json.loads(self.request.body)
            update = Update.de_json(payload, self.bot)
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from error
        # an error answers 500: sent again
        await in_database_thread(self.engine, store, self.engine, [update], [payload], self.received)
        self.arrived.set()
        self.set_status(HTTPStatus.OK)

    def log_exception(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if error is not None and not isinstance(error, tornado.web.HTTPError):
            log.error("webhook update not stored", exc_info=error, extra={"event": "webhook.error"})


def webhook_server(
    bot: Bot,
    engine: Engine,
    arrived: asyncio.Event,
    *,
    path: str,
    secret: str,
    received: Received | None = None,
) -> HTTPServer:
    """The HTTP server Telegram posts updates to (not yet listening)."""
    shared = {"bot": bot, "engine": engine, "secret": secret, "arrived": arrived, "received": received}
    application = tornado.web.Application([(rf"/{path.strip('/')}/?", UpdateEndpoint, shared)])
    return HTTPServer(application)
