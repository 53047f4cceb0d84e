"""Queries for the archive (归档备案) one part of a cycle at a time: the rows of some departments'
examinees (a team's department, or its presidium: ``department`` None), each kind in one query, so
that an export holds one department's rows at once, never the whole cycle's.

The people a part names are read by id, from the archived snapshot when the cycle has one
(``storage.archive``), else from the live roster.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, exists, or_
from sqlalchemy.sql import Select
from sqlmodel import Session, col, select

from storage.archive import live_people
from storage.models import (
    Appeal,
    AppealStatus,
    ArchivedPerson,
    CycleExaminee,
    Interview,
    ScoreSheet,
    SelfAnswer,
    SelfAssessment,
)

GroupKey = tuple[str, str | None]  # (team, department); department None: the team's presidium


@dataclass
class PartRows:
    """The rows of a part of a cycle, by examinee id (answers: by self-assessment id)."""

    examinees: list[CycleExaminee]  # in roster order (team, department, student number)
    assessments: dict[int, SelfAssessment]
    answers: dict[int, dict[str, str]]  # assessment id → section → text
    sheets: dict[int, ScoreSheet]
    appeals: dict[int, Appeal]  # submitted ones (drafts left out)
    interviews: dict[int, list[Interview]]  # oldest first


def examinee_ids(cycle_id: int, groups: Sequence[GroupKey] | None) -> Select:
    """The ids of the cycle's examinees in ``groups`` (every examinee: None), as a subquery."""
    query = select(CycleExaminee.id).where(CycleExaminee.cycle_id == cycle_id)
    if groups is None:
        return query
    department = col(CycleExaminee.department)
    return query.where(
        or_(
            *(
                and_(
                    col(CycleExaminee.team) == team,
                    department.is_(None) if name is None else department == name,
                )
                for team, name in groups
            )
        )
    )


def part_rows(session: Session, cycle_id: int, groups: Sequence[GroupKey] | None) -> PartRows:
    """Every row the archive prints of the examinees in ``groups`` (None: the whole cycle), one
    query per kind."""
    ids = examinee_ids(cycle_id, groups)
    examinees = list(
        session.exec(
            select(CycleExaminee)
            .where(col(CycleExaminee.id).in_(ids))
            .order_by(
                CycleExaminee.team, col(CycleExaminee.department).nulls_first(), CycleExaminee.student_no
            )
        )
    )
    assessments = {
        row.examinee_id: row
        for row in session.exec(select(SelfAssessment).where(col(SelfAssessment.examinee_id).in_(ids)))
    }
    answers: dict[int, dict[str, str]] = {}
    written = select(SelfAnswer).join(SelfAssessment, col(SelfAssessment.id) == col(SelfAnswer.assessment_id))
    for answer in session.exec(written.where(col(SelfAssessment.examinee_id).in_(ids))):
        answers.setdefault(answer.assessment_id, {})[answer.section] = answer.text
    sheets = {
        row.examinee_id: row
        for row in session.exec(select(ScoreSheet).where(col(ScoreSheet.examinee_id).in_(ids)))
    }
    submitted = select(Appeal).where(col(Appeal.examinee_id).in_(ids), Appeal.status != AppealStatus.DRAFT)
    appeals = {row.examinee_id: row for row in session.exec(submitted.order_by(col(Appeal.id)))}
    talks: dict[int, list[Interview]] = {}
    held = select(Interview).where(col(Interview.examinee_id).in_(ids))
    for interview in session.exec(held.order_by(col(Interview.held_at), col(Interview.id))):
        talks.setdefault(interview.examinee_id, []).append(interview)
    return PartRows(examinees, assessments, answers, sheets, appeals, talks)


def has_snapshot(session: Session, cycle_id: int) -> bool:
    """Whether the cycle's people were frozen when it was archived."""
    return bool(session.exec(select(exists().where(col(ArchivedPerson.cycle_id) == cycle_id))).one())


def people_named(
    session: Session, cycle_id: int, member_ids: Iterable[int], *, snapshot: bool
) -> dict[int, ArchivedPerson]:
    """The people ``member_ids``: from the cycle's archived snapshot (``snapshot``), else as the roster
    has them now."""
    wanted = list(member_ids)
    if not wanted:
        return {}
    if not snapshot:
        return live_people(session, cycle_id, wanted)
    rows = session.exec(
        select(ArchivedPerson).where(
            ArchivedPerson.cycle_id == cycle_id, col(ArchivedPerson.member_id).in_(wanted)
        )
    )
    return {row.member_id: row for row in rows}
