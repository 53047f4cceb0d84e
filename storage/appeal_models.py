"""Appeal tables (申诉, form 附表六): the appeal, its evidence, the opinions asked for, and the decision.

One ``Appeal`` per examinee of a cycle. The examinee writes it as a draft (what they dispute, why,
evidence), then submits it to the organisation department (校团委组织部) and the teacher in charge;
they report it to the committee (上报考核小组) within 24 hours, or the scheduler escalates it by
itself and records the breach; the committee asks the parties for opinions (``AppealOpinion``) and
decides (最终裁定): the result is upheld, or changed with new item scores (``AppealChange``) or a
new grade. Every time and every person is kept.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Numeric, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import utcnow
from storage.types import UTCDateTime


class AppealStatus(StrEnum):
    DRAFT = "draft"  # 草稿: the examinee is writing it
    SUBMITTED = "submitted"  # 已提交: with the organisation department and the teacher
    ESCALATED = "escalated"  # 已上报: with the committee
    DECIDED = "decided"  # 已裁定: final


OPEN_STATUSES = (AppealStatus.SUBMITTED, AppealStatus.ESCALATED)  # submitted, not yet decided: clocks run


class Disputed(StrEnum):
    """What an appeal disputes (申诉事项)."""

    GRADE = "grade"  # 总分与等级
    DIMENSION = "dimension"  # 一项考核内容, e.g. 工作绩效
    ITEM = "item"  # 一个考核项目, e.g. 工作业绩


class Outcome(StrEnum):
    UPHELD = "upheld"  # 维持原结果
    CHANGED = "changed"  # 更改结果


class EvidenceKind(StrEnum):
    TEXT = "text"
    PHOTO = "photo"
    DOCUMENT = "document"


class Appeal(SQLModel, table=True):
    """An examinee's appeal against their result (申诉表, 附表六)."""

    id: int | None = Field(default=None, primary_key=True)
    examinee_id: int = Field(foreign_key="cycleexaminee.id", unique=True)  # one per examinee per cycle
    status: AppealStatus = Field(default=AppealStatus.DRAFT, sa_type=String(20), index=True)
    disputed: Disputed | None = Field(default=None, sa_type=String(20))
    disputed_key: str | None = Field(default=None, max_length=60)  # the dimension or item key
    reason: str | None = Field(default=None, sa_type=Text)  # 申诉理由
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # 上报考核小组
    escalated_by_member_id: int | None = Field(default=None, foreign_key="member.id")  # None: the scheduler
    escalation_note: str | None = Field(default=None, sa_type=Text)
    escalation_overdue: bool = False  # nobody reported it within the limit: the scheduler did
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # 最终裁定
    decided_by_member_id: int | None = Field(default=None, foreign_key="member.id")
    outcome: Outcome | None = Field(default=None, sa_type=String(20))
    decision_reason: str | None = Field(default=None, sa_type=Text)
    new_grade: str | None = Field(default=None, max_length=24)  # a grade set by the decision, if any


class AppealEvidence(SQLModel, table=True):
    """One piece of evidence (证明材料): a text, or a Telegram photo or document kept by its file id."""

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: int = Field(foreign_key="appeal.id", index=True)
    kind: EvidenceKind = Field(sa_type=String(20))
    text: str = Field(default="", sa_type=Text)  # the text, or a photo's or document's caption
    file_id: str | None = Field(default=None, max_length=200)
    file_unique_id: str | None = Field(default=None, max_length=100)
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AppealOpinion(SQLModel, table=True):
    """An opinion the committee asked a party for (征求意见), e.g. the scorer's, and their answer."""

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: int = Field(foreign_key="appeal.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)  # who is asked
    asked_by_member_id: int = Field(foreign_key="member.id")
    question: str = Field(sa_type=Text)
    asked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    answer: str | None = Field(default=None, sa_type=Text)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AppealChange(SQLModel, table=True):
    """A new score for one rubric item set by a decision that changed the result."""

    __table_args__ = (UniqueConstraint("appeal_id", "item", name="uq_appeal_change_item"),)

    id: int | None = Field(default=None, primary_key=True)
    appeal_id: int = Field(foreign_key="appeal.id", index=True)
    item: str = Field(max_length=60)
    before: Decimal | None = Field(default=None, sa_type=Numeric(5, 1))
    after: Decimal = Field(sa_type=Numeric(5, 1))
