"""Queries for the archive (归档备案): a cycle's audit chain, the members acting in it, and freezing it
(``storage.archive_parts`` reads the rows of its examinees and the people it names).

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
)


def cycle_entries(session: Session, cycle: Cycle) -> list[AuditEntry]:
    """The cycle's audit chain in order; for an archived cycle, up to and including its archiving."""
    rows = audit.chain_entries(session, audit.cycle_chain(cycle.id))
    closing = next((i for i, row in enumerate(rows) if row.action == "cycle.archive"), None)
    return rows if closing is None else rows[: closing + 1]


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
