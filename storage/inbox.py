"""The inbox (收件箱): every Telegram update, stored before Telegram hears it arrived, handled once.

A row goes: received → claimed and handled, in the one transaction that commits the update's effects
(``handled_at``; or ``failed`` after ``MAX_ATTEMPTS``, its effects rolled back) together with the Bot
API calls of its answer (``replies``) → each call sent (``replies_sent``) → ``done_at``.

Claiming takes the oldest unfinished update of a chat that nobody is answering (none older of the same
chat unfinished), in one statement: on PostgreSQL with ``FOR UPDATE SKIP LOCKED`` (processes skip
each other's rows instead of waiting), on SQLite as the transaction's first write (which locks the
database). The claim is a lease, ``claimed_by`` until ``claimed_until``, that covers the answer's
calls after the commit; it runs out if its process dies (and is released at once when that process
was on this host, see ``storage.leases.release_claims``). Without an owner, ``claimed_until`` is a retry time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, delete

from storage.models import InboxUpdate

MAX_ATTEMPTS = 3  # handling attempts before an update is given up as failed


def receive(
    session: Session,
    *,
    update_id: int,
    chat_id: int | None,
    user_id: int | None,
    payload: dict[str, Any],
    now: datetime,
) -> bool:
    """Store an update unless it is stored already (Telegram sends again what it had no answer for);
    True when new."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(InboxUpdate)
        .values(update_id=update_id, chat_id=chat_id, user_id=user_id, payload=payload, received_at=now)
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(col(InboxUpdate.update_id))
    )
    return session.execute(statement).first() is not None


def claim_next(session: Session, owner: str, now: datetime, until: datetime) -> InboxUpdate | None:
    """Claim the oldest update that is next in its chat and free; None when there is none.

    Call it first in a transaction; the row stays locked until that transaction ends.
    """
    row, older = InboxUpdate, aliased(InboxUpdate)
    earlier_in_chat = (
        exists()
        .where(col(older.done_at).is_(None))
        .where(col(older.chat_id) == col(row.chat_id))
        .where(col(older.update_id) < col(row.update_id))
    )
    candidate = (
        select(col(row.update_id))
        .where(col(row.done_at).is_(None))
        .where(or_(col(row.claimed_until).is_(None), col(row.claimed_until) <= now))
        .where(~earlier_in_chat)
        .order_by(col(row.update_id))
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidate = candidate.with_for_update(skip_locked=True, of=row)
    statement = (
        update(row)
        .where(col(row.update_id) == candidate.scalar_subquery())
        .values(claimed_by=owner, claimed_until=until)
        .returning(col(row.update_id))
    )
    claimed = session.execute(statement).scalar()
    if claimed is None:
        return None
    return session.get(InboxUpdate, claimed, populate_existing=True)


def handled(session: Session, row: InboxUpdate, now: datetime, replies: list[dict[str, Any]]) -> None:
    """Record, in the transaction of the update's effects, that it is handled and what its answer is."""
    row.handled_at = now
    row.attempts = 0
    row.replies = replies
    row.replies_sent = 0
    if not replies:
        _finish(row, now)
    session.add(row)


def failed_attempt(
    session: Session, update_id: int, error: str, now: datetime, retry_at: datetime, apology: list[dict]
) -> bool:
    """Count a failed attempt at handling (its effects rolled back); after ``MAX_ATTEMPTS`` the update is
    given up with ``apology`` as its answer. False when someone else has handled it meanwhile."""
    row = session.get(InboxUpdate, update_id, with_for_update=True, populate_existing=True)
    if row is None or row.handled_at is not None:
        return False
    row.attempts += 1
    row.error = error
    row.claimed_by = None
    if row.attempts >= MAX_ATTEMPTS:
        row.failed = True
        row.handled_at = now
        row.replies, row.replies_sent = apology, 0
        row.claimed_until = None
    else:
        row.claimed_until = retry_at
    session.add(row)
    return True


def _still_mine(session: Session, update_id: int, owner: str) -> InboxUpdate | None:
    row = session.get(InboxUpdate, update_id, with_for_update=True, populate_existing=True)
    return row if row is not None and row.claimed_by == owner and row.done_at is None else None


def replied(session: Session, update_id: int, owner: str, sent: int, until: datetime) -> bool:
    """``sent`` of the answer's calls went out; the claim is renewed until ``until``. False when the claim
    was lost (it ran out and another process took the update over)."""
    row = _still_mine(session, update_id, owner)
    if row is None:
        return False
    row.replies_sent, row.claimed_until = sent, until
    session.add(row)
    return True


def reply_later(
    session: Session,
    update_id: int,
    owner: str,
    sent: int,
    error: str,
    now: datetime,
    retry_at: datetime | None,
) -> None:
    """A call failed for now (network, Telegram down): the rest is tried again at ``retry_at``; with
    None, given up."""
    row = _still_mine(session, update_id, owner)
    if row is None:
        return
    row.replies_sent, row.error = sent, error
    row.attempts += 1
    row.claimed_by, row.claimed_until = None, retry_at
    if retry_at is None:
        _finish(row, now)
    session.add(row)


def finish(session: Session, update_id: int, owner: str, now: datetime) -> None:
    """Every call of the answer went out: the update is done."""
    row = _still_mine(session, update_id, owner)
    if row is not None:
        _finish(row, now)
        session.add(row)


def _finish(row: InboxUpdate, now: datetime) -> None:
    row.done_at = now
    row.replies = None  # attachments can be large; what was sent is in the log
    row.claimed_by = row.claimed_until = None


def unfinished(session: Session) -> int:
    """How many updates are not done yet."""
    return session.execute(select(func.count()).where(col(InboxUpdate.done_at).is_(None))).scalar_one()


def forget_before(session: Session, moment: datetime) -> None:
    """Drop updates done before ``moment`` (Telegram re-sends an unconfirmed update for a day at most)."""
    session.exec(delete(InboxUpdate).where(col(InboxUpdate.done_at) < moment))
