"""Telegram bindings, invitations and wrong-code attempts: the queries registration needs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import CodeAttempt, Invitation, Member, TelegramBinding


def binding_of_user(session: Session, telegram_user_id: int) -> TelegramBinding | None:
    return session.exec(
        select(TelegramBinding).where(TelegramBinding.telegram_user_id == telegram_user_id)
    ).first()


def member_of_user(session: Session, telegram_user_id: int) -> Member | None:
    """The active member a Telegram account is bound to, if any."""
    return session.exec(
        select(Member)
        .join(TelegramBinding, col(TelegramBinding.member_id) == col(Member.id))
        .where(TelegramBinding.telegram_user_id == telegram_user_id, col(Member.active).is_(True))
    ).first()


def invitation_by_code(session: Session, code: str) -> Invitation | None:
    return session.exec(select(Invitation).where(Invitation.code == code)).first()


def unbound_active_members(session: Session) -> list[Member]:
    """Active members with no Telegram account yet, in roster order (team, then student number)."""
    bound = select(TelegramBinding.member_id)
    return list(
        session.exec(
            select(Member)
            .where(col(Member.active).is_(True), col(Member.id).not_in(bound))
            .order_by(col(Member.team_id), col(Member.student_no))
        )
    )


def live_invitation(session: Session, member_id: int, now: datetime) -> Invitation | None:
    """The member's newest invitation that is neither used, revoked nor expired."""
    return session.exec(
        select(Invitation)
        .where(
            Invitation.member_id == member_id,
            col(Invitation.used_at).is_(None),
            col(Invitation.revoked_at).is_(None),
            Invitation.expires_at > now,
        )
        .order_by(col(Invitation.id).desc())
    ).first()


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
