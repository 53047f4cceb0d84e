"""The committee's changes in review (复核调整): a department's rating, an item score or a grade changed
with a reason, a score sheet returned to its scorer (退回) with a note, a rule break accepted.

Each change first settles the sign-off (a change after a signature starts a new version and voids
it), then records who, when, before, after and why (``ReviewChange`` plus an audit row). The checks
on who may change what, and when, are made by the caller on every step; these functions only write.
"""

from __future__ import annotations

from decimal import Decimal

from flows.notices.notice import Kind, Notice, notify, rendered
from flows.results.board import Break, Entry, Group, break_identity
from flows.review.reviewer import Reviewer
from flows.review.signoff import start_new_version
from flows.ui.text import points
from storage import review as store
from storage import scoring
from storage.models import AcceptedViolation, ChangeKind, ReviewChange

REASON_MIN = 5  # characters: a reason must say something
REASON_MAX = 300


def _record(reviewer: Reviewer, **fields: object) -> ReviewChange:
    start_new_version(reviewer)
    version = store.current_version(reviewer.session, reviewer.cycle.id)
    change = ReviewChange(
        cycle_id=reviewer.cycle.id,
        member_id=reviewer.member.id,
        at=reviewer.now,
        version=version,
        **fields,  # type: ignore[arg-type]
    )
    return store.record_change(reviewer.session, change)


def set_rating(reviewer: Reviewer, group: Group, rating: str) -> None:
    """部门业绩评价: outstanding, good or ordinary; it gates grades S and A of the group."""
    _record(
        reviewer,
        kind=ChangeKind.RATING,
        team=group.team,
        department=group.department,
        before=group.rating,
        after=rating,
    )


def change_score(reviewer: Reviewer, entry: Entry, item: str, value: Decimal, reason: str) -> None:
    """Change one item score; the scorer's own score stays on their sheet as the original."""
    before = entry.scores.get(item)
    _record(
        reviewer,
        kind=ChangeKind.SCORE,
        examinee_id=entry.examinee.id,
        item=item,
        before=None if before is None else points(before),
        after=points(value),
        reason=reason,
    )


def change_grade(reviewer: Reviewer, entry: Entry, grade: str, reason: str) -> None:
    _record(
        reviewer,
        kind=ChangeKind.GRADE,
        examinee_id=entry.examinee.id,
        before=entry.grade,
        after=grade,
        reason=reason,
    )


def return_sheet(reviewer: Reviewer, entry: Entry, note: str) -> bool:
    """退回: the sheet goes back to its scorer, who is told why and may edit and submit it again.

    Returns whether the scorer could be told (they may have no chat with the bot).
    """
    sheet = scoring.sheet_of(reviewer.session, entry.examinee.id)
    assert sheet is not None and entry.examinee.scorer_member_id is not None
    start_new_version(reviewer)
    scoring.return_sheet(reviewer.session, sheet, actor=reviewer.actor, reason=note, now=reviewer.now)
    returned = Notice(Kind.RETURNED, reviewer.cycle.id, about_id=sheet.id, tag=reviewer.now.isoformat())
    told = notify(
        reviewer.context,
        returned,
        [entry.examinee.scorer_member_id],
        rendered(
            "review_returned_notice",
            cycle=reviewer.cycle.name,
            name=entry.examinee.name,
            note=note,
            by=reviewer.member.name,
            due=reviewer.local(reviewer.cycle.review_due),
        ),
    )
    return told > 0


def accept_break(reviewer: Reviewer, group: Group, rule_break: Break, reason: str) -> None:
    """Let one rule break stand, with the committee's reason; it does not change any result."""
    kind, grades, counted = break_identity(rule_break.violation)
    store.accept_violation(
        reviewer.session,
        AcceptedViolation(
            cycle_id=reviewer.cycle.id,
            team=group.team,
            department=group.department or "",
            kind=kind,
            grades=grades,
            counted=counted,
            reason=reason,
            member_id=reviewer.member.id,
            at=reviewer.now,
        ),
    )
