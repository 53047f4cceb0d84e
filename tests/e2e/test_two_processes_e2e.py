"""End to end: two ``kaohe run`` in webhook mode on one PostgreSQL behind a load balancer share a burst of
updates, and each update is handled by one of them, once."""

from __future__ import annotations

import itertools
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import BotProcess, free_port
from test_intake_e2e import Burst, check_each_update_handled_once, invitations, wait_until_inbox_done

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


class BalancedBot(BotProcess):
    """``kaohe run`` in webhook mode, with the load balancer's address as the webhook's public URL."""

    public_url = ""

    def write_config(self, *, webhook: bool) -> None:
        super().write_config(webhook=webhook)
        text = self.config.read_text(encoding="utf-8")
        self.config.write_text(re.sub(r'\nurl = "http[^"]*"', f'\nurl = "{self.public_url}"', text), "utf-8")


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
