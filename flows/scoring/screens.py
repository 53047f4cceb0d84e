"""What a scorer sees: the list of their examinees, the examinee's self-assessment, one prompt per rubric
item, the evaluation comment (考评意见) prompt and the summary with the department's distribution.

Only the scores the scorer gave appear, with the band (分数段) their total falls in; never a final
grade, which the committee sets after balancing departments (复核平衡).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from flows.rules.grading import QuotaLimit, band_for, grade_counts, quota_limits, total_score
from flows.rules.names import name_of
from flows.rules.scheme import Item
from flows.scoring.presses import ScoreAction, ScoreFoundPress, ScorePagePress
from flows.scoring.sheet import NOT_STARTED, Scorer, Sheet, Standing, group_key, standings
from flows.selfassess.form import Form, rendered_form
from flows.ui.chat import Button, Reply
from flows.ui.keyboards import rows_of, with_buttons
from flows.ui.paging import FIND, SEARCH_SHOWN, Page, page_of, search, turn_buttons
from flows.ui.text import points, split_message, visible_length
from storage.models import CycleExaminee, Position, SheetStatus

LOWER_LEVEL_LINE = 300  # room for a vice-president's departments and their averages, under their line
STATUS_MARKS = {
    NOT_STARTED: "⬜",
    SheetStatus.DRAFT: "✏️",
    SheetStatus.RETURNED: "↩️",
    SheetStatus.SUBMITTED: "✅",
}


def group_name(scorer: Scorer, examinee: CycleExaminee) -> str:
    return scorer.text("score_group", team=examinee.team, department=examinee.department)


def place(scorer: Scorer, examinee: CycleExaminee) -> dict[str, str | None]:
    """Who the examinee is and where they sit, for the templates."""
    position = name_of(Position(examinee.position), scorer.locale)
    return {
        "name": examinee.name,
        "team": examinee.team,
        "department": examinee.department,
        "position": position,
    }


# The list (/score)


def to_score_first(sheets: Sequence[Sheet]) -> list[Sheet]:
    """The sheets in the order the list pages them: returned ones, drafts and sheets not started that
    can be scored now first, then those waiting for a self-assessment, then the finished and closed."""
    return sorted(sheets, key=_urgency)


def _urgency(sheet: Sheet) -> int:
    if sheet.submitted or not sheet.is_open:
        return 4
    if not sheet.ready:
        return 3
    if sheet.returned:
        return 0
    return 2 if sheet.row is None else 1


def examinee_list(
    scorer: Scorer, sheets: Sequence[Sheet], page: Page[Sheet], prefix: str = ""
) -> list[Reply]:
    """One page of the scorer's examinees (``sheets``: all of them) by department, where each stands;
    ◀ ▶ to the other pages, and a hint to type a name or number when there are more pages."""
    footer = scorer.text(
        "score_list_footer", page=page.number + 1, pages=page.count, size=page.size, paged=page.paged
    )
    turn = turn_buttons(page, lambda number: ScorePagePress(scorer.cycle.id, number))
    return _listing(scorer, sheets, page.items, prefix, footer, (turn,) if turn else ())


def search_results(
    scorer: Scorer, sheets: Sequence[Sheet], typed: str, number: int = 0
) -> list[Reply] | None:
    """Page ``number`` of those of the scorer's examinees whose name or student number holds ``typed``
    (exact matches first), ◀ ▶ to the other pages, ``typed`` remembered with the conversation when
    there are pages to turn; None when there is no such page."""
    typed = typed[:SEARCH_SHOWN]
    found = search(sheets, typed, lambda s: s.examinee.name, lambda s: s.examinee.student_no)
    page = page_of(found, number, line_length)
    if page is None:
        return None
    if page.paged:
        scorer.remember(awaiting=FIND, found=typed)
    footer = scorer.text(
        "score_search_footer", typed=typed, found=len(found), page=page.number + 1, pages=page.count
    )
    turn = turn_buttons(page, lambda n: ScoreFoundPress(scorer.cycle.id, n))
    back = (scorer.button(scorer.text("score_to_list"), scorer.press(ScoreAction.LIST)),)
    return _listing(scorer, sheets, page.items, "", footer, (turn, back) if turn else (back,))


def _listing(
    scorer: Scorer,
    sheets: Sequence[Sheet],
    shown: Sequence[Sheet],
    prefix: str,
    footer: str,
    more: Sequence[tuple[Button, ...]],
) -> list[Reply]:
    shown = sorted(shown, key=lambda sheet: sheet.examinee.id)
    below = scorer.lower_levels([sheet.examinee for sheet in shown if sheet.is_vice_president])
    found = standings(scorer.session, scorer.scheme, [e for group in below.values() for e in group])
    due = max(sheet.closes_at for sheet in sheets)
    blocks = [
        scorer.text(
            "score_list_title",
            cycle=scorer.cycle.name,
            due=scorer.local(due),
            score_due=scorer.local(scorer.cycle.score_due),
            bottom_up=any(sheet.is_vice_president for sheet in sheets),
        )
    ]
    groups: dict[tuple[str, str | None], list[str]] = {}
    for sheet in shown:
        lines = groups.setdefault(group_key(sheet.examinee), [])
        if not lines:
            lines.append(scorer.text("score_list_group", group=group_name(scorer, sheet.examinee)))
        averages = department_averages(below.get(sheet.examinee.id, []), found)
        lines.append(_list_line(sheet, averages))
    blocks += ["\n".join(lines) for lines in groups.values()]
    blocks.append(footer)
    labels = [
        scorer.button(
            f"{STATUS_MARKS[s.standing.status]} {s.examinee.name}",
            scorer.press(ScoreAction.OPEN, s.examinee.id),
        )
        for s in shown
        if s.ready
    ]
    return with_buttons(prefix + "\n\n".join(blocks), [*rows_of(labels), *more])


def _list_line(sheet: Sheet, averages: list[dict[str, object]]) -> str:
    scorer, standing = sheet.scorer, sheet.standing
    line = scorer.text(
        "score_list_line",
        **place(scorer, sheet.examinee),
        self_done=sheet.self_submitted(),
        status=standing.status,
        scored=standing.scored,
        items=len(sheet.scheme.rubric.items),
        total=points(standing.total),
        ready=sheet.ready,
        self_due=scorer.local(sheet.cycle.self_due),
    )
    if sheet.is_vice_president:
        line += "\n" + scorer.text("score_departments_inline", departments=averages)
    return line


def line_length(sheet: Sheet) -> int:
    """About how many visible characters the sheet's lines take on the list (for paging it)."""
    allowance = LOWER_LEVEL_LINE if sheet.is_vice_president else 0
    return visible_length(_list_line(sheet, [])) + allowance


def lower_level_averages(sheet: Sheet) -> list[dict[str, object]]:
    """For a vice-president: each department they oversee, with the average of its submitted totals."""
    below = sheet.lower_level()
    return department_averages(below, standings(sheet.scorer.session, sheet.scheme, below))


def department_averages(
    below: Sequence[CycleExaminee], found: Mapping[int, Standing]
) -> list[dict[str, object]]:
    """Each department of ``below`` with the average of its submitted totals (``found``: their standings)."""
    departments: dict[tuple[str, str | None], list[Standing]] = {}
    for examinee in below:
        departments.setdefault(group_key(examinee), []).append(found[examinee.id])
    rows: list[dict[str, object]] = []
    for (_, department), group in departments.items():
        totals = [s.total for s in group if s.submitted]
        average = points((sum(totals, Decimal(0)) / len(totals)).quantize(Decimal("0.1"))) if totals else None
        rows.append({"name": department, "average": average, "submitted": len(totals), "size": len(group)})
    return rows


# The examinee's self-assessment


def self_assessment_view(sheet: Sheet) -> list[Reply]:
    """The examinee's submitted self-assessment (附表一), or a note that it was never submitted."""
    scorer = sheet.scorer
    heading = scorer.text("score_sheet_heading", **place(scorer, sheet.examinee))
    assessment = sheet.self_assessment()
    if assessment is None or not sheet.self_submitted():
        note = scorer.text(
            "score_self_missing", name=sheet.examinee.name, due=scorer.local(sheet.cycle.self_due)
        )
        return [Reply(heading + "\n\n" + note)]
    form = Form(
        scorer.context, scorer.locale, sheet.examinee, sheet.cycle, sheet.scheme, assessment, scorer.user
    )
    return [Reply(part) for part in split_message(heading + "\n\n" + rendered_form(form))]


# Prompts


def item_prompt(sheet: Sheet, key: str, prefix: str = "") -> Reply:
    scorer, rubric = sheet.scorer, sheet.scheme.rubric
    item = rubric.item(key)
    current = sheet.scores.get(key)
    text = scorer.text(
        "score_item_prompt",
        name=sheet.examinee.name,
        number=[i.key for i in rubric.items].index(key) + 1,
        count=len(rubric.items),
        dimension=rubric.dimension_of(key).name.for_locale(scorer.locale),
        item=item.name.for_locale(scorer.locale),
        max=points(item.points),
        description=item.description.for_locale(scorer.locale),
        anchors=[
            {"points": points(a.points), "text": a.text.for_locale(scorer.locale)} for a in item.anchors
        ],
        current=None if current is None else points(current),
        decimals=sheet.scheme.scoring.decimals,
        total=points(sheet.total),
        max_total=points(rubric.total),
    )
    values = [
        scorer.button(points(v), scorer.press(ScoreAction.TAP, sheet.examinee.id, key, points(v)))
        for v in suggested(item)
    ]
    return Reply(prefix + text, (tuple(values), _aside(sheet)))


def suggested(item: Item) -> list[Decimal]:
    """The values offered as buttons: the item's maximum and its anchors, highest first."""
    return sorted({item.points, *(anchor.points for anchor in item.anchors)}, reverse=True)


def comment_prompt(sheet: Sheet, prefix: str = "") -> Reply:
    scoring = sheet.scheme.scoring
    text = sheet.scorer.text(
        "score_comment_prompt",
        name=sheet.examinee.name,
        min=scoring.comment_min_length,
        max=scoring.comment_max_length,
        current=sheet.row.comment if sheet.row is not None else None,
    )
    return Reply(prefix + text, (_aside(sheet),))


def _aside(sheet: Sheet) -> tuple[Button, ...]:
    scorer = sheet.scorer
    return (
        scorer.button(scorer.text("score_show_self"), scorer.press(ScoreAction.SHOW_SELF, sheet.examinee.id)),
        scorer.button(scorer.text("score_to_list"), scorer.press(ScoreAction.LIST)),
    )


# The summary


def summary(sheet: Sheet, prefix: str = "") -> list[Reply]:
    """Every item, the total and its band, the comment, the department so far; buttons to edit or submit."""
    scorer, scheme = sheet.scorer, sheet.scheme
    scores = sheet.scores
    total = total_score(scores, scheme)
    band = scheme.grade(band_for(total, scheme)) if len(scores) == len(scheme.rubric.items) else None
    blocks = [scorer.text("score_sheet_heading", **place(scorer, sheet.examinee))]
    if sheet.returned:
        row = sheet.row
        at = scorer.local(row.returned_at)  # type: ignore[union-attr, arg-type]
        blocks.append(scorer.text("score_returned_note", at=at, reason=row.return_reason))  # type: ignore[union-attr]
    blocks.append(
        "\n".join(
            scorer.text(
                "score_summary_line",
                dimension=scheme.rubric.dimension_of(item.key).name.for_locale(scorer.locale),
                item=item.name.for_locale(scorer.locale),
                points=points(scores[item.key]) if item.key in scores else "—",
                max=points(item.points),
            )
            for item in scheme.rubric.items
        )
    )
    blocks.append(
        scorer.text(
            "score_summary_total",
            total=points(total),
            max=points(scheme.rubric.total),
            band=band.key if band else None,
            band_name=band.name.for_locale(scorer.locale) if band else None,
            min=points(band.min_total) if band and band.min_total is not None else None,
        )
    )
    blocks.append(scorer.text("score_summary_comment", comment=sheet.row.comment if sheet.row else None))
    if sheet.is_vice_president:
        blocks.append(
            scorer.text(
                "score_departments", name=sheet.examinee.name, departments=lower_level_averages(sheet)
            )
        )
    blocks.append(distribution(sheet))
    blocks.append(_summary_footer(sheet))
    return with_buttons(prefix + "\n\n".join(blocks), _summary_buttons(sheet))


def _summary_footer(sheet: Sheet) -> str:
    scorer = sheet.scorer
    if sheet.submitted:
        return scorer.text("score_summary_submitted", at=scorer.local(sheet.row.submitted_at))  # type: ignore[union-attr, arg-type]
    if not sheet.is_open:
        return scorer.text("score_deadline_passed", due=scorer.local(sheet.closes_at))
    return scorer.text("score_summary_footer", due=scorer.local(sheet.closes_at))


def _summary_buttons(sheet: Sheet) -> list[tuple[Button, ...]]:
    scorer = sheet.scorer
    to_list = (scorer.button(scorer.text("score_to_list"), scorer.press(ScoreAction.LIST)),)
    if sheet.submitted or not sheet.is_open:
        return [to_list]
    examinee = sheet.examinee.id
    edits = [
        scorer.button(
            scorer.text("score_edit_item", item=item.name.for_locale(scorer.locale)),
            scorer.press(ScoreAction.EDIT_ITEM, examinee, item.key),
        )
        for item in sheet.scheme.rubric.items
    ]
    return [
        *rows_of(edits),
        (scorer.button(scorer.text("score_edit_comment"), scorer.press(ScoreAction.EDIT_COMMENT, examinee)),),
        (
            scorer.button(scorer.text("score_submit"), scorer.press(ScoreAction.ASK_SUBMIT, examinee)),
            *to_list,
        ),
    ]


def distribution(sheet: Sheet) -> str:
    """The group's bands so far against its quotas: ``S 1（至多 2）· A 2 · B 0 …``."""
    scorer, scheme = sheet.scorer, sheet.scheme
    group = sheet.group()
    found = standings(scorer.session, scheme, group)
    complete = [s for s in found.values() if s.complete]
    counts = grade_counts([band_for(s.total, scheme) for s in complete], scheme)
    limits = quota_limits(len(group), scheme)
    finished = len(complete) == len(group)
    entries = [
        {
            "label": key,
            "count": counts[key],
            "rules": _rules(counts[key], [q for q in limits if q.grades == (key,)], finished),
        }
        for key in scheme.grade_keys
    ]
    for quota in limits:
        if len(quota.grades) > 1:
            counted = sum(counts[key] for key in quota.grades)
            entries.append(
                {
                    "label": "+".join(quota.grades),
                    "count": counted,
                    "rules": _rules(counted, [quota], finished),
                }
            )
    return scorer.text(
        "score_distribution",
        group=group_name(scorer, sheet.examinee),
        size=len(group),
        scored=len(complete),
        entries=entries,
        quotas=bool(limits),
    )


def _rules(count: int, quotas: Sequence[QuotaLimit], finished: bool) -> list[dict[str, object]]:
    """Each quota on one entry, and whether the count already breaks it (an at-least one only at the end)."""
    return [
        {
            "bound": quota.bound,
            "limit": quota.limit,
            "broken": count > quota.limit if quota.bound == "at_most" else finished and count < quota.limit,
        }
        for quota in quotas
    ]
