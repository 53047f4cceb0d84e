"""How far a cycle has got (进度): a summary per department in roster order, the scorers' progress, who
has not registered and who cannot be reached; everything counted in SQL (``storage.progress``), so that
it stays quick and small for an organisation of ten thousand."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from flows.rules.cycles import Phase, current_phase
from storage import outbox, progress
from storage.models import Cycle, SelfStatus, SheetStatus
from storage.progress import ExamineeState

if TYPE_CHECKING:
    from flows.review.signoff import SignoffState

NOT_STARTED = "not_started"
SELF_STATES = (NOT_STARTED, SelfStatus.DRAFT, SelfStatus.SUBMITTED, SelfStatus.MISSING)
SHEET_STATES = (NOT_STARTED, SheetStatus.DRAFT, SheetStatus.RETURNED, SheetStatus.SUBMITTED)


@dataclass
class GroupProgress:
    """One department (or a team's officers above departments): its examinees, how many registered,
    and their self-assessments and score sheets counted by status (``not_started`` for none yet)."""

    team: str
    department: str | None
    examinees: int = 0
    registered: int = 0
    selves: Counter[str] = field(default_factory=Counter)
    sheets: Counter[str] = field(default_factory=Counter)

    @property
    def unregistered(self) -> int:
        return self.examinees - self.registered


@dataclass(frozen=True)
class ScorerProgress:
    """One scorer's sheets in one team; ``scorer`` is None for the committee (考核小组), which scores the
    presidents."""

    scorer: str | None
    team: str
    sheets: Counter[str]

    @property
    def total(self) -> int:
        return sum(self.sheets.values())


@dataclass(frozen=True)
class CycleStatus:
    """Where a cycle stands: its phase, each department in roster order, the sign-off, and the people
    the committee must chase by name (the first ``named`` of those not registered)."""

    cycle: Cycle
    phase: Phase
    groups: list[GroupProgress]
    signoff: SignoffState
    unregistered: list[ExamineeState]
    unreachable: list[outbox.Unreachable]

    def total(self) -> GroupProgress:
        """All departments together."""
        return GroupProgress(
            "",
            None,
            sum(g.examinees for g in self.groups),
            sum(g.registered for g in self.groups),
            sum((g.selves for g in self.groups), Counter()),
            sum((g.sheets for g in self.groups), Counter()),
        )


def cycle_status(session: Session, cycle: Cycle, now: datetime, *, named: int | None = None) -> CycleStatus:
    """The cycle's status, with the first ``named`` unregistered examinees by name (None: all)."""
    from flows.review.signoff import signoff_state  # the review's modules: loaded when a status is asked for

    groups: dict[tuple[str, str | None], GroupProgress] = {}
    for count in progress.form_counts(session, cycle.id):
        key = (count.team, count.department)
        group = groups.setdefault(key, GroupProgress(count.team, count.department))
        group.examinees += count.examinees
        group.registered += count.registered
        group.selves[count.self_status or NOT_STARTED] += count.examinees
        group.sheets[count.sheet_status or NOT_STARTED] += count.examinees
    order = progress.roster_order(session)
    last = (len(order) + 1, 0)  # a department renamed since the cycle opened: at the end
    ranked = sorted(groups.values(), key=lambda g: (order.get((g.team, g.department), last), g.team))
    return CycleStatus(
        cycle,
        current_phase(cycle, now),
        ranked,
        signoff_state(session, cycle),
        progress.examinee_states(session, cycle.id, unregistered=True, limit=named),
        outbox.unreachable(session),
    )


def scorer_progress(session: Session, cycle: Cycle) -> list[ScorerProgress]:
    """Each scorer's sheets per team (the committee once per team), in roster order of their first
    examinee."""
    rows: dict[tuple[int | None, str], tuple[int, ScorerProgress]] = {}
    for count in progress.scorer_counts(session, cycle.id):
        key = (count.scorer_id, count.team)
        first, row = rows.get(key, (count.first, ScorerProgress(count.scorer, count.team, Counter())))
        row.sheets[count.status or NOT_STARTED] += count.sheets
        rows[key] = (min(first, count.first), row)
    return [row for _, row in sorted(rows.values(), key=lambda item: item[0])]


def department_members(session: Session, cycle: Cycle, department: str) -> list[ExamineeState]:
    """Everyone the cycle assesses in departments of that name, with their forms and registration."""
    return progress.examinee_states(session, cycle.id, department=department)
