"""The scheduler's start-up: the jobs that queue and send what fell due while the bot was down run as
soon as the bot starts, however long it took to start, not an interval later."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from telegram.ext import ApplicationBuilder, ContextTypes

from bot import scheduler
from bot.config import Config, DeliverySettings, Settings

SLOW_START = 1.5  # seconds between adding the jobs and starting the queue (APScheduler forgives 1)


def test_planning_appeal_clocks_and_sending_run_at_start_up_after_a_slow_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ran: list[str] = []

    def recorder(name: str) -> scheduler.Callback:
        async def job(context: ContextTypes.DEFAULT_TYPE) -> None:
            ran.append(name)

        return job

    for name in ("plan_due", "run_appeal_clocks", "deliver_due", "tidy_inbox"):
        monkeypatch.setattr(scheduler, name, recorder(name))
    settings = Settings(delivery=DeliverySettings(plan_interval_seconds=600, send_interval_seconds=600))
    application = ApplicationBuilder().token("1:not-a-token").build()
    scheduler.schedule(application, Config(settings, None), create_engine(f"sqlite:///{tmp_path / 'k.db'}"))

    async def start_slowly() -> None:
        jobs = scheduler.job_queue(application)
        await asyncio.sleep(SLOW_START)
        await jobs.start()
        await asyncio.sleep(1.0)
        await jobs.stop()

    asyncio.run(start_slowly())
    assert sorted(ran) == ["deliver_due", "plan_due", "run_appeal_clocks"]
