"""Scoring the presidents (主席由考核小组评分) in ``/review``: a committee member fills in a president's score
sheet (评分表, 附表三) item by item (tap a suggested value or type one), writes the evaluation comment
(考评意见), and submits it after confirming. Any committee member but the president may take it up
where another left it; once submitted, it is changed like every other sheet, with a reason.

Scoring opens, as for every examinee, once the president's self-assessment is submitted or its
deadline has passed. Every score is committed (and audited as ``score.item``) before the reply.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from flows.results.board import Entry
from flows.review import examinee_view, screens
from flows.review.presses import ExamineePress, ExamineeStep
from flows.review.reviewer import Reviewer
from flows.rules.grading import InvalidScore, check_item_score
from flows.rules.scheme import Item
from flows.scoring.screens import suggested
from flows.scoring.sheet import give_score, submit
from flows.ui.chat import Action, Button, Reply
from flows.ui.text import points
from storage import audit, scoring
from storage import cycles as cycle_store
from storage.models import ScoreSheet, SelfStatus


def _sheet_entry(reviewer: Reviewer, examinee_id: object) -> Entry:
    """A president (or an examinee whose sheet the committee took over, flows.review.takeover) whose
    sheet the committee is filling in, if the presser may fill it in now."""
    entry = reviewer.changeable(examinee_id, submitted=False)
    if not entry.committee_scores or entry.submitted:
        reviewer.refuse("review_stale", reason="not a sheet the committee is filling in")
    return entry


def _ready(reviewer: Reviewer, entry: Entry) -> bool:
    """Whether scoring may start: the self-assessment is submitted or its deadline has passed."""
    if reviewer.now >= reviewer.cycle.self_due:
        return True
    assessment = cycle_store.self_assessment(reviewer.session, entry.examinee.id)
    return assessment is not None and assessment.status == SelfStatus.SUBMITTED


def _fresh(reviewer: Reviewer, entry: Entry) -> Entry:
    return reviewer.entry(entry.examinee.id)


def _row(reviewer: Reviewer, entry: Entry) -> ScoreSheet:
    session, member = reviewer.session, reviewer.member
    return scoring.start_sheet(session, entry.examinee.id, member.id, reviewer.now)


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


def take_up(reviewer: Reviewer, entry: Entry, prefix: str = "") -> list[Action]:
    """The committee's sheet for ``entry`` taken up where it was left (flows.review.takeover)."""
    return _next(reviewer, entry, prefix)


def _item_prompt(reviewer: Reviewer, entry: Entry, key: str, prefix: str = "") -> Reply:
    reviewer.remember(awaiting="pscore", examinee=entry.examinee.id, item=key)
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
        _step(reviewer, points(value), ExamineeStep.PRESIDENT_ITEM, entry, key, points(value))
        for value in suggested(item)
    )
    return Reply(prefix + text, (values, (examinee_view.back_to(reviewer, entry),)))


def _comment_prompt(reviewer: Reviewer, entry: Entry, prefix: str = "") -> Reply:
    reviewer.remember(awaiting="pcomment", examinee=entry.examinee.id)
    scoring_rules = reviewer.scheme.scoring
    text = reviewer.text(
        "review_president_comment",
        name=entry.examinee.name,
        min=scoring_rules.comment_min_length,
        max=scoring_rules.comment_max_length,
        current=entry.comment,
    )
    return Reply(prefix + text, ((examinee_view.back_to(reviewer, entry),),))


def _summary(reviewer: Reviewer, entry: Entry, prefix: str = "") -> list[Action]:
    """The president's sheet so far, with buttons to change an item or the comment, or to submit."""
    edits = [
        _step(
            reviewer,
            f"✏️ {item.name.for_locale(reviewer.locale)}",
            ExamineeStep.PRESIDENT_ITEM,
            entry,
            item.key,
        )
        for item in reviewer.scheme.rubric.items
    ]
    buttons = [
        *screens.rows_of(edits),
        (
            _step(
                reviewer,
                reviewer.text("review_president_edit_comment"),
                ExamineeStep.PRESIDENT_COMMENT,
                entry,
            ),
        ),
        (
            _step(
                reviewer, reviewer.text("review_president_submit"), ExamineeStep.PRESIDENT_ASK_SUBMIT, entry
            ),
        ),
    ]
    return [*examinee_view.examinee_screen(reviewer, entry, prefix, buttons=buttons)]


def _step(reviewer: Reviewer, label: str, step: ExamineeStep, entry: Entry, *keys: str) -> Button:
    """A button of the president's sheet: ``step`` on ``entry``, with an item's key and a score."""
    return reviewer.cycle_button(label, ExamineePress, step, entry.examinee.id, *keys)


# Typed answers


def on_input(reviewer: Reviewer, state: dict, text: str) -> list[Action]:
    """A typed score or comment for the president's sheet the conversation is on."""
    entry = _sheet_entry(reviewer, state.get("examinee"))
    if state.get("awaiting") == "pscore":
        item = _item(reviewer, state.get("item"))
        given = check_item_score(text, item, reviewer.scheme)
        if isinstance(given, InvalidScore):
            refusal = reviewer.bad_score(text, item)
            return [_item_prompt(reviewer, entry, item.key, prefix=refusal + "\n\n")]
        return _save_score(reviewer, entry, item, given)
    if state.get("awaiting") == "pcomment":
        return _take_comment(reviewer, entry, text)
    reviewer.refuse("review_stale", reason="not waiting for an answer")


def _item(reviewer: Reviewer, key: object) -> Item:
    """The rubric item ``key`` names (or raise Refused)."""
    found = next((item for item in reviewer.scheme.rubric.items if item.key == key), None)
    if found is None:
        reviewer.refuse("review_stale", reason="no such rubric item")
    return found


def _save_score(reviewer: Reviewer, entry: Entry, item: Item, given: Decimal) -> list[Action]:
    sheet = _row(reviewer, entry)
    scorer = reviewer.member.id
    session, scheme = reviewer.session, reviewer.scheme
    before = give_score(session, sheet, scheme, entry.original, item.key, given, scorer, reviewer.now)
    after = {"item": item.key, "points": str(given)}
    _audit(reviewer, "score.item", sheet, None if before is None else {**after, "points": str(before)}, after)
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
    _audit(
        reviewer,
        "score.comment",
        sheet,
        None if before is None else {"comment": before},
        {"comment": comment},
    )
    saved = reviewer.text("review_president_comment_saved")
    return _next(reviewer, _fresh(reviewer, entry), prefix=saved + "\n\n")


def _audit(reviewer: Reviewer, action: str, sheet: ScoreSheet, before: dict | None, after: dict) -> None:
    audit.record(
        reviewer.session,
        actor=reviewer.actor,
        action=action,
        entity="score_sheet",
        entity_id=sheet.id,
        before=before,
        after=after,
        at=reviewer.now,
    )


# Buttons


def _on_item(reviewer: Reviewer, press: ExamineePress) -> list[Action]:
    """An item of the sheet: its suggested score tapped, or the question asked again (to change it)."""
    entry = _sheet_entry(reviewer, press.examinee)
    item = _item(reviewer, press.key)
    if press.score is None:
        return [_item_prompt(reviewer, entry, item.key)]
    given = check_item_score(press.score, item, reviewer.scheme)
    if isinstance(given, InvalidScore):
        reviewer.refuse("review_stale", reason="not a score this item takes")
    return _save_score(reviewer, entry, item, given)


def _complete(reviewer: Reviewer, entry: Entry) -> bool:
    return bool(entry.comment) and all(item.key in entry.original for item in reviewer.scheme.rubric.items)


def _edit_comment(reviewer: Reviewer, entry: Entry) -> list[Action]:
    return [_comment_prompt(reviewer, entry)]


def _ask_submit(reviewer: Reviewer, entry: Entry) -> list[Action]:
    if not _complete(reviewer, entry):
        return _next(reviewer, entry)
    buttons = (
        _step(reviewer, reviewer.text("review_president_submit_yes"), ExamineeStep.PRESIDENT_SUBMIT, entry),
        _step(reviewer, reviewer.text("review_cancel_button"), ExamineeStep.PRESIDENT, entry),
    )
    text = reviewer.text("review_president_submit_ask", name=entry.examinee.name, total=points(entry.total))
    return [Reply(text, (buttons,))]


def _submit(reviewer: Reviewer, entry: Entry) -> list[Action]:
    if not _complete(reviewer, entry):
        return _next(reviewer, entry)
    submit(reviewer, _row(reviewer, entry), entry.examinee, entry.original, entry.total, by="committee")
    reviewer.forget()
    done = reviewer.text("review_president_submitted", name=entry.examinee.name, total=points(entry.total))
    return [*examinee_view.examinee_screen(reviewer, _fresh(reviewer, entry), prefix=done + "\n\n")]


def _on_sheet(
    step: Callable[[Reviewer, Entry], list[Action]],
) -> Callable[[Reviewer, ExamineePress], list[Action]]:
    """A step on the president's sheet a press names, if the presser may fill it in now."""
    return lambda reviewer, press: step(reviewer, _sheet_entry(reviewer, press.examinee))


STEPS: dict[ExamineeStep, Callable[[Reviewer, ExamineePress], list[Action]]] = {
    ExamineeStep.PRESIDENT: _on_sheet(_next),
    ExamineeStep.PRESIDENT_ITEM: _on_item,
    ExamineeStep.PRESIDENT_COMMENT: _on_sheet(_edit_comment),
    ExamineeStep.PRESIDENT_ASK_SUBMIT: _on_sheet(_ask_submit),
    ExamineeStep.PRESIDENT_SUBMIT: _on_sheet(_submit),
}
"""The steps of an examinee's screen that fill in a president's sheet."""
