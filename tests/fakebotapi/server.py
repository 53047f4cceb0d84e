"""The fake Bot API over HTTP, and ``FakeBotApi``, the synchronous handle tests hold.

An aiohttp application serves ``/bot<TOKEN>/<method>`` and ``/file/bot<TOKEN>/<path>`` on 127.0.0.1 from
its own thread and event loop, so a bot (in this process or another) talks to it over real HTTP while the
test thread drives simulated users. Answers use Telegram's envelope: ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": N, "description": "..."}``. A malformed token is answered 404, a
well-formed token other than the fake's 401, an unknown method 404, as Telegram does.
"""

from __future__ import annotations

import asyncio
import copy
import re
import threading
from collections.abc import Callable
from contextlib import suppress
from types import TracebackType
from typing import Any

from aiohttp import web

from .actors import SimGroup, SimUser, sent_messages
from .errors import ApiError, conflict, not_found, unauthorized
from .faults import FloodLimiter, ScriptedFailures, SendHold
from .methods import Described, Methods, scope_key
from .params import Params, read_params
from .records import ApiCall, BotMessage, CallbackAnswer
from .state import Store
from .webhook import WebhookDelivery

DEFAULT_TOKEN = "123456789:AAF4keT0kenForKaoheTests_abcdefghijk"
TOKEN = re.compile(r"(\d+):[A-Za-z0-9_-]+")
MAX_REQUEST_BYTES = 60 * 1024 * 1024
TERMINATED = "terminated by other getUpdates request; make sure that only one bot instance is running"
SENDS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})


def _error_response(error: ApiError) -> web.Response:
    return web.json_response(error.payload(), status=error.status)


class BotApiServer:
    """The aiohttp side: routing, the token, the envelope, long polling and webhook delivery."""

    def __init__(self, store: Store, methods: Methods, failures: ScriptedFailures, token: str) -> None:
        self.store = store
        self.methods = methods
        self.failures = failures
        self.token = token
        self.functions = methods.table()
        self.names = {name.lower(): name for name in [*self.functions, "getUpdates"]}
        self.closing = False
        self.poll_generation = 0
        self.hold = SendHold()

    async def start(self, webhook_retry_delay: float) -> int:
        """Starts serving on a free port of 127.0.0.1 and returns the port."""
        self.updates_arrived = asyncio.Event()
        self.webhook = WebhookDelivery(self.store, webhook_retry_delay)
        self.webhook_task = asyncio.create_task(self.webhook.run())
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._file)
        self.runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)  # tests read calls, not logs
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        return self.runner.addresses[0][1]

    async def stop(self) -> None:
        self.closing = True
        self.new_update()
        self.webhook_task.cancel()
        with suppress(asyncio.CancelledError):
            await self.webhook_task
        await self.runner.cleanup()

    def new_update(self) -> None:
        """Wakes long polls and webhook delivery; runs on the server's loop."""
        self.updates_arrived.set()
        self.webhook.wake.set()

    def _check_token(self, token: str) -> None:
        if not TOKEN.fullmatch(token):
            raise not_found()
        if token != self.token:
            raise unauthorized()

    def _record(self, call: ApiCall) -> None:
        with self.store.lock:
            self.store.calls.append(call)
            self.store.notify()

    def _finish(self, call: ApiCall, status: int, result: Any = None, description: str | None = None) -> None:
        with self.store.lock:
            call.status, call.result, call.description = status, result, description
            self.store.notify()

    async def _api(self, request: web.Request) -> web.Response:
        name = self.names.get(request.match_info["method"].lower())
        try:
            self._check_token(request.match_info["token"])
            if name is None:
                raise not_found()
        except ApiError as error:
            return _error_response(error)
        try:
            params = await read_params(request)
        except ApiError as error:
            self._record(ApiCall(name, {}, status=error.status, description=error.description))
            return _error_response(error)
        if name in SENDS:
            await self.hold.admit()
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=499)  # the bot went away while its send was held: never sent
        call = ApiCall(name, params.values, dict(params.uploads))
        self._record(call)
        try:
            result = await self._call(name, params)
        except ApiError as error:
            self._finish(call, error.status, description=error.description)
            return _error_response(error)
        body = {"ok": True, "result": result}
        if isinstance(result, Described):
            body = {"ok": True, "result": result.result, "description": result.description}
        self._finish(call, 200, body["result"], body.get("description"))
        return web.json_response(body)

    async def _call(self, name: str, params: Params) -> Any:
        with self.store.lock:
            failure = self.failures.take(name)
        if failure is not None:
            raise failure
        if name == "getUpdates":
            return await self._get_updates(params)
        with self.store.lock:
            return copy.deepcopy(self.functions[name](params))

    async def _get_updates(self, params: Params) -> list[dict[str, Any]]:
        """Answers at once when updates are queued, else when one arrives or the timeout passes. A newer
        getUpdates ends an older one still waiting with 409, as Telegram does."""
        with self.store.lock:
            limit, timeout = self.methods.start_polling(params)
        self.poll_generation += 1
        generation = self.poll_generation
        self.updates_arrived.set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self.updates_arrived.clear()
            if generation != self.poll_generation:
                raise conflict(TERMINATED)
            with self.store.lock:
                updates = copy.deepcopy(self.store.updates[:limit])
            remaining = deadline - loop.time()
            if updates or remaining <= 0 or self.closing:
                return updates
            with suppress(TimeoutError):
                await asyncio.wait_for(self.updates_arrived.wait(), remaining)

    async def _file(self, request: web.Request) -> web.Response:
        try:
            self._check_token(request.match_info["token"])
        except ApiError as error:
            return _error_response(error)
        with self.store.lock:
            file = self.store.files.get(self.store.file_paths.get(request.match_info["path"], ""))
        if file is None:
            return _error_response(not_found())
        return web.Response(body=file.content, content_type=file.mime_type or "application/octet-stream")


class FakeBotApi:
    """A fake Telegram Bot API server for one bot, with simulated users and groups.

    Use as ``with FakeBotApi() as api:`` and point the bot at ``api.base_url`` and ``api.base_file_url``
    with ``api.token``. All methods are synchronous and thread-safe.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        username: str = "kaohe_test_bot",
        first_name: str = "Kaohe Test Bot",
        can_read_all_group_messages: bool = False,
        webhook_retry_delay: float = 0.1,
    ) -> None:
        match = TOKEN.fullmatch(token)
        if match is None:
            raise ValueError(f"not a bot token (<digits>:<secret>): {token!r}")
        self.token = token
        bot = {"id": int(match.group(1)), "is_bot": True, "first_name": first_name, "username": username}
        profile = {
            **bot,
            "can_join_groups": True,
            "can_read_all_group_messages": can_read_all_group_messages,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.store = Store(bot, reads_all_group_messages=can_read_all_group_messages)
        self.store.on_new_update = self._wake_server
        self.limiter = FloodLimiter()
        self.failures = ScriptedFailures()
        self._server = BotApiServer(
            self.store, Methods(self.store, self.limiter, profile), self.failures, token
        )
        self._webhook_retry_delay = webhook_retry_delay
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # Running.

    def start(self) -> FakeBotApi:
        ready = threading.Event()
        failures: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._serve, args=(ready, failures), name="fake-bot-api", daemon=True
        )
        self._thread.start()
        ready.wait()
        if failures:
            raise failures[0]
        return self

    def _serve(self, ready: threading.Event, failures: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        try:
            self.port = loop.run_until_complete(self._server.start(self._webhook_retry_delay))
        except BaseException as error:
            failures.append(error)
            ready.set()
            loop.close()
            return
        self._loop = loop
        ready.set()
        loop.run_forever()
        loop.run_until_complete(self._server.stop())
        loop.close()

    def stop(self) -> None:
        loop, self._loop = self._loop, None
        if loop is not None and self._thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            self._thread.join(timeout=10)

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def _wake_server(self) -> None:
        loop = self._loop
        if loop is not None:
            loop.call_soon_threadsafe(self._server.new_update)

    @property
    def bot_id(self) -> int:
        return self.store.bot["id"]

    @property
    def username(self) -> str:
        return self.store.bot["username"]

    @property
    def base_url(self) -> str:
        """For PTB's base_url: it appends the token, then "/<method>"."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # People and chats.

    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> SimUser:
        """A simulated user (created on first use, with language_code "zh-hans" unless given; "" for
        none). Details given again replace the old ones."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        with self.store.lock:
            old = self.store.users.get(user_id, {"first_name": f"User{user_id}", "language_code": "zh-hans"})
            given = {"first_name": first_name, "last_name": last_name, "username": username}
            info = {
                "id": user_id,
                "is_bot": False,
                **old,
                **{k: v for k, v in given.items() if v is not None},
            }
            if language_code is not None:
                info["language_code"] = language_code
            info = {key: value for key, value in info.items() if value != ""}
            self.store.users[user_id] = info
            private = {"id": user_id, "type": "private"}
            private.update({k: info[k] for k in ("first_name", "last_name", "username") if k in info})
            self.store.add_chat(private, known=False)
        return SimUser(self.store, user_id)

    def group(self, chat_id: int, title: str = "Test group", *, username: str | None = None) -> SimGroup:
        """A group with the bot in it: a supergroup when the id starts with -100, else a basic group."""
        if chat_id >= 0:
            raise ValueError("group ids are negative")
        info: dict[str, Any] = {
            "id": chat_id,
            "type": "supergroup" if str(chat_id).startswith("-100") else "group",
            "title": title,
        }
        if username:
            info["username"] = username
        with self.store.lock:
            self.store.add_chat(info, known=True)
        return SimGroup(self.store, chat_id)

    # What the bot did.

    def sent(self, chat_id: int) -> list[BotMessage]:
        """Every message the bot sent to the chat, in its current version (``history``: the earlier ones)."""
        return sent_messages(self.store, chat_id)

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """The bot's API calls, of one method (any case) or all, in order of arrival."""
        with self.store.lock:
            return [c for c in self.store.calls if method is None or c.method.lower() == method.lower()]

    def wait_for_call(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        *,
        timeout: float = 10.0,
        after: int = 0,
    ) -> ApiCall:
        """Blocks until the bot calls ``method`` (with params the predicate accepts), skipping the first
        ``after`` calls of all methods; AssertionError on timeout."""

        def found() -> ApiCall | None:
            calls = self.store.calls[after:]
            matching = (
                c for c in calls if c.method.lower() == method.lower() and (predicate is None or predicate(c))
            )
            return next(matching, None)

        return self.store.wait(found, timeout, lambda: f"the bot did not call {method} within {timeout}s")

    def wait_until_polling(self, timeout: float = 10.0) -> None:
        """Returns once the bot has called getUpdates, i.e. it is up and polling."""
        self.wait_for_call("getUpdates", timeout=timeout)

    def pending_updates(self) -> list[dict[str, Any]]:
        """The updates queued for the bot and not yet confirmed (or delivered to its webhook)."""
        with self.store.lock:
            return copy.deepcopy(self.store.updates)

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        with self.store.lock:
            return list(self.store.callback_answers)

    def commands(self, scope: Any = None, language_code: str = "") -> list[tuple[str, str]]:
        """The commands set for exactly this scope and language: scope as a type name ("default",
        "all_private_chats"...), a BotCommandScope dict, or a PTB BotCommandScope."""
        if isinstance(scope, str):
            scope = {"type": scope}
        elif scope is not None and hasattr(scope, "to_dict"):
            scope = scope.to_dict()
        with self.store.lock:
            commands = self.store.commands.get((scope_key(scope), language_code), [])
            return [(c["command"], c["description"]) for c in commands]

    def visible_commands(self, user: SimUser, chat: SimGroup | None = None) -> list[tuple[str, str]]:
        """The command menu ``user`` sees in ``chat`` (default: their private chat), resolved through the
        scopes and the user's language in Telegram's documented order."""
        with self.store.lock:
            language = self.store.users[user.id].get("language_code", "").split("-")[0].lower()
            if chat is None:
                scopes: list[tuple[Any, ...]] = [("chat", user.id), ("all_private_chats",), ("default",)]
            else:
                scopes = [
                    ("chat_member", chat.id, user.id),
                    ("chat", chat.id),
                    ("all_group_chats",),
                    ("default",),
                ]
            for scope in scopes:
                for code in [language, ""] if language else [""]:
                    commands = self.store.commands.get((scope, code))
                    if commands:
                        return [(c["command"], c["description"]) for c in commands]
        return []

    def menu_button(self, chat_id: int | None = None) -> dict[str, Any]:
        """The menu button for the chat, or the default one for all chats."""
        with self.store.lock:
            buttons = self.store.menu_buttons
            return dict(buttons.get(chat_id) or buttons.get(None) or {"type": "commands"})

    # Failures on demand.

    def flood_limits(self, **limits: float) -> None:
        """Turns on Telegram-like flood control for sends (429 with retry_after), with the limits of
        ``FloodLimiter.configure`` (``**TELEGRAM_FLOOD_LIMITS`` for Telegram's own, ``**TELEGRAM_BURSTS`` for
        its short bursts in private chats); none turn it off."""
        with self.store.lock:
            self.limiter.configure(**limits)

    def fail_next(self, method: str, times: int = 1, **error: Any) -> None:
        """The next ``times`` calls of ``method`` fail without doing anything, with the error of
        ``ScriptedFailures.add``: ``retry_after=N`` a 429, ``status=500`` (502, 503) a server error."""
        with self.store.lock:
            self.failures.add(method, times, **error)

    def hold_sends(self, after: int = 0) -> None:
        """From now on ``after`` more sends go through, and each one after that waits (as if Telegram
        had stalled) until ``release_sends``; one whose bot has gone by then is never carried out."""
        self._on_server_loop(lambda: self._server.hold.hold(after))

    def release_sends(self) -> None:
        self._on_server_loop(self._server.hold.release)

    def _on_server_loop(self, action: Callable[[], None]) -> None:
        """Runs ``action`` on the server's event loop and returns once it has."""

        async def run() -> None:
            action()

        assert self._loop is not None, "the fake Bot API is not running"
        asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout=10)
