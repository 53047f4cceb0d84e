"""Translation between Telegram and the flows: an Update becomes an ``Incoming``; actions become API calls.

The calls are plain JSON (``Call``), so that the answer to an update is stored with it, in the
transaction of its effects, before any of it is sent (``bot.worker``). They go out as plain JSON too
(``request``): nothing is built for a call but its parameters, nor parsed from Telegram's answer but
what is used (a sent message's id), which makes a reply cost about a fifth less. A task's live message
(``Reply.live``) is settled when its call is made: the message it replaces is looked up then, edited
or, when Telegram refuses, replaced by a new one, which is recorded (``storage.live_messages``).
"""

from __future__ import annotations

import base64
import logging
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import Engine
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, EndPointNotFound, InvalidToken
from telegram.ext import ExtBot
from telegram.warnings import PTBUserWarning

from bot.lanes import Lane
from flows.ui.chat import Action, AttachmentKind, ChatKind, Content, Incoming, Reply, SetMenu, Toast
from flows.ui.live import live_target
from storage import live_messages
from storage.db import in_database_thread, session_scope

log = logging.getLogger("kaohe.bot")
JSON = dict[str, Any]
# ``Bot.do_api_request`` suggests the typed method for a method it has; ``request`` means the plain one
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)


def _content(message: Message) -> Content:
    if message.text is not None:
        return Content.TEXT
    if message.photo:
        return Content.PHOTO
    if message.document is not None:
        return Content.DOCUMENT
    if message.sticker is not None:
        return Content.STICKER
    if message.voice is not None or message.audio is not None:
        return Content.VOICE
    return Content.OTHER


def _file_ids(message: Message) -> tuple[str | None, str | None]:
    """The file id and unique file id of a photo (its largest size) or a document."""
    file = message.photo[-1] if message.photo else message.document
    return (file.file_id, file.file_unique_id) if file is not None else (None, None)


def incoming_from(update: Update) -> Incoming | None:
    """The flow input for an update, or None for updates the bot does not act on."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    incoming = partial(
        Incoming,
        telegram_user_id=user.id,
        chat_id=chat.id,
        chat_kind=ChatKind(chat.type),
        language_code=user.language_code,
        username=user.username,
        first_name=user.first_name or "",
    )
    query = update.callback_query
    if query is not None:
        pressed = query.message.message_id if query.message is not None else None
        return incoming(content=Content.BUTTON, text=query.data or "", message_id=pressed)
    message = update.message
    if message is None:
        return None
    file_id, file_unique_id = _file_ids(message)
    return incoming(
        content=_content(message),
        text=message.text or message.caption or "",
        file_id=file_id,
        file_unique_id=file_unique_id,
        message_id=message.message_id,
    )


def keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    """An inline keyboard of (label, callback data) buttons, row by row; None when there are none."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def markup(rows: Sequence[Sequence[Sequence[str]]]) -> JSON | None:
    """``keyboard`` as the Bot API's JSON (``request``'s ``reply_markup``)."""
    if not rows:
        return None
    return {
        "inline_keyboard": [[{"text": label, "callback_data": data} for label, data in row] for row in rows]
    }


async def request(bot: Bot, method: str, params: JSON, lane: Lane | None = None, **timeouts: Any) -> Any:
    """One Bot API call as plain JSON, Telegram's answer as JSON (``None`` parameters left out), in
    ``lane`` of the rate limiter (a reply by default). Errors are PTB's, as for its typed methods."""
    try:
        if lane is None or not isinstance(bot, ExtBot):  # lanes are an ExtBot's rate limiter's
            return await bot.do_api_request(method, api_kwargs=params, **timeouts)
        return await bot.do_api_request(method, api_kwargs=params, rate_limit_args=lane, **timeouts)
    except EndPointNotFound as error:  # every method asked exists: a 404 is the token refused
        raise InvalidToken(str(error)) from error


Call = dict[str, Any]  # one Bot API request (or a live message's show), as JSON


def _keyboard(reply: Reply) -> list[list[tuple[str, str]]]:
    return [[(b.label, b.data) for b in row] for row in reply.buttons]


def _notice(action: Action) -> str | None:
    """The toast an action carries to answer a button press, if any."""
    if isinstance(action, Toast):
        return action.text
    return action.notice if isinstance(action, Reply) else None


def _reply_call(update: Update, reply: Reply) -> Call:
    query = update.callback_query
    pressed = query.message if query is not None else None
    chat_id = reply.chat_id
    if chat_id is None:
        assert update.effective_chat is not None  # incoming_from passes only updates with a chat
        chat_id = update.effective_chat.id
    text, buttons = reply.text, _keyboard(reply)
    if reply.live is not None and reply.chat_id is None and reply.attachment is None:
        return {
            "method": "showLive",
            "chat_id": chat_id,
            "task": reply.live,
            "edit": reply.edit,
            "pressed": pressed.message_id if pressed is not None else None,
            "text": text,
            "keyboard": buttons,
        }
    if reply.edit and pressed is not None and reply.chat_id is None:
        where = {"chat_id": pressed.chat.id, "message_id": pressed.message_id}
        return {"method": "editMessageText", **where, "text": text, "keyboard": buttons}
    attachment = reply.attachment
    if attachment is None:
        return {"method": "sendMessage", "chat_id": chat_id, "text": text, "keyboard": buttons}
    return {
        "method": "sendPhoto" if attachment.kind is AttachmentKind.PHOTO else "sendDocument",
        "chat_id": chat_id,
        "caption": text or None,
        "keyboard": buttons,
        "filename": attachment.filename,
        "file_id": attachment.file_id,
        "data": base64.b64encode(attachment.data).decode("ascii"),
    }


def calls_for(update: Update, actions: list[Action]) -> list[Call]:
    """The Bot API calls that carry out a flow's actions, a button press answered exactly once (first)."""
    calls: list[Call] = []
    query = update.callback_query
    if query is not None:
        notice = next((text for text in map(_notice, actions) if text is not None), None)
        calls.append({"method": "answerCallbackQuery", "query_id": query.id, "text": notice})
    for action in actions:
        if isinstance(action, Reply):
            calls.append(_reply_call(update, action))
        elif isinstance(action, SetMenu):
            commands = [list(pair) for pair in action.commands]
            calls.append({"method": "setMyCommands", "chat_id": action.chat_id, "commands": commands})
    return calls


async def _edit(bot: Bot, call: Call, message_id: int) -> bool:
    """Put the call's text in place of a message; False when Telegram refuses (too old, deleted …)."""
    where = {"chat_id": call["chat_id"], "message_id": message_id}
    try:
        await request(bot, "editMessageText", {**where, **message(call["text"], call["keyboard"])})
    except BadRequest as error:
        if "not modified" in str(error).lower():
            return True
        if call["method"] == "editMessageText":
            raise
        log.info(
            "live message not editable: sent anew",
            extra={"event": "live.edit_refused", "chat": call["chat_id"], "error": str(error)},
        )
        return False
    return True


async def _drop_keyboard(bot: Bot, chat_id: int, message_id: int) -> None:
    """Remove the keyboard of a message a newer screen replaced (nothing to do if it is gone)."""
    try:
        await request(bot, "editMessageReplyMarkup", {"chat_id": chat_id, "message_id": message_id})
    except BadRequest as error:
        log.debug("old keyboard left", extra={"event": "live.keyboard_left", "error": str(error)})


def _live_message(engine: Engine, chat_id: int, task: str) -> int | None:
    with session_scope(engine) as session:
        return live_messages.live_message(session, chat_id, task)


def _record_live(engine: Engine, chat_id: int, task: str, message_id: int, keyboard: bool) -> int | None:
    with session_scope(engine) as session:
        return live_messages.record(session, chat_id, task, message_id, datetime.now(UTC), keyboard=keyboard)


async def _show_live(bot: Bot, engine: Engine, call: Call) -> None:
    """Show a task's screen as its one live message, and remember which message that is (the lookups on
    the database thread: the event loop keeps sending meanwhile)."""
    chat_id, task = call["chat_id"], call["task"]
    shown = await in_database_thread(engine, _live_message, engine, chat_id, task)
    target = live_target(Reply(call["text"], edit=call["edit"]), shown, call["pressed"])
    if target is None or not await _edit(bot, call, target):
        sent = await _send_message(bot, call)
        target = sent["message_id"]
    keyboard = bool(call["keyboard"])
    earlier = await in_database_thread(engine, _record_live, engine, chat_id, task, target, keyboard)
    if earlier is not None:
        await _drop_keyboard(bot, chat_id, earlier)


def message(text: str, rows: Sequence[Sequence[Sequence[str]]]) -> JSON:
    """A message's parameters: HTML text and its buttons (``Call`` "keyboard" rows of label and data)."""
    return {"text": text, "parse_mode": ParseMode.HTML.value, "reply_markup": markup(rows)}


async def _send_message(bot: Bot, call: Call) -> JSON:
    """The message sent, as JSON."""
    return await request(
        bot, "sendMessage", {"chat_id": call["chat_id"], **message(call["text"], call["keyboard"])}
    )


async def execute(bot: Bot, engine: Engine, call: Call) -> None:
    """Make one call (a live message's show looks up and records which message is live)."""
    method = call["method"]
    if method == "answerCallbackQuery":
        await request(
            bot, "answerCallbackQuery", {"callback_query_id": call["query_id"], "text": call["text"]}
        )
    elif method == "showLive":
        await _show_live(bot, engine, call)
    elif method == "editMessageText":
        await _edit(bot, call, call["message_id"])
    elif method == "sendMessage":
        await _send_message(bot, call)
    elif method in ("sendPhoto", "sendDocument"):
        send = bot.send_photo if method == "sendPhoto" else bot.send_document
        await send(
            call["chat_id"],
            call["file_id"] or InputFile(base64.b64decode(call["data"]), filename=call["filename"]),
            caption=call["caption"],
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(call["keyboard"]),
        )
    elif method == "setMyCommands":
        commands = [BotCommand(command, description) for command, description in call["commands"]]
        await bot.set_my_commands(commands, scope=BotCommandScopeChat(call["chat_id"]))
    else:
        raise ValueError(f"unknown call {method!r}")
