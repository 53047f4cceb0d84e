"""What the reminders ask: where each self-assessment and score sheet of a cycle stands; the committee."""

from __future__ import annotations

from collections.abc import Collection

from sqlmodel import Session, col, select

from storage.cycle_models import CycleExaminee, SelfAssessment
from storage.models import Member
from storage.scoring_models import ScoreSheet


def self_statuses(
    session: Session, cycle_id: int, member_ids: Collection[int] | None = None
) -> list[tuple[CycleExaminee, str | None]]:
    """Each examinee of the cycle (or only these members) with their self-assessment's status, if any."""
    query = (
        select(CycleExaminee, SelfAssessment.status)
        .outerjoin(SelfAssessment, col(SelfAssessment.examinee_id) == col(CycleExaminee.id))
        .where(CycleExaminee.cycle_id == cycle_id)
    )
    if member_ids is not None:
        query = query.where(col(CycleExaminee.member_id).in_(list(member_ids)))
    return [(examinee, status) for examinee, status in session.exec(query.order_by(col(CycleExaminee.id)))]


def sheet_statuses(
    session: Session, cycle_id: int, scorer_ids: Collection[int] | None = None
) -> list[tuple[CycleExaminee, str | None]]:
    """Each examinee of the cycle (or only those these members score) with their score sheet's status."""
    query = (
        select(CycleExaminee, ScoreSheet.status)
        .outerjoin(ScoreSheet, col(ScoreSheet.examinee_id) == col(CycleExaminee.id))
        .where(CycleExaminee.cycle_id == cycle_id)
    )
    if scorer_ids is not None:
        query = query.where(col(CycleExaminee.scorer_member_id).in_(list(scorer_ids)))
    return [(examinee, status) for examinee, status in session.exec(query.order_by(col(CycleExaminee.id)))]


def committee_members(session: Session) -> list[Member]:
    """The active members of the assessment committee (考核小组), in roster order."""
    return list(
        session.exec(
            select(Member)
            .where(col(Member.committee_role).is_not(None), col(Member.active).is_(True))
            .order_by(col(Member.student_no))
        )
    )
