"""Receiving: an update is stored as Telegram sent it, parsed once, and handled as that parse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from telegram import Bot

from bot.intake import Received, parse_and_store
from storage import inbox
from storage.db import session_scope

BOT = Bot("123456:" + "A" * 35)


def sent(update_id: int, chat: int, text: str) -> dict:
    """A message update as Telegram's JSON, with a field python-telegram-bot does not know."""
    person = {"id": chat, "is_bot": False, "first_name": "Ann"}
    message = {
        "message_id": 7,
        "date": 1_700_000_000,
        "chat": {"id": chat, "type": "private"},
        "from": person,
    }
    return {"update_id": update_id, "message": {**message, "text": text, "future_field": {"x": 1}}}


def test_an_update_is_stored_as_telegram_sent_it_and_kept_parsed_for_the_worker(engine: Engine):
    received = Received()
    payloads = [sent(41, 501, "/me"), sent(42, 502, "/me")]
    assert parse_and_store(engine, BOT, payloads, received) == 2
    assert parse_and_store(engine, BOT, payloads[:1], None) == 0  # sent again: skipped
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        claimed = inbox.claim(session, "here:1:a", now, now + timedelta(minutes=1), 8)
    assert [(row.update_id, row.chat_id, row.payload) for row in claimed] == [
        (41, 501, payloads[0]),
        (42, 502, payloads[1]),
    ]
    update = received.take(42)
    assert update is not None and update.message is not None and update.message.text == "/me"
    assert received.take(42) is None  # taken once
