"""The framework ceiling for ``benchmarks/round_trip.py``: a bare python-telegram-bot bot that answers
every message with one reply carrying one button, polling the Bot API at ``base_url``.

    python benchmarks/bare_ptb_bot.py TOKEN BASE_URL [--telegram-limits]

No database, no inbox: what PTB itself costs per update, on the same fake Bot API and under the same
load as ``kaohe run``. Without a rate limiter by default (what the hot path costs; on Telegram it would
collect 429s). With ``--telegram-limits`` it keeps Telegram's limits the way PTB offers:
``AIORateLimiter`` (``python-telegram-bot[rate-limiter]``) at 30 requests a second overall and 20 a
minute to a group (no groups in this load), trying a request again after a 429's retry_after
(``MAX_RETRIES`` times).

Two of ``AIORateLimiter``'s semantics matter here. Its overall limiter (aiolimiter's leaky bucket)
with PTB's default arguments, 30 per 1 s, lets 30 go at once and then 30 a second, so up to 59 can
fall in one second; 1 per 1/30 s is the same rate without that burst, so it keeps "30 in any second".
And it has no limit per private chat (PTB's ``group_*`` arguments apply only to group and channel
ids): a member's replies are as far apart as the member's messages are, which is what Telegram's one
a second in a chat, with its short bursts, asks of this load (see ``round_trip.py``).
"""

from __future__ import annotations

import sys
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import AIORateLimiter, Application, ContextTypes, MessageHandler, filters

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])
OVERALL_PER_SECOND = 30  # Telegram's ~30 messages a second in all
GROUP_PER_MINUTE = 20  # and 20 a minute to one group
MAX_RETRIES = 5


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.message is not None:
        await update.message.reply_text("<b>Your details</b>", parse_mode="HTML", reply_markup=KEYBOARD)


def telegram_limits() -> AIORateLimiter:
    """PTB's rate limiter at Telegram's limits: 30 in any second (no burst above it), 20 a minute a group."""
    return AIORateLimiter(
        overall_max_rate=1,
        overall_time_period=1 / OVERALL_PER_SECOND,
        group_max_rate=GROUP_PER_MINUTE,
        group_time_period=60,
        max_retries=MAX_RETRIES,
    )


def main(token: str, base_url: str, limited: bool) -> None:
    builder = Application.builder().token(token).base_url(base_url)
    application: Application[Any, Any, Any, Any, Any, Any] = (
        builder.rate_limiter(telegram_limits()).build() if limited else builder.build()
    )
    application.add_handler(MessageHandler(filters.ALL, answer))
    application.run_polling(poll_interval=0, timeout=1, allowed_updates=[Update.MESSAGE])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], "--telegram-limits" in sys.argv[3:])
