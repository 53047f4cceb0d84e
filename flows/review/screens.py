"""What the committee sees in ``/review``: the overview of every department, one department's examinees
with their totals, bands and grades, the rule breaks with what would fix them, and one examinee's
scores next to the originals with every change made (a team's chart: ``chart``; a search: ``found``).

Long lists (the overview, a department) are shown a page at a time, ◀ ▶ under them (``flows.ui.paging``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from flows.results.board import Board, Break, Entry, Group
from flows.review.presses import ExamineePress, ExamineeStep, PagePress, RatingPress, ReviewPress, View
from flows.review.reviewer import Reviewer
from flows.review.signoff import blockers, signoff_buttons, signoff_line, signoff_state
from flows.rules.cycles import current_phase
from flows.rules.names import name_of
from flows.ui.chat import Button, Reply
from flows.ui.i18n import plain
from flows.ui.keyboards import rows_of, with_buttons
from flows.ui.paging import LineLengths, Page, page_holding, page_of, turn_buttons, units
from flows.ui.text import points, progress_bar
from storage.models import Member, Position


def department_label(reviewer: Reviewer, group: Group) -> str:
    """The department's name (主席团 for a team's presidium) as plain text: templates escape it."""
    return plain(reviewer.locale, "review_department_label", department=group.department)


def group_label(reviewer: Reviewer, group: Group) -> str:
    return f"{group.team} · {department_label(reviewer, group)}"


def counts_text(board: Board, group: Group) -> str:
    """``S1 A2 B1`` over the group's final grades (only grades someone has)."""
    return " ".join(f"{grade}{count}" for grade, count in board.counts(group).items() if count)


def rating_name(reviewer: Reviewer, rating: str | None) -> str | None:
    if rating is None:
        return None
    found = next(r for r in reviewer.scheme.distribution.ratings if r.key == rating)
    return found.name.for_locale(reviewer.locale)


def group_line(reviewer: Reviewer, board: Board, group: Group, label: str | None = None) -> str:
    """One line per department: size, sheets submitted, rating, grades, and whether it is balanced."""
    label = label or group_label(reviewer, group)
    return reviewer.text("review_group_line", **_group_fields(reviewer, board, group, label))


def _group_fields(reviewer: Reviewer, board: Board, group: Group, label: str) -> dict[str, object]:
    return {
        "label": label,
        "size": len(group.entries),
        "submitted": group.submitted,
        "rating": rating_name(reviewer, group.rating),
        "counts": counts_text(board, group),
        "open": len(group.open_breaks),
        "balanced": group.balanced,
    }


def overview_lengths(reviewer: Reviewer, board: Board) -> Callable[[Group], int]:
    """The visible length of a department's line in the overview, with its team's name as if it
    headed every line (for paging them), measured without rendering either (``LineLengths``)."""
    lines = LineLengths(
        partial(reviewer.text, "review_group_line"), ("size", "submitted", "rating", "counts", "open")
    )
    labels = label_lengths(reviewer)
    return lambda group: labels(group.key) + lines(**_group_fields(reviewer, board, group, ""))


def label_lengths(reviewer: Reviewer) -> Callable[[tuple[str, str | None]], int]:
    """The visible length of the label of the department with this key (its team's, its own name),
    measured without rendering it (``LineLengths``)."""
    labels = LineLengths(partial(plain, reviewer.locale, "review_department_label"), ("department",))
    return lambda key: units(key[0]) + len(" · ") + labels(department=key[1])


# The overview (/review)


def overview(reviewer: Reviewer, number: int = 0, prefix: str = "") -> list[Reply]:
    """Page ``number`` of the overview: the cycle's progress and sign-off, and its departments team by
    team (``PAGE_SIZE`` to a page), each a button to its screen, and a chart button per team shown."""
    board = reviewer.board()
    page = page_of(board.groups, number, overview_lengths(reviewer, board))
    if page is None:
        reviewer.refuse("review_stale", reason=f"no page {number} of the overview")
    shown = list(enumerate(page.items, start=page.first))
    teams = board.teams()
    state = signoff_state(reviewer.session, reviewer.cycle)
    entries = board.entries
    submitted = sum(1 for entry in entries if entry.submitted)
    blocks = [
        reviewer.text(
            "review_overview_title",
            cycle=reviewer.cycle.name,
            phase=str(current_phase(reviewer.cycle, reviewer.now)),
            due=reviewer.local(reviewer.cycle.review_due),
            progress=progress_bar(submitted, len(entries)),
        ),
        signoff_line(reviewer, state),
    ]
    on_page = list(dict.fromkeys(g.team for _, g in shown))
    for team in on_page:
        lines = [reviewer.text("review_team_heading", team=team)]
        lines += [
            group_line(reviewer, board, g, department_label(reviewer, g)) for _, g in shown if g.team == team
        ]
        blocks.append("\n".join(lines))
    if state.stage == "review":
        blocks.append(reviewer.text("review_todo", **blockers(board)))
    if page.paged:
        blocks.append(_page_footer(reviewer, page, "review_overview_pages"))
    groups = [
        reviewer.cycle_button(
            f"{'✅' if g.balanced else '⚠️' if g.open_breaks else '▫️'} {group_label(reviewer, g)}",
            ReviewPress,
            View.GROUP,
            i,
        )
        for i, g in shown
    ]
    charts = [
        reviewer.cycle_button(f"📊 {team}", ReviewPress, View.CHART, teams.index(team)) for team in on_page
    ]
    turn = turn_buttons(page, lambda n: PagePress(reviewer.cycle.id, n))
    signing = rows_of(signoff_buttons(reviewer, state), 1)
    buttons = [*rows_of(groups, 2), *rows_of(charts), *([turn] if turn else []), *signing]
    return with_buttons(prefix + "\n\n".join(blocks), buttons)


def _page_footer(reviewer: Reviewer, page: Page[object], key: str) -> str:
    return reviewer.text(key, page=page.number + 1, pages=page.count, size=page.size)


# One department


def group_screen(
    reviewer: Reviewer, index: int, number: int = 0, prefix: str = "", board: Board | None = None
) -> list[Reply]:
    """Page ``number`` of a department: its examinees ``PAGE_SIZE`` to a page (those not yet submitted
    on the page listed first with their scorers), its rating, distribution and rule breaks (``board``:
    the board as the caller has just read it, if it has)."""
    board = board or reviewer.board()
    group = board.groups[index]
    page = department_page(reviewer, board, index, number)
    blocks = [
        reviewer.text(
            "review_group_title",
            label=group_label(reviewer, group),
            size=len(group.entries),
            rating=rating_name(reviewer, group.rating),
            progress=progress_bar(group.submitted, len(group.entries)),
        )
    ]
    missing = [_missing_line(reviewer, board, entry) for entry in page.items if not entry.submitted]
    if missing:
        blocks.append(reviewer.text("review_missing_heading") + "\n" + "\n".join(missing))
    numbered = list(enumerate(page.items, start=page.first + 1))
    blocks.append("\n".join(entry_line(reviewer, n, e) for n, e in numbered))
    if group.complete:
        blocks.append(reviewer.text("review_distribution", counts=counts_text(board, group) or "—"))
        blocks += [_break_text(reviewer, n, b) for n, b in enumerate(group.breaks, start=1)]
        if not group.breaks:
            blocks.append(reviewer.text("review_no_breaks"))
    if page.paged:
        blocks.append(_page_footer(reviewer, page, "review_group_pages"))
    back = PagePress(reviewer.cycle.id, page_holding(board.groups, index, overview_lengths(reviewer, board)))
    buttons = _group_buttons(reviewer, index, page.number, group, numbered, back)
    turn = turn_buttons(page, lambda n: PagePress(reviewer.cycle.id, n, index))
    if turn:
        buttons.insert(-1, turn)
    return with_buttons(prefix + "\n\n".join(blocks), buttons)


def department_page(reviewer: Reviewer, board: Board, index: int, number: object) -> Page[Entry]:
    """Page ``number`` of the department at ``index`` (or Refused: it has no such page), checked
    before a change made on that page is written."""
    page = page_of(board.groups[index].entries, number, department_lengths(reviewer, board))
    if page is None:
        reviewer.refuse("review_stale", reason=f"no page {number} of the department")
    return page


def department_lengths(reviewer: Reviewer, board: Board) -> Callable[[Entry], int]:
    """The visible characters an examinee's lines take on a department's page (for paging it),
    measured without rendering them (``LineLengths``)."""
    missing = LineLengths(
        partial(reviewer.text, "review_missing_line"), ("name", "scorer", "scored", "items")
    )
    line = LineLengths(
        partial(reviewer.text, "review_entry_line"), ("number", "name", "total", "band", "proposed", "grade")
    )

    def length(entry: Entry) -> int:
        own = line(**_entry_fields(reviewer, 1000, entry))  # as wide as any number on a page
        return own if entry.submitted else own + missing(**_missing_fields(board, entry))

    return length


def _missing_line(reviewer: Reviewer, board: Board, entry: Entry) -> str:
    return reviewer.text("review_missing_line", **_missing_fields(board, entry))


def _missing_fields(board: Board, entry: Entry) -> dict[str, object]:
    return {
        "name": entry.examinee.name,
        "scorer": entry.scorer,
        "status": entry.status,
        "scored": entry.scored,
        "items": len(board.scheme.rubric.items),
    }


def entry_line(reviewer: Reviewer, number: int, entry: Entry) -> str:
    return reviewer.text("review_entry_line", **_entry_fields(reviewer, number, entry))


def _entry_fields(reviewer: Reviewer, number: int, entry: Entry) -> dict[str, object]:
    return {
        "number": number,
        "name": entry.examinee.name,
        "position": name_of(Position(entry.examinee.position), reviewer.locale),
        "submitted": entry.submitted,
        "total": points(entry.total),
        "band": entry.band,
        "proposed": entry.proposed,
        "grade": entry.grade,
        "regraded": entry.regraded,
        "rescored": bool(entry.changed_items),
    }


def _break_text(reviewer: Reviewer, number: int, rule_break: Break) -> str:
    violation, accepted = rule_break.violation, rule_break.accepted
    return reviewer.text(
        "review_break",
        number=number,
        kind=violation.kind,
        grades="+".join(violation.grades),
        counted=violation.counted,
        limit=violation.limit,
        moves=[{"count": m.count, "from": m.from_grade, "to": m.to_grade} for m in violation.moves],
        accepted=accepted is not None,
        by=member_name(reviewer, accepted.member_id) if accepted else None,
        reason=accepted.reason if accepted else None,
    )


def _group_buttons(
    reviewer: Reviewer,
    index: int,
    number: int,
    group: Group,
    numbered: Sequence[tuple[int, Entry]],
    back: PagePress,
) -> list[tuple[Button, ...]]:
    """Page ``number`` of the department at ``index``: its ratings, people, rule breaks to accept,
    and ``back`` to the overview."""
    rows: list[tuple[Button, ...]] = []
    if not reviewer.frozen:
        ratings = [
            reviewer.cycle_button(
                f"{'✓ ' if r.key == group.rating else ''}{r.name.for_locale(reviewer.locale)}",
                RatingPress,
                index,
                r.key,
                number,
            )
            for r in reviewer.scheme.distribution.ratings
        ]
        rows.append(tuple(ratings))
    people = [
        reviewer.cycle_button(f"{n}. {e.examinee.name}", ExamineePress, ExamineeStep.OPEN, e.examinee.id)
        for n, e in numbered
    ]
    rows += rows_of(people)
    if not reviewer.frozen:
        accepts = [
            reviewer.cycle_button(
                reviewer.text("review_accept_button", number=n),
                ReviewPress,
                View.ACCEPT,
                index,
                n - 1,
                number,
            )
            for n, b in enumerate(group.breaks, start=1)
            if b.accepted is None
        ]
        rows += rows_of(accepts)
    rows.append((reviewer.button(reviewer.text("review_back"), back),))
    return rows


def member_name(reviewer: Reviewer, member_id: int) -> str:
    """A member's name, ``?`` for one no longer on the roster."""
    member = reviewer.session.get(Member, member_id)
    return member.name if member else "?"
