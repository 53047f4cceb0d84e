"""Who may see what (保密制度), decided in one place and checked on every action.

Results and self-assessments are private: an examinee sees their own; a scorer sees what their own
examinees wrote and the scores they gave; the assessment committee (考核小组) sees everything.
An appeal (申诉) is seen by the examinee, the organisation department (校团委组织部) and the teachers
who receive it, and the committee; interview records (面谈记录) by the examinee and the committee.
Nobody acts on their own appeal, and the scorer, a party to it, does not decide it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from storage.cycles import Examinee
from storage.models import CycleExaminee, Member, Position

APPEAL_OFFICE = ("校团委", "组织部")  # (team, department) that receives appeals: 校团委组织部


@dataclass(frozen=True)
class Reader:
    """A member and the names of their team and department (what appeal rights depend on)."""

    member: Member
    team: str
    department: str | None


def is_committee(member: Member) -> bool:
    """A member of the assessment committee, in any role (teachers included)."""
    return member.committee_role is not None and member.active


def can_read_self_assessment(reader: Member, examinee: Examinee) -> bool:
    """Only the examinee, their scorer and the committee may read a self-assessment."""
    if not reader.active:
        return False
    return reader.id in (examinee.member_id, examinee.scorer_member_id) or is_committee(reader)


def can_review(member: Member) -> bool:
    """The committee's review (复核确认, ``/review``) is open to committee members only."""
    return is_committee(member)


def can_change_result(member: Member, examinee: Examinee) -> bool:
    """A committee member may score, regrade or return the sheet of anyone but themselves."""
    return is_committee(member) and member.id != examinee.member_id


def can_read_result(reader: Member, examinee: Examinee) -> bool:
    """A result (final scores and grade) is read by its examinee and the committee; never by the scorer."""
    return reader.active and (reader.id == examinee.member_id or is_committee(reader))


def can_sign(member: Member, roles: Iterable[str]) -> bool:
    """A sign-off step (复核签字) is signed by an active committee member holding one of its ``roles``."""
    return is_committee(member) and str(member.committee_role) in set(roles)


def receives_appeals(reader: Reader) -> bool:
    """The organisation department (组织部) and the teachers in charge (团委老师) receive appeals."""
    member = reader.member
    return member.active and (
        member.position == Position.TEACHER or (reader.team, reader.department) == APPEAL_OFFICE
    )


def can_read_appeal(reader: Reader, examinee: CycleExaminee) -> bool:
    """Only the examinee, those who receive appeals and the committee may see an appeal."""
    member = reader.member
    if not member.active:
        return False
    return member.id == examinee.member_id or receives_appeals(reader) or is_committee(member)


def can_report_appeal(reader: Reader, examinee: CycleExaminee) -> bool:
    """Who may report (上报) an appeal to the committee: those who receive it, never its examinee."""
    return receives_appeals(reader) and reader.member.id != examinee.member_id


def can_decide_appeal(member: Member, examinee: CycleExaminee) -> bool:
    """Who may consult on and decide an appeal: the committee, except the examinee and their scorer."""
    return is_committee(member) and member.id not in (examinee.member_id, examinee.scorer_member_id)


def can_record_interview(member: Member, examinee: CycleExaminee) -> bool:
    """A committee member records interviews (面谈), never of themselves."""
    return is_committee(member) and member.id != examinee.member_id


def can_read_interview(member: Member, examinee: CycleExaminee) -> bool:
    """The examinee reads their own interview records; the committee reads everyone's."""
    return member.active and (member.id == examinee.member_id or is_committee(member))


def can_export(member: Member) -> bool:
    """The archive (归档) holds everyone's results: only the committee may take it."""
    return is_committee(member)
