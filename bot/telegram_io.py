"""Translation between Telegram and the flows: an Update becomes an ``Incoming``; actions become API calls."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes

from flows.ui.chat import Action, AttachmentKind, ChatKind, Content, Incoming, Reply, SetMenu, Toast
from flows.ui.live import live_target
from storage import live_messages
from storage.db import session_scope

log = logging.getLogger("kaohe.bot")


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


def _keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    return keyboard([[(b.label, b.data) for b in row] for row in reply.buttons])


async def _edit(context: ContextTypes.DEFAULT_TYPE, chat_id: int, message_id: int, reply: Reply) -> bool:
    """Put the reply in place of a message; False when Telegram refuses (too old, deleted …)."""
    try:
        await context.bot.edit_message_text(
            reply.text,
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=_keyboard(reply),
        )
    except BadRequest as error:
        if "not modified" in str(error).lower():
            return True
        log.info(
            "live message not editable: sent anew",
            extra={"event": "live.edit_refused", "chat": chat_id, "error": str(error)},
        )
        return False
    return True


async def _drop_keyboard(context: ContextTypes.DEFAULT_TYPE, chat_id: int, message_id: int) -> None:
    """Remove the keyboard of a message a newer screen replaced (nothing to do if it is gone)."""
    try:
        await context.bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id)
    except BadRequest as error:
        log.debug("old keyboard left", extra={"event": "live.keyboard_left", "error": str(error)})


async def _show_live(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply, task: str) -> None:
    """Show a task's screen as its one live message, and remember which message that is."""
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    engine = context.bot_data["engine"]
    with session_scope(engine) as session:
        shown = live_messages.live_message(session, chat_id, task)
    query = update.callback_query
    pressed = query.message.message_id if query is not None and query.message is not None else None
    target = live_target(reply, shown, pressed)
    if target is None or not await _edit(context, chat_id, target, reply):
        sent = await context.bot.send_message(
            chat_id, reply.text, parse_mode=ParseMode.HTML, reply_markup=_keyboard(reply)
        )
        target = sent.message_id
    with session_scope(engine) as session:
        earlier = live_messages.record(session, chat_id, task, target, datetime.now(UTC))
    if earlier is not None:
        await _drop_keyboard(context, chat_id, earlier)


async def _send(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> None:
    if reply.live is not None and reply.chat_id is None and reply.attachment is None:
        await _show_live(update, context, reply, reply.live)
        return
    query = update.callback_query
    if reply.edit and query is not None and query.message is not None and reply.chat_id is None:
        try:
            await query.edit_message_text(
                reply.text, parse_mode=ParseMode.HTML, reply_markup=_keyboard(reply)
            )
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                raise
        return
    chat_id = reply.chat_id
    if chat_id is None:
        assert update.effective_chat is not None  # incoming_from passes only updates with a chat
        chat_id = update.effective_chat.id
    attachment = reply.attachment
    if attachment is None:
        await context.bot.send_message(
            chat_id, reply.text, parse_mode=ParseMode.HTML, reply_markup=_keyboard(reply)
        )
        return
    send = context.bot.send_photo if attachment.kind is AttachmentKind.PHOTO else context.bot.send_document
    await send(
        chat_id,
        attachment.file_id or InputFile(attachment.data, filename=attachment.filename),
        caption=reply.text or None,
        parse_mode=ParseMode.HTML,
        reply_markup=_keyboard(reply),
    )


async def _set_menu(context: ContextTypes.DEFAULT_TYPE, menu: SetMenu) -> None:
    commands = [BotCommand(command, description) for command, description in menu.commands]
    await context.bot.set_my_commands(commands, scope=BotCommandScopeChat(menu.chat_id))


def _notice(action: Action) -> str | None:
    """The toast an action carries to answer a button press, if any."""
    if isinstance(action, Toast):
        return action.text
    return action.notice if isinstance(action, Reply) else None


async def perform(update: Update, context: ContextTypes.DEFAULT_TYPE, actions: list[Action]) -> None:
    """Carry out the actions a flow returned, answering a button press exactly once."""
    query = update.callback_query
    notice = next((text for text in map(_notice, actions) if text is not None), None)
    if query is not None:
        await query.answer(notice)
    for action in actions:
        try:
            if isinstance(action, Reply):
                await _send(update, context, action)
            elif isinstance(action, SetMenu):
                await _set_menu(context, action)
        except Forbidden as error:
            log.warning("chat unreachable", extra={"event": "send.forbidden", "error": str(error)})
