"""A search of the review by name or student number (学号): typed while a list of ``/review`` is shown,
it lists the examinees of the cycle it finds, each under their department, with a button to their screen.
"""

from __future__ import annotations

from markupsafe import escape

from flows.review.presses import ExamineePress, ExamineeStep, ReviewPress, View
from flows.review.reviewer import Reviewer
from flows.review.screens import entry_line, group_label
from flows.ui.chat import Reply
from flows.ui.keyboards import rows_of, with_buttons
from flows.ui.paging import PAGE_SIZE, SEARCH_SHOWN, search


def search_results(reviewer: Reviewer, typed: str) -> list[Reply]:
    """The examinees of the cycle whose name or student number holds ``typed`` (a page at most), each
    under their department, with a button to their screen."""
    board = reviewer.board()
    typed = typed[:SEARCH_SHOWN]
    found = search(board.entries, typed, lambda e: e.examinee.name, lambda e: e.examinee.student_no)
    shown = list(enumerate(found[:PAGE_SIZE], start=1))
    groups: dict[tuple[str, str | None], list[str]] = {}
    for n, entry in shown:
        group = board.group((entry.examinee.team, entry.examinee.department))
        lines = groups.setdefault(group.key, [f"<b>{escape(group_label(reviewer, group))}</b>"])
        lines.append(entry_line(reviewer, n, entry))
    footer = reviewer.text("review_search_footer", typed=typed, found=len(found), shown=len(shown))
    people = [
        reviewer.cycle_button(f"{n}. {e.examinee.name}", ExamineePress, ExamineeStep.OPEN, e.examinee.id)
        for n, e in shown
    ]
    back = (reviewer.cycle_button(reviewer.text("review_back"), ReviewPress, View.OVERVIEW),)
    return with_buttons(
        "\n\n".join([*("\n".join(lines) for lines in groups.values()), footer]), [*rows_of(people), back]
    )
