"""End to end, the administrator's guide (docs/管理员手册.md) as written: the roster template imported as
it is, invitations handed out as a table, the bot started, a cycle opened with dates alone, a
self-assessment written, the cycle followed, nudged, exported, backed up and restored — every step a
``kaohe`` command of the guide, against the in-repo fake Bot API server."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

from e2e_helpers import submit_from, write_self_assessment

OFFICER, HEAD = "2025000004", "2025000003"  # 刘洋 and 张伟 of the template's 办公室


def day(days: int) -> str:
    return (datetime.now() + timedelta(days=days)).strftime("%Y-%m-%d")


def test_a_cycle_run_by_the_guide_s_commands(bot, fake_api, kaohe, scheme, tmp_path: Path):
    roster, invites = tmp_path / "名单.xlsx", tmp_path / "邀请链接.csv"
    kaohe("roster", "template", str(roster))
    assert "新增 5 人" in kaohe("roster", "import", str(roster), "--dry-run").stdout
    kaohe("roster", "import", str(roster))
    assert "张伟" in kaohe("roster", "show").stdout
    kaohe("invites", "--format", "csv", "--out", str(invites))
    codes = {row["id"]: row["code"] for row in csv.DictReader(invites.open(encoding="utf-8-sig"))}
    assert len(codes) == 5

    bot.start()
    officer, head = fake_api.user(701), fake_api.user(702)
    for person, student_no in ((officer, OFFICER), (head, HEAD)):
        person.send(f"/start {codes[student_no]}")
        person.wait_for("你好")

    opened = kaohe(
        "cycle", "open", "--name", "2026秋季考核",
        "--self-due", day(7), "--score-due", day(14), "--review-due", day(21),
        "--scheme", str(scheme),  # the shipped scheme, its quiet hours moved away from the test's run
    ).stdout  # fmt: skip
    assert f"自我评定 {day(7)} 23:59" in opened  # a date alone is the end of that day, echoed in full
    officer.wait_for("2026秋季考核")

    submit_from(officer, write_self_assessment(officer))

    assert "1/4" in kaohe("cycle", "status").stdout
    kaohe("remind")
    head.wait_for("/self")  # nudged: the head has not written theirs
    kaohe("export", "--cycle", "2026秋季考核", "--out", str(tmp_path / "档案"))
    assert list((tmp_path / "档案").glob("*.xlsx"))
    backup = tmp_path / "备份.sqlite3"
    kaohe("backup", str(backup))
    assert bot.stop() == 0

    kaohe("roster", "import", str(Path(__file__).parents[1] / "data" / "roster" / "small.csv"))
    kaohe("restore", str(backup), "--yes")
    assert "1/4" in kaohe("cycle", "status").stdout  # as it was when backed up
