"""The review board (复核平衡) is read in a fixed number of queries, however many people a cycle assesses:
a cycle of ten thousand cadres costs the same round trips as one of ten."""

from __future__ import annotations

from cycle_helpers import GOOD, NOW, PASS, TOP, fill_sheets, open_sample_cycle
from org_helpers import statements
from sqlmodel import Session, col, select

from flows.review.board import load_board
from flows.roster.importing import import_roster
from storage.models import CommitteeRole, Cycle, CycleExaminee, Position
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
