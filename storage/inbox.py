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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    Table,
    any_,
    bindparam,
    case,
    column,
    func,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert, Update
from sqlmodel import Session, col, delete

from storage.models import InboxUpdate

MAX_ATTEMPTS = 3  # handling attempts before an update is given up as failed
INBOX: Table = InboxUpdate.__table__  # type: ignore[attr-defined]
# The hot statements below are built once and run on the table (no ORM objects, no reload): an
# update costs its handful of statements and little Python around them.


@dataclass
class Claimed:
    """A claimed update as the worker needs it (``handled`` brings it up to date)."""

    update_id: int
    chat_id: int | None
    user_id: int | None
    payload: dict[str, Any]
    attempts: int
    handled_at: datetime | None
    replies: list[dict[str, Any]] | None
    replies_sent: int
    done_at: datetime | None


@cache
def _receive_statement(dialect: str) -> Insert:
    """The INSERT of a batch. On PostgreSQL one statement whatever the batch's size, its rows read
    from one JSON array (``arrivals``): psycopg prepares it once, where a VALUES list per size would be
    a new statement for psycopg to parse, and a parameter per column and row to convert; elsewhere
    the rows as parameters (a VALUES list)."""
    insert: sqlite.Insert | postgresql.Insert
    if dialect != "postgresql":
        insert = sqlite.insert(INBOX)
    else:
        arrivals = (
            func.json_to_recordset(bindparam("arrivals", type_=JSON))
            .table_valued(
                column("update_id", BigInteger),
                column("chat_id", BigInteger),
                column("user_id", BigInteger),
                column("payload", JSON),
            )
            .render_derived(with_types=True)
        )
        received = bindparam("now", type_=INBOX.c.received_at.type)
        rows = select(*arrivals.c, received, literal(0), literal(False), literal(0))
        names = [*arrivals.c.keys(), "received_at", "attempts", "failed", "replies_sent"]
        insert = postgresql.insert(INBOX).from_select(names, rows)
    return insert.on_conflict_do_nothing(index_elements=["update_id"]).returning(INBOX.c.update_id)


class Arrival(NamedTuple):
    """An update as it is stored: its id, chat (the user's for updates without a chat), user and the
    update itself."""

    update_id: int
    chat_id: int | None
    user_id: int | None
    payload: dict[str, Any]


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
    return receive_all(session, [Arrival(update_id, chat_id, user_id, payload)], now) == 1


def receive_all(session: Session, arrivals: Sequence[Arrival], now: datetime) -> int:
    """``receive`` for a batch of updates, in one statement; how many were new."""
    if not arrivals:
        return 0
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        values = {"arrivals": [arrival._asdict() for arrival in arrivals], "now": now}
        return len(session.execute(_receive_statement(dialect), values).all())
    rows = [
        {
            "update_id": arrival.update_id,
            "chat_id": arrival.chat_id,
            "user_id": arrival.user_id,
            "payload": arrival.payload,
            "received_at": now,
            "attempts": 0,
            "failed": False,
            "replies_sent": 0,
        }
        for arrival in arrivals
    ]
    return len(session.execute(_receive_statement(dialect), rows).all())


@cache
def _claim_statement(dialect: str) -> Update:
    """The claim; on PostgreSQL it finishes the updates ``finished`` (ids, an array) first, in the same
    statement (a data-modifying WITH: its changes are not seen by the rest of the statement, so the
    finished rows are left out of the claim's reading by their ids)."""
    row, unfinished = INBOX, INBOX.alias("unfinished")
    first_in_chat = (  # the oldest unfinished update of each chat (found through the done_at index)
        select(func.min(unfinished.c.update_id))
        .where(unfinished.c.done_at.is_(None))
        .group_by(unfinished.c.chat_id)
    )
    candidates = (
        select(row.c.update_id)
        .where(row.c.done_at.is_(None))
        .where(or_(row.c.claimed_until.is_(None), row.c.claimed_until <= bindparam("now")))
        .order_by(row.c.update_id)
        .limit(bindparam("limit"))
    )
    if dialect == "postgresql":
        ids = any_(bindparam("finished", type_=postgresql.ARRAY(BigInteger)))
        finished = (
            _mine_all(update(INBOX).values(done_at=bindparam("now"), **_DONE), ids)
            .returning(INBOX.c.update_id)
            .cte("finished")
        )
        just_finished = select(finished.c.update_id)
        first_in_chat = first_in_chat.where(unfinished.c.update_id.not_in(just_finished))
        candidates = candidates.where(row.c.update_id.not_in(just_finished))
        candidates = candidates.with_for_update(skip_locked=True, of=row)
    candidates = candidates.where(or_(row.c.update_id.in_(first_in_chat), row.c.chat_id.is_(None)))
    return (
        update(row)
        .where(row.c.update_id.in_(candidates.scalar_subquery()))
        .values(claimed_by=bindparam("owner"), claimed_until=bindparam("until"))
        .returning(*(row.c[name] for name in Claimed.__dataclass_fields__))
    )


def claim(
    session: Session,
    owner: str,
    now: datetime,
    until: datetime,
    limit: int,
    finished: Sequence[int] = (),
) -> list[Claimed]:
    """Claim up to ``limit`` updates, each the oldest unfinished of its chat and free, oldest first (so
    no two of one chat); empty when there is none. The ``finished`` updates (their answers sent) are
    finished first (``finish_all``), so that their chats' next updates can be claimed: on PostgreSQL
    in the claim's own statement, a round trip less.

    Call it first in a transaction; the rows stay locked until that transaction ends.
    """
    dialect = session.get_bind().dialect.name
    values: dict[str, object] = {"owner": owner, "now": now, "until": until, "limit": limit}
    if dialect == "postgresql":
        values["finished"] = list(finished)
    else:
        finish_all(session, finished, owner, now)
    rows = session.execute(_claim_statement(dialect), values).mappings().all()
    return sorted((Claimed(**row) for row in rows), key=lambda claimed: claimed.update_id)


_DONE = {"replies": null(), "claimed_by": None, "claimed_until": None}  # what was sent is in the log
_HANDLED = (
    update(INBOX)
    .where(INBOX.c.update_id == bindparam("id"))
    .values(handled_at=bindparam("at"), attempts=0, replies_sent=0)
)
_HANDLED_AND_DUE = _HANDLED.values(replies=bindparam("calls"))
_HANDLED_AND_DONE = _HANDLED.values(done_at=bindparam("at"), **_DONE)


# PostgreSQL: the marks of a batch in one statement, each row's answer (or none: done) read from a
# JSON array of {"update_id", "replies"}
_ANSWERS = (
    func.json_to_recordset(bindparam("answers", type_=JSON))
    .table_valued(column("update_id", BigInteger), column("replies", JSON))
    .render_derived(with_types=True)
)
_NOTHING_TO_SEND = _ANSWERS.c.replies.is_(None)
_HANDLED_BATCH = (
    update(INBOX)
    .where(INBOX.c.update_id == _ANSWERS.c.update_id)
    .values(
        handled_at=bindparam("at"),
        attempts=0,
        replies_sent=0,
        replies=_ANSWERS.c.replies,
        done_at=case((_NOTHING_TO_SEND, bindparam("at", type_=INBOX.c.done_at.type))),
        claimed_by=case((_NOTHING_TO_SEND, null()), else_=INBOX.c.claimed_by),
        claimed_until=case((_NOTHING_TO_SEND, null()), else_=INBOX.c.claimed_until),
    )
)


def handled(session: Session, row: Claimed, now: datetime, replies: list[dict[str, Any]]) -> None:
    """Record, in the transaction of the update's effects, that it is handled and what its answer is
    (with nothing to send, it is done)."""
    handled_all(session, [(row, replies)], now)


def handled_all(
    session: Session, answers: Sequence[tuple[Claimed, list[dict[str, Any]]]], now: datetime
) -> None:
    """``handled`` for the updates of one transaction, each with its answer: on PostgreSQL one
    statement, elsewhere one for those with calls to send and one for those done."""
    due: list[dict[str, Any]] = []
    done: list[dict[str, Any]] = []
    for row, replies in answers:
        row.handled_at, row.attempts, row.replies_sent = now, 0, 0
        row.replies, row.done_at = (replies, None) if replies else (None, now)
        if replies:
            due.append({"id": row.update_id, "at": now, "calls": replies})
        else:
            done.append({"id": row.update_id, "at": now})
    if session.get_bind().dialect.name == "postgresql":
        if answers:
            batch = [{"update_id": row.update_id, "replies": row.replies} for row, _ in answers]
            session.execute(_HANDLED_BATCH, {"answers": batch, "at": now})
    else:
        if due:
            session.execute(_HANDLED_AND_DUE, due)
        if done:
            session.execute(_HANDLED_AND_DONE, done)


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


def _mine_all(statement: Update, ids: ColumnElement[bool] | Any) -> Update:
    """``statement`` for the updates ``ids`` that are still claimed by ``owner`` and not done."""
    return statement.where(
        INBOX.c.update_id == ids, INBOX.c.claimed_by == bindparam("owner"), INBOX.c.done_at.is_(None)
    )


def _mine(statement: Update) -> Update:
    """``statement`` for the update only while its claim is still ``owner``'s and it is not done."""
    return statement.where(
        INBOX.c.update_id == bindparam("id"),
        INBOX.c.claimed_by == bindparam("owner"),
        INBOX.c.done_at.is_(None),
    )


_REPLIED = _mine(update(INBOX).values(replies_sent=bindparam("sent"), claimed_until=bindparam("until")))
_FINISH = (
    update(INBOX)
    .values(done_at=bindparam("at"), **_DONE)
    .where(
        INBOX.c.update_id.in_(bindparam("ids", expanding=True)),
        INBOX.c.claimed_by == bindparam("owner"),
        INBOX.c.done_at.is_(None),
    )
)


def replied(session: Session, update_id: int, owner: str, sent: int, until: datetime) -> bool:
    """``sent`` of the answer's calls went out; the claim is renewed until ``until``. False when the claim
    was lost (it ran out and another process took the update over)."""
    result = session.execute(_REPLIED, {"id": update_id, "owner": owner, "sent": sent, "until": until})
    return result.rowcount > 0  # type: ignore[attr-defined]


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
    """Every call of the answer went out: the update is done (unless the claim was lost meanwhile)."""
    finish_all(session, [update_id], owner, now)


def finish_all(session: Session, update_ids: Sequence[int], owner: str, now: datetime) -> None:
    """``finish`` for several updates in one statement (nothing for none)."""
    if update_ids:
        session.execute(_FINISH, {"ids": list(update_ids), "owner": owner, "at": now})


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
