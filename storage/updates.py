"""Telegram updates already handled, so an update delivered again after a crash is not acted on twice.

Telegram re-sends every update the bot had not confirmed when it stopped; after a kill -9 that
includes updates whose effects were already committed. The update id is recorded in the same
transaction as those effects, and a second delivery is skipped.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, delete

from storage.models import HandledUpdate


def first_delivery(session: Session, update_id: int, now: datetime) -> bool:
    """Record ``update_id`` as handled in this transaction; False if it had been handled before."""
    if session.get(HandledUpdate, update_id) is not None:
        return False
    session.add(HandledUpdate(update_id=update_id, handled_at=now))
    return True


def forget_before(session: Session, moment: datetime) -> None:
    """Drop the record of updates handled before ``moment`` (Telegram keeps updates for at most a day)."""
    session.exec(delete(HandledUpdate).where(col(HandledUpdate.handled_at) < moment))
