"""``kaohe cycle open`` and ``kaohe cycle status`` in process: times, errors in plain words, progress."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cli_helpers import kaohe_config
from sqlmodel import Session, select

from bot.cli import main
from storage.db import make_engine
from storage.models import (
    Cycle,
    CycleExaminee,
    ItemScore,
    ScoreSheet,
    SelfAssessment,
    SelfStatus,
    SheetStatus,
)


@pytest.fixture
def config(tmp_path: Path, database_url: str, sample_roster: Path) -> str:
    return kaohe_config(tmp_path, database_url, sample_roster)


def open_cycle(config: str, name: str = "2026秋季考核", *, self_due: str | None = None) -> int:
    return main(
        [
            "--config", config, "cycle", "open", "--name", name,
            "--self-due", self_due or "2099-12-01T22:00",
            "--score-due", "2099-12-08T22:00",
            "--review-due", "2099-12-15 22:00",
        ]
    )  # fmt: skip


def test_open_reads_zoneless_times_in_the_configured_timezone(config, database_url, capsys):
    assert open_cycle(config) == 0
    assert "80" in capsys.readouterr().out
    engine = make_engine(database_url)
    with Session(engine) as session:
        cycle = session.exec(select(Cycle)).one()
        assert cycle.self_due == datetime(2099, 12, 1, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai
        assert len(session.exec(select(CycleExaminee)).all()) == 80
    engine.dispose()


def test_a_date_without_a_time_means_the_end_of_that_day_and_is_echoed_in_full(config, database_url, capsys):
    assert open_cycle(config, self_due="2099-12-01") == 0
    out = capsys.readouterr().out
    assert "自我评定 2099-12-01 23:59" in out and "self-assessment 2099-12-01 23:59" in out
    assert "Asia/Shanghai" in out and "review 2099-12-15 22:00" in out
    assert out.index("23:59") < out.index("80")  # what was read comes before the cycle opens
    engine = make_engine(database_url)
    with Session(engine) as session:
        assert session.exec(select(Cycle)).one().self_due == datetime(2099, 12, 1, 15, 59, tzinfo=UTC)
    engine.dispose()


def test_open_with_an_unreadable_time_names_the_option(config, capsys):
    assert open_cycle(config, self_due="next friday") == 2
    assert "--self-due" in capsys.readouterr().err


def test_open_with_deadlines_out_of_order_is_refused_in_both_languages(config, capsys):
    assert open_cycle(config, self_due="2099-12-09T22:00") == 2
    error = capsys.readouterr().err
    assert "依次排列" in error and "in order" in error


def test_open_with_a_past_deadline_is_refused(config, capsys):
    assert open_cycle(config, self_due="2020-01-01T00:00") == 2
    assert "--self-due" in capsys.readouterr().err


def test_status_shows_progress_per_team_and_department(config, database_url, capsys):
    open_cycle(config)
    engine = make_engine(database_url)
    with Session(engine) as session:
        office = session.exec(select(CycleExaminee).where(CycleExaminee.department == "办公室")).all()
        now = datetime.now(UTC)
        session.add(SelfAssessment(examinee_id=office[0].id, status=SelfStatus.SUBMITTED, submitted_at=now))
        session.add(SelfAssessment(examinee_id=office[1].id))
        session.commit()
    engine.dispose()
    capsys.readouterr()
    assert main(["--config", config, "cycle", "status"]) == 0
    out = capsys.readouterr().out
    office_line = next(line for line in out.splitlines() if "办公室" in line)
    assert "1/4" in office_line
    assert "self_assessment" in out and "2099-12-01 22:00" in out
    assert "1/80" in out


def test_status_shows_scoring_progress_per_scorer(config, database_url, capsys):
    open_cycle(config)
    engine = make_engine(database_url)
    with Session(engine) as session:
        office = session.exec(select(CycleExaminee).where(CycleExaminee.department == "办公室")).all()
        scorer = office[0].scorer_member_id
        done = ScoreSheet(examinee_id=office[0].id, scorer_member_id=scorer, status=SheetStatus.SUBMITTED)
        draft = ScoreSheet(examinee_id=office[1].id, scorer_member_id=scorer)
        session.add_all([done, draft])
        session.flush()
        session.add(ItemScore(sheet_id=draft.id, item="results", points=15, scored_by_member_id=scorer))
        session.commit()
    engine.dispose()
    capsys.readouterr()
    assert main(["--config", config, "cycle", "status"]) == 0
    out = capsys.readouterr().out
    assert "评分进度 Scoring progress" in out
    scorer_line = next(line for line in out.splitlines() if "马凯秀" in line)
    assert re.search(r"马凯秀\W+校学生会\W+12\W+1\W+0\W+1\W.*1/14", scorer_line)
    committee = [line for line in out.splitlines() if "考核小组 committee" in line]
    assert len(committee) == 3 and all("0/1" in line for line in committee)  # a president per team
    assert "1/80" in out


def test_status_without_any_cycle_says_how_to_open_one(config, capsys):
    assert main(["--config", config, "cycle", "status"]) == 2
    assert "kaohe cycle open" in capsys.readouterr().err


def test_status_of_an_unknown_cycle_is_refused(config, capsys):
    open_cycle(config)
    assert main(["--config", config, "cycle", "status", "--name", "nope"]) == 2
    assert "nope" in capsys.readouterr().err
