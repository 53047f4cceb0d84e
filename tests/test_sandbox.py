"""The sandbox (``kaohe sandbox``): the real flows in chats of fake accounts, notices delivered from the
outbox by the real sender, a clock that moves to the next deadline with the scheduler's work run there,
and a reset. (The page itself is driven in a browser in ``test_sandbox_browser.py``.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from appeal_helpers import score
from cycle_helpers import SHANGHAI, submit_self_assessment
from sqlmodel import Session, select

from bot.config import CONFIG_ENV, TOKEN_ENV, Config, Settings
from bot.sandbox.adapter import perform
from bot.sandbox.server import SandboxServer
from bot.sandbox.transcript import Transcript
from bot.sandbox.world import Sandbox
from flows.notices.notice import Topic
from flows.reminders.nudge import NudgePress
from flows.rules.scheme import QuietHours
from flows.ui.chat import Attachment, AttachmentKind, Button, Reply, SetMenu, Toast
from storage.models import Appeal, AppealStatus, Cycle, Notification, NotificationState

OFFICER = "郭宇雅"  # 校学生会 办公室 干事
VICE_PRESIDENT = "马凯秀"  # scores 办公室
TEACHER = "龚杰"  # 总指导, not assessed
LEADER = "程婷"  # teacher, the committee's leader (组长)
PNG = b"\x89PNG\r\n\x1a\n a photo of a sign-in sheet"


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    sandbox = Sandbox(tmp_path / "sandbox", Config(Settings(), None))
    yield sandbox
    sandbox.close()


class Chat:
    """One member's chat in the sandbox, used as the page uses it."""

    def __init__(self, sandbox: Sandbox, name: str) -> None:
        self.sandbox = sandbox
        self.account = next(p.account for p in sandbox.people() if p.name == name)

    def texts(self) -> list[str]:
        return [m.text for m in self.sandbox.transcript.since(self.account, 0)]

    def _new(self, step) -> str:  # type: ignore[no-untyped-def]
        before = self.sandbox.transcript.rev
        step()
        return "\n".join(m.text for m in self.sandbox.transcript.since(self.account, before) if not m.mine)

    def says(self, text: str) -> str:
        return self._new(lambda: self.sandbox.say(self.account, text))

    def sends_photo(self, caption: str) -> str:
        photo = Attachment(AttachmentKind.PHOTO, "evidence.png", PNG)
        return self._new(lambda: self.sandbox.send_file(self.account, photo, caption))

    def taps(self, label: str) -> str:
        """Press the newest button in the chat whose label contains ``label``."""
        found = [
            (message.id, button.data)
            for message in self.sandbox.transcript.since(self.account, 0)
            for row in message.buttons
            for button in row
            if label in button.label
        ]
        assert found, f"no button {label!r}"
        message_id, data = found[-1]
        return self._new(lambda: self.sandbox.press(self.account, message_id, data))


def sent(sandbox: Sandbox) -> list[Notification]:
    with Session(sandbox.engine) as session:
        return list(session.exec(select(Notification)))


def test_everyone_registers_through_the_real_invitation_and_examinees_hear_the_cycle_open(sandbox):
    people = sandbox.people()
    assert len(people) == 82
    officer, teacher = Chat(sandbox, OFFICER), Chat(sandbox, TEACHER)
    assert officer.texts()[0] == "/start"
    assert "你已成功绑定考核机器人" in officer.texts()[1]  # the registration flow's own welcome
    assert "沙盒演示考核" in officer.texts()[2] and "/self" in officer.texts()[2]
    assert not any("沙盒演示考核" in text for text in teacher.texts())  # teachers are not assessed
    assert ["self", "填写自我评定"] in sandbox.transcript.menus[officer.account]
    assert {n.state for n in sent(sandbox)} == {NotificationState.SENT}  # by the real sender
    assert len(sent(sandbox)) == 80  # one notice for each examinee


def test_the_next_deadline_closes_the_self_assessment_and_announces_scoring(sandbox):
    officer, scorer = Chat(sandbox, OFFICER), Chat(sandbox, VICE_PRESIDENT)
    with Session(sandbox.engine) as session:
        self_due = session.exec(select(Cycle)).one().self_due

    assert sandbox.to_next_deadline() == "自我评定截止"

    assert sandbox.clock.now() - self_due < timedelta(minutes=2)
    assert "自我评定已于" in officer.texts()[-1] and "没有在截止前提交" in officer.texts()[-1]
    assert "上级评定开始了" in scorer.texts()[-1] and "/score" in scorer.texts()[-1]
    view = sandbox.view(officer.account, 0)
    assert view["phase"] == "上级评定"
    assert view["next"]["what"] == "上级评定截止"
    assert "截止" in officer.says("/self")  # the flows see the moved clock too


def test_the_reminder_ladder_runs_at_the_moved_clock_for_those_still_pending(sandbox):
    officer, colleague = Chat(sandbox, OFFICER), Chat(sandbox, "江桂")
    with Session(sandbox.engine) as session:
        submit_self_assessment(session, "2023000331")  # 江桂 has submitted
        self_due = session.exec(select(Cycle)).one().self_due

    sandbox.clock.move_to(self_due - timedelta(hours=10))  # 10:00 on the deadline's day
    sandbox.run_jobs()

    assert "自我评定<b>今天</b>截止" in officer.texts()[-1]
    assert not any("今天" in text for text in colleague.texts())


def test_an_appeal_nobody_reports_is_escalated_when_the_clock_passes_its_limit(sandbox):
    officer, leader = Chat(sandbox, OFFICER), Chat(sandbox, LEADER)
    with Session(sandbox.engine) as session:
        cycle = session.exec(select(Cycle)).one()
        submit_self_assessment(session, "2023000256", at=cycle.opened_at)
        score(session, "2023000256", at=cycle.opened_at)
        cycle.released_at = cycle.opened_at  # released (the committee's sign-off is its own flow)
        session.add(cycle)
        session.commit()

    officer.says("/appeal")
    officer.taps("某个考核项目")
    officer.taps("工作业绩")
    officer.says("工作业绩一项没有计入我负责的迎新晚会签到工作，与事实不符。")
    assert "已收到第 1 份证明材料" in officer.sends_photo("迎新晚会签到表")
    officer.taps("完成")
    officer.taps("提交申诉")
    officer.taps("确认提交")
    with Session(sandbox.engine) as session:
        appeal = session.exec(select(Appeal)).one()
        assert appeal.status == AppealStatus.SUBMITTED

    assert sandbox.to_next_deadline() == "申诉上报时限"

    with Session(sandbox.engine) as session:
        assert session.exec(select(Appeal)).one().status == AppealStatus.ESCALATED
    assert "系统自动" in leader.texts()[-1] and OFFICER in leader.texts()[-1]
    leader.says("/appeals")
    leader.taps(OFFICER)
    [photo] = [m.attachment for m in sandbox.transcript.since(leader.account, 0) if m.attachment]
    assert photo is not None and photo["kind"] == "photo"
    assert (sandbox.transcript.files / photo["url"].removeprefix("/files/")).read_bytes() == PNG


def test_a_press_answered_with_an_edit_replaces_the_pressed_message_and_other_chats_get_their_own(tmp_path):
    transcript = Transcript(tmp_path)
    pressed = transcript.add(1, "before", at="10:00", buttons=[])
    button = Button("OK", NudgePress(1, Topic.SELF))
    actions = [
        Reply("after", buttons=((button,),), edit=True),
        Reply("to someone else", chat_id=2),
        SetMenu(1, "zh-CN", (("self", "填写自我评定"),)),
        Toast("done"),
    ]

    toast = perform(transcript, 1, actions, "10:01", pressed=pressed.id)

    assert toast == "done"
    assert [m.text for m in transcript.since(1, 0)] == ["after"]
    assert transcript.get(pressed.id).edited and transcript.get(pressed.id).buttons[0][0].data == "n:1:self"
    assert [m.text for m in transcript.since(2, 0)] == ["to someone else"]
    assert transcript.menus[1] == [["self", "填写自我评定"]]
    transcript.save()
    assert Transcript(tmp_path).get(pressed.id).text == "after"  # the chats survive a restart


def test_reset_starts_over_with_new_chats_and_the_real_clock(sandbox):
    officer = Chat(sandbox, OFFICER)
    officer.says("/me")
    sandbox.to_next_deadline()

    sandbox.reset()

    assert sandbox.clock.offset < timedelta(hours=8)  # the real time, or the quiet hours' end when in them
    assert not QuietHours().contains(sandbox.clock.now().astimezone(SHANGHAI).time())
    assert len(Chat(sandbox, OFFICER).texts()) == 3  # /start, the welcome, the cycle's notice
    assert sandbox.view(officer.account, 0)["phase"] == "自我评定"


def test_the_page_and_its_json_api_on_localhost(sandbox):
    server = SandboxServer(sandbox, port=0)
    threading.Thread(target=server.serve, daemon=True).start()
    officer = Chat(sandbox, OFFICER)
    try:
        page = urllib.request.urlopen(server.url).read().decode()
        assert "<title>考核 · 沙盒</title>" in page and json.dumps(OFFICER) in page  # the roster for the list
        request = urllib.request.Request(
            server.url + "api/say",
            data=json.dumps({"chat": officer.account, "text": "/me"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request).read()
        view = json.load(urllib.request.urlopen(f"{server.url}api/view?chat={officer.account}&rev=0"))
        assert view["messages"][-2]["text"] == "/me" and view["messages"][-2]["mine"]
        assert "2023000256" in view["messages"][-1]["text"]
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(server.url + "files/..%2Fsandbox.sqlite3")
    finally:
        server.stop()
        server.server_close()


def test_kaohe_sandbox_without_a_token_says_how_to_connect_a_real_bot_and_serves_the_page(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k not in (TOKEN_ENV, CONFIG_ENV)}
    command = [sys.executable, "-m", "bot.cli", "sandbox", "--no-browser", "--port", "0", "--dir", "box"]
    process = subprocess.Popen(command, cwd=tmp_path, env=environment, stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        while not any("http://127.0.0.1:" in line for line in lines):
            lines.append(process.stdout.readline())  # type: ignore[union-attr]
            assert process.poll() is None, "".join(lines)
        said = "".join(lines)
        assert "@BotFather" in said and "KAOHE_BOT_TOKEN=" in said
        url = said[said.index("http://") :].split()[0]
        assert "<title>考核 · 沙盒</title>" in urllib.request.urlopen(url).read().decode()
        assert (tmp_path / "box" / "sandbox.sqlite3").exists()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_tasks_live_replies_edit_one_message_in_the_sandbox_as_in_telegram(tmp_path, session):
    transcript = Transcript(tmp_path)
    sheet = [Reply("第 1 项", buttons=((Button("15", NudgePress(1, Topic.SCORE)),),), live="score")]
    perform(transcript, 1, sheet, "10:00", session=session)
    [shown] = transcript.since(1, 0)
    perform(
        transcript, 1, [Reply("第 2 项", live="score", edit=True)], "10:01", pressed=shown.id, session=session
    )
    perform(transcript, 1, [Reply("第 3 项", live="score", edit=True)], "10:02", session=session)  # typed
    assert [m.text for m in transcript.since(1, 0)] == ["第 3 项"] and transcript.get(shown.id).edited
    perform(transcript, 1, [Reply("名单", live="score")], "10:03", session=session)  # /score again
    assert [m.text for m in transcript.since(1, 0)] == ["第 3 项", "名单"]
