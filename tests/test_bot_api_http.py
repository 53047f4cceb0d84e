"""The connection to the Bot API (``bot.bot_api_http``) behaves as PTB's ``HTTPXRequest`` where
kaohe relies on it: parameters and files arrive as sent, Telegram's errors are PTB's, timeouts and
unreachable servers are ``TimedOut`` and ``NetworkError``, the pool's size and wait hold, proxies
are used, connections are kept alive and closed at shutdown."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from urllib.parse import parse_qs

import httpcore
import pytest
from fakebotapi import FakeBotApi
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

import bot.bot_api_http
from bot.app import CONNECTIONS, POOL_TIMEOUT, build_application
from bot.bot_api_http import BotApiRequest, bot_api_request
from bot.config import load_config

TOKEN = "123456:test-token"
OK = {"ok": True, "result": {"message_id": 7, "date": 0, "chat": {"id": 5, "type": "private"}}}
ME = {"ok": True, "result": {"id": 123456, "is_bot": True, "first_name": "Kaohe", "username": "kaohe_bot"}}


@dataclass
class Received:
    """One request as the server read it."""

    line: str
    headers: dict[str, str]
    body: bytes

    @property
    def method(self) -> str:
        return self.line.split()[1].rsplit("/", 1)[-1]

    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.body.decode()).items()}

    def parts(self) -> list[EmailMessage]:
        head = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode()
        message = BytesParser(policy=default).parsebytes(head + self.body)
        assert isinstance(message, EmailMessage)
        return list(message.iter_parts())  # type: ignore[arg-type]


Answer = tuple[int, dict[str, object]]


@dataclass
class Server:
    """A small HTTP/1.1 server with keep-alive that answers each request as ``answer`` says, after
    ``delay`` seconds (or once ``hold`` is set); it counts its connections and what it received."""

    answer: Callable[[Received], Answer] = lambda call: (200, ME if call.method == "getMe" else OK)
    delay: float = 0.0
    hold: asyncio.Event | None = None
    received: list[Received] = field(default_factory=list)
    connections: int = 0
    open: int = 0
    port: int = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open += 1
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                line, *lines = head.decode().split("\r\n")
                headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in lines if h)}
                body = await reader.readexactly(int(headers.get("content-length", 0)))
                received = Received(line, headers, body)
                self.received.append(received)
                if self.hold is not None:
                    await self.hold.wait()
                await asyncio.sleep(self.delay)
                status, payload = self.answer(received)
                data = json.dumps(payload).encode()
                writer.write(
                    b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%b"
                    % (status, len(data), data)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.open -= 1
            writer.close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def url(self, method: str) -> str:
        return f"{self.base_url}{TOKEN}/{method}"


async def started(state: Server, tls: ssl.SSLContext | None = None) -> asyncio.Server:
    listening = await asyncio.start_server(state.serve, "127.0.0.1", 0, ssl=tls)
    state.port = listening.sockets[0].getsockname()[1]
    return listening


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    state = Server()
    listening = await started(state)
    async with listening:
        yield state
        if state.hold is not None:
            state.hold.set()
        listening.close()


async def test_a_json_call_reaches_the_api_with_its_parameters_and_its_result_comes_back(server):
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("返回", callback_data="home:1")]])
    async with Bot(TOKEN, base_url=server.base_url, request=bot_api_request(None, server.base_url)) as bot:
        sent = await bot.send_message(5, "<b>张三</b> & co", reply_markup=keyboard)
    assert sent.message_id == 7
    call = server.received[-1]
    assert call.line.startswith(f"POST /bot{TOKEN}/sendMessage HTTP/1.1")
    assert call.headers["host"] == f"127.0.0.1:{server.port}"
    assert call.headers["user-agent"].startswith("python-telegram-bot")
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    form = call.form()
    assert (form["chat_id"], form["text"]) == ("5", "<b>张三</b> & co")
    assert json.loads(form["reply_markup"]) == keyboard.to_dict()


async def test_a_call_through_ptb_parses_into_its_typed_answer_at_the_fake_bot_api():
    with FakeBotApi() as api:
        api.user(501).send("/start")
        request = bot_api_request(None, api.base_url)
        async with Bot(api.token, base_url=api.base_url, request=request) as bot:
            message = await bot.send_message(501, "hello")
        assert message.text == "hello"
        assert [m.text for m in api.sent(501)] == ["hello"]


async def test_an_upload_arrives_intact_with_its_filename(server):
    data = bytes(range(256)) * 40
    async with Bot(TOKEN, base_url=server.base_url, request=bot_api_request(None, server.base_url)) as bot:
        await bot.send_document(5, InputFile(data, filename="成绩单.xlsx"), caption="成绩")
    call = server.received[-1]
    assert call.headers["content-type"].startswith("multipart/form-data; boundary=")
    parts = {part.get_param("name", header="content-disposition"): part for part in call.parts()}
    assert parts["chat_id"].get_content() == "5"
    assert parts["caption"].get_payload(decode=True).decode() == "成绩"
    upload = next(part for name, part in parts.items() if part.get_filename())
    assert upload.get_filename() == "成绩单.xlsx"
    assert upload.get_payload(decode=True) == data


@pytest.mark.parametrize(
    ("status", "payload", "error", "text"),
    [
        (429, {"ok": False, "error_code": 429, "parameters": {"retry_after": 17}}, RetryAfter, "17"),
        (400, {"ok": False, "description": "Bad Request: message is too long"}, BadRequest, "too long"),
        (403, {"ok": False, "description": "Forbidden: bot was blocked by the user"}, Forbidden, "blocked"),
    ],
)
async def test_telegrams_refusals_are_ptbs_errors(server, status, payload, error, text):
    server.answer = lambda _: (status, payload)
    request = bot_api_request(None, server.base_url)
    async with request:
        with pytest.raises(error, match=text) as raised:
            await request.post(server.url("sendMessage"))
    if isinstance(raised.value, RetryAfter):
        assert raised.value.retry_after == 17


async def test_an_answer_later_than_the_read_timeout_is_timed_out_and_a_longer_one_per_call_waits(server):
    server.delay = 0.5
    request = BotApiRequest(read_timeout=0.1)
    async with request:
        with pytest.raises(TimedOut):
            await request.post(server.url("sendMessage"))
        assert await request.post(server.url("getUpdates"), read_timeout=3.0) == OK["result"]


async def test_a_refused_connection_is_a_network_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nobody listens there once closed
    request = bot_api_request(None, f"http://127.0.0.1:{port}/bot")
    async with request:
        with pytest.raises(NetworkError) as raised:
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
    assert not isinstance(raised.value, TimedOut)
    assert "ConnectError" in str(raised.value)


async def test_with_every_connection_busy_beyond_the_pool_timeout_a_request_is_timed_out_unsent(server):
    server.hold = asyncio.Event()
    request = bot_api_request(None, server.base_url, connections=2, pool_timeout=0.2)
    async with request:
        busy = [asyncio.ensure_future(request.post(server.url("sendMessage"), read_timeout=5)) for _ in "ab"]
        while len(server.received) < 2:
            await asyncio.sleep(0.01)
        with pytest.raises(TimedOut, match="Pool timeout"):
            await request.post(server.url("sendMessage"))
        assert len(server.received) == 2  # the third was never sent
        server.hold.set()
        assert await asyncio.gather(*busy) == [OK["result"]] * 2
        assert await request.post(server.url("sendMessage")) == OK["result"]  # a connection free again
    assert server.connections == 2


async def test_connections_are_kept_alive_and_closed_at_shutdown(server):
    request = bot_api_request(None, server.base_url, connections=CONNECTIONS)
    async with request:
        for _ in range(5):
            await request.post(server.url("sendMessage"))
        await asyncio.gather(*(request.post(server.url("sendMessage")) for _ in range(8)))
        assert server.connections <= CONNECTIONS
        assert server.open == server.connections
    await asyncio.sleep(0.05)
    assert server.open == 0
    await request.initialize()  # usable again after a shutdown, as PTB's
    assert await request.post(server.url("sendMessage")) == OK["result"]
    await request.shutdown()


async def test_an_http_proxy_carries_the_requests_with_its_credentials(server):
    proxy = f"http://kaohe:pr0xy@127.0.0.1:{server.port}"  # the server plays the proxy
    api = "http://api.telegram.invalid/bot"
    request = bot_api_request(proxy, api)
    assert isinstance(request.pool, httpcore.AsyncHTTPProxy)
    async with request:
        await request.post(f"{api}{TOKEN}/getMe")
    call = server.received[-1]
    assert call.line.startswith(f"POST {api}{TOKEN}/getMe HTTP/1.1")  # a proxy's absolute form
    assert call.headers["proxy-authorization"] == "Basic a2FvaGU6cHIweHk="


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()
    writer.close()


@pytest.mark.parametrize("scheme", ["socks5", "socks5h"])
async def test_a_socks_proxy_carries_the_requests_and_resolves_the_apis_name(server, scheme):
    asked: list[tuple[str, int]] = []

    async def socks5(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        greeting = await reader.readexactly(2)
        await reader.readexactly(greeting[1])  # the client's methods: "no authentication" taken
        writer.write(b"\x05\x00")
        _, _, _, kind = await reader.readexactly(4)
        assert kind == 3  # a domain name, resolved by the proxy
        name = await reader.readexactly((await reader.readexactly(1))[0])
        asked.append((name.decode(), int.from_bytes(await reader.readexactly(2), "big")))
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"\x05\x00\x00\x01" + bytes(6))
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    proxy = await asyncio.start_server(socks5, "127.0.0.1", 0)
    api = "http://api.telegram.invalid/bot"
    request = bot_api_request(f"{scheme}://127.0.0.1:{proxy.sockets[0].getsockname()[1]}", api)
    assert isinstance(request.pool, httpcore.AsyncSOCKSProxy)
    async with proxy, request:
        assert await request.post(f"{api}{TOKEN}/sendMessage", read_timeout=3) == OK["result"]
    assert asked == [("api.telegram.invalid", 80)]
    assert server.received[-1].line.startswith(f"POST /bot{TOKEN}/sendMessage HTTP/1.1")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl makes the test's certificate")
async def test_https_to_the_api_verifies_its_certificate_and_answers(tmp_path: Path, monkeypatch):
    key, certificate = tmp_path / "key.pem", tmp_path / "certificate.pem"
    options = ["-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"]
    names = ["-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(certificate)]
    subprocess.run(
        ["openssl", "req", "-x509", *options, *names],
        check=True,
        capture_output=True,
    )
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(certificate, key)
    state = Server()
    async with await started(state, tls):
        api = f"https://localhost:{state.port}/bot"
        async with bot_api_request(None, api) as request:  # certifi does not know the test's certificate
            with pytest.raises(NetworkError, match="CERTIFICATE_VERIFY_FAILED"):
                await request.post(f"{api}{TOKEN}/sendMessage")
        trusting = ssl.create_default_context(cafile=str(certificate))
        monkeypatch.setattr(bot.bot_api_http.httpx, "create_ssl_context", lambda: trusting)
        async with bot_api_request(None, api) as request:
            for _ in range(3):
                assert await request.post(f"{api}{TOKEN}/sendMessage") == OK["result"]
    assert state.connections == 1  # the three on one connection, kept alive (the refused one ended in TLS)


def test_without_a_configured_proxy_the_environments_is_used_unless_no_proxy_names_the_host(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert isinstance(bot_api_request(None, "https://api.telegram.org/bot").pool, httpcore.AsyncHTTPProxy)
    configured = bot_api_request("socks5://127.0.0.1:1080", "https://api.telegram.org/bot")
    assert isinstance(configured.pool, httpcore.AsyncSOCKSProxy)
    monkeypatch.setenv("NO_PROXY", "api.telegram.org")
    assert type(bot_api_request(None, "https://api.telegram.org/bot").pool) is httpcore.AsyncConnectionPool


def test_the_running_bot_sends_and_polls_through_the_configured_proxy(tmp_path, monkeypatch):
    monkeypatch.setenv("KAOHE_BOT_TOKEN", TOKEN)
    path = tmp_path / "config.toml"
    path.write_text('[telegram]\nproxy = "socks5://127.0.0.1:1080"\n')
    application = build_application(load_config(str(path)), engine=None)  # type: ignore[arg-type]
    bot = application.bot
    updates, calls = bot._request  # getUpdates has its own connection (bot.intake's long poll)
    assert isinstance(updates, BotApiRequest) and isinstance(calls, BotApiRequest)
    assert isinstance(updates.pool, httpcore.AsyncSOCKSProxy)
    assert isinstance(calls.pool, httpcore.AsyncSOCKSProxy)
    assert calls._connections == CONNECTIONS and calls._pool_timeout == POOL_TIMEOUT
