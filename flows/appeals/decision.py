"""The committee's decision on an appeal (处理意见, 最终裁定).

A committee member who may decide (``flows.rules.access.can_decide_appeal``: not the examinee, not their
scorer) chooses to uphold the result or to change it: new scores for any items, or a new grade;
then writes the reasons, sees the whole decision and confirms. The decision is final: it goes
privately to the examinee through the outbox, marked 最终裁定, and is audited with the result
before and after. The decision in progress is kept in the conversation's saved state, so it
survives a restart. Buttons carry ``ad:<cycle id>:<action>:<appeal id>[:<argument>]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup

from flows.appeals.common import Desk, desk_of, notify, pressed, record
from flows.appeals.result import (
    Result,
    decided_result,
    decision_text,
    grade_name,
    released_result,
    result_text,
)
from flows.rules.access import can_decide_appeal
from flows.rules.cycles import ensure_writable, scheme_of
from flows.rules.grading import InvalidScore, check_item_score
from flows.rules.scheme import Scheme
from flows.ui.chat import Action, Button, Content, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from storage import appeals as store
from storage import cycles as cycle_store
from storage.appeal_models import Appeal, AppealChange, AppealStatus, Outcome
from storage.cycle_models import CycleExaminee

FLOW = "appeal_decision"
PREFIX = "ad"
REASON_MIN, REASON_MAX = 10, 1500


@dataclass
class Decision:
    """A decision being written: the appeal, its released result, and the choices saved so far."""

    desk: Desk
    appeal: Appeal
    examinee: CycleExaminee
    scheme: Scheme
    released: Result
    state: dict

    @property
    def outcome(self) -> Outcome | None:
        return Outcome(self.state["outcome"]) if self.state.get("outcome") else None

    @property
    def new_scores(self) -> dict[str, Decimal]:
        return {key: Decimal(value) for key, value in self.state.get("scores", {}).items()}

    def result(self) -> Result:
        return decided_result(self.released, self.new_scores, self.state.get("grade"), self.scheme)

    def save(self, **changes: object) -> None:
        self.state = {**self.state, **changes}
        self.desk.remember(FLOW, **{k: v for k, v in self.state.items() if k != "cycle"})

    def button(self, label_key: str, action: str, *args: object, **params: object) -> Button:
        return self.desk.button(PREFIX, label_key, action, self.appeal.id, *args, **params)


# Entry points


def on_button(context: FlowContext, incoming: Incoming) -> list[Action]:
    desk = desk_of(context, incoming)
    if isinstance(desk, list):
        return desk
    arguments = pressed(desk, incoming)
    if arguments is None or len(arguments) < 2 or arguments[0] not in _BUTTONS:
        return desk.refuse()
    fresh = arguments[0] == "start"
    decision = _decision(desk, arguments[1], fresh=fresh)
    if isinstance(decision, list):
        return decision
    return _BUTTONS[arguments[0]](decision, arguments[2:])


def on_input(context: FlowContext, incoming: Incoming, state: dict) -> list[Action]:
    """A typed item score or the reasons."""
    desk = desk_of(context, incoming)
    if isinstance(desk, list):
        return desk
    decision = _decision(desk, state.get("appeal"), fresh=False)
    if isinstance(decision, list):
        desk.forget()
        return decision
    if incoming.content is not Content.TEXT:
        return [Reply(desk.text("appeal_text_only"))]
    awaiting, text = str(decision.state.get("awaiting") or ""), incoming.text.strip()
    if awaiting.startswith("item:"):
        return _take_score(decision, awaiting.removeprefix("item:"), text)
    if awaiting == "reason":
        return _take_reason(decision, text)
    return [Reply(desk.text("appeal_stale"))]


def _decision(desk: Desk, appeal_id: object, *, fresh: bool) -> Decision | list[Action]:
    """The decision on an escalated appeal the reader may decide; its saved choices unless ``fresh``."""
    case = desk.case(appeal_id)
    if case is None or not can_decide_appeal(desk.member, case[1]):
        return desk.refuse()
    appeal, examinee = case
    if appeal.status != AppealStatus.ESCALATED:
        return desk.refuse(
            "appeal_already_decided" if appeal.status == AppealStatus.DECIDED else "appeal_stale"
        )
    scheme = scheme_of(desk.cycle)
    released = released_result(desk.context.session, examinee)
    if released is None:
        return desk.refuse("appeal_no_result")
    row = None if fresh else _saved_state(desk)
    state = row if row is not None and row.get("appeal") == appeal.id else {"appeal": appeal.id}
    return Decision(desk, appeal, examinee, scheme, released, state)


def _saved_state(desk: Desk) -> dict | None:
    row = cycle_store.conversation(desk.context.session, desk.user)
    return dict(row.state) if row is not None and row.flow == FLOW else None


# Screens


def _choose(decision: Decision, _: list[str]) -> list[Action]:
    decision.save(outcome=None, scores={}, grade=None, awaiting=None, reason=None)
    desk = decision.desk
    text = desk.text(
        "appeal_decide_intro",
        name=decision.examinee.name,
        result=Markup(result_text(decision.released, decision.scheme, desk.locale)),
    )
    buttons = ((decision.button("appeal_uphold", "up"), decision.button("appeal_change", "ch")),)
    return [Reply(text, buttons)]


def _uphold(decision: Decision, _: list[str]) -> list[Action]:
    decision.save(outcome=Outcome.UPHELD.value, scores={}, grade=None)
    return _ask_reason(decision)


def _change_screen(decision: Decision, _: list[str] | None = None) -> list[Action]:
    if decision.outcome != Outcome.CHANGED:
        decision.save(outcome=Outcome.CHANGED.value, scores={}, grade=None)
    decision.save(awaiting=None)
    desk, result = decision.desk, decision.result()
    text = desk.text("appeal_change_screen", result=Markup(result_text(result, decision.scheme, desk.locale)))
    items = [
        decision.button("appeal_change_item", "it", item.key, item=item.name.for_locale(desk.locale))
        for item in decision.scheme.rubric.items
    ]
    rows = [tuple(items[i : i + 2]) for i in range(0, len(items), 2)]
    rows.append((decision.button("appeal_change_grade", "gr"),))
    if decision.new_scores or decision.state.get("grade"):
        rows.append((decision.button("appeal_write_reason", "why"),))
    return [Reply(text, tuple(rows))]


def _ask_item(decision: Decision, arguments: list[str]) -> list[Action]:
    key = arguments[0] if arguments else ""
    if decision.outcome != Outcome.CHANGED or key not in {i.key for i in decision.scheme.rubric.items}:
        return decision.desk.refuse()
    decision.save(awaiting=f"item:{key}")
    item = decision.scheme.rubric.item(key)
    text = decision.desk.text(
        "appeal_ask_item_score",
        item=item.name.for_locale(decision.desk.locale),
        points=decision.released.scores.get(key, "—"),
        max=item.points,
    )
    return [Reply(text)]


def _take_score(decision: Decision, key: str, text: str) -> list[Action]:
    if decision.outcome != Outcome.CHANGED or key not in {i.key for i in decision.scheme.rubric.items}:
        return [Reply(decision.desk.text("appeal_stale"))]
    item = decision.scheme.rubric.item(key)
    points = check_item_score(text, item, decision.scheme)
    if isinstance(points, InvalidScore):
        return [Reply(decision.desk.text("appeal_bad_score", max=item.points, value=text[:20]))]
    decision.save(scores={**decision.state.get("scores", {}), key: str(points)})
    return _change_screen(decision)


def _grades(decision: Decision, _: list[str]) -> list[Action]:
    if decision.outcome != Outcome.CHANGED:
        return decision.desk.refuse()
    locale = decision.desk.locale
    buttons = [
        Button(grade_name(grade.key, decision.scheme, locale), _data(decision, "g", grade.key))
        for grade in decision.scheme.grades
    ]
    rows = [tuple(buttons), (decision.button("appeal_grade_from_total", "g", "-"),)]
    return [Reply(decision.desk.text("appeal_ask_grade"), tuple(rows))]


def _data(decision: Decision, action: str, *args: object) -> str:
    return ":".join(str(p) for p in (PREFIX, decision.desk.cycle.id, action, decision.appeal.id, *args))


def _set_grade(decision: Decision, arguments: list[str]) -> list[Action]:
    grade = arguments[0] if arguments else ""
    if decision.outcome != Outcome.CHANGED or grade not in (*decision.scheme.grade_keys, "-"):
        return decision.desk.refuse()
    decision.save(grade=None if grade == "-" else grade)
    return _change_screen(decision)


def _ask_reason(decision: Decision, _: list[str] | None = None) -> list[Action]:
    if decision.outcome is None:
        return _choose(decision, [])
    if decision.outcome == Outcome.CHANGED and not (decision.new_scores or decision.state.get("grade")):
        return _change_screen(decision)  # a change that changes nothing is not one
    decision.save(awaiting="reason")
    return [Reply(decision.desk.text("appeal_ask_decision_reason", min=REASON_MIN, max=REASON_MAX))]


def _take_reason(decision: Decision, reason: str) -> list[Action]:
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        return [
            Reply(decision.desk.text("appeal_bad_reason", min=REASON_MIN, max=REASON_MAX, length=len(reason)))
        ]
    decision.save(reason=reason, awaiting=None)
    return _confirm_screen(decision)


def _confirm_screen(decision: Decision) -> list[Action]:
    desk, changed = decision.desk, decision.outcome == Outcome.CHANGED
    text = desk.text(
        "appeal_decision_confirm",
        name=decision.examinee.name,
        changed=changed,
        result=Markup(result_text(decision.result(), decision.scheme, desk.locale)),
        reason=decision.state.get("reason", ""),
    )
    back = decision.button("appeal_decision_edit", "ch" if changed else "up")
    return [Reply(text, ((decision.button("appeal_decision_ok", "ok"), back),))]


def _decide(decision: Decision, _: list[str]) -> list[Action]:
    if decision.outcome is None or not decision.state.get("reason"):
        return _choose(decision, [])
    desk, appeal, session, now = (
        decision.desk,
        decision.appeal,
        decision.desk.context.session,
        decision.desk.context.now,
    )
    ensure_writable(desk.cycle, now)
    changed = decision.outcome == Outcome.CHANGED
    after = decision.result() if changed else decision.released
    appeal.status, appeal.decided_at, appeal.updated_at = AppealStatus.DECIDED, now, now
    appeal.decided_by_member_id, appeal.outcome = desk.member.id, decision.outcome
    appeal.decision_reason = decision.state["reason"]
    appeal.new_grade = decision.state.get("grade") if changed else None
    session.add(appeal)
    store.add_changes(
        session,
        (
            AppealChange(
                appeal_id=appeal.id, item=key, before=decision.released.scores.get(key), after=points
            )  # type: ignore[arg-type]
            for key, points in (decision.new_scores if changed else {}).items()
        ),
    )
    record(
        session,
        appeal,
        "appeal.decide",
        desk.member,
        now,
        before=_audited(decision.released),
        after={"outcome": decision.outcome.value, **_audited(after)},
        reason=appeal.decision_reason,
    )
    _tell_examinee(decision)
    desk.forget()
    return [Reply(desk.text("appeal_decided", name=decision.examinee.name), edit=True)]


def _audited(result: Result) -> dict[str, object]:
    return {
        "total": str(result.total),
        "grade": result.grade,
        "scores": {key: str(points) for key, points in result.scores.items()},
    }


def _tell_examinee(decision: Decision) -> None:
    """The final decision, privately to the examinee."""
    desk, session = decision.desk, decision.desk.context.session
    examinee = store.members(session, [decision.examinee.member_id]).values()
    notify(
        session,
        examinee,
        key=f"appeal:{decision.appeal.id}:decided",
        text=lambda locale: (
            render(locale, "appeal_decided_notice", cycle=desk.cycle.name)
            + "\n\n"
            + decision_text(desk.context, locale, decision.examinee, decision.appeal, decision.scheme)
        ),
        now=desk.context.now,
        default_locale=desk.context.default_locale,
    )


_BUTTONS: dict[str, Callable[[Decision, list[str]], list[Action]]] = {
    "start": _choose,
    "up": _uphold,
    "ch": _change_screen,
    "it": _ask_item,
    "gr": _grades,
    "g": _set_grade,
    "why": _ask_reason,
    "ok": _decide,
}
