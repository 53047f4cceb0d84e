"""The committee's review and balancing (复核确认, 复核平衡), behind ``/review``, for committee members only.

``/review`` shows every team and department: scoring progress, the department's rating (部门业绩评价),
its grades and whether it is balanced. A department shows each examinee's total, band, proposed and
final grade, what is missing and from whom, and the distribution rules it breaks with what would fix
them. The committee sets ratings, changes a score or a grade with a reason, returns a score sheet to
its scorer with a note, accepts a rule break with a reason, scores the presidents (flows.review.presidents),
sees a team's grade distribution as a chart, and confirms the balance; then the sign-off follows
(flows.review.signoff).

Buttons carry ``r:<cycle id>:<action>[:<argument>...]``. Every press and every typed answer is
checked again against the presser's own rights (flows.rules.access) and what is saved, so a forged or
stale button changes nothing; a refused press is logged and audited as ``review.refused``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from decimal import Decimal

from flows.review import presidents as review_presidents
from flows.review import screens, signoff
from flows.review.board import Entry, break_identity
from flows.review.changes import (
    REASON_MAX,
    REASON_MIN,
    accept_break,
    change_grade,
    change_score,
    reason_refusal,
    return_sheet,
    set_rating,
)
from flows.review.reviewer import (
    FLOW,
    PREFIX,
    Refused,
    Reviewer,
    changeable,
    entry_named,
    index_of,
    reviewer_for,
)
from flows.rules import access
from flows.rules.grading import InvalidScore, check_item_score
from flows.selfassess import Form, rendered_form
from flows.ui.chat import Action, Content, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from flows.ui.keyboards import with_buttons
from flows.ui.text import points
from storage import audit
from storage import cycles as cycle_store
from storage.cycle_models import SelfStatus

__all__ = ["FLOW", "PREFIX", "on_button", "on_input", "start"]

log = logging.getLogger("kaohe.flows")
Handler = Callable[[Reviewer, Sequence[str]], list[Action]]


# Entry points


def start(context: FlowContext, incoming: Incoming) -> list[Action]:
    """``/review``: the overview of every department of the current cycle."""
    reviewer = reviewer_for(context, incoming)
    if isinstance(reviewer, str):
        return [Reply(render(context.locale(incoming), reviewer))]
    reviewer.forget()
    return [*screens.overview(reviewer)]


def on_button(context: FlowContext, incoming: Incoming) -> list[Action]:
    """A press of one of the review's buttons, checked before anything is read or changed."""
    reviewer = reviewer_for(context, incoming)
    if isinstance(reviewer, str):
        return _refuse(context, incoming, f"telegram:{incoming.telegram_user_id}", reviewer)
    parts = incoming.text.split(":")
    handler = _BUTTONS.get(parts[2]) if len(parts) >= 3 and parts[1] == str(reviewer.cycle.id) else None
    if handler is None:
        return _stale(reviewer)
    try:
        return handler(reviewer, parts[3:])
    except Refused as refusal:
        return _refuse(context, incoming, reviewer.actor, refusal.key)


def on_input(context: FlowContext, incoming: Incoming, state: dict) -> list[Action]:
    """A typed answer: a score, a reason, a note or a comment, while the review waits for one."""
    reviewer = reviewer_for(context, incoming)
    if isinstance(reviewer, str):
        cycle_store.end_conversation(context.session, incoming.telegram_user_id)
        return [Reply(render(context.locale(incoming), reviewer))]
    if state.get("cycle") != reviewer.cycle.id:
        reviewer.forget()
        return _stale(reviewer)
    if incoming.content is not Content.TEXT:
        return [Reply(reviewer.text("review_text_only"))]
    text, awaiting = incoming.text.strip(), state.get("awaiting")
    try:
        if awaiting == "value":
            return _take_value(reviewer, state, text)
        if awaiting == "reason":
            return _take_reason(reviewer, state, text)
        if awaiting == "sign_comment":
            return signoff.president_comment(reviewer, state, text)
        return review_presidents.on_input(reviewer, state, text)
    except Refused as refusal:
        reviewer.forget()
        return _refuse(context, incoming, reviewer.actor, refusal.key)


def _refuse(context: FlowContext, incoming: Incoming, actor: str, key: str) -> list[Action]:
    """Change nothing, log and audit the attempt, and say why."""
    log.warning(
        "review input refused: %s sent %r: %s",
        actor,
        incoming.text,
        key,
        extra={"event": "review.refused", "actor": actor, "data": incoming.text, "reason": key},
    )
    audit.record(
        context.session,
        actor=actor,
        action="review.refused",
        entity="review",
        after={"data": incoming.text, "chat_id": incoming.chat_id},
        reason=key,
        at=context.now,
    )
    message = render(context.locale(incoming), key)
    return [Reply(message, notice=message)]


def _stale(reviewer: Reviewer) -> list[Action]:
    message = reviewer.text("review_stale")
    return [Reply(message, notice=message)]


# Screens


def _overview(reviewer: Reviewer, _: Sequence[str]) -> list[Action]:
    reviewer.forget()
    return [*screens.overview(reviewer)]


def _group(reviewer: Reviewer, arguments: Sequence[str]) -> list[Action]:
    reviewer.forget()
    return [*screens.group_screen(reviewer, index_of(arguments, 0, len(reviewer.board().groups)))]


def _examinee(reviewer: Reviewer, arguments: Sequence[str]) -> list[Action]:
    reviewer.forget()
    return [*screens.examinee_screen(reviewer, entry_named(reviewer, arguments))]


def _chart(reviewer: Reviewer, arguments: Sequence[str]) -> list[Action]:
    return [*screens.chart(reviewer, index_of(arguments, 0, len(reviewer.board().teams())))]


def _self_assessment(reviewer: Reviewer, arguments: Sequence[str]) -> list[Action]:
    """The examinee's self-assessment (附表一), as their scorer reads it."""
    examinee = entry_named(reviewer, arguments).examinee
    if not access.can_read_self_assessment(reviewer.member, examinee):
        raise Refused("review_not_committee")
    assessment = cycle_store.self_assessment(reviewer.session, examinee.id)  # type: ignore[arg-type]
    if assessment is None or assessment.status != SelfStatus.SUBMITTED:
        return [Reply(reviewer.text("review_no_self_assessment", name=examinee.name))]
    form = Form(
        reviewer.context,
        reviewer.locale,
        examinee,
        reviewer.cycle,
        reviewer.scheme,
        assessment,
        reviewer.user,
    )
    back = reviewer.button(reviewer.text("review_back"), "e", examinee.id)
    return [*with_buttons(rendered_form(form), [(back,)])]


# Changes


def _rate(reviewer: Reviewer, arguments: Sequence[str]) -> list[Action]:
    """部门业绩评价: set a department's rating."""
    board = reviewer.board()
    index = index_of(arguments, 0, len(board.groups))
    if reviewer.frozen:
        raise Refused("review_frozen")
    rating = arguments[1] if len(arguments) > 1 else ""
    if rating not in reviewer.scheme.distribution.rating_keys:
        raise Refused("review_stale")
    if board.groups[index].rating != rating:
        set_rating(reviewer, board.groups[index], rating)
    return [*screens.group_screen(reviewer, index, prefix=reviewer.text("review_rating_saved") + "\n\n")]


def _pick_item(reviewer: Reviewer, arguments: Sequence[str]) -> list[Action]:
    return [screens.item_menu(reviewer, changeable(reviewer, arguments))]


def _ask_value(reviewer: Reviewer, arguments: Sequence[str]) -> list[Action]:
    entry = changeable(reviewer, arguments)
    key = arguments[1] if len(arguments) > 1 else ""
    if key not in {item.key for item in reviewer.scheme.rubric.items}:
        raise Refused("review_stale")
    reviewer.remember("value", examinee=entry.examinee.id, item=key)
    return [_value_prompt(reviewer, entry, key)]


def _value_prompt(reviewer: Reviewer, entry: Entry, key: str, prefix: str = "") -> Reply:
    item = reviewer.scheme.rubric.item(key)
    current = entry.scores.get(key)
    reply = screens.prompt(
        reviewer,
        "review_ask_score",
        "e",
        entry.examinee.id,
        name=entry.examinee.name,
        item=item.name.for_locale(reviewer.locale),
        current=None if current is None else points(current),
        original=points(entry.original[key]) if key in entry.original else None,
        max=points(item.points),
        decimals=reviewer.scheme.scoring.decimals,
    )
    return Reply(prefix + reply.text, reply.buttons)


def _take_value(reviewer: Reviewer, state: dict, text: str) -> list[Action]:
    entry = changeable(reviewer, [str(state.get("examinee"))])
    key = str(state.get("item"))
    value = check_item_score(text, reviewer.scheme.rubric.item(key), reviewer.scheme)
    if isinstance(value, InvalidScore):
        refusal = reviewer.bad_score(text, reviewer.scheme.rubric.item(key))
        return [_value_prompt(reviewer, entry, key, prefix=refusal + "\n\n")]
    if value == entry.scores.get(key):
        return [Reply(reviewer.text("review_unchanged"))]
    change = {"kind": "score", "examinee": entry.examinee.id, "item": key, "value": str(value)}
    return [_ask_reason(reviewer, entry, change)]


def _pick_grade(reviewer: Reviewer, arguments: Sequence[str]) -> list[Action]:
    return [screens.grade_menu(reviewer, changeable(reviewer, arguments))]


def _tap_grade(reviewer: Reviewer, arguments: Sequence[str]) -> list[Action]:
    entry = changeable(reviewer, arguments)
    grade = arguments[1] if len(arguments) > 1 else ""
    if grade not in reviewer.scheme.grade_keys or grade == entry.grade:
        raise Refused("review_stale")
    return [_ask_reason(reviewer, entry, {"kind": "grade", "examinee": entry.examinee.id, "value": grade})]


def _ask_return(reviewer: Reviewer, arguments: Sequence[str]) -> list[Action]:
    entry = changeable(reviewer, arguments)
    if entry.examinee.scorer_member_id is None:
        raise Refused("review_stale")
    return [_ask_reason(reviewer, entry, {"kind": "return", "examinee": entry.examinee.id})]


def _ask_reason(reviewer: Reviewer, entry: Entry, change: dict) -> Reply:
    """Every change needs a reason: ask for it, saying what will change."""
    reviewer.remember("reason", change=change)
    key = change.get("item")
    return screens.prompt(
        reviewer,
        "review_ask_reason",
        "e",
        entry.examinee.id,
        kind=change["kind"],
        name=entry.examinee.name,
        item=reviewer.scheme.rubric.item(key).name.for_locale(reviewer.locale) if key else None,
        before=points(entry.scores[key]) if key in entry.scores else entry.grade,
        after=points(Decimal(change["value"])) if key else change.get("value"),
        min=REASON_MIN,
        max=REASON_MAX,
    )


def _ask_accept(reviewer: Reviewer, arguments: Sequence[str]) -> list[Action]:
    board = reviewer.board()
    index = index_of(arguments, 0, len(board.groups))
    group = board.groups[index]
    rule_break = group.breaks[index_of(arguments, 1, len(group.breaks))]
    if reviewer.frozen:
        raise Refused("review_frozen")
    if rule_break.accepted is not None:
        raise Refused("review_stale")
    change = {"kind": "accept", "group": index, "break": list(break_identity(rule_break.violation))}
    reviewer.remember("reason", change=change)
    return [
        screens.prompt(
            reviewer,
            "review_ask_accept",
            "g",
            index,
            group=screens.group_label(reviewer, group),
            min=REASON_MIN,
            max=REASON_MAX,
        )
    ]


def _take_reason(reviewer: Reviewer, state: dict, reason: str) -> list[Action]:
    """The reason arrived: check everything again, then make the change."""
    refusal = reason_refusal(reviewer, reason)
    if refusal:
        return [Reply(refusal)]
    change = dict(state.get("change") or {})
    kind = change.get("kind")
    if kind == "accept":
        return _accept(reviewer, change, reason)
    entry = changeable(reviewer, [str(change.get("examinee"))])
    reviewer.forget()
    if kind == "score":
        key = str(change.get("item"))
        value = check_item_score(str(change.get("value")), reviewer.scheme.rubric.item(key), reviewer.scheme)
        if isinstance(value, InvalidScore):
            raise Refused("review_stale")
        change_score(reviewer, entry, key, value, reason)
    elif kind == "grade" and change.get("value") in reviewer.scheme.grade_keys:
        change_grade(reviewer, entry, str(change["value"]), reason)
    elif kind == "return" and entry.examinee.scorer_member_id is not None:
        told = return_sheet(reviewer, entry, reason)
        done = reviewer.text("review_returned", name=entry.examinee.name, scorer=entry.scorer, told=told)
        return [
            *screens.examinee_screen(reviewer, entry_named(reviewer, [str(entry.examinee.id)]), done + "\n\n")
        ]
    else:
        raise Refused("review_stale")
    fresh = entry_named(reviewer, [str(entry.examinee.id)])
    return [*screens.examinee_screen(reviewer, fresh, prefix=reviewer.text("review_changed") + "\n\n")]


def _accept(reviewer: Reviewer, change: dict, reason: str) -> list[Action]:
    board = reviewer.board()
    index = index_of([str(change.get("group"))], 0, len(board.groups))
    group = board.groups[index]
    wanted = tuple(change.get("break") or ())
    found = next((b for b in group.open_breaks if list(break_identity(b.violation)) == list(wanted)), None)
    if found is None or reviewer.frozen:
        raise Refused("review_stale")
    reviewer.forget()
    accept_break(reviewer, group, found, reason)
    return [*screens.group_screen(reviewer, index, prefix=reviewer.text("review_accepted") + "\n\n")]


_BUTTONS: dict[str, Handler] = {
    "ov": _overview,
    "g": _group,
    "e": _examinee,
    "ch": _chart,
    "sa": _self_assessment,
    "rt": _rate,
    "sc": _pick_item,
    "si": _ask_value,
    "gd": _pick_grade,
    "gs": _tap_grade,
    "rs": _ask_return,
    "av": _ask_accept,
    "cf": signoff.ask_confirm,
    "cfy": signoff.confirm,
    "sp": signoff.ask_president,
    "spn": signoff.sign_as_president,
    "st": signoff.ask_teacher,
    "sty": signoff.sign_as_teacher,
    **review_presidents.BUTTONS,
}
