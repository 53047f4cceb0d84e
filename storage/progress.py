"""How far a cycle has got, counted in SQL (``kaohe cycle status``): a few grouped queries, however
large the organisation, instead of loading every examinee, form and score."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlmodel import Session, col

from storage.models import (
    CycleExaminee,
    Department,
    Member,
    ScoreSheet,
    SelfAssessment,
    Team,
    TelegramBinding,
)


@dataclass(frozen=True)
class FormCount:
    """How many examinees of one department stand where: their self-assessment's and score sheet's
    status (None: not started), and how many of them have registered (bound a Telegram account)."""

    team: str
    department: str | None
    self_status: str | None
    sheet_status: str | None
    examinees: int
    registered: int


@dataclass(frozen=True)
class ScorerCount:
    """How many of one scorer's sheets in one team are at ``status`` (None: not started); ``first`` is
    the examinee id that places the scorer in roster order."""

    scorer_id: int | None  # None: the committee (考核小组)
    scorer: str | None
    team: str
    status: str | None
    sheets: int
    first: int


@dataclass(frozen=True)
class ExamineeState:
    """One examinee, their forms' statuses and whether they have registered."""

    student_no: str
    name: str
    team: str
    department: str | None
    position: str
    self_status: str | None
    sheet_status: str | None
    registered: bool


def _forms(*columns: Any) -> Select[Any]:
    return (
        select(*columns)
        .outerjoin(SelfAssessment, col(SelfAssessment.examinee_id) == col(CycleExaminee.id))
        .outerjoin(ScoreSheet, col(ScoreSheet.examinee_id) == col(CycleExaminee.id))
        .outerjoin(TelegramBinding, col(TelegramBinding.member_id) == col(CycleExaminee.member_id))
    )


def form_counts(session: Session, cycle_id: int) -> list[FormCount]:
    """Examinees counted per team, department and the statuses of their two forms (one query)."""
    group = (
        col(CycleExaminee.team),
        col(CycleExaminee.department),
        col(SelfAssessment.status),
        col(ScoreSheet.status),
    )
    query = (
        _forms(*group, func.count(), func.count(col(TelegramBinding.id)))
        .where(col(CycleExaminee.cycle_id) == cycle_id)
        .group_by(*group)
    )
    return [FormCount(*row) for row in session.execute(query)]


def scorer_counts(session: Session, cycle_id: int) -> list[ScorerCount]:
    """Score sheets counted per scorer, team and status (one query)."""
    group = (
        col(CycleExaminee.scorer_member_id),
        col(Member.name),
        col(CycleExaminee.team),
        col(ScoreSheet.status),
    )
    query = (
        select(*group, func.count(), func.min(col(CycleExaminee.id)))
        .outerjoin(ScoreSheet, col(ScoreSheet.examinee_id) == col(CycleExaminee.id))
        .outerjoin(Member, col(Member.id) == col(CycleExaminee.scorer_member_id))
        .where(col(CycleExaminee.cycle_id) == cycle_id)
        .group_by(*group)
    )
    return [ScorerCount(*row) for row in session.execute(query)]


def examinee_states(
    session: Session,
    cycle_id: int,
    *,
    department: str | None = None,
    unregistered: bool = False,
    limit: int | None = None,
) -> list[ExamineeState]:
    """Examinees (of one department, or only those not registered) with their forms' statuses, in the
    order the cycle took them from the roster."""
    query = _forms(
        col(CycleExaminee.student_no),
        col(CycleExaminee.name),
        col(CycleExaminee.team),
        col(CycleExaminee.department),
        col(CycleExaminee.position),
        col(SelfAssessment.status),
        col(ScoreSheet.status),
        col(TelegramBinding.id).is_not(None),
    ).where(col(CycleExaminee.cycle_id) == cycle_id)
    if department is not None:
        query = query.where(col(CycleExaminee.department) == department)
    if unregistered:
        query = query.where(col(TelegramBinding.id).is_(None))
    query = query.order_by(col(CycleExaminee.id)).limit(limit)
    return [ExamineeState(*row) for row in session.execute(query)]


def roster_order(session: Session) -> dict[tuple[str, str | None], tuple[int, int]]:
    """Where each team and department stands in the roster: teams as imported, a team's officers
    (department None) before its departments, departments as imported."""
    order: dict[tuple[str, str | None], tuple[int, int]] = {}
    for team_id, team in session.execute(select(col(Team.id), col(Team.name))):
        order[(team, None)] = (team_id, 0)
    query = select(col(Team.name), col(Department.name), col(Department.id)).join(
        Team, col(Team.id) == col(Department.team_id)
    )
    for team, department, department_id in session.execute(query):
        order[(team, department)] = (order[(team, None)][0], department_id)
    return order
