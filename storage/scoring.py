"""Queries on score sheets (评分表): who a scorer scores, sheets and item scores, where each sheet stands,
submitting and returning."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, cast
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from storage import audit
from storage.cycles import ExamineeRow, SheetRow, form_statuses
from storage.models import CycleExaminee, ItemScore, ScoreSheet, SheetStatus


def examinees_of_scorer(session: Session, cycle_id: int, member_id: int) -> list[CycleExaminee]:
    """The examinees ``member_id`` scores in a cycle, in the order the cycle froze the roster."""
    return list(
        session.exec(
            select(CycleExaminee)
            .where(CycleExaminee.cycle_id == cycle_id, CycleExaminee.scorer_member_id == member_id)
            .order_by(col(CycleExaminee.id))
        )
    )


def sheet_of(session: Session, examinee_id: int) -> ScoreSheet | None:
    return session.exec(select(ScoreSheet).where(ScoreSheet.examinee_id == examinee_id)).first()


def sheets(session: Session, examinee_ids: Iterable[int]) -> dict[int, ScoreSheet]:
    """The score sheets of these examinees, by examinee id."""
    rows = session.exec(select(ScoreSheet).where(col(ScoreSheet.examinee_id).in_(list(examinee_ids))))
    return {row.examinee_id: row for row in rows}


def cycle_sheets(session: Session, cycle_id: int) -> dict[int, ScoreSheet]:
    """Every score sheet of a cycle, by examinee id."""
    rows = session.exec(
        select(ScoreSheet)
        .join(CycleExaminee, col(CycleExaminee.id) == col(ScoreSheet.examinee_id))
        .where(CycleExaminee.cycle_id == cycle_id)
    )
    return {row.examinee_id: row for row in rows}


def item_scores(session: Session, sheet_id: int) -> dict[str, Decimal]:
    return item_scores_of(session, [sheet_id]).get(sheet_id, {})


def item_scores_of(session: Session, sheet_ids: Iterable[int]) -> dict[int, dict[str, Decimal]]:
    """The item scores of several sheets: sheet id → item key → points (sheets without scores left out)."""
    return _by_sheet(session, select(ItemScore.sheet_id).where(col(ItemScore.sheet_id).in_(list(sheet_ids))))


_EXAMINEE_COLUMNS = [CycleExaminee.__table__.c[name] for name in ExamineeRow._fields]  # type: ignore[attr-defined]
_SHEET_COLUMNS = [ScoreSheet.__table__.c[name] for name in SheetRow._fields]  # type: ignore[attr-defined]


def cycle_scored(session: Session, cycle_id: int) -> list[tuple[ExamineeRow, SheetRow | None]]:
    """A cycle's examinees in roster order, each with their score sheet (if any), in one query and as
    plain rows (not an ORM object per examinee or sheet). The sheet carries its total and how many items
    are scored; the item scores themselves are read by ``cycle_item_scores`` or ``item_scores_of``."""
    query = (
        sa_select(*_EXAMINEE_COLUMNS, *_SHEET_COLUMNS)
        .outerjoin(ScoreSheet, col(ScoreSheet.examinee_id) == col(CycleExaminee.id))
        .where(col(CycleExaminee.cycle_id) == cycle_id)
        .order_by(
            col(CycleExaminee.team),
            col(CycleExaminee.department).nulls_first(),
            col(CycleExaminee.student_no),
        )
    )
    at, made = len(_EXAMINEE_COLUMNS), tuple.__new__  # what ``_make`` does, less a call a row
    rows = session.connection().execute(query).all()  # Core rows: nothing here for the ORM to load
    return [
        (made(ExamineeRow, row[:at]), None if row[at] is None else made(SheetRow, row[at:])) for row in rows
    ]


def cycle_item_scores(session: Session, cycle_id: int) -> dict[int, dict[str, Decimal]]:
    """The item scores of every sheet of a cycle: sheet id → item key → points."""
    sheets = (
        select(ItemScore.sheet_id)
        .join(ScoreSheet, col(ScoreSheet.id) == col(ItemScore.sheet_id))
        .join(CycleExaminee, col(CycleExaminee.id) == col(ScoreSheet.examinee_id))
        .where(CycleExaminee.cycle_id == cycle_id)
    )
    return _by_sheet(session, sheets)


_POINTS_SCALE: int = ItemScore.__table__.c.points.type.scale  # type: ignore[attr-defined]


def as_read(points: Decimal) -> Decimal:
    """``points`` as the database gives them back (one decimal: ``19`` is read as ``19.0``)."""
    return points.quantize(_POINTS_STEP)


_POINTS_STEP = Decimal(1).scaleb(-_POINTS_SCALE)


class _Given(dict[str, tuple[str, Decimal]]):
    """``results=15.0`` → ``("results", Decimal("15.0"))``, worked out once per distinct text: a cycle's
    hundred thousand item scores take a few hundred distinct values. The points become Decimals as
    SQLAlchemy's Numeric makes them (one decimal: ``15.0``)."""

    def __missing__(self, given: str) -> tuple[str, Decimal]:
        item, raw = given.split("=")
        pair = self[given] = (item, Decimal(f"{float(raw):.{_POINTS_SCALE}f}"))
        return pair


def _joined_scores(session: Session) -> Any:
    """A group's item scores as one text, ``results=15.0,attitude=12.5,...`` (None without any)."""
    pair = col(ItemScore.item) + "=" + cast(col(ItemScore.points), String)
    postgres = session.get_bind().dialect.name == "postgresql"
    return func.string_agg(pair, ",") if postgres else func.group_concat(pair, ",")


def _by_sheet(session: Session, sheets: SelectOfScalar[int]) -> dict[int, dict[str, Decimal]]:
    """Item scores read one row a sheet, not as an ORM object per item."""
    query = sheets.add_columns(_joined_scores(session)).group_by(col(ItemScore.sheet_id))
    parse = _Given().__getitem__
    return {sheet_id: dict(map(parse, text.split(","))) for sheet_id, text in session.execute(query)}


def scoring_started(session: Session, examinee_id: int) -> bool:
    """Whether the examinee's scorer has given any item score yet."""
    return (
        session.exec(
            select(ItemScore.id)
            .join(ScoreSheet, col(ScoreSheet.id) == col(ItemScore.sheet_id))
            .where(ScoreSheet.examinee_id == examinee_id)
        ).first()
        is not None
    )


def start_sheet(session: Session, examinee_id: int, scorer_member_id: int, now: datetime) -> ScoreSheet:
    """The examinee's sheet, created as a draft of ``scorer_member_id`` if there is none yet."""
    sheet = sheet_of(session, examinee_id)
    if sheet is None:
        sheet = ScoreSheet(
            examinee_id=examinee_id, scorer_member_id=scorer_member_id, started_at=now, updated_at=now
        )
        session.add(sheet)
        session.flush()
    return sheet


def take_over_sheet(session: Session, sheet: ScoreSheet, member_id: int, now: datetime) -> ScoreSheet:
    """The sheet handed to the committee member ``member_id`` to fill in (the caller audits why)."""
    sheet.scorer_member_id = member_id
    sheet.updated_at = now
    session.add(sheet)
    session.flush()
    return sheet


def save_item_score(
    session: Session,
    sheet: ScoreSheet,
    item: str,
    points: Decimal,
    member_id: int,
    now: datetime,
    *,
    total: Decimal,
) -> Decimal | None:
    """Give ``points`` for ``item`` on ``sheet``, whose item scores then come to ``total`` (the caller
    works it out by the scheme: ``flows.scoring.sheet.give_score``); returns the points it replaces."""
    row = session.exec(
        select(ItemScore).where(ItemScore.sheet_id == sheet.id, ItemScore.item == item)
    ).first()
    before = None if row is None else Decimal(row.points)
    if row is None:
        row = ItemScore(
            sheet_id=sheet.id, item=item, points=points, scored_by_member_id=member_id, scored_at=now
        )
    else:
        row.points, row.scored_by_member_id, row.scored_at = points, member_id, now
    if before is None:
        sheet.scored += 1
    sheet.total, sheet.updated_at = str(total), now
    session.add_all([row, sheet])
    return before


def save_comment(session: Session, sheet: ScoreSheet, comment: str, now: datetime) -> None:
    """Set the evaluation comment (考评意见)."""
    sheet.comment, sheet.updated_at = comment, now
    session.add(sheet)


def submit_sheet(session: Session, sheet: ScoreSheet, *, actor: str, now: datetime, after: dict) -> None:
    """Lock ``sheet`` as submitted, with an audit row ``score.submit`` carrying ``after``."""
    sheet.status, sheet.submitted_at, sheet.updated_at = SheetStatus.SUBMITTED, now, now
    session.add(sheet)
    audit.record(
        session,
        actor=actor,
        action="score.submit",
        entity="score_sheet",
        entity_id=sheet.id,
        after=after,
        at=now,
    )


def return_sheet(session: Session, sheet: ScoreSheet, *, actor: str, reason: str, now: datetime) -> None:
    """Send a submitted sheet back to its scorer (退回), who may then edit and submit it again.

    Raises ValueError for a sheet that is not submitted. Audited as ``score.return`` with the reason.
    """
    if sheet.status != SheetStatus.SUBMITTED or sheet.submitted_at is None:
        raise ValueError(f"score sheet {sheet.id} is {sheet.status}, not submitted")
    before = {"status": str(sheet.status), "submitted_at": sheet.submitted_at.isoformat()}
    sheet.status, sheet.returned_at, sheet.return_reason = SheetStatus.RETURNED, now, reason
    sheet.submitted_at, sheet.updated_at = None, now
    session.add(sheet)
    audit.record(
        session,
        actor=actor,
        action="score.return",
        entity="score_sheet",
        entity_id=sheet.id,
        before=before,
        after={"status": SheetStatus.RETURNED.value},
        reason=reason,
        at=now,
    )


def sheet_statuses(
    session: Session, cycle_id: int, scorer_ids: Collection[int] | None = None
) -> list[tuple[CycleExaminee, str | None]]:
    """Each examinee of the cycle (or only those these members score) with their score sheet's status."""
    return form_statuses(session, cycle_id, ScoreSheet, "scorer_member_id", scorer_ids)
