"""Invitations (邀请码): single-use codes, sent as deep links, that let a member bind their Telegram account.

A code is 16 URL-safe characters, far beyond guessing (and guessing is throttled besides). Each
unbound member has at most one live invitation; asking again hands out the same one until it
expires, and ``reissue`` revokes it and makes a new one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from storage import accounts, audit, roster
from storage.models import Invitation, Member

CODE_BYTES = 12  # 16 characters of base64url


@dataclass(frozen=True)
class IssuedInvitation:
    """An invitation as an administrator hands it out."""

    member: Member
    code: str
    link: str
    expires_at: datetime


class InvitationError(Exception):
    """A reissue that cannot be done, with a message key and its parameters."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def deep_link(bot_username: str, code: str) -> str:
    """The link that opens the bot and sends ``/start CODE``."""
    return f"https://t.me/{bot_username}?start={code}"


def _new_invitation(session: Session, member: Member, now: datetime, valid_days: int) -> Invitation:
    invitation = Invitation(
        member_id=member.id,
        code=secrets.token_urlsafe(CODE_BYTES),
        created_at=now,
        expires_at=now + timedelta(days=valid_days),
    )
    session.add(invitation)
    session.flush()
    audit.record(
        session,
        actor="cli",
        action="invite.issue",
        entity="invitation",
        entity_id=invitation.id,
        after={"member": member.student_no, "expires_at": invitation.expires_at.isoformat()},
        at=now,
    )
    return invitation


def _issued(member: Member, invitation: Invitation, bot_username: str) -> IssuedInvitation:
    return IssuedInvitation(
        member, invitation.code, deep_link(bot_username, invitation.code), invitation.expires_at
    )


def invitations_for_unbound(
    session: Session, *, now: datetime, valid_days: int, bot_username: str
) -> list[IssuedInvitation]:
    """Every active member not yet bound, with their live invitation (made where they have none)."""
    issued = []
    for member in accounts.unbound_active_members(session):
        invitation = accounts.live_invitation(session, member.id, now)
        if invitation is None:
            invitation = _new_invitation(session, member, now, valid_days)
        issued.append(_issued(member, invitation, bot_username))
    return issued


def reissue(
    session: Session, student_no: str, *, now: datetime, valid_days: int, bot_username: str
) -> IssuedInvitation:
    """Revoke a member's open invitations and hand out a fresh one."""
    member = roster.member_by_student_no(session, student_no)
    if member is None:
        raise InvitationError("invite_unknown_member", student_no=student_no)
    if not member.active:
        raise InvitationError("invite_inactive_member", student_no=student_no, name=member.name)
    if accounts.bindings_of(session, [member.id]).get(member.id) is not None:
        raise InvitationError("invite_already_bound", student_no=student_no, name=member.name)
    for old in accounts.open_invitations(session, member.id):
        old.revoked_at = now
        session.add(old)
        audit.record(
            session, actor="cli", action="invite.revoke", entity="invitation", entity_id=old.id, at=now
        )
    return _issued(member, _new_invitation(session, member, now, valid_days), bot_username)
