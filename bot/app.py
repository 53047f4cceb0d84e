"""The running bot: a python-telegram-bot Application wired to the flows.

Each update is turned into a flow input, handled inside one database transaction that commits
before anything is sent (so a crash never loses an answer the user saw acknowledged), and the
resulting actions are sent. Polling by default; webhook mode checks Telegram's secret token on
every request. SIGINT and SIGTERM stop it cleanly.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session
from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.commands.common import open_database
from bot.config import Config, ConfigError
from bot.logs import configure_logging
from bot.scheduler import schedule
from bot.sender import rate_limiter
from bot.telegram_io import incoming_from, perform
from flows.router import handle
from flows.rules.names import LOCALES
from flows.ui.context import FlowContext
from flows.ui.menu import stranger_menu
from storage import updates
from storage.db import session_scope

log = logging.getLogger("kaohe.bot")
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


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


async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    incoming = incoming_from(update)
    if incoming is None:
        return
    config: Config = context.bot_data["config"]
    engine: Engine = context.bot_data["engine"]
    started = time.monotonic()
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        if not updates.first_delivery(session, update.update_id, now):
            log.info(
                "update delivered again: skipped",
                extra={"event": "update.duplicate", "update_id": update.update_id},
            )
            return
        actions = handle(flow_context(config, session, now), incoming)
    await perform(update, context, actions)
    log.info(
        "update handled",
        extra={
            "event": "update.handled",
            "update_id": update.update_id,
            "user": incoming.telegram_user_id,
            "chat": incoming.chat_id,
            "content": incoming.content.value,
            "command": incoming.command,
            "replies": len(actions),
            "ms": round((time.monotonic() - started) * 1000, 1),
        },
    )


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("update failed", exc_info=context.error, extra={"event": "update.error"})


async def on_start(application: Application) -> None:
    """Start-up: forget long-handled updates, and register the strangers' command menu."""
    with session_scope(application.bot_data["engine"]) as session:
        updates.forget_before(session, datetime.now(UTC) - timedelta(days=2))
    await register_menus(application)


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
    application = (
        Application.builder()
        .token(config.require_token())
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_file_url)
        .rate_limiter(rate_limiter(config.settings.delivery))
        .post_init(on_start)
        .build()
    )
    application.bot_data["config"] = config
    application.bot_data["engine"] = engine
    application.add_handler(TypeHandler(Update, on_update))
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


def run_bot(config: Config) -> int:
    """Start the bot and block until SIGINT or SIGTERM."""
    token = config.require_token()
    webhook = config.settings.telegram.webhook
    secrets = [token, webhook.secret_token.get_secret_value()]
    configure_logging(config.settings.logging.level, config.settings.logging.format, secrets)
    if config.settings.telegram.mode == "webhook":
        _check_webhook(config)
    engine = open_database(config)
    application = build_application(config, engine)
    allowed = [Update.MESSAGE, Update.CALLBACK_QUERY]
    try:
        if config.settings.telegram.mode == "webhook":
            application.run_webhook(
                listen=webhook.listen,
                port=webhook.port,
                url_path=webhook.path,
                webhook_url=webhook.url,
                secret_token=webhook.secret_token.get_secret_value(),
                allowed_updates=allowed,
            )
        else:
            application.run_polling(
                allowed_updates=allowed, timeout=config.settings.telegram.poll_timeout, poll_interval=0.0
            )
    finally:
        engine.dispose()
        log.info("bot stopped", extra={"event": "bot.stop"})
    return 0
