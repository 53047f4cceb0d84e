"""The audit trail (审计记录): every write that matters, with who, when, before, after and why.

The rows form hash chains, one per cycle (``cycle:<id>``: every row about the cycle or one of its
records) and one for the organisation (the roster, invitations, refused presses). ``record`` places
each new row at the end of its chain: it locks the chain's head (``AuditChain``, ``SELECT … FOR
UPDATE``, so two writers appending to one chain at once wait for each other instead of forking it),
and stores the row's place (``seq``), the previous row's hash and its own hash over its content and
that previous hash. ``record_many`` appends many rows the same way in a handful of statements (an
import's thousands of rows). ``verify_chain`` walks a chain again and names the first row that was
changed, deleted or inserted behind the application's back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import text, update
from sqlmodel import Session, col, select

from storage.bulk import insert_rows
from storage.models import AuditChain, AuditEntry, utcnow

ORGANISATION = "organisation"
GENESIS = "0" * 64
# The cycle a record belongs to, by the entity kind the audit rows name it with.
CYCLE_OF: dict[str, str] = {
    "cycle_examinee": "SELECT cycle_id FROM cycleexaminee WHERE id = :id",
    "self_assessment": "SELECT e.cycle_id FROM selfassessment r JOIN cycleexaminee e ON e.id = r.examinee_id"
    " WHERE r.id = :id",
    "score_sheet": "SELECT e.cycle_id FROM scoresheet r JOIN cycleexaminee e ON e.id = r.examinee_id"
    " WHERE r.id = :id",
    "appeal": "SELECT e.cycle_id FROM appeal r JOIN cycleexaminee e ON e.id = r.examinee_id WHERE r.id = :id",
    "interview": "SELECT e.cycle_id FROM interview r JOIN cycleexaminee e ON e.id = r.examinee_id"
    " WHERE r.id = :id",
    "signature": "SELECT cycle_id FROM signature WHERE id = :id",
    "review_change": "SELECT cycle_id FROM reviewchange WHERE id = :id",
    "accepted_violation": "SELECT cycle_id FROM acceptedviolation WHERE id = :id",
}


def cycle_chain(cycle_id: int) -> str:
    return f"cycle:{cycle_id}"


@dataclass(frozen=True)
class Row:
    """One audit row to append: who, what, about which entity, before and after, why, and when."""

    actor: str
    action: str
    entity: str
    entity_id: object = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str | None = None
    at: datetime | None = None


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
    """Add one audit row to the session's transaction (it commits with the change it describes), at
    the end of its chain; the chain's head stays locked until the transaction ends."""
    appending = _entry(session, Row(actor, action, entity, entity_id, before, after, reason, at))
    _place(appending, *_lock_head(session, appending.chain))
    entry = AuditEntry(**asdict(appending))
    session.add(entry)
    _move_head(session, entry.chain, entry.seq, entry.hash)
    return entry


def record_many(session: Session, rows: Iterable[Row]) -> int:
    """Append ``rows`` in their order, as ``record`` would one by one, in a fixed handful of statements:
    each chain's head is locked once (chains in name order), the hashes are computed here, and the rows
    go in with one multi-row insert. How many rows were added."""
    entries = [_entry(session, row) for row in rows]
    heads = {chain: _lock_head(session, chain) for chain in sorted({entry.chain for entry in entries})}
    for entry in entries:
        _place(entry, *heads[entry.chain])
        heads[entry.chain] = entry.seq, entry.hash
    if entries:
        session.flush()  # rows added by ``record`` earlier in the transaction keep their ids before these
        insert_rows(session, AuditEntry, [dict(vars(entry)) for entry in entries])  # asdict copies deep
    for chain, (seq, head) in heads.items():
        _move_head(session, chain, seq, head)
    return len(entries)


@dataclass
class _Appending:
    """A row on its way into its chain: the columns of its ``AuditEntry`` (without the ORM's cost of
    building one, which was most of a large import's time)."""

    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    chain: str
    seq: int = 0
    prev_hash: str = GENESIS
    hash: str = ""


def _entry(session: Session, row: Row) -> _Appending:
    """The row's columns in its chain, its place not yet set."""
    return _Appending(
        at=(row.at or utcnow()).astimezone(UTC),
        actor=row.actor,
        action=row.action,
        entity=row.entity,
        entity_id=None if row.entity_id is None else str(row.entity_id),
        before=_plain(row.before),
        after=_plain(row.after),
        reason=row.reason,
        chain=chain_of(session, row.entity, row.entity_id),
    )


def _place(entry: _Appending, seq: int, head: str) -> None:
    """Put ``entry`` after the chain's row ``seq`` whose hash is ``head``, and hash it there."""
    entry.seq, entry.prev_hash = seq + 1, head
    entry.hash = digest(entry)


def _move_head(session: Session, chain: str, seq: int, head: str) -> None:
    session.execute(update(AuditChain).where(col(AuditChain.chain) == chain).values(seq=seq, head=head))


def chain_of(session: Session, entity: str, entity_id: object) -> str:
    """The chain a row about ``entity`` ``entity_id`` belongs to: its cycle's, else the organisation's."""
    if entity_id is None or not str(entity_id).isdecimal():
        return ORGANISATION
    if entity == "cycle":
        return cycle_chain(int(str(entity_id)))
    query = CYCLE_OF.get(entity)
    cycle_id = session.execute(text(query), {"id": int(str(entity_id))}).scalar() if query else None
    return cycle_chain(cycle_id) if cycle_id is not None else ORGANISATION


def _lock_head(session: Session, chain: str) -> tuple[int, str]:
    """The chain's head (last place and hash), locked for this transaction; created when new."""
    session.execute(
        text("INSERT INTO auditchain (chain, seq, head) VALUES (:chain, 0, :head) ON CONFLICT DO NOTHING"),
        {"chain": chain, "head": GENESIS},
    )
    query = select(AuditChain.seq, AuditChain.head).where(col(AuditChain.chain) == chain).with_for_update()
    seq, head = session.exec(query).one()
    return seq, head


def _plain(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """``value`` as it comes back from a JSON column (string keys, lists), so its hash is stable."""
    return None if value is None else json.loads(json.dumps(value, ensure_ascii=False))


def digest(entry: AuditEntry | _Appending) -> str:
    """SHA-256 over the row's place, the previous row's hash and the row's content."""
    content = [
        entry.chain,
        entry.seq,
        entry.prev_hash,
        entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        entry.actor,
        entry.action,
        entry.entity,
        entry.entity_id,
        entry.before,
        entry.after,
        entry.reason,
    ]
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def entries(session: Session, action: str | None = None) -> list[AuditEntry]:
    """Audit rows, oldest first, optionally of one action."""
    query = select(AuditEntry).order_by(col(AuditEntry.id))
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return list(session.exec(query))


def chain_entries(session: Session, chain: str) -> list[AuditEntry]:
    """The rows of one chain in chain order."""
    query = select(AuditEntry).where(col(AuditEntry.chain) == chain)
    return list(session.exec(query.order_by(col(AuditEntry.seq), col(AuditEntry.id))))


def chains(session: Session) -> list[str]:
    """Every chain that has rows or a head."""
    names = set(session.exec(select(AuditEntry.chain).distinct())) | set(
        session.exec(select(AuditChain.chain))
    )
    return sorted(names)


def head_of(session: Session, chain: str) -> AuditChain | None:
    return session.get(AuditChain, chain)


# Verification


class Tamper(StrEnum):
    CHANGED = "changed"  # a row's content no longer matches its hash, or it was re-hashed after an edit
    DELETED = "deleted"  # rows missing from the chain
    INSERTED = "inserted"  # a row that was never appended through ``record``
    HEAD = "head"  # the chain's head record is gone


@dataclass(frozen=True)
class Break:
    """The first place where a chain is not as ``record`` left it."""

    chain: str
    kind: Tamper
    row: AuditEntry | None  # the row changed or inserted; for deletions, the row after the gap (if any)
    missing: tuple[int, int] | None = None  # for deletions: the first and last place missing


def verify_chain(chain: str, rows: Sequence[AuditEntry], head: AuditChain | None) -> Break | None:
    """Walk ``rows`` (in chain order) and the head: the first break, or None when the chain is whole."""
    if head is None:
        return Break(chain, Tamper.HEAD, rows[0] if rows else None)
    previous, expected = GENESIS, 1
    for index, row in enumerate(rows):
        following = rows[index + 1] if index + 1 < len(rows) else None
        if row.seq > head.seq or (following is not None and (row.id or 0) > (following.id or 0)):
            return Break(chain, Tamper.INSERTED, row)
        if row.hash != digest(row):
            return Break(chain, Tamper.CHANGED, row)
        if row.prev_hash != previous:
            if row.seq > expected:
                return Break(chain, Tamper.DELETED, row, (expected, row.seq - 1))
            return Break(chain, Tamper.CHANGED, rows[index - 1] if index else row)
        if row.seq != expected:
            return Break(chain, Tamper.CHANGED, row)
        previous, expected = row.hash, row.seq + 1
    if head.seq >= expected:
        return Break(chain, Tamper.DELETED, None, (expected, head.seq))
    if head.head != previous:
        return Break(chain, Tamper.CHANGED, rows[-1] if rows else None)
    return None


def verify(session: Session, chain: str) -> Break | None:
    """Verify one chain as it is stored now."""
    return verify_chain(chain, chain_entries(session, chain), head_of(session, chain))
