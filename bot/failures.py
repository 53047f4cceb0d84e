"""What a failure looks like to the operator: one clear line, and for the unexpected a JSON record.

Every failure of a ``kaohe`` command, ``kaohe run`` included, ends here (``bot.cli``): a problem with
the configuration or the request is its own message (exit status 2); a rejected token and an
unreachable Bot API are worded for the operator; anything else is one line naming the error plus a
JSON record with its traceback, for the log collector. Everything is scrubbed of the secrets
(``bot.logs``), whatever a library put into its messages. Telegram's errors are imported when a failure
is explained, not with the module: a command that never talks to Telegram starts without loading it.
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import OperationalError

from bot.commands.common import UsageError
from bot.config import ConfigError
from bot.logs import SECRETS, json_record
from flows.ui.i18n import plain


class Fatal(Exception):
    """A condition that ends the process, already worded for the operator."""


@dataclass(frozen=True)
class Explained:
    line: str
    status: int
    record: bool  # whether a JSON record with the traceback follows


def network_problem(error: BaseException) -> bool:
    """Whether the Bot API could not be reached or did not answer (not: it answered with a refusal)."""
    from telegram.error import BadRequest, NetworkError

    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


def unreachable(locale: str, url: str, error: BaseException) -> str:
    return plain(locale, "failure_unreachable", url=url, reason=str(error) or type(error).__name__)


def explain(error: BaseException, locale: str, api_url: str) -> Explained:
    from telegram.error import InvalidToken

    if isinstance(error, ConfigError | UsageError):
        return Explained(f"kaohe: {error}", 2, record=False)
    if isinstance(error, Fatal):
        return Explained(f"kaohe: {error}", 1, record=False)
    if isinstance(error, InvalidToken):
        return Explained(f"kaohe: {plain(locale, 'failure_token_rejected')}", 2, record=False)
    if network_problem(error):
        return Explained(f"kaohe: {unreachable(locale, api_url, error)}", 1, record=False)
    if isinstance(error, OperationalError):
        reason = str(error.orig or error).strip().splitlines()[0]
        return Explained(f"kaohe: {plain(locale, 'failure_database', reason=reason)}", 1, record=True)
    first = (str(error).strip().splitlines() or [""])[0]
    named = f"{type(error).__name__}: {first}" if first else type(error).__name__
    return Explained(f"kaohe: {plain(locale, 'failure_unexpected', error=named)}", 1, record=True)


def report(error: BaseException, locale: str, api_url: str, command: str) -> int:
    """Print the failure to stderr (scrubbed) and return the exit status."""
    explained = explain(error, locale, api_url)
    print(SECRETS.scrub(explained.line), file=sys.stderr)
    if explained.record:
        record: dict[str, object] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": "ERROR",
            "logger": "kaohe.cli",
            "event": "command.failed",
            "command": command,
            "message": explained.line,
            "error": type(error).__name__,
            "exception": "".join(traceback.format_exception(error)),
        }
        print(json_record(record), file=sys.stderr)
    return explained.status
