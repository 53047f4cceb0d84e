"""A search of the review by name or student number (学号): typed while a list of ``/review`` is shown,
it lists the examinees of the cycle it finds, each under their department, with a button to their
screen; more than a page of them are paged with ◀ ▶ (``FoundPagePress``), the search kept with the
conversation.
"""

from __future__ import annotations

from markupsafe import escape

from flows.review.presses import ExamineePress, ExamineeStep, FoundPagePress, ReviewPress, View
from flows.review.reviewer import Reviewer
from flows.review.screens import department_lengths, entry_line, group_label, label_lengths
from flows.ui.chat import Reply
from flows.ui.keyboards import rows_of, with_buttons
from flows.ui.paging import FIND, SEARCH_SHOWN, page_of, search, turn_buttons


def search_results(reviewer: Reviewer, typed: str, number: int = 0) -> list[Reply]:
    """Page ``number`` of the examinees of the cycle whose name or student number holds ``typed``
    (exact matches first), each under their department, with a button to their screen; ``typed``
    remembered with the conversation when there are pages to turn."""
    board = reviewer.board()
    typed = typed[:SEARCH_SHOWN]
    found = search(board.entries, typed, lambda e: e.examinee.name, lambda e: e.examinee.student_no)
    lines, labels = department_lengths(reviewer, board), label_lengths(reviewer)
    page = page_of(found, number, lambda e: lines(e) + labels((e.examinee.team, e.examinee.department)))
    if page is None:
        reviewer.refuse("review_stale", reason=f"no page {number} of the search")
    if page.paged:
        reviewer.remember(awaiting=FIND, found=typed)
    shown = list(enumerate(page.items, start=page.first + 1))
    groups: dict[tuple[str, str | None], list[str]] = {}
    for n, entry in shown:
        group = board.group((entry.examinee.team, entry.examinee.department))
        heading = groups.setdefault(group.key, [f"<b>{escape(group_label(reviewer, group))}</b>"])
        heading.append(entry_line(reviewer, n, entry))
    footer = reviewer.text(
        "review_search_footer", typed=typed, found=len(found), page=page.number + 1, pages=page.count
    )
    people = [
        reviewer.cycle_button(f"{n}. {e.examinee.name}", ExamineePress, ExamineeStep.OPEN, e.examinee.id)
        for n, e in shown
    ]
    turn = turn_buttons(page, lambda n: FoundPagePress(reviewer.cycle.id, n))
    back = (reviewer.cycle_button(reviewer.text("review_back"), ReviewPress, View.OVERVIEW),)
    return with_buttons(
        "\n\n".join([*("\n".join(lines) for lines in groups.values()), footer]),
        [*rows_of(people), *([turn] if turn else []), back],
    )
