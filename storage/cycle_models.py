"""Cycle tables (考核周期): a frozen copy of the roster, self-assessments, and conversation positions.

When a cycle opens it copies everything it needs from the roster (who is assessed, in which team
and department, and who scores them) and the scheme's text, so later roster or scheme edits never
reach into it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, Numeric, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import utcnow
from storage.types import UTCDateTime


class Cycle(SQLModel, table=True):
    """One assessment round, e.g. 2026年秋季学期考核."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    scheme_name: str = Field(max_length=200)
    scheme_text: str = Field(sa_type=Text)  # the scheme TOML as it was when the cycle opened
    self_due: datetime = Field(sa_type=UTCDateTime)  # 自我评定截止
    score_due: datetime = Field(sa_type=UTCDateTime)  # 上级评定截止
    review_due: datetime = Field(sa_type=UTCDateTime)  # 复核确认截止
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    released_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # results sent to examinees
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # 归档: frozen for good


class CycleExaminee(SQLModel, table=True):
    """A cadre assessed in a cycle (被考核者), as the roster stood when it opened."""

    __table_args__ = (UniqueConstraint("cycle_id", "member_id", name="uq_examinee_cycle_member"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    student_no: str = Field(max_length=40)
    name: str = Field(max_length=100)
    team: str = Field(max_length=100)
    department: str | None = Field(default=None, max_length=100)
    position: str = Field(sa_type=String(20))
    college: str = Field(default="", max_length=100)
    term_start: str = Field(default="", max_length=20)
    scorer_member_id: int | None = Field(default=None, foreign_key="member.id", index=True)  # None: 考核小组


class ArchivedPerson(SQLModel, table=True):
    """A person a cycle names (examinee, scorer, signer, decider, actor), as the roster stood when the
    cycle was archived: exports of an archived cycle read names, positions and roles only from here."""

    __table_args__ = (UniqueConstraint("cycle_id", "member_id", name="uq_archived_person_cycle_member"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    member_id: int = Field(foreign_key="member.id")
    student_no: str = Field(max_length=40)
    name: str = Field(max_length=100)
    team: str = Field(default="", max_length=100)
    department: str | None = Field(default=None, max_length=100)
    position: str = Field(sa_type=String(20))
    committee_role: str | None = Field(default=None, sa_type=String(20))


class SelfStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class SelfAssessment(SQLModel, table=True):
    """An examinee's self-assessment (自我评定, form 附表一)."""

    id: int | None = Field(default=None, primary_key=True)
    examinee_id: int = Field(foreign_key="cycleexaminee.id", unique=True)
    status: SelfStatus = Field(default=SelfStatus.DRAFT, sa_type=String(20))
    college: str | None = Field(default=None, max_length=100)  # the examinee's correction, if any
    term_start: str | None = Field(default=None, max_length=20)  # the examinee's correction, if any
    header_confirmed: bool = False
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SelfAnswer(SQLModel, table=True):
    """One section of a self-assessment, as written by the examinee."""

    __table_args__ = (UniqueConstraint("assessment_id", "section", name="uq_self_answer_section"),)

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="selfassessment.id", index=True)
    section: str = Field(max_length=60)
    text: str = Field(sa_type=Text)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SelfScore(SQLModel, table=True):
    """A self-score for one rubric item, when the scheme asks examinees to score themselves."""

    __table_args__ = (UniqueConstraint("assessment_id", "item", name="uq_self_score_item"),)

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="selfassessment.id", index=True)
    item: str = Field(max_length=60)
    points: Decimal = Field(sa_type=Numeric(5, 1))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Conversation(SQLModel, table=True):
    """Where a person is in a multi-step conversation, so they can leave and come back days later."""

    telegram_user_id: int = Field(sa_type=BigInteger, primary_key=True)
    flow: str = Field(max_length=40)
    state: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
