"""The running bot: receiving into the inbox, workers answering from it, the jobs, until SIGINT or SIGTERM.

PTB's Application is built without its Updater (which would confirm updates to Telegram before they
are handled): ``bot.intake`` receives (polling or webhook) and commits each update first, and
``bot.worker`` handles each once, inside one database transaction with its effects, and sends the
answer after the commit. The Application still gives the bot, its rate limiter and the job queue.

In polling mode one process at a time receives: it holds the ``polling`` lease, renewed while it
runs; a second ``kaohe run`` on the same database says so and waits to take over. In webhook mode
any number of processes share the inbox. The Bot API out of reach (at start or later) is retried
with growing pauses, one line a try.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.ext import Application, ContextTypes

from bot.bot_api_http import bot_api_request
from bot.commands.common import open_database
from bot.config import Config, ConfigError
from bot.failures import Fatal
from bot.intake import Received, Reconnecting, pause, poll, webhook_server
from bot.lanes import rate_limiter
from bot.logs import configure_logging
from bot.scheduler import schedule, tidy
from bot.telegram_io import incoming_from
from bot.worker import Handler, Worker
from flows.router import handle
from flows.rules.names import LOCALES
from flows.ui.chat import Action, Incoming
from flows.ui.context import FlowContext
from flows.ui.i18n import plain
from flows.ui.menu import stranger_menu
from storage import leases
from storage.db import session_scope
from storage.models import InboxUpdate

log = logging.getLogger("kaohe.bot")
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
POLLING_LEASE = "polling"
LEASE_SECONDS, RENEW_SECONDS = 30.0, 10.0
GRACE_SECONDS = 5.0  # for the answers being sent when the bot is told to stop
CONNECTIONS = 4  # to the Bot API at once (getUpdates has its own): more cost more than they save
POOL_TIMEOUT = 10.0  # seconds a request may wait for one of them (a busy moment, not a failure)


def flow_context(config: Config, session: Session, now: datetime) -> FlowContext:
    settings = config.settings
    return FlowContext(
        session=session,
        now=now,
        tz=settings.tz,
        default_locale=settings.language,
        max_wrong_codes=settings.invites.max_wrong_codes,
        wrong_code_window=timedelta(minutes=settings.invites.wrong_code_window_minutes),
    )


def update_handler(config: Config) -> Handler:
    """The flows, run on one update inside the worker's transaction."""

    def on_update(session: Session, update: Update, now: datetime) -> tuple[Incoming | None, list[Action]]:
        incoming = incoming_from(update)
        if incoming is None:
            return None, []
        return incoming, handle(flow_context(config, session, now), incoming)

    return on_update


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("job failed", exc_info=context.error, extra={"event": "job.error"})


async def register_menus(application: Application) -> None:
    """The command menu strangers see, in Chinese by default and in English for English clients."""
    for locale in LOCALES:
        commands = [BotCommand(c.command, c.description) for c in stranger_menu(locale)]
        language = "" if locale == application.bot_data["config"].settings.language else locale[:2]
        await application.bot.set_my_commands(
            commands, scope=BotCommandScopeDefault(), language_code=language
        )
    me = application.bot
    log.info("bot started", extra={"event": "bot.start", "username": me.username, "id": me.id})


def build_application(config: Config, engine: Engine) -> Application:
    settings = config.settings.telegram
    proxy = settings.proxy or None
    application = (
        Application.builder()
        .token(config.require_token())
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .rate_limiter(rate_limiter(config.settings.delivery))
        .request(
            bot_api_request(proxy, settings.api_base_url, connections=CONNECTIONS, pool_timeout=POOL_TIMEOUT)
        )
        .get_updates_request(bot_api_request(proxy, settings.api_base_url))  # bot.intake's long poll
        .updater(None)
        .build()
    )
    application.bot_data["config"] = config
    application.bot_data["engine"] = engine
    application.add_error_handler(on_error)
    schedule(application, config, engine)
    return application


def _check_webhook(config: Config) -> None:
    webhook = config.settings.telegram.webhook
    if not webhook.url:
        raise ConfigError(
            f"{config.path or 'configuration'}: telegram.webhook.url must be set in webhook mode"
        )
    if not SECRET_TOKEN.match(webhook.secret_token.get_secret_value()):
        raise ConfigError(
            f"{config.path or 'configuration'}: telegram.webhook.secret_token must be set in webhook mode "
            "(1-256 characters: letters, digits, _ and -)"
        )


def _take_polling(engine: Engine, owner: str) -> leases.Holder | None:
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        return leases.take(session, POLLING_LEASE, owner, now, now + timedelta(seconds=LEASE_SECONDS))


async def wait_for_polling(engine: Engine, owner: str, stop: asyncio.Event, locale: str) -> bool:
    """Take the polling lease, waiting while another process holds it; False when stopped first."""
    said = False
    while not stop.is_set():
        holder = await asyncio.to_thread(_take_polling, engine, owner)
        if holder is None:
            return True
        if not said:
            log.warning(
                plain(locale, "polling_taken", host=holder.host, pid=holder.pid),
                extra={"event": "polling.taken", "holder": holder.owner},
            )
            said = True
        await pause(stop, RENEW_SECONDS / 2)
    return False


async def keep_polling(engine: Engine, owner: str, stop: asyncio.Event, locale: str) -> None:
    """Renew the polling lease while running; lost (the database was out of reach too long) ends it."""
    while not stop.is_set():
        await pause(stop, RENEW_SECONDS)
        try:
            holder = await asyncio.to_thread(_take_polling, engine, owner)
        except SQLAlchemyError as error:  # the database out of reach for a while: try again
            log.warning("polling lease not renewed: %s", error, extra={"event": "polling.unrenewed"})
            continue
        if holder is not None and not stop.is_set():
            raise Fatal(plain(locale, "polling_lost"))


def _release(engine: Engine, owner: str) -> None:
    with session_scope(engine) as session:
        leases.give_up(session, POLLING_LEASE, owner)


async def serve(config: Config, engine: Engine) -> None:
    """Run until SIGINT or SIGTERM (or a failure that ends the process)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    settings = config.settings
    polling = settings.telegram.mode == "polling"
    owner = leases.new_owner("run")
    if polling and not await wait_for_polling(engine, owner, stop, settings.language):
        return
    await asyncio.to_thread(tidy, engine)  # at once: the job queue's first run comes an interval late
    application = build_application(config, engine)
    reconnecting = Reconnecting(settings.language, settings.telegram.api_base_url, stop)
    try:
        await reconnecting.run(application.initialize)
        if stop.is_set():
            return
        await application.start()
        await reconnecting.run(partial(register_menus, application))
        await _receive_and_answer(application, config, engine, owner, reconnecting)
    finally:
        if application.running:
            await application.stop()
        await application.shutdown()
        if polling:
            await asyncio.to_thread(_release, engine, owner)


async def _receive_and_answer(
    application: Application, config: Config, engine: Engine, owner: str, reconnecting: Reconnecting
) -> None:
    telegram = config.settings.telegram
    stop, bot, arrived = reconnecting.stop, application.bot, asyncio.Event()
    handler = update_handler(config)
    received = Received()
    worker = Worker(
        bot, engine, handler, leases.new_owner("worker"), arrived, config.settings.language, received
    )
    tasks = [worker.run(stop)]
    server = None
    if telegram.mode == "polling":
        await reconnecting.run(partial(bot.delete_webhook, drop_pending_updates=False))
        receive = poll(
            bot,
            engine,
            arrived,
            reconnecting,
            timeout=telegram.poll_timeout,
            allowed=ALLOWED_UPDATES,
            received=received,
        )
        tasks += [receive, keep_polling(engine, owner, stop, reconnecting.locale)]
    else:
        webhook = telegram.webhook
        secret = webhook.secret_token.get_secret_value()
        server = webhook_server(bot, engine, arrived, path=webhook.path, secret=secret, received=received)
        server.listen(webhook.port, address=webhook.listen)
        await reconnecting.run(
            partial(bot.set_webhook, webhook.url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
        )
    running = [asyncio.ensure_future(task) for task in tasks]
    stopping = asyncio.ensure_future(stop.wait())
    try:
        done, _ = await asyncio.wait([stopping, *running], return_when=asyncio.FIRST_COMPLETED)
        for task in done - {stopping}:
            task.result()  # a task ends before the stop only by failing: raise its error
    finally:
        stop.set()
        if server is not None:
            server.stop()
        await asyncio.wait(running, timeout=GRACE_SECONDS)  # workers finish the answer they are sending
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        with session_scope(engine) as session:
            leases.release_claims(session, InboxUpdate, leases.mine)


def run_bot(config: Config) -> int:
    """Start the bot and block until SIGINT or SIGTERM."""
    config.require_token()
    if config.settings.telegram.mode == "webhook":
        _check_webhook(config)
    engine = open_database(config)
    configure_logging(config.settings.logging.level, config.settings.logging.format, config.secrets())
    try:
        asyncio.run(serve(config, engine))
    finally:
        engine.dispose()
        log.info("bot stopped", extra={"event": "bot.stop"})
    return 0
