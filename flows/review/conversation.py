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

from flows.review import chart, examinee_view, found, screens, signoff, steps, takeover
from flows.review import presidents as review_presidents
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
from flows.selfassess import Form, rendered_form
from flows.ui.buttons import ButtonData
from flows.ui.chat import Action, Content, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.keyboards import with_buttons
from flows.ui.live import live_screen
from flows.ui.paging import FIND
from flows.ui.refusal import Refused
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
        shown = steps.take_value(reviewer, state, text)
    elif awaiting == "reason":
        shown = steps.take_reason(reviewer, state, text)
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
    return [*examinee_view.examinee_screen(reviewer, entry)]


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
    back = examinee_view.back_to(reviewer, entry, "review_back")
    return [*with_buttons(rendered_form(form), [(back,)])]


_VIEWS: dict[View, Callable[[Reviewer, ReviewPress], list[Action]]] = {
    View.OVERVIEW: _overview,
    View.GROUP: _group,
    View.CHART: _chart,
    View.ACCEPT: steps.ask_accept,
}
_EXAMINEE_STEPS: dict[ExamineeStep, Callable[[Reviewer, ExamineePress], list[Action]]] = {
    ExamineeStep.OPEN: _examinee,
    ExamineeStep.SELF_ASSESSMENT: _self_assessment,
    ExamineeStep.PICK_ITEM: steps.pick_item,
    ExamineeStep.CHANGE_SCORE: steps.ask_value,
    ExamineeStep.PICK_GRADE: steps.pick_grade,
    ExamineeStep.CHANGE_GRADE: steps.tap_grade,
    ExamineeStep.RETURN: steps.ask_return,
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
    RatingPress: reviewing(steps.rate, _opens),
    ExamineePress: reviewing(_examinee_step, _opens),
    SignPress: reviewing(signoff.on_press, _opens),
    PagePress: reviewing(_page, _opens),
    FoundPagePress: reviewing(_found_page, _opens),
}
"""Each ``/review`` button family and the step that handles a press of it (for ``flows.router``)."""
