"""The sandbox's clock (模拟时钟): real time plus an offset that only moves forward, and what comes next.

The flows take ``now`` from their ``FlowContext``; the sandbox hands them this clock's. Moving it to
the next deadline (a cycle's deadlines, the appeal window's end, an open appeal's report or decision
limit) and then running the scheduler's own work at the new time (``bot.sandbox.world``) shows what
the running bot would do there: closing, reminders, announcements, escalations. A deadline inside
the quiet hours is passed to their end, when the bot would speak again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from flows.appeals.common import decide_due, report_due, window_closes
from flows.notices.quiet import quiet_end, quiet_hours
from flows.rules.cycles import scheme_of
from flows.ui.context import FlowContext
from storage import appeals as appeal_store
from storage import cycles as cycle_store
from storage.models import AppealStatus


class Clock:
    """Now, as the sandbox sees it; the offset is kept in ``folder/clock.json``."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "clock.json"
        data = json.loads(self.path.read_text()) if self.path.exists() else {}
        self.offset = timedelta(seconds=data.get("offset_seconds", 0))

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def move_to(self, moment: datetime) -> None:
        """Set the clock to ``moment`` (never backwards: the flows' records would contradict it)."""
        self.offset += max(timedelta(0), moment - self.now())
        self.path.write_text(json.dumps({"offset_seconds": self.offset.total_seconds()}))


@dataclass(frozen=True)
class Deadline:
    """A moment ahead when something falls due, and which (a message key of ``sandbox.toml``)."""

    at: datetime
    what: str


def upcoming(session: Session, now: datetime) -> list[Deadline]:
    """Every deadline still ahead of ``now``: the current cycle's, then the open appeals' clocks."""
    found = []
    cycle = cycle_store.latest_cycle(session)
    if cycle is not None and cycle.released_at is None:
        found += [
            Deadline(cycle.self_due, "sandbox_due_self"),
            Deadline(cycle.score_due, "sandbox_due_score"),
            Deadline(cycle.review_due, "sandbox_due_review"),
        ]
    elif cycle is not None and (closes := window_closes(cycle, scheme_of(cycle))) is not None:
        found.append(Deadline(closes, "sandbox_due_window"))
    for appeal, _, appeal_cycle in appeal_store.open_appeals(session):
        scheme = scheme_of(appeal_cycle)
        if appeal.status == AppealStatus.SUBMITTED:
            found.append(Deadline(report_due(appeal, scheme), "sandbox_due_report"))
        else:
            found.append(Deadline(decide_due(appeal, scheme), "sandbox_due_decide"))
    return sorted((d for d in found if d.at > now), key=lambda d: d.at)


def next_deadline(context: FlowContext) -> Deadline | None:
    """The nearest deadline ahead, a minute past it, or when the quiet hours end if it falls in them."""
    ahead = upcoming(context.session, context.now)
    if not ahead:
        return None
    passed = ahead[0].at + timedelta(minutes=1)
    return Deadline(quiet_end(quiet_hours(context.session), passed, context.tz), ahead[0].what)
