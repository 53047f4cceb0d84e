"""The phase of a cycle (考核阶段), derived from the clock and the cycle's own record in one place.

Nobody flips a phase by hand: deadlines move the cycle from self-assessment to scoring to review;
release (after sign-off) opens results and the appeal window; archiving ends it for good.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from storage.models import Cycle


class Phase(StrEnum):
    SELF_ASSESSMENT = "self_assessment"  # 自我评定
    SCORING = "scoring"  # 上级评定
    REVIEW = "review"  # 复核确认
    RESULTS = "results"  # 结果反馈 (released, appeal window open)
    APPEALS = "appeals"  # 申诉处理 (window closed, appeals may still be open)
    ARCHIVED = "archived"  # 归档备案


def phase_of(cycle: Cycle, now: datetime, appeal_window: timedelta) -> Phase:
    """Where ``cycle`` stands at ``now``."""
    if cycle.archived_at is not None and cycle.archived_at <= now:
        return Phase.ARCHIVED
    if cycle.released_at is not None and cycle.released_at <= now:
        return Phase.RESULTS if now < cycle.released_at + appeal_window else Phase.APPEALS
    if now < cycle.self_due:
        return Phase.SELF_ASSESSMENT
    if now < cycle.score_due:
        return Phase.SCORING
    return Phase.REVIEW
