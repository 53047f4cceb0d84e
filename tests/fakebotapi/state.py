"""The fake's state: chats and their messages, the update queue, files, commands and what was recorded.

Everything sits behind one re-entrant lock shared by the server thread and the test thread. ``changed``
(a Condition on that lock) wakes test threads waiting for the bot; ``on_new_update`` wakes the server's
long polls and its webhook delivery.
"""

from __future__ import annotations

import copy
import itertools
import mimetypes
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, TypeVar

from .keyboards import inline_buttons
from .records import ApiCall, BotMessage, CallbackAnswer, FileInfo

T = TypeVar("T")

ALL_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
DEFAULT_ALLOWED_UPDATES = ALL_UPDATE_TYPES - {"chat_member", "message_reaction", "message_reaction_count"}
FIRST_UPDATE_ID = 1000
FILE_ID_PREFIXES = {
    "documents": "BQACAgIAAxk",
    "photos": "AgACAgIAAxk",
    "stickers": "CAACAgIAAxk",
    "voice": "AwACAgIAAxk",
}
PHOTO_SIZE = (1280, 960)  # the fake decodes no image: every photo reports this size


def now() -> int:
    return int(time.time())


@dataclass
class StoredMessage:
    """A message in a chat, from the bot or from a simulated user, with the versions edits replaced."""

    json: dict[str, Any]
    from_bot: bool
    raw: str | None = None
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    document: FileInfo | None = None
    photo: FileInfo | None = None
    versions: list[BotMessage] = field(default_factory=list)
    deleted: bool = False

    def snapshot(self) -> BotMessage:
        message = copy.deepcopy(self.json)
        return BotMessage(
            chat_id=message["chat"]["id"],
            message_id=message["message_id"],
            date=message["date"],
            text=message.get("text"),
            caption=message.get("caption"),
            raw=self.raw,
            parse_mode=self.parse_mode,
            entities=message.get("entities", message.get("caption_entities", [])),
            buttons=inline_buttons(self.reply_markup),
            reply_markup=copy.deepcopy(self.reply_markup),
            document=self.document,
            photo=self.photo,
            edit_date=message.get("edit_date"),
            deleted=self.deleted,
            history=list(self.versions),
        )


@dataclass
class Chat:
    """A chat the fake knows; ``known`` once the bot has had an update from it (groups: from the start)."""

    info: dict[str, Any]
    known: bool = False
    started: bool = False
    blocked: bool = False
    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    events: list[BotMessage] = field(default_factory=list)
    consumed: int = 0

    @property
    def id(self) -> int:
        return self.info["id"]

    @property
    def private(self) -> bool:
        return self.info["type"] == "private"


@dataclass
class Webhook:
    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass(frozen=True)
class OpenQuery:
    """A button press the bot has not answered yet."""

    user_id: int
    data: str | None


def document_json(file: FileInfo) -> dict[str, Any]:
    document: dict[str, Any] = {"file_id": file.file_id, "file_unique_id": file.file_unique_id}
    if file.filename:
        document["file_name"] = file.filename
    if file.mime_type:
        document["mime_type"] = file.mime_type
    return {**document, "file_size": file.size}


def photo_json(file: FileInfo) -> list[dict[str, Any]]:
    width, height = PHOTO_SIZE
    size = {"file_id": file.file_id, "file_unique_id": file.file_unique_id, "file_size": file.size}
    return [{**size, "width": width, "height": height}]


class Store:
    """All state of one fake bot, with the primitives the methods and the simulated users build on."""

    def __init__(self, bot: dict[str, Any], *, reads_all_group_messages: bool = False) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.bot = bot
        self.reads_all_group_messages = reads_all_group_messages
        self.chats: dict[int, Chat] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.updates: list[dict[str, Any]] = []
        self.allowed_updates = DEFAULT_ALLOWED_UPDATES
        self.webhook = Webhook()
        self.files: dict[str, FileInfo] = {}
        self.file_paths: dict[str, str] = {}
        self.commands: dict[tuple[tuple[Any, ...], str], list[dict[str, str]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.open_queries: dict[str, OpenQuery] = {}
        self.callback_answers: list[CallbackAnswer] = []
        self.calls: list[ApiCall] = []
        self.on_new_update: Callable[[], None] = lambda: None
        self._next_update_id = FIRST_UPDATE_ID
        self._serial = itertools.count(1)

    def serial(self) -> int:
        """A fresh number for ids of files and callback queries."""
        return next(self._serial)

    def notify(self) -> None:
        """Wakes waiting test threads; call with the lock held."""
        self.changed.notify_all()

    def add_chat(self, info: dict[str, Any], *, known: bool) -> Chat:
        chat = self.chats.get(info["id"])
        if chat is None:
            chat = self.chats[info["id"]] = Chat(info, known=known)
        else:
            chat.info = info
        return chat

    def add_message(
        self, chat: Chat, sender: dict[str, Any], payload: dict[str, Any], **meta: Any
    ) -> StoredMessage:
        """A new message in the chat; a message from the bot is also recorded for the tests."""
        message = {"message_id": chat.next_message_id, "from": sender, "chat": dict(chat.info), "date": now()}
        chat.next_message_id += 1
        stored = StoredMessage({**message, **payload}, from_bot=sender["id"] == self.bot["id"], **meta)
        chat.messages[message["message_id"]] = stored
        if stored.from_bot:
            self.record_output(chat, stored)
        return stored

    def record_output(self, chat: Chat, stored: StoredMessage) -> None:
        """Records what the bot just sent or edited, for ``wait_for``."""
        chat.events.append(stored.snapshot())
        self.notify()

    def enqueue(self, kind: str, payload: dict[str, Any]) -> None:
        """Queues an update for the bot, unless its type is not among the allowed updates."""
        if kind not in self.allowed_updates:
            return
        self.updates.append({"update_id": self._next_update_id, kind: copy.deepcopy(payload)})
        self._next_update_id += 1
        self.notify()
        self.on_new_update()

    def confirm(self, offset: int) -> None:
        """Forgets the updates before ``offset``; a negative offset keeps only the last -offset updates."""
        if offset < 0:
            self.updates = self.updates[offset:]
        else:
            self.updates = [update for update in self.updates if update["update_id"] >= offset]

    def add_file(
        self, content: bytes, folder: str, *, filename: str | None = None, mime_type: str | None = None
    ) -> FileInfo:
        number = self.serial()
        mime_type = mime_type or (mimetypes.guess_type(filename)[0] if filename else None)
        suffix = (
            PurePosixPath(filename).suffix if filename else mimetypes.guess_extension(mime_type or "") or ""
        )
        file = FileInfo(
            file_id=f"{FILE_ID_PREFIXES[folder]}{number:012d}",
            file_unique_id=f"AgAD{number:08d}",
            file_path=f"{folder}/file_{number}{suffix}",
            content=content,
            filename=filename,
            mime_type=mime_type,
        )
        self.files[file.file_id] = file
        self.file_paths[file.file_path] = file.file_id
        return file

    def wait(self, ready: Callable[[], T | None], timeout: float, failure: Callable[[], str]) -> T:
        """Blocks until ``ready()`` returns something, or raises AssertionError(failure()) after timeout."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while (result := ready()) is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(failure())
                self.changed.wait(remaining)
            return result

    def next_output(self, chat_id: int, match: Callable[[BotMessage], bool]) -> BotMessage | None:
        """The first unread message or edit in the chat that matches; it and all before it become read."""
        chat = self.chats[chat_id]
        for index in range(chat.consumed, len(chat.events)):
            if match(chat.events[index]):
                chat.consumed = index + 1
                return chat.events[index]
        return None

    def unread(self, chat_id: int) -> list[BotMessage]:
        chat = self.chats[chat_id]
        return chat.events[chat.consumed :]

    def failed_calls(self) -> list[ApiCall]:
        return [call for call in self.calls if call.status is not None and not call.ok]
