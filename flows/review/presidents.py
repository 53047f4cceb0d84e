"""Scoring the presidents (主席由考核小组评分) in ``/review``: a committee member fills in a president's score
sheet (评分表, 附表三) item by item (tap a suggested value or type one), writes the evaluation comment
(考评意见), and submits it after confirming. Any committee member but the president may take it up
where another left it; once submitted, it is changed like every other sheet, with a reason.

Scoring opens, as for every examinee, once the president's self-assessment is submitted or its
deadline has passed. Every score is committed (and audited as ``score.item``) before the reply.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flows.review import screens
from flows.review.board import Entry
from flows.review.reviewer import Refused, Reviewer, changeable, entry_named
from flows.rules.grading import InvalidScore, check_item_score
from flows.scoring.screens import suggested
from flows.ui.chat import Action, Reply
from flows.ui.text import points
from storage import audit, scoring
from storage import cycles as cycle_store
from storage.cycle_models import SelfStatus
from storage.scoring_models import ScoreSheet


def _sheet_entry(reviewer: Reviewer, arguments: Sequence[str]) -> Entry:
    """A president whose sheet the committee is filling in, if the presser may fill it in now."""
    entry = changeable(reviewer, arguments, submitted=False)
    if entry.examinee.scorer_member_id is not None or entry.submitted:
        raise Refused("review_stale")
    return entry


def _ready(reviewer: Reviewer, entry: Entry) -> bool:
    """Whether scoring may start: the self-assessment is submitted or its deadline has passed."""
    if reviewer.now >= reviewer.cycle.self_due:
        return True
    assessment = cycle_store.self_assessment(reviewer.session, entry.examinee.id)  # type: ignore[arg-type]
    return assessment is not None and assessment.status == SelfStatus.SUBMITTED


def _fresh(reviewer: Reviewer, entry: Entry) -> Entry:
    return entry_named(reviewer, [str(entry.examinee.id)])


def _row(reviewer: Reviewer, entry: Entry) -> ScoreSheet:
    session, member = reviewer.session, reviewer.member
    return entry.sheet or scoring.start_sheet(session, entry.examinee.id, member.id, reviewer.now)  # type: ignore[arg-type]


# Steps


def _next(reviewer: Reviewer, entry: Entry, prefix: str = "") -> list[Action]:
    """The first unscored item, else the comment, else the summary."""
    if not _ready(reviewer, entry):
        due = reviewer.local(reviewer.cycle.self_due)
        return [Reply(reviewer.text("review_president_not_ready", name=entry.examinee.name, due=due))]
    for item in reviewer.scheme.rubric.items:
        if item.key not in entry.original:
            return [_item_prompt(reviewer, entry, item.key, prefix)]
    if not entry.comment:
        return [_comment_prompt(reviewer, entry, prefix)]
    reviewer.forget()
    return _summary(reviewer, entry, prefix)


def _item_prompt(reviewer: Reviewer, entry: Entry, key: str, prefix: str = "") -> Reply:
    reviewer.remember("pscore", examinee=entry.examinee.id, item=key)
    rubric, locale = reviewer.scheme.rubric, reviewer.locale
    item = rubric.item(key)
    text = reviewer.text(
        "review_president_item",
        name=entry.examinee.name,
        number=[i.key for i in rubric.items].index(key) + 1,
        count=len(rubric.items),
        dimension=rubric.dimension_of(key).name.for_locale(locale),
        item=item.name.for_locale(locale),
        max=points(item.points),
        description=item.description.for_locale(locale),
        anchors=[{"points": points(a.points), "text": a.text.for_locale(locale)} for a in item.anchors],
        current=points(entry.original[key]) if key in entry.original else None,
        total=points(entry.total),
    )
    values = tuple(
        reviewer.button(points(value), "pp", entry.examinee.id, key, points(value))
        for value in suggested(item)
    )
    back = (reviewer.button(reviewer.text("review_cancel_button"), "e", entry.examinee.id),)
    return Reply(prefix + text, (values, back))


def _comment_prompt(reviewer: Reviewer, entry: Entry, prefix: str = "") -> Reply:
    reviewer.remember("pcomment", examinee=entry.examinee.id)
    scoring_rules = reviewer.scheme.scoring
    text = reviewer.text(
        "review_president_comment",
        name=entry.examinee.name,
        min=scoring_rules.comment_min_length,
        max=scoring_rules.comment_max_length,
        current=entry.comment,
    )
    back = (reviewer.button(reviewer.text("review_cancel_button"), "e", entry.examinee.id),)
    return Reply(prefix + text, (back,))


def _summary(reviewer: Reviewer, entry: Entry, prefix: str = "") -> list[Action]:
    """The president's sheet so far, with buttons to change an item or the comment, or to submit."""
    edits = [
        reviewer.button(f"✏️ {item.name.for_locale(reviewer.locale)}", "pe", entry.examinee.id, item.key)
        for item in reviewer.scheme.rubric.items
    ]
    buttons = [
        *screens.rows_of(edits),
        (reviewer.button(reviewer.text("review_president_edit_comment"), "pc", entry.examinee.id),),
        (reviewer.button(reviewer.text("review_president_submit"), "pcs", entry.examinee.id),),
    ]
    return [*screens.examinee_screen(reviewer, entry, prefix, buttons=buttons)]


# Typed answers


def on_input(reviewer: Reviewer, state: dict, text: str) -> list[Action]:
    """A typed score or comment for the president's sheet the conversation is on."""
    entry = _sheet_entry(reviewer, [str(state.get("examinee"))])
    if state.get("awaiting") == "pscore":
        return _take_score(reviewer, entry, str(state.get("item")), text)
    if state.get("awaiting") == "pcomment":
        return _take_comment(reviewer, entry, text)
    raise Refused("review_stale")


def _take_score(reviewer: Reviewer, entry: Entry, key: str, value: str) -> list[Action]:
    item = reviewer.scheme.rubric.item(key)
    given = check_item_score(value, item, reviewer.scheme)
    if isinstance(given, InvalidScore):
        refusal = reviewer.bad_score(value, item)
        return [_item_prompt(reviewer, entry, key, prefix=refusal + "\n\n")]
    sheet = _row(reviewer, entry)
    before = scoring.save_item_score(reviewer.session, sheet, key, given, reviewer.member.id, reviewer.now)  # type: ignore[arg-type]
    audit.record(
        reviewer.session,
        actor=reviewer.actor,
        action="score.item",
        entity="score_sheet",
        entity_id=sheet.id,
        before=None if before is None else {"item": key, "points": str(before)},
        after={"item": key, "points": str(given)},
        at=reviewer.now,
    )
    saved = reviewer.text(
        "review_president_saved", item=item.name.for_locale(reviewer.locale), points=points(given)
    )
    return _next(reviewer, _fresh(reviewer, entry), prefix=saved + "\n\n")


def _take_comment(reviewer: Reviewer, entry: Entry, comment: str) -> list[Action]:
    rules = reviewer.scheme.scoring
    if not rules.comment_min_length <= len(comment) <= rules.comment_max_length:
        text = reviewer.text(
            "review_president_comment_length",
            min=rules.comment_min_length,
            max=rules.comment_max_length,
            length=len(comment),
        )
        return [Reply(text)]
    sheet = _row(reviewer, entry)
    before = sheet.comment
    scoring.save_comment(reviewer.session, sheet, comment, reviewer.now)
    audit.record(
        reviewer.session,
        actor=reviewer.actor,
        action="score.comment",
        entity="score_sheet",
        entity_id=sheet.id,
        before=None if before is None else {"comment": before},
        after={"comment": comment},
        at=reviewer.now,
    )
    return _next(
        reviewer, _fresh(reviewer, entry), prefix=reviewer.text("review_president_comment_saved") + "\n\n"
    )


# Buttons


def _start(reviewer: Reviewer, arguments: Sequence[str]) -> list[Action]:
    return _next(reviewer, _sheet_entry(reviewer, arguments))


def _tap(reviewer: Reviewer, arguments: Sequence[str]) -> list[Action]:
    entry = _sheet_entry(reviewer, arguments)
    if len(arguments) != 3 or arguments[1] not in {item.key for item in reviewer.scheme.rubric.items}:
        raise Refused("review_stale")
    return _take_score(reviewer, entry, arguments[1], arguments[2])


def _edit_item(reviewer: Reviewer, arguments: Sequence[str]) -> list[Action]:
    entry = _sheet_entry(reviewer, arguments)
    if len(arguments) != 2 or arguments[1] not in {item.key for item in reviewer.scheme.rubric.items}:
        raise Refused("review_stale")
    return [_item_prompt(reviewer, entry, arguments[1])]


def _edit_comment(reviewer: Reviewer, arguments: Sequence[str]) -> list[Action]:
    return [_comment_prompt(reviewer, _sheet_entry(reviewer, arguments))]


def _complete(reviewer: Reviewer, entry: Entry) -> bool:
    return bool(entry.comment) and all(item.key in entry.original for item in reviewer.scheme.rubric.items)


def _ask_submit(reviewer: Reviewer, arguments: Sequence[str]) -> list[Action]:
    entry = _sheet_entry(reviewer, arguments)
    if not _complete(reviewer, entry):
        return _next(reviewer, entry)
    buttons = (
        reviewer.button(reviewer.text("review_president_submit_yes"), "pcy", entry.examinee.id),
        reviewer.button(reviewer.text("review_cancel_button"), "ps", entry.examinee.id),
    )
    text = reviewer.text("review_president_submit_ask", name=entry.examinee.name, total=points(entry.total))
    return [Reply(text, (buttons,))]


def _submit(reviewer: Reviewer, arguments: Sequence[str]) -> list[Action]:
    entry = _sheet_entry(reviewer, arguments)
    if not _complete(reviewer, entry):
        return _next(reviewer, entry)
    scoring.submit_sheet(
        reviewer.session,
        _row(reviewer, entry),
        actor=reviewer.actor,
        now=reviewer.now,
        after={
            "cycle": reviewer.cycle.name,
            "examinee": entry.examinee.student_no,
            "scores": {key: str(value) for key, value in entry.original.items()},
            "total": str(entry.total),
            "by": "committee",
        },
    )
    reviewer.forget()
    done = reviewer.text("review_president_submitted", name=entry.examinee.name, total=points(entry.total))
    return [*screens.examinee_screen(reviewer, _fresh(reviewer, entry), prefix=done + "\n\n")]


BUTTONS: dict[str, Callable[[Reviewer, Sequence[str]], list[Action]]] = {
    "ps": _start,
    "pp": _tap,
    "pe": _edit_item,
    "pc": _edit_comment,
    "pcs": _ask_submit,
    "pcy": _submit,
}
