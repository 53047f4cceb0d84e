"""``kaohe roster import`` and ``kaohe roster show`` run in process, on every database backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import kaohe_config
from sqlmodel import Session, func, select

from bot.cli import main
from storage.db import make_engine
from storage.models import Member, TelegramBinding

DATA = Path(__file__).parent / "data" / "roster"


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> str:
    return kaohe_config(tmp_path, database_url)


def kaohe(config: str, *args: str) -> int:
    return main(["--config", config, "roster", *args])


def members(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return session.exec(select(func.count()).select_from(Member)).one()
    finally:
        engine.dispose()


def bind(database_url: str, student_no: str) -> None:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            member = session.exec(select(Member).where(Member.student_no == student_no)).one()
            session.add(TelegramBinding(member_id=member.id, telegram_user_id=42, chat_id=42))
            session.commit()
    finally:
        engine.dispose()


def line_of(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


def test_show_before_any_import_says_the_roster_is_empty_and_how_to_import(config, capsys):
    assert kaohe(config, "show") == 0
    out = capsys.readouterr().out
    assert "名单为空" in out and "the roster is empty" in out
    assert "kaohe roster import" in out


def test_import_then_show_prints_the_tree_with_every_scorer(config, database_url, sample_roster, capsys):
    assert kaohe(config, "import", str(sample_roster)) == 0
    out = capsys.readouterr().out
    assert "已导入 / imported" in out
    assert "82 added, 0 changed, 0 removed, 0 unchanged" in out
    bind(database_url, "2023000186")

    assert kaohe(config, "show") == 0
    tree, committee = capsys.readouterr().out.split("考核小组 Assessment committee")
    assert "3 个团队 teams, 82 人 people" in tree
    assert "考核人 scorer: 马凯秀" in line_of(tree, "郭宇雅")  # 干事: the vice-president in charge
    assert "考核人 scorer: 罗晨秀" in line_of(tree, "孙玉英")  # 副主席: the president
    assert "考核人 scorer: 考核小组 committee" in line_of(tree, "罗晨秀")  # 主席: the committee
    assert "办公室 (分管 in charge: 马凯秀)" in tree
    assert "未绑定 unbound" in line_of(tree, "郭宇雅")
    assert "已绑定 bound" in line_of(tree, "杨超")
    assert "龚杰" not in tree  # teachers are not examinees
    assert "总指导 chief adviser: 龚杰" in committee
    assert "组长 leader: 程婷" in committee
    assert "副组长 deputy leader: 罗晨秀" in committee


def test_a_file_with_errors_imports_nothing_and_lists_every_problem(config, database_url, capsys):
    assert kaohe(config, "import", str(DATA / "errors.csv")) == 2
    captured = capsys.readouterr()
    problems = [line for line in captured.err.splitlines() if line.startswith("第 ")]
    assert len(problems) == 14
    assert (
        '第 5 行 “职务” 列: 未知职务 “部长助理” / row 5, column position: unknown position "部长助理"'
        in problems
    )
    assert "14 problem(s) found; nothing was imported" in captured.err
    assert 'unknown column "备注" ignored' in captured.err
    assert members(database_url) == 0


def test_a_dry_run_reports_what_would_change_and_writes_nothing(config, database_url, capsys):
    assert kaohe(config, "import", str(DATA / "small.csv"), "--dry-run") == 0
    out = capsys.readouterr().out
    assert "+ 新增 added: 1004 刘洋 (校学生会 办公室 干事) / 1004 刘洋 (校学生会 办公室 officer)" in out
    assert "dry run, nothing written" in out
    assert "6 added, 0 changed, 0 removed, 0 unchanged" in out
    assert members(database_url) == 0


def test_reimport_prints_what_changed_and_what_was_removed(config, tmp_path, capsys):
    kaohe(config, "import", str(DATA / "small.csv"))
    capsys.readouterr()
    lines = (DATA / "small.csv").read_text(encoding="utf-8").splitlines()
    lines = [
        line.replace("1004,刘洋,校学生会,办公室,干事", "1004,刘洋,校学生会,学习部,副部长") for line in lines
    ]
    changed = tmp_path / "changed.csv"
    changed.write_text("\n".join(line for line in lines if not line.startswith("1005")), encoding="utf-8")

    assert kaohe(config, "import", str(changed)) == 0

    out = capsys.readouterr().out
    assert (
        "~ 变更 changed: 1004 刘洋: 部门 办公室 → 学习部; 职务 干事 → 副部长"
        " / 1004 刘洋: department 办公室 → 学习部; position officer → deputy head"
    ) in out
    assert "- 移除 removed: 1005 陈静 (校学生会 学习部 部长)" in out
    assert "新增 0 人，变更 1 人，移除 1 人，未变 4 人 / 0 added, 1 changed, 1 removed, 4 unchanged" in out


def test_the_config_option_may_follow_the_roster_action(config, capsys):
    assert main(["roster", "show", "--config", config]) == 0
    assert "名单为空" in capsys.readouterr().out


def test_an_uninitialised_database_is_refused_with_a_hint(tmp_path, capsys):
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "new.sqlite3"}"\n', encoding="utf-8")
    assert kaohe(str(path), "import", str(DATA / "small.csv")) == 2
    assert "kaohe init" in capsys.readouterr().err
