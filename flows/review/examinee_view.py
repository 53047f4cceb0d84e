"""One examinee's screen in ``/review`` (评议): their scores next to the scorer's originals, total, band,
grades, comment and every change made, with the committee's buttons (change a score or the grade,
return the sheet, score a president, take over, record a missing self-assessment), and the menus and
prompts those buttons lead to.
"""

from __future__ import annotations

from collections.abc import Sequence

from flows.results.board import Entry
from flows.review.presses import ExamineePress, ExamineeStep, PagePress
from flows.review.reviewer import Reviewer
from flows.review.screens import department_lengths, group_label, member_name, rating_name
from flows.rules import access
from flows.rules.names import name_of
from flows.ui.chat import Button, Reply
from flows.ui.keyboards import rows_of, with_buttons
from flows.ui.paging import page_holding
from flows.ui.text import points
from storage import scoring
from storage.models import Position


def examinee_screen(
    reviewer: Reviewer, entry: Entry, prefix: str = "", buttons: Sequence[Sequence[Button]] | None = None
) -> list[Reply]:
    """The examinee's scores (changed ones next to the scorer's), total, band, grades, comment, history;
    with ``buttons``, those instead of the usual ones (change, regrade, return, back)."""
    board = reviewer.board()
    assert access.can_read_result(reviewer.member, entry.examinee)
    examinee, scheme = entry.examinee, board.scheme
    sheet = scoring.sheet_of(reviewer.session, examinee.id) if entry.sheet else None
    group = board.group((examinee.team, examinee.department))
    blocks = [
        reviewer.text(
            "review_entry_heading",
            name=examinee.name,
            position=name_of(Position(examinee.position), reviewer.locale),
            group=group_label(reviewer, group),
            scorer=entry.scorer,
            status=entry.status,
            submitted_at=reviewer.local(sheet.submitted_at) if sheet and sheet.submitted_at else None,
        ),
        "\n".join(
            reviewer.text(
                "review_item_line",
                item=item.name.for_locale(reviewer.locale),
                points=points(entry.scores[item.key]) if item.key in entry.scores else "—",
                max=points(item.points),
                original=points(entry.original[item.key])
                if item.key in entry.changed_items and item.key in entry.original
                else None,
            )
            for item in scheme.rubric.items
        ),
        reviewer.text(
            "review_entry_total",
            total=points(entry.total),
            original=points(entry.original_total) if entry.changed_items else None,
            band=entry.band,
            proposed=entry.proposed,
            grade=entry.grade,
            grade_name=scheme.grade(entry.grade).name.for_locale(reviewer.locale),
            regraded=entry.regraded,
            rating=rating_name(reviewer, group.rating),
        ),
        reviewer.text("review_entry_comment", comment=entry.comment),
    ]
    if entry.taken_over:
        by = member_name(reviewer, entry.sheet.scorer_member_id)  # type: ignore[union-attr,arg-type]
        blocks.insert(1, reviewer.text("review_taken_over_line", by=by))
    if reviewer.self_missing(entry):
        blocks.insert(1, reviewer.text("review_self_missing_line"))
    history = board.changes_of(examinee.id)
    if history:
        lines = [
            reviewer.text(
                "review_history_line",
                at=reviewer.local(change.at),
                by=member_name(reviewer, change.member_id),
                kind=str(change.kind),
                item=scheme.rubric.item(change.item).name.for_locale(reviewer.locale)
                if change.item
                else None,
                before=change.before,
                after=change.after,
                reason=change.reason,
            )
            for change in history
        ]
        blocks.append(reviewer.text("review_history_heading") + "\n" + "\n".join(lines))
    if buttons is None:
        index = board.groups.index(group)
        page = page_holding(group.entries, group.entries.index(entry), department_lengths(reviewer, board))
        buttons = _entry_buttons(reviewer, entry, PagePress(reviewer.cycle.id, page, index))
    return with_buttons(prefix + "\n\n".join(blocks), buttons)


def _entry_buttons(reviewer: Reviewer, entry: Entry, back_to_list: PagePress) -> list[tuple[Button, ...]]:
    """Change a score or the grade, return the sheet, score a president, take over, record a missing
    self-assessment; read the self-assessment, and back to the department's page that holds them."""
    examinee = entry.examinee

    def step(key: str, step: ExamineeStep) -> Button:
        return reviewer.cycle_button(reviewer.text(key), ExamineePress, step, examinee.id)

    rows: list[tuple[Button, ...]] = []
    if not reviewer.frozen and access.can_change_result(reviewer.member, examinee):
        if entry.submitted:
            rows.append(
                (
                    step("review_change_score", ExamineeStep.PICK_ITEM),
                    step("review_change_grade", ExamineeStep.PICK_GRADE),
                )
            )
            if not entry.committee_scores:
                rows.append((step("review_return", ExamineeStep.RETURN),))
        elif entry.committee_scores:
            rows.append((step("review_score_president", ExamineeStep.PRESIDENT),))
        elif reviewer.can_take_over(entry):
            rows.append((step("review_take_over", ExamineeStep.TAKE_OVER),))
        if reviewer.self_missing(entry) is None:
            rows.append((step("review_mark_missing", ExamineeStep.MARK_MISSING),))
    back = reviewer.button(reviewer.text("review_back_group"), back_to_list)
    rows.append((step("review_show_self", ExamineeStep.SELF_ASSESSMENT), back))
    return rows


def item_menu(reviewer: Reviewer, entry: Entry) -> Reply:
    """Which item's score to change."""
    items = [
        reviewer.cycle_button(
            f"{item.name.for_locale(reviewer.locale)} {points(entry.scores.get(item.key, 0))}",  # type: ignore[arg-type]
            ExamineePress,
            ExamineeStep.CHANGE_SCORE,
            entry.examinee.id,
            item.key,
        )
        for item in reviewer.scheme.rubric.items
    ]
    back = (back_to(reviewer, entry, "review_back"),)
    return Reply(reviewer.text("review_pick_item", name=entry.examinee.name), (*rows_of(items, 2), back))


def grade_menu(reviewer: Reviewer, entry: Entry) -> Reply:
    """Which grade to give instead."""
    grades = [
        reviewer.cycle_button(
            f"{grade.key} {grade.name.for_locale(reviewer.locale)}",
            ExamineePress,
            ExamineeStep.CHANGE_GRADE,
            entry.examinee.id,
            grade.key,
        )
        for grade in reviewer.scheme.grades
        if grade.key != entry.grade
    ]
    back = (back_to(reviewer, entry, "review_back"),)
    text = reviewer.text(
        "review_pick_grade", name=entry.examinee.name, grade=entry.grade, proposed=entry.proposed
    )
    return Reply(text, (*rows_of(grades), back))


def back_to(reviewer: Reviewer, entry: Entry, key: str = "review_cancel_button") -> Button:
    """A button back to the examinee's screen, labelled with the text ``key``."""
    return reviewer.cycle_button(reviewer.text(key), ExamineePress, ExamineeStep.OPEN, entry.examinee.id)


def prompt(reviewer: Reviewer, key: str, back: Button, **params: object) -> Reply:
    """A question waiting for a typed answer, with a way back."""
    return Reply(reviewer.text(key, **params), ((back,),))
