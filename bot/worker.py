"""Answering updates from the inbox: each handled once, in order in its chat, its answer sent after.

The worker claims the next updates (``storage.inbox.claim``: up to ``CLAIM_BATCH``, each the oldest
of a chat nobody is answering, so no two of one chat) and, in that same transaction, runs the flows
on each and stores the Bot API calls of its answer; the commit makes the effects, the "handled"
marks and the answers one. The calls go out after the commit, the answers of different chats
concurrently (``MAX_FLYING`` at once), each call recorded as sent, under the claim's lease; an
answer sent in full is marked done in the transaction of the next claim, which is what lets its
chat's next update be claimed. After a crash the next worker picks an update up where it stopped:
not handled → handled now; handled → the calls not yet recorded as sent (so at most the answers in
flight at the crash go out twice).

The database work (the claim with the flows in its transaction, each call recorded as sent) runs on
the engine's database thread (``storage.db.database_thread``), so that the event loop keeps receiving
and sending the answers meanwhile; an update this process received is handled as parsed then
(``bot.intake.Received``), not parsed again from the inbox.

A failure while handling rolls the batch back; the attempt is counted against that update, which
is tried again (``inbox.MAX_ATTEMPTS`` in all) and then given up with an apology to the person, and
the others are claimed again at once. A call Telegram refuses (blocked, bad request) is logged and
skipped; one that cannot get through (network, 429) is tried again later, the chat's next updates
waiting behind it, up to ``MAX_SEND_ATTEMPTS``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from telegram import Bot, Update
from telegram.error import Forbidden, InvalidToken, RetryAfter, TelegramError

from bot.failures import network_problem
from bot.intake import Received, pause
from bot.telegram_io import Call, calls_for, execute
from flows.ui.chat import Action, Incoming, Reply
from flows.ui.i18n import locale_for, render
from storage import accounts, inbox
from storage.db import in_database_thread, session_scope

log = logging.getLogger("kaohe.bot")
LEASE = timedelta(seconds=60)  # renewed with every call sent
IDLE_SECONDS = 0.5  # how often an idle worker looks for work other processes stored
RETRY_HANDLING = timedelta(seconds=1)
MAX_SEND_ATTEMPTS = 8
CLAIM_BATCH = 10  # updates claimed and handled in one transaction
MAX_FLYING = 20  # answers being sent at once, two batches (at most these go out again after a crash)
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


@dataclass(frozen=True)
class Step:
    """A claimed update after the flows ran on it: the calls of its answer and the report of its
    handling (None when it was handled before, by a process that stopped before answering)."""

    row: inbox.Claimed
    update: Update
    calls: list[Call]
    report: dict[str, object] | None

    def answer(self) -> Answer:
        row = self.row
        done = row.done_at is not None
        return Answer(
            row.update_id, self.update, self.calls, row.replies_sent, row.attempts, done, self.report
        )


class HandlingFailed(Exception):
    """The flows raised on one update of a batch claimed together: the batch's transaction is rolled
    back, the attempt counted against that update, and the others claimed again."""

    def __init__(self, row: inbox.Claimed, update: Update) -> None:
        super().__init__(row.update_id)
        self.row, self.update = row, update


@dataclass
class Worker:
    """Claims, handles and answers updates until stopped; one a process, and as many processes as wanted.

    ``owner`` names it in its claims; ``arrived`` is set when an update was stored (``received`` holds
    them parsed); ``locale`` is the language of an apology to someone whose client reports none.

    It claims up to ``batch`` updates at once (each the next of its chat, so of different chats) and
    handles them in one transaction; their answers go out concurrently, up to ``flying`` at once,
    while it claims the next ones (once there is room for a whole batch: while replies wait for the
    rate limiter, one transaction per answer would cost more than the answer, and each transaction
    costs its round trips however few updates it claims). With two batches in
    flight, a burst's second batch is handled while the first goes out, not after; an answer sent is
    finished in the transaction of the next claim."""

    bot: Bot
    engine: Engine
    handler: Handler
    owner: str
    arrived: asyncio.Event
    locale: str
    received: Received = field(default_factory=Received)
    batch: int = CLAIM_BATCH
    flying: int = MAX_FLYING
    pause: float = IDLE_SECONDS  # grows while the database is out of reach
    answered: list[int] = field(default_factory=list)  # sent, to be finished with the next claim
    sent_one: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, stop: asyncio.Event) -> None:
        sending: set[asyncio.Task[None]] = set()
        try:
            while not stop.is_set():
                if len(sending) > self.flying - self.batch:  # claim a whole batch at once
                    await asyncio.wait(sending, return_when=asyncio.FIRST_COMPLETED)
                    continue
                room = min(self.batch, self.flying - len(sending))
                answers = await self.look_for_work(stop, room)
                for answer in answers:
                    if not answer.done:
                        task = asyncio.create_task(self.answer(answer))
                        sending.add(task)
                        task.add_done_callback(sending.discard)
        finally:
            if sending:  # the answers being sent are finished (their claims would be released anyway)
                await asyncio.gather(*sending, return_exceptions=True)
            if self.answered:
                answered, self.answered = self.answered, []
                await self.database(self.claim, 0, answered)

    async def look_for_work(self, stop: asyncio.Event, room: int) -> list[Answer]:
        """Finish what was sent and claim up to ``room`` updates, until something is claimed (nothing
        when stopped first), looking again when an update arrives or an answer was sent, or every
        ``IDLE_SECONDS`` for what other processes stored."""
        while not stop.is_set():
            self.arrived.clear()
            self.sent_one.clear()
            answered, self.answered = self.answered, []
            try:
                answers = await self.database(self.claim, room, answered)
            except SQLAlchemyError as error:
                self.answered[:0] = answered  # finished with the next claim
                log.warning("inbox unavailable: %s", error, extra={"event": "inbox.unavailable"})
                self.pause = min(30.0, self.pause * 2)
                await pause(stop, self.pause)
                continue
            self.pause = IDLE_SECONDS
            if answers:
                return answers
            await pause(stop, IDLE_SECONDS, self.arrived, self.sent_one)
        return []

    def claim(self, room: int, answered: list[int]) -> list[Answer]:
        """Finish the ``answered`` updates; claim up to ``room`` updates and handle those not handled
        yet, in one transaction; what of their answers is left to send. When the flows fail on one, the
        batch is rolled back, the attempt counted against that update, and the batch claimed again."""
        now = _utcnow()
        try:
            with session_scope(self.engine) as session:
                if not room:
                    inbox.finish_all(session, answered, self.owner, now)
                    return []
                rows = inbox.claim(session, self.owner, now, now + LEASE, room, answered)
                senders = {row.user_id for row in rows if row.user_id and row.handled_at is None}
                accounts.read_placed_members_ahead(session, senders)
                steps = [self.handle(session, row, self.parsed(row), now) for row in rows]
                new = [(step.row, step.calls) for step in steps if step.row.handled_at is None]
                inbox.handled_all(session, new, now)
                return [step.answer() for step in steps]
        except HandlingFailed as failure:  # the batch is rolled back: count it, claim the others again
            with session_scope(self.engine) as session:
                inbox.finish_all(session, answered, self.owner, now)
            cause = failure.__cause__
            self.failed(failure.row.update_id, failure.update, cause or failure, now)
            return self.claim(room, [])

    def parsed(self, row: inbox.Claimed) -> Update:
        """The claimed update, as received by this process or else parsed from the inbox."""
        return self.received.take(row.update_id) or Update.de_json(row.payload, self.bot)

    def handle(self, session: Session, row: inbox.Claimed, update: Update, now: datetime) -> Step:
        """Run the flows on a claimed update not handled yet, in the claim's transaction (its "handled"
        mark is written with the batch's, ``inbox.handled_all``)."""
        if row.handled_at is not None:
            return Step(row, update, list(row.replies or []), None)
        started = time.monotonic()
        try:
            incoming, actions = self.handler(session, update, now)
            calls = calls_for(update, actions)
        except Exception as error:
            raise HandlingFailed(row, update) from error
        return Step(row, update, calls, _report(update, incoming, actions, started))

    def failed(self, update_id: int, update: Update | None, error: BaseException, now: datetime) -> None:
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
        self.answered.append(answer.update_id)
        self.sent_one.set()
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
