"""Who may see what (保密制度), decided in one place and checked on every action.

Results and self-assessments are private: an examinee sees their own; a scorer sees what their own
examinees wrote and the scores they gave; the assessment committee (考核小组) sees everything.
"""

from __future__ import annotations

from storage.cycle_models import CycleExaminee
from storage.models import Member


def is_committee(member: Member) -> bool:
    """A member of the assessment committee, in any role (teachers included)."""
    return member.committee_role is not None and member.active


def can_read_self_assessment(reader: Member, examinee: CycleExaminee) -> bool:
    """Only the examinee, their scorer and the committee may read a self-assessment."""
    if not reader.active:
        return False
    return reader.id in (examinee.member_id, examinee.scorer_member_id) or is_committee(reader)
