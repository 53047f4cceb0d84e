"""Privacy rules: who may read a self-assessment."""

from __future__ import annotations

import pytest
from cycle_helpers import import_sample, open_sample_cycle
from sqlmodel import select

from flows.rules.access import can_read_self_assessment
from storage.models import CycleExaminee, Member


@pytest.fixture
def people(session, sample_roster):
    import_sample(session, sample_roster)
    open_sample_cycle(session)
    members = {m.student_no: m for m in session.exec(select(Member))}
    examinee = session.exec(select(CycleExaminee).where(CycleExaminee.student_no == "2023000256")).one()
    return members, examinee


@pytest.mark.parametrize(
    ("reader", "allowed"),
    [
        ("2023000256", True),  # the examinee herself
        ("2023000111", True),  # 马凯秀, her scorer (分管副主席)
        ("T001", True),  # a teacher on the committee (总指导)
        ("2023000116", True),  # another vice-president, but a committee member (组员)
        ("2023000157", False),  # her own department head: not her scorer
        ("2023000331", False),  # a fellow officer
        ("2023002212", False),  # a vice-president of another team, not on the committee
    ],
)
def test_only_the_examinee_her_scorer_and_the_committee_read_a_self_assessment(people, reader, allowed):
    members, examinee = people
    assert can_read_self_assessment(members[reader], examinee) is allowed


def test_a_member_who_left_the_roster_reads_nothing(people, session):
    members, examinee = people
    scorer = members["2023000111"]
    scorer.active = False
    assert not can_read_self_assessment(scorer, examinee)
