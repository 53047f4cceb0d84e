"""Queries for the archive (归档备案): the audit rows about a given set of records, and freezing a cycle."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from storage import audit
from storage.cycle_models import Cycle
from storage.models import AuditEntry


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


def archive(session: Session, cycle: Cycle, *, actor: str, now: datetime) -> None:
    """Mark ``cycle`` archived (归档) at ``now``, audited as ``cycle.archive``."""
    cycle.archived_at = now
    session.add(cycle)
    audit.record(
        session,
        actor=actor,
        action="cycle.archive",
        entity="cycle",
        entity_id=cycle.id,
        after={"name": cycle.name, "archived_at": now.isoformat()},
        at=now,
    )
