"""What the committee sees in ``/review``: the overview of every department, one department's examinees
with their totals, bands and grades, the rule breaks with what would fix them, and one examinee's
scores next to the originals with every change made (a team's chart: ``chart``; a search: ``found``).

Long lists (the overview, a department) are shown a page at a time, ◀ ▶ under them (``flows.ui.paging``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from flows.cycles.status import progress_bar
from flows.review.board import Board, Break, Entry, Group
from flows.review.presses import ExamineePress, ExamineeStep, PagePress, RatingPress, ReviewPress, View
from flows.review.reviewer import Reviewer
from flows.review.signoff import blockers, signoff_buttons, signoff_line, signoff_state
from flows.rules import access
from flows.rules.cycles import current_phase
from flows.rules.grading import grade_counts
from flows.rules.names import name_of
from flows.ui.chat import Button, Reply
from flows.ui.i18n import plain
from flows.ui.keyboards import rows_of, with_buttons
from flows.ui.paging import LineLengths, Page, page_holding, page_of, turn_buttons, units
from flows.ui.text import points
from storage import scoring
from storage.models import Member, Position


def department_label(reviewer: Reviewer, group: Group) -> str:
    """The department's name (主席团 for a team's presidium) as plain text: templates escape it."""
    return plain(reviewer.locale, "review_department_label", department=group.department)


def group_label(reviewer: Reviewer, group: Group) -> str:
    return f"{group.team} · {department_label(reviewer, group)}"


def counts_text(board: Board, group: Group) -> str:
    """``S1 A2 B1`` over the group's final grades (only grades someone has)."""
    counts = grade_counts([entry.grade for entry in group.entries if entry.submitted], board.scheme)
    return " ".join(f"{grade}{count}" for grade, count in counts.items() if count)


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
        "scored": len(entry.original),
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
        by=_name(reviewer, accepted.member_id) if accepted else None,
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


def _name(reviewer: Reviewer, member_id: int) -> str:
    member = reviewer.session.get(Member, member_id)
    return member.name if member else "?"


# One examinee


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
        by = _name(reviewer, entry.sheet.scorer_member_id)  # type: ignore[union-attr,arg-type]
        blocks.insert(1, reviewer.text("review_taken_over_line", by=by))
    if reviewer.self_missing(entry):
        blocks.insert(1, reviewer.text("review_self_missing_line"))
    history = board.changes_of(examinee.id)
    if history:
        lines = [
            reviewer.text(
                "review_history_line",
                at=reviewer.local(change.at),
                by=_name(reviewer, change.member_id),
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
