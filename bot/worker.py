"""Answering updates from the inbox: each handled once, in order in its chat, its answer sent after.

A worker claims the next update (``storage.inbox.claim_next``: the oldest of a chat nobody is
answering) and, in that same transaction, runs the flows on it and stores the Bot API calls of the
answer; the commit makes the effects, the "handled" mark and the answer one. The calls go out after
the commit, each recorded as sent, under the claim's lease. After a crash the next worker picks the
update up where it stopped: not handled → handled now; handled → the calls not yet recorded as sent.

The database work (the claim with the flows in its transaction, each call recorded as sent) runs on
the engine's database thread (``storage.db.database_thread``), so that the event loop keeps receiving
and sending the other workers' answers meanwhile; the order within a chat is the claim's to keep.
The workers of a process take turns at claiming (one claims while the others send), so an arrival
does not set them all claiming at once.

A failure while handling rolls the effects back and is tried again (``inbox.MAX_ATTEMPTS`` in all),
then given up with an apology to the person. A call Telegram refuses (blocked, bad request) is
logged and skipped; one that cannot get through (network, 429) is tried again later, the chat's
next updates waiting behind it, up to ``MAX_SEND_ATTEMPTS``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from telegram import Bot, Update
from telegram.error import Forbidden, InvalidToken, RetryAfter, TelegramError

from bot.failures import network_problem
from bot.intake import in_database_thread, pause
from bot.telegram_io import Call, calls_for, execute
from flows.ui.chat import Action, Incoming, Reply
from flows.ui.i18n import locale_for, render
from storage import inbox
from storage.db import session_scope

log = logging.getLogger("kaohe.bot")
LEASE = timedelta(seconds=60)  # renewed with every call sent
IDLE_SECONDS = 0.5  # how often an idle worker looks for work other processes stored
RETRY_HANDLING = timedelta(seconds=1)
MAX_SEND_ATTEMPTS = 8
T = TypeVar("T")
Handler = Callable[[Session, Update, datetime], tuple[Incoming | None, list[Action]]]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _send_pause(attempts: int) -> timedelta:
    return timedelta(seconds=min(60, 2**attempts))


@dataclass(frozen=True)
class Answer:
    """A claimed update and what of its answer is still to send."""

    update_id: int
    update: Update
    calls: list[Call]
    sent: int
    attempts: int
    done: bool
    report: dict[str, object] | None = None  # for the "update handled" line; None: resumed after a crash


_TURNS: WeakKeyDictionary[asyncio.Event, asyncio.Lock] = WeakKeyDictionary()


def _turn(arrived: asyncio.Event) -> asyncio.Lock:
    """Workers woken by the same arrivals take turns at looking for work: one claims while the others
    send their answers, instead of all of them claiming at each arrival and all but one for nothing."""
    return _TURNS.setdefault(arrived, asyncio.Lock())


@dataclass
class Worker:
    """Claims, handles and answers updates until stopped; several may run in one process and in many.

    ``owner`` names it in its claims; ``arrived`` is set when an update was stored; ``locale`` is the
    language of an apology to someone whose client reports none."""

    bot: Bot
    engine: Engine
    handler: Handler
    owner: str
    arrived: asyncio.Event
    locale: str
    pause: float = IDLE_SECONDS  # grows while the database is out of reach

    async def run(self, stop: asyncio.Event) -> None:
        turn = _turn(self.arrived)
        while not stop.is_set():
            async with turn:
                answer = await self.look_for_work(stop)
            if answer is not None and not answer.done:
                await self.answer(answer)

    async def look_for_work(self, stop: asyncio.Event) -> Answer | None:
        """Claim until something is claimed (None when stopped first), looking again when an update
        arrives, or every ``IDLE_SECONDS`` for what other processes stored."""
        while not stop.is_set():
            self.arrived.clear()
            try:
                answer = await self.database(self.claim)
            except SQLAlchemyError as error:
                log.warning("inbox unavailable: %s", error, extra={"event": "inbox.unavailable"})
                self.pause = min(30.0, self.pause * 2)
                await pause(stop, self.pause)
                continue
            self.pause = IDLE_SECONDS
            if answer is not None:
                return answer
            await pause(stop, IDLE_SECONDS, self.arrived)
        return None

    def claim(self) -> Answer | None:
        """Claim the next update; handle it if it was not; what of its answer is left to send."""
        now = _utcnow()
        claimed: int | None = None
        update: Update | None = None
        try:
            with session_scope(self.engine) as session:
                row = inbox.claim_next(session, self.owner, now, now + LEASE)
                if row is None:
                    return None
                claimed = row.update_id
                update = Update.de_json(row.payload, self.bot)
                report = None
                if row.handled_at is None:
                    started = time.monotonic()
                    incoming, actions = self.handler(session, update, now)
                    inbox.handled(session, row, now, calls_for(update, actions))
                    report = _report(update, incoming, actions, started)
                calls = list(row.replies or [])
                return Answer(
                    claimed, update, calls, row.replies_sent, row.attempts, row.done_at is not None, report
                )
        except Exception as error:
            if claimed is None:
                raise
            self.failed(claimed, update, error, now)
            return None

    def failed(self, update_id: int, update: Update | None, error: Exception, now: datetime) -> None:
        """Handling raised: its effects are rolled back; count the attempt, and after the last one, give
        up with an apology."""
        log.error(
            "update failed",
            exc_info=error,
            extra={"event": "update.error", "update_id": update_id},
        )
        apology = self.apology(update) if update is not None else []
        with session_scope(self.engine) as session:
            inbox.failed_attempt(
                session, update_id, f"{type(error).__name__}: {error}", now, now + RETRY_HANDLING, apology
            )

    def apology(self, update: Update) -> list[Call]:
        user = update.effective_user
        if user is None or update.effective_chat is None:
            return []
        text = render(locale_for(user.language_code, self.locale), "update_failed")
        return calls_for(update, [Reply(text)])

    async def answer(self, answer: Answer) -> None:
        """Send what is left of the answer, each call recorded as sent; a call that cannot get through
        now is tried again later."""
        for index in range(answer.sent, len(answer.calls)):
            try:
                await execute(self.bot, self.engine, answer.calls[index])
            except InvalidToken:
                raise
            except TelegramError as error:
                if isinstance(error, RetryAfter) or network_problem(error):
                    await self.database(self.later, answer, index, error)
                    return
                event = "send.forbidden" if isinstance(error, Forbidden) else "send.refused"
                log.warning(
                    "reply not delivered",
                    extra={"event": event, "update_id": answer.update_id, "error": str(error)},
                )
            if index + 1 < len(answer.calls) and not await self.database(
                self.replied, answer.update_id, index + 1
            ):
                log.warning("claim lost", extra={"event": "inbox.lost", "update_id": answer.update_id})
                return
        await self.database(self.finish, answer.update_id)
        if answer.report is not None:
            log.info("update handled", extra=answer.report)
        else:
            log.info(
                "update answered after a restart",
                extra={"event": "update.resumed", "update_id": answer.update_id},
            )

    def replied(self, update_id: int, sent: int) -> bool:
        with session_scope(self.engine) as session:
            return inbox.replied(session, update_id, self.owner, sent, _utcnow() + LEASE)

    def finish(self, update_id: int) -> None:
        with session_scope(self.engine) as session:
            inbox.finish(session, update_id, self.owner, _utcnow())

    async def database(self, work: Callable[..., T], *args: object) -> T:
        """Run ``work`` (a transaction, and the flows in it) off the event loop, on the engine's database
        thread: replies of other workers keep going out meanwhile."""
        return await in_database_thread(self.engine, work, *args)

    def later(self, answer: Answer, index: int, error: TelegramError) -> None:
        now = _utcnow()
        give_up = answer.attempts + 1 >= MAX_SEND_ATTEMPTS
        pause = _send_pause(answer.attempts)
        if isinstance(error, RetryAfter):
            pause = max(
                pause,
                error.retry_after
                if isinstance(error.retry_after, timedelta)
                else timedelta(seconds=error.retry_after),
            )
        log.warning(
            "reply not sent yet" if not give_up else "reply given up",
            extra={
                "event": "send.retry" if not give_up else "send.failed",
                "update_id": answer.update_id,
                "error": str(error),
            },
        )
        with session_scope(self.engine) as session:
            inbox.reply_later(
                session,
                answer.update_id,
                self.owner,
                index,
                str(error),
                now,
                None if give_up else now + pause,
            )


def _report(
    update: Update, incoming: Incoming | None, actions: list[Action], started: float
) -> dict[str, object]:
    report: dict[str, object] = {
        "event": "update.handled",
        "update_id": update.update_id,
        "replies": len(actions),
    }
    if incoming is not None:
        report |= {
            "user": incoming.telegram_user_id,
            "chat": incoming.chat_id,
            "content": incoming.content.value,
            "command": incoming.command,
        }
    return report | {"ms": round((time.monotonic() - started) * 1000, 1)}
