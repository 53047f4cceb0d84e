"""Nudging everyone pending in a phase (一键催办): the committee's button, ``/nudge`` and ``kaohe remind``.

During the self-assessment a nudge goes to every examinee who has not submitted; during scoring, to
every scorer with sheets not submitted, listing them; each nudge carries the button that opens the
task (/self, /score). A person is nudged at most once a day (the local
day the nudge goes out), whoever asks and however often. A nudge waits for the quiet hours to end,
and is dropped if by then its person has done it or the phase has moved on.

``/nudge`` (committee members only) says how many are pending, with the button ``nudge_button``
(the same button the committee's /review screen shows). A press (``NudgePress``) is checked again:
the presser on the committee, the cycle and its phase still current; a forged or stale press is
refused and changes nothing. Every nudge is audited as ``cycle.nudge``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flows.actor import Actor
from flows.home import task_button
from flows.notices.notice import Body, Kind, Notice, Topic, notify, told
from flows.notices.quiet import local_day, send_time
from flows.reminders.ladder import NOT_STARTED, TASKS, Waiting, pending, waiting_list
from flows.rules.cycles import current_phase
from flows.rules.phase import Phase
from flows.ui.buttons import ButtonData, Id
from flows.ui.chat import Action, Button, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from storage import audit
from storage.models import Cycle, Subject

TOPICS = {Phase.SELF_ASSESSMENT: Topic.SELF, Phase.SCORING: Topic.SCORE}


@dataclass(frozen=True)
class Nudged:
    """What a nudge did: ``topic`` None when nobody can be nudged in the cycle's phase."""

    topic: Topic | None
    pending: int  # people pending in the phase
    queued: int  # nudged now
    earlier: int  # already nudged that day
    unbound: int  # pending, but not registered with the bot


def topic_now(context: FlowContext, cycle: Cycle) -> Topic | None:
    """What a nudge is about in the cycle's current phase, if anything."""
    return TOPICS.get(current_phase(cycle, context.now))


def _body(context: FlowContext, locale: str, cycle: Cycle, topic: Topic, waiting: list[Waiting]) -> Body:
    """A nudge, with the button that opens its task (/self or /score)."""
    due = context.local_time(cycle.self_due if topic is Topic.SELF else cycle.score_due)
    if topic is Topic.SELF:
        text = render(locale, "nudge_self", cycle=cycle.name, due=due, draft=waiting[0].status != NOT_STARTED)
    else:
        text = render(locale, "nudge_score", cycle=cycle.name, due=due, **waiting_list(locale, waiting))
    return Body(text, ((task_button(locale, cycle.id, TASKS[topic]),),))


def nudge(context: FlowContext, cycle: Cycle, actor: str) -> Nudged:
    """Nudge everyone pending in the cycle's current phase who has not been nudged that day."""
    topic = topic_now(context, cycle)
    if topic is None:
        return Nudged(None, 0, 0, 0, 0)
    session = context.session
    waiting = pending(session, cycle, topic)
    today = Notice(Kind.NUDGE, cycle.id, topic, tag=local_day(send_time(context), context.tz))
    had = waiting.keys() & told(context, today, any_step=True)

    def compose(member_id: int, locale: str) -> Body:
        return _body(context, locale, cycle, topic, waiting[member_id])

    queued = notify(context, today, waiting.keys() - had, compose)
    result = Nudged(topic, len(waiting), queued, len(had), len(waiting) - len(had) - queued)
    audit.record(
        session,
        actor=actor,
        action="cycle.nudge",
        entity="cycle",
        entity_id=cycle.id,
        after={"topic": str(topic), "pending": result.pending, "queued": queued, "earlier": result.earlier},
        at=context.now,
    )
    return result


def nudges_still_due(context: FlowContext, cycle: Cycle, subjects: Iterable[Subject]) -> set[Subject]:
    """Those of ``subjects`` (nudges) of today, about the current phase, to people still pending in it."""
    topic, today = topic_now(context, cycle), local_day(context.now, context.tz)
    mine = [s for s in subjects if s.step == topic and s.tag == today]
    if topic is None or not mine:
        return set()
    waiting = pending(context.session, cycle, topic, {s.member_id for s in mine})
    return {s for s in mine if s.member_id in waiting}


# In chat


@dataclass(frozen=True)
class NudgePress(ButtonData, prefix="n"):
    """The nudge button: nudge everyone pending about ``topic`` in ``cycle``."""

    cycle: Id
    topic: Topic


class Nudger(Actor):
    """A committee member (考核小组成员) nudging those pending in the current cycle."""

    not_member = "nudge_not_committee"
    no_cycle = "nudge_no_cycle"
    committee_only = "nudge_not_committee"


def nudge_button(locale: str, cycle: Cycle, topic: Topic, count: int) -> Button:
    """The one button that nudges everyone pending (for /nudge and the committee's /review screen)."""
    return Button(render(locale, "nudge_button", count=count), NudgePress(cycle.id, topic))


def start(context: FlowContext, incoming: Incoming) -> list[Action]:
    """``/nudge``: how many are pending in the current phase, and the button to nudge them all."""
    nudger = Nudger.resolve(context, incoming)
    cycle = nudger.cycle
    topic = topic_now(context, cycle)
    if topic is None:
        return [Reply(nudger.text("nudge_nothing_to_nudge", cycle=cycle.name))]
    waiting = pending(context.session, cycle, topic)
    if not waiting:
        return [Reply(nudger.text("nudge_nobody", cycle=cycle.name, topic=str(topic)))]
    text = nudger.text("nudge_prompt", cycle=cycle.name, topic=str(topic), count=len(waiting))
    return [Reply(text, buttons=((nudge_button(nudger.locale, cycle, topic, len(waiting)),),))]


def on_press(context: FlowContext, incoming: Incoming, press: NudgePress) -> list[Action]:
    """A press of the nudge button, checked against the presser and the cycle's phase as they are now."""
    nudger = Nudger.resolve(context, incoming)
    if press.topic is not topic_now(context, nudger.cycle):
        nudger.refuse("nudge_stale", reason="the phase has moved on")
    result = nudge(context, nudger.cycle, nudger.actor)
    at = context.local_time(send_time(context))
    text = nudger.text(
        "nudge_done", queued=result.queued, earlier=result.earlier, unbound=result.unbound, at=at
    )
    return [Reply(text, edit=True, notice=nudger.text("nudge_done_notice", queued=result.queued))]
