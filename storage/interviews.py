"""Interview records (面谈记录): the table and its queries.

A committee member records a feedback interview with an examinee of a cycle: time 面谈时间, place
面谈地点, participants 参加人, topic 面谈主题, summary 面谈内容概要, with who recorded it and when.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, or_
from sqlmodel import Field, Session, SQLModel, col, select

from storage.cycle_models import CycleExaminee
from storage.models import utcnow
from storage.types import UTCDateTime


class Interview(SQLModel, table=True):
    """One interview with one examinee (面谈记录表)."""

    id: int | None = Field(default=None, primary_key=True)
    examinee_id: int = Field(foreign_key="cycleexaminee.id", index=True)
    held_at: datetime = Field(sa_type=UTCDateTime)  # 面谈时间
    place: str = Field(max_length=200)  # 面谈地点
    participants: str = Field(max_length=500)  # 参加人
    topic: str = Field(max_length=200)  # 面谈主题
    summary: str = Field(sa_type=Text)  # 面谈内容概要
    recorded_by_member_id: int = Field(foreign_key="member.id")
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def add(session: Session, interview: Interview) -> Interview:
    session.add(interview)
    session.flush()
    return interview


def of_examinee(session: Session, examinee_id: int) -> list[Interview]:
    """An examinee's interviews, oldest first."""
    return list(
        session.exec(
            select(Interview)
            .where(Interview.examinee_id == examinee_id)
            .order_by(col(Interview.held_at), col(Interview.id))
        )
    )


def of_cycle(session: Session, cycle_id: int) -> list[Interview]:
    """Every interview of a cycle, oldest first."""
    return list(
        session.exec(
            select(Interview)
            .join(CycleExaminee, col(CycleExaminee.id) == col(Interview.examinee_id))
            .where(CycleExaminee.cycle_id == cycle_id)
            .order_by(col(Interview.held_at), col(Interview.id))
        )
    )


def of_member(session: Session, member_id: int) -> list[tuple[Interview, CycleExaminee]]:
    """A member's interviews in every cycle, with their place in that cycle, oldest first."""
    rows = session.exec(
        select(Interview, CycleExaminee)
        .join(CycleExaminee, col(CycleExaminee.id) == col(Interview.examinee_id))
        .where(CycleExaminee.member_id == member_id)
        .order_by(col(Interview.held_at), col(Interview.id))
    )
    return [(interview, examinee) for interview, examinee in rows]


def find_examinees(session: Session, cycle_id: int, name_or_number: str) -> list[CycleExaminee]:
    """A cycle's examinees whose name or student number is exactly ``name_or_number``."""
    text = name_or_number.strip()
    return list(
        session.exec(
            select(CycleExaminee)
            .where(
                CycleExaminee.cycle_id == cycle_id,
                or_(CycleExaminee.name == text, CycleExaminee.student_no == text),
            )
            .order_by(col(CycleExaminee.id))
        )
    )
