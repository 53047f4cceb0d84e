"""The examinee's appeal (申诉, form 附表六), behind ``/appeal`` or the appeal button of a released result.

Within the appeal window after release (the scheme's ``window_days``), the examinee sees their
result, says what they dispute (the grade, a dimension or one item), why, and may add evidence:
texts, photos or documents, kept by their Telegram file ids. They review the form, edit any part,
and submit after confirming; it then goes to the organisation department (组织部) and the teachers.
One appeal per examinee per cycle: once submitted it cannot be changed, and a new one is refused
with the reason (already appealed, decided, or the window closed).

Everything is saved before the reply and where the examinee stands is derived from what is saved,
so ``/appeal`` resumes a draft at any time. Buttons carry ``a:<cycle id>:<action>[:<argument>]``
and are checked against the presser's own appeal and its state on every press.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flows.appeals.common import appeal_text, notify, reader_of, receivers, record, report_due, window_closes
from flows.appeals.result import Result, decision_text, released_result, result_text
from flows.rules.access import Reader
from flows.rules.cycles import ensure_writable, scheme_of
from flows.rules.scheme import Scheme
from flows.ui.chat import Action, Button, Content, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from storage import appeals as store
from storage import cycles as cycle_store
from storage.appeal_models import Appeal, AppealEvidence, AppealStatus, Disputed, EvidenceKind
from storage.cycle_models import Cycle, CycleExaminee

FLOW = "appeal"
PREFIX = "a"
REASON_MIN, TEXT_MAX = 10, 1500
EVIDENCE_MAX = 10
_EVIDENCE_KINDS = {
    Content.TEXT: EvidenceKind.TEXT,
    Content.PHOTO: EvidenceKind.PHOTO,
    Content.DOCUMENT: EvidenceKind.DOCUMENT,
}


@dataclass
class Draft:
    """An examinee's appeal while they write it, with what every step needs."""

    context: FlowContext
    locale: str
    reader: Reader
    user: int  # the examinee's Telegram account
    cycle: Cycle
    scheme: Scheme
    examinee: CycleExaminee
    appeal: Appeal
    result: Result
    closes: datetime  # the end of the appeal window

    def text(self, key: str, **params: object) -> str:
        return render(self.locale, key, **params)

    def button(self, label_key: str, action: str, **params: object) -> Button:
        return Button(self.text(label_key, **params), f"{PREFIX}:{self.cycle.id}:{action}")

    def remember(self, awaiting: str | None, then: str = "next") -> None:
        state = {"cycle": self.cycle.id, "awaiting": awaiting, "then": then}
        cycle_store.set_conversation(self.context.session, self.user, FLOW, state, self.context.now)

    def touch(self) -> None:
        self.appeal.updated_at = self.context.now
        self.context.session.add(self.appeal)

    def evidence(self) -> list[AppealEvidence]:
        return store.evidence(self.context.session, self.appeal.id)  # type: ignore[arg-type]


def appeal_button(cycle: Cycle, locale: str) -> Button:
    """The button a released result carries: it starts (or resumes) the examinee's appeal."""
    return Button(render(locale, "appeal_button"), f"{PREFIX}:{cycle.id}:new")


# Entry points


def start(context: FlowContext, incoming: Incoming) -> list[Action]:
    """``/appeal``: the examinee's appeal wherever it stands."""
    draft = _draft(context, incoming)
    if isinstance(draft, list):
        return draft
    return _next(draft)


def on_input(context: FlowContext, incoming: Incoming, state: dict) -> list[Action]:
    """A typed reason, or a piece of evidence, while the conversation waits for one."""
    draft = _draft(context, incoming)
    if isinstance(draft, list):
        return draft
    awaiting = state.get("awaiting")
    if state.get("cycle") != draft.cycle.id or awaiting not in ("reason", "evidence"):
        cycle_store.end_conversation(context.session, incoming.telegram_user_id)
        return [Reply(draft.text("appeal_stale"))]
    if awaiting == "evidence":
        return _take_evidence(draft, incoming)
    if incoming.content is not Content.TEXT:
        return [Reply(draft.text("appeal_text_only"))]
    reason = incoming.text.strip()
    if not REASON_MIN <= len(reason) <= TEXT_MAX:
        return [Reply(draft.text("appeal_bad_reason", min=REASON_MIN, max=TEXT_MAX, length=len(reason)))]
    draft.appeal.reason = reason
    draft.touch()
    if state.get("then") == "review":
        return _review(draft, prefix=draft.text("appeal_saved"))
    return _ask_evidence(draft, prefix=draft.text("appeal_saved"))


def on_button(context: FlowContext, incoming: Incoming) -> list[Action]:
    """A press of one of the appeal form's buttons."""
    parts = incoming.text.split(":")
    draft = _draft(context, incoming)
    if isinstance(draft, list):
        return draft
    handler = _BUTTONS.get(parts[2]) if len(parts) >= 3 and parts[1] == str(draft.cycle.id) else None
    if handler is None:
        return [Reply(draft.text("appeal_stale"), notice=draft.text("appeal_stale"))]
    return handler(draft, parts[3:])


# Loading the draft, or saying why there is none


def _draft(context: FlowContext, incoming: Incoming) -> Draft | list[Action]:
    """The presser's appeal as a draft they may write, or the replies that say why not."""
    locale = context.locale(incoming)
    reader = reader_of(context.session, incoming.telegram_user_id)
    if reader is None:
        return [Reply(render(locale, "appeal_not_member"))]
    examinee = cycle_store.current_examinee(context.session, reader.member.id)  # type: ignore[arg-type]
    if examinee is None:
        return [Reply(render(locale, "appeal_no_cycle"))]
    cycle = context.session.get(Cycle, examinee.cycle_id)
    assert cycle is not None  # foreign key
    scheme = scheme_of(cycle)
    closes = window_closes(cycle, scheme)
    existing = store.appeal_of(context.session, examinee.id)  # type: ignore[arg-type]
    if existing is not None and existing.status != AppealStatus.DRAFT:
        cycle_store.end_conversation(context.session, incoming.telegram_user_id)
        return _submitted_view(context, locale, examinee, existing, scheme)
    if closes is None or cycle.released_at > context.now:  # type: ignore[operator]
        return [Reply(render(locale, "appeal_not_released", days=scheme.appeals.window_days))]
    result = released_result(context.session, examinee)
    if result is None:
        return [Reply(render(locale, "appeal_no_result"))]
    if context.now >= closes:
        cycle_store.end_conversation(context.session, incoming.telegram_user_id)
        return [Reply(render(locale, "appeal_window_closed", closed=context.local_time(closes)))]
    ensure_writable(cycle, context.now)
    appeal = store.start(context.session, examinee.id, context.now)  # type: ignore[arg-type]
    return Draft(
        context, locale, reader, incoming.telegram_user_id, cycle, scheme, examinee, appeal, result, closes
    )


def _submitted_view(
    context: FlowContext, locale: str, examinee: CycleExaminee, appeal: Appeal, scheme: Scheme
) -> list[Action]:
    """An appeal already submitted: the form, where it stands, the decision once made, and that
    there is no second appeal."""
    text = appeal_text(context, locale, examinee, appeal)
    if appeal.status == AppealStatus.DECIDED:
        text += "\n\n" + decision_text(context, locale, examinee, appeal, scheme)
    return [
        Reply(
            text + "\n\n" + render(locale, "appeal_one_only", decided=appeal.status == AppealStatus.DECIDED)
        )
    ]


# Steps


def _next(draft: Draft, prefix: str = "") -> list[Action]:
    """The first thing the draft lacks: what is disputed, the reason; else the review."""
    if draft.appeal.disputed is None:
        return _dispute_screen(draft, prefix)
    if draft.appeal.reason is None:
        draft.remember("reason")
        return [Reply(_joined(prefix, draft.text("appeal_ask_reason", min=REASON_MIN, max=TEXT_MAX)))]
    return _review(draft, prefix)


def _joined(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)


def _dispute_screen(draft: Draft, prefix: str = "") -> list[Action]:
    draft.remember(None)
    intro = draft.text("appeal_intro", cycle=draft.cycle.name, closes=draft.context.local_time(draft.closes))
    text = _joined(
        prefix,
        intro,
        result_text(draft.result, draft.scheme, draft.locale),
        draft.text("appeal_ask_disputed"),
    )
    rows = [(draft.button("appeal_dispute_grade", "d:grade"),)]
    rows += [
        (
            Button(
                dimension.name.for_locale(draft.locale),
                f"{PREFIX}:{draft.cycle.id}:d:dimension:{dimension.key}",
            ),
        )
        for dimension in draft.scheme.rubric.dimensions
    ]
    rows.append((draft.button("appeal_dispute_item", "items"),))
    return [Reply(text, tuple(rows))]


def _item_screen(draft: Draft, _: list[str]) -> list[Action]:
    buttons = [
        Button(item.name.for_locale(draft.locale), f"{PREFIX}:{draft.cycle.id}:d:item:{item.key}")
        for item in draft.scheme.rubric.items
    ]
    rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    return [Reply(draft.text("appeal_ask_item"), tuple(rows))]


def _choose(draft: Draft, arguments: list[str]) -> list[Action]:
    kind, key = [*arguments, ""][:2]
    if kind not in {d.value for d in Disputed} or not _known(draft.scheme, Disputed(kind), key):
        return [Reply(draft.text("appeal_stale"), notice=draft.text("appeal_stale"))]
    draft.appeal.disputed = Disputed(kind)
    draft.appeal.disputed_key = key or None
    draft.touch()
    return _next(draft)


def _known(scheme: Scheme, kind: Disputed, key: str) -> bool:
    if kind == Disputed.GRADE:
        return not key
    if kind == Disputed.DIMENSION:
        return key in {d.key for d in scheme.rubric.dimensions}
    return key in {item.key for item in scheme.rubric.items}


def _ask_evidence(draft: Draft, prefix: str = "") -> list[Action]:
    draft.remember("evidence")
    text = draft.text("appeal_ask_evidence", max=EVIDENCE_MAX, count=len(draft.evidence()))
    return [Reply(_joined(prefix, text), _done(draft))]


def _take_evidence(draft: Draft, incoming: Incoming) -> list[Action]:
    kind = _EVIDENCE_KINDS.get(incoming.content)
    if kind is None or (kind != EvidenceKind.TEXT and not incoming.file_id):
        return [Reply(draft.text("appeal_evidence_kinds"), _done(draft))]
    count = len(draft.evidence())
    if count >= EVIDENCE_MAX:
        return [Reply(draft.text("appeal_evidence_full", max=EVIDENCE_MAX), _done(draft))]
    text = incoming.text.strip()
    if (kind == EvidenceKind.TEXT and not text) or len(text) > TEXT_MAX:
        return [Reply(draft.text("appeal_bad_evidence_text", max=TEXT_MAX), _done(draft))]
    store.add_evidence(
        draft.context.session,
        AppealEvidence(
            appeal_id=draft.appeal.id,  # type: ignore[arg-type]
            kind=kind,
            text=text,
            file_id=incoming.file_id,
            file_unique_id=incoming.file_unique_id,
            added_at=draft.context.now,
        ),
    )
    draft.touch()
    received = draft.text("appeal_evidence_received", number=count + 1, max=EVIDENCE_MAX)
    return [Reply(received, _done(draft))]


def _done(draft: Draft) -> tuple[tuple[Button, ...], ...]:
    return ((draft.button("appeal_evidence_done", "ev_done"),),)


def _review(draft: Draft, prefix: str = "") -> list[Action]:
    draft.remember(None)
    if draft.appeal.disputed is None or draft.appeal.reason is None:
        return _next(draft, prefix)
    form = appeal_text(draft.context, draft.locale, draft.examinee, draft.appeal)
    footer = draft.text("appeal_review_footer", closes=draft.context.local_time(draft.closes))
    buttons = (
        (draft.button("appeal_edit_disputed", "d_edit"), draft.button("appeal_edit_reason", "r_edit")),
        (draft.button("appeal_add_evidence", "ev"), draft.button("appeal_clear_evidence", "ev_clear")),
        (draft.button("appeal_submit", "sub"),),
    )
    return [Reply(_joined(prefix, form, footer), buttons)]


def _edit_reason(draft: Draft, _: list[str]) -> list[Action]:
    draft.remember("reason", then="review")
    current = draft.appeal.reason
    prompt = Reply(draft.text("appeal_ask_reason", min=REASON_MIN, max=TEXT_MAX))
    return [prompt, Reply(current)] if current else [prompt]


def _clear_evidence(draft: Draft, _: list[str]) -> list[Action]:
    store.clear_evidence(draft.context.session, draft.appeal.id)  # type: ignore[arg-type]
    draft.touch()
    return _review(draft, prefix=draft.text("appeal_evidence_cleared"))


def _ask_submit(draft: Draft, _: list[str]) -> list[Action]:
    if draft.appeal.disputed is None or draft.appeal.reason is None:
        return _next(draft)
    buttons = ((draft.button("appeal_confirm_yes", "yes"), draft.button("appeal_confirm_no", "rev")),)
    return [Reply(draft.text("appeal_confirm"), buttons)]


def _submit(draft: Draft, _: list[str]) -> list[Action]:
    if draft.appeal.disputed is None or draft.appeal.reason is None:
        return _next(draft)
    session, now, appeal = draft.context.session, draft.context.now, draft.appeal
    appeal.status, appeal.submitted_at, appeal.updated_at = AppealStatus.SUBMITTED, now, now
    session.add(appeal)
    cycle_store.end_conversation(session, draft.user)
    pieces = draft.evidence()
    record(
        session,
        appeal,
        "appeal.submit",
        draft.reader.member,
        now,
        after={
            "cycle": draft.cycle.name,
            "disputed": str(appeal.disputed),
            "disputed_key": appeal.disputed_key,
            "evidence": len(pieces),
        },
        reason=appeal.reason,
    )
    due = draft.context.local_time(report_due(appeal, draft.scheme))
    notify(
        session,
        receivers(session, draft.examinee),
        key=f"appeal:{appeal.id}:submitted",
        text=lambda locale: render(
            locale, "appeal_submitted_notice", cycle=draft.cycle.name, name=draft.examinee.name, due=due
        ),
        now=now,
        default_locale=draft.context.default_locale,
    )
    days = draft.scheme.appeals.decide_within_days
    return [
        Reply(draft.text("appeal_submitted", at=draft.context.local_time(now), due=due, days=days), edit=True)
    ]


Handler = Callable[[Draft, list[str]], list[Action]]

_BUTTONS: dict[str, Handler] = {
    "new": lambda draft, _: _next(draft),
    "d": _choose,
    "items": _item_screen,
    "ev": lambda draft, _: _ask_evidence(draft),
    "ev_done": lambda draft, _: _review(draft),
    "ev_clear": _clear_evidence,
    "d_edit": lambda draft, _: _dispute_screen(draft),
    "r_edit": _edit_reason,
    "sub": _ask_submit,
    "yes": _submit,
    "rev": lambda draft, _: _review(draft),
}
