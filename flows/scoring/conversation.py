"""The supervisor scoring conversation (直接上级评定, score sheet 附表三), behind ``/score``.

``/score`` lists the scorer's examinees by department with where each stands, and picks up the
sheet they were working on. Opening an examinee shows their self-assessment, then asks each rubric
item in turn (tap a suggested value or type one), then the evaluation comment (考评意见), then shows
a summary: items, total, band, the department's bands so far against its quotas. Submitting asks
for confirmation and warns a scorer who gave a whole department the same total (拉开分数档次).

Each score is committed before the reply, and where the scorer stands is derived from what is saved.
Buttons carry ``c:<cycle id>:<action>[:<examinee id>[:<argument>...]]``; every press is checked
against the presser's own current cycle, their own examinees and the sheet's state. A press that
fails those checks (another cycle's, another scorer's examinee, a submitted sheet's) changes
nothing and is logged and audited as ``score.refused``. The rules of when and in what order live
in ``flows.scoring.sheet``; the screens in ``flows.scoring.screens``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence

from flows.rules.grading import InvalidScore, all_alike, check_item_score
from flows.scoring import screens
from flows.scoring.sheet import Scorer, Sheet, standings
from flows.ui.chat import Action, Content, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from storage import accounts, audit
from storage import cycles as cycle_store
from storage import scoring as store

FLOW = "score"
PREFIX = screens.PREFIX
ROW_ID = re.compile(r"[0-9]{1,9}")  # an id as buttons carry it (and small enough for any database)
log = logging.getLogger("kaohe.flows")

Handler = Callable[[Sheet, Sequence[str]], list[Action]]


# Entry points


def start(context: FlowContext, incoming: Incoming) -> list[Action]:
    """``/score``: the scorer's examinees, then the sheet they were working on, where they left it."""
    scorer = _scorer(context, incoming)
    if isinstance(scorer, str):
        return [Reply(render(context.locale(incoming), scorer))]
    examinees = scorer.examinees()
    if not examinees:
        cycle_store.end_conversation(context.session, scorer.user)
        return [Reply(scorer.text("score_nobody"))]
    replies: list[Action] = [*screens.examinee_list(scorer, examinees)]
    sheet = _resumable(scorer)
    if sheet is None:
        cycle_store.end_conversation(context.session, scorer.user)
        return replies
    return replies + _next(sheet, prefix=scorer.text("score_resume", name=sheet.examinee.name) + "\n\n")


def on_button(context: FlowContext, incoming: Incoming) -> list[Action]:
    """A press of one of this conversation's buttons, checked before anything is read or changed."""
    scorer = _scorer(context, incoming)
    if isinstance(scorer, str):
        return _refuse(context, incoming, f"telegram:{incoming.telegram_user_id}", f"no scorer ({scorer})")
    parts = incoming.text.split(":")
    if len(parts) < 3 or parts[1] != str(scorer.cycle.id):
        return _refuse(context, incoming, scorer.actor, "not the current cycle")
    action, arguments = parts[2], parts[3:]
    examinees = scorer.examinees()
    if not examinees:
        return _refuse(context, incoming, scorer.actor, "scores nobody in this cycle")
    if action == "ls":
        return [*screens.examinee_list(scorer, examinees)]
    handler = _VIEWS.get(action) or _EDITS.get(action)
    if handler is None or not arguments:
        return _refuse(context, incoming, scorer.actor, "unknown button")
    examinee = scorer.examinee(int(arguments[0])) if ROW_ID.fullmatch(arguments[0]) else None
    if examinee is None:
        return _refuse(context, incoming, scorer.actor, "not this scorer's examinee")
    sheet = scorer.sheet(examinee)
    if action in _EDITS:
        if sheet.submitted:
            return _refuse(context, incoming, scorer.actor, "sheet already submitted", examinee.id)
        closed = _closed(sheet)
        if closed:
            return closed
    return handler(sheet, arguments[1:])


def on_input(context: FlowContext, incoming: Incoming, state: dict) -> list[Action]:
    """A typed answer (a score or the comment) while the conversation waits for one."""
    scorer = _scorer(context, incoming)
    if isinstance(scorer, str):
        cycle_store.end_conversation(context.session, incoming.telegram_user_id)
        return [Reply(render(context.locale(incoming), scorer))]
    examinee = scorer.examinee(state.get("examinee", 0)) if state.get("cycle") == scorer.cycle.id else None
    if examinee is None:
        cycle_store.end_conversation(context.session, scorer.user)
        return [Reply(scorer.text("score_stale"))]
    sheet = scorer.sheet(examinee)
    if sheet.submitted:
        cycle_store.end_conversation(context.session, scorer.user)
        return [Reply(scorer.text("score_already_submitted"))]
    closed = _closed(sheet)
    if closed:
        cycle_store.end_conversation(context.session, scorer.user)
        return closed
    awaiting = state.get("awaiting")
    if not awaiting:
        return [Reply(scorer.text("score_use_buttons"))]
    if incoming.content is not Content.TEXT:
        return [Reply(scorer.text("score_text_only")), *_ask(sheet, awaiting)]
    if awaiting == "comment":
        return _take_comment(sheet, incoming.text.strip())
    return _take_score(sheet, awaiting.removeprefix("item:"), incoming.text.strip())


# Who is scoring


def _scorer(context: FlowContext, incoming: Incoming) -> Scorer | str:
    """The presser as a scorer in the current cycle, or the message key saying why they are not one."""
    member = accounts.member_of_user(context.session, incoming.telegram_user_id)
    if member is None:
        return "score_not_member"
    cycle = cycle_store.latest_cycle(context.session)
    if cycle is None:
        return "score_no_cycle"
    return Scorer(context, context.locale(incoming), member, cycle, incoming.telegram_user_id)


def _refuse(
    context: FlowContext, incoming: Incoming, actor: str, reason: str, examinee_id: int | None = None
) -> list[Action]:
    """Turn down a forged or replayed button: change nothing, log it, audit it, say so."""
    log.warning(
        "score button refused: %s pressed %r in chat %s: %s",
        actor,
        incoming.text,
        incoming.chat_id,
        reason,
        extra={"event": "score.refused", "actor": actor, "data": incoming.text, "reason": reason},
    )
    audit.record(
        context.session,
        actor=actor,
        action="score.refused",
        entity="cycle_examinee",
        entity_id=examinee_id,
        after={
            "data": incoming.text,
            "chat_id": incoming.chat_id,
            "telegram_user_id": incoming.telegram_user_id,
        },
        reason=reason,
        at=context.now,
    )
    message = render(context.locale(incoming), "score_refused")
    return [Reply(message, notice=message)]


def _closed(sheet: Sheet) -> list[Action]:
    """Why this sheet cannot be changed now (deadline passed, scoring not yet open); empty if it can."""
    scorer = sheet.scorer
    if not sheet.is_open:
        return [Reply(scorer.text("score_deadline_passed", due=scorer.local(sheet.closes_at)))]
    if not sheet.ready:
        due = scorer.local(sheet.cycle.self_due)
        return [Reply(scorer.text("score_not_ready", name=sheet.examinee.name, due=due))]
    return []


def _resumable(scorer: Scorer) -> Sheet | None:
    """The sheet to pick up: the one the conversation was on, else the draft touched last."""
    row = cycle_store.conversation(scorer.session, scorer.user)
    state = dict(row.state) if row is not None and row.flow == FLOW else {}
    sheets = [scorer.sheet(examinee) for examinee in scorer.examinees()]
    drafts = [s for s in sheets if s.row is not None and not s.submitted and s.is_open and s.ready]
    current = [s for s in drafts if s.examinee.id == state.get("examinee")]
    return current[0] if current else max(drafts, key=lambda s: s.row.updated_at, default=None)  # type: ignore[union-attr]


# Where the sheet stands


def _remember(sheet: Sheet, awaiting: str | None) -> None:
    scorer = sheet.scorer
    state = {"cycle": scorer.cycle.id, "examinee": sheet.examinee.id, "awaiting": awaiting}
    cycle_store.set_conversation(scorer.session, scorer.user, FLOW, state, scorer.now)


def _next(sheet: Sheet, prefix: str = "") -> list[Action]:
    """The first unscored item, else the comment, else the summary."""
    step = sheet.next_step()
    if step == "summary":
        _remember(sheet, None)
        return [*screens.summary(sheet, prefix)]
    _remember(sheet, step)
    [reply] = _ask(sheet, step)
    return [Reply(prefix + reply.text, reply.buttons)]


def _ask(sheet: Sheet, awaiting: str) -> list[Reply]:
    if awaiting == "comment":
        return [screens.comment_prompt(sheet)]
    return [screens.item_prompt(sheet, awaiting.removeprefix("item:"))]


# Answers


def _take_score(sheet: Sheet, key: str, value: str) -> list[Action]:
    scorer, scheme = sheet.scorer, sheet.scheme
    item = scheme.rubric.item(key)
    name = item.name.for_locale(scorer.locale)
    given = check_item_score(value, item, scheme)
    if isinstance(given, InvalidScore):
        text = scorer.text(
            "score_bad_score",
            value=value[:20],
            item=name,
            max=screens.points(item.points),
            decimals=scheme.scoring.decimals,
        )
        return [Reply(text)]
    row = sheet.ensure_row()
    before = store.save_item_score(scorer.session, row, key, given, scorer.member.id, scorer.now)  # type: ignore[arg-type]
    audit.record(
        scorer.session,
        actor=scorer.actor,
        action="score.item",
        entity="score_sheet",
        entity_id=row.id,
        before=None if before is None else {"item": key, "points": str(before)},
        after={"item": key, "points": str(given)},
        at=scorer.now,
    )
    return _next(sheet, prefix=scorer.text("score_saved", item=name, points=screens.points(given)) + "\n\n")


def _take_comment(sheet: Sheet, comment: str) -> list[Action]:
    scorer, scoring = sheet.scorer, sheet.scheme.scoring
    if len(comment) < scoring.comment_min_length:
        return [
            Reply(scorer.text("score_comment_too_short", min=scoring.comment_min_length, length=len(comment)))
        ]
    if len(comment) > scoring.comment_max_length:
        return [
            Reply(scorer.text("score_comment_too_long", max=scoring.comment_max_length, length=len(comment)))
        ]
    row = sheet.ensure_row()
    before = row.comment
    store.save_comment(scorer.session, row, comment, scorer.now)
    audit.record(
        scorer.session,
        actor=scorer.actor,
        action="score.comment",
        entity="score_sheet",
        entity_id=row.id,
        before=None if before is None else {"comment": before},
        after={"comment": comment},
        at=scorer.now,
    )
    return _next(sheet, prefix=scorer.text("score_comment_saved") + "\n\n")


# Buttons that only show


def _open(sheet: Sheet, _: Sequence[str]) -> list[Action]:
    """The examinee's self-assessment, then the next step (or the summary, when it can no longer change)."""
    scorer = sheet.scorer
    if not sheet.ready:
        return _closed(sheet)
    shown: list[Action] = [*screens.self_assessment_view(sheet)]
    if sheet.submitted or not sheet.is_open:
        cycle_store.end_conversation(scorer.session, scorer.user)
        return [*shown, *screens.summary(sheet)]
    return shown + _next(sheet)


def _show_self(sheet: Sheet, _: Sequence[str]) -> list[Action]:
    if not sheet.ready:
        return _closed(sheet)
    return [*screens.self_assessment_view(sheet)]


def _summary(sheet: Sheet, _: Sequence[str]) -> list[Action]:
    if not sheet.ready:
        return _closed(sheet)
    if sheet.submitted or not sheet.is_open:
        return [*screens.summary(sheet)]
    return _next(sheet)


# Buttons that change the sheet (only for an open draft of the presser's own examinee)


def _tap_score(sheet: Sheet, arguments: Sequence[str]) -> list[Action]:
    if len(arguments) != 2 or arguments[0] not in {item.key for item in sheet.scheme.rubric.items}:
        return [Reply(sheet.scorer.text("score_stale"))]
    return _take_score(sheet, arguments[0], arguments[1])


def _edit_item(sheet: Sheet, arguments: Sequence[str]) -> list[Action]:
    if len(arguments) != 1 or arguments[0] not in {item.key for item in sheet.scheme.rubric.items}:
        return [Reply(sheet.scorer.text("score_stale"))]
    _remember(sheet, f"item:{arguments[0]}")
    return [screens.item_prompt(sheet, arguments[0])]


def _edit_comment(sheet: Sheet, _: Sequence[str]) -> list[Action]:
    _remember(sheet, "comment")
    return [screens.comment_prompt(sheet)]


def _cannot_submit(sheet: Sheet) -> list[Action]:
    """Why the sheet cannot be submitted yet (incomplete, or held back by the level below), if so."""
    scorer = sheet.scorer
    if sheet.next_step() != "summary":
        return [Reply(scorer.text("score_incomplete")), *_next(sheet)]
    done, total = sheet.lower_level_pending()
    if total:
        due = scorer.local(sheet.cycle.score_due)
        return [
            Reply(scorer.text("score_held_back", name=sheet.examinee.name, done=done, total=total, due=due))
        ]
    return []


def _ask_submit(sheet: Sheet, _: Sequence[str]) -> list[Action]:
    refusal = _cannot_submit(sheet)
    if refusal:
        return refusal
    scorer = sheet.scorer
    text = scorer.text("score_confirm", name=sheet.examinee.name, total=screens.points(sheet.total))
    group = sheet.group()
    totals = [s.total for s in standings(scorer.session, sheet.scheme, group).values() if s.complete]
    if len(totals) == len(group) and all_alike(totals, sheet.scheme):
        alike = scorer.text(
            "score_all_alike",
            group=screens.group_name(scorer, sheet.examinee),
            size=len(group),
            total=screens.points(totals[0]),
        )
        text = alike + "\n\n" + text
    buttons = (
        (
            screens.button(scorer, scorer.text("score_confirm_yes"), "yes", sheet.examinee.id),
            screens.button(scorer, scorer.text("score_confirm_no"), "sum", sheet.examinee.id),
        ),
    )
    return [Reply(text, buttons)]


def _submit(sheet: Sheet, _: Sequence[str]) -> list[Action]:
    refusal = _cannot_submit(sheet)
    if refusal:
        return refusal
    scorer = sheet.scorer
    scores = sheet.scores
    store.submit_sheet(
        scorer.session,
        sheet.ensure_row(),
        actor=scorer.actor,
        now=scorer.now,
        after={
            "cycle": sheet.cycle.name,
            "examinee": sheet.examinee.student_no,
            "scores": {key: str(points) for key, points in scores.items()},
            "total": str(sheet.total),
        },
    )
    cycle_store.end_conversation(scorer.session, scorer.user)
    at, total = scorer.local(scorer.now), screens.points(sheet.total)
    done = Reply(scorer.text("score_submitted", name=sheet.examinee.name, total=total, at=at), edit=True)
    return [done, *screens.examinee_list(scorer, scorer.examinees())]


_VIEWS: dict[str, Handler] = {"o": _open, "sa": _show_self, "sum": _summary}
_EDITS: dict[str, Handler] = {
    "p": _tap_score,
    "e": _edit_item,
    "cm": _edit_comment,
    "sub": _ask_submit,
    "yes": _submit,
}
