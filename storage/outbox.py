"""The outbox (发件箱): every outgoing notification is a row, sent once by the running bot.

Whoever decides a message must go out (the command line opening a cycle, a scheduler job, a flow)
queues it here inside the same transaction as the change it announces; the sender in the running
bot delivers pending rows and marks them. The dedupe key makes queuing the same notice twice a no-op,
even when two processes race (the insert itself skips a taken key).

A row of a notice keeps what it is about as columns (its ``Subject``: the kind of notice, the cycle,
the member it goes to, the step, the record it is about, the tag), from which its dedupe key is
computed; nothing reads the key back. It also keeps the buttons it carries. A row ends sent, failed
for good (the person blocked the bot, the chat is gone: see ``unreachable``) or cancelled (no longer
true when its time came, e.g. a reminder to someone who has since done it).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, update
from sqlmodel import Session, col, select

from storage.bulk import insert_rows
from storage.models import Member, Notification, NotificationState, Subject, TelegramBinding

ButtonRows = Sequence[Sequence[tuple[str, str]]]  # (label, callback data), row by row


NO_SUBJECT: dict[str, Any] = dict.fromkeys(field.name for field in fields(Subject))  # a row about nothing


def row(
    defaults: dict[str, Any],
    *,
    dedupe_key: str,
    chat_id: int,
    text: str,
    not_before: datetime,
    subject: Subject | None = None,
    buttons: ButtonRows = (),
) -> dict[str, Any]:
    """A message's ``Notification`` row: ``defaults`` (``queued_defaults``), then its own columns."""
    columns = vars(subject) if subject is not None else NO_SUBJECT
    return {
        **defaults,
        "dedupe_key": dedupe_key,
        "chat_id": chat_id,
        "text": text,
        "not_before": not_before,
        "buttons": keyboard(buttons),
        **columns,
    }


def keyboard(buttons: ButtonRows) -> list[list[dict[str, str]]] | None:
    """The ``buttons`` column of a row: each button's label and callback data, row by row (None: none)."""
    return [[{"label": label, "data": data} for label, data in line] for line in buttons] or None


def queue(
    session: Session,
    *,
    dedupe_key: str,
    chat_id: int,
    text: str,
    not_before: datetime,
    subject: Subject | None = None,
    buttons: ButtonRows = (),
) -> bool:
    """Queue a message unless one with the same key exists; True when newly queued."""
    message = row(
        queued_defaults(),
        dedupe_key=dedupe_key,
        chat_id=chat_id,
        text=text,
        not_before=not_before,
        subject=subject,
        buttons=buttons,
    )
    return bool(queue_rows(session, [message]))


def queue_rows(session: Session, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Queue messages given as their rows (``row``'s columns, the same in each: a cycle's opening builds
    ten thousand itself) in their order with one insert (``storage.bulk``), each unless one with its key
    exists (the insert skips a taken key, even one taken by another process meanwhile); the keys newly
    queued."""
    if not rows:
        return set()
    return set(insert_rows(session, Notification, rows, unique="dedupe_key", returning="dedupe_key"))


def queued_defaults() -> dict[str, Any]:
    """The columns a queued row takes from the table's defaults (state, times), from one row built by the
    ORM (one per message took most of the time); those that default to NULL are left to the table."""
    built = Notification(dedupe_key="", chat_id=0, text="").model_dump(exclude={"id"})
    return {name: value for name, value in built.items() if value is not None}


SUBJECT_COLUMNS = frozenset(("kind", "cycle_id", "step", "about_id", "tag"))


def told(session: Session, **subject: Any) -> set[int]:
    """The members queued a notice whose subject has these column values (any value of those left out)."""
    assert subject.keys() <= SUBJECT_COLUMNS and {"kind", "cycle_id"} <= subject.keys()
    query = select(Notification.member_id).distinct()
    for name, value in subject.items():
        query = query.where(getattr(Notification, name) == value)
    return {member_id for member_id in session.exec(query) if member_id is not None}


def _due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Pending, and its time has come."""
    return col(Notification.state) == NotificationState.PENDING, col(Notification.not_before) <= now


def due(
    session: Session,
    now: datetime,
    limit: int = 100,
    *,
    skip_ids: Collection[int] = (),
    skip_chats: Collection[int] = (),
) -> list[Notification]:
    """Pending notifications whose time has come, oldest first, leaving out some rows and chats."""
    query = select(Notification).where(*_due(now))
    if skip_ids:
        query = query.where(col(Notification.id).not_in(list(skip_ids)))
    if skip_chats:
        query = query.where(col(Notification.chat_id).not_in(list(skip_chats)))
    return list(session.exec(query.order_by(col(Notification.id)).limit(limit)))


def claim_due(
    session: Session,
    owner: str,
    now: datetime,
    until: datetime,
    limit: int = 100,
    *,
    skip_chats: Collection[int] = (),
) -> list[Notification]:
    """Claim for ``owner`` until ``until`` the pending notifications whose time has come and that nobody
    is sending, oldest first, leaving out some chats.

    One statement, first in its transaction: on PostgreSQL the rows are picked ``FOR UPDATE SKIP
    LOCKED`` (another sender skips them instead of waiting); on SQLite the write locks the database.
    A row claimed by a sender that stopped is free again once its claim runs out.
    """
    free = or_(col(Notification.claimed_until).is_(None), col(Notification.claimed_until) <= now)
    candidates = (
        select(col(Notification.id)).where(*_due(now), free).order_by(col(Notification.id)).limit(limit)
    )
    if skip_chats:
        candidates = candidates.where(col(Notification.chat_id).not_in(list(skip_chats)))
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    claimed = session.execute(
        update(Notification)
        .where(col(Notification.id).in_(candidates.scalar_subquery()))
        .values(claimed_by=owner, claimed_until=until)
        .returning(col(Notification.id))
    ).scalars()
    ids = sorted(claimed)
    rows = session.exec(
        select(Notification).where(col(Notification.id).in_(ids)).order_by(col(Notification.id))
    )
    return list(rows.all()) if ids else []


def release(session: Session, notification: Notification) -> None:
    """Give a claimed notification back unsent (another of its chat goes first)."""
    notification.claimed_by = notification.claimed_until = None
    session.add(notification)


def mark_sent(session: Session, notification: Notification, now: datetime) -> None:
    notification.claimed_by = notification.claimed_until = None
    notification.state = NotificationState.SENT
    notification.sent_at = now
    notification.attempts += 1
    session.add(notification)


def mark_failed(session: Session, notification: Notification, error: str, retry_at: datetime | None) -> None:
    """Record a failed attempt: try again at ``retry_at``, or give up for good when it is None."""
    notification.claimed_by = notification.claimed_until = None
    notification.attempts += 1
    notification.last_error = error
    if retry_at is None:
        notification.state = NotificationState.FAILED
    else:
        notification.not_before = retry_at
    session.add(notification)


def postpone(session: Session, notification: Notification, until: datetime) -> None:
    """Hold a pending notification back until ``until`` (e.g. the end of quiet hours)."""
    notification.claimed_by = notification.claimed_until = None
    notification.not_before = until
    session.add(notification)


def mark_cancelled(session: Session, notification: Notification, reason: str) -> None:
    """Drop a pending notification that is no longer true; its key stays taken."""
    notification.claimed_by = notification.claimed_until = None
    notification.state = NotificationState.CANCELLED
    notification.last_error = reason
    session.add(notification)


@dataclass(frozen=True)
class Unreachable:
    """A member the bot cannot reach: the newest notification to their chat failed for good."""

    member_id: int
    name: str
    student_no: str
    chat_id: int
    error: str


def unreachable(session: Session) -> list[Unreachable]:
    """Members whose chat's newest finished notification failed for good, by student number.

    A later notification that gets through (say, after they unblocked the bot) takes them off the list.
    """
    finished = (
        select(Notification.chat_id, func.max(Notification.id).label("last_id"))
        .where(col(Notification.state).in_([NotificationState.SENT, NotificationState.FAILED]))
        .group_by(col(Notification.chat_id))
        .subquery()
    )
    rows = session.exec(
        select(Notification, Member)
        .join(finished, col(Notification.id) == finished.c.last_id)
        .join(TelegramBinding, col(TelegramBinding.chat_id) == col(Notification.chat_id))
        .join(Member, col(Member.id) == col(TelegramBinding.member_id))
        .where(Notification.state == NotificationState.FAILED)
        .order_by(col(Member.student_no))
    )
    return [
        Unreachable(
            member.id,
            member.name,
            member.student_no,
            notification.chat_id,
            notification.last_error or "",
        )
        for notification, member in rows
    ]
