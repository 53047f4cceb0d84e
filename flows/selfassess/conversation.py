"""The self-assessment conversation (自我评定, form 附表一), behind ``/self``.

The examinee checks the form's header (姓名, 部门, 职务, 任职时间, 院部) and may correct the term and
college; answers the form's sections one at a time; scores themselves on each rubric item when
the scheme asks; reviews the whole form, edits any part, and submits after confirming. Each answer
is committed before the reply, and where they are is derived from what is saved, so ``/self``
always resumes at the first unanswered part, after minutes or days, a ``/cancel`` or a restart.

The form is one live message (``flows.ui.live``): each press and each accepted answer edits it into
the next step; a refused answer is asked again as a new message under the reason.

A press (``flows.selfassess.presses``) reaches ``on_press`` once the router has checked that it
parses and names the current cycle; here it is checked against the form's state. An answer or a
press that cannot be taken is refused (``Refused``) before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable

from flows.rules.grading import InvalidScore, check_item_score
from flows.rules.term import normalise_term
from flows.selfassess import screens
from flows.selfassess.examinee import Examinee
from flows.selfassess.presses import SelfAction, SelfPress
from flows.ui.chat import Action, Content, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.live import asked_again, ensure_live, live_screen
from flows.ui.refusal import Refused
from storage import cycles as store
from storage import scoring
from storage.models import Member, SelfStatus

FLOW = Examinee.flow

Step = Callable[[Examinee, SelfPress], list[Reply]]
ENTRIES = {SelfAction.REVIEW}
"""Presses that only show the form, from anywhere; every other one acts on the live screen."""


# Entry points


def start(context: FlowContext, incoming: Incoming) -> list[Action]:
    """``/self``: resume the self-assessment wherever it stands."""
    examinee = Examinee.resolve(context, incoming)
    if examinee.submitted:
        examinee.forget()
        return [*live_screen(FLOW, screens.submitted(examinee), edit=False)]
    if not examinee.open:
        examinee.forget()
        return [Reply(examinee.text("self_deadline_passed", due=examinee.due()))]
    examinee.save()
    return [*live_screen(FLOW, _next(examinee), edit=False)]


def on_input(context: FlowContext, incoming: Incoming, state: dict) -> list[Action]:
    """A typed answer (or a sticker, photo, voice...) while the conversation waits for one."""
    examinee = Examinee.resolve(context, incoming)
    awaiting = state.get("awaiting")
    if examinee.cycle.id != state.get("cycle") or examinee.submitted or not awaiting:
        raise Refused("self_stale_button", reason="no answer is waited for")
    if not examinee.open:
        raise Refused("self_deadline_passed", reason="the self-assessment closed", due=examinee.due())
    try:
        if incoming.content is not Content.TEXT:
            raise Refused("self_text_only", reason="not a typed answer")
        _store_answer(examinee, awaiting, incoming.text.strip())
    except Refused as refusal:
        question = screens.question(examinee, awaiting)
        raise refusal.repeating(asked_again(FLOW, question)) from None
    return [*live_screen(FLOW, _after_answer(examinee, awaiting, state.get("then", "next")))]


def on_press(context: FlowContext, incoming: Incoming, press: SelfPress) -> list[Action]:
    """A press of one of this conversation's buttons, checked before anything is changed."""
    examinee = Examinee.resolve(context, incoming)
    if not press.well_formed:
        raise Refused("self_stale_button", reason=f"{press.action} takes other arguments")
    if press.action not in ENTRIES:
        ensure_live(context, incoming, FLOW)
    if press.action is SelfAction.WITHDRAW:
        return [*live_screen(FLOW, _withdraw(examinee))]
    if examinee.submitted:
        raise Refused("self_already_submitted", reason="the form is submitted")
    if not examinee.open:
        raise Refused("self_deadline_passed", reason="the self-assessment closed", due=examinee.due())
    return [*live_screen(FLOW, _STEPS[press.action](examinee, press))]


# What comes next


def _next(examinee: Examinee, prefix: str = "") -> list[Reply]:
    """The first part still missing, or the whole form to review."""
    step = examinee.form.next_step()
    if step == "review":
        return _review(examinee, prefix)
    examinee.remember(awaiting=None if step == "header" else step)
    reply = screens.header(examinee) if step == "header" else screens.question(examinee, step)
    return [Reply(prefix + reply.text, reply.buttons)]


def _review(examinee: Examinee, prefix: str = "") -> list[Reply]:
    """The whole form to review, once nothing is missing."""
    if examinee.form.next_step() != "review":
        return _next(examinee, prefix)
    examinee.remember(awaiting=None)
    return screens.review(examinee, prefix)


def _after_answer(examinee: Examinee, answered: str, then: str) -> list[Reply]:
    """Where to go once ``answered`` is saved: the next missing part, the review, or the next self-score."""
    examinee.assessment.updated_at = examinee.now
    examinee.save()
    saved = examinee.text("self_saved") + "\n\n"
    kind, _, key = answered.partition(":")
    if then == "scores" and kind == "score":
        keys = [item.key for item in examinee.scheme.rubric.items]
        following = keys[keys.index(key) + 1 :]
        if following:
            examinee.remember(awaiting=f"score:{following[0]}", then="scores")
            prompt = screens.score_prompt(examinee, following[0])
            return [Reply(saved + prompt.text, prompt.buttons)]
        return _review(examinee, prefix=saved)
    if then == "review":
        return _review(examinee, prefix=saved)
    return _next(examinee, prefix=saved)


# Answers


def _store_answer(examinee: Examinee, awaiting: str, answer: str) -> None:
    """Save a typed answer; ``Refused`` (nothing saved) when it is not acceptable."""
    kind, _, key = awaiting.partition(":")
    if kind == "section":
        _store_section(examinee, key, answer)
    elif kind == "score":
        _store_score(examinee, key, answer)
    elif kind == "term":
        term = normalise_term(answer)
        if not term:
            raise Refused("self_bad_term", value=answer[:20])
        examinee.assessment.term_start = term
    else:
        if not 1 <= len(answer) <= screens.COLLEGE_MAX:
            raise Refused("self_bad_college", max=screens.COLLEGE_MAX)
        examinee.assessment.college = answer


def _store_section(examinee: Examinee, key: str, answer: str) -> None:
    found = examinee.form.section(key)
    assert found is not None, key  # the conversation only waits for the scheme's sections
    _, section = found
    if len(answer) < section.min_length:
        raise Refused("self_too_short", min=section.min_length, length=len(answer))
    if len(answer) > section.max_length:
        raise Refused("self_too_long", max=section.max_length, length=len(answer))
    store.save_answer(examinee.session, examinee.save().id, key, answer, examinee.now)


def _store_score(examinee: Examinee, key: str, answer: str) -> None:
    item = examinee.scheme.rubric.item(key)
    points = check_item_score(answer, item, examinee.scheme)
    if isinstance(points, InvalidScore):
        raise Refused(
            "self_bad_score", value=answer[:20], max=item.points, decimals=examinee.scheme.scoring.decimals
        )
    store.save_self_score(examinee.session, examinee.save().id, key, points, examinee.now)


# Buttons


def _confirm_header(examinee: Examinee, _: SelfPress) -> list[Reply]:
    examinee.assessment.header_confirmed = True
    examinee.save()
    return _next(examinee)


def _ask_header_field(examinee: Examinee, press: SelfPress) -> list[Reply]:
    field = "term" if press.action is SelfAction.EDIT_TERM else "college"
    examinee.remember(awaiting=field, then="review" if examinee.assessment.header_confirmed else "header")
    return [screens.question(examinee, field)]


def _edit_header(examinee: Examinee, _: SelfPress) -> list[Reply]:
    examinee.assessment.header_confirmed = False
    examinee.save()
    examinee.remember(awaiting=None)
    return [screens.header(examinee)]


def _edit_section(examinee: Examinee, press: SelfPress) -> list[Reply]:
    if examinee.form.section(press.key) is None:  # type: ignore[arg-type]
        raise Refused("self_stale_button", reason=f"no section {press.key}")
    examinee.remember(awaiting=f"section:{press.key}", then="review")
    current = examinee.form.answers.get(press.key)  # type: ignore[arg-type]
    prompt = screens.section_prompt(examinee, press.key)  # type: ignore[arg-type]
    return [prompt, Reply.typed(current)] if current else [prompt]  # the answer below the question, to copy


def _edit_scores(examinee: Examinee, _: SelfPress) -> list[Reply]:
    if not examinee.scheme.self_assessment.self_score:
        raise Refused("self_stale_button", reason="the scheme asks for no self-scores")
    first = examinee.scheme.rubric.items[0].key
    examinee.remember(awaiting=f"score:{first}", then="scores")
    return [screens.score_prompt(examinee, first)]


def _tap_score(examinee: Examinee, press: SelfPress) -> list[Reply]:
    awaiting = f"score:{press.key}"
    state = examinee.position()
    if state.get("awaiting") != awaiting:
        raise Refused("self_stale_button", reason="a button of a question no longer asked")
    _store_score(examinee, press.key, press.points)  # type: ignore[arg-type]
    return _after_answer(examinee, awaiting, state.get("then", "next"))


def _ask_submit(examinee: Examinee, _: SelfPress) -> list[Reply]:
    if examinee.form.next_step() != "review":
        return _next(examinee, prefix=examinee.text("self_incomplete") + "\n\n")
    return [screens.confirmation(examinee)]


def _submit(examinee: Examinee, press: SelfPress) -> list[Reply]:
    if examinee.form.next_step() != "review":
        return _ask_submit(examinee, press)
    assessment, now = examinee.assessment, examinee.now
    assessment.status, assessment.submitted_at = SelfStatus.SUBMITTED, now
    examinee.save()
    examinee.forget()
    after = {"cycle": examinee.cycle.name, "submitted_at": now.isoformat()}
    examinee.record("self.submit", "self_assessment", assessment.id, after=after)
    scorer_id = examinee.place.scorer_member_id
    scorer = examinee.session.get(Member, scorer_id) if scorer_id else None
    text = examinee.text("self_submitted", at=examinee.local(now), scorer=scorer.name if scorer else "")
    return [Reply(text)]


def _withdraw(examinee: Examinee) -> list[Reply]:
    if not examinee.submitted:
        raise Refused("self_stale_button", reason="the form is not submitted")
    if not examinee.open or scoring.scoring_started(examinee.session, examinee.place.id):
        raise Refused("self_cannot_withdraw", reason="closed, or scoring has started")
    examinee.assessment.status, examinee.assessment.submitted_at = SelfStatus.DRAFT, None
    examinee.record("self.withdraw", "self_assessment", examinee.save().id)
    return _review(examinee, prefix=examinee.text("self_withdrawn", due=examinee.due()) + "\n\n")


_STEPS: dict[SelfAction, Step] = {
    SelfAction.CONFIRM_HEADER: _confirm_header,
    SelfAction.EDIT_TERM: _ask_header_field,
    SelfAction.EDIT_COLLEGE: _ask_header_field,
    SelfAction.EDIT_HEADER: _edit_header,
    SelfAction.EDIT_SECTION: _edit_section,
    SelfAction.EDIT_SCORES: _edit_scores,
    SelfAction.TAP_SCORE: _tap_score,
    SelfAction.ASK_SUBMIT: _ask_submit,
    SelfAction.SUBMIT: _submit,
    SelfAction.REVIEW: lambda examinee, _: _review(examinee),
}
