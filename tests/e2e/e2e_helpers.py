"""What the end-to-end tests share, so that no test module imports another: the rig (the ``kaohe``
command line, ``kaohe run`` as a child process, a scheme with quiet hours of the test's choosing),
waiting for the database or the fake Bot API to show something, and the steps people take in chat.

``Operator`` runs ``kaohe`` sub-commands as the administrator would; ``BotProcess`` starts ``kaohe run``
(polling, or webhook with ``start(webhook=True)``), stops it with SIGTERM or kills it with SIGKILL,
and reads its log. The fixtures that make them live in conftest.py.

The bot runs on the wall clock. Every notice keeps the quiet hours, so a test that waits for one
opens its cycle with conftest's ``scheme``: the shipped scheme with its quiet hours moved hours away
from now (``quiet_scheme`` makes other hours).
"""

from __future__ import annotations

import csv
import io
import json
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import appeal_helpers as appeals
from fakebotapi import FakeBotApi, SimUser
from fakebotapi.records import BotMessage
from sqlmodel import Session, col, func, select

from bot.worker import MAX_FLYING
from flows.rules.scheme import DEFAULT_SCHEME
from storage.db import make_engine
from storage.models import CodeAttempt, Cycle, InboxUpdate, TelegramBinding

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the configured timezone (the default)
TOKEN = "123456:e2e-SECRET-token"
WEBHOOK_SECRET = "e2e-webhook-secret"
KAOHE = [sys.executable, "-m", "bot.cli"]
CYCLE = "2026秋季考核"
OFFICER, HEAD = "2023000256", "2023000157"  # 郭宇雅 and 龙浩, both of 校学生会 办公室
ANSWERS = [
    "认真学习党的二十大精神，积极参加团日活动，思想上积极要求进步，按时参加政治学习。",
    "本学期绩点3.6，专业排名前15%，获得校级二等奖学金，没有缺课记录，英语六级通过。",
    "负责办公室档案整理和例会记录，共整理档案120份；协助组织迎新晚会，负责签到与物资，按时完成所有交办任务。",
    "文字表达和沟通协调能力明显提高，学会了用表格管理物资和经费。",
    "主动性还不够，遇到问题有时等待安排；今后要多提建议、多承担任务。",
]
"""A whole self-assessment, one answer per section."""

T = TypeVar("T")


# The rig


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Operator:
    """Runs ``kaohe`` sub-commands with the test's configuration, as the administrator would."""

    def __init__(self, config: Path, env: dict[str, str]) -> None:
        self.config = config
        self.env = env

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [*KAOHE, "--config", str(self.config), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"kaohe {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
            )
        return done


class BotProcess:
    """``kaohe run`` as a child process."""

    def __init__(self, api: FakeBotApi, folder: Path, env: dict[str, str], database_url: str) -> None:
        self.api = api
        self.config = folder / "kaohe.toml"
        self.log = folder / "bot.log"
        self.env = env
        self.database_url = database_url
        self.process: subprocess.Popen[bytes] | None = None
        self.webhook_port = free_port()
        self.write_config(webhook=False)

    def write_config(self, *, webhook: bool) -> None:
        mode = "webhook" if webhook else "polling"
        self.config.write_text(
            f"""
[telegram]
api_base_url = "{self.api.base_url}"
api_file_url = "{self.api.base_file_url}"
mode = "{mode}"
poll_timeout = 1

[telegram.webhook]
listen = "127.0.0.1"
port = {self.webhook_port}
path = "hook"
url = "http://127.0.0.1:{self.webhook_port}/hook"
secret_token = "{WEBHOOK_SECRET}"

[database]
url = "{self.database_url}"

[logging]
level = "INFO"
format = "json"
""",
            encoding="utf-8",
        )

    def start(self, *, webhook: bool = False) -> BotProcess:
        """Start ``kaohe run`` and return once it is receiving (a getUpdates or setWebhook of its own)."""
        self.write_config(webhook=webhook)
        before = len(self.api.calls())
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*KAOHE, "--config", str(self.config), "run"],
                env=self.env,
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
            )
        self.api.wait_for_call("setWebhook" if webhook else "getUpdates", timeout=60, after=before)
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> int:
        """SIGTERM, as a service manager would; returns the exit status."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)

    def kill(self) -> None:
        """SIGKILL: no chance to clean up."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=30)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def log_records(self) -> list[dict]:
        records = []
        for line in self.log_text().splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return records


def quiet_scheme(folder: Path, start: datetime, end: datetime) -> Path:
    """The shipped scheme with quiet hours from ``start`` to ``end`` (local times of day, to the second)."""
    text = DEFAULT_SCHEME.read_text(encoding="utf-8")
    quiet = 'quiet_hours = { start = "23:00", end = "07:00" }'
    assert quiet in text
    start, end = (f"{moment.astimezone(SHANGHAI):%H:%M:%S}" for moment in (start, end))
    hours = f'quiet_hours = {{ start = "{start}", end = "{end}" }}'
    path = folder / f"scheme-{start.replace(':', '')}.toml"
    path.write_text(text.replace(quiet, hours), "utf-8")
    return path


# The database and waiting


@contextmanager
def database(database_url: str) -> Iterator[Session]:
    """A session on the bot's database, from the test's side; committed when the block ends (what it
    read stays readable after)."""
    engine = make_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
            session.commit()
    finally:
        engine.dispose()


def eventually(condition: Callable[[], T | None], *, timeout: float, what: str) -> T:
    """The first true value of ``condition``, asked every 20 ms; AssertionError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not so within {timeout}s")
        time.sleep(0.02)


# The operator's part


def invitation_codes(kaohe: Operator) -> dict[str, str]:
    """Each member's invitation code by student number, from ``kaohe invites``."""
    out = kaohe("invites", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and list(rows[0]) == ["id", "name", "code", "link"]
    for row in rows:
        assert row["link"] == f"https://t.me/kaohe_test_bot?start={row['code']}"  # the username from getMe
    return {row["id"]: row["code"] for row in rows}


def in_days(days: int) -> str:
    return (datetime.now() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def open_cycle(
    kaohe: Operator, dues: tuple[str, str, str] | None = None, *options: str
) -> subprocess.CompletedProcess[str]:
    """``kaohe cycle open`` of 2026秋季考核, due in one, two and three weeks unless ``dues`` says when."""
    self_due, score_due, review_due = dues or (in_days(7), in_days(14), in_days(21))
    deadlines = ("--self-due", self_due, "--score-due", score_due, "--review-due", review_due)
    return kaohe("cycle", "open", "--name", CYCLE, *deadlines, *options)


# The people's part


def register(fake_api: FakeBotApi, codes: dict[str, str], student_no: str, user_id: int) -> SimUser:
    """A Telegram user who registers as ``student_no`` with their invitation link."""
    user = fake_api.user(user_id)
    user.send(f"/start {codes[student_no]}")
    user.wait_for("你好")
    return user


def button(label: str) -> Callable[[BotMessage], bool]:
    """Matches a message that carries the button ``label``."""
    return lambda message: label in message.labels


def labelled(part: str) -> Callable[[BotMessage], bool]:
    """Matches a message with a button whose label contains ``part``."""
    return lambda message: any(part in label for label in message.labels)


def write_self_assessment(user: SimUser) -> BotMessage:
    """``/self``, the header confirmed, every section answered: the review screen, with its submit button."""
    user.send("/self")
    user.press(user.wait_for(button("✅ 信息无误")), "✅ 信息无误")
    for answer in ANSWERS:
        user.wait_for("请用文字回答")
        user.send(answer)
    return user.wait_for(button("📨 提交"))


def submit_from(user: SimUser, review: BotMessage) -> None:
    """Submit the self-assessment from its review screen, and confirm."""
    user.press(review, "📨 提交")
    user.press(user.wait_for("确认提交自我评定吗"), "✅ 确认提交")
    user.wait_for("已于")


def tap(user: SimUser, part: str) -> BotMessage:
    """Wait for a message with a button labelled with ``part`` and press that button."""
    message = user.wait_for(labelled(part))
    user.press(message, next(label for label in message.labels if part in label))
    return message


# A small cycle (the small roster)

SMALL_USERS = {"1001": 901, "1002": 902, "1003": 903, "1004": 904, "1005": 905, "T01": 906}
"""The Telegram user of each member of tests/data/roster/small.csv, by student number."""


def rate_departments(teacher: SimUser) -> None:
    """In /review, rate the three departments: 主席团 and 办公室 优秀, 学习部 良好; it ends on the overview
    (the review's live message), which is left unread."""
    teacher.send("/review")
    for group, rating in (("主席团", "优秀"), ("办公室", "优秀"), ("学习部", "良好")):
        tap(teacher, group)
        tap(teacher, rating)
        teacher.press(teacher.wait_for("部门业绩评价已保存"), "⬅️ 返回")


# An appeal (the sample roster)

APPEAL_USERS = {appeals.OFFICER: 501, appeals.SCORER: 511, appeals.ORG_OFFICER: 521, appeals.MEMBER: 541}
"""The Telegram user of each member an appeal concerns: the officer, her scorer, the desk, the committee."""
APPEAL_REASON = "工作业绩一项没有计入我负责的迎新晚会签到工作，与事实不符，请核实。"
DECISION = "经核实，迎新晚会签到工作确由本人完成，工作业绩一项加 3 分。"


def released_to(
    bot: BotProcess,
    fake_api: FakeBotApi,
    kaohe: Operator,
    sample_roster: Path,
    scheme: Path,
    database_url: str,
    student_nos: tuple[str, ...],
) -> dict[str, SimUser]:
    """The sample roster, these members registered (by student number), a cycle open and the officer's
    result released: each member's chat, by student number."""
    kaohe("roster", "import", str(sample_roster))
    codes = invitation_codes(kaohe)
    bot.start()
    people = {no: register(fake_api, codes, no, APPEAL_USERS[no]) for no in student_nos}
    open_cycle(kaohe, None, "--scheme", str(scheme))
    with database(database_url) as session:
        appeals.score(session, appeals.OFFICER, at=datetime.now(UTC) - timedelta(hours=2))
        cycle = session.exec(select(Cycle)).one()
        cycle.released_at = datetime.now(UTC) - timedelta(hours=1)
        session.add(cycle)
    return people


def appeals_against_an_item(officer: SimUser) -> None:
    """``/appeal`` against 工作业绩 with the reason, up to the question for evidence."""
    officer.send("/appeal")
    tap(officer, "某个考核项目")
    tap(officer, "工作业绩")
    officer.wait_for("申诉理由")
    officer.send(APPEAL_REASON)
    officer.wait_for("证明材料")


def submits_and_the_department_opens_it(officer: SimUser, department: SimUser) -> None:
    """The officer submits her appeal; the organisation department is told and opens it in /appeals."""
    tap(officer, "提交申诉")
    tap(officer, "确认提交")
    officer.wait_for("申诉已于")
    department.wait_for("收到 郭宇雅 的申诉")
    department.send("/appeals")
    tap(department, "郭宇雅")


def decides_plus_three(member: SimUser) -> None:
    """Having pressed ⚖️ 裁定: the result changed, 工作业绩 18 (three more), with the reason."""
    tap(member, "更改结果")
    tap(member, "工作业绩")
    member.wait_for("请输入新的分数")
    member.send("18")
    tap(member, "填写裁定理由")
    member.wait_for("裁定理由")
    member.send(DECISION)
    tap(member, "确认最终裁定")
    member.wait_for("已对 郭宇雅 的申诉作出最终裁定")


# A burst of registrations (the durable inbox)

WRONG = ("/start wrong-code-1", "/start wrong-code-2")
UNKNOWN = "邀请码无效"


def invitations(kaohe: Operator) -> list[tuple[str, str, str]]:
    """(student number, name, code) of every member without an account."""
    rows = csv.DictReader(io.StringIO(kaohe("invites", "--format", "csv").stdout))
    return [(row["id"], row["name"], row["code"]) for row in rows]


class Burst:
    """Twenty members acting at once: each sends two wrong codes and then their own."""

    def __init__(self, api: FakeBotApi, members: list[tuple[str, str, str]], first_user: int) -> None:
        self.api = api
        self.members = members
        self.users = [api.user(first_user + n, name) for n, (_, name, _) in enumerate(members)]

    def send(self) -> None:
        for text_of in (lambda code: WRONG[0], lambda code: WRONG[1], lambda code: f"/start {code}"):
            for user, (_, _, code) in zip(self.users, self.members, strict=True):
                user.send(text_of(code))

    @property
    def updates(self) -> int:
        return 3 * len(self.users)

    def answers(self) -> int:
        return sum(len(self.api.sent(user.id)) for user in self.users)

    def wait_for_answers(self, count: int, timeout: float = 60) -> None:
        self.api.store.wait(
            lambda: self.answers() >= count or None,
            timeout,
            lambda: f"only {self.answers()} of {count} answers within {timeout}s",
        )

    def wait_until_all_registered(self, timeout: float = 60) -> None:
        for user, (_, name, _) in zip(self.users, self.members, strict=True):
            user.wait_for(name, timeout=timeout)


def unfinished(database_url: str) -> int:
    """How many updates in the inbox are not done yet."""
    with database(database_url) as session:
        return session.exec(select(func.count()).where(col(InboxUpdate.done_at).is_(None))).one()


def wait_until_inbox_done(database_url: str, timeout: float = 30) -> None:
    eventually(lambda: unfinished(database_url) == 0, timeout=timeout, what="every update in the inbox done")


def check_each_update_handled_once(burst: Burst, database_url: str, kills: int) -> None:
    """Every update of the burst stored once and handled once, in order in its chat; at most one answer
    sent again by each worker for each kill."""
    ids = [user.id for user in burst.users]
    with database(database_url) as session:
        rows = session.exec(select(InboxUpdate).where(col(InboxUpdate.chat_id).in_(ids))).all()
        attempts = Counter(
            session.exec(
                select(CodeAttempt.telegram_user_id).where(col(CodeAttempt.telegram_user_id).in_(ids))
            )
        )
        bound = set(
            session.exec(
                select(TelegramBinding.telegram_user_id).where(col(TelegramBinding.telegram_user_id).in_(ids))
            )
        )
    received = Counter((row.chat_id, row.payload["message"]["text"]) for row in rows)
    expected = {(user.id, text) for user in burst.users for text in WRONG} | {
        (user.id, f"/start {code}") for user, (_, _, code) in zip(burst.users, burst.members, strict=True)
    }
    assert set(received) == expected and set(received.values()) == {1}  # each update stored once
    assert all(row.handled_at is not None and not row.failed for row in rows)
    assert attempts == dict.fromkeys(ids, 2)  # each wrong code handled exactly once
    assert bound == set(ids)
    for chat in ids:  # in order within each chat
        handled = [
            row.handled_at for row in sorted(rows, key=lambda row: row.update_id) if row.chat_id == chat
        ]
        assert handled == sorted(handled), chat
    duplicates = 0
    for user, (_, name, _) in zip(burst.users, burst.members, strict=True):
        bodies = [message.body for message in burst.api.sent(user.id)]
        welcome = next(i for i, body in enumerate(bodies) if name in body)
        assert sum(UNKNOWN in body for body in bodies[:welcome]) >= 2, bodies  # none lost, in order
        duplicates += len(bodies) - 3
    assert duplicates <= kills * MAX_FLYING  # the answers in flight at a kill may go out again
