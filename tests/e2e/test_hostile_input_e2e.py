"""End to end through ``kaohe run``: hostile names and answers (issue 11) get a clear answer or are stored
and shown exactly, and every message that carries them is delivered.

Roster names hold HTML (``<b>&amp;</b>``, ``R&D<组长>``), a right-to-left override, a zero-width space,
an emoji, console markup (``[/]``, ``[bold red]…[/bold red]``) and the longest a roster takes (100
characters); a longer one (200) is refused at import with the row and the limit. In ``/self`` an answer
of invisible characters or of 5,000 characters is refused with the question asked again; answers with
HTML, control characters (BEL, ESC) and console markup are stored as typed and shown exactly, on the
review screen and again on a section's edit screen; so is an appeal's reason. The fake Bot API parses
HTML as Telegram does, so a message with a stray ``<`` or ``&`` would come back ``400 can't parse
entities``: none does.
"""

from __future__ import annotations

import csv
from pathlib import Path

from cycle_helpers import SMALL_ROSTER
from e2e_helpers import (
    ANSWERS,
    OFFICER,
    SMALL_USERS,
    button,
    database,
    invitation_codes,
    open_cycle,
    register,
    released_to,
    tap,
)
from sqlmodel import select

from storage.models import SelfAnswer

NAMES = {
    "1001": "<b>&amp;</b>",
    "1002": "R&D<组长>",
    "1003": "\u202e伟张",  # a right-to-left override before the name
    "1004": "刘\u200b洋🎉",  # a zero-width space and an emoji
    "1005": "[bold red]孙[/bold red]李[/]",  # console markup
    "T01": "赵" * 100,  # the longest name the roster holds
}
TOO_LONG = "赵" * 200
INVISIBLE = "\u200b \u3000 \u200b"  # zero-width and ideographic spaces only
HTML = "我在R&D小组<组长>负责宣传&amp;组织，认真学习党的二十大精神，按时参加政治学习。"
CONTROL = "本学期绩点3.6\x07，专业排名前15%\x1b[31m，获得校级二等奖学金，没有缺课记录。"
MARKUP = "[/] " + ANSWERS[2]
RICH = "[bold red]x[/bold red] " + ANSWERS[3]
ODD = "🎉 \u202e反转 零宽\u200b字符 " + ANSWERS[4]
TYPED = [HTML, CONTROL, MARKUP, RICH, ODD]  # one per section, in order
REASON = "工作业绩没有计入R&D<组长>的签到工作\x07，[bold red]与事实不符[/bold red] [/]，&amp;请核实。"


def roster_with(folder: Path, names: dict[str, str]) -> Path:
    """The small roster with these names (by student number)."""
    with SMALL_ROSTER.open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source))
    for row in rows:
        row["name"] = names.get(row["id"], row["name"])
    path = folder / "hostile.csv"
    with path.open("w", encoding="utf-8", newline="") as target:
        writer = csv.DictWriter(target, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def refused_calls(fake_api) -> list[tuple[str, str | None]]:
    """Calls the fake Bot API answered 400, but for removing a keyboard already gone (a replaced live
    screen that had none): nothing the user would miss."""
    return [
        (call.method, call.description)
        for call in fake_api.calls()
        if call.status == 400 and "not modified" not in (call.description or "")
    ]


def test_a_name_longer_than_the_roster_holds_is_refused_with_its_row_and_the_limit(kaohe, tmp_path):
    done = kaohe("roster", "import", str(roster_with(tmp_path, {"T01": TOO_LONG})), check=False)
    assert done.returncode != 0
    assert "最多 100 个字符" in done.stdout + done.stderr and "Traceback" not in done.stderr


def test_hostile_names_and_answers_are_refused_clearly_or_stored_and_shown_exactly(
    bot, fake_api, kaohe, scheme, tmp_path, database_url
):
    kaohe("roster", "import", str(roster_with(tmp_path, NAMES)))
    listed = kaohe("invites", "--format", "csv").stdout
    assert all(name in listed for name in NAMES.values())
    table = kaohe("invites").stdout
    assert all(name in table for no, name in NAMES.items() if no != "T01")  # as text, never as markup
    codes = invitation_codes(kaohe)
    bot.start()
    members = {no: register(fake_api, codes, no, SMALL_USERS[no]) for no in ("1001", "1002", "1004", "T01")}
    for no, member in members.items():
        assert NAMES[no] in member.messages[-1].body, no  # the greeting names them exactly
    open_cycle(kaohe, None, "--scheme", str(scheme))
    status = kaohe("cycle", "status", "--details").stdout  # the scorers, 1002 among them
    assert NAMES["1002"] in status and NAMES["1001"] not in status.replace(NAMES["1001"], "")

    member = members["1004"]
    member.wait_for("已开始")
    member.send("/self")
    header = member.wait_for(button("✅ 信息无误"))
    assert NAMES["1004"] in header.body
    member.press(header, "✅ 信息无误")
    member.wait_for("（1/5）")

    member.send(INVISIBLE)
    refused = member.wait_for("至少需要 20 字")
    assert "（1/5）" in refused.body  # the question, asked again under the reason
    member.send("很" * 5000)
    refused = member.wait_for("最多 1500 字，你写了 5000 字")
    assert "（1/5）" in refused.body
    for answer in TYPED[:-1]:
        member.send(answer)
        member.wait_for("已保存")
    member.send(TYPED[-1])
    review = member.wait_for(button("📨 提交"))
    shown = "\n".join(m.body for m in member.messages[-3:])
    assert all(answer in shown for answer in TYPED), shown
    with database(database_url) as session:
        stored = {a.section: a.text for a in session.exec(select(SelfAnswer))}
    assert sorted(stored.values()) == sorted(TYPED)

    member.press(review, "✏️ 思想政治")
    member.wait_for("（1/5）")
    member.wait_for(lambda message: message.body == HTML)  # the stored text below it, exactly as typed

    assert refused_calls(fake_api) == []
    assert "send.refused" not in bot.log_text()
    assert bot.stop() == 0


def test_an_appeal_reason_with_html_control_characters_and_markup_is_shown_exactly_and_again_to_edit(
    bot, fake_api, kaohe, sample_roster, scheme, database_url
):
    officer = released_to(bot, fake_api, kaohe, sample_roster, scheme, database_url, (OFFICER,))[OFFICER]
    officer.send("/appeal")
    tap(officer, "某个考核项目")
    tap(officer, "工作业绩")
    officer.wait_for("申诉理由")
    officer.send(REASON)
    tap(officer, "完成")
    review = officer.wait_for(button("✏️ 申诉理由"))
    assert REASON in review.body
    officer.press(review, "✏️ 申诉理由")
    officer.wait_for("请写明申诉理由")
    officer.wait_for(lambda message: message.body == REASON)  # the stored reason below it, as typed
    assert refused_calls(fake_api) == []
    assert bot.stop() == 0
