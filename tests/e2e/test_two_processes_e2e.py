"""End to end: two ``kaohe run`` in webhook mode on one PostgreSQL behind a load balancer share a burst of
updates, each handled by one of them, once; and a broadcast of 1,000 notices goes out once, sent by the
process holding the sender lease, taken over by the other when that one is killed."""

from __future__ import annotations

import itertools
import re
import threading
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from e2e_helpers import (
    BotProcess,
    Burst,
    check_each_update_handled_once,
    free_port,
    invitations,
    wait_until_inbox_done,
)
from fakebotapi import FakeBotApi
from sqlmodel import Session, select

from storage import outbox
from storage.db import make_engine
from storage.models import Lease

BROADCAST = 1000
FIRST_READER = 800_001

FORWARDED = ("Content-Type", "X-Telegram-Bot-Api-Secret-Token")


class LoadBalancer(ThreadingHTTPServer):
    """Forwards each POST to the next backend in turn (to the other when one does not answer)."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.turn = itertools.count()
        super().__init__(("127.0.0.1", free_port()), Forward)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class Forward(BaseHTTPRequestHandler):
    server: LoadBalancer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        headers = {name: self.headers[name] for name in FORWARDED if self.headers[name]}
        first = next(self.server.turn)
        status = 502
        for n in range(len(self.server.backends)):
            backend = self.server.backends[(first + n) % len(self.server.backends)]
            try:
                request = urllib.request.Request(backend, data=body, headers=headers, method="POST")
                with urllib.request.urlopen(request, timeout=10) as answer:
                    status = answer.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                continue
            break
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def daytime_zone() -> str:
    """A timezone where it is about noon now, so that no quiet hours hold the notices back."""
    offset = (12 - datetime.now(UTC).hour) % 24
    offset = offset - 24 if offset > 12 else offset
    return f"Etc/GMT{-offset:+d}"  # the Etc zones' signs are inverted: Etc/GMT-8 is UTC+8


class BalancedBot(BotProcess):
    """``kaohe run`` in webhook mode, with the load balancer's address as the webhook's public URL, in a
    timezone where it is daytime."""

    public_url = ""

    def write_config(self, *, webhook: bool) -> None:
        super().write_config(webhook=webhook)
        text = self.config.read_text(encoding="utf-8")
        text = re.sub(r'\nurl = "http[^"]*"', f'\nurl = "{self.public_url}"', text)
        self.config.write_text(f'timezone = "{daytime_zone()}"\n{text}', "utf-8")


@pytest.fixture
def two_bots(fake_api, tmp_path, database_url, e2e_env) -> Iterator[tuple[BalancedBot, BalancedBot]]:
    if not database_url.startswith("postgresql"):
        pytest.skip("processes share the work on PostgreSQL")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    bots = (
        BalancedBot(fake_api, tmp_path / "a", e2e_env, database_url),
        BalancedBot(fake_api, tmp_path / "b", e2e_env, database_url),
    )
    balancer = LoadBalancer([f"http://127.0.0.1:{bot.webhook_port}/hook" for bot in bots])
    threading.Thread(target=balancer.serve_forever, daemon=True).start()
    for bot in bots:
        bot.public_url = balancer.url
    yield bots
    balancer.shutdown()
    for bot in bots:
        if bot.running:
            bot.kill()


def handled_ids(bot: BotProcess) -> set[int]:
    return {
        r["update_id"] for r in bot.log_records() if r.get("event") in ("update.handled", "update.resumed")
    }


@pytest.mark.parametrize("kill", [False, True], ids=["both-up", "one-killed"])
def test_two_webhook_processes_share_a_burst_and_handle_each_update_once(
    two_bots, fake_api, kaohe, sample_roster, database_url, kill
):
    first, second = two_bots
    kaohe("roster", "import", str(sample_roster))
    burst = Burst(fake_api, invitations(kaohe)[:20], 7000)
    first.start(webhook=True)
    second.start(webhook=True)
    burst.send()
    if kill:  # the second takes over what the first had claimed, once its claims are released
        burst.wait_for_answers(burst.updates // 3)
        first.kill()
    burst.wait_until_all_registered()
    burst.wait_for_answers(burst.updates)
    wait_until_inbox_done(database_url)
    assert second.stop() == 0 and (kill or first.stop() == 0)
    check_each_update_handled_once(burst, database_url, kills=int(kill))
    by_first, by_second = handled_ids(first), handled_ids(second)
    assert by_first and by_second, "one process did all the work"
    if not kill:
        assert not by_first & by_second and len(by_first | by_second) == burst.updates


def queue_broadcast(api: FakeBotApi, database_url: str) -> list[int]:
    """1,000 notices to 1,000 people who have started the bot; their chats."""
    chats = list(range(FIRST_READER, FIRST_READER + BROADCAST))
    for chat in chats:
        api.user(chat)
    with api.store.lock:  # as if each had written to the bot once, without 1,000 updates to answer
        for chat in chats:
            api.store.chats[chat].known = api.store.chats[chat].started = True
    engine = make_engine(database_url)
    with Session(engine) as session:
        for chat in chats:
            text = f"📣 <b>通知</b> {chat}: 考核小组会议今晚七点。"
            outbox.queue(
                session, dedupe_key=f"broadcast:{chat}", chat_id=chat, text=text, not_before=datetime.now(UTC)
            )
        session.commit()
    engine.dispose()
    return chats


def delivered(api: FakeBotApi, chats: list[int]) -> Counter[int]:
    return Counter({chat: len(api.sent(chat)) for chat in chats})


def wait_until_sent(api: FakeBotApi, chats: list[int], count: int, timeout: float) -> None:
    """Until ``count`` of the chats have their notice."""

    def reached() -> bool | None:
        return sum(n > 0 for n in delivered(api, chats).values()) >= count or None

    api.store.wait(reached, timeout, lambda: f"fewer than {count} notices sent within {timeout}s")


def sending(bots: tuple[BalancedBot, ...], database_url: str) -> BalancedBot:
    """The process holding the sender lease."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        owner = session.exec(select(Lease.owner).where(Lease.name == "sender")).one()
    engine.dispose()
    return next(bot for bot in bots if bot.process is not None and f":{bot.process.pid}:" in owner)


@pytest.mark.parametrize("kill", [False, True], ids=["both-up", "sender-killed"])
def test_a_broadcast_of_a_thousand_notices_goes_out_once_from_two_webhook_processes(
    two_bots, fake_api, kaohe, database_url, kill
):
    kaohe("init")
    for bot in two_bots:
        bot.start(webhook=True)
    chats = queue_broadcast(fake_api, database_url)
    total = lambda: sum(delivered(fake_api, chats).values())  # noqa: E731
    if kill:
        fake_api.store.wait(lambda: total() >= BROADCAST // 3 or None, 120, lambda: f"{total()} sent")
        sender = sending(two_bots, database_url)
        sender.kill()  # the other takes the sender lease over, and the killed one's claims, at once
    fake_api.store.wait(
        lambda: all(delivered(fake_api, chats).values()) or None, 240, lambda: f"{total()} sent"
    )
    counts = delivered(fake_api, chats)
    assert set(counts) == set(chats) and min(counts.values()) == 1
    repeated = sum(counts.values()) - BROADCAST  # sent, then killed before noting it: at most those in flight
    assert repeated == 0 if not kill else repeated <= 30
    assert [c for c in fake_api.calls("sendMessage") if c.status == 429] == []
    for bot in two_bots:
        if bot.running:
            assert bot.stop() == 0
