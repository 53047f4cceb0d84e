"""The result an appeal disputes and a decision may change (考核结果): item scores, total, grade.

``released_result`` is the one place that says what an examinee was told. Until the committee's
review (复核确认) stores its own reviewed result, it is computed from the submitted score sheet
(附表三): the total of its item scores and the band that total falls in; point it at the reviewed
result when that exists. ``final_result`` applies a decided appeal on top (最终裁定).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from markupsafe import Markup
from sqlmodel import Session

from flows.context import FlowContext
from flows.grading import band_for, total_score
from flows.i18n import render
from flows.scheme import Scheme
from storage import appeals, scoring
from storage.appeal_models import Appeal, AppealStatus, Outcome
from storage.cycle_models import CycleExaminee
from storage.scoring_models import SheetStatus


@dataclass(frozen=True)
class Result:
    """An examinee's result: points per rubric item, the total (总分) and the grade key (考核等级)."""

    scores: Mapping[str, Decimal]
    total: Decimal
    grade: str
    comment: str | None = None  # the scorer's evaluation comment (考评意见)
    changed: frozenset[str] = field(default_factory=frozenset)  # items a decision changed


def released_result(session: Session, examinee: CycleExaminee, scheme: Scheme) -> Result | None:
    """The result the examinee was given, or None when their score sheet is not submitted."""
    sheet = scoring.sheet_of(session, examinee.id)  # type: ignore[arg-type]
    if sheet is None or sheet.status != SheetStatus.SUBMITTED:
        return None
    scores = scoring.item_scores(session, sheet.id)  # type: ignore[arg-type]
    total = total_score(scores, scheme)
    return Result(scores, total, band_for(total, scheme), sheet.comment)


def decided_result(
    released: Result, new_scores: Mapping[str, Decimal], new_grade: str | None, scheme: Scheme
) -> Result:
    """``released`` as a decision changed it: new item scores give a new total and its band, unless
    the decision set the grade itself."""
    scores = {**released.scores, **new_scores}
    total = total_score(scores, scheme)
    grade = new_grade or (band_for(total, scheme) if new_scores else released.grade)
    return Result(scores, total, grade, released.comment, frozenset(new_scores))


def final_result(session: Session, examinee: CycleExaminee, scheme: Scheme) -> Result | None:
    """The result that stands: the released one, or what a decided appeal changed it to."""
    released = released_result(session, examinee, scheme)
    appeal = appeals.appeal_of(session, examinee.id)  # type: ignore[arg-type]
    if released is None or appeal is None or not changed_by(appeal):
        return released
    new_scores = {key: Decimal(row.after) for key, row in appeals.changes(session, appeal.id).items()}  # type: ignore[arg-type]
    return decided_result(released, new_scores, appeal.new_grade, scheme)


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
    result = final_result(context.session, examinee, scheme)
    return render(
        locale,
        "appeal_decision",
        at=context.local_time(appeal.decided_at) if appeal.decided_at else "",
        changed=appeal.outcome == Outcome.CHANGED,
        reason=appeal.decision_reason or "",
        result=Markup(result_text(result, scheme, locale)) if result is not None else "",
    )
