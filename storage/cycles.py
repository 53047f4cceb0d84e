"""Queries on cycles (考核周期), their examinees (被考核者) and self-assessments (自我评定)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple, Protocol

from sqlalchemy import or_
from sqlmodel import Session, SQLModel, col, func, select

from storage.bulk import insert_rows
from storage.models import (
    Cycle,
    CycleExaminee,
    Member,
    ScoreSheet,
    SelfAnswer,
    SelfAssessment,
    SelfScore,
    SelfStatus,
)
from storage.roster import Placed


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
    return _newest_place(session, member_id, archived=False)


def archived_examinee(session: Session, member_id: int) -> CycleExaminee | None:
    """The member's place in the newest archived cycle that assessed them."""
    return _newest_place(session, member_id, archived=True)


def _newest_place(session: Session, member_id: int, *, archived: bool) -> CycleExaminee | None:
    archived_at = col(Cycle.archived_at)
    return session.exec(
        select(CycleExaminee)
        .join(Cycle, col(Cycle.id) == col(CycleExaminee.cycle_id))
        .where(
            CycleExaminee.member_id == member_id,
            archived_at.is_not(None) if archived else archived_at.is_(None),
        )
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


def examinee_count(session: Session, cycle_id: int) -> int:
    """How many examinees a cycle assesses."""
    return session.exec(
        select(func.count()).select_from(CycleExaminee).where(CycleExaminee.cycle_id == cycle_id)
    ).one()


class Examinee(Placed, Protocol):
    """What is read of an examinee: a ``CycleExaminee`` row, or an ``ExamineeRow`` read without the ORM."""

    @property
    def id(self) -> int: ...
    @property
    def cycle_id(self) -> int: ...
    @property
    def member_id(self) -> int: ...
    @property
    def student_no(self) -> str: ...
    @property
    def position(self) -> str: ...
    @property
    def scorer_member_id(self) -> int | None: ...


class ExamineeRow(NamedTuple):
    """A cycle's examinee as plain values, what the board reads of ten thousand (no ORM objects)."""

    id: int
    cycle_id: int
    member_id: int
    student_no: str
    name: str
    team: str
    department: str | None
    position: str
    scorer_member_id: int | None


class SheetRow(NamedTuple):
    """Where a score sheet stands, as plain values; a flow that writes a sheet, or shows when it was
    submitted, reads its ``ScoreSheet``."""

    id: int
    scorer_member_id: int | None
    status: str
    comment: str | None
    scored: int  # how many items are scored
    total: str | None  # the total of the scorer's item scores, as written (None: nothing scored)


def scorer_names(session: Session, cycle_id: int) -> dict[int, str]:
    """The names of everyone who scores somebody in a cycle, by member id."""
    scorers = select(CycleExaminee.scorer_member_id).where(CycleExaminee.cycle_id == cycle_id)
    rows = session.exec(select(Member.id, Member.name).where(col(Member.id).in_(scorers)))
    return {member_id: name for member_id, name in rows}


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


def mark_self_missing(session: Session, examinee_id: int, now: datetime) -> SelfAssessment:
    """The examinee's self-assessment recorded as missing (缺交), a draft kept as it was written."""
    assessment = self_assessment(session, examinee_id) or SelfAssessment(
        examinee_id=examinee_id, started_at=now
    )
    assessment.status, assessment.updated_at = SelfStatus.MISSING, now
    session.add(assessment)
    session.flush()
    return assessment


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


def add_examinees(session: Session, examinees: Sequence[Mapping[str, object]]) -> None:
    """Store a cycle's examinees, given as rows of ``CycleExaminee`` columns, in one insert."""
    insert_rows(session, CycleExaminee, examinees)


def self_statuses(
    session: Session, cycle_id: int, member_ids: Collection[int] | None = None
) -> list[tuple[CycleExaminee, str | None]]:
    """Each examinee of the cycle (or only these members) with their self-assessment's status, if any."""
    return form_statuses(session, cycle_id, SelfAssessment, "member_id", member_ids)


def form_statuses(
    session: Session,
    cycle_id: int,
    form: type[SelfAssessment] | type[ScoreSheet],
    member_field: str,
    member_ids: Collection[int] | None,
) -> list[tuple[CycleExaminee, str | None]]:
    """Each examinee of the cycle with the status of their ``form`` (self-assessment or score sheet), if
    any, in roster order; with ``member_ids``, only examinees whose ``member_field`` is one of them."""
    query = (
        select(CycleExaminee, form.status)
        .outerjoin(form, col(form.examinee_id) == col(CycleExaminee.id))
        .where(CycleExaminee.cycle_id == cycle_id)
    )
    if member_ids is not None:
        query = query.where(col(getattr(CycleExaminee, member_field)).in_(list(member_ids)))
    return [(examinee, status) for examinee, status in session.exec(query.order_by(col(CycleExaminee.id)))]


def find_examinees(session: Session, cycle_id: int, name_or_number: str) -> list[CycleExaminee]:
    """A cycle's examinees whose name or student number is exactly ``name_or_number``."""
    text = name_or_number.strip()
    return list(
        session.exec(
            select(CycleExaminee)
            .where(
                CycleExaminee.cycle_id == cycle_id,
                or_(col(CycleExaminee.name) == text, col(CycleExaminee.student_no) == text),
            )
            .order_by(col(CycleExaminee.id))
        )
    )
