"""An examinee's result (考核结果): item scores, total, grade — the truth in one place.

``released_result`` is what the examinee was told: their entry on the committee's review board
(``flows.results.board``: the scorer's item scores with the committee's changes laid over them, the
total, and the final grade). ``final_result`` is THE result that stands, which ``/result``, the
release notice, the workbook and the printable forms all read: the released one with a decided
appeal applied on top (最终裁定, 申诉决定): new item scores give a new total whose band is capped by
the department's rating, unless the decision set the grade itself.

Each result has a version, which the examinee's signature for receipt (被考核者签字) names: the
version of the cycle's results, and one more once a decision changed this examinee's result (the
results cannot change after release otherwise), so a signature on the superseded result is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from markupsafe import Markup
from sqlmodel import Session

from flows.results.board import Board, group_of, load_board
from flows.rules.grading import allowed_grade, band_for, total_score
from flows.rules.scheme import Scheme
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from storage import appeals
from storage.cycles import Examinee
from storage.models import Appeal, AppealStatus, Cycle, CycleExaminee, Outcome


@dataclass(frozen=True)
class Result:
    """An examinee's result: points per rubric item, the total (总分) and the grade key (考核等级)."""

    scores: Mapping[str, Decimal]
    total: Decimal
    grade: str
    comment: str | None = None  # the scorer's evaluation comment (考评意见)
    rating: str | None = None  # the department's rating (部门业绩评价), which caps a new grade
    changed: frozenset[str] = field(default_factory=frozenset)  # items a decision changed
    version: int = 1  # what the examinee's signature for receipt names
    decided_at: datetime | None = None  # when an appeal decision changed it (申诉决定)

    @property
    def decided_on_appeal(self) -> bool:
        return self.decided_at is not None


def result_on(board: Board, examinee: Examinee) -> Result | None:
    """The examinee's result on the review board, or None while their score sheet is not submitted."""
    entry = board.entry(examinee.id)
    if entry is None or not entry.submitted:
        return None
    rating = board.group(group_of(examinee)).rating
    return Result(entry.scores, entry.total, entry.grade, entry.comment, rating, version=board.version)


def released_result(session: Session, examinee: CycleExaminee) -> Result | None:
    """The result the examinee was given (see ``result_on``)."""
    cycle = session.get(Cycle, examinee.cycle_id)
    assert cycle is not None  # foreign key
    return result_on(load_board(session, cycle), examinee)


def decided_result(
    released: Result,
    new_scores: Mapping[str, Decimal],
    new_grade: str | None,
    scheme: Scheme,
    decided_at: datetime | None = None,
) -> Result:
    """``released`` as a decision changed it: new item scores give a new total and its band (capped by
    the department's rating), unless the decision set the grade itself; one version newer."""
    scores = {**released.scores, **new_scores}
    total = total_score(scores, scheme)
    band = band_for(total, scheme)
    derived = band if released.rating is None else allowed_grade(band, released.rating, scheme)
    grade = new_grade or (derived if new_scores else released.grade)
    return Result(
        scores,
        total,
        grade,
        released.comment,
        released.rating,
        frozenset(new_scores),
        released.version + 1,
        decided_at,
    )


def final_result(session: Session, examinee: Examinee, board: Board | None = None) -> Result | None:
    """THE result that stands for one examinee: their released result (on ``board``, loaded when not
    given), or what a decided appeal changed it to. None while their score sheet is not submitted."""
    if board is None:
        cycle = session.get(Cycle, examinee.cycle_id)
        assert cycle is not None  # foreign key
        board = load_board(session, cycle)
    released = result_on(board, examinee)
    appeal = appeals.appeal_of(session, examinee.id)
    if released is None or appeal is None or not changed_by(appeal):
        return released
    new_scores = appeals.changes_of(session, [appeal.id]).get(appeal.id, {})
    return decided_result(released, new_scores, appeal.new_grade, board.scheme, appeal.decided_at)


def changed_by(appeal: Appeal) -> bool:
    return appeal.status == AppealStatus.DECIDED and appeal.outcome == Outcome.CHANGED


def grade_name(grade: str, scheme: Scheme, locale: str) -> Markup:
    """``S（优秀）`` or ``S (outstanding)``, ready to go into another message."""
    return Markup(
        render(locale, "appeal_grade", grade=grade, name=scheme.grade(grade).name.for_locale(locale))
    )


def result_text(result: Result, scheme: Scheme, locale: str) -> str:
    """The result as a score sheet in chat: each item, the total and the grade; changed items marked."""
    lines = [
        render(
            locale,
            "appeal_result_line",
            item=item.name.for_locale(locale),
            points=result.scores.get(item.key, "—"),
            max=item.points,
            changed=item.key in result.changed,
        )
        for item in scheme.rubric.items
    ]
    total = render(
        locale,
        "appeal_result_total",
        total=result.total,
        max=scheme.rubric.total,
        grade=grade_name(result.grade, scheme, locale),
        comment=result.comment or "",
    )
    return "\n".join([*lines, total])


def decision_text(
    context: FlowContext,
    locale: str,
    examinee: CycleExaminee,
    appeal: Appeal,
    scheme: Scheme,
) -> str:
    """The committee's final decision (最终裁定) as the examinee receives it: upheld, or the changed
    result, with the reasons."""
    result = final_result(context.session, examinee)
    return render(
        locale,
        "appeal_decision",
        at=context.local_time(appeal.decided_at) if appeal.decided_at else "",
        changed=appeal.outcome == Outcome.CHANGED,
        reason=appeal.decision_reason or "",
        result=Markup(result_text(result, scheme, locale)) if result is not None else "",
    )
