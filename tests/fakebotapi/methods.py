"""The Bot API methods the fake implements: each reads Params and returns its result or raises ApiError.

They run on the server thread with the store's lock held, so each call is atomic for the test thread.
getUpdates waits for updates and so lives in the server; its checks are here (``start_polling``).
Markdown parse modes are accepted but not parsed: the text is stored as sent.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from . import keyboards
from .errors import bad_request, conflict, forbidden
from .faults import FloodLimiter
from .formatting import EntityParseError, parse_html, strip, utf16_len
from .params import Params, Upload
from .records import CallbackAnswer, FileInfo
from .state import (
    ALL_UPDATE_TYPES,
    DEFAULT_ALLOWED_UPDATES,
    Chat,
    Store,
    StoredMessage,
    document_json,
    now,
    photo_json,
)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_ANSWER = 200
MAX_COMMANDS = 100
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same as a "
    "current content and reply markup of the message"
)
WEBHOOK_ACTIVE = (
    "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
COMMAND = re.compile(r"[a-z0-9_]{1,32}")
LANGUAGE_CODE = re.compile(r"([a-z]{2})?")
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
SCOPE_FIELDS = {
    "default": (),
    "all_private_chats": (),
    "all_group_chats": (),
    "all_chat_administrators": (),
    "chat": ("chat_id",),
    "chat_administrators": ("chat_id",),
    "chat_member": ("chat_id", "user_id"),
}
MENU_BUTTON_TYPES = frozenset({"commands", "web_app", "default"})
ACCEPTED_GIFT_TYPES = {
    "unlimited_gifts": False,
    "limited_gifts": False,
    "unique_gifts": False,
    "premium_subscription": False,
    "gifts_from_channels": False,
}

ScopeKey = tuple[Any, ...]


@dataclass(frozen=True)
class Described:
    """A result that Telegram sends with a description, such as setWebhook's "Webhook was set"."""

    result: Any
    description: str


def scope_key(scope: Any) -> ScopeKey:
    """A BotCommandScope as a hashable key: ("default",), ("chat", 42), ("chat_member", -5, 42)..."""
    if scope is None:
        return ("default",)
    if not isinstance(scope, dict) or scope.get("type") not in SCOPE_FIELDS:
        raise bad_request("can't parse BotCommandScope JSON object")
    values = []
    for name in SCOPE_FIELDS[scope["type"]]:
        if name not in scope:
            raise bad_request(f"{name} is empty")
        values.append(scope[name])
    return (scope["type"], *values)


class Methods:
    """The implementations, by Bot API method name."""

    def __init__(self, store: Store, limiter: FloodLimiter, profile: dict[str, Any]) -> None:
        self.store = store
        self.limiter = limiter
        self.profile = profile

    def table(self) -> dict[str, Callable[[Params], Any]]:
        return {
            "getMe": self.get_me,
            "logOut": self.log_out,
            "close": self.log_out,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "sendMessage": self.send_message,
            "sendDocument": self.send_document,
            "sendPhoto": self.send_photo,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "answerCallbackQuery": self.answer_callback_query,
            "getFile": self.get_file,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "setChatMenuButton": self.set_chat_menu_button,
            "getChatMenuButton": self.get_chat_menu_button,
            "sendChatAction": self.send_chat_action,
            "getChat": self.get_chat,
        }

    # The bot itself.

    def get_me(self, params: Params) -> dict[str, Any]:
        return dict(self.profile)

    def log_out(self, params: Params) -> bool:
        return True

    # Updates: webhook, and the checks of getUpdates.

    def _set_allowed_updates(self, params: Params) -> None:
        allowed = params.get("allowed_updates")
        if allowed is None:
            return
        if not isinstance(allowed, list):
            raise bad_request("can't parse allowed_updates JSON object")
        self.store.allowed_updates = frozenset(allowed) & ALL_UPDATE_TYPES or DEFAULT_ALLOWED_UPDATES

    def start_polling(self, params: Params) -> tuple[int, float]:
        """Confirms updates before offset and returns (limit, timeout) for getUpdates."""
        if self.store.webhook.url:
            raise conflict(WEBHOOK_ACTIVE)
        if params.get("offset"):
            self.store.confirm(params.get("offset"))
        self._set_allowed_updates(params)
        return min(max(params.get("limit", 100), 1), 100), max(params.get("timeout", 0), 0)

    def set_webhook(self, params: Params) -> Described:
        url = params.get("url", "")
        if url and urlsplit(url).scheme not in ("http", "https"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not SECRET_TOKEN.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        self._set_allowed_updates(params)
        if params.get("drop_pending_updates"):
            self.store.updates.clear()
        webhook = self.store.webhook
        unchanged = url == webhook.url
        if not unchanged:
            webhook.last_error_date = webhook.last_error_message = None
        webhook.url, webhook.secret_token = url, secret
        webhook.max_connections = params.get("max_connections", 40)
        self.store.notify()
        self.store.on_new_update()
        if not url:
            return Described(True, "Webhook is already deleted" if unchanged else "Webhook was deleted")
        return Described(True, "Webhook is already set" if unchanged else "Webhook was set")

    def delete_webhook(self, params: Params) -> Described:
        if params.get("drop_pending_updates"):
            self.store.updates.clear()
        was_set = bool(self.store.webhook.url)
        self.store.webhook.url, self.store.webhook.secret_token = "", None
        self.store.notify()
        return Described(True, "Webhook was deleted" if was_set else "Webhook is already deleted")

    def get_webhook_info(self, params: Params) -> dict[str, Any]:
        webhook = self.store.webhook
        info: dict[str, Any] = {
            "url": webhook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.store.updates),
        }
        if webhook.url:
            info.update(max_connections=webhook.max_connections, ip_address="127.0.0.1")
            info["allowed_updates"] = sorted(self.store.allowed_updates)
        if webhook.last_error_date is not None:
            info.update(
                last_error_date=webhook.last_error_date, last_error_message=webhook.last_error_message
            )
        return info

    # Chats.

    def _chat(self, chat_id: int | str) -> Chat:
        """A chat the bot knows of: it has had an update from it, or it is a group the bot is in."""
        chat = self.store.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None or not chat.known:
            raise bad_request("chat not found")
        return chat

    def _writable(self, chat_id: int | str) -> Chat:
        chat = self._chat(chat_id)
        if chat.private and chat.blocked:
            raise forbidden("bot was blocked by the user")
        if chat.private and not chat.started:
            raise forbidden("bot can't initiate conversation with a user")
        return chat

    def get_chat(self, params: Params) -> dict[str, Any]:
        chat = self._chat(params.chat_id())
        info = {**chat.info, "accent_color_id": 0, "max_reaction_count": 11}
        return {**info, "accepted_gift_types": dict(ACCEPTED_GIFT_TYPES)}

    def send_chat_action(self, params: Params) -> bool:
        self._writable(params.chat_id())
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    # Sending.

    @staticmethod
    def _render(params: Params, field: str, *, edit: bool = False) -> tuple[str, list[dict[str, Any]]]:
        """The text or caption (``field``) Telegram stores under the call's parse_mode, with its entities."""
        raw = params.get(field) or ""
        text_field = field == "text"
        mode = (params.get("parse_mode") or "").lower()
        if mode == "html":
            try:
                text, found = parse_html(raw)
            except EntityParseError as error:
                raise bad_request(f"can't parse entities: {error}") from None
        elif mode in ("", "markdown", "markdownv2"):
            entities = params.get("entities" if text_field else "caption_entities")
            text, found = raw, (entities if not mode and isinstance(entities, list) else [])
        else:
            raise bad_request("unsupported parse_mode")
        text, found = strip(text, found)
        if text_field and not text:
            raise bad_request("message text is empty")
        if utf16_len(text) > (MAX_TEXT if text_field else MAX_CAPTION):
            if not text_field:
                raise bad_request("message caption is too long")
            raise bad_request("MESSAGE_TOO_LONG" if edit else "message is too long")
        return text, found

    @staticmethod
    def _replied(chat: Chat, params: Params) -> dict[str, Any] | None:
        reply = params.get("reply_parameters")
        if reply is None and params.get("reply_to_message_id"):
            reply = {"message_id": params.get("reply_to_message_id")}
        if not isinstance(reply, dict):
            return None
        target = chat.messages.get(reply.get("message_id"))
        if target is None or target.deleted:
            if reply.get("allow_sending_without_reply") or params.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        replied = copy.deepcopy(target.json)
        replied.pop("reply_to_message", None)
        return replied

    def _send(
        self, chat: Chat, payload: dict[str, Any], params: Params, raw: str | None, **media: Any
    ) -> dict:
        markup = keyboards.validate(params.get("reply_markup"))
        replied = self._replied(chat, params)
        self.limiter.check(chat.id, group=not chat.private)
        if replied is not None:
            payload["reply_to_message"] = replied
        if keyboards.inline_part(markup) is not None:
            payload["reply_markup"] = markup
        stored = self.store.add_message(
            chat,
            self.store.bot,
            payload,
            raw=raw,
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            **media,
        )
        return stored.json

    def send_message(self, params: Params) -> dict[str, Any]:
        chat = self._writable(params.chat_id())
        text, entities = self._render(params, "text")
        payload: dict[str, Any] = {"text": text}
        if entities:
            payload["entities"] = entities
        return self._send(chat, payload, params, params.get("text"))

    def _input_file(self, source: Upload | str | None, field: str, folder: str) -> FileInfo:
        if source is None:
            raise bad_request(f"there is no {field} in the request")
        if isinstance(source, Upload):
            if not source.content:
                raise bad_request("file must be non-empty")
            return self.store.add_file(
                source.content, folder, filename=source.filename, mime_type=source.content_type
            )
        known = self.store.files.get(source)
        if known is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return known

    def _send_media(self, params: Params, field: str, folder: str) -> dict[str, Any]:
        chat = self._writable(params.chat_id())
        file = self._input_file(params.file(field), field, folder)
        caption, entities = self._render(params, "caption")
        payload: dict[str, Any] = {field: document_json(file) if field == "document" else photo_json(file)}
        if caption:
            payload["caption"] = caption
        if entities:
            payload["caption_entities"] = entities
        return self._send(chat, payload, params, params.get("caption"), **{field: file})

    def send_document(self, params: Params) -> dict[str, Any]:
        return self._send_media(params, "document", "documents")

    def send_photo(self, params: Params) -> dict[str, Any]:
        return self._send_media(params, "photo", "photos")

    # Editing and deleting.

    @staticmethod
    def _message(chat: Chat, params: Params, *, missing: str) -> StoredMessage:
        """The message of ``chat`` the call names by message_id; ``missing`` when it is not there."""
        if params.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        stored = chat.messages.get(params.get("message_id"))
        if stored is None or stored.deleted:
            raise bad_request(missing)
        return stored

    def _editable(self, params: Params) -> tuple[Chat, StoredMessage]:
        if params.get("inline_message_id"):
            raise bad_request("message to edit not found")
        chat = self._writable(params.chat_id())
        stored = self._message(chat, params, missing="message to edit not found")
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        return chat, stored

    def _apply_edit(
        self, chat: Chat, stored: StoredMessage, params: Params, content: dict[str, Any], raw: str | None
    ) -> dict[str, Any]:
        """Replaces content and reply markup (none given removes the keyboard), unless nothing changes."""
        markup = keyboards.validate(params.get("reply_markup"))
        changes = {**content, "reply_markup": keyboards.inline_part(markup)}
        if all((stored.json.get(key) or None) == (value or None) for key, value in changes.items()):
            raise bad_request(NOT_MODIFIED)
        stored.versions.append(stored.snapshot())
        for key, value in changes.items():
            if value:
                stored.json[key] = value
            else:
                stored.json.pop(key, None)
        stored.json["edit_date"] = now()
        stored.reply_markup = markup
        if content:
            stored.raw, stored.parse_mode = raw, params.get("parse_mode")
        self.store.record_output(chat, stored)
        return stored.json

    def edit_message_text(self, params: Params) -> dict[str, Any]:
        chat, stored = self._editable(params)
        if "text" not in stored.json:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._render(params, "text", edit=True)
        return self._apply_edit(
            chat, stored, params, {"text": text, "entities": entities}, params.get("text")
        )

    def edit_message_caption(self, params: Params) -> dict[str, Any]:
        chat, stored = self._editable(params)
        if "text" in stored.json:
            raise bad_request("there is no caption in the message to edit")
        caption, entities = self._render(params, "caption", edit=True)
        content = {"caption": caption, "caption_entities": entities}
        return self._apply_edit(chat, stored, params, content, params.get("caption"))

    def edit_message_reply_markup(self, params: Params) -> dict[str, Any]:
        chat, stored = self._editable(params)
        return self._apply_edit(chat, stored, params, {}, stored.raw)

    def delete_message(self, params: Params) -> bool:
        stored = self._message(self._chat(params.chat_id()), params, missing="message to delete not found")
        stored.deleted = True
        self.store.notify()
        return True

    # Buttons and files.

    def answer_callback_query(self, params: Params) -> bool:
        query_id = str(params.require("callback_query_id"))
        text = params.get("text")
        if text is not None and utf16_len(text) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        query = self.store.open_queries.pop(query_id, None)
        if query is None:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        answer = CallbackAnswer(
            query_id, query.user_id, query.data, text, params.get("show_alert", False), params.get("url")
        )
        self.store.callback_answers.append(answer)
        self.store.notify()
        return True

    def get_file(self, params: Params) -> dict[str, Any]:
        file = self.store.files.get(str(params.require("file_id")))
        if file is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "file_size": file.size,
            "file_path": file.file_path,
        }

    # Commands and the menu button.

    def _commands_key(self, params: Params) -> tuple[ScopeKey, str]:
        key = scope_key(params.get("scope"))
        if len(key) > 1:
            self._chat(key[1])
        language = params.get("language_code", "")
        if not isinstance(language, str) or not LANGUAGE_CODE.fullmatch(language):
            raise bad_request("invalid language code specified")
        return key, language

    def set_my_commands(self, params: Params) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > MAX_COMMANDS:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict) or not COMMAND.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params)
        if commands:
            self.store.commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self.store.commands.pop(key, None)
        return True

    def get_my_commands(self, params: Params) -> list[dict[str, str]]:
        return copy.deepcopy(self.store.commands.get(self._commands_key(params), []))

    def delete_my_commands(self, params: Params) -> bool:
        self.store.commands.pop(self._commands_key(params), None)
        return True

    def set_chat_menu_button(self, params: Params) -> bool:
        chat_id = params.get("chat_id")
        if chat_id is not None:
            self._chat(chat_id)
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in MENU_BUTTON_TYPES:
            raise bad_request("can't parse MenuButton JSON object")
        if button["type"] == "default":
            self.store.menu_buttons.pop(chat_id, None)
        else:
            self.store.menu_buttons[chat_id] = button
        return True

    def get_chat_menu_button(self, params: Params) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if chat_id is not None:
            self._chat(chat_id)
        buttons = self.store.menu_buttons
        return dict(buttons.get(chat_id) or buttons.get(None) or {"type": "commands"})
