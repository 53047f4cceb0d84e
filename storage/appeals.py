"""Queries on appeals (申诉): the appeal of an examinee, its evidence (and the files of it kept for the
archive), the opinions asked and the changes a decision makes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from sqlmodel import Session, col, delete, select

from storage.models import (
    OPEN_STATUSES,
    Appeal,
    AppealChange,
    AppealEvidence,
    AppealOpinion,
    AppealStatus,
    Cycle,
    CycleExaminee,
    EvidenceFile,
)


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


# Evidence and opinions (征求意见), each a list per appeal

Row = TypeVar("Row", AppealEvidence, AppealOpinion)


def _by_appeal(session: Session, model: type[Row], appeal_ids: Iterable[int]) -> dict[int, list[Row]]:
    """The rows of ``model`` about these appeals, oldest first, by appeal id."""
    found: dict[int, list[Row]] = {}
    rows = session.exec(
        select(model).where(col(model.appeal_id).in_(list(appeal_ids))).order_by(col(model.id))
    )
    for row in rows:
        found.setdefault(row.appeal_id, []).append(row)
    return found


def evidence(session: Session, appeal_id: int) -> list[AppealEvidence]:
    return _by_appeal(session, AppealEvidence, [appeal_id]).get(appeal_id, [])


def evidence_of(session: Session, appeal_ids: Iterable[int]) -> dict[int, list[AppealEvidence]]:
    """The evidence of several appeals, by appeal id."""
    return _by_appeal(session, AppealEvidence, appeal_ids)


def add_evidence(session: Session, piece: AppealEvidence) -> None:
    session.add(piece)


def clear_evidence(session: Session, appeal_id: int) -> None:
    pieces = select(AppealEvidence.id).where(col(AppealEvidence.appeal_id) == appeal_id)
    session.exec(delete(EvidenceFile).where(col(EvidenceFile.evidence_id).in_(pieces)))
    session.exec(delete(AppealEvidence).where(col(AppealEvidence.appeal_id) == appeal_id))


def files_to_fetch(session: Session, cycle_id: int) -> list[AppealEvidence]:
    """The photos and documents of a cycle's appeals (drafts left out) whose files are not kept yet."""
    query = (
        select(AppealEvidence)
        .join(Appeal, col(Appeal.id) == col(AppealEvidence.appeal_id))
        .join(CycleExaminee, col(CycleExaminee.id) == col(Appeal.examinee_id))
        .join(EvidenceFile, col(EvidenceFile.evidence_id) == col(AppealEvidence.id), isouter=True)
        .where(
            CycleExaminee.cycle_id == cycle_id,
            Appeal.status != AppealStatus.DRAFT,
            col(AppealEvidence.file_id).is_not(None),
            col(EvidenceFile.evidence_id).is_(None),
        )
        .order_by(col(AppealEvidence.id))
    )
    return list(session.exec(query))


def evidence_files(session: Session, evidence_ids: Iterable[int]) -> dict[int, EvidenceFile]:
    """The kept files of these pieces of evidence, by evidence id."""
    rows = session.exec(select(EvidenceFile).where(col(EvidenceFile.evidence_id).in_(list(evidence_ids))))
    return {row.evidence_id: row for row in rows}


def keep_file(session: Session, file: EvidenceFile) -> None:
    session.add(file)


def opinions(session: Session, appeal_id: int) -> list[AppealOpinion]:
    return _by_appeal(session, AppealOpinion, [appeal_id]).get(appeal_id, [])


def opinions_of(session: Session, appeal_ids: Iterable[int]) -> dict[int, list[AppealOpinion]]:
    """The opinions asked on several appeals, by appeal id."""
    return _by_appeal(session, AppealOpinion, appeal_ids)


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
