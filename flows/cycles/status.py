"""How far a cycle has got (进度) per team and department: self-assessments not started, draft, submitted."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlmodel import Session

from storage import cycles as store
from storage.models import Cycle, SelfStatus

NOT_STARTED = "not_started"


@dataclass(frozen=True)
class GroupProgress:
    """Self-assessment progress of one department (or of a team's officers above departments)."""

    team: str
    department: str | None
    not_started: int
    draft: int
    submitted: int

    @property
    def total(self) -> int:
        return self.not_started + self.draft + self.submitted


def self_assessment_progress(session: Session, cycle: Cycle) -> list[GroupProgress]:
    """Progress per team and department, in roster order."""
    assessments = store.self_assessments(session, cycle.id)
    counts: dict[tuple[str, str | None], Counter[str]] = {}
    for examinee in store.examinees(session, cycle.id):
        assessment = assessments.get(examinee.id)
        state = NOT_STARTED if assessment is None else assessment.status
        counts.setdefault((examinee.team, examinee.department), Counter())[state] += 1
    return [
        GroupProgress(team, department, c[NOT_STARTED], c[SelfStatus.DRAFT], c[SelfStatus.SUBMITTED])
        for (team, department), c in counts.items()
    ]


def progress_bar(done: int, total: int, width: int = 20) -> str:
    """``██████░░░░░░ 12/20`` (text, so it reads the same in a terminal, a log and a chat)."""
    filled = round(width * done / total) if total else 0
    return "█" * filled + "░" * (width - filled) + f" {done}/{total}"
