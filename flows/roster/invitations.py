"""Invitations (邀请码): single-use codes, sent as deep links, that let a member bind their Telegram account.

A code is 16 URL-safe characters, far beyond guessing (and guessing is throttled besides). Each
unbound member has at most one live invitation; asking again hands out the same one until it
expires, and ``reissue`` revokes it and makes a new one. Handing out invitations to a whole
organisation is one query and one bulk insert, with one audit row naming everyone invited.
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
    team: str
    department: str | None  # None: an officer above departments (主席团)


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


def invitations_for_unbound(
    session: Session, *, now: datetime, valid_days: int, bot_username: str
) -> list[IssuedInvitation]:
    """Every active member not yet bound, in roster order, with their live invitation (made where they
    have none: all in one insert, recorded in one audit row)."""
    held: dict[int, tuple[Member, str, str | None, str, datetime]] = {}
    new: list[dict[str, object]] = []
    invited: list[str] = []  # student numbers of those given a new invitation
    expires_at = now + timedelta(days=valid_days)
    for member, team, department, invitation in accounts.unbound_with_live_invitations(session, now):
        if invitation is not None:  # the newest comes last
            held[member.id] = (member, team, department, invitation.code, invitation.expires_at)
        elif member.id not in held:
            code = secrets.token_urlsafe(CODE_BYTES)
            held[member.id] = (member, team, department, code, expires_at)
            new.append({"member_id": member.id, "code": code, "created_at": now, "expires_at": expires_at})
            invited.append(member.student_no)
    accounts.add_invitations(session, new)
    if new:
        audit.record(
            session,
            actor="cli",
            action="invite.issue",
            entity="invitation",
            after={"members": invited, "expires_at": expires_at.isoformat()},
            at=now,
        )
    return [
        IssuedInvitation(member, code, deep_link(bot_username, code), expires, team, department)
        for member, team, department, code, expires in held.values()
    ]


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
    invitation = _new_invitation(session, member, now, valid_days)
    team, department = roster.team_and_department_names(session, member)
    link = deep_link(bot_username, invitation.code)
    return IssuedInvitation(member, invitation.code, link, invitation.expires_at, team, department)
