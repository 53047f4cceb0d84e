"""Queries for the archive (归档备案): a cycle's audit chain, the people it names, its self-assessments'
answers in one read, and freezing it.

Archiving a cycle marks it archived and copies every person it names (examinees, scorers, signers,
deciders, actors) as the roster stands then (``ArchivedPerson``); exports of an archived cycle read
names, positions and roles only from that copy, so a later roster import cannot change them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from storage import audit
from storage.models import (
    ArchivedPerson,
    AuditEntry,
    Cycle,
    CycleExaminee,
    Department,
    Member,
    SelfAnswer,
    SelfAssessment,
    Team,
)


def cycle_entries(session: Session, cycle: Cycle) -> list[AuditEntry]:
    """The cycle's audit chain in order; for an archived cycle, up to and including its archiving."""
    rows = audit.chain_entries(session, audit.cycle_chain(cycle.id))
    closing = next((i for i, row in enumerate(rows) if row.action == "cycle.archive"), None)
    return rows if closing is None else rows[: closing + 1]


def answers_of(session: Session, cycle_id: int) -> dict[int, dict[str, str]]:
    """Every self-assessment answer of the cycle: assessment id → section → text (one query, not one
    per examinee)."""
    rows = session.exec(
        select(SelfAnswer)
        .join(SelfAssessment, col(SelfAssessment.id) == col(SelfAnswer.assessment_id))
        .join(CycleExaminee, col(CycleExaminee.id) == col(SelfAssessment.examinee_id))
        .where(CycleExaminee.cycle_id == cycle_id)
    )
    found: dict[int, dict[str, str]] = {}
    for row in rows:
        found.setdefault(row.assessment_id, {})[row.section] = row.text
    return found


def entries_about(session: Session, records: Mapping[str, Iterable[object]]) -> list[AuditEntry]:
    """Audit rows, oldest first, about any of ``records`` (entity kind → ids of that kind)."""
    conditions = [
        and_(col(AuditEntry.entity) == entity, col(AuditEntry.entity_id).in_([str(i) for i in ids]))
        for entity, ids in records.items()
    ]
    if not conditions:
        return []
    return list(session.exec(select(AuditEntry).where(or_(*conditions)).order_by(col(AuditEntry.id))))


def member_actors(entries: Iterable[AuditEntry]) -> set[int]:
    """The ids of the members who acted in ``entries`` (actors written ``member:<id>``)."""
    return {int(e.actor.split(":", 1)[1]) for e in entries if e.actor.startswith("member:")}


def live_people(session: Session, cycle_id: int, member_ids: Iterable[int]) -> dict[int, ArchivedPerson]:
    """The people ``member_ids`` as the roster has them now (inactive ones too), in the snapshot's shape."""
    query = (
        select(Member, Team.name, Department.name)
        .join(Team, col(Team.id) == col(Member.team_id))
        .join(Department, col(Department.id) == col(Member.department_id), isouter=True)
        .where(col(Member.id).in_(list(member_ids)))
    )
    people = {}
    for member, team, department in session.exec(query):
        people[member.id] = ArchivedPerson(
            cycle_id=cycle_id,
            member_id=member.id,
            student_no=member.student_no,
            name=member.name,
            team=team,
            department=department,
            position=str(member.position),
            committee_role=str(member.committee_role) if member.committee_role else None,
        )
    return people


def archived_people(session: Session, cycle_id: int) -> dict[int, ArchivedPerson]:
    """The people frozen when the cycle was archived (empty for a cycle not archived)."""
    rows = session.exec(select(ArchivedPerson).where(ArchivedPerson.cycle_id == cycle_id))
    return {row.member_id: row for row in rows}


def archive(
    session: Session, cycle: Cycle, people: Iterable[ArchivedPerson], *, actor: str, now: datetime
) -> None:
    """Mark ``cycle`` archived (归档) at ``now`` with its ``people`` frozen, audited as ``cycle.archive``."""
    cycle.archived_at = now
    session.add(cycle)
    frozen = sorted(people, key=lambda person: person.member_id)
    session.add_all(frozen)
    audit.record(
        session,
        actor=actor,
        action="cycle.archive",
        entity="cycle",
        entity_id=cycle.id,
        after={"name": cycle.name, "archived_at": now.isoformat(), "people": len(frozen)},
        at=now,
    )
