"""The committee's changes in ``/review`` (复核平衡), step by step: a department's rating, a score
(pick the item, type the value, give the reason), a grade, a sheet returned to its scorer with a note,
and a distribution rule break accepted with a reason. Each step checks the reviewer's rights and what
is saved again before it writes (``flows.review.changes``), and shows the screen the change leads to.
"""

from __future__ import annotations

from decimal import Decimal

from flows.results.board import Entry, break_identity
from flows.review import examinee_view, screens, takeover
from flows.review.changes import (
    REASON_MAX,
    REASON_MIN,
    accept_break,
    change_grade,
    change_score,
    return_sheet,
    set_rating,
)
from flows.review.presses import (
    ExamineePress,
    PagePress,
    RatingPress,
    ReviewPress,
)
from flows.review.reviewer import FLOW, Reviewer, place_in
from flows.rules.grading import InvalidScore, check_item_score
from flows.ui.chat import Action, Reply
from flows.ui.live import asked_again
from flows.ui.paging import FIND
from flows.ui.refusal import Refused
from flows.ui.text import points


def rate(reviewer: Reviewer, press: RatingPress) -> list[Action]:
    """部门业绩评价: set a department's rating."""
    board = reviewer.board()
    groups = board.groups
    index = place_in(groups, press.group)
    if reviewer.frozen:
        reviewer.refuse("review_frozen")
    if press.rating not in reviewer.scheme.distribution.rating_keys:
        reviewer.refuse("review_stale", reason="no such rating")
    screens.department_page(reviewer, board, index, press.page or 0)
    if groups[index].rating != press.rating:
        set_rating(reviewer, groups[index], press.rating)
    prefix = reviewer.text("review_rating_saved") + "\n\n"
    return [*screens.group_screen(reviewer, index, press.page or 0, prefix=prefix)]


def pick_item(reviewer: Reviewer, press: ExamineePress) -> list[Action]:
    return [examinee_view.item_menu(reviewer, reviewer.changeable(press.examinee))]


def ask_value(reviewer: Reviewer, press: ExamineePress) -> list[Action]:
    entry = reviewer.changeable(press.examinee)
    key = press.key
    if key is None or key not in {item.key for item in reviewer.scheme.rubric.items}:
        reviewer.refuse("review_stale", reason="no such rubric item")
    reviewer.remember(awaiting="value", examinee=entry.examinee.id, item=key)
    return [_value_prompt(reviewer, entry, key)]


def _value_prompt(reviewer: Reviewer, entry: Entry, key: str, prefix: str = "") -> Reply:
    item = reviewer.scheme.rubric.item(key)
    current = entry.scores.get(key)
    reply = examinee_view.prompt(
        reviewer,
        "review_ask_score",
        examinee_view.back_to(reviewer, entry),
        name=entry.examinee.name,
        item=item.name.for_locale(reviewer.locale),
        current=None if current is None else points(current),
        original=points(entry.original[key]) if key in entry.original else None,
        max=points(item.points),
        decimals=reviewer.scheme.scoring.decimals,
    )
    return Reply(prefix + reply.text, reply.buttons)


def take_value(reviewer: Reviewer, state: dict, text: str) -> list[Action]:
    entry = reviewer.changeable(state.get("examinee"))
    key = str(state.get("item"))
    value = check_item_score(text, reviewer.scheme.rubric.item(key), reviewer.scheme)
    if isinstance(value, InvalidScore):
        item = reviewer.scheme.rubric.item(key)
        refusal = Refused(
            "review_bad_score",
            reason=f"not a score for {key}",
            value=text[:20],
            max=points(item.points),
            decimals=reviewer.scheme.scoring.decimals,
        )
        raise refusal.repeating(asked_again(FLOW, _value_prompt(reviewer, entry, key)))
    if value == entry.scores.get(key):
        return [Reply(reviewer.text("review_unchanged"))]
    change = {"kind": "score", "examinee": entry.examinee.id, "item": key, "value": str(value)}
    return [_ask_reason(reviewer, entry, change)]


def pick_grade(reviewer: Reviewer, press: ExamineePress) -> list[Action]:
    return [examinee_view.grade_menu(reviewer, reviewer.changeable(press.examinee))]


def tap_grade(reviewer: Reviewer, press: ExamineePress) -> list[Action]:
    entry = reviewer.changeable(press.examinee)
    if press.key not in reviewer.scheme.grade_keys or press.key == entry.grade:
        reviewer.refuse("review_stale", reason="no such grade, or the grade it has")
    change = {"kind": "grade", "examinee": entry.examinee.id, "value": press.key}
    return [_ask_reason(reviewer, entry, change)]


def ask_return(reviewer: Reviewer, press: ExamineePress) -> list[Action]:
    entry = reviewer.changeable(press.examinee)
    if entry.committee_scores:
        reviewer.refuse("review_stale", reason="the committee scores this examinee")
    return [_ask_reason(reviewer, entry, {"kind": "return", "examinee": entry.examinee.id})]


def _ask_reason(reviewer: Reviewer, entry: Entry, change: dict) -> Reply:
    """Every change needs a reason: ask for it, saying what will change."""
    reviewer.remember(awaiting="reason", change=change)
    key = change.get("item")
    return examinee_view.prompt(
        reviewer,
        "review_ask_reason",
        examinee_view.back_to(reviewer, entry),
        kind=change["kind"],
        name=entry.examinee.name,
        item=reviewer.scheme.rubric.item(key).name.for_locale(reviewer.locale) if key else None,
        before=points(entry.scores[key]) if key in entry.scores else entry.grade,
        after=points(Decimal(change["value"])) if key else change.get("value"),
        min=REASON_MIN,
        max=REASON_MAX,
    )


def ask_accept(reviewer: Reviewer, press: ReviewPress) -> list[Action]:
    board = reviewer.board()
    index = place_in(board.groups, press.place)
    group = board.groups[index]
    rule_break = group.breaks[place_in(group.breaks, press.rule_break)]
    if reviewer.frozen:
        reviewer.refuse("review_frozen")
    if rule_break.accepted is not None:
        reviewer.refuse("review_stale", reason="the rule break is accepted already")
    page = screens.department_page(reviewer, board, index, press.page or 0).number
    change = {
        "kind": "accept",
        "group": index,
        "page": page,
        "break": list(break_identity(rule_break.violation)),
    }
    reviewer.remember(awaiting="reason", change=change)
    return [_accept_prompt(reviewer, index, page)]


def _accept_prompt(reviewer: Reviewer, index: int, page: int) -> Reply:
    """Ask for the reason to accept a rule break of the department at ``index``, pressed on its ``page``."""
    back = reviewer.button(reviewer.text("review_cancel_button"), PagePress(reviewer.cycle.id, page, index))
    label = screens.group_label(reviewer, reviewer.board().groups[index])
    params = {"group": label, "min": REASON_MIN, "max": REASON_MAX}
    return examinee_view.prompt(reviewer, "review_ask_accept", back, **params)


def take_reason(reviewer: Reviewer, state: dict, reason: str) -> list[Action]:
    """The reason arrived: check everything again, then make the change."""
    change = dict(state.get("change") or {})
    kind = change.get("kind")
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        refusal = Refused("review_reason_length", min=REASON_MIN, max=REASON_MAX, length=len(reason))
        if kind == "accept":
            index = place_in(reviewer.board().groups, change.get("group"))
            raise refusal.repeating(asked_again(FLOW, _accept_prompt(reviewer, index, _page_of(change))))
        entry = reviewer.changeable(change.get("examinee"))
        raise refusal.repeating(asked_again(FLOW, _ask_reason(reviewer, entry, change)))
    if kind == "accept":
        return _accept(reviewer, change, reason)
    if kind in takeover.KINDS:
        return takeover.on_reason(reviewer, change, reason)
    entry = reviewer.changeable(change.get("examinee"))
    reviewer.forget()
    if kind == "score":
        key = str(change.get("item"))
        value = check_item_score(str(change.get("value")), reviewer.scheme.rubric.item(key), reviewer.scheme)
        if isinstance(value, InvalidScore):
            reviewer.refuse("review_stale", reason="the saved score is not valid")
        change_score(reviewer, entry, key, value, reason)
    elif kind == "grade" and change.get("value") in reviewer.scheme.grade_keys:
        change_grade(reviewer, entry, str(change["value"]), reason)
    elif kind == "return" and not entry.committee_scores:
        told = return_sheet(reviewer, entry, reason)
        done = reviewer.text("review_returned", name=entry.examinee.name, scorer=entry.scorer, told=told)
        return [*examinee_view.examinee_screen(reviewer, reviewer.entry(entry.examinee.id), done + "\n\n")]
    else:
        reviewer.refuse("review_stale", reason="nothing to change")
    fresh = reviewer.entry(entry.examinee.id)
    return [*examinee_view.examinee_screen(reviewer, fresh, prefix=reviewer.text("review_changed") + "\n\n")]


def _accept(reviewer: Reviewer, change: dict, reason: str) -> list[Action]:
    board = reviewer.board()
    index = place_in(board.groups, change.get("group"))
    group = board.groups[index]
    wanted = list(change.get("break") or ())
    accepted = next((b for b in group.open_breaks if list(break_identity(b.violation)) == wanted), None)
    if accepted is None or reviewer.frozen:
        reviewer.refuse("review_stale", reason="the rule break is gone or accepted already")
    screens.department_page(reviewer, board, index, _page_of(change))
    reviewer.remember(awaiting=FIND)
    accept_break(reviewer, group, accepted, reason)
    prefix = reviewer.text("review_accepted") + "\n\n"
    return [*screens.group_screen(reviewer, index, _page_of(change), prefix=prefix)]


def _page_of(change: dict) -> int:
    """The department's page an accepted rule break was pressed on (a saved answer's, so checked)."""
    page = change.get("page")
    return page if isinstance(page, int) else 0
