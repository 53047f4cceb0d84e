"""Opening a cycle freezes the roster with each examinee's scorer and tells registered examinees privately."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cycle_helpers import NOW, SHANGHAI, bind, deadlines, import_sample, open_sample_cycle
from sqlmodel import select

from flows.cycles.opening import CycleError, Deadlines, open_cycle
from flows.roster.importing import import_roster
from flows.roster.reading import read_roster
from flows.rules.scheme import DEFAULT_SCHEME, SchemeError
from storage.models import Cycle, CycleExaminee, Member, Notification


def examinee(session, student_no: str) -> CycleExaminee:
    return session.exec(select(CycleExaminee).where(CycleExaminee.student_no == student_no)).one()


def member_id(session, student_no: str) -> int:
    return session.exec(select(Member.id).where(Member.student_no == student_no)).one()


def test_every_cadre_but_no_teacher_is_frozen_into_the_cycle(session, sample_roster):
    import_sample(session, sample_roster)
    opened = open_sample_cycle(session)
    assert opened.examinees == 80  # 82 on the roster, less the two teachers
    numbers = set(session.exec(select(CycleExaminee.student_no)))
    assert "T001" not in numbers and "2023000042" in numbers


def test_each_examinee_is_frozen_with_their_direct_superior(session, sample_roster):
    import_sample(session, sample_roster)
    open_sample_cycle(session)
    officer = examinee(session, "2023000256")  # 办公室 干事 → 马凯秀, who oversees 办公室
    assert (officer.team, officer.department, officer.position) == ("校学生会", "办公室", "officer")
    assert officer.scorer_member_id == member_id(session, "2023000111")
    vice = examinee(session, "2023000116")  # 副主席 → the president 罗晨秀
    assert vice.scorer_member_id == member_id(session, "2023000042")
    president = examinee(session, "2023000042")  # 主席 → the committee
    assert president.scorer_member_id is None


def test_a_later_roster_change_does_not_reach_into_an_open_cycle(session, sample_roster, tmp_path):
    import_sample(session, sample_roster)
    open_sample_cycle(session)
    changed = tmp_path / "changed.csv"
    text = sample_roster.read_text(encoding="utf-8")
    changed.write_text(
        text.replace("2023000256,郭宇雅,校学生会,办公室,干事", "2023000256,郭宇雅,校学生会,办公室,副部长")
    )
    import_roster(session, read_roster(changed).entries, actor="test", now=NOW)
    session.commit()
    assert examinee(session, "2023000256").position == "officer"


def test_only_registered_examinees_are_notified_once_each_in_their_language(session, sample_roster):
    import_sample(session, sample_roster)
    bind(session, "2023000256", 501)
    bind(session, "2023000157", 502, language="en")
    bind(session, "T001", 503)  # a teacher is not an examinee
    opened = open_sample_cycle(session)
    assert opened.notified == 2
    notices = {n.chat_id: n.text for n in session.exec(select(Notification))}
    assert set(notices) == {501, 502}
    assert "/self" in notices[501] and "2026-12-01 10:00" in notices[501] and "自我评定" in notices[501]
    assert "self-assessment" in notices[502]


def refused(session, dues: Deadlines) -> CycleError:
    """Why opening a cycle with ``dues`` is refused."""
    with pytest.raises(CycleError) as raised:
        open_cycle(
            session,
            name="x",
            deadlines=dues,
            scheme_path=DEFAULT_SCHEME,
            now=NOW,
            tz=SHANGHAI,
            default_locale="zh-CN",
        )
    return raised.value


def test_deadlines_must_be_in_order(session, sample_roster):
    import_sample(session, sample_roster)
    good = deadlines()
    bad = Deadlines(self_due=good.score_due, score_due=good.self_due, review_due=good.review_due)
    assert refused(session, bad).key == "cycle_deadlines_out_of_order"


def test_deadlines_must_be_in_the_future(session, sample_roster):
    import_sample(session, sample_roster)
    good = deadlines()
    past = Deadlines(self_due=NOW - timedelta(hours=1), score_due=good.score_due, review_due=good.review_due)
    error = refused(session, past)
    assert error.key == "cycle_deadline_past" and error.params["which"] == "--self-due"


def test_a_cycle_name_is_used_once(session, sample_roster):
    import_sample(session, sample_roster)
    open_sample_cycle(session, name="2026秋")
    with pytest.raises(CycleError) as raised:
        open_sample_cycle(session, name="2026秋")
    assert raised.value.key == "cycle_name_taken"


def test_a_cycle_cannot_open_on_an_empty_roster(session):
    with pytest.raises(CycleError) as raised:
        open_sample_cycle(session)
    assert raised.value.key == "cycle_no_examinees"
    session.rollback()
    assert session.exec(select(Cycle)).all() == []


def test_a_broken_scheme_file_is_refused(session, sample_roster, tmp_path):
    import_sample(session, sample_roster)
    broken = tmp_path / "broken.toml"
    broken.write_text(DEFAULT_SCHEME.read_text(encoding="utf-8").replace("total = 100", "total = 90", 1))
    with pytest.raises(SchemeError):
        open_sample_cycle(session, scheme=broken)


def test_the_cycle_keeps_the_scheme_text_it_opened_with(session, sample_roster):
    import_sample(session, sample_roster)
    opened = open_sample_cycle(session)
    assert opened.cycle.scheme_text == DEFAULT_SCHEME.read_text(encoding="utf-8")
