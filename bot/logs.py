"""Structured logging, and secrets kept out of everything the process writes.

The bot token appears in every Bot API URL, which HTTP libraries like to log, and in some of their
errors (PTB's ``InvalidToken`` quotes it). ``SECRETS`` knows the secrets of the configuration (the
token, its secret half, the webhook's secret, the database password); ``protected_output`` wraps
stdout and stderr so that every write is scrubbed, tracebacks of any library included, and the log
handler scrubs each record it formats (message, extra fields, exception). Log lines are one JSON
object each (or plain text).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TextIO
from urllib.parse import quote

REDACTED = "<redacted>"
_STANDARD_ATTRIBUTES = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
MIN_SECRET = 6  # shorter strings would scrub ordinary words
MIN_TOKEN_HALF = 12  # a real token's secret half has 35 characters


class Secrets:
    """The strings never to write, each also as it looks in a URL; a bot token's secret half too."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.variants: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        for secret in secrets:
            if not secret or len(secret) < MIN_SECRET:
                continue
            bot_id, colon, half = secret.partition(":")
            forms = {secret, quote(secret, safe=""), quote(secret)}
            if colon and bot_id.isdigit() and len(half) >= MIN_TOKEN_HALF:
                forms.add(half)
            self.variants = sorted(set(self.variants) | forms, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.variants:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text


SECRETS = Secrets()  # the running process's secrets, filled once the configuration is read


class ScrubbedStream:
    """A text stream that scrubs every write before passing it on."""

    def __init__(self, stream: TextIO, secrets: Secrets) -> None:
        self.stream = stream
        self.secrets = secrets

    def write(self, text: str) -> int:
        self.stream.write(self.secrets.scrub(text))
        return len(text)

    def __getattr__(self, name: str) -> object:  # flush, isatty, fileno, encoding...
        return getattr(self.stream, name)


@contextmanager
def protected_output(secrets: Iterable[str]) -> Iterator[None]:
    """Scrub ``secrets`` from stdout and stderr (and the log) until the block ends."""
    known = SECRETS.variants
    SECRETS.add(secrets)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = ScrubbedStream(sys.stdout, SECRETS), ScrubbedStream(sys.stderr, SECRETS)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
        SECRETS.variants = known


class RedactSecrets(logging.Filter):
    """Replace each secret in a record's message, arguments and exception (a JSON line is scrubbed whole,
    extra fields included)."""

    def __init__(self, secrets: Secrets | list[str]) -> None:
        super().__init__()
        self.secrets = secrets if isinstance(secrets, Secrets) else Secrets(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        scrub = self.secrets.scrub
        record.msg = scrub(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


def json_record(entry: Mapping[str, object]) -> str:
    """One JSON log line, scrubbed."""
    return SECRETS.scrub(json.dumps(entry, ensure_ascii=False, default=str))


class JsonFormatter(logging.Formatter):
    """``{"time": ..., "level": ..., "logger": ..., "message": ..., <extra fields>}``."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRIBUTES})
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json_record(entry)


def configure_logging(level: str, style: str, secrets: list[str]) -> None:
    """Send all logging to stderr in ``style`` ("json" or "text"), scrubbing ``secrets``."""
    SECRETS.add(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactSecrets(SECRETS))
    if style == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "apscheduler", "tornado.access"):  # a line per request or job run drowns the rest
        logging.getLogger(noisy).setLevel(logging.WARNING)
