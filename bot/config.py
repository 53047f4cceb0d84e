"""Configuration: one TOML file, validated, with the bot token from the environment.

Where the file is: ``--config PATH``, else ``$KAOHE_CONFIG``, else ``./config.toml``. Without any of
them the defaults apply (SQLite beside the current directory). ``config.example.toml`` documents
every key. ``KAOHE_BOT_TOKEN`` wins over ``telegram.token``. An error names the key and the file and
never shows the token.
"""

from __future__ import annotations

import importlib.util
import os
import tomllib
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_core import ErrorDetails
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

TOKEN_ENV = "KAOHE_BOT_TOKEN"
CONFIG_ENV = "KAOHE_CONFIG"
DEFAULT_CONFIG = Path("config.toml")
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")  # what bot.bot_api_http's connections speak


class ConfigError(Exception):
    """A configuration problem, worded for the person who runs the bot."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WebhookSettings(_Section):
    listen: str = "127.0.0.1"
    port: int = Field(default=8443, ge=1, le=65535)
    url: str = ""  # the public HTTPS URL Telegram posts to, e.g. https://example.org/kaohe
    path: str = "telegram"
    secret_token: SecretStr = SecretStr("")


class TelegramSettings(_Section):
    token: SecretStr = SecretStr("")
    api_base_url: str = "https://api.telegram.org/bot"
    api_file_url: str = "https://api.telegram.org/file/bot"
    bot_username: str = ""  # for invitation links; asked of Telegram when empty
    mode: Literal["polling", "webhook"] = "polling"
    poll_timeout: int = Field(default=30, ge=0, le=50)
    proxy: str = ""  # e.g. socks5://127.0.0.1:1080 or http://proxy.example:3128; empty: none
    webhook: WebhookSettings = WebhookSettings()

    @field_validator("proxy")
    @classmethod
    def _usable_proxy(cls, value: str) -> str:
        if not value:
            return value
        url = urlsplit(value)
        if url.scheme not in PROXY_SCHEMES or not url.hostname:
            raise ValueError(f"not a proxy URL: use {', '.join(s + '://host:port' for s in PROXY_SCHEMES)}")
        try:
            url.port  # noqa: B018 -- a port that is no number raises here
        except ValueError as error:
            raise ValueError(f"not a proxy URL: {error}") from None
        if url.scheme.startswith("socks") and importlib.util.find_spec("socksio") is None:
            raise ValueError("a SOCKS proxy needs the socks extra: pip install 'python-telegram-bot[socks]'")
        return value


class DatabaseSettings(_Section):
    url: str = ""  # empty: sqlite file kaohe.sqlite3 beside the configuration file


class InviteSettings(_Section):
    valid_days: int = Field(default=14, ge=1, le=365)
    max_wrong_codes: int = Field(default=5, ge=1)  # per account, in the window below
    wrong_code_window_minutes: int = Field(default=60, ge=1)


class DeliverySettings(_Section):
    """How the running bot plans reminders and sends notifications (Telegram allows about 30 messages a
    second in all, about 1 a second per chat, 20 a minute per group)."""

    messages_per_second: float = Field(default=28, gt=0, le=30)
    group_messages_per_minute: float = Field(default=20, gt=0, le=20)
    chat_interval_seconds: float = Field(default=1.0, ge=0)
    concurrency: int = Field(default=30, ge=1, le=256)
    max_attempts: int = Field(default=8, ge=1)
    send_interval_seconds: float = Field(default=2.0, gt=0)
    plan_interval_seconds: float = Field(default=60.0, gt=0)


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["json", "text"] = "json"


class Settings(_Section):
    timezone: str = "Asia/Shanghai"
    language: Literal["zh-CN", "en"] = "zh-CN"
    telegram: TelegramSettings = TelegramSettings()
    database: DatabaseSettings = DatabaseSettings()
    invites: InviteSettings = InviteSettings()
    delivery: DeliverySettings = DeliverySettings()
    logging: LoggingSettings = LoggingSettings()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(
                f"unknown timezone {value!r} (use an IANA name such as Asia/Shanghai)"
            ) from error
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def token(self) -> str:
        return self.telegram.token.get_secret_value()


class Config:
    """The loaded settings, where they came from, and the resolved database URL."""

    def __init__(self, settings: Settings, path: Path | None) -> None:
        self.settings = settings
        self.path = path

    @property
    def database_url(self) -> str:
        if self.settings.database.url:
            return self.settings.database.url
        base = self.path.parent if self.path else Path.cwd()
        return f"sqlite:///{(base / 'kaohe.sqlite3').resolve()}"

    def secrets(self) -> list[str]:
        """What must never be written anywhere: the token, the webhook's secret, the passwords of the
        database and the proxy."""
        telegram = self.settings.telegram
        try:
            database = make_url(self.database_url).password
        except ArgumentError:  # not a URL: the database layer says so, without a password to leak
            database = None
        proxy = urlsplit(telegram.proxy).password
        webhook = telegram.webhook.secret_token.get_secret_value()
        return [str(s) for s in (self.settings.token, webhook, database, proxy) if s]

    def require_token(self) -> str:
        token = self.settings.token
        if not token:
            where = f" or telegram.token in {self.path}" if self.path else ""
            raise ConfigError(f"no bot token: set the environment variable {TOKEN_ENV}{where}")
        return token


def resolve_path(explicit: str | None) -> tuple[Path | None, bool]:
    """The configuration file to read, and whether its absence is an error."""
    if explicit:
        return Path(explicit), True
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV]), True
    return DEFAULT_CONFIG, False


def _describe(error: ErrorDetails) -> str:
    key = ".".join(str(part) for part in error["loc"]) or "(top level)"
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key"
    return f"{key}: {error['msg']}"


def load_config(explicit: str | None = None) -> Config:
    """Read and validate the configuration; raise ConfigError naming the file and the keys."""
    path, required = resolve_path(explicit)
    data: dict = {}
    if path is not None and path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: not valid TOML: {error}") from error
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"{path}: cannot be read: {error}") from error
    elif required:
        raise ConfigError(f"{path}: configuration file not found")
    else:
        path = None
    try:
        settings = Settings.model_validate(data)
    except ValidationError as error:
        where = path or "the defaults"
        problems = "; ".join(_describe(e) for e in error.errors(include_input=False))
        raise ConfigError(f"{where}: {problems}") from None
    if os.environ.get(TOKEN_ENV):
        settings.telegram.token = SecretStr(os.environ[TOKEN_ENV])
    return Config(settings, path)
