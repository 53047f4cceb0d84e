"""Quiet hours (免打扰时段): from the current cycle's scheme, in the configured timezone.

No notice goes out in them: one queued then is given their end as its time (``send_time``), and the
sender holds back any that falls due in them until they end.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from flows.rules.cycles import scheme_of
from flows.rules.scheme import QuietHours, default_scheme
from flows.ui.context import FlowContext
from storage import cycles as cycle_store


def quiet_hours(session: Session) -> QuietHours:
    """The quiet hours in force: the current cycle's scheme's, else the shipped scheme's."""
    cycle = cycle_store.latest_cycle(session)
    scheme = scheme_of(cycle) if cycle is not None else default_scheme()
    return scheme.reminders.quiet_hours


def is_quiet(quiet: QuietHours, now: datetime, tz: ZoneInfo) -> bool:
    return quiet.contains(now.astimezone(tz).time())


def quiet_end(quiet: QuietHours, now: datetime, tz: ZoneInfo) -> datetime:
    """``now`` outside quiet hours, else the moment they end (UTC)."""
    if not is_quiet(quiet, now, tz):
        return now
    local = now.astimezone(tz)
    end = datetime.combine(local.date(), quiet.end, tzinfo=tz)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(UTC)


def local_day(moment: datetime, tz: ZoneInfo) -> str:
    """The local date of ``moment``, as a tag: ``2026-11-24``."""
    return moment.astimezone(tz).date().isoformat()


def send_time(context: FlowContext) -> datetime:
    """When a notice queued now may go out: now, or when the quiet hours end."""
    return quiet_end(quiet_hours(context.session), context.now, context.tz)
