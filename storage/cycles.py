"""Queries on cycles, their examinees, self-assessments and conversation positions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Session, SQLModel, col, select

from storage.cycle_models import (
    Conversation,
    Cycle,
    CycleExaminee,
    SelfAnswer,
    SelfAssessment,
    SelfScore,
)
from storage.models import Member, TelegramBinding


def cycle_by_name(session: Session, name: str) -> Cycle | None:
    return session.exec(select(Cycle).where(Cycle.name == name)).first()


def latest_cycle(session: Session) -> Cycle | None:
    """The most recently opened cycle that is not archived."""
    return session.exec(
        select(Cycle)
        .where(col(Cycle.archived_at).is_(None))
        .order_by(col(Cycle.opened_at).desc(), col(Cycle.id).desc())
    ).first()


def current_examinee(session: Session, member_id: int) -> CycleExaminee | None:
    """The member's place in the newest unarchived cycle that assesses them."""
    return session.exec(
        select(CycleExaminee)
        .join(Cycle, col(Cycle.id) == col(CycleExaminee.cycle_id))
        .where(CycleExaminee.member_id == member_id, col(Cycle.archived_at).is_(None))
        .order_by(col(Cycle.opened_at).desc(), col(Cycle.id).desc())
    ).first()


def examinees(session: Session, cycle_id: int) -> list[CycleExaminee]:
    """A cycle's examinees in roster order (team, department, student number)."""
    return list(
        session.exec(
            select(CycleExaminee)
            .where(CycleExaminee.cycle_id == cycle_id)
            .order_by(
                CycleExaminee.team, col(CycleExaminee.department).nulls_first(), CycleExaminee.student_no
            )
        )
    )


def self_assessment(session: Session, examinee_id: int) -> SelfAssessment | None:
    return session.exec(select(SelfAssessment).where(SelfAssessment.examinee_id == examinee_id)).first()


def self_assessments(session: Session, cycle_id: int) -> dict[int, SelfAssessment]:
    """A cycle's self-assessments, by examinee id."""
    rows = session.exec(
        select(SelfAssessment)
        .join(CycleExaminee, col(CycleExaminee.id) == col(SelfAssessment.examinee_id))
        .where(CycleExaminee.cycle_id == cycle_id)
    )
    return {row.examinee_id: row for row in rows}


def answers(session: Session, assessment_id: int) -> dict[str, str]:
    rows = session.exec(select(SelfAnswer).where(SelfAnswer.assessment_id == assessment_id))
    return {row.section: row.text for row in rows}


def _upsert(
    session: Session, model: type[SQLModel], key: dict[str, object], values: dict[str, object]
) -> None:
    """Insert the row of ``model`` identified by ``key``, or update its ``values``."""
    row = session.exec(select(model).filter_by(**key)).first()
    if row is None:
        row = model(**key, **values)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    session.add(row)


def save_answer(session: Session, assessment_id: int, section: str, text: str, now: datetime) -> None:
    _upsert(
        session,
        SelfAnswer,
        {"assessment_id": assessment_id, "section": section},
        {"text": text, "updated_at": now},
    )


def self_scores(session: Session, assessment_id: int) -> dict[str, Decimal]:
    rows = session.exec(select(SelfScore).where(SelfScore.assessment_id == assessment_id))
    return {row.item: Decimal(row.points) for row in rows}


def save_self_score(session: Session, assessment_id: int, item: str, points: Decimal, now: datetime) -> None:
    _upsert(
        session,
        SelfScore,
        {"assessment_id": assessment_id, "item": item},
        {"points": points, "updated_at": now},
    )


def conversation(session: Session, telegram_user_id: int) -> Conversation | None:
    return session.get(Conversation, telegram_user_id)


def set_conversation(session: Session, telegram_user_id: int, flow: str, state: dict, now: datetime) -> None:
    """Remember where this person is (a new dict each time, so the JSON column sees the change)."""
    row = session.get(Conversation, telegram_user_id)
    if row is None:
        row = Conversation(telegram_user_id=telegram_user_id, flow=flow, state=dict(state), updated_at=now)
    else:
        row.flow, row.state, row.updated_at = flow, dict(state), now
    session.add(row)


def end_conversation(session: Session, telegram_user_id: int) -> None:
    row = session.get(Conversation, telegram_user_id)
    if row is not None:
        session.delete(row)


def member_ids_by_student_no(session: Session) -> dict[str, int]:
    """Active members' ids by student number."""
    rows = session.exec(select(Member.student_no, Member.id).where(col(Member.active).is_(True)))
    return {student_no: member_id for student_no, member_id in rows if member_id is not None}


def add_examinees(session: Session, examinees: list[CycleExaminee]) -> None:
    session.add_all(examinees)
    session.flush()


def bindings_by_member(session: Session, member_ids: list[int]) -> dict[int, TelegramBinding]:
    """The Telegram bindings of these members, by member id."""
    rows = session.exec(select(TelegramBinding).where(col(TelegramBinding.member_id).in_(member_ids)))
    return {row.member_id: row for row in rows}
