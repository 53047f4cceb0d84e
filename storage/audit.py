"""The audit trail (审计记录): every write that matters, with who, when, before, after and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from storage.models import AuditEntry, utcnow


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: object = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Add one audit row to the session's transaction (it commits with the change it describes)."""
    entry = AuditEntry(
        at=at or utcnow(),
        actor=actor,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=before,
        after=after,
        reason=reason,
    )
    session.add(entry)
    return entry


def entries(session: Session, action: str | None = None) -> list[AuditEntry]:
    """Audit rows, oldest first, optionally of one action."""
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return list(session.exec(query))
