"""The appeal clocks in the running bot: a repeating job applies ``flows.appeals.clock`` every minute
(escalations after 24 hours, daily flags after 7 days); its notices go out through the outbox."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import Engine
from telegram.ext import ContextTypes

from bot.config import Config
from flows.appeals import clock as appeals_clock
from flows.ui.context import FlowContext
from storage.db import session_scope

log = logging.getLogger("kaohe.appeals")
INTERVAL_SECONDS = 60.0


async def run_appeal_clocks(context: ContextTypes.DEFAULT_TYPE) -> None:
    """One run of the appeal clocks, in one transaction."""
    config: Config = context.bot_data["config"]
    engine: Engine = context.bot_data["engine"]
    with session_scope(engine) as session:
        flow_context = FlowContext(
            session=session,
            now=datetime.now(UTC),
            tz=config.settings.tz,
            default_locale=config.settings.language,
        )
        due = appeals_clock.run(flow_context)
    for item in due:
        log.info(
            "appeal clock",
            extra={
                "event": f"appeal.{item.kind.value}",
                "appeal": item.appeal_id,
                "day": str(item.day or ""),
            },
        )
