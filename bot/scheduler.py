"""The bot's scheduler: every repeating job is registered here (PTB's JobQueue, APScheduler underneath).

- ``plan`` every ``delivery.plan_interval_seconds`` (60), and at once at start-up: queues the reminders,
  digests and phase announcements in force (``flows.reminders.schedule.plan``).
- ``appeals`` every ``APPEAL_CLOCK_SECONDS`` (60), and at start-up: the appeal clocks
  (``flows.appeals.clock``: escalation after 24 hours, a daily flag after 7 days).
- ``outbox`` every ``delivery.send_interval_seconds`` (2), and at start-up: drains the outbox
  (``bot.sender``), in the one process holding the ``sender`` lease (renewed every run; another takes
  over when it stops).
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
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine
from telegram.ext import Application, ContextTypes, JobQueue

from bot.config import Config
from bot.sender import Sender
from flows.appeals import clock as appeals_clock
from flows.reminders.schedule import plan
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
Callback = Callable[[ContextTypes.DEFAULT_TYPE], Coroutine[object, object, None]]


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


def _repeat(
    jobs: JobQueue, callback: Callback, interval: float, name: str, *, at_start: bool, at_once: int = 1
) -> None:
    """Run ``callback`` every ``interval`` seconds (``at_once`` runs of it at a time at most); with
    ``at_start`` also once as soon as the queue starts.

    A repeating job given ``first=0`` before the queue starts does not run at start-up: APScheduler
    moves its first run to the next whole interval after the start. A one-off run whose lateness is
    forgiven (``misfire_grace_time=None``) does run then, however long the bot took to start.
    """
    jobs.run_repeating(
        callback, interval=interval, first=interval, name=name, job_kwargs={"max_instances": at_once}
    )
    if at_start:
        jobs.run_once(callback, when=0, name=f"{name} at start", job_kwargs={"misfire_grace_time": None})


def schedule(application: Application, config: Config, engine: Engine) -> None:
    """Add every job to the application's job queue."""
    settings = config.settings
    application.bot_data["sender"] = Sender(engine, settings.delivery, settings.tz, settings.language)
    jobs = job_queue(application)
    _repeat(jobs, plan_due, settings.delivery.plan_interval_seconds, "plan", at_start=True)
    _repeat(jobs, run_appeal_clocks, APPEAL_CLOCK_SECONDS, "appeals", at_start=True)
    # A second instance may start while a long drain runs; it finds the sender busy and returns,
    # instead of APScheduler skipping it with a warning.
    _repeat(jobs, deliver_due, settings.delivery.send_interval_seconds, "outbox", at_start=True, at_once=2)
    _repeat(jobs, tidy_inbox, TIDY_SECONDS, "inbox", at_start=False)
