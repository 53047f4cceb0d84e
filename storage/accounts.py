"""Telegram bindings, invitations and wrong-code attempts: the queries registration needs."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, insert, nulls_first
from sqlmodel import Session, col, select

from storage.models import CodeAttempt, Department, Invitation, Member, Team, TelegramBinding

_BINDING_OF_USER = select(TelegramBinding).where(TelegramBinding.telegram_user_id == bindparam("user"))
_BOUND = and_(col(TelegramBinding.telegram_user_id) == bindparam("user"), col(Member.active).is_(True))
_MEMBER_OF_USER = (  # asked on nearly every update: built once
    select(Member).join(TelegramBinding, col(TelegramBinding.member_id) == col(Member.id)).where(_BOUND)
)
_PLACED = (
    select(Member, Team.name, Department.name, TelegramBinding.telegram_user_id)
    .join(TelegramBinding, col(TelegramBinding.member_id) == col(Member.id))
    .join(Team, col(Team.id) == col(Member.team_id))
    .outerjoin(Department, col(Department.id) == col(Member.department_id))
    .where(col(Member.active).is_(True))
)
_PLACED_MEMBER_OF_USER = _PLACED.where(col(TelegramBinding.telegram_user_id) == bindparam("user"))
_PLACED_MEMBERS_OF_USERS = _PLACED.where(
    col(TelegramBinding.telegram_user_id).in_(bindparam("users", expanding=True))
)
_READ_AHEAD = "accounts.placed_members_read_ahead"


def binding_of_user(session: Session, telegram_user_id: int) -> TelegramBinding | None:
    return session.exec(_BINDING_OF_USER, params={"user": telegram_user_id}).first()


def member_of_user(session: Session, telegram_user_id: int) -> Member | None:
    """The active member a Telegram account is bound to, if any."""
    return session.exec(_MEMBER_OF_USER, params={"user": telegram_user_id}).first()


class PlacedMember(NamedTuple):
    """A member with the names of their team and department (None for a team's presidium)."""

    member: Member
    team: str
    department: str | None


def placed_member_of_user(session: Session, telegram_user_id: int) -> PlacedMember | None:
    """``member_of_user`` with the names of the member's team and department, in the same statement (or
    none, when ``read_placed_members_ahead`` read it)."""
    ahead: dict[int, PlacedMember] = session.info.get(_READ_AHEAD, {})
    if telegram_user_id in ahead:
        return ahead.pop(telegram_user_id)
    row = session.exec(_PLACED_MEMBER_OF_USER, params={"user": telegram_user_id}).first()
    return PlacedMember(*row[:3]) if row is not None else None


def read_placed_members_ahead(session: Session, telegram_user_ids: Collection[int]) -> None:
    """Read the members of these accounts (``placed_member_of_user``) in one statement, each to answer
    that account's next ask in this session: a batch of updates asks once for each sender. An account
    with no member is asked again (it may register in the batch); a member is a row of this session,
    so what the batch changes in it shows."""
    if telegram_user_ids:
        rows = session.exec(_PLACED_MEMBERS_OF_USERS, params={"users": list(telegram_user_ids)})
        ahead = session.info.setdefault(_READ_AHEAD, {})
        ahead.update(
            (user, PlacedMember(member, team, department)) for member, team, department, user in rows
        )


def invitation_by_code(session: Session, code: str) -> Invitation | None:
    return session.exec(select(Invitation).where(Invitation.code == code)).first()


def open_invitations(session: Session, member_id: int) -> list[Invitation]:
    """The member's invitations not yet used or revoked (expired ones included)."""
    return list(
        session.exec(
            select(Invitation).where(
                Invitation.member_id == member_id,
                col(Invitation.used_at).is_(None),
                col(Invitation.revoked_at).is_(None),
            )
        )
    )


def wrong_codes_since(session: Session, telegram_user_id: int, since: datetime) -> list[datetime]:
    """When this account sent wrong codes since ``since``, oldest first."""
    return list(
        session.exec(
            select(CodeAttempt.at)
            .where(CodeAttempt.telegram_user_id == telegram_user_id, CodeAttempt.at >= since)
            .order_by(col(CodeAttempt.at))
        )
    )


def bindings_of(session: Session, member_ids: Iterable[int]) -> dict[int, TelegramBinding]:
    """The Telegram bindings of these members, by member id (members without one left out)."""
    rows = session.exec(select(TelegramBinding).where(col(TelegramBinding.member_id).in_(list(member_ids))))
    return {row.member_id: row for row in rows}


class Chat(NamedTuple):
    """Where a bound member is told things: their private chat with the bot, and their Telegram language."""

    chat_id: int
    language_code: str | None


FEW_MEMBERS = 500  # asked for more than this, every binding is read (no list of ids sent along)


def chats_of(session: Session, member_ids: Collection[int]) -> dict[int, Chat]:
    """The chats of these members who are bound, by member id, as plain rows (a notice to everyone
    examined reads ten thousand). For many members every binding is read and the others left out: one
    short query instead of one naming thousands of ids."""
    wanted = set(member_ids)
    query = select(TelegramBinding.member_id, TelegramBinding.chat_id, TelegramBinding.language_code)
    if len(wanted) <= FEW_MEMBERS:
        query = query.where(col(TelegramBinding.member_id).in_(wanted))
    return {
        member: Chat(chat, language) for member, chat, language in session.exec(query) if member in wanted
    }


def unbound_with_live_invitations(
    session: Session, now: datetime
) -> list[tuple[Member, str, str | None, Invitation | None]]:
    """Every active member with no Telegram account yet, in roster order (team, officers, departments),
    with their team's and department's names and each live invitation they hold (None: they hold none;
    a member holding two comes twice, the newest last). One query, however large the roster."""
    live = and_(
        col(Invitation.member_id) == col(Member.id),
        col(Invitation.used_at).is_(None),
        col(Invitation.revoked_at).is_(None),
        col(Invitation.expires_at) > now,
    )
    query = (
        select(Member, Team.name, Department.name, Invitation)
        .join(Team, col(Team.id) == col(Member.team_id))
        .outerjoin(Department, col(Department.id) == col(Member.department_id))
        .outerjoin(Invitation, live)
        .where(col(Member.active).is_(True), col(Member.id).not_in(select(TelegramBinding.member_id)))
        .order_by(col(Team.id), nulls_first(col(Member.department_id)), col(Member.id), col(Invitation.id))
    )
    return [tuple(row) for row in session.exec(query)]  # type: ignore[misc]


def add_invitations(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert many invitations at once (one statement executed for all: executemany)."""
    if rows:
        session.execute(insert(Invitation), rows)
