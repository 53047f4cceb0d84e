"""Queries for the archive (归档备案) one part of a cycle at a time: the rows of some examinees (a few
departments'), each kind in one query, so that an export never holds the whole cycle's rows at once.

The people a part names are read by id, from the archived snapshot when the cycle has one
(``storage.archive``), else from the live roster (as plain rows: ``PersonRow``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import exists
from sqlalchemy import select as sa_select
from sqlalchemy.sql import Select
from sqlmodel import Session, col, select

from storage.models import (
    Appeal,
    AppealStatus,
    ArchivedPerson,
    CycleExaminee,
    Department,
    Interview,
    Member,
    ScoreSheet,
    SelfAnswer,
    SelfAssessment,
    Team,
)


@dataclass
class PartRows:
    """The rows of a part of a cycle, by examinee id (answers: by self-assessment id)."""

    examinees: list[CycleExaminee]  # in roster order (team, department, student number)
    assessments: dict[int, SelfAssessment]
    answers: dict[int, dict[str, str]]  # assessment id → section → text
    sheets: dict[int, ScoreSheet]
    appeals: dict[int, Appeal]  # submitted ones (drafts left out)
    interviews: dict[int, list[Interview]]  # oldest first


def part_rows(session: Session, cycle_id: int, examinee_ids: Sequence[int] | None) -> PartRows:
    """Every row the archive prints of the examinees ``examinee_ids`` of the cycle (None: all of
    them), one query per kind."""
    if examinee_ids is None:
        ids: Select | list[int] = select(CycleExaminee.id).where(CycleExaminee.cycle_id == cycle_id)
    else:
        ids = list(examinee_ids)
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
    written = sa_select(col(SelfAnswer.assessment_id), col(SelfAnswer.section), col(SelfAnswer.text)).where(
        col(SelfAnswer.assessment_id).in_([a.id for a in assessments.values()])
    )
    for assessment_id, section, text in session.connection().execute(written):  # plain rows: 5 an examinee
        answers.setdefault(assessment_id, {})[section] = text
    sheets = {
        row.examinee_id: row
        for row in session.exec(select(ScoreSheet).where(col(ScoreSheet.examinee_id).in_(ids)))
    }
    submitted = select(Appeal).where(col(Appeal.examinee_id).in_(ids), Appeal.status != AppealStatus.DRAFT)
    appeals = {row.examinee_id: row for row in session.exec(submitted)}
    talks: dict[int, list[Interview]] = {}
    held = select(Interview).where(col(Interview.examinee_id).in_(ids))
    for interview in session.exec(held.order_by(col(Interview.held_at), col(Interview.id))):
        talks.setdefault(interview.examinee_id, []).append(interview)
    return PartRows(examinees, assessments, answers, sheets, appeals, talks)


def has_snapshot(session: Session, cycle_id: int) -> bool:
    """Whether the cycle's people were frozen when it was archived."""
    return bool(session.exec(select(exists().where(col(ArchivedPerson.cycle_id) == cycle_id))).one())


class PersonRow(NamedTuple):
    """A person the archive names, as the roster has them now: the snapshot's fields (``ArchivedPerson``),
    read as plain values (no ORM object per person)."""

    cycle_id: int
    member_id: int
    student_no: str
    name: str
    team: str
    department: str | None
    position: str
    committee_role: str | None

    def frozen(self) -> ArchivedPerson:
        """The row of the snapshot that archiving the cycle keeps of this person."""
        return ArchivedPerson(**self._asdict())


def people_named(
    session: Session, cycle_id: int, member_ids: Iterable[int], *, snapshot: bool
) -> dict[int, ArchivedPerson | PersonRow]:
    """The people ``member_ids`` (inactive ones too): from the cycle's archived snapshot
    (``snapshot``), else as the roster has them now."""
    wanted = list(member_ids)
    if not wanted:
        return {}
    if snapshot:
        frozen = select(ArchivedPerson).where(
            ArchivedPerson.cycle_id == cycle_id, col(ArchivedPerson.member_id).in_(wanted)
        )
        return {row.member_id: row for row in session.exec(frozen)}
    query = (
        sa_select(*(col(c) for c in (Member.id, Member.student_no, Member.name, Team.name, Department.name)))
        .add_columns(col(Member.position), col(Member.committee_role))
        .join(Team, col(Team.id) == col(Member.team_id))
        .join(Department, col(Department.id) == col(Member.department_id), isouter=True)
        .where(col(Member.id).in_(wanted))
    )
    people: dict[int, ArchivedPerson | PersonRow] = {}
    for member_id, student_no, name, team, department, position, role in session.connection().execute(query):
        people[member_id] = PersonRow(
            cycle_id,
            member_id,
            student_no,
            name,
            team,
            department,
            str(position),
            str(role) if role else None,
        )
    return people
