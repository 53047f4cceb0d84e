"""Forged and stale buttons of /review and /result: from a committee member, from anyone else and from a
stranger, every press that does not name something the presser may do now is answered with a toast,
changes nothing, raises nothing, and leaves an unfinished answer waiting where it was."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cycle_helpers import GOOD, NOW, PASS, TOP, Person, open_sample_cycle, open_small_cycle, score_everyone
from sqlmodel import Session, select

from flows.review.presses import ExamineePress, ExamineeStep, ReviewPress, View
from storage.audit import entries
from storage.models import (
    AcceptedViolation,
    Conversation,
    Cycle,
    CycleExaminee,
    CycleReview,
    ItemScore,
    Notification,
    ReviewChange,
    ScoreSheet,
    Signature,
)

NINES = "9" * 25
WATCHED = (Cycle, CycleReview, ReviewChange, AcceptedViolation, Signature, ScoreSheet, ItemScore)


def forged_presses(zhang: int, li: int) -> list[str]:
    """Button data no screen offered: ``zhang`` is an officer's examinee id, ``li`` the president's."""
    return [
        # what crashed the old hand-written parser
        "r:1:e:²",
        "r:1:g:²",
        "r:1:rt:²:good",
        # the overview, a department, a chart, a rule break
        f"r:{NINES}:o",
        "r:²:o",
        "r:３:o",
        "r:-1:o",
        "r",
        "r:1",
        "r:1:o:0",  # the overview takes no place
        "r:1:g",  # a department needs one
        "r:1:g:²",
        "r:1:g:３",
        "r:1:g:-1",
        f"r:1:g:{NINES}",
        "r:1:g:0:0",
        "r:1:g:99",  # past the list
        "r:1:x:0",
        "r:2:g:0",  # another cycle
        "r:1:c:1",  # one team only
        "r:1:c:²",
        "r:1:a:0",
        "r:1:a:0:99",
        "r:1:a:99:0",
        "r:1:a:0:²",
        "r:1:a:0:0:0",
        "rr:1:99:good",
        "rr:1:0:splendid",
        "rr:1:²:good",
        "rr:1:0",
        "rr:1:0:good:again",
        "rr:1:0:go od",
        "rr:2:0:good",
        # an examinee
        f"re:1:o:{NINES}",
        "re:1:o:²",
        "re:1:o:３",
        "re:1:o:-1",
        "re:1:o:0",
        "re:1:o:99999",
        f"re:1:x:{zhang}",
        "re:1:o",
        f"re:1:o:{zhang}:results",  # opening takes no key
        f"re:2:o:{zhang}",
        f"re:1:rs:{li}",  # the committee scores the president: nobody to return the sheet to
        f"re:1:cs:{zhang}",  # a change needs an item
        f"re:1:cs:{zhang}:nosuch",
        f"re:1:cs:{zhang}:results:18",
        "re:1:cs:²:results",
        "re:1:cs:99999:results",
        f"re:1:cg:{zhang}:Z",
        f"re:1:cg:{zhang}:S",  # the grade it has
        "re:1:cg:²:A",
        # a president's sheet
        f"re:1:p:{zhang}",  # not a president
        f"re:1:py:{li}",  # submitted already
        "re:1:py:²",
        f"re:1:pi:{li}:results:99",
        f"re:1:pi:{li}:nosuch",
        f"re:1:pi:{li}",
        # the sign-off and the signature for receipt
        "rf:1:cfy:7",
        "rf:1:cfy:²",
        "rf:1:zz:1",
        f"rf:1:sty:{NINES}",
        "rf:1:sty:1",
        "rf:1:spn:1",
        "rf:1:cf",
        f"rs:1:{zhang}:1",
        "rs:1:²:1",
        f"rs:1:{zhang}:{NINES}",
        f"rs:1:{zhang}:1:1",
        f"rs:1:{zhang}",
    ]


def saved(session: Session) -> list[object]:
    """Every row the review and the results keep, the conversations and the outbox."""
    rows: list[object] = []
    for model in (*WATCHED, Conversation, Notification):
        rows += [repr(row) for row in session.exec(select(model))]
    return rows


def examinee_id(session: Session, student_no: str) -> int:
    row = session.exec(select(CycleExaminee).where(CycleExaminee.student_no == student_no)).one()
    assert row.id is not None
    return row.id


@pytest.fixture
def people(session):
    people = open_small_cycle(session)
    scores = {"1001": TOP, "1002": GOOD, "1003": TOP, "1004": TOP, "1005": PASS}
    score_everyone(session, scores, NOW + timedelta(days=8), "T01")
    return people


@pytest.mark.parametrize("presser", ["T01", "1002", "1003", "1005", "stranger"])
def test_a_forged_press_is_answered_with_a_toast_and_changes_nothing(session, people, presser):
    teacher = people["T01"]
    teacher.says("/review")
    teacher.taps("办公室")
    teacher.taps("刘洋")
    teacher.taps("改等级")
    teacher.taps("B 及格")  # the teacher now owes a reason
    person = people.get(presser) or Person(session, 999)
    person.now = teacher.now
    before = saved(session)
    presses = forged_presses(examinee_id(session, "1003"), examinee_id(session, "1001"))
    for data in presses:
        assert person.refused(data), data
    assert saved(session) == before
    assert len(entries(session, "button.refused")) == len(presses)
    assert "等级 S → B" in teacher.says("本学期多次缺席例会，调为及格")  # the reason was still awaited


def test_a_press_from_an_earlier_cycle_names_nothing_in_the_current_one(session, people):
    teacher = people["T01"]
    earlier = examinee_id(session, "1003")
    open_sample_cycle(session, name="2027春季考核")
    current = session.exec(select(Cycle).where(Cycle.name == "2027春季考核")).one().id
    before = saved(session)
    assert "按钮已失效" in teacher.refused(ReviewPress(1, View.GROUP, 0).pack())
    assert "按钮已失效" in teacher.refused(ExamineePress(current, ExamineeStep.OPEN, earlier).pack())
    assert saved(session) == before
