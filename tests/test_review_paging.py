"""Paging in ``/review`` keeps the committee's place: back from an examinee, after rating a department
or accepting one of its rule breaks, the committee is on the page it came from (of the department, and
of the overview); and a search that finds more than a page of examinees pages them with ◀ ▶ too."""

from __future__ import annotations

import pytest
from cycle_helpers import REVIEW_TIME, Person, bind, fill_sheets, open_sample_cycle
from org_helpers import Team, import_organisation
from sqlmodel import select

from storage.models import CycleExaminee

COMMITTEE = 702
TEAM = Team("多部会", "70", {**{f"第{n:02d}部": 2 for n in range(1, 41)}, "第41部": 45}, committee="副组长")
GOOD = ["18", "14", "13", "7", "5", "5", "7", "6", "7", "6"]  # 88, band A for everyone: too many A


@pytest.fixture
def committee(session, tmp_path) -> Person:
    """42 departments (three pages of the overview, 第41部 on the last), 第41部 of 45 (three pages of its
    own), every sheet of 第41部 submitted."""
    import_organisation(session, tmp_path, [TEAM])
    bind(session, TEAM.president, COMMITTEE)
    open_sample_cycle(session)
    big = list(session.exec(select(CycleExaminee).where(CycleExaminee.department == "第41部")))
    fill_sheets(session, big, GOOD, REVIEW_TIME)
    person = Person(session, COMMITTEE)
    person.now = REVIEW_TIME
    return person


def turn_to_last_page(person: Person) -> str:
    """Press ▶ until the list shows its last page; that page's text."""
    while onward := [data for label, data in person.buttons().items() if label.endswith("▶")]:
        text = person.presses(onward[0])
    return text


def test_back_from_an_examinee_and_a_department_returns_to_the_pages_they_were_on(committee):
    committee.says("/review")
    assert "第 3/3 页" in turn_to_last_page(committee)
    committee.taps("多部会 · 第41部")
    assert "第 3/3 页 · 共 45 人" in turn_to_last_page(committee)
    committee.taps("43. ")
    assert "第 3/3 页 · 共 45 人" in committee.taps("返回部门")
    assert any(label.startswith("43. ") for label in committee.buttons())
    assert "第 3/3 页 · 共 42 个部门" in committee.taps("⬅️ 返回")
    assert any(label.endswith("多部会 · 第41部") for label in committee.buttons())


def test_rating_or_accepting_a_rule_break_on_a_department_page_stays_on_that_page(committee):
    committee.says("/review")
    turn_to_last_page(committee)
    committee.taps("多部会 · 第41部")
    turn_to_last_page(committee)
    text = committee.taps("优秀")
    assert "部门业绩评价已保存" in text and "第 3/3 页 · 共 45 人" in text
    assert "请写下接受的理由" in committee.taps("接受问题 1")
    text = committee.says("全部门本学期承办全校大型活动，表现突出")
    assert "已接受，理由已记录" in text and "第 3/3 页 · 共 45 人" in text


def test_a_search_matching_more_than_a_page_says_how_many_and_pages_them_all(committee):
    committee.says("/review")
    text = committee.says("第41部")
    assert "含“第41部”的共 45 人，第 1/3 页" in text and committee.last[0].edit
    labels = [label for label in committee.buttons() if "第41部" in label]
    while onward := [data for label, data in committee.buttons().items() if label.endswith("▶")]:
        committee.presses(onward[0])
        assert committee.last[0].edit
        labels += [label for label in committee.buttons() if "第41部" in label]
    assert "第 3/3 页" in committee.last[0].text and len(labels) == 45 == len(set(labels))
    assert labels[44].startswith("45. ")
    text = committee.says("第41部044号")  # another search, typed under the last page
    assert "共 1 人" in text and "页" not in text.split("共 1 人")[1]


def test_turning_the_page_of_a_search_no_longer_shown_is_refused(committee):
    committee.says("/review")
    committee.says("第41部")
    onward = next(data for label, data in committee.buttons().items() if label.endswith("▶"))
    committee.says("/review")  # a new screen: the search it remembered is gone with its message
    assert "失效" in committee.refused(onward)


def test_a_rating_pressed_on_a_page_the_department_does_not_have_is_refused_and_saves_nothing(committee):
    committee.says("/review")
    turn_to_last_page(committee)
    committee.taps("多部会 · 第41部")
    rating = committee.buttons()["优秀"]
    forged = rating.rsplit(":", 1)[0] + ":9"  # the department has pages 0 to 2
    assert "失效" in committee.refused(forged)
    committee.says("/review")
    turn_to_last_page(committee)
    assert "部门业绩评价：未设定" in committee.taps("多部会 · 第41部")
