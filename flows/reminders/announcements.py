"""Phase changes announced to the people concerned (阶段通知).

When the self-assessment deadline passes, examinees hear that it has closed (and whether theirs was
in) and scorers that scoring is open, how many they score and by when, with the button that opens
/score. The cycle's opening is
announced by ``flows.cycles.opening``, the release by ``flows.review.release`` (each examinee gets their own
result). Each announcement goes to each person once; one whose phase is over by the time it could
go out (the bot was down across it, or it was held through the quiet hours) is not sent: the
opening once the self-assessment deadline has passed, the others once scoring is over.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from flows.home import Task, task_button
from flows.notices.notice import Body, Kind, Notice, Topic, notify
from flows.rules.cycles import current_phase
from flows.rules.phase import Phase
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from storage import cycles
from storage.models import Cycle, SelfStatus, Subject


def _announce(context: FlowContext, cycle: Cycle, topic: Topic, params: dict[int, dict[str, Any]]) -> int:
    """Queue message ``phase_<topic>`` once for each member in ``params``, with their own values."""

    def compose(member_id: int, locale: str) -> Body:
        text = render(locale, f"phase_{topic}", cycle=cycle.name, **params[member_id])
        opens = ((task_button(locale, cycle.id, Task.SCORE),),) if topic is Topic.SCORING_OPEN else ()
        return Body(text, opens)

    return notify(context, Notice(Kind.PHASE, cycle.id, topic), params, compose)


def plan_announcements(context: FlowContext, cycle: Cycle) -> int:
    """Announce the opening of scoring (and the close of the self-assessment) while it is scoring time."""
    if current_phase(cycle, context.now) is not Phase.SCORING:
        return 0
    selves = cycles.self_statuses(context.session, cycle.id)
    closed = {
        examinee.member_id: {
            "due": context.local_time(cycle.self_due),
            "submitted": status == SelfStatus.SUBMITTED,
        }
        for examinee, status in selves
    }
    scored = Counter(e.scorer_member_id for e, _ in selves if e.scorer_member_id is not None)
    opened = {
        scorer: {"count": count, "due": context.local_time(cycle.score_due)}
        for scorer, count in scored.items()
    }
    return _announce(context, cycle, Topic.SELF_CLOSED, closed) + _announce(
        context, cycle, Topic.SCORING_OPEN, opened
    )


def announcements_still_due(context: FlowContext, cycle: Cycle, subjects: Iterable[Subject]) -> set[Subject]:
    """All of ``subjects`` while it is still scoring time, which is what they announce; else none."""
    return set(subjects) if current_phase(cycle, context.now) is Phase.SCORING else set()


def opening_still_due(context: FlowContext, cycle: Cycle, subjects: Iterable[Subject]) -> set[Subject]:
    """All of ``subjects`` (the opening) until the self-assessment deadline they announce; then none."""
    return set(subjects) if context.now < cycle.self_due else set()
