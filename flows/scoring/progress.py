"""How far each scorer has got (评分进度): their score sheets not started, in draft, returned, submitted."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlmodel import Session

from flows.rules.cycles import scheme_of
from flows.scoring.sheet import NOT_STARTED, standings
from storage import cycles as store
from storage.models import Cycle, Member, SheetStatus


@dataclass(frozen=True)
class ScorerProgress:
    """One scorer's sheets; ``scorer`` is None for the committee (考核小组), which scores the presidents."""

    scorer: str | None
    team: str
    not_started: int
    draft: int
    returned: int
    submitted: int

    @property
    def total(self) -> int:
        return self.not_started + self.draft + self.returned + self.submitted


def scoring_progress(session: Session, cycle: Cycle) -> list[ScorerProgress]:
    """Progress per scorer (the committee once per team), in roster order of their first examinee."""
    examinees = store.examinees(session, cycle.id)
    found = standings(session, scheme_of(cycle), examinees)
    counts: dict[tuple[int | None, str], Counter[str]] = {}
    for examinee in sorted(examinees, key=lambda e: e.id):
        key = (examinee.scorer_member_id, examinee.team)
        counts.setdefault(key, Counter())[found[examinee.id].status] += 1
    rows = []
    for (scorer_id, team), c in counts.items():
        scorer = session.get(Member, scorer_id) if scorer_id is not None else None
        rows.append(
            ScorerProgress(
                None if scorer is None else scorer.name,
                team,
                c[NOT_STARTED],
                c[SheetStatus.DRAFT],
                c[SheetStatus.RETURNED],
                c[SheetStatus.SUBMITTED],
            )
        )
    return rows
