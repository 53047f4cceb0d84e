"""The scheduler's two questions: what to queue now, and what to do with the notices that are due.

The running bot asks ``plan`` every minute (and at once at start-up): the current cycle's reminders,
digests and phase announcements in force are queued, each once. Nothing is planned in quiet hours,
so what goes out reflects where people stand when it does. Before sending, the sender asks
``triage`` what to do with the notices that are due, every kind alike: drop those no longer true
(``flows.reminders.checks``), hold the rest until the quiet hours end while they last, else send.
Since everything lives in rows, a restart rebuilds nothing: the next ``plan`` and the next send pick
up where the last ones stopped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flows.notices.quiet import is_quiet, quiet_end, quiet_hours
from flows.reminders.announcements import plan_announcements
from flows.reminders.checks import unwanted
from flows.reminders.ladder import plan_reminders
from flows.ui.context import FlowContext
from storage import cycles as cycle_store
from storage.models import Notification


def plan(context: FlowContext) -> int:
    """Queue what is in force for the current cycle now; how many notices were new."""
    cycle = cycle_store.latest_cycle(context.session)
    if cycle is None or is_quiet(quiet_hours(context.session), context.now, context.tz):
        return 0
    return plan_reminders(context, cycle) + plan_announcements(context, cycle)


@dataclass(frozen=True)
class Triage:
    """What to do with due notifications: send, hold until ``until`` (quiet hours), or drop."""

    send: list[Notification]
    hold: list[Notification]
    drop: list[Notification]
    until: datetime


def triage(context: FlowContext, notifications: Sequence[Notification]) -> Triage:
    """Sort due ``notifications``: drop the untrue, hold every other one in quiet hours, send the rest."""
    drop = unwanted(context, notifications)
    dropped = {n.id for n in drop}
    kept = [n for n in notifications if n.id not in dropped]
    until = quiet_end(quiet_hours(context.session), context.now, context.tz)
    if until > context.now:
        return Triage([], kept, drop, until)
    return Triage(kept, [], drop, until)
