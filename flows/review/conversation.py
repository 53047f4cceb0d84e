"""The committee's review and balancing (复核确认, 复核平衡), behind ``/review``, for committee members only.

``/review`` shows every team and department: scoring progress, the department's rating (部门业绩评价),
its grades and whether it is balanced. A department shows each examinee's total, band, proposed and
final grade, what is missing and from whom, and the distribution rules it breaks with what would fix
them. The committee sets ratings, changes a score or a grade with a reason, returns a score sheet to
its scorer with a note, accepts a rule break with a reason, scores the presidents (flows.review.presidents),
sees a team's grade distribution as a chart, and confirms the balance; then the sign-off follows
(flows.review.signoff).

The review is one live message (``flows.ui.live``): each press and each accepted answer edits it
into the next screen; a refused answer is asked again as a new message under the reason.

Buttons are the families of ``flows.review.presses``. Every press and every typed answer is checked
again against the presser's own rights (flows.rules.access) and what is saved, so a forged or stale
button changes nothing: it is refused (``Refused``), and the router answers it with a toast and
audits it as ``button.refused``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from flows.review import chart, found, screens, signoff, takeover
from flows.review import presidents as review_presidents
from flows.review.board import Entry, break_identity
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
    ExamineeStep,
    FoundPagePress,
    PagePress,
    RatingPress,
    ReviewPress,
    SignPress,
    View,
)
from flows.review.reviewer import FLOW, PressHandler, Reviewer, place_in, reviewing
from flows.rules import access
from flows.rules.grading import InvalidScore, check_item_score
from flows.selfassess import Form, rendered_form
from flows.ui.buttons import ButtonData
from flows.ui.chat import Action, Content, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.keyboards import with_buttons
from flows.ui.live import asked_again, live_screen
from flows.ui.paging import FIND
from flows.ui.refusal import Refused
from flows.ui.text import points
from storage import conversations
from storage import cycles as cycle_store
from storage.models import CycleExaminee, SelfStatus

__all__ = ["FLOW", "PRESSES", "on_input", "start"]


# Entry points


def start(context: FlowContext, incoming: Incoming) -> list[Action]:
    """``/review``: the overview of every department of the current cycle."""
    reviewer = Reviewer.resolve(context, incoming)
    reviewer.remember(awaiting=FIND)
    return [*live_screen(FLOW, screens.overview(reviewer), edit=False)]


def on_input(context: FlowContext, incoming: Incoming, _state: dict) -> list[Action]:
    """A typed answer: a score, a reason, a note or a comment, while the review waits for one.

    An answer that is refused with its question asked again keeps the question waiting; any other
    refusal ends the conversation: there is nothing left to wait for.
    """
    try:
        return _answer(Reviewer.resolve(context, incoming), incoming)
    except Refused as refusal:
        if refusal.question is None:
            conversations.end_conversation(context.session, incoming.telegram_user_id)
        raise


def _answer(reviewer: Reviewer, incoming: Incoming) -> list[Action]:
    state = reviewer.position()
    if not state:
        reviewer.refuse("review_stale", reason="the answer belongs to another cycle")
    if incoming.content is not Content.TEXT:
        return [Reply(reviewer.text("review_text_only"))]
    text, awaiting = incoming.text.strip(), state.get("awaiting")
    shown: list[Action]
    if awaiting == FIND:
        shown = [*found.search_results(reviewer, text)]
    elif awaiting == "value":
        shown = _take_value(reviewer, state, text)
    elif awaiting == "reason":
        shown = _take_reason(reviewer, state, text)
    elif awaiting == "sign_comment":
        shown = signoff.president_comment(reviewer, state, text)
    else:
        shown = review_presidents.on_input(reviewer, state, text)
    return [*live_screen(FLOW, shown)]  # type: ignore[arg-type]


# Screens


def _overview(reviewer: Reviewer, _: ReviewPress) -> list[Action]:
    reviewer.remember(awaiting=FIND)
    return [*screens.overview(reviewer)]


def _group(reviewer: Reviewer, press: ReviewPress) -> list[Action]:
    board = reviewer.board()
    index = place_in(board.groups, press.place)
    reviewer.remember(awaiting=FIND)
    return [*screens.group_screen(reviewer, index, board=board)]


def _page(reviewer: Reviewer, press: PagePress) -> list[Action]:
    """◀ or ▶ under the overview or a department: that page of it, in place of the one shown."""
    if press.group is None:
        shown = screens.overview(reviewer, press.page)
    else:
        board = reviewer.board()
        index = place_in(board.groups, press.group)
        shown = screens.group_screen(reviewer, index, press.page, board=board)
    reviewer.remember(awaiting=FIND)
    return [*shown]


def _found_page(reviewer: Reviewer, press: FoundPagePress) -> list[Action]:
    """◀ or ▶ under a search's results (on the live screen only: the search remembered is its own):
    that page of what the search finds now."""
    typed = reviewer.position().get("found")
    if not isinstance(typed, str):
        reviewer.refuse("review_stale", reason="no search to turn the page of")
    return [*found.search_results(reviewer, typed, press.page)]


def _chart(reviewer: Reviewer, press: ReviewPress) -> list[Action]:
    return [*chart.chart(reviewer, place_in(reviewer.board().teams(), press.place))]


def _examinee(reviewer: Reviewer, press: ExamineePress) -> list[Action]:
    entry = reviewer.entry(press.examinee)
    reviewer.forget()
    return [*screens.examinee_screen(reviewer, entry)]


def _self_assessment(reviewer: Reviewer, press: ExamineePress) -> list[Action]:
    """The examinee's self-assessment (附表一), as their scorer reads it."""
    entry = reviewer.entry(press.examinee)
    examinee = entry.examinee
    if not access.can_read_self_assessment(reviewer.member, examinee):
        reviewer.refuse("review_not_committee")
    assessment = cycle_store.self_assessment(reviewer.session, examinee.id)
    if assessment is None or assessment.status != SelfStatus.SUBMITTED:
        return [Reply(reviewer.text("review_no_self_assessment", name=examinee.name))]
    form = Form(
        reviewer.context,
        reviewer.locale,
        reviewer.session.get_one(CycleExaminee, examinee.id),
        reviewer.cycle,
        reviewer.scheme,
        assessment,
        reviewer.user,
    )
    back = screens.back_to(reviewer, entry, "review_back")
    return [*with_buttons(rendered_form(form), [(back,)])]


# Changes


def _rate(reviewer: Reviewer, press: RatingPress) -> list[Action]:
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


def _pick_item(reviewer: Reviewer, press: ExamineePress) -> list[Action]:
    return [screens.item_menu(reviewer, reviewer.changeable(press.examinee))]


def _ask_value(reviewer: Reviewer, press: ExamineePress) -> list[Action]:
    entry = reviewer.changeable(press.examinee)
    key = press.key
    if key is None or key not in {item.key for item in reviewer.scheme.rubric.items}:
        reviewer.refuse("review_stale", reason="no such rubric item")
    reviewer.remember(awaiting="value", examinee=entry.examinee.id, item=key)
    return [_value_prompt(reviewer, entry, key)]


def _value_prompt(reviewer: Reviewer, entry: Entry, key: str, prefix: str = "") -> Reply:
    item = reviewer.scheme.rubric.item(key)
    current = entry.scores.get(key)
    reply = screens.prompt(
        reviewer,
        "review_ask_score",
        screens.back_to(reviewer, entry),
        name=entry.examinee.name,
        item=item.name.for_locale(reviewer.locale),
        current=None if current is None else points(current),
        original=points(entry.original[key]) if key in entry.original else None,
        max=points(item.points),
        decimals=reviewer.scheme.scoring.decimals,
    )
    return Reply(prefix + reply.text, reply.buttons)


def _take_value(reviewer: Reviewer, state: dict, text: str) -> list[Action]:
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


def _pick_grade(reviewer: Reviewer, press: ExamineePress) -> list[Action]:
    return [screens.grade_menu(reviewer, reviewer.changeable(press.examinee))]


def _tap_grade(reviewer: Reviewer, press: ExamineePress) -> list[Action]:
    entry = reviewer.changeable(press.examinee)
    if press.key not in reviewer.scheme.grade_keys or press.key == entry.grade:
        reviewer.refuse("review_stale", reason="no such grade, or the grade it has")
    change = {"kind": "grade", "examinee": entry.examinee.id, "value": press.key}
    return [_ask_reason(reviewer, entry, change)]


def _ask_return(reviewer: Reviewer, press: ExamineePress) -> list[Action]:
    entry = reviewer.changeable(press.examinee)
    if entry.committee_scores:
        reviewer.refuse("review_stale", reason="the committee scores this examinee")
    return [_ask_reason(reviewer, entry, {"kind": "return", "examinee": entry.examinee.id})]


def _ask_reason(reviewer: Reviewer, entry: Entry, change: dict) -> Reply:
    """Every change needs a reason: ask for it, saying what will change."""
    reviewer.remember(awaiting="reason", change=change)
    key = change.get("item")
    return screens.prompt(
        reviewer,
        "review_ask_reason",
        screens.back_to(reviewer, entry),
        kind=change["kind"],
        name=entry.examinee.name,
        item=reviewer.scheme.rubric.item(key).name.for_locale(reviewer.locale) if key else None,
        before=points(entry.scores[key]) if key in entry.scores else entry.grade,
        after=points(Decimal(change["value"])) if key else change.get("value"),
        min=REASON_MIN,
        max=REASON_MAX,
    )


def _ask_accept(reviewer: Reviewer, press: ReviewPress) -> list[Action]:
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
    return screens.prompt(reviewer, "review_ask_accept", back, group=label, min=REASON_MIN, max=REASON_MAX)


def _take_reason(reviewer: Reviewer, state: dict, reason: str) -> list[Action]:
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
        return [*screens.examinee_screen(reviewer, reviewer.entry(entry.examinee.id), done + "\n\n")]
    else:
        reviewer.refuse("review_stale", reason="nothing to change")
    fresh = reviewer.entry(entry.examinee.id)
    return [*screens.examinee_screen(reviewer, fresh, prefix=reviewer.text("review_changed") + "\n\n")]


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


_VIEWS: dict[View, Callable[[Reviewer, ReviewPress], list[Action]]] = {
    View.OVERVIEW: _overview,
    View.GROUP: _group,
    View.CHART: _chart,
    View.ACCEPT: _ask_accept,
}
_EXAMINEE_STEPS: dict[ExamineeStep, Callable[[Reviewer, ExamineePress], list[Action]]] = {
    ExamineeStep.OPEN: _examinee,
    ExamineeStep.SELF_ASSESSMENT: _self_assessment,
    ExamineeStep.PICK_ITEM: _pick_item,
    ExamineeStep.CHANGE_SCORE: _ask_value,
    ExamineeStep.PICK_GRADE: _pick_grade,
    ExamineeStep.CHANGE_GRADE: _tap_grade,
    ExamineeStep.RETURN: _ask_return,
    ExamineeStep.TAKE_OVER: takeover.ask,
    ExamineeStep.MARK_MISSING: takeover.ask,
    **review_presidents.STEPS,
}


def _view(reviewer: Reviewer, press: ReviewPress) -> list[Action]:
    if not press.complete:
        reviewer.refuse("review_stale", reason="not the places its view takes")
    return _VIEWS[press.view](reviewer, press)


def _examinee_step(reviewer: Reviewer, press: ExamineePress) -> list[Action]:
    if not press.complete:
        reviewer.refuse("review_stale", reason="not the keys its step takes")
    return _EXAMINEE_STEPS[press.step](reviewer, press)


def _opens(press: ButtonData) -> bool:
    """Presses that only show a screen, from anywhere (a notice, a chart); every other one acts on the
    live review screen."""
    if isinstance(press, PagePress):
        return True
    if isinstance(press, ReviewPress):
        return press.view is not View.ACCEPT
    return isinstance(press, ExamineePress) and press.step in {
        ExamineeStep.OPEN,
        ExamineeStep.SELF_ASSESSMENT,
    }


PRESSES: dict[type[ButtonData], PressHandler] = {
    ReviewPress: reviewing(_view, _opens),
    RatingPress: reviewing(_rate, _opens),
    ExamineePress: reviewing(_examinee_step, _opens),
    SignPress: reviewing(signoff.on_press, _opens),
    PagePress: reviewing(_page, _opens),
    FoundPagePress: reviewing(_found_page, _opens),
}
"""Each ``/review`` button family and the step that handles a press of it (for ``flows.router``)."""
