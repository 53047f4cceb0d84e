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
    Member,
    ScoreSheet,
    SelfAssessment,
    SelfStatus,
    SheetStatus,
    TelegramBinding,
)


@pytest.fixture
def config(tmp_path: Path, database_url: str, sample_roster: Path) -> str:
    return kaohe_config(tmp_path, database_url, sample_roster)


LATE_SELF = (
    "--self-due",
    "2099-12-09T22:00",
    "--score-due",
    "2099-12-08T22:00",
    "--review-due",
    "2099-12-15",
)


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
    assert "自我评定 2099-12-01 23:59" in out and "复核确认 2099-12-15 22:00" in out
    assert "Asia/Shanghai" in out and "self-assessment" not in out  # one language per run
    assert out.index("23:59") < out.index("80")  # what was read comes before the cycle opens
    engine = make_engine(database_url)
    with Session(engine) as session:
        assert session.exec(select(Cycle)).one().self_due == datetime(2099, 12, 1, 15, 59, tzinfo=UTC)
    engine.dispose()


def test_open_with_an_unreadable_time_names_the_option(config, capsys):
    assert open_cycle(config, self_due="next friday") == 2
    assert "--self-due" in capsys.readouterr().err


def test_open_with_deadlines_out_of_order_is_refused_in_the_chosen_language(config, capsys):
    assert open_cycle(config, self_due="2099-12-09T22:00") == 2
    assert "依次排列" in capsys.readouterr().err
    assert main(["--lang", "en", "--config", config, "cycle", "open", "--name", "x", *LATE_SELF]) == 2
    error = capsys.readouterr().err
    assert "in order" in error and "依次排列" not in error


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
    summary, departments = out.split("各部门进度")
    assert "当前阶段：自我评定" in summary and "self_assessment" not in out
    assert "自我评定 2099-12-01 22:00" in summary
    assert "1/80 · 草稿 1 · 未开始 78" in summary
    rows = [line.split("│")[1:3] for line in departments.splitlines() if line.startswith("│")]
    assert [r[1].strip() for r in rows[:4]] == ["（主席团）", "办公室", "学习部", "文艺部"]  # roster order
    office_line = next(line for line in departments.splitlines() if "办公室" in line)
    assert "1/4" in office_line
    assert "--details" in out and "--department" in out  # details on request


def test_status_names_unregistered_and_unreachable_members(config, database_url, capsys):
    open_cycle(config)
    engine = make_engine(database_url)
    with Session(engine) as session:
        member = session.exec(select(Member).where(Member.name == "罗晨秀")).one()
        session.add(TelegramBinding(member_id=member.id, telegram_user_id=9, chat_id=9))
        session.commit()
    engine.dispose()
    capsys.readouterr()
    assert main(["--config", config, "cycle", "status"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("未注册"))
    assert "79 人" in line and "马凯秀（2023000111）" in line and "罗晨秀" not in line
    assert "另有 59 人" in line
    assert main(["--config", config, "cycle", "status", "--details"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("未注册"))
    assert line.count("（20230") == 79 and "另有" not in line


def test_status_of_one_department_lists_each_person_in_the_chosen_language(config, capsys):
    open_cycle(config)
    capsys.readouterr()
    assert main(["--config", config, "--lang", "en", "cycle", "status", "--department", "办公室"]) == 0
    out = capsys.readouterr().out
    table = out.split('Department "办公室": 4 people')[1]
    assert all(name in table for name in ("龙浩", "杨超", "郭宇雅", "江桂"))
    assert "not started" in line_of(table, "郭宇雅") and "officer" in line_of(table, "郭宇雅")
    assert "phase: self-assessment" in out and "自我评定" not in out
    assert main(["--config", config, "cycle", "status", "--department", "无此部门"]) == 2


def line_of(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


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
    assert main(["--config", config, "cycle", "status", "--details"]) == 0
    out = capsys.readouterr().out
    scorers = out.split("评分进度（每位评分人）")[1]
    scorer_line = next(line for line in scorers.splitlines() if "马凯秀" in line)
    assert re.search(r"马凯秀\W+校学生会\W+12\W+1\W+0\W+1\W.*1/14", scorer_line)
    committee = [line for line in scorers.splitlines() if line.startswith("│ 考核小组")]
    assert len(committee) == 3 and all("0/1" in line for line in committee)  # a president per team
    assert "1/80 · 草稿 1 · 退回 0 · 未开始 78" in out


def test_status_without_any_cycle_says_how_to_open_one(config, capsys):
    assert main(["--config", config, "cycle", "status"]) == 2
    assert "kaohe cycle open" in capsys.readouterr().err


def test_status_of_an_unknown_cycle_is_refused(config, capsys):
    open_cycle(config)
    assert main(["--config", config, "cycle", "status", "--name", "nope"]) == 2
    assert "nope" in capsys.readouterr().err
