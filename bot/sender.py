"""The outbox sender: delivers queued notifications from the running bot, each exactly once.

A repeating job takes the pending rows whose time has come, sends them through the rate-limited
bot, and records the outcome in the same row: sent; failed for good (blocked, chat not found); or
to be retried later with a growing delay.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from storage import outbox
from storage.db import session_scope

log = logging.getLogger("kaohe.sender")
INTERVAL_SECONDS = 2.0
MAX_ATTEMPTS = 8


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(600, 5 * 2**attempts))


async def deliver_due(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send every notification that is due (one job run)."""
    engine: Engine = context.bot_data["engine"]
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        for notification in outbox.due(session, now):
            try:
                await context.bot.send_message(
                    notification.chat_id, notification.text, parse_mode=ParseMode.HTML
                )
            except (Forbidden, BadRequest) as error:
                outbox.mark_failed(session, notification, str(error), retry_at=None)
                log.warning(
                    "notification undeliverable", extra={"event": "outbox.failed", "id": notification.id}
                )
            except RetryAfter as error:
                retry = (
                    error.retry_after
                    if isinstance(error.retry_after, timedelta)
                    else timedelta(seconds=error.retry_after)
                )
                outbox.mark_failed(session, notification, str(error), retry_at=now + retry)
            except TelegramError as error:
                final = notification.attempts + 1 >= MAX_ATTEMPTS
                retry_at = None if final else now + _backoff(notification.attempts)
                outbox.mark_failed(session, notification, str(error), retry_at=retry_at)
            else:
                outbox.mark_sent(session, notification, datetime.now(UTC))
            session.commit()
