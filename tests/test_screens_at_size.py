"""Screens that fit Telegram at any size (issue 12): a vice-president scoring 300 people and a department of
890 in the committee's review are shown a page at a time on one live message, each page within Telegram's
100 buttons and 4096 characters (counted after the HTML is parsed), everyone reachable by paging and by
typing their name or student number; the people still to score come first, so anyone is two taps away;
and a screen reads the same number of SQL statements for 10 examinees as for 60."""

from __future__ import annotations

import pytest
from cycle_helpers import AFTER_SELF_DUE, REVIEW_TIME, Person, bind, fill_sheets, open_sample_cycle
from org_helpers import Team, begin_sheets, import_organisation, statements
from sqlmodel import Session, select

from flows.ui.chat import Reply
from flows.ui.paging import PAGE_SIZE, page_of, search
from flows.ui.text import MESSAGE_LIMIT, visible_length
from storage.models import CycleExaminee

BUTTON_LIMIT = 100
UNION = Team("学生会", "30", {"甲部": 100, "乙部": 100, "丙部": 100}, committee="副组长")
ASSOCIATION = Team("社团联合会", "40", {"大部": 890})
VICE_PRESIDENT, COMMITTEE = 701, 702
POINTS = ["18", "14", "13", "7", "5", "5", "7", "6", "7", "6"]


@pytest.fixture
def large(session, tmp_path) -> dict[str, Person]:
    """The union's vice-president scores 300 people in three departments; the association has a
    department of 890; the union's president is on the committee."""
    import_organisation(session, tmp_path, [UNION, ASSOCIATION])
    bind(session, UNION.vice_president, VICE_PRESIDENT)
    bind(session, UNION.president, COMMITTEE)
    open_sample_cycle(session)
    scorer, committee = Person(session, VICE_PRESIDENT), Person(session, COMMITTEE)
    scorer.now, committee.now = AFTER_SELF_DUE, REVIEW_TIME
    return {"scorer": scorer, "committee": committee}


def fits(reply: Reply) -> bool:
    return visible_length(reply.text) <= MESSAGE_LIMIT and sum(map(len, reply.buttons)) <= BUTTON_LIMIT


def examinees(session: Session, department: str) -> list[CycleExaminee]:
    query = select(CycleExaminee).where(CycleExaminee.department == department)
    return list(session.exec(query.order_by(CycleExaminee.id)))


def scored_by_vice_president(session: Session) -> list[CycleExaminee]:
    return [e for department in UNION.departments for e in examinees(session, department)]


def page_through(person: Person, marked: str) -> list[str]:
    """Every button label of the live list, page after page through ▶; each page one message that fits
    Telegram, edited in place; the labels of buttons whose label holds ``marked``."""
    labels: list[str] = []
    while True:
        [reply] = person.last
        assert fits(reply)
        labels += [label for label in person.buttons() if marked in label]
        onward = [data for label, data in person.buttons().items() if label.endswith("▶")]
        if not onward:
            return labels
        person.presses(onward[0])
        assert person.last[0].edit and person.last[0].live


# A scorer with 300 examinees


def test_a_scorer_of_300_reaches_everyone_by_paging_and_by_search_each_page_fitting_telegram(large, session):
    scorer, people = large["scorer"], scored_by_vice_president(session)
    text = scorer.says("/score")
    assert f"第 1/{300 // PAGE_SIZE} 页 · 共 300 人" in text
    names = [label.split(" ", 1)[1] for label in page_through(scorer, "⬜")]
    assert sorted(names) == sorted(e.name for e in people)
    assert "已失效" in scorer.refused(f"cl:{people[0].cycle_id}:{300 // PAGE_SIZE}")  # no page 16
    for n, examinee in enumerate(people):
        for typed in (examinee.student_no, examinee.name) if n % 10 == 0 else (examinee.student_no,):
            scorer.says(typed)
            [reply] = scorer.last
            assert fits(reply) and reply.edit
            assert f"⬜ {examinee.name}" in next(iter(scorer.buttons())), typed
    scorer.says("甲部0")
    assert "含“甲部0”的共 100 人，第 1/5 页" in scorer.last[0].text and fits(scorer.last[0])
    found = page_through(scorer, "甲部0")  # the search's pages, turned with ▶ like the list's
    assert len(found) == len(set(found)) == 100 and "第 5/5 页" in scorer.last[0].text


def test_the_people_still_to_score_come_first_so_anyone_is_two_taps_away(large, session):
    scorer = large["scorer"]
    people = scored_by_vice_president(session)
    fill_sheets(session, people[:150], POINTS, AFTER_SELF_DUE)  # submitted
    begin_sheets(session, people[-3:], 5, AFTER_SELF_DUE)  # drafts
    scorer.says("/score")
    first_page = list(scorer.buttons())
    assert sum(label.startswith("✏️") for label in first_page) == 3
    assert not any(label.startswith("✅") for label in first_page)
    waiting = next(label for label in first_page if label.startswith("⬜"))
    assert "评分（1/10）" in scorer.taps(waiting)  # first tap: their sheet
    assert "✓ 已保存：工作业绩 20 分。" in scorer.taps("20")  # second tap: a score


# A department of 890 in the review


def test_a_department_of_890_reaches_everyone_by_paging_and_by_search_each_page_fitting_telegram(
    large, session
):
    committee, department = large["committee"], examinees(session, "大部")
    committee.says("/review")
    assert fits(committee.last[0])
    text = committee.taps("大部")
    assert "第 1/45 页 · 共 890 人" in text
    labels = page_through(committee, "大部")
    assert labels == [f"{n}. {e.name}" for n, e in enumerate(department, start=1)]
    for examinee in [*department[::89], department[-1]]:
        for typed in (examinee.student_no, examinee.name):
            committee.says(typed)
            [reply] = committee.last
            assert fits(reply) and reply.edit
            assert next(iter(committee.buttons())) == f"1. {examinee.name}"
    committee.says("大部")
    assert "含“大部”的共 890 人，第 1/45 页" in committee.last[0].text and fits(committee.last[0])
    every = list(session.exec(select(CycleExaminee)))
    for examinee in every:  # and anyone of the cycle, by their student number, as the review looks
        assert search(every, examinee.student_no, lambda e: e.name, lambda e: e.student_no)[0] is examinee


def test_an_overview_of_many_departments_pages_through_them_all(session, tmp_path):
    many = Team("多部会", "70", {f"第{n:02d}部": 2 for n in range(1, 41)}, committee="副组长")
    import_organisation(session, tmp_path, [many])
    bind(session, many.president, COMMITTEE)
    open_sample_cycle(session)
    committee = Person(session, COMMITTEE)
    assert "第 1/3 页 · 共 41 个部门" in committee.says("/review")
    departments = page_through(committee, "多部会 · ")
    assert departments[0].endswith("多部会 · 主席团") and len(departments) == 41
    assert all(f"第{n:02d}部" in label for n, label in enumerate(departments[1:], start=1))


def test_pages_of_names_as_long_as_the_roster_allows_still_fit_one_message_each_in_english(session, tmp_path):
    department = "Department of External Relations and Partnerships and Alumni Affairs of the University"
    union = Team("Union", "80", {department: 45}, committee="副组长")  # names of 93 characters
    import_organisation(session, tmp_path, [union])
    bind(session, union.vice_president, VICE_PRESIDENT, language="en")
    bind(session, union.president, COMMITTEE, language="en")
    open_sample_cycle(session)
    scorer, committee = Person(session, VICE_PRESIDENT, "en"), Person(session, COMMITTEE, "en")
    scorer.now = committee.now = AFTER_SELF_DUE
    assert "Page 1/" in scorer.says("/score")
    assert len(page_through(scorer, "⬜")) == 45
    committee.says("/review")
    committee.taps("Alumni")
    assert len(page_through(committee, "Alumni")) == 45


def test_a_search_puts_an_exact_name_or_number_first_among_partial_matches():
    people = [("大部1000号", "4011000"), ("大部100号", "4010100"), ("大部010号", "4010010")]
    assert search(people, "大部100号", lambda p: p[0], lambda p: p[1])[0] == people[1]
    assert search(people, " 4010010 ", lambda p: p[0], lambda p: p[1]) == [people[2]]
    assert search(people, "大部1", lambda p: p[0], lambda p: p[1]) == people[:2]


def test_a_list_has_as_many_pages_as_it_needs_and_no_more():
    assert page_of([], 0) is not None and page_of([], 1) is None
    last = page_of(list(range(2 * PAGE_SIZE + 1)), 2)
    assert last is not None and list(last.items) == [2 * PAGE_SIZE] and last.count == 3
    assert page_of(list(range(PAGE_SIZE)), 1) is None and page_of(list(range(5)), -1) is None


# SQL statements do not grow with the number of examinees


SMALL_TEAM = Team("小会", "50", {"小部": 10}, committee="副组长")
LARGE_TEAM = Team("大会", "60", {"大部": 60})


@pytest.fixture
def two_sizes(session, tmp_path) -> dict[str, Person]:
    """Two vice-presidents, one scoring 10 people, one 60, a third of each submitted and a third begun."""
    import_organisation(session, tmp_path, [SMALL_TEAM, LARGE_TEAM])
    people = {"small": 801, "large": 802, "committee": 803}
    bind(session, SMALL_TEAM.vice_president, people["small"])
    bind(session, LARGE_TEAM.vice_president, people["large"])
    bind(session, SMALL_TEAM.president, people["committee"])
    open_sample_cycle(session)
    for department in ("小部", "大部"):
        found = examinees(session, department)
        third = len(found) // 3
        fill_sheets(session, found[:third], POINTS, AFTER_SELF_DUE)
        begin_sheets(session, found[third : 2 * third], 4, AFTER_SELF_DUE)
    persons = {role: Person(session, user) for role, user in people.items()}
    for person in persons.values():
        person.now = AFTER_SELF_DUE
    return persons


def counted(session: Session, engine, step) -> int:
    """How many SQL statements ``step`` sends, nothing read before it kept in the session."""
    session.expunge_all()
    with statements(engine) as sent:
        step()
    return len(sent)


def test_the_score_list_reads_as_many_statements_for_60_examinees_as_for_10(two_sizes, session, engine):
    small, large = two_sizes["small"], two_sizes["large"]
    assert counted(session, engine, lambda: small.says("/score")) == counted(
        session, engine, lambda: large.says("/score")
    )
    assert "共 60 人" in large.last[0].text and "小部009号" in small.last[0].text


def test_a_review_department_reads_as_many_statements_for_60_examinees_as_for_10(two_sizes, session, engine):
    committee = two_sizes["committee"]
    committee.says("/review")
    departments = {label: data for label, data in committee.buttons().items() if "部" in label}
    small = next(data for label, data in departments.items() if "小部" in label)
    large = next(data for label, data in departments.items() if "大部" in label)
    assert counted(session, engine, lambda: committee.presses(small)) == counted(
        session, engine, lambda: committee.presses(large)
    )
    assert "（60 人）" in committee.last[0].text
