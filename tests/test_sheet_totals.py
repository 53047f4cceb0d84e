"""A score sheet keeps its total and how many items are scored as its item scores are written
(``flows.scoring.sheet.give_score``, migration 0013 for sheets written before): the board reads those, and
the item scores only when a screen asks for them."""

from __future__ import annotations

from decimal import Decimal

from alembic import command
from cycle_helpers import GOOD, NOW, PASS, TOP, fill_sheets, import_sample, open_sample_cycle
from org_helpers import statements
from sqlalchemy import text
from sqlmodel import Session, col, select

from flows.results.board import load_board
from flows.results.fingerprint import board_hash
from flows.rules.cycles import scheme_of
from flows.rules.grading import total_score
from flows.scoring.sheet import give_score
from storage import scoring
from storage.db import _alembic_config, current_revision, head_revision, make_engine, upgrade
from storage.models import Cycle, CycleExaminee, ScoreSheet


def _scored(session: Session, sample_roster: object) -> Cycle:
    """The sample cycle with its scorers' examinees scored (a third of them left as drafts)."""
    import_sample(session, sample_roster)  # type: ignore[arg-type]
    cycle = open_sample_cycle(session).cycle
    examinees = session.exec(
        select(CycleExaminee)
        .where(col(CycleExaminee.scorer_member_id).is_not(None))
        .order_by(col(CycleExaminee.id))
    ).all()
    for n, examinee in enumerate(examinees):
        fill_sheets(session, [examinee], (TOP, GOOD, PASS)[n % 3], NOW, submit=n % 3 != 2)
    return cycle


def _kept(session: Session) -> dict[int, tuple[int, str | None]]:
    return {row.id: (row.scored, row.total) for row in session.exec(select(ScoreSheet))}


def _worked_out(session: Session, cycle: Cycle) -> dict[int, tuple[int, str | None]]:
    """Each sheet's item count and total worked out afresh from its item scores."""
    scheme = scheme_of(cycle)
    found = {}
    for row in session.exec(select(ScoreSheet)):
        given = scoring.item_scores(session, row.id)
        found[row.id] = (len(given), str(total_score(given, scheme)) if given else None)
    return found


def test_a_sheet_keeps_the_count_and_total_of_its_item_scores_as_they_are_written_and_rewritten(
    session, sample_roster
):
    cycle = _scored(session, sample_roster)
    sheet = session.exec(select(ScoreSheet).order_by(col(ScoreSheet.id))).first()
    assert sheet is not None
    given = scoring.item_scores(session, sheet.id)
    key = next(iter(given))
    before = give_score(
        session, sheet, scheme_of(cycle), given, key, Decimal("0.5"), sheet.scorer_member_id, NOW
    )
    session.commit()
    assert before == given[key]
    kept = _kept(session)
    assert kept == _worked_out(session, cycle)
    assert kept[sheet.id][0] == len(given) and all(scored for scored, _ in kept.values())


def test_the_board_totals_are_those_of_the_item_scores(session, sample_roster):
    cycle = _scored(session, sample_roster)
    board = load_board(session, cycle)
    scheme = board.scheme
    scored = [entry for entry in board.entries if entry.sheet is not None]
    assert scored
    for entry in scored:
        assert entry.original_total == total_score(entry.original, scheme)
        assert str(entry.total) == str(total_score(entry.scores, scheme))
        assert entry.scored == len(entry.original)


def test_the_board_reads_item_scores_only_when_asked_one_sheet_then_the_whole_cycle(session, sample_roster):
    cycle = _scored(session, sample_roster)
    session.expunge_all()
    board = load_board(session, cycle)
    first, second, *rest = [entry for entry in board.entries if entry.sheet is not None]
    with statements(session.get_bind()) as one:
        assert first.original
    with statements(session.get_bind()) as whole:
        assert second.original
    with statements(session.get_bind()) as none:
        assert all(entry.original for entry in rest)
        board_hash(board)
    assert (len(one), len(whole), len(none)) == (1, 1, 0)


def test_the_migration_fills_the_totals_of_sheets_written_before_it(database_url, sample_roster):
    engine = make_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            cycle = _scored(session, sample_roster)
            kept = _kept(session)
            signed = board_hash(load_board(session, cycle))
        command.downgrade(_alembic_config(engine), "0012")
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        with Session(engine, expire_on_commit=False) as session:
            assert _kept(session) == kept
            assert board_hash(load_board(session, session.get_one(Cycle, cycle.id))) == signed
            unscored = session.exec(text("SELECT count(*) FROM scoresheet WHERE total IS NULL")).one()
        assert unscored == (0,)
    finally:
        upgrade(engine)
        engine.dispose()
