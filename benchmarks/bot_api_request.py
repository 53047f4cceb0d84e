"""Benchmark: the CPU one Bot API request costs the bot's process, by the way it is sent.

    .venv/bin/python benchmarks/bot_api_request.py [--requests 2000] [--rounds 3]

A local aiohttp server (its own process, so that its CPU is not counted) answers every POST as the
Bot API answers a ``sendMessage``; the client sends ``--requests`` of them, a reply's parameters each
(chat id, HTML text, an inline keyboard), 16 at once over 4 connections as ``kaohe run`` does, through

* ``httpx``: PTB's ``HTTPXRequest`` (what kaohe used before ``bot.bot_api_http``);
* ``httpcore``: ``bot.bot_api_http.BotApiRequest``;
* ``aiohttp``: an ``aiohttp.ClientSession`` posting the same form, parsing the same JSON (a
  reference: not a ``BaseRequest``, and without SOCKS proxies unless aiohttp-socks is added),

and prints the process CPU time (user + system) per request, each way ``--rounds`` times, in turn.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from machine import describe  # noqa: E402
from telegram.request import BaseRequest, HTTPXRequest, RequestData  # noqa: E402
from telegram.request._requestparameter import RequestParameter  # noqa: E402

from bot.bot_api_http import BotApiRequest  # noqa: E402

CONNECTIONS, IN_FLIGHT = 4, 16
ANSWER = json.dumps(
    {
        "ok": True,
        "result": {
            "message_id": 1,
            "from": {"id": 1, "is_bot": True, "first_name": "Kaohe", "username": "kaohe_bot"},
            "chat": {"id": 5001, "first_name": "Member", "type": "private"},
            "date": 1_800_000_000,
            "text": "张三 · 学生会 / 宣传部\n本轮考核：进行中",
        },
    }
).encode()
PARAMETERS = {
    "chat_id": 5001,
    "text": "<b>张三</b> · 学生会 / 宣传部\n本轮考核：进行中，截止 12 月 1 日",
    "parse_mode": "HTML",
    "reply_markup": {"inline_keyboard": [[{"text": "返回", "callback_data": "home:1"}]]},
}


def serve(port: int) -> None:
    async def answer(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=ANSWER, content_type="application/json")

    app = web.Application()
    app.router.add_post("/{tail:.*}", answer)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request_data() -> RequestData:
    return RequestData([RequestParameter.from_input(key, value) for key, value in PARAMETERS.items()])


async def through(request: BaseRequest, url: str) -> Callable[[], Awaitable[object]]:
    await request.initialize()
    return lambda: request.post(url, request_data())


async def through_aiohttp(url: str) -> tuple[Callable[[], Awaitable[object]], aiohttp.ClientSession]:
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONNECTIONS))

    async def post() -> object:
        async with session.post(url, data=request_data().json_parameters) as response:
            return json.loads(await response.read())["result"]

    return post, session


async def measure(send: Callable[[], Awaitable[object]], count: int) -> float:
    """CPU seconds of this process per request, ``count`` requests ``IN_FLIGHT`` at once."""
    left = count

    async def sender() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await send()

    for _ in range(IN_FLIGHT * 4):  # connections opened, code warm
        await send()
    started = time.process_time()
    await asyncio.gather(*(sender() for _ in range(IN_FLIGHT)))
    return (time.process_time() - started) / count


async def run(port: int, count: int, rounds: int) -> None:
    url = f"http://127.0.0.1:{port}/bot1:token/sendMessage"
    ptb = HTTPXRequest(connection_pool_size=CONNECTIONS, pool_timeout=10.0)
    lean = BotApiRequest(CONNECTIONS, pool_timeout=10.0)
    aio, session = await through_aiohttp(url)
    ways = {
        "httpx (PTB HTTPXRequest)": await through(ptb, url),
        "httpcore (BotApiRequest)": await through(lean, url),
    }
    ways["aiohttp (reference)"] = aio
    figures: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(rounds):
        for name, send in ways.items():
            figures[name].append(await measure(send, count))
    await ptb.shutdown()
    await lean.shutdown()
    await session.close()
    base = min(figures["httpx (PTB HTTPXRequest)"])
    print(f"{count} sendMessage POSTs, {IN_FLIGHT} at once over {CONNECTIONS} connections, {rounds} rounds")
    for name, values in figures.items():
        spread = ", ".join(f"{v * 1e6:.0f}" for v in values)
        print(f"  {name:26} CPU µs/request: {spread}  (best ×{min(values) / base:.2f} of httpx)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    print(describe(), flush=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)], env=os.environ.copy())
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        asyncio.run(run(port, args.requests, args.rounds))
        print(describe(), flush=True)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
