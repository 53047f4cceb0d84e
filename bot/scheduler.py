"""The bot's scheduler: every repeating job is registered here (PTB's JobQueue, APScheduler underneath).

- ``plan`` every ``delivery.plan_interval_seconds`` (60), at once at start-up: queues the reminders,
  digests and phase announcements in force (``flows.notices.schedule.plan``).
- ``appeals`` every ``APPEAL_CLOCK_SECONDS`` (60), first after 5 s: the appeal clocks
  (``flows.appeals.clock``: escalation after 24 hours, a daily flag after 7 days).
- ``outbox`` every ``delivery.send_interval_seconds`` (2), at once: drains the outbox (``bot.sender``),
  in the one process holding the ``sender`` lease (renewed every run; another takes over when it stops).
- ``inbox`` every ``TIDY_SECONDS`` (15): frees the inbox's and the outbox's claims of processes of this
  host that died, so their work is taken over at once rather than when the claims run out, and
  forgets updates done more than ``KEEP_INBOX`` (two days) ago (``storage.inbox``).

The first two run in a worker thread, one transaction each, so updates keep flowing. No job holds
anything that matters: deadlines are columns of the cycle, appeals keep their own times, and every
notice is an outbox row with a unique subject. So nothing needs rebuilding at start-up, and a
restart, even after kill -9, loses nothing and repeats nothing: the first runs queue what fell due
while the bot was down (once) and send what is pending.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine
from telegram.ext import Application, ContextTypes, JobQueue

from bot.config import Config
from bot.sender import Sender
from flows.appeals import clock as appeals_clock
from flows.notices.schedule import plan
from flows.ui.context import FlowContext
from storage import inbox, leases
from storage.db import session_scope
from storage.models import InboxUpdate, Notification

log = logging.getLogger("kaohe.scheduler")
APPEAL_CLOCK_SECONDS = 60.0
TIDY_SECONDS = 15.0
SENDER_LEASE, SENDER_LEASE_TIME = "sender", timedelta(seconds=30)
KEEP_INBOX = timedelta(days=2)  # Telegram re-sends an unconfirmed update for at most a day
T = TypeVar("T")


def _in_transaction(config: Config, engine: Engine, step: Callable[[FlowContext], T]) -> T:
    """Run ``step`` with a context of its own, now, in one transaction."""
    settings = config.settings
    with session_scope(engine) as session:
        now = datetime.now(UTC)
        return step(FlowContext(session=session, now=now, tz=settings.tz, default_locale=settings.language))


async def _run(context: ContextTypes.DEFAULT_TYPE, step: Callable[[FlowContext], T]) -> T:
    data = context.bot_data
    return await asyncio.to_thread(_in_transaction, data["config"], data["engine"], step)


async def plan_due(context: ContextTypes.DEFAULT_TYPE) -> None:
    """One planning run: queue what is in force now."""
    queued = await _run(context, plan)
    if queued:
        log.info("notices planned", extra={"event": "schedule.planned", "queued": queued})


async def run_appeal_clocks(context: ContextTypes.DEFAULT_TYPE) -> None:
    """One run of the appeal clocks: escalate and flag what is due, each with its notices."""
    for item in await _run(context, appeals_clock.run):
        extra = {"event": f"appeal.{item.kind.value}", "appeal": item.appeal_id, "day": str(item.day or "")}
        log.info("appeal clock", extra=extra)


def _sends(sender: Sender) -> bool:
    """Take or renew the ``sender`` lease; False while another process holds it."""
    now = datetime.now(UTC)
    with session_scope(sender.engine) as session:
        return leases.take(session, SENDER_LEASE, sender.owner, now, now + SENDER_LEASE_TIME) is None


async def deliver_due(context: ContextTypes.DEFAULT_TYPE) -> None:
    """One sending run: drain the outbox, stopping early when the bot is shutting down. Telegram's
    limits are the bot's, so only the process holding the ``sender`` lease sends (others stand by)."""
    sender: Sender = context.bot_data["sender"]
    if not await asyncio.to_thread(_sends, sender):
        return
    outcomes = await sender.drain(context.bot, keep_going=lambda: context.application.running)
    if outcomes:
        log.info("outbox drained", extra={"event": "outbox.drained", **outcomes})


def tidy(engine: Engine) -> None:
    """Free the inbox's and the outbox's claims of processes of this host that died, and forget updates
    done long ago."""
    with session_scope(engine) as session:
        released = sum(
            leases.release_claims(session, rows, leases.is_gone) for rows in (InboxUpdate, Notification)
        )
        inbox.forget_before(session, datetime.now(UTC) - KEEP_INBOX)
    if released:
        log.info("claims of stopped processes released", extra={"event": "inbox.released", "count": released})


async def tidy_inbox(context: ContextTypes.DEFAULT_TYPE) -> None:
    await asyncio.to_thread(tidy, context.bot_data["engine"])


def job_queue(application: Application) -> JobQueue:
    """The application's job queue (there is one when python-telegram-bot has its job-queue extra)."""
    if application.job_queue is None:
        raise RuntimeError("no job queue: install python-telegram-bot[job-queue]")
    return application.job_queue


def schedule(application: Application, config: Config, engine: Engine) -> None:
    """Add every job to the application's job queue."""
    settings = config.settings
    application.bot_data["sender"] = Sender(engine, settings.delivery, settings.tz, settings.language)
    jobs = job_queue(application)
    jobs.run_repeating(plan_due, interval=settings.delivery.plan_interval_seconds, first=0, name="plan")
    jobs.run_repeating(run_appeal_clocks, interval=APPEAL_CLOCK_SECONDS, first=5.0, name="appeals")
    # A second instance may start while a long drain runs; it finds the sender busy and returns,
    # instead of APScheduler skipping it with a warning.
    jobs.run_repeating(
        deliver_due,
        interval=settings.delivery.send_interval_seconds,
        first=0,
        name="outbox",
        job_kwargs={"max_instances": 2},
    )
    jobs.run_repeating(tidy_inbox, interval=TIDY_SECONDS, first=TIDY_SECONDS, name="inbox")
