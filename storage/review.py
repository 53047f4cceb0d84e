"""Queries on the committee's review (复核确认): the version of the results, changes, rule breaks accepted,
and signatures; and the review board kept for the rest of a transaction that writes nothing.

Every write here adds its audit row (``review.*``) to the same transaction.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState
from sqlmodel import Session, col, select

from storage import audit
from storage.models import AcceptedViolation, ChangeKind, CycleReview, ReviewChange, Signature, SignatureRole


def find_review(session: Session, cycle_id: int) -> CycleReview | None:
    return session.exec(select(CycleReview).where(CycleReview.cycle_id == cycle_id)).first()


def current_version(session: Session, cycle_id: int) -> int:
    """The version of the cycle's results (1 until a change is made after a signature)."""
    review = find_review(session, cycle_id)
    return 1 if review is None else review.version


def review_of(session: Session, cycle_id: int, now: datetime) -> CycleReview:
    """The cycle's review record, created at version 1 the first time a change needs it."""
    review = find_review(session, cycle_id)
    if review is None:
        review = CycleReview(cycle_id=cycle_id, version=1, updated_at=now)
        session.add(review)
        session.flush()
    return review


def bump_version(session: Session, review: CycleReview, now: datetime) -> int:
    """A new version of the results; returns it."""
    review.version += 1
    review.updated_at = now
    session.add(review)
    return review.version


def _keep(
    session: Session,
    row: ReviewChange | AcceptedViolation | Signature,
    *,
    action: str,
    entity: str,
    **audited: Any,
) -> None:
    """Add ``row`` (flushed, so it has its id) with its audit row: ``action`` on ``entity`` by the row's
    member; ``audited`` carries ``before``, ``after``, ``reason`` and ``at``."""
    session.add(row)
    session.flush()
    audit.record(
        session, actor=f"member:{row.member_id}", action=action, entity=entity, entity_id=row.id, **audited
    )


def changes(session: Session, cycle_id: int) -> list[ReviewChange]:
    """Every change made in the cycle's review, oldest first."""
    return list(
        session.exec(
            select(ReviewChange).where(ReviewChange.cycle_id == cycle_id).order_by(col(ReviewChange.id))
        )
    )


def record_change(session: Session, change: ReviewChange) -> ReviewChange:
    """Keep one change and audit it as ``review.<kind>`` with before, after and the reason."""
    target = {"examinee": change.examinee_id, "team": change.team, "department": change.department}
    if change.kind == ChangeKind.SCORE:
        target["item"] = change.item
    _keep(
        session,
        change,
        action=f"review.{change.kind}",
        entity="review_change",
        before={**target, "value": change.before},
        after={**target, "value": change.after, "version": change.version},
        reason=change.reason,
        at=change.at,
    )
    return change


def accepted_violations(session: Session, cycle_id: int) -> list[AcceptedViolation]:
    return list(
        session.exec(
            select(AcceptedViolation)
            .where(AcceptedViolation.cycle_id == cycle_id)
            .order_by(col(AcceptedViolation.id))
        )
    )


def accept_violation(session: Session, accepted: AcceptedViolation) -> None:
    """Keep the committee's acceptance of one rule break, audited as ``review.accept``."""
    _keep(
        session,
        accepted,
        action="review.accept",
        entity="accepted_violation",
        after={
            "team": accepted.team,
            "department": accepted.department,
            "kind": accepted.kind,
            "grades": accepted.grades,
            "counted": accepted.counted,
        },
        reason=accepted.reason,
        at=accepted.at,
    )


def signatures(session: Session, cycle_id: int, *, live: bool = True) -> list[Signature]:
    """The cycle's signatures, oldest first; with ``live``, only those not voided."""
    query = select(Signature).where(Signature.cycle_id == cycle_id).order_by(col(Signature.id))
    if live:
        query = query.where(col(Signature.voided_at).is_(None))
    return list(session.exec(query))


def sign(
    session: Session,
    *,
    cycle_id: int,
    role: SignatureRole,
    member_id: int,
    version: int,
    now: datetime,
    comment: str | None = None,
    result_hash: str | None = None,
) -> Signature:
    """Record a signature on ``version`` (with the hash of the results signed), audited as ``review.sign``."""
    signature = Signature(
        cycle_id=cycle_id,
        role=role,
        member_id=member_id,
        version=version,
        signed_at=now,
        comment=comment,
        result_hash=result_hash,
    )
    _keep(
        session,
        signature,
        action="review.sign",
        entity="signature",
        after={"role": str(role), "version": version, "comment": comment, "result_hash": result_hash},
        at=now,
    )
    return signature


def void_signatures(
    session: Session, cycle_id: int, version: int, now: datetime, actor: str
) -> list[Signature]:
    """Void every live signature on a version older than ``version`` (examinees' included), audited."""
    voided = [s for s in signatures(session, cycle_id) if s.version < version]
    for signature in voided:
        signature.voided_at = now
        session.add(signature)
        audit.record(
            session,
            actor=actor,
            action="review.void",
            entity="signature",
            entity_id=signature.id,
            before={"role": str(signature.role), "version": signature.version},
            after={"version": version},
            at=now,
        )
    return voided


# The board, read once a transaction


_MEMO = "kaohe.review.memo"  # session.info: what was read since the last write, by key


def remembered(session: Session, key: Hashable) -> Any | None:
    """What ``remember`` kept under ``key``, if this session has written nothing since (nothing
    flushed, executed, committed or rolled back, and no change pending)."""
    if session.new or session.dirty or session.deleted:
        return None
    return session.info.get(_MEMO, {}).get(key)


def remember(session: Session, key: Hashable, value: Any) -> None:
    """Keep ``value`` (read from the database) for ``remembered`` until this session writes anything."""
    if _MEMO not in session.info:
        for name in ("after_flush", "after_commit", "after_rollback", "after_soft_rollback"):
            event.listen(session, name, _forget_all)
        event.listen(session, "do_orm_execute", _forget_on_write)
    session.info.setdefault(_MEMO, {})[key] = value


def _forget_all(session: Session, *_: object) -> None:
    session.info.get(_MEMO, {}).clear()


def _forget_on_write(state: ORMExecuteState) -> None:
    if not state.is_select:
        _forget_all(state.session)  # type: ignore[arg-type]
