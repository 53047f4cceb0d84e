"""The review board (复核平衡) is read in a fixed number of queries, however many people a cycle assesses:
a cycle of ten thousand cadres costs the same round trips as one of ten; and read that way, it grades
every examinee as working out their result alone would."""

from __future__ import annotations

import gc
from decimal import Decimal

from cycle_helpers import GOOD, NOW, PASS, TOP, fill_sheets, open_sample_cycle
from org_helpers import statements
from sqlmodel import Session, col, select

from flows.results.board import load_board
from flows.roster.importing import import_roster
from flows.rules.grading import allowed_grade, band_for, grade_counts, total_score
from storage import review, scoring
from storage.models import (
    ChangeKind,
    CommitteeRole,
    Cycle,
    CycleExaminee,
    Member,
    Position,
    ReviewChange,
    SheetStatus,
)
from storage.roster import RosterEntry


def _roster(cadres: int) -> list[RosterEntry]:
    """A team of ``cadres`` cadres: a president, departments of about five, a vice-president over each two."""
    team = "校学生会"
    departments = [f"第{n}部" for n in range(max(1, cadres // 6))]
    charges = [tuple(departments[n : n + 2]) for n in range(0, len(departments), 2)]
    deputy, adviser = CommitteeRole.DEPUTY_LEADER, CommitteeRole.CHIEF_ADVISER
    people = [
        RosterEntry("P001", "李华", team, None, Position.PRESIDENT, committee_role=deputy),
        RosterEntry("T001", "赵敏", team, None, Position.TEACHER, committee_role=adviser),
    ]
    people += [
        RosterEntry(f"V{n:03d}", f"副主席{n}", team, None, Position.VICE_PRESIDENT, oversees=charge)
        for n, charge in enumerate(charges)
    ]
    for number in range(cadres - 1 - len(charges)):
        department = departments[number % len(departments)]
        position = Position.HEAD if number < len(departments) else Position.OFFICER
        people.append(RosterEntry(f"S{number:04d}", f"成员{number}", team, department, position))
    return people


def _scored_cycle(session: Session, cadres: int, name: str) -> Cycle:
    """A cycle of ``cadres`` examinees, every sheet but the president's scored and submitted (scored by
    more vice-presidents the bigger it is)."""
    import_roster(session, _roster(cadres), actor="test", now=NOW)
    session.commit()
    cycle = open_sample_cycle(session, name=name).cycle
    examinees = session.exec(
        select(CycleExaminee).where(
            CycleExaminee.cycle_id == cycle.id, col(CycleExaminee.scorer_member_id).is_not(None)
        )
    ).all()
    for n, examinee in enumerate(examinees):
        fill_sheets(session, [examinee], (TOP, GOOD, PASS)[n % 3], NOW)
    return cycle


def test_loading_the_board_sends_as_many_statements_for_sixty_examinees_as_for_ten(session):
    small = _scored_cycle(session, 10, "十人周期")
    large = _scored_cycle(session, 60, "六十人周期")
    boards = {}
    counted = {}
    for cycle in (small, large):
        session.expunge_all()  # nothing answered from the identity map: every read goes to the database
        with statements(session.get_bind()) as sent:
            boards[cycle.name] = load_board(session, cycle)
        counted[cycle.name] = len(sent)
    assert [len(boards[c.name].entries) for c in (small, large)] == [10, 60]
    assert all(entry.total > 0 for entry in boards[large.name].entries if entry.submitted)
    assert counted[small.name] == counted[large.name], counted


def test_loading_the_board_makes_no_orm_object_of_an_examinee_a_sheet_or_an_item_score(session):
    cycle = _scored_cycle(session, 30, "三十人周期")
    session.expunge_all()
    board = load_board(session, cycle)
    assert len(board.entries) == 30 and any(entry.sheet is not None for entry in board.entries)
    kinds = {type(instance).__name__ for instance in session.identity_map.values()}
    assert not kinds & {"CycleExaminee", "ScoreSheet", "ItemScore"}, kinds


def test_the_board_grades_every_examinee_as_their_own_sheet_rating_and_changes_would_alone(session):
    cycle = _scored_cycle(session, 60, "六十人周期")
    leader = session.exec(select(Member).where(Member.student_no == "P001")).one()
    examinees = session.exec(
        select(CycleExaminee)
        .where(CycleExaminee.cycle_id == cycle.id, col(CycleExaminee.department).is_not(None))
        .order_by(col(CycleExaminee.id))
    ).all()
    changes = [
        (ChangeKind.RATING, {"team": "校学生会", "department": "第0部", "after": "ordinary"}),
        (ChangeKind.RATING, {"team": "校学生会", "department": "第1部", "after": "outstanding"}),
        (ChangeKind.SCORE, {"examinee_id": examinees[0].id, "item": "attitude", "after": "3"}),
        (ChangeKind.SCORE, {"examinee_id": examinees[1].id, "item": "attitude", "after": "9"}),
        (ChangeKind.GRADE, {"examinee_id": examinees[2].id, "after": "C"}),
    ]
    for kind, changed in changes:
        change = ReviewChange(
            cycle_id=cycle.id, kind=kind, reason="复核平衡", member_id=leader.id, version=1, **changed
        )
        review.record_change(session, change)
    session.commit()
    board = load_board(session, cycle)
    scheme, ratings = board.scheme, {(c.team, c.department): c.after for c in board.changes if c.team}
    assert sum(1 for group in board.groups if group.key in ratings) == 2
    for group in board.groups:
        for entry in group.entries:
            sheet = scoring.sheet_of(session, entry.examinee.id)
            given = {} if sheet is None else scoring.item_scores(session, sheet.id)
            changed = {c.item: Decimal(c.after) for c in board.changes_of(entry.examinee.id) if c.item}
            total = total_score({**given, **changed}, scheme)
            band = band_for(total, scheme)
            rating = ratings.get(group.key)
            proposed = band if rating is None else allowed_grade(band, rating, scheme)
            regraded = [c.after for c in board.changes_of(entry.examinee.id) if c.kind == ChangeKind.GRADE]
            assert (entry.original_total, entry.total) == (total_score(given, scheme), total)
            assert (entry.band, entry.proposed, entry.grade) == (band, proposed, (regraded or [proposed])[-1])
            assert entry.submitted == (sheet is not None and sheet.status == SheetStatus.SUBMITTED)
        submitted = [entry.grade for entry in group.entries if entry.submitted]
        assert board.counts(group) == grade_counts(submitted, scheme)
    assert {e.examinee.id for e in board.entries if e.changed} == {examinees[0].id, examinees[1].id}


def test_loading_the_board_leaves_the_garbage_collector_as_it_found_it(session):
    cycle = _scored_cycle(session, 10, "十人周期")
    assert gc.isenabled()
    load_board(session, cycle)
    assert gc.isenabled()
    gc.disable()
    try:
        session.expire_all()
        session.commit()  # the board is read again
        load_board(session, cycle)
        assert not gc.isenabled()
    finally:
        gc.enable()
