"""Queries on interview records (面谈记录).

A committee member records a feedback interview with an examinee of a cycle: time 面谈时间, place
面谈地点, participants 参加人, topic 面谈主题, summary 面谈内容概要, with who recorded it and when.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from storage.models import CycleExaminee, Interview


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
