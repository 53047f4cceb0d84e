"""Forged presses of the appeal and interview buttons: whoever presses them, whatever they carry (ids
beyond a database column, fields missing or extra, another cycle's, another appeal's), they are
answered with a toast, audited, and change nothing."""

from __future__ import annotations

import pytest
from appeal_helpers import (
    MEMBER,
    OFFICER,
    ORG_OFFICER,
    OUTSIDER,
    examinee_of,
    refused,
    released_cycle,
    with_an_appeal,
)
from cycle_helpers import Person
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import Session

from flows.appeals.presses import ConsultAction, DecisionAction, DeskAction, InterviewAction
from storage.audit import entries
from storage.models import metadata

HUGE = "9" * 25
NOBODY = 999  # a Telegram account bound to no member
PRESSERS = {  # who presses: the examinee, a colleague in her department, the desk, the committee, a stranger
    "examinee": OFFICER,
    "colleague": OUTSIDER,
    "desk": ORG_OFFICER,
    "committee": MEMBER,
    "non-member": None,
}


def snapshot(session: Session) -> dict[str, list[tuple]]:
    """Every row of every table but the audit trail (where a refused press is recorded: its rows and
    its chains' heads)."""
    session.expire_all()
    return {
        table.name: sorted(map(tuple, session.execute(text(f'SELECT * FROM "{table.name}"'))), key=repr)
        for table in metadata.sorted_tables
        if table.name not in ("auditentry", "auditchain")
    }


@pytest.fixture
def people(session, sample_roster) -> dict[str | None, Person]:
    """The officer's appeal reported to the committee, and her scorer asked for an opinion."""
    people: dict[str | None, Person] = dict(with_an_appeal(session, sample_roster))
    people[ORG_OFFICER].presses("ap:1:now:1")
    committee = people[MEMBER]
    committee.says("/appeals")
    committee.taps("郭宇雅")
    committee.taps("征求评分人意见")
    committee.says("请说明工作业绩评分的依据。")
    stranger = Person(session, NOBODY)
    stranger.now = people[OFFICER].now
    people[None] = stranger
    return people


def forged(officer: int) -> list[str]:
    """Presses nobody may make: ``officer`` is the appealing officer's examinee id."""
    return [
        # ids beyond any database column
        f"ap:1:o:{HUGE}",
        f"ao:1:ans:{HUGE}",
        f"ao:1:ask:{HUGE}",
        f"ao:1:ask:1:{HUGE}",
        f"ad:1:start:{HUGE}",
        f"ad:1:ok:{HUGE}",
        f"iv:1:pick:{HUGE}",
        "ap:1:o:²",
        "ad:1:start:１",
        # fields missing or extra
        "ap:1:o",
        "ao:1:ask",
        "ad:1:start",
        "iv:1:pick",
        "ap:1:o:1:2",
        "ad:1:start:1:results:x",
        "ao:1:ans:1:2",  # an answer names no party
        "ad:1:start:1:results",  # only an item or a grade step names one
        "ad:1:it:1",
        f"iv:1:save:{officer}:place",
        f"iv:1:edit:{officer}",
        # another cycle's
        "ap:2:o:1",
        "ad:2:start:1",
        "ao:2:ask:1",
        f"iv:2:pick:{officer}",
        "a:2:new",
        # another appeal's, opinion's or examinee's that does not exist
        "ap:1:o:2",
        "ad:1:start:2",
        "ao:1:ask:2",
        "ao:1:ans:2",
        "iv:1:pick:9999",
        # a record that is not in progress
        f"iv:1:save:{officer}",
        f"iv:1:edit:{officer}:place",
        # the examinee's form, once submitted
        "a:1:d:grade",
        "a:1:yes",
    ]


@pytest.mark.parametrize("who", list(PRESSERS))
def test_forged_presses_are_refused_with_a_toast_from_anyone_and_change_nothing(people, session, who):
    person = people[PRESSERS[who]]
    officer = examinee_of(session, OFFICER).id
    assert officer is not None
    before = snapshot(session)
    data = forged(officer)
    for each in data:
        assert refused(person, each), each
    assert snapshot(session) == before
    audited = [row.after["data"] for row in entries(session, "button.refused")]
    assert audited == data


@pytest.fixture
def drafting(session, sample_roster) -> Person:
    """The officer with a draft that disputes her grade and says why."""
    officer = released_cycle(session, sample_roster)[OFFICER]
    officer.says("/appeal")
    officer.taps("总分与等级")
    officer.says("工作业绩一项没有计入我负责的迎新晚会签到工作，与事实不符。")
    return officer


@pytest.mark.parametrize(
    "data",
    [
        "a:1:d",  # what is disputed is missing
        "a:1:d:dimension",
        "a:1:d:item:nonexistent",
        "a:1:d:grade:results",  # the grade names no item
        "a:1:sub:grade",  # only a dispute names what
        "a:1:new:item:results",
        "a:1:yes:grade:results:x",
        f"a:1:{HUGE}",
        "a:1:lol",
    ],
)
def test_forged_presses_on_a_draft_change_nothing(drafting, session, data):
    before = snapshot(session)
    assert refused(drafting, data)
    assert snapshot(session) == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    family=st.sampled_from(
        [("ap", DeskAction), ("ao", ConsultAction), ("ad", DecisionAction), ("iv", InterviewAction)]
    ),
    action=st.integers(min_value=0, max_value=7),
    subject=st.integers(min_value=10_000, max_value=2**31 - 1),
    who=st.sampled_from(list(PRESSERS)),
)
def test_a_press_naming_what_does_not_exist_is_refused(people, session, family, action, subject, who):
    prefix, actions = family
    chosen = list(actions)[action % len(actions)]
    before = snapshot(session)
    assert refused(people[PRESSERS[who]], f"{prefix}:1:{chosen}:{subject}")
    assert snapshot(session) == before
