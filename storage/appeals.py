"""Queries on appeals (申诉): the appeal of an examinee, its evidence, opinions and changes, and the
people who receive or decide appeals."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import or_
from sqlmodel import Session, col, delete, select

from storage.appeal_models import (
    OPEN_STATUSES,
    Appeal,
    AppealChange,
    AppealEvidence,
    AppealOpinion,
    AppealStatus,
)
from storage.cycle_models import Cycle, CycleExaminee
from storage.models import Department, Member, Position, Team


def appeal_of(session: Session, examinee_id: int) -> Appeal | None:
    return session.exec(select(Appeal).where(Appeal.examinee_id == examinee_id)).first()


def start(session: Session, examinee_id: int, now: datetime) -> Appeal:
    """The examinee's appeal, created as a draft if there is none yet."""
    appeal = appeal_of(session, examinee_id)
    if appeal is None:
        appeal = Appeal(examinee_id=examinee_id, created_at=now, updated_at=now)
        session.add(appeal)
        session.flush()
    return appeal


def of_cycle(session: Session, cycle_id: int, *, drafts: bool = False) -> list[tuple[Appeal, CycleExaminee]]:
    """A cycle's appeals with their examinees, in the order they were submitted (drafts left out)."""
    query = (
        select(Appeal, CycleExaminee)
        .join(CycleExaminee, col(CycleExaminee.id) == col(Appeal.examinee_id))
        .where(CycleExaminee.cycle_id == cycle_id)
        .order_by(col(Appeal.submitted_at).nulls_last(), col(Appeal.id))
    )
    if not drafts:
        query = query.where(Appeal.status != AppealStatus.DRAFT)
    return [(appeal, examinee) for appeal, examinee in session.exec(query)]


def open_appeals(session: Session) -> list[tuple[Appeal, CycleExaminee, Cycle]]:
    """Submitted or escalated appeals of cycles not archived: the ones whose clocks run."""
    rows = session.exec(
        select(Appeal, CycleExaminee, Cycle)
        .join(CycleExaminee, col(CycleExaminee.id) == col(Appeal.examinee_id))
        .join(Cycle, col(Cycle.id) == col(CycleExaminee.cycle_id))
        .where(
            col(Appeal.status).in_(OPEN_STATUSES),
            col(Cycle.archived_at).is_(None),
        )
        .order_by(col(Appeal.id))
    )
    return [(appeal, examinee, cycle) for appeal, examinee, cycle in rows]


# Evidence


def evidence(session: Session, appeal_id: int) -> list[AppealEvidence]:
    return list(
        session.exec(
            select(AppealEvidence)
            .where(AppealEvidence.appeal_id == appeal_id)
            .order_by(col(AppealEvidence.id))
        )
    )


def evidence_of(session: Session, appeal_ids: Iterable[int]) -> dict[int, list[AppealEvidence]]:
    """The evidence of several appeals, by appeal id."""
    found: dict[int, list[AppealEvidence]] = {}
    rows = session.exec(
        select(AppealEvidence)
        .where(col(AppealEvidence.appeal_id).in_(list(appeal_ids)))
        .order_by(col(AppealEvidence.id))
    )
    for row in rows:
        found.setdefault(row.appeal_id, []).append(row)
    return found


def add_evidence(session: Session, piece: AppealEvidence) -> None:
    session.add(piece)


def clear_evidence(session: Session, appeal_id: int) -> None:
    session.exec(delete(AppealEvidence).where(col(AppealEvidence.appeal_id) == appeal_id))  # type: ignore[call-overload]


# Opinions (征求意见)


def opinions(session: Session, appeal_id: int) -> list[AppealOpinion]:
    return list(
        session.exec(
            select(AppealOpinion).where(AppealOpinion.appeal_id == appeal_id).order_by(col(AppealOpinion.id))
        )
    )


def opinions_of(session: Session, appeal_ids: Iterable[int]) -> dict[int, list[AppealOpinion]]:
    """The opinions asked on several appeals, by appeal id."""
    found: dict[int, list[AppealOpinion]] = {}
    rows = session.exec(
        select(AppealOpinion)
        .where(col(AppealOpinion.appeal_id).in_(list(appeal_ids)))
        .order_by(col(AppealOpinion.id))
    )
    for row in rows:
        found.setdefault(row.appeal_id, []).append(row)
    return found


def asked_of(session: Session, member_id: int, cycle_id: int) -> list[tuple[AppealOpinion, Appeal]]:
    """The opinions ``member_id`` has been asked for on a cycle's appeals, oldest first."""
    rows = session.exec(
        select(AppealOpinion, Appeal)
        .join(Appeal, col(Appeal.id) == col(AppealOpinion.appeal_id))
        .join(CycleExaminee, col(CycleExaminee.id) == col(Appeal.examinee_id))
        .where(AppealOpinion.member_id == member_id, CycleExaminee.cycle_id == cycle_id)
        .order_by(col(AppealOpinion.id))
    )
    return [(opinion, appeal) for opinion, appeal in rows]


def add_opinion(session: Session, opinion: AppealOpinion) -> AppealOpinion:
    session.add(opinion)
    session.flush()
    return opinion


# Changes a decision makes


def changes(session: Session, appeal_id: int) -> dict[str, AppealChange]:
    """The item scores a decision changed, by item key."""
    rows = session.exec(select(AppealChange).where(AppealChange.appeal_id == appeal_id))
    return {row.item: row for row in rows}


def changes_of(session: Session, appeal_ids: Iterable[int]) -> dict[int, dict[str, Decimal]]:
    """The new item scores of several decisions: appeal id → item key → points."""
    found: dict[int, dict[str, Decimal]] = {}
    for row in session.exec(select(AppealChange).where(col(AppealChange.appeal_id).in_(list(appeal_ids)))):
        found.setdefault(row.appeal_id, {})[row.item] = Decimal(row.after)
    return found


def add_changes(session: Session, rows: Iterable[AppealChange]) -> None:
    session.add_all(list(rows))


# People


def members_in_department(session: Session, team: str, department: str) -> list[Member]:
    """The active members of one department, e.g. 校团委 / 组织部."""
    return list(
        session.exec(
            select(Member)
            .join(Department, col(Department.id) == col(Member.department_id))
            .join(Team, col(Team.id) == col(Department.team_id))
            .where(Team.name == team, Department.name == department, col(Member.active).is_(True))
            .order_by(col(Member.id))
        )
    )


def teachers(session: Session) -> list[Member]:
    """The active teachers (老师)."""
    return list(
        session.exec(
            select(Member)
            .where(Member.position == Position.TEACHER, col(Member.active).is_(True))
            .order_by(col(Member.id))
        )
    )


def committee(session: Session) -> list[Member]:
    """The active members of the assessment committee (考核小组), in any role."""
    return list(
        session.exec(
            select(Member)
            .where(col(Member.committee_role).is_not(None), col(Member.active).is_(True))
            .order_by(col(Member.id))
        )
    )


def members(session: Session, member_ids: Iterable[int]) -> dict[int, Member]:
    """Members by id (inactive ones too: old records still name them)."""
    rows = session.exec(select(Member).where(col(Member.id).in_(list(member_ids))))
    return {row.id: row for row in rows if row.id is not None}


def find_members(session: Session, name_or_number: str) -> list[Member]:
    """Active members whose name or student number is exactly ``name_or_number``."""
    text = name_or_number.strip()
    return list(
        session.exec(
            select(Member)
            .where(or_(Member.name == text, Member.student_no == text), col(Member.active).is_(True))
            .order_by(col(Member.id))
        )
    )
