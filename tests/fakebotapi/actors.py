"""Simulated people and groups: what a test does in a chat with the bot, and what it reads back.

Every action takes the store's lock, adds the message to the chat and queues the update Telegram would
send the bot. Reading is per chat and in order: ``wait_for`` returns the first message or edit from the
bot that the test has not consumed yet and that matches, and consumes it and everything before it.
"""

from __future__ import annotations

import asyncio
import base64
import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .formatting import utf16_len
from .records import BotMessage, CallbackAnswer
from .state import Chat, OpenQuery, Store, StoredMessage, document_json, now, photo_json

Match = str | Callable[[BotMessage], bool] | None
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
FIRST_QUERY_ID = 4_000_000_000_000_000_000


def sent_messages(store: Store, chat_id: int) -> list[BotMessage]:
    """The current version of every message the bot sent to the chat, oldest first."""
    with store.lock:
        chat = store.chats.get(chat_id)
        if chat is None:
            return []
        return [message.snapshot() for message in chat.messages.values() if message.from_bot]


def _predicate(match: Match) -> tuple[Callable[[BotMessage], bool], str]:
    if match is None:
        return (lambda message: True), "anything"
    if isinstance(match, str):
        return (lambda message: match in message.body), repr(match)
    return match, getattr(match, "__name__", repr(match))


def _describe(message: BotMessage) -> str:
    """A message as a timeout report shows it: its text, and its buttons if it has any."""
    return f"{message.body!r} {message.labels!r}" if message.buttons else repr(message.body)


def _text_payload(text: str) -> dict[str, Any]:
    """A typed text; a leading /command is marked as a bot_command entity, as Telegram does."""
    if not text.strip():
        raise ValueError("Telegram clients send no empty messages")
    payload: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        payload["entities"] = [{"offset": 0, "length": utf16_len(command), "type": "bot_command"}]
    return payload


def _chat_instance(chat_id: int) -> str:
    return str(chat_id * 2_654_435_761 % 2**63)


class ChatView:
    """Reading what the bot sent to one chat."""

    def __init__(self, store: Store, chat_id: int) -> None:
        self.store = store
        self.chat_id = chat_id

    @property
    def messages(self) -> list[BotMessage]:
        """Everything the bot sent here, each message in its current version."""
        return sent_messages(self.store, self.chat_id)

    def unread(self) -> list[BotMessage]:
        """The bot's messages and edits here that no wait_for has consumed yet."""
        with self.store.lock:
            return self.store.unread(self.chat_id)

    def wait_for(self, match: Match = None, timeout: float = 10.0) -> BotMessage:
        """Blocks until the bot sends or edits a message here that matches (a substring of its text or
        caption, or a predicate on the BotMessage) and returns that version; AssertionError on timeout."""
        predicate, description = _predicate(match)

        def failure() -> str:
            unread = [_describe(message) for message in self.store.unread(self.chat_id)]
            failed = [(call.method, call.description) for call in self.store.failed_calls()[-5:]]
            return (
                f"the bot sent nothing matching {description} to chat {self.chat_id} within {timeout}s; "
                f"unread there: [{', '.join(unread)}]; last failed API calls: {failed!r}"
            )

        return self.store.wait(lambda: self.store.next_output(self.chat_id, predicate), timeout, failure)

    async def wait_for_async(self, match: Match = None, timeout: float = 10.0) -> BotMessage:
        """wait_for for async tests whose event loop also runs the bot."""
        return await asyncio.to_thread(self.wait_for, match, timeout)

    def _post(
        self, sender: dict[str, Any], payload: dict[str, Any], reply_to: BotMessage | int | None
    ) -> dict:
        """Adds a message from ``sender`` to this chat; call with the lock held."""
        chat = self.store.chats[self.chat_id]
        if reply_to is not None:
            message_id = reply_to if isinstance(reply_to, int) else reply_to.message_id
            replied = copy.deepcopy(chat.messages[message_id].json)
            replied.pop("reply_to_message", None)
            payload["reply_to_message"] = replied
        return self.store.add_message(chat, sender, payload).json


@dataclass(frozen=True)
class PressedButton:
    """A button press the bot received as a callback query."""

    query_id: str
    data: str
    store: Store = field(repr=False)

    def wait_answer(self, timeout: float = 10.0) -> CallbackAnswer:
        """Blocks until the bot answers this callback query; AssertionError on timeout."""

        def answer() -> CallbackAnswer | None:
            return next((a for a in self.store.callback_answers if a.query_id == self.query_id), None)

        return self.store.wait(answer, timeout, lambda: f"the bot did not answer the press of {self.data!r}")


class SimUser(ChatView):
    """A Telegram user; their private chat with the bot has the user's id."""

    @property
    def id(self) -> int:
        return self.chat_id

    @property
    def info(self) -> dict[str, Any]:
        """The user as Telegram describes them to the bot (a User object)."""
        with self.store.lock:
            return dict(self.store.users[self.id])

    def _private_chat(self) -> Chat:
        """The private chat, which writing in starts (and unblocks) the bot; call with the lock held."""
        chat = self.store.chats[self.id]
        chat.known = chat.started = True
        if chat.blocked:
            chat.blocked = False
            self.store.enqueue("my_chat_member", self._membership("kicked", "member"))
        return chat

    def _deliver(self, payload: dict[str, Any], reply_to: BotMessage | int | None) -> dict[str, Any]:
        with self.store.lock:
            self._private_chat()
            message = self._post(self.store.users[self.id], payload, reply_to)
            self.store.enqueue("message", message)
            return copy.deepcopy(message)

    def send(self, text: str, *, reply_to: BotMessage | int | None = None) -> dict[str, Any]:
        """Types a message to the bot; returns the Message as the bot receives it."""
        return self._deliver(_text_payload(text), reply_to)

    def send_photo(self, content: bytes = TINY_PNG, *, caption: str | None = None) -> dict[str, Any]:
        with self.store.lock:
            file = self.store.add_file(content, "photos", mime_type="image/jpeg")
        payload: dict[str, Any] = {"photo": photo_json(file)}
        if caption:
            payload["caption"] = caption
        return self._deliver(payload, None)

    def send_document(
        self,
        content: bytes,
        filename: str = "document.pdf",
        *,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> dict[str, Any]:
        with self.store.lock:
            file = self.store.add_file(content, "documents", filename=filename, mime_type=mime_type)
        payload: dict[str, Any] = {"document": document_json(file)}
        if caption:
            payload["caption"] = caption
        return self._deliver(payload, None)

    def send_sticker(self, emoji: str = "👍") -> dict[str, Any]:
        with self.store.lock:
            file = self.store.add_file(b"RIFF\x00\x00\x00\x00WEBP", "stickers", mime_type="image/webp")
        sticker = {
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": file.size,
        }
        return self._deliver({"sticker": sticker}, None)

    def send_voice(self, content: bytes = b"OggS", duration: int = 1) -> dict[str, Any]:
        with self.store.lock:
            file = self.store.add_file(content, "voice", mime_type="audio/ogg")
        voice = {
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": file.size,
        }
        return self._deliver({"voice": voice}, None)

    def press(self, message: BotMessage, button: str) -> PressedButton:
        """Presses the inline button whose callback_data, or else whose label, is ``button``, on the
        message as it is now; the bot gets a callback query with a fresh id."""
        with self.store.lock:
            stored = self._visible(message)
            markup = stored.reply_markup or {}
            buttons = [b for row in markup.get("inline_keyboard", []) for b in row]
            chosen = next((b for b in buttons if b.get("callback_data") == button), None) or next(
                (b for b in buttons if b["text"] == button), None
            )
            if chosen is None:
                labels = [b["text"] for b in buttons]
                raise LookupError(f"no button {button!r} on message {message.message_id}; it has {labels!r}")
            if "callback_data" not in chosen:
                raise ValueError(f"button {chosen['text']!r} sends no callback query")
            return self._callback(stored, chosen["callback_data"])

    def press_forged(self, message: BotMessage, data: str) -> PressedButton:
        """Sends a callback query with ``data`` that no button of ``message`` carries, as a modified
        client can: button data is input from the outside world."""
        with self.store.lock:
            return self._callback(self._visible(message), data)

    def delete(self, message: BotMessage) -> None:
        """Deletes a message of this user's private chat for both sides, as a user may (the bot gets no
        update; editing the message afterwards fails with "message to edit not found")."""
        with self.store.lock:
            self._visible(message).deleted = True
            self.store.notify()

    def _visible(self, message: BotMessage) -> StoredMessage:
        """The stored message, if this user can see it; call with the lock held."""
        chat = self.store.chats[message.chat_id]
        if chat.private and chat.id != self.id:
            raise ValueError(f"user {self.id} cannot see chat {chat.id}")
        stored = chat.messages.get(message.message_id)
        if stored is None or stored.deleted:
            raise LookupError(f"message {message.message_id} in chat {chat.id} was deleted")
        return stored

    def _callback(self, stored: StoredMessage, data: str) -> PressedButton:
        """Queues a callback query from this user on ``stored``; call with the lock held."""
        self.store.chats[self.id].known = True
        query_id = str(FIRST_QUERY_ID + self.store.serial())
        self.store.open_queries[query_id] = OpenQuery(self.id, data)
        query = {
            "id": query_id,
            "from": self.store.users[self.id],
            "message": stored.json,
            "chat_instance": _chat_instance(stored.json["chat"]["id"]),
            "data": data,
        }
        self.store.enqueue("callback_query", query)
        return PressedButton(query_id, data, self.store)

    def _membership(self, old: str, new: str) -> dict[str, Any]:
        def member(status: str) -> dict[str, Any]:
            return {
                "user": self.store.bot,
                "status": status,
                **({"until_date": 0} if status == "kicked" else {}),
            }

        return {
            "chat": self.store.chats[self.id].info,
            "from": self.store.users[self.id],
            "date": now(),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }

    def block_bot(self) -> None:
        """The user blocks the bot: sends to them fail with 403 until they write again or unblock."""
        with self.store.lock:
            chat = self.store.chats[self.id]
            if not chat.blocked:
                chat.blocked = True
                if chat.started:
                    self.store.enqueue("my_chat_member", self._membership("member", "kicked"))

    def unblock_bot(self) -> None:
        with self.store.lock:
            if self.store.chats[self.id].blocked:
                self._private_chat()


class SimGroup(ChatView):
    """A group the bot is a member of. In privacy mode (Telegram's default, see getMe's
    can_read_all_group_messages) the bot gets only commands, mentions of it and replies to it."""

    @property
    def id(self) -> int:
        return self.chat_id

    def _bot_sees(self, text: str, replied: dict[str, Any] | None) -> bool:
        bot = self.store.bot
        if self.store.reads_all_group_messages or (
            replied is not None and replied["from"]["id"] == bot["id"]
        ):
            return True
        username = bot["username"].lower()
        if text.startswith("/"):
            addressee = text.split(maxsplit=1)[0].partition("@")[2].lower()
            return addressee in ("", username)
        return f"@{username}" in text.lower()

    def send(
        self, user: SimUser, text: str, *, reply_to: BotMessage | int | None = None
    ) -> dict[str, Any] | None:
        """``user`` writes in the group; returns the Message the bot receives, or None if privacy mode
        keeps it from the bot."""
        with self.store.lock:
            message = self._post(self.store.users[user.id], _text_payload(text), reply_to)
            if not self._bot_sees(text, message.get("reply_to_message")):
                return None
            self.store.chats[user.id].known = True
            self.store.enqueue("message", message)
            return copy.deepcopy(message)
