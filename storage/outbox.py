"""The outbox (发件箱): every outgoing notification is a row, sent once by the running bot.

Whoever decides a message must go out (the command line opening a cycle, a scheduler job, a flow)
queues it here inside the same transaction as the change it announces; the sender in the running
bot delivers pending rows and marks them. The dedupe key makes queuing the same notice twice a no-op.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, String, Text
from sqlmodel import Field, Session, SQLModel, col, select

from storage.models import utcnow
from storage.types import UTCDateTime


class NotificationState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Notification(SQLModel, table=True):
    """An outgoing message (the outbox): sent once, by the running bot, whoever queued it."""

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=200, unique=True)
    chat_id: int = Field(sa_type=BigInteger, index=True)
    text: str = Field(sa_type=Text)
    state: NotificationState = Field(default=NotificationState.PENDING, sa_type=String(20), index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    not_before: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)


def queue(session: Session, *, dedupe_key: str, chat_id: int, text: str, not_before: datetime) -> bool:
    """Queue a message unless one with the same key exists; True when newly queued."""
    exists = session.exec(select(Notification.id).where(Notification.dedupe_key == dedupe_key)).first()
    if exists is not None:
        return False
    session.add(Notification(dedupe_key=dedupe_key, chat_id=chat_id, text=text, not_before=not_before))
    return True


def due(session: Session, now: datetime, limit: int = 100) -> list[Notification]:
    """Pending notifications whose time has come, oldest first."""
    return list(
        session.exec(
            select(Notification)
            .where(Notification.state == NotificationState.PENDING, Notification.not_before <= now)
            .order_by(col(Notification.id))
            .limit(limit)
        )
    )


def mark_sent(session: Session, notification: Notification, now: datetime) -> None:
    notification.state = NotificationState.SENT
    notification.sent_at = now
    notification.attempts += 1
    session.add(notification)


def mark_failed(session: Session, notification: Notification, error: str, retry_at: datetime | None) -> None:
    """Record a failed attempt: try again at ``retry_at``, or give up for good when it is None."""
    notification.attempts += 1
    notification.last_error = error
    if retry_at is None:
        notification.state = NotificationState.FAILED
    else:
        notification.not_before = retry_at
    session.add(notification)
