"""Review tables (复核确认): the committee's changes, accepted rule breaks and the signatures on the results.

``CycleReview`` holds the version of a cycle's results: every change made while a confirmation or a
signature stands bumps it, and each ``Signature`` names the version it confirmed, so a signature on
an older version is void (``voided_at``). ``ReviewChange`` is append-only: a department rating
(部门业绩评价), an item score or a grade set by a committee member, with before, after and why; the
scorer's own scores stay untouched on their score sheet, so the originals are always there to compare.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import utcnow
from storage.types import UTCDateTime


class CycleReview(SQLModel, table=True):
    """A cycle's review record: the current version of its results."""

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", unique=True)
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChangeKind(StrEnum):
    RATING = "rating"  # a department's rating (部门业绩评价), which gates grades S and A
    SCORE = "score"  # one item score (考核项目得分)
    GRADE = "grade"  # an examinee's grade (考核等级)


class ReviewChange(SQLModel, table=True):
    """One change made in review: who, when, before, after and why, and the version it produced."""

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    kind: ChangeKind = Field(sa_type=String(20))
    examinee_id: int | None = Field(default=None, foreign_key="cycleexaminee.id", index=True)  # score, grade
    team: str | None = Field(default=None, max_length=100)  # rating: the department's team
    department: str | None = Field(default=None, max_length=100)  # rating: None for the presidium
    item: str | None = Field(default=None, max_length=60)  # score: the rubric item
    before: str | None = Field(default=None, max_length=40)
    after: str = Field(max_length=40)
    reason: str | None = Field(default=None, sa_type=Text)  # required for scores and grades
    member_id: int = Field(foreign_key="member.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int


class AcceptedViolation(SQLModel, table=True):
    """A distribution rule (§6) a department may break, accepted by the committee with a reason.

    It covers exactly the break it was given for: the same kind, grades and head count.
    """

    __table_args__ = (
        UniqueConstraint(
            "cycle_id", "team", "department", "kind", "grades", "counted", name="uq_accepted_violation"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    team: str = Field(max_length=100)
    department: str = Field(default="", max_length=100)  # "" for the presidium (主席团)
    kind: str = Field(max_length=20)
    grades: str = Field(max_length=40)  # e.g. "S" or "S+A"
    counted: int
    reason: str = Field(sa_type=Text)
    member_id: int = Field(foreign_key="member.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SignatureRole(StrEnum):
    COMMITTEE = "committee"  # 考核小组复核确认: the balance is confirmed
    PRESIDENT = "president"  # 学生联合会主席复核意见、签字
    TEACHER = "teacher"  # 团委老师签字
    EXAMINEE = "examinee"  # 被考核者签字: receipt acknowledged, not agreement


class Signature(SQLModel, table=True):
    """A recorded confirmation (签字): who, when, in which role, on which version of the results."""

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    role: SignatureRole = Field(sa_type=String(20))
    member_id: int = Field(foreign_key="member.id", index=True)
    version: int
    signed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    comment: str | None = Field(default=None, sa_type=Text)  # the president's review comment (复核意见)
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    result_hash: str | None = Field(default=None, max_length=64)  # SHA-256 of the results signed
