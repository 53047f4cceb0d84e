"""The scheduler's two questions: what to queue now, and whether a queued notice still holds.

The running bot asks ``plan`` every minute (and at once at start-up): the current cycle's reminders,
digests and phase announcements in force are queued, each once. Nothing is planned in quiet hours,
so what goes out reflects where people stand when it does. Before sending, the sender asks
``triage`` what to do with the notices that are due: drop those no longer true (``unwanted``), hold
the scheduler's own (those with a ``Subject``: reminders, digests, nudges, announcements) until the
quiet hours end, send the rest; other notices (a result, an appeal's news) keep the time their flow
gave them. Since everything lives in rows, a restart rebuilds nothing: the next ``plan`` and the
next send pick up where the last ones stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from flows.notices.announcements import announcements_still_due, plan_announcements
from flows.notices.delivery import Kind, Subject, is_quiet, quiet_end, quiet_hours
from flows.notices.nudge import nudges_still_due
from flows.notices.reminders import digests_still_due, plan_reminders, reminders_still_due
from flows.ui.context import FlowContext
from storage import cycles as cycle_store
from storage.models import Cycle, Notification

StillDue = Callable[[FlowContext, Cycle, Iterable[Subject]], set[Subject]]
STILL_DUE: dict[Kind, StillDue] = {
    Kind.REMIND: reminders_still_due,
    Kind.DIGEST: digests_still_due,
    Kind.NUDGE: nudges_still_due,
    Kind.PHASE: announcements_still_due,
}


def plan(context: FlowContext) -> int:
    """Queue what is in force for the current cycle now; how many notices were new."""
    cycle = cycle_store.latest_cycle(context.session)
    if cycle is None or is_quiet(quiet_hours(context.session), context.now, context.tz):
        return 0
    return plan_reminders(context, cycle) + plan_announcements(context, cycle)


def unwanted(context: FlowContext, notifications: Sequence[Notification]) -> list[Notification]:
    """The due ``notifications`` no longer true (a notice without a subject, such as the opening, holds)."""
    subjects = {n.id: Subject.parse(n.dedupe_key) for n in notifications}
    groups: dict[tuple[int, Kind], list[Subject]] = {}
    for subject in subjects.values():
        if subject is not None:
            groups.setdefault((subject.cycle_id, subject.kind), []).append(subject)
    still: set[Subject] = set()
    for (cycle_id, kind), group in groups.items():
        cycle = context.session.get(Cycle, cycle_id)
        if cycle is not None:
            still |= STILL_DUE[kind](context, cycle, group)
    return [n for n in notifications if subjects[n.id] is not None and subjects[n.id] not in still]


@dataclass(frozen=True)
class Triage:
    """What to do with due notifications: send, hold until ``until`` (quiet hours), or drop."""

    send: list[Notification]
    hold: list[Notification]
    drop: list[Notification]
    until: datetime


def triage(context: FlowContext, notifications: Sequence[Notification]) -> Triage:
    """Sort due ``notifications``: drop the untrue, hold the scheduler's own in quiet hours, send the rest."""
    drop = unwanted(context, notifications)
    dropped = {n.id for n in drop}
    until = quiet_end(quiet_hours(context.session), context.now, context.tz)
    kept = [n for n in notifications if n.id not in dropped]
    quiet = [n for n in kept if until > context.now and Subject.parse(n.dedupe_key) is not None]
    held = {n.id for n in quiet}
    return Triage([n for n in kept if n.id not in held], quiet, drop, until)
