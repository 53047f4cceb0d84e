"""The committee's decision on an appeal (处理意见, 最终裁定).

A committee member who may decide (``flows.rules.access.can_decide_appeal``: not the examinee, not their
scorer) chooses to uphold the result or to change it: new scores for any items, or a new grade;
then writes the reasons, sees the whole decision and confirms. The decision is final: it goes
privately to the examinee through the outbox, marked 最终裁定, and is audited with the result
before and after. The decision in progress is kept in the conversation's saved state, so it
survives a restart. Its buttons are ``DecisionPress``es, checked on every press. The decision is one
live message (``flows.ui.live``) edited step by step; a refused score or reason is asked again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from markupsafe import Markup

from flows.appeals.common import Desk, ends_when_refused, record, same_cycle
from flows.appeals.presses import FROM_TOTAL, DecisionAction, DecisionPress
from flows.notices.notice import Body, Kind, Notice, notify
from flows.results.result import (
    Result,
    decided_result,
    decision_text,
    grade_name,
    released_result,
    result_text,
)
from flows.rules.access import can_decide_appeal
from flows.rules.cycles import ensure_writable
from flows.rules.grading import InvalidScore, check_item_score
from flows.rules.scheme import Scheme
from flows.ui.chat import Action, Button, Content, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from flows.ui.live import asked_again, ensure_live, shown_live
from flows.ui.refusal import Refused
from storage import appeals as store
from storage.models import Appeal, AppealChange, AppealStatus, CycleExaminee, Outcome

REASON_MIN, REASON_MAX = 10, 1500
KEYED = (DecisionAction.ITEM, DecisionAction.GRADE)  # the steps whose press names an item or a grade


class Decider(Desk):
    """A committee member at the appeals desk deciding an appeal, in a typed conversation."""

    flow: ClassVar[str] = "appeal_decision"


FLOW = Decider.flow


def button(desk: Desk, label: str, action: DecisionAction, appeal: Appeal, key: str | None = None) -> Button:
    """A button for a step of the decision on ``appeal``."""
    return desk.button(label, DecisionPress(desk.cycle.id, action, appeal.id, key))


@dataclass
class Decision:
    """A decision being written: the appeal, its released result, and the choices saved so far."""

    desk: Decider
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
        self.desk.remember(**{k: v for k, v in self.state.items() if k != "cycle"})

    def button(
        self, label_key: str, action: DecisionAction, key: str | None = None, **params: object
    ) -> Button:
        return button(self.desk, self.desk.text(label_key, **params), action, self.appeal, key)


# Entry points


def on_press(context: FlowContext, incoming: Incoming, press: DecisionPress) -> list[Action]:
    """A step of the decision; a press naming an item or a grade only where the step takes one."""
    decider = Decider.resolve(context, incoming)
    if (press.key is not None) != (press.action in KEYED):
        raise Refused("appeal_stale", reason=f"{press.action} with key {press.key!r}")
    if press.action is not DecisionAction.START:
        ensure_live(context, incoming, FLOW)
    decision = _decision(decider, press.appeal, fresh=press.action is DecisionAction.START)
    return shown_live(FLOW, _STEPS[press.action](decision, press.key or ""))


@ends_when_refused
def on_input(context: FlowContext, incoming: Incoming, state: dict) -> list[Action]:
    """A typed item score or the reasons."""
    decider = Decider.resolve(context, incoming)
    same_cycle(decider, state)
    decision = _decision(decider, state["appeal"], fresh=False)
    if incoming.content is not Content.TEXT:
        return [Reply(decider.text("appeal_text_only"))]
    awaiting, text = str(decision.state.get("awaiting") or ""), incoming.text.strip()
    if awaiting.startswith("item:"):
        return shown_live(FLOW, _take_score(decision, awaiting.removeprefix("item:"), text))
    if awaiting == "reason":
        return shown_live(FLOW, _take_reason(decision, text))
    return [Reply(decider.text("appeal_stale"))]


def _decision(decider: Decider, appeal_id: int, *, fresh: bool) -> Decision:
    """The decision on an escalated appeal the reader may decide; its saved choices unless ``fresh``."""
    appeal, examinee = decider.case(appeal_id)
    if not can_decide_appeal(decider.member, examinee):
        raise Refused("appeal_stale", reason=f"may not decide appeal {appeal_id}")
    if appeal.status != AppealStatus.ESCALATED:
        decided = appeal.status == AppealStatus.DECIDED
        raise Refused(
            "appeal_already_decided" if decided else "appeal_stale", reason=f"appeal {appeal.status}"
        )
    released = released_result(decider.session, examinee)
    if released is None:
        raise Refused("appeal_no_result", reason="no released result")
    saved = {} if fresh else decider.position()
    state = saved if saved.get("appeal") == appeal.id else {"appeal": appeal.id}
    return Decision(decider, appeal, examinee, decider.scheme, released, state)


# Screens


def _choose(decision: Decision, _: str = "") -> list[Action]:
    decision.save(outcome=None, scores={}, grade=None, awaiting=None, reason=None)
    desk = decision.desk
    text = desk.text(
        "appeal_decide_intro",
        name=decision.examinee.name,
        result=Markup(result_text(decision.released, decision.scheme, desk.locale)),
    )
    buttons = (
        (
            decision.button("appeal_uphold", DecisionAction.UPHOLD),
            decision.button("appeal_change", DecisionAction.CHANGE),
        ),
    )
    return [Reply(text, buttons)]


def _uphold(decision: Decision, _: str) -> list[Action]:
    decision.save(outcome=Outcome.UPHELD.value, scores={}, grade=None)
    return _ask_reason(decision)


def _change_screen(decision: Decision, _: str = "") -> list[Action]:
    if decision.outcome != Outcome.CHANGED:
        decision.save(outcome=Outcome.CHANGED.value, scores={}, grade=None)
    decision.save(awaiting=None)
    desk, result = decision.desk, decision.result()
    text = desk.text("appeal_change_screen", result=Markup(result_text(result, decision.scheme, desk.locale)))
    items = [
        decision.button(
            "appeal_change_item", DecisionAction.ITEM, item.key, item=item.name.for_locale(desk.locale)
        )
        for item in decision.scheme.rubric.items
    ]
    rows = [tuple(items[i : i + 2]) for i in range(0, len(items), 2)]
    rows.append((decision.button("appeal_change_grade", DecisionAction.GRADES),))
    if decision.new_scores or decision.state.get("grade"):
        rows.append((decision.button("appeal_write_reason", DecisionAction.REASON),))
    return [Reply(text, tuple(rows))]


def _ask_item(decision: Decision, key: str) -> list[Action]:
    if decision.outcome != Outcome.CHANGED or key not in {i.key for i in decision.scheme.rubric.items}:
        raise Refused("appeal_stale", reason=f"no item {key!r} to change")
    decision.save(awaiting=f"item:{key}")
    return [_item_prompt(decision, key)]


def _item_prompt(decision: Decision, key: str) -> Reply:
    item = decision.scheme.rubric.item(key)
    text = decision.desk.text(
        "appeal_ask_item_score",
        item=item.name.for_locale(decision.desk.locale),
        points=decision.released.scores.get(key, "—"),
        max=item.points,
    )
    return Reply(text)


def _take_score(decision: Decision, key: str, text: str) -> list[Action]:
    if decision.outcome != Outcome.CHANGED or key not in {i.key for i in decision.scheme.rubric.items}:
        return [Reply(decision.desk.text("appeal_stale"))]
    item = decision.scheme.rubric.item(key)
    points = check_item_score(text, item, decision.scheme)
    if isinstance(points, InvalidScore):
        refusal = Refused("appeal_bad_score", max=item.points, value=text[:20])
        raise refusal.repeating(asked_again(FLOW, _item_prompt(decision, key)))
    decision.save(scores={**decision.state.get("scores", {}), key: str(points)})
    return _change_screen(decision)


def _grades(decision: Decision, _: str) -> list[Action]:
    if decision.outcome != Outcome.CHANGED:
        raise Refused("appeal_stale", reason="grades without a change")
    desk, scheme = decision.desk, decision.scheme
    grades = [
        button(
            desk, grade_name(grade.key, scheme, desk.locale), DecisionAction.GRADE, decision.appeal, grade.key
        )
        for grade in scheme.grades
    ]
    from_total = decision.button("appeal_grade_from_total", DecisionAction.GRADE, FROM_TOTAL)
    return [Reply(desk.text("appeal_ask_grade"), (tuple(grades), (from_total,)))]


def _set_grade(decision: Decision, grade: str) -> list[Action]:
    if decision.outcome != Outcome.CHANGED or grade not in (*decision.scheme.grade_keys, FROM_TOTAL):
        raise Refused("appeal_stale", reason=f"no grade {grade!r} to set")
    decision.save(grade=None if grade == FROM_TOTAL else grade)
    return _change_screen(decision)


def _ask_reason(decision: Decision, _: str = "") -> list[Action]:
    if decision.outcome is None:
        return _choose(decision)
    if decision.outcome == Outcome.CHANGED and not (decision.new_scores or decision.state.get("grade")):
        return _change_screen(decision)  # a change that changes nothing is not one
    decision.save(awaiting="reason")
    return [_reason_prompt(decision)]


def _reason_prompt(decision: Decision) -> Reply:
    return Reply(decision.desk.text("appeal_ask_decision_reason", min=REASON_MIN, max=REASON_MAX))


def _take_reason(decision: Decision, reason: str) -> list[Action]:
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        refusal = Refused("appeal_bad_reason", min=REASON_MIN, max=REASON_MAX, length=len(reason))
        raise refusal.repeating(asked_again(FLOW, _reason_prompt(decision)))
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
    back = decision.button(
        "appeal_decision_edit", DecisionAction.CHANGE if changed else DecisionAction.UPHOLD
    )
    return [Reply(text, ((decision.button("appeal_decision_ok", DecisionAction.CONFIRM), back),))]


def _decide(decision: Decision, _: str) -> list[Action]:
    if decision.outcome is None or not decision.state.get("reason"):
        return _choose(decision)
    desk, appeal = decision.desk, decision.appeal
    session, now = desk.session, desk.now
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
                appeal_id=appeal.id,
                item=key,
                before=decision.released.scores.get(key),
                after=points,
            )
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
    return [Reply(desk.text("appeal_decided", name=decision.examinee.name))]


def _audited(result: Result) -> dict[str, object]:
    return {
        "total": str(result.total),
        "grade": result.grade,
        "scores": {key: str(points) for key, points in result.scores.items()},
    }


def _tell_examinee(decision: Decision) -> None:
    """The final decision, privately to the examinee."""
    desk = decision.desk

    def compose(_member_id: int, locale: str) -> Body:
        heading = render(locale, "appeal_decided_notice", cycle=desk.cycle.name)
        decided = decision_text(desk.context, locale, decision.examinee, decision.appeal, decision.scheme)
        return Body(heading + "\n\n" + decided)

    notify(
        desk.context,
        Notice(Kind.APPEAL_DECIDED, desk.cycle.id, about_id=decision.appeal.id),
        [decision.examinee.member_id],
        compose,
    )


_STEPS: dict[DecisionAction, Callable[[Decision, str], list[Action]]] = {
    DecisionAction.START: _choose,
    DecisionAction.UPHOLD: _uphold,
    DecisionAction.CHANGE: _change_screen,
    DecisionAction.ITEM: _ask_item,
    DecisionAction.GRADES: _grades,
    DecisionAction.GRADE: _set_grade,
    DecisionAction.REASON: _ask_reason,
    DecisionAction.CONFIRM: _decide,
}
