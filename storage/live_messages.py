"""Each task's one live message per chat: the message a conversation's next screen replaces.

A task (the score sheet, the self-assessment, the /review screens, an appeal form) keeps one message
in a chat up to date instead of sending a new one per step. The Telegram adapter records here which
message that is once it has sent or edited it; a later screen of the task edits it, and a press on
any other message of the task is stale.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from storage.models import LiveMessage


def live_message(session: Session, chat_id: int, task: str) -> int | None:
    """The id of the task's live message in the chat, or None when it has none."""
    row = session.get(LiveMessage, (chat_id, task))
    return None if row is None else row.message_id


def record(
    session: Session, chat_id: int, task: str, message_id: int, now: datetime, *, keyboard: bool = True
) -> int | None:
    """Make ``message_id`` the task's live message in the chat (``keyboard``: it carries buttons);
    returns the one it replaces when that one still carries buttons to remove (a message without
    any is left alone: Telegram refuses to "remove" nothing, and the refusal costs a request)."""
    row = session.get(LiveMessage, (chat_id, task))
    if row is None:
        session.add(
            LiveMessage(chat_id=chat_id, task=task, message_id=message_id, keyboard=keyboard, updated_at=now)
        )
        return None
    earlier, had_keyboard = row.message_id, row.keyboard
    row.message_id, row.keyboard, row.updated_at = message_id, keyboard, now
    session.add(row)
    return earlier if earlier != message_id and had_keyboard else None
