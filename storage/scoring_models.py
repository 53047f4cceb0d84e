"""Score sheets (评分表, 附表三): a direct superior's scores of one examinee, item by item, and a comment.

One ``ScoreSheet`` per examinee of a cycle. It is a draft while its scorer fills it in, submitted
once they confirm, and returned (退回) when the committee sends it back; a returned sheet is a
draft again for its scorer. Every item score (``ItemScore``) keeps who gave it and when.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Numeric, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import utcnow
from storage.types import UTCDateTime


class SheetStatus(StrEnum):
    DRAFT = "draft"  # 草稿
    SUBMITTED = "submitted"  # 已提交
    RETURNED = "returned"  # 已退回: the committee sent it back; its scorer edits it like a draft


class ScoreSheet(SQLModel, table=True):
    """One examinee's score sheet (评分表): status, the evaluation comment (考评意见) and its times."""

    id: int | None = Field(default=None, primary_key=True)
    examinee_id: int = Field(foreign_key="cycleexaminee.id", unique=True)
    scorer_member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    status: SheetStatus = Field(default=SheetStatus.DRAFT, sa_type=String(20))
    comment: str | None = Field(default=None, sa_type=Text)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    returned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    return_reason: str | None = Field(default=None, sa_type=Text)

    @property
    def editable_by_scorer(self) -> bool:
        """A draft, or a sheet the committee returned."""
        return self.status != SheetStatus.SUBMITTED


class ItemScore(SQLModel, table=True):
    """The points given for one rubric item (考核项目) on a score sheet, with who gave them and when."""

    __table_args__ = (UniqueConstraint("sheet_id", "item", name="uq_item_score_item"),)

    id: int | None = Field(default=None, primary_key=True)
    sheet_id: int = Field(foreign_key="scoresheet.id", index=True)
    item: str = Field(max_length=60)
    points: Decimal = Field(sa_type=Numeric(5, 1))
    scored_by_member_id: int = Field(foreign_key="member.id")
    scored_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
