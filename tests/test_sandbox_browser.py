"""The sandbox in a real headless browser: a member writes and submits her self-assessment by typing
and pressing buttons; the clock moves past the deadline; her vice-president scores her by clicking."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from browser import Page, start_browser
from sqlmodel import Session, select

from bot.config import Config, Settings
from bot.sandbox.server import SandboxServer
from bot.sandbox.world import Sandbox
from flows.rules.scheme import default_scheme
from storage.models import CycleExaminee, ItemScore, ScoreSheet, SelfAssessment, SelfStatus, SheetStatus

OFFICER = "郭宇雅"  # 校学生会 办公室 干事
VICE_PRESIDENT = "马凯秀"  # in charge of 办公室: scores its people
ANSWERS = [  # one per section of the self-assessment
    "认真学习党的二十大精神，积极参加团日活动，思想上积极要求进步，按时参加政治学习。",
    "本学期绩点3.6，专业排名前15%，获得校级二等奖学金，没有缺课记录，英语六级通过。",
    "负责办公室档案整理和例会记录，共整理档案120份；协助组织迎新晚会，负责签到与物资，按时完成所有交办任务。",
    "文字表达和沟通协调能力明显提高，学会了用表格管理物资和经费。",
    "主动性还不够，遇到问题有时等待安排；今后要多提建议、多承担任务。",
]
COMMENT = "工作认真负责，能按时完成任务；希望今后更加主动，多提建设性意见。"
SCREENSHOTS_ENV = "KAOHE_SCREENSHOTS"  # a folder to keep the screenshots in, for a person to look at


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    sandbox = Sandbox(tmp_path / "sandbox", Config(Settings(), None))
    yield sandbox
    sandbox.close()


@pytest.fixture
def url(sandbox: Sandbox) -> Iterator[str]:
    server = SandboxServer(sandbox, port=0)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    yield server.url
    server.stop()
    server.server_close()


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    yield from start_browser(tmp_path)
    if os.environ.get(SCREENSHOTS_ENV):
        for shot in tmp_path.glob("*.png"):
            shutil.copy(shot, Path(os.environ[SCREENSHOTS_ENV]) / shot.name)


def self_assessment_status(sandbox: Sandbox) -> str:
    with Session(sandbox.engine) as session:
        return session.exec(
            select(SelfAssessment.status).join(CycleExaminee).where(CycleExaminee.name == OFFICER)
        ).one()


def entered_points(sandbox: Sandbox) -> tuple[str, list[Decimal]]:
    with Session(sandbox.engine) as session:
        mine = select(ScoreSheet).join(CycleExaminee).where(CycleExaminee.name == OFFICER)
        sheet = session.exec(mine).one()
        points = session.exec(select(ItemScore.points).where(ItemScore.sheet_id == sheet.id)).all()
        return sheet.status, [Decimal(p) for p in points]


def test_a_member_completes_her_self_assessment_and_her_scorer_scores_her_by_clicking(sandbox, url, page):
    page.open(url)
    assert "已开始" in page.chat_with(OFFICER, "沙盒演示考核")  # the cycle's notice, from the outbox

    page.menu("self", "信息无误")
    page.taps("信息无误", "请用文字回答")
    for answer in ANSWERS[:-1]:
        page.types(answer, "请用文字回答")
    page.types(ANSWERS[-1], "📨 提交")
    page.taps("📨 提交", "确认提交自我评定吗")
    page.screenshot("1-self-assessment-confirm")
    assert "已于" in page.taps("确认提交", "已于")
    assert self_assessment_status(sandbox) == SelfStatus.SUBMITTED

    clock = page.next_deadline()  # just past the self-assessment deadline: scoring opens
    assert clock.endswith("20:01")
    page.chat_with(VICE_PRESIDENT, "评分")  # the scoring announcement, from the outbox
    page.menu("score", OFFICER)
    items = default_scheme().rubric.items
    page.taps(OFFICER, f"评分（1/{len(items)}）")
    tapped = []
    for number in range(2, len(items) + 1):
        tapped.append(Decimal(page.first_button_label().split()[0]))
        page.taps_first_button(f"评分（{number}/{len(items)}）")
    tapped.append(Decimal(page.first_button_label().split()[0]))
    page.taps_first_button("考评意见")
    page.types(COMMENT, "📨 提交")
    page.screenshot("2-score-summary")
    page.taps("📨 提交", "确认提交")
    assert "已于" in page.taps("确认提交", "已于")
    page.screenshot("3-score-submitted")

    status, points = entered_points(sandbox)
    assert status == SheetStatus.SUBMITTED
    assert sorted(points) == sorted(tapped)
