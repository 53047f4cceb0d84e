"""The supervisor scoring conversation (直接上级评定, score sheet 附表三), behind ``/score``.

``/score`` lists the scorer's examinees by department with where each stands, a page at a time with the
sheets still to score first (◀ ▶ turn the pages; a name or student number typed while the list is shown
finds anyone on it), and picks up the sheet they were working on. Opening an examinee shows their
self-assessment, then asks each rubric item in turn (tap a suggested value or type one), then the evaluation
comment (考评意见), then shows a summary: items, total, band, the department's bands so far against its
quotas. Submitting asks for confirmation and warns a scorer who gave a whole department the same total
(拉开分数档次).

The sheet is one live message (``flows.ui.live``): the list turns into the examinee's
self-assessment when one is opened, and the sheet below it is edited step by step, by a press or a
typed score alike, until it turns back into the list once submitted. A refused answer is asked again
as a new message under the reason. Each score is committed before the reply, and where the scorer
stands is derived from what is saved.
A press (``flows.scoring.presses``) reaches ``on_press`` once the router has checked that it parses
and names the current cycle; here it is checked against the presser's own examinees and the sheet's
state. Whatever fails those checks (another scorer's examinee, a submitted sheet's button, a closed
sheet) is refused (``Refused``) before anything is written. The rules of when and in what order
live in ``flows.scoring.sheet``; the screens in ``flows.scoring.screens``.
"""

from __future__ import annotations

from collections.abc import Callable

from flows.rules.grading import InvalidScore, all_alike, check_item_score
from flows.scoring import screens
from flows.scoring.presses import ScoreAction, ScoreFoundPress, ScorePagePress, ScorePress
from flows.scoring.sheet import Scorer, Sheet, standings, submit
from flows.ui.chat import Action, Content, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.live import asked_again, ensure_live, live_screen
from flows.ui.paging import FIND, Page, page_of
from flows.ui.refusal import Refused
from flows.ui.text import points
from storage import scoring as store

FLOW = Scorer.flow

Step = Callable[[Sheet, ScorePress], list[Reply]]
ENTRIES = {ScoreAction.LIST, ScoreAction.OPEN}
"""Presses that open a screen from anywhere (a list, a notice); every other one acts on the live sheet."""


# Entry points


def start(context: FlowContext, incoming: Incoming) -> list[Action]:
    """``/score``: the scorer's examinees, then the sheet they were working on, where they left it."""
    scorer = Scorer.resolve(context, incoming)
    sheets = scorer.roll()
    if not sheets:
        scorer.forget()
        return [Reply(scorer.text("score_nobody"))]
    sheet = _resumable(scorer, sheets)
    if sheet is None:
        return [*live_screen(FLOW, _shown_list(scorer, sheets), edit=False)]
    listing = screens.examinee_list(scorer, sheets, _page(sheets, 0))
    resumed = _next(sheet, prefix=scorer.text("score_resume", name=sheet.examinee.name) + "\n\n")
    return [*listing, *live_screen(FLOW, resumed, edit=False)]


def on_page(context: FlowContext, incoming: Incoming, press: ScorePagePress) -> list[Action]:
    """◀ or ▶ under the list: another page of it, in place of the one shown."""
    scorer = Scorer.resolve(context, incoming)
    return [*live_screen(FLOW, _shown_list(scorer, _roll(scorer), press.page))]


def on_found_page(context: FlowContext, incoming: Incoming, press: ScoreFoundPress) -> list[Action]:
    """◀ or ▶ under a search's results (on the live screen only: the search remembered is its own):
    another page of what the search finds now."""
    scorer = Scorer.resolve(context, incoming)
    ensure_live(context, incoming, FLOW)
    typed = scorer.position().get("found")
    if not isinstance(typed, str):
        raise Refused("score_stale", reason="no search to turn the page of")
    return [*live_screen(FLOW, _found(scorer, typed, press.page))]


def _found(scorer: Scorer, typed: str, number: int) -> list[Reply]:
    """Page ``number`` of the search for ``typed`` among the scorer's examinees (or Refused)."""
    found = screens.search_results(scorer, _roll(scorer), typed, number)
    if found is None:
        raise Refused("score_refused", reason=f"no page {number} of the search")
    return found


def on_press(context: FlowContext, incoming: Incoming, press: ScorePress) -> list[Action]:
    """A press of one of this conversation's buttons, checked before anything is read or changed."""
    scorer = Scorer.resolve(context, incoming)
    if not press.well_formed:
        raise Refused("score_refused", reason=f"{press.action} takes other arguments")
    if press.action not in ENTRIES:
        ensure_live(context, incoming, FLOW)
    if press.action is ScoreAction.LIST:
        return [*live_screen(FLOW, _shown_list(scorer, _roll(scorer)))]
    examinee = scorer.examinee(press.examinee)  # type: ignore[arg-type]
    if examinee is None:
        raise Refused("score_refused", reason=f"examinee {press.examinee} is not this scorer's")
    sheet = scorer.sheet(examinee)
    step = _VIEWS.get(press.action)
    if step is None:
        _ensure_changeable(sheet)
        step = _EDITS[press.action]
    return [*step(sheet, press)]


def on_input(context: FlowContext, incoming: Incoming, state: dict) -> list[Action]:
    """A typed answer (a score or the comment) while the conversation waits for one, or a name or
    student number to look for while the list is shown."""
    scorer = Scorer.resolve(context, incoming)
    if state.get("awaiting") == FIND and state.get("cycle") == scorer.cycle.id:
        if incoming.content is not Content.TEXT:
            raise Refused("score_search_text_only", reason="not a typed name or number")
        return [*live_screen(FLOW, _found(scorer, incoming.text.strip(), 0))]
    examinee = scorer.examinee(state.get("examinee", 0)) if state.get("cycle") == scorer.cycle.id else None
    if examinee is None:
        raise Refused("score_stale", reason="the examinee waited for is not this scorer's now")
    sheet = scorer.sheet(examinee)
    _ensure_changeable(sheet)
    awaiting = state.get("awaiting")
    if not awaiting:
        raise Refused("score_use_buttons", reason="no answer is waited for")
    question = asked_again(FLOW, _ask(sheet, awaiting))
    try:
        if incoming.content is not Content.TEXT:
            raise Refused("score_text_only", reason="not a typed answer")
        if awaiting == "comment":
            return [*live_screen(FLOW, _take_comment(sheet, incoming.text.strip()))]
        return [*live_screen(FLOW, _take_score(sheet, awaiting.removeprefix("item:"), incoming.text.strip()))]
    except Refused as refusal:
        raise refusal.repeating(question) from None


# Whether the sheet can change


def _ensure_changeable(sheet: Sheet) -> None:
    """Refuse a change to a submitted sheet, a closed one, or one whose scoring has not opened yet."""
    scorer = sheet.scorer
    if sheet.submitted:
        raise Refused("score_already_submitted", reason=f"sheet of examinee {sheet.examinee.id} submitted")
    if not sheet.is_open:
        raise Refused("score_deadline_passed", reason="scoring closed", due=scorer.local(sheet.closes_at))
    _ensure_ready(sheet)


def _ensure_ready(sheet: Sheet) -> None:
    """Refuse to show a sheet whose scoring has not opened (self-assessment neither submitted nor due)."""
    if not sheet.ready:
        due = sheet.scorer.local(sheet.cycle.self_due)
        raise Refused("score_not_ready", reason="self-assessment pending", name=sheet.examinee.name, due=due)


def _resumable(scorer: Scorer, sheets: list[Sheet]) -> Sheet | None:
    """The sheet to pick up: the one the conversation was on, else the draft touched last."""
    waiting_for = scorer.position().get("examinee")
    drafts = [s for s in sheets if s.row is not None and not s.submitted and s.is_open and s.ready]
    current = [s for s in drafts if s.examinee.id == waiting_for]
    return current[0] if current else max(drafts, key=lambda s: s.row.updated_at, default=None)  # type: ignore[union-attr]


# The list


def _roll(scorer: Scorer) -> list[Sheet]:
    """Every sheet of the scorer's (or Refused: they score nobody in this cycle)."""
    sheets = scorer.roll()
    if not sheets:
        raise Refused("score_refused", reason="scores nobody in this cycle")
    return sheets


def _page(sheets: list[Sheet], number: object) -> Page[Sheet]:
    """Page ``number`` of the list, the sheets still to score first (or Refused: no such page)."""
    page = page_of(screens.to_score_first(sheets), number, screens.line_length)
    if page is None:
        raise Refused("score_refused", reason=f"no page {number} in the list")
    return page


def _shown_list(scorer: Scorer, sheets: list[Sheet], number: int = 0, prefix: str = "") -> list[Reply]:
    """Page ``number`` of the list as the live screen, on which a typed name or number is looked for."""
    page = _page(sheets, number)
    scorer.remember(awaiting=FIND)
    return screens.examinee_list(scorer, sheets, page, prefix)


# Where the sheet stands


def _remember(sheet: Sheet, awaiting: str | None) -> None:
    sheet.scorer.remember(examinee=sheet.examinee.id, awaiting=awaiting)


def _next(sheet: Sheet, prefix: str = "") -> list[Reply]:
    """The first unscored item, else the comment, else the summary."""
    step = sheet.next_step()
    if step == "summary":
        _remember(sheet, None)
        return screens.summary(sheet, prefix)
    _remember(sheet, step)
    reply = _ask(sheet, step)
    return [Reply(prefix + reply.text, reply.buttons)]


def _ask(sheet: Sheet, awaiting: str) -> Reply:
    """The question waiting: a rubric item's score or the evaluation comment."""
    if awaiting == "comment":
        return screens.comment_prompt(sheet)
    return screens.item_prompt(sheet, awaiting.removeprefix("item:"))


# Answers


def _take_score(sheet: Sheet, key: str, value: str) -> list[Reply]:
    scorer, scheme = sheet.scorer, sheet.scheme
    item = scheme.rubric.item(key)
    name = item.name.for_locale(scorer.locale)
    given = check_item_score(value, item, scheme)
    if isinstance(given, InvalidScore):
        raise Refused(
            "score_bad_score",
            reason=f"not a score for {key}",
            value=value[:20],
            item=name,
            max=points(item.points),
            decimals=scheme.scoring.decimals,
        )
    before = sheet.save_score(key, given)
    earlier = None if before is None else {"item": key, "points": str(before)}
    after = {"item": key, "points": str(given)}
    scorer.record("score.item", "score_sheet", sheet.ensure_row().id, before=earlier, after=after)
    return _next(sheet, prefix=scorer.text("score_saved", item=name, points=points(given)) + "\n\n")


def _take_comment(sheet: Sheet, comment: str) -> list[Reply]:
    scoring = sheet.scheme.scoring
    if len(comment) < scoring.comment_min_length:
        raise Refused("score_comment_too_short", min=scoring.comment_min_length, length=len(comment))
    if len(comment) > scoring.comment_max_length:
        raise Refused("score_comment_too_long", max=scoring.comment_max_length, length=len(comment))
    scorer, row = sheet.scorer, sheet.ensure_row()
    earlier = None if row.comment is None else {"comment": row.comment}
    store.save_comment(scorer.session, row, comment, scorer.now)
    scorer.record("score.comment", "score_sheet", row.id, before=earlier, after={"comment": comment})
    return _next(sheet, prefix=scorer.text("score_comment_saved") + "\n\n")


# Buttons that only show


def _open(sheet: Sheet, _: ScorePress) -> list[Reply]:
    """The list turns into the examinee's self-assessment, and under it the sheet: the next step (or the
    summary, when it can no longer change) as the new live message."""
    _ensure_ready(sheet)
    shown = live_screen(FLOW, screens.self_assessment_view(sheet))
    if sheet.submitted or not sheet.is_open:
        sheet.scorer.forget()
        return [*shown, *live_screen(FLOW, screens.summary(sheet), edit=False)]
    return [*shown, *live_screen(FLOW, _next(sheet), edit=False)]


def _show_self(sheet: Sheet, _: ScorePress) -> list[Reply]:
    """The self-assessment again, and the question still waiting under it."""
    _ensure_ready(sheet)
    return [*screens.self_assessment_view(sheet), *live_screen(FLOW, _next(sheet), edit=False)]


def _summary(sheet: Sheet, _: ScorePress) -> list[Reply]:
    _ensure_ready(sheet)
    if sheet.submitted or not sheet.is_open:
        return live_screen(FLOW, screens.summary(sheet))
    return live_screen(FLOW, _next(sheet))


# Buttons that change the sheet (only for an open draft of the presser's own examinee)


def _rubric_item(sheet: Sheet, press: ScorePress) -> str:
    """The rubric item a press names; refused when the scheme has no such item."""
    if press.item not in {item.key for item in sheet.scheme.rubric.items}:
        raise Refused("score_stale", reason=f"no rubric item {press.item}")
    return press.item


def _tap_score(sheet: Sheet, press: ScorePress) -> list[Reply]:
    return live_screen(FLOW, _take_score(sheet, _rubric_item(sheet, press), press.points))  # type: ignore[arg-type]


def _edit_item(sheet: Sheet, press: ScorePress) -> list[Reply]:
    key = _rubric_item(sheet, press)
    _remember(sheet, f"item:{key}")
    return live_screen(FLOW, [screens.item_prompt(sheet, key)])


def _edit_comment(sheet: Sheet, _: ScorePress) -> list[Reply]:
    _remember(sheet, "comment")
    return live_screen(FLOW, [screens.comment_prompt(sheet)])


def _not_yet_submittable(sheet: Sheet) -> list[Reply]:
    """What to show instead of submitting while the sheet is incomplete or held back by the level below."""
    scorer = sheet.scorer
    if sheet.next_step() != "summary":
        return live_screen(FLOW, _next(sheet, prefix=scorer.text("score_incomplete") + "\n\n"))
    done, total = sheet.lower_level_pending()
    if total:
        due = scorer.local(sheet.cycle.score_due)
        held = scorer.text("score_held_back", name=sheet.examinee.name, done=done, total=total, due=due)
        return live_screen(FLOW, screens.summary(sheet, prefix=held + "\n\n"))
    return []


def _ask_submit(sheet: Sheet, _: ScorePress) -> list[Reply]:
    waiting = _not_yet_submittable(sheet)
    if waiting:
        return waiting
    scorer = sheet.scorer
    text = scorer.text("score_confirm", name=sheet.examinee.name, total=points(sheet.total))
    group = sheet.group()
    totals = [s.total for s in standings(scorer.session, sheet.scheme, group).values() if s.complete]
    if len(totals) == len(group) and all_alike(totals, sheet.scheme):
        alike = scorer.text(
            "score_all_alike",
            group=screens.group_name(scorer, sheet.examinee),
            size=len(group),
            total=points(totals[0]),
        )
        text = alike + "\n\n" + text
    examinee = sheet.examinee.id
    buttons = (
        (
            scorer.button(scorer.text("score_confirm_yes"), scorer.press(ScoreAction.SUBMIT, examinee)),
            scorer.button(scorer.text("score_confirm_no"), scorer.press(ScoreAction.SUMMARY, examinee)),
        ),
    )
    return live_screen(FLOW, [Reply(text, buttons)])


def _submit(sheet: Sheet, _: ScorePress) -> list[Reply]:
    waiting = _not_yet_submittable(sheet)
    if waiting:
        return waiting
    scorer = sheet.scorer
    submit(scorer, sheet.ensure_row(), sheet.examinee, sheet.scores, sheet.total)
    at, total = scorer.local(scorer.now), points(sheet.total)
    done = scorer.text("score_submitted", name=sheet.examinee.name, total=total, at=at) + "\n\n"
    return live_screen(FLOW, _shown_list(scorer, _roll(scorer), prefix=done))


_VIEWS: dict[ScoreAction, Step] = {
    ScoreAction.OPEN: _open,
    ScoreAction.SHOW_SELF: _show_self,
    ScoreAction.SUMMARY: _summary,
}
_EDITS: dict[ScoreAction, Step] = {
    ScoreAction.TAP: _tap_score,
    ScoreAction.EDIT_ITEM: _edit_item,
    ScoreAction.EDIT_COMMENT: _edit_comment,
    ScoreAction.ASK_SUBMIT: _ask_submit,
    ScoreAction.SUBMIT: _submit,
}
