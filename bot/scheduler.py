"""The bot's scheduler: two repeating jobs on PTB's JobQueue (APScheduler underneath), both run at once.

- ``plan`` every ``delivery.plan_interval_seconds`` (60): queues the reminders, digests and phase
  announcements in force (``flows.notices.schedule.plan``), in a worker thread so updates keep flowing.
- ``outbox`` every ``delivery.send_interval_seconds`` (2): drains the outbox (``bot.sender``).

Neither job holds anything that matters: deadlines are columns of the cycle, reminders and every
other notification are outbox rows with a unique key. So nothing needs rebuilding at start-up, and a
restart, even after kill -9, loses nothing and repeats nothing: the first runs, at once, queue what
fell due while the bot was down (once, by key) and send what is pending.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from sqlalchemy import Engine
from telegram.ext import Application, ContextTypes, JobQueue

from bot.config import Config
from bot.sender import Sender
from flows.notices.schedule import plan
from flows.ui.context import FlowContext
from storage.db import session_scope

log = logging.getLogger("kaohe.scheduler")


def _plan_now(config: Config, engine: Engine) -> int:
    settings = config.settings
    with session_scope(engine) as session:
        now = datetime.now(UTC)
        return plan(FlowContext(session=session, now=now, tz=settings.tz, default_locale=settings.language))


async def plan_due(context: ContextTypes.DEFAULT_TYPE) -> None:
    """One planning run: queue what is in force now."""
    queued = await asyncio.to_thread(_plan_now, context.bot_data["config"], context.bot_data["engine"])
    if queued:
        log.info("notices planned", extra={"event": "schedule.planned", "queued": queued})


async def deliver_due(context: ContextTypes.DEFAULT_TYPE) -> None:
    """One sending run: drain the outbox, stopping early when the bot is shutting down."""
    sender: Sender = context.bot_data["sender"]
    outcomes = await sender.drain(context.bot, keep_going=lambda: context.application.running)
    if outcomes:
        log.info("outbox drained", extra={"event": "outbox.drained", **outcomes})


def job_queue(application: Application) -> JobQueue:
    """The application's job queue (there is one when python-telegram-bot has its job-queue extra)."""
    if application.job_queue is None:
        raise RuntimeError("no job queue: install python-telegram-bot[job-queue]")
    return application.job_queue


def schedule(application: Application, config: Config, engine: Engine) -> None:
    """Add both jobs to the application's job queue; each runs first at once."""
    settings = config.settings
    application.bot_data["sender"] = Sender(engine, settings.delivery, settings.tz, settings.language)
    jobs = job_queue(application)
    jobs.run_repeating(plan_due, interval=settings.delivery.plan_interval_seconds, first=0, name="plan")
    # A second instance may start while a long drain runs; it finds the sender busy and returns,
    # instead of APScheduler skipping it with a warning.
    jobs.run_repeating(
        deliver_due,
        interval=settings.delivery.send_interval_seconds,
        first=0,
        name="outbox",
        job_kwargs={"max_instances": 2},
    )
