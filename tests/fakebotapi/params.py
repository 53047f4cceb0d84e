"""Request parameters as the Bot API reads them: from the query string, a form, multipart data or JSON.

Over a form every value is a string (PTB sends numbers as "123", booleans as "true" and objects such as
reply_markup as JSON text), so values are converted by the parameter's name, as Telegram's server does:
integers, booleans and JSON objects. Files of a multipart request are kept apart as ``Upload``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .errors import bad_request

INTEGER_FIELDS = frozenset(
    {
        "cache_time",
        "duration",
        "from_chat_id",
        "height",
        "limit",
        "max_connections",
        "message_id",
        "message_thread_id",
        "offset",
        "reply_to_message_id",
        "timeout",
        "user_id",
        "width",
    }
)
BOOLEAN_FIELDS = frozenset(
    {
        "allow_paid_broadcast",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "disable_notification",
        "disable_web_page_preview",
        "drop_pending_updates",
        "has_spoiler",
        "protect_content",
        "show_alert",
        "show_caption_above_media",
    }
)
JSON_FIELDS = frozenset(
    {
        "allowed_updates",
        "caption_entities",
        "commands",
        "entities",
        "link_preview_options",
        "media",
        "menu_button",
        "reply_markup",
        "reply_parameters",
        "scope",
    }
)
JSON_FIELD_NAMES = {
    "reply_markup": "reply keyboard markup",
    "scope": "BotCommandScope",
    "menu_button": "MenuButton",
    "reply_parameters": "ReplyParameters",
}


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content: bytes
    content_type: str | None


def _integer(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise bad_request(f'field "{name}" must be of type Integer')
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f'field "{name}" must be of type Integer') from None


def _boolean(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def _json(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise bad_request(f"can't parse {JSON_FIELD_NAMES.get(name, name)} JSON object") from None


def _chat_id(value: Any) -> int | str:
    """A chat id is an integer or "@username"; anything else names no chat."""
    if isinstance(value, str) and value.startswith("@"):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request("chat not found") from None


def convert(name: str, value: Any) -> Any:
    """The value of one parameter, converted by its name."""
    if name == "chat_id":
        return _chat_id(value)
    if name in INTEGER_FIELDS:
        return _integer(name, value)
    if name in BOOLEAN_FIELDS:
        return _boolean(value)
    if name in JSON_FIELDS:
        return _json(name, value)
    return value if isinstance(value, str) or value is None else json.dumps(value)


class Params:
    """The parameters of one call: converted values, and the uploaded files by part name."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload]) -> None:
        self.values = values
        self.uploads = uploads

    def get(self, name: str, default: Any = None) -> Any:
        value = self.values.get(name)
        return default if value is None else value

    def require(self, name: str) -> Any:
        value = self.values.get(name)
        if value is None or value == "":
            raise bad_request(f'parameter "{name}" is required')
        return value

    def chat_id(self) -> int | str:
        value = self.values.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        return value

    def file(self, name: str) -> Upload | str | None:
        """An uploaded part (directly, or named by "attach://<part>"), else a file_id string, else None."""
        if name in self.uploads:
            return self.uploads[name]
        value = self.values.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            return self.uploads.get(value.removeprefix("attach://"))
        return value or None


async def read_params(request: web.Request) -> Params:
    """Collects the parameters of a request however they were sent, query string first, body over it."""
    raw: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.content_type == "application/json":
        body = await request.json() if request.can_read_body else {}
        if not isinstance(body, dict):
            raise bad_request("the request body must be a JSON object")
        raw.update(body)
    elif request.can_read_body:
        for name, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                uploads[name] = Upload(value.filename, value.file.read(), value.content_type)
            elif isinstance(value, bytes | bytearray):
                raw[name] = bytes(value).decode("utf-8")
            else:
                raw[name] = value
    return Params({name: convert(name, value) for name, value in raw.items()}, uploads)
