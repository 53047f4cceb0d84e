"""End to end through ``kaohe run``: a burst of twenty members, the bot killed with SIGKILL at random
moments, and after each restart every update handled exactly once, in order in its chat.

The moments are random but reached by waiting for a condition (so many answers seen), never by a
timer. Each member sends two wrong invitation codes and then their own: every wrong code is one
``CodeAttempt`` row (a lost update is a missing row, one handled twice a row too many) and the
binding comes last. Answers are sent after the commit and may be sent again when the kill falls
between Telegram taking one and the bot noting it: at most one a worker a kill.
"""

from __future__ import annotations

import csv
import io
import random
import time
from collections import Counter

import pytest
from e2e_helpers import BotProcess, Operator
from fakebotapi import FakeBotApi
from sqlmodel import Session, col, func, select

from bot.app import WORKERS
from storage.db import make_engine
from storage.models import CodeAttempt, InboxUpdate, TelegramBinding

BURST = 20
ROUNDS = 3
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
    engine = make_engine(database_url)
    with Session(engine) as session:
        count = session.exec(select(func.count()).where(col(InboxUpdate.done_at).is_(None))).one()
    engine.dispose()
    return count


def wait_until_inbox_done(database_url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while (left := unfinished(database_url)) > 0:
        assert time.monotonic() < deadline, f"{left} updates still unfinished after {timeout}s"
        time.sleep(0.1)


def check_each_update_handled_once(burst: Burst, database_url: str, kills: int) -> None:
    engine = make_engine(database_url)
    ids = [user.id for user in burst.users]
    with Session(engine) as session:
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
    engine.dispose()
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
    assert duplicates <= kills * WORKERS


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
def test_a_burst_survives_kills_at_random_moments_each_update_handled_once(
    bot: BotProcess, fake_api: FakeBotApi, kaohe: Operator, sample_roster, database_url, webhook
):
    kaohe("roster", "import", str(sample_roster))
    members = invitations(kaohe)
    chance = random.Random()
    seed = chance.randrange(10**6)
    chance.seed(seed)
    print(f"kill moments drawn with seed {seed}")  # shown when the test fails
    for round_ in range(ROUNDS):
        burst = Burst(fake_api, members[round_ * BURST : (round_ + 1) * BURST], 7000 + 100 * round_)
        bot.start(webhook=webhook)
        burst.send()
        kills = 0
        for _ in range(2):  # killed during the burst, and again during the recovery
            seen = burst.answers()
            burst.wait_for_answers(min(burst.updates, seen + chance.randrange(burst.updates - seen + 1)))
            bot.kill()
            kills += 1
            bot.start(webhook=webhook)
        burst.wait_until_all_registered()
        burst.wait_for_answers(burst.updates)
        wait_until_inbox_done(database_url)
        assert bot.stop() == 0
        check_each_update_handled_once(burst, database_url, kills)
    assert "Traceback" not in bot.log_text()
