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
    assert "名单为空" in out and "kaohe roster import" in out
    assert "the roster is empty" not in out  # one language per run


def test_import_then_show_prints_the_tree_with_every_scorer(config, database_url, sample_roster, capsys):
    assert kaohe(config, "import", str(sample_roster)) == 0
    out = capsys.readouterr().out
    assert "已导入：新增 82 人，变更 0 人，移除 0 人，未变 0 人" in out
    bind(database_url, "2023000186")

    assert kaohe(config, "show") == 0
    tree, committee = capsys.readouterr().out.split("\n考核小组\n")
    assert "3 个团队，82 人" in tree
    assert "考核人：马凯秀" in line_of(tree, "郭宇雅")  # 干事: the vice-president in charge
    assert "考核人：罗晨秀" in line_of(tree, "孙玉英")  # 副主席: the president
    assert "考核人：考核小组" in line_of(tree, "罗晨秀")  # 主席: the committee
    assert "办公室（分管：马凯秀）" in tree
    assert "未绑定" in line_of(tree, "郭宇雅")
    assert "已绑定" in line_of(tree, "杨超")
    assert "龚杰" not in tree  # teachers are not examinees
    assert "总指导：龚杰" in committee
    assert "组长：程婷" in committee
    assert "副组长：罗晨秀" in committee


def test_lang_en_prints_every_line_once_in_english(config, sample_roster, capsys):
    assert main(["--config", config, "--lang", "en", "roster", "import", str(sample_roster)]) == 0
    out = capsys.readouterr().out
    assert "imported: 82 added, 0 changed, 0 removed, 0 unchanged" in out
    assert "新增" not in out and "已导入" not in out
    assert kaohe(config, "show", "--lang", "en") == 0
    tree, committee = capsys.readouterr().out.split("Assessment committee")
    assert "3 teams, 82 people" in tree and "scorer: committee" in line_of(tree, "罗晨秀")
    assert "考核人" not in tree and "chief adviser: 龚杰" in committee


def test_a_file_with_errors_imports_nothing_and_lists_every_problem(config, database_url, capsys):
    assert kaohe(config, "import", str(DATA / "errors.csv")) == 2
    captured = capsys.readouterr()
    problems = [line for line in captured.err.splitlines() if line.startswith("第 ")]
    assert len(problems) == 14
    assert "第 5 行 “职务” 列: 未知职务 “部长助理”" in problems
    assert "名单有 14 个问题，未导入任何内容" in captured.err
    assert "“备注”" in captured.err and "row 5" not in captured.err
    assert members(database_url) == 0


def test_a_dry_run_reports_what_would_change_and_writes_nothing(config, database_url, capsys):
    assert kaohe(config, "import", str(DATA / "small.csv"), "--dry-run") == 0
    out = capsys.readouterr().out
    assert "+ 新增：1004 刘洋 (校学生会 办公室 干事)\n" in out
    assert "试运行，未写入：新增 6 人，变更 0 人，移除 0 人，未变 0 人" in out
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
    assert "~ 变更：1004 刘洋: 部门 办公室 → 学习部; 职务 干事 → 副部长\n" in out
    assert "- 移除：1005 陈静 (校学生会 学习部 部长)" in out
    assert "已导入：新增 0 人，变更 1 人，移除 1 人，未变 4 人" in out


def test_the_config_option_may_follow_the_roster_action(config, capsys):
    assert main(["roster", "show", "--config", config]) == 0
    assert "名单为空" in capsys.readouterr().out


def test_an_uninitialised_database_is_refused_with_a_hint(tmp_path, capsys):
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "new.sqlite3"}"\n', encoding="utf-8")
    assert kaohe(str(path), "import", str(DATA / "small.csv")) == 2
    assert "kaohe init" in capsys.readouterr().err
