"""Where a person is in a multi-step conversation, so they can leave and come back days later.

One row per Telegram account: the flow it is in and that flow's state (a JSON object).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from storage.models import Conversation


def conversation(session: Session, telegram_user_id: int) -> Conversation | None:
    return session.get(Conversation, telegram_user_id)


def set_conversation(session: Session, telegram_user_id: int, flow: str, state: dict, now: datetime) -> None:
    """Remember where this person is (a new dict each time, so the JSON column sees the change)."""
    row = session.get(Conversation, telegram_user_id)
    if row is None:
        row = Conversation(telegram_user_id=telegram_user_id, flow=flow, state=dict(state), updated_at=now)
    else:
        row.flow, row.state, row.updated_at = flow, dict(state), now
    session.add(row)


def end_conversation(session: Session, telegram_user_id: int) -> None:
    row = session.get(Conversation, telegram_user_id)
    if row is not None:
        session.delete(row)
