"""The result that stands (flows.results.result.final_result): after an appeal decision, ``/result``
shows the decided result, marked as decided on appeal, and the examinee signs for that one."""

from __future__ import annotations

import pytest
from appeal_helpers import LEADER, OFFICER, decide_changed, examinee_of, released_cycle, reported
from cycle_helpers import Person
from sqlmodel import select

from flows.archive.records import gather
from flows.results.result import final_result
from flows.review.release import ReceiptPress
from storage.models import Cycle, Signature


@pytest.fixture
def people(session, sample_roster) -> dict[str, Person]:
    people = released_cycle(session, sample_roster)
    reported(people)
    decide_changed(people[LEADER])
    return people


def test_result_after_a_changed_decision_shows_the_decided_result_marked_as_decided_on_appeal(people):
    text = people[OFFICER].says("/result")
    assert "总分：80 / 100" in text and "考核等级：A（良好）" in text
    assert "申诉决定" in text and "18 / 20 ✏️" in text
    assert "发送 /appeal 查看" in text and "📝 申诉" not in people[OFFICER].buttons()


def test_the_examinee_signs_for_the_decided_version_and_the_superseded_one_is_refused(people, session):
    officer, examinee = people[OFFICER], examinee_of(session, OFFICER)
    officer.says("/result")
    decided = ReceiptPress.parse(officer.buttons()["✍️ 签字（确认收到）"])
    assert (decided.examinee, decided.version) == (examinee.id, 2)
    superseded = ReceiptPress(decided.cycle, examinee.id, 1).pack()
    assert "结果已更新" in officer.refused(superseded)
    assert "签字确认收到结果" in officer.taps("签字")
    [signature] = session.exec(select(Signature)).all()
    assert signature.version == 2 and signature.member_id == examinee.member_id
    assert "你已于" in officer.says("/result") and "签字" not in "".join(officer.buttons())


def test_the_archive_reads_the_same_result_as_result(people, session):
    examinee = examinee_of(session, OFFICER)
    cycle = session.exec(select(Cycle)).one()
    [record] = [r for r in gather(session, cycle).examinees if r.examinee.id == examinee.id]
    standing = final_result(session, examinee)
    assert standing is not None and record.final == standing
    assert (standing.total, standing.grade, standing.decided_on_appeal) == (80, "A", True)
