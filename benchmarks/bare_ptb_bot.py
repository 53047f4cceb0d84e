"""The framework ceiling for ``benchmarks/round_trip.py``: a bare python-telegram-bot bot that answers
every message with one reply carrying one button, polling the Bot API at ``base_url``.

    python benchmarks/bare_ptb_bot.py TOKEN BASE_URL

No database, no inbox, no rate limiter: what PTB itself costs per update, on the same fake Bot API
and under the same load as ``kaohe run``.
"""

from __future__ import annotations

import sys

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.message is not None:
        await update.message.reply_text("<b>Your details</b>", parse_mode="HTML", reply_markup=KEYBOARD)


def main(token: str, base_url: str) -> None:
    application = Application.builder().token(token).base_url(base_url).build()
    application.add_handler(MessageHandler(filters.ALL, answer))
    application.run_polling(poll_interval=0, timeout=1, allowed_updates=[Update.MESSAGE])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
