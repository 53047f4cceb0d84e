"""The examinee's appeal (申诉, form 附表六), behind ``/appeal`` or the appeal button of a released result.

Within the appeal window after release (the scheme's ``window_days``), the examinee sees their
result, says what they dispute (the grade, a dimension or one item), why, and may add evidence:
texts, photos or documents, kept by their Telegram file ids. They review the form, edit any part,
and submit after confirming; it then goes to the organisation department (组织部) and the teachers.
One appeal per examinee per cycle: once submitted it cannot be changed, and a new one is refused
with the reason (already appealed, decided, or the window closed).

Everything is saved before the reply and where the examinee stands is derived from what is saved,
so ``/appeal`` resumes a draft at any time; nothing is written until the examinee gives something to
keep. Every press (``AppealPress``) is checked against the presser's own appeal and its state.

The form is one live message (``flows.ui.live``) edited step by step; a refused answer is asked again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Self

from flows.actor import Actor
from flows.appeals.common import (
    appeal_text,
    ends_when_refused,
    receivers,
    record,
    report_due,
    window_closes,
)
from flows.appeals.presses import AppealAction, AppealPress
from flows.notices.notice import Kind, Notice, notify, rendered
from flows.results.result import Result, decision_text, released_result, result_text
from flows.rules.cycles import ensure_writable, scheme_of
from flows.rules.scheme import Scheme
from flows.ui.chat import Action, Button, Content, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from flows.ui.live import asked_again, ensure_live, live_screen
from flows.ui.refusal import Refused
from storage import appeals as store
from storage import cycles as cycle_store
from storage.models import Appeal, AppealEvidence, AppealStatus, Cycle, CycleExaminee, Disputed, EvidenceKind

FLOW = "appeal"
REASON_MIN, TEXT_MAX = 10, 1500
EVIDENCE_MAX = 10
_EVIDENCE_KINDS = {
    Content.TEXT: EvidenceKind.TEXT,
    Content.PHOTO: EvidenceKind.PHOTO,
    Content.DOCUMENT: EvidenceKind.DOCUMENT,
}


class Lodged(Refused):
    """The examinee has already appealed in this cycle: there is no second appeal."""

    def __init__(self, examinee: CycleExaminee, appeal: Appeal) -> None:
        decided = appeal.status == AppealStatus.DECIDED
        super().__init__("appeal_one_only", reason=f"appeal {appeal.status}", decided=decided)
        self.examinee, self.appeal = examinee, appeal


@dataclass
class Draft(Actor):
    """An examinee writing their appeal in the current cycle, within its window (see ``resolve``)."""

    flow: ClassVar[str] = FLOW
    not_member: ClassVar[str] = "appeal_not_member"
    no_cycle: ClassVar[str] = "appeal_no_cycle"

    examinee: CycleExaminee = field(init=False)
    appeal: Appeal = field(init=False)  # not in the database until something is kept (``touch``)
    result: Result = field(init=False)  # the released result it disputes
    closes: datetime = field(init=False)  # the end of the appeal window

    @classmethod
    def resolve(cls, context: FlowContext, incoming: Incoming) -> Self:
        """The sender's appeal as a draft they may write now; Refused with the reason when they may not
        (``Lodged`` when it is already submitted). Writes nothing."""
        draft = super().resolve(context, incoming)
        examinee = cycle_store.current_examinee(draft.session, draft.member.id)
        if examinee is None or examinee.cycle_id != draft.cycle.id:
            raise Refused(cls.no_cycle, reason="not an examinee of the current cycle")
        existing = store.appeal_of(draft.session, examinee.id)
        if existing is not None and existing.status != AppealStatus.DRAFT:
            raise Lodged(examinee, existing)
        closes, released = window_closes(draft.cycle, draft.scheme), draft.cycle.released_at
        if closes is None or released is None or released > draft.now:
            raise Refused("appeal_not_released", days=draft.scheme.appeals.window_days)
        result = released_result(draft.session, examinee)
        if result is None:
            raise Refused("appeal_no_result")
        if draft.now >= closes:
            raise Refused("appeal_window_closed", closed=draft.local(closes))
        ensure_writable(draft.cycle, draft.now)
        draft.examinee, draft.result, draft.closes = examinee, result, closes
        draft.appeal = existing or Appeal(
            examinee_id=examinee.id,
            created_at=draft.now,
            updated_at=draft.now,
        )
        return draft

    def wait_for(self, awaiting: str | None, then: str = "next") -> None:
        """Wait for a typed ``awaiting`` (the reason or evidence), then go on to ``then``."""
        self.remember(awaiting=awaiting, then=then)

    def touch(self) -> None:
        """Keep the draft as it now stands."""
        self.appeal.updated_at = self.now
        self.session.add(self.appeal)
        self.session.flush()

    def evidence(self) -> list[AppealEvidence]:
        return [] if self.appeal.id is None else store.evidence(self.session, self.appeal.id)

    @property
    def written(self) -> bool:
        """It says what it disputes and why: it can be reviewed, given evidence and submitted."""
        return self.appeal.disputed is not None and self.appeal.reason is not None


def appeal_button(cycle: Cycle, locale: str) -> Button:
    """The button a released result carries: it starts (or resumes) the examinee's appeal."""
    return Button(render(locale, "appeal_button"), AppealPress(cycle.id, AppealAction.NEW))


# Entry points


def start(context: FlowContext, incoming: Incoming) -> list[Action]:
    """``/appeal``: the examinee's appeal wherever it stands."""
    try:
        draft = Draft.resolve(context, incoming)
    except Lodged as lodged:
        return _submitted_view(context, context.locale(incoming), lodged)
    return [*live_screen(FLOW, _next(draft), edit=False)]


@ends_when_refused
def on_input(context: FlowContext, incoming: Incoming, state: dict) -> list[Action]:
    """A typed reason, or a piece of evidence, while the conversation waits for one."""
    draft = Draft.resolve(context, incoming)
    awaiting = state.get("awaiting")
    if state.get("cycle") != draft.cycle.id or awaiting not in ("reason", "evidence"):
        raise Refused("appeal_stale", reason=f"the appeal does not wait for {awaiting!r}")
    if awaiting == "evidence":
        return [*live_screen(FLOW, _take_evidence(draft, incoming))]
    if incoming.content is not Content.TEXT:
        return [Reply(draft.text("appeal_text_only"))]
    reason = incoming.text.strip()
    if not REASON_MIN <= len(reason) <= TEXT_MAX:
        refusal = Refused("appeal_bad_reason", min=REASON_MIN, max=TEXT_MAX, length=len(reason))
        raise refusal.repeating(asked_again(FLOW, _reason_prompt(draft)))
    draft.appeal.reason = reason
    draft.touch()
    if state.get("then") == "review":
        return [*live_screen(FLOW, _review(draft, prefix=draft.text("appeal_saved")))]
    return [*live_screen(FLOW, _ask_evidence(draft, prefix=draft.text("appeal_saved")))]


def on_press(context: FlowContext, incoming: Incoming, press: AppealPress) -> list[Action]:
    """A press of one of the appeal form's buttons; what it disputes only with DISPUTE."""
    if (press.disputed is not None) != (press.action is AppealAction.DISPUTE):
        raise Refused("appeal_stale", reason=f"{press.action} with disputed {press.disputed!r}")
    if press.action is AppealAction.NEW:
        return start(context, incoming)
    ensure_live(context, incoming, FLOW)
    return [*live_screen(FLOW, _STEPS[press.action](Draft.resolve(context, incoming), press))]


def _button(
    draft: Draft, label: str, action: AppealAction, disputed: Disputed | None = None, key: str | None = None
) -> Button:
    return draft.button(label, AppealPress(draft.cycle.id, action, disputed, key))


def _labelled(draft: Draft, label_key: str, action: AppealAction) -> Button:
    return _button(draft, draft.text(label_key), action)


def _submitted_view(context: FlowContext, locale: str, lodged: Lodged) -> list[Action]:
    """An appeal already submitted: the form, where it stands, the decision once made, and that
    there is no second appeal."""
    examinee, appeal = lodged.examinee, lodged.appeal
    text = appeal_text(context, locale, examinee, appeal)
    if appeal.status == AppealStatus.DECIDED:
        cycle = context.session.get(Cycle, examinee.cycle_id)
        assert cycle is not None  # foreign key
        text += "\n\n" + decision_text(context, locale, examinee, appeal, scheme_of(cycle))
    return [Reply(text + "\n\n" + render(locale, lodged.key, **lodged.params))]


# Steps


def _next(draft: Draft, prefix: str = "") -> list[Reply]:
    """The first thing the draft lacks: what is disputed, the reason; else the review."""
    if draft.appeal.disputed is None:
        return _dispute_screen(draft, prefix)
    if draft.appeal.reason is None:
        draft.wait_for("reason")
        return [Reply(_joined(prefix, _reason_prompt(draft).text))]
    return _review(draft, prefix)


def _reason_prompt(draft: Draft) -> Reply:
    return Reply(draft.text("appeal_ask_reason", min=REASON_MIN, max=TEXT_MAX))


def _written(step: Step) -> Step:
    """A step for a written draft; an unwritten one goes on from where it stands."""
    return lambda draft, press: step(draft, press) if draft.written else _next(draft)


def _joined(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)


def _dispute_screen(draft: Draft, prefix: str = "") -> list[Reply]:
    draft.wait_for(None)
    intro = draft.text("appeal_intro", cycle=draft.cycle.name, closes=draft.local(draft.closes))
    text = _joined(
        prefix,
        intro,
        result_text(draft.result, draft.scheme, draft.locale),
        draft.text("appeal_ask_disputed"),
    )
    dispute = AppealAction.DISPUTE
    rows = [(_button(draft, draft.text("appeal_dispute_grade"), dispute, Disputed.GRADE),)]
    rows += [
        (_button(draft, dimension.name.for_locale(draft.locale), dispute, Disputed.DIMENSION, dimension.key),)
        for dimension in draft.scheme.rubric.dimensions
    ]
    rows.append((_labelled(draft, "appeal_dispute_item", AppealAction.ITEMS),))
    return [Reply(text, tuple(rows))]


def _item_screen(draft: Draft, _: AppealPress) -> list[Reply]:
    buttons = [
        _button(draft, item.name.for_locale(draft.locale), AppealAction.DISPUTE, Disputed.ITEM, item.key)
        for item in draft.scheme.rubric.items
    ]
    rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    return [Reply(draft.text("appeal_ask_item"), tuple(rows))]


def _choose(draft: Draft, press: AppealPress) -> list[Reply]:
    assert press.disputed is not None  # on_press: DISPUTE names what
    if not _known(draft.scheme, press.disputed, press.key):
        raise Refused("appeal_stale", reason=f"nothing to dispute as {press.disputed} {press.key!r}")
    draft.appeal.disputed, draft.appeal.disputed_key = press.disputed, press.key
    draft.touch()
    return _next(draft)


def _known(scheme: Scheme, kind: Disputed, key: str | None) -> bool:
    if kind == Disputed.GRADE:
        return key is None
    if kind == Disputed.DIMENSION:
        return key in {d.key for d in scheme.rubric.dimensions}
    return key in {item.key for item in scheme.rubric.items}


def _ask_evidence(draft: Draft, prefix: str = "") -> list[Reply]:
    draft.wait_for("evidence")
    return [_evidence_prompt(draft, prefix)]


def _evidence_prompt(draft: Draft, prefix: str = "") -> Reply:
    text = draft.text("appeal_ask_evidence", max=EVIDENCE_MAX, count=len(draft.evidence()))
    return Reply(_joined(prefix, text), _done(draft))


def _evidence_refused(draft: Draft, refusal: Refused) -> Refused:
    """A piece of evidence refused, with the request for evidence made again."""
    return refusal.repeating(asked_again(FLOW, _evidence_prompt(draft)))


def _take_evidence(draft: Draft, incoming: Incoming) -> list[Reply]:
    kind = _EVIDENCE_KINDS.get(incoming.content)
    count = len(draft.evidence())
    text = incoming.text.strip()
    if kind is None or (kind != EvidenceKind.TEXT and not incoming.file_id):
        raise _evidence_refused(draft, Refused("appeal_evidence_kinds"))
    if count >= EVIDENCE_MAX:
        raise _evidence_refused(draft, Refused("appeal_evidence_full", max=EVIDENCE_MAX))
    if (kind == EvidenceKind.TEXT and not text) or len(text) > TEXT_MAX:
        raise _evidence_refused(draft, Refused("appeal_bad_evidence_text", max=TEXT_MAX))
    draft.touch()
    store.add_evidence(
        draft.session,
        AppealEvidence(
            appeal_id=draft.appeal.id,
            kind=kind,
            text=text,
            file_id=incoming.file_id,
            file_unique_id=incoming.file_unique_id,
            added_at=draft.now,
        ),
    )
    received = draft.text("appeal_evidence_received", number=count + 1, max=EVIDENCE_MAX)
    return [Reply(received, _done(draft))]  # in place of the question: send more, or done


def _done(draft: Draft) -> tuple[tuple[Button, ...], ...]:
    return ((_labelled(draft, "appeal_evidence_done", AppealAction.EVIDENCE_DONE),),)


def _review(draft: Draft, prefix: str = "") -> list[Reply]:
    draft.wait_for(None)
    if not draft.written:
        return _next(draft, prefix)
    form = appeal_text(draft.context, draft.locale, draft.examinee, draft.appeal)
    footer = draft.text("appeal_review_footer", closes=draft.local(draft.closes))
    buttons = (
        (
            _labelled(draft, "appeal_edit_disputed", AppealAction.EDIT_DISPUTED),
            _labelled(draft, "appeal_edit_reason", AppealAction.EDIT_REASON),
        ),
        (
            _labelled(draft, "appeal_add_evidence", AppealAction.EVIDENCE),
            _labelled(draft, "appeal_clear_evidence", AppealAction.EVIDENCE_CLEAR),
        ),
        (_labelled(draft, "appeal_submit", AppealAction.SUBMIT),),
    )
    return [Reply(_joined(prefix, form, footer), buttons)]


def _edit_reason(draft: Draft, _: AppealPress) -> list[Reply]:
    draft.wait_for("reason", then="review")
    current = draft.appeal.reason
    prompt = Reply(draft.text("appeal_ask_reason", min=REASON_MIN, max=TEXT_MAX))
    return [prompt, Reply.typed(current)] if current else [prompt]


def _clear_evidence(draft: Draft, _: AppealPress) -> list[Reply]:
    store.clear_evidence(draft.session, draft.appeal.id)
    draft.touch()
    return _review(draft, prefix=draft.text("appeal_evidence_cleared"))


def _ask_submit(draft: Draft, _: AppealPress) -> list[Reply]:
    confirm = _labelled(draft, "appeal_confirm_yes", AppealAction.CONFIRM)
    back = _labelled(draft, "appeal_confirm_no", AppealAction.REVIEW)
    return [Reply(draft.text("appeal_confirm"), ((confirm, back),))]


def _submit(draft: Draft, _: AppealPress) -> list[Reply]:
    session, now, appeal = draft.session, draft.now, draft.appeal
    appeal.status, appeal.submitted_at, appeal.updated_at = AppealStatus.SUBMITTED, now, now
    session.add(appeal)
    draft.forget()
    pieces = draft.evidence()
    record(
        session,
        appeal,
        "appeal.submit",
        draft.member,
        now,
        after={
            "cycle": draft.cycle.name,
            "disputed": str(appeal.disputed),
            "disputed_key": appeal.disputed_key,
            "evidence": len(pieces),
        },
        reason=appeal.reason,
    )
    due = draft.local(report_due(appeal, draft.scheme))
    notify(
        draft.context,
        Notice(Kind.APPEAL_SUBMITTED, draft.cycle.id, about_id=appeal.id),
        [member.id for member in receivers(session, draft.examinee)],
        rendered("appeal_submitted_notice", cycle=draft.cycle.name, name=draft.examinee.name, due=due),
    )
    days = draft.scheme.appeals.decide_within_days
    return [Reply(draft.text("appeal_submitted", at=draft.local(now), due=due, days=days))]


Step = Callable[[Draft, AppealPress], list[Reply]]

_STEPS: dict[AppealAction, Step] = {
    AppealAction.DISPUTE: _choose,
    AppealAction.ITEMS: _item_screen,
    AppealAction.EVIDENCE: _written(lambda draft, _: _ask_evidence(draft)),
    AppealAction.EVIDENCE_DONE: lambda draft, _: _review(draft),
    AppealAction.EVIDENCE_CLEAR: _written(_clear_evidence),
    AppealAction.EDIT_DISPUTED: lambda draft, _: _dispute_screen(draft),
    AppealAction.EDIT_REASON: _written(_edit_reason),
    AppealAction.SUBMIT: _written(_ask_submit),
    AppealAction.CONFIRM: _written(_submit),
    AppealAction.REVIEW: lambda draft, _: _review(draft),
}
