"""The database tables: the organisation (组织), Telegram bindings, invitations and the audit log.

Every table is a SQLModel class; the schema itself is owned by Alembic migrations
(``storage/migrations``), never by ``create_all`` outside tests.

Positions and committee roles are stored as short English codes; their Chinese names live in
``flows.roster.reading`` and the locale files. Members are never deleted: a member who leaves the roster is
marked inactive, so every score, signature and audit row that names them stays meaningful. A cycle
(later) freezes its own copy of who is assessed and who scores whom, so roster changes never reach
into an open cycle.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (all stored times are UTC)."""
    return datetime.now(UTC)


class Position(StrEnum):
    """A position (职务) inside a team, top down; teachers are not examinees."""

    PRESIDENT = "president"  # 主席
    VICE_PRESIDENT = "vice_president"  # 副主席
    HEAD = "head"  # 部长
    DEPUTY_HEAD = "deputy_head"  # 副部长
    OFFICER = "officer"  # 干事
    TEACHER = "teacher"  # 老师


class CommitteeRole(StrEnum):
    """A role on the assessment committee (考核小组)."""

    CHIEF_ADVISER = "chief_adviser"  # 总指导
    LEADER = "leader"  # 组长
    DEPUTY_LEADER = "deputy_leader"  # 副组长
    MEMBER = "member"  # 组员


class Team(SQLModel, table=True):
    """A team (团队) of the student federation, e.g. 校学生会."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)


class Department(SQLModel, table=True):
    """A department (部门) inside a team, e.g. 校学生会 / 办公室."""

    __table_args__ = (UniqueConstraint("team_id", "name", name="uq_department_team_name"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    name: str = Field(max_length=100)
    active: bool = True


class Member(SQLModel, table=True):
    """A person on the roster (名单): a cadre, or a teacher on the committee."""

    id: int | None = Field(default=None, primary_key=True)
    student_no: str = Field(max_length=40, unique=True, index=True)  # 学号 (or staff number)
    name: str = Field(max_length=100)  # 姓名
    team_id: int = Field(foreign_key="team.id", index=True)  # 团队
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)  # 部门
    position: Position = Field(sa_type=String(20))  # 职务
    college: str = Field(default="", max_length=100)  # 院部
    term_start: str = Field(default="", max_length=20)  # 任职时间, e.g. 2025-09
    committee_role: CommitteeRole | None = Field(default=None, sa_type=String(20))  # 考核小组
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Oversight(SQLModel, table=True):
    """A vice-president's charge (分管) of one department."""

    __table_args__ = (UniqueConstraint("department_id", name="uq_oversight_department"),)

    id: int | None = Field(default=None, primary_key=True)
    vice_president_id: int = Field(foreign_key="member.id", index=True)
    department_id: int = Field(foreign_key="department.id")


class TelegramBinding(SQLModel, table=True):
    """Which Telegram account speaks for which member (one each way)."""

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", unique=True)
    telegram_user_id: int = Field(sa_type=BigInteger, unique=True, index=True)
    chat_id: int = Field(sa_type=BigInteger)  # the private chat with the bot, where results may be sent
    username: str | None = Field(default=None, max_length=100)
    language_code: str | None = Field(default=None, max_length=20)
    bound_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Invitation(SQLModel, table=True):
    """A single-use registration code (邀请码) for one member, sent as a deep link."""

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    code: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_by_telegram_id: int | None = Field(default=None, sa_type=BigInteger)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CodeAttempt(SQLModel, table=True):
    """A wrong registration code sent by a Telegram account, kept to throttle guessing."""

    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_type=BigInteger, index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class AuditEntry(SQLModel, table=True):
    """One write that matters: who, when, what, before and after, and why (审计记录)."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=100)  # "member:12", "telegram:345", "cli"
    action: str = Field(max_length=60, index=True)  # e.g. "roster.import", "invite.use"
    entity: str = Field(max_length=60)  # table or kind of thing
    entity_id: str | None = Field(default=None, max_length=60)
    before: dict | None = Field(default=None, sa_column=Column(JSON))
    after: dict | None = Field(default=None, sa_column=Column(JSON))
    reason: str | None = None
    # The hash chain (``storage.audit``): each row's place in its chain and the hash over its content
    # and the previous row's hash, so that a row changed, deleted or inserted later shows.
    chain: str = Field(max_length=40, index=True)  # "cycle:<id>" or "organisation"
    seq: int
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)

    __table_args__ = (UniqueConstraint("chain", "seq", name="uq_auditentry_chain_seq"),)


class AuditChain(SQLModel, table=True):
    """The head of one audit hash chain: the last row's place and hash. Writers lock this row to append."""

    chain: str = Field(max_length=40, primary_key=True)
    seq: int = 0
    head: str = Field(max_length=64)
