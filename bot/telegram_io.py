"""Translation between Telegram and the flows: an Update becomes an ``Incoming``; actions become API calls."""

from __future__ import annotations

import logging
from collections.abc import Sequence
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
    if update.callback_query is not None:
        return incoming(content=Content.BUTTON, text=update.callback_query.data or "")
    message = update.message
    if message is None:
        return None
    file_id, file_unique_id = _file_ids(message)
    return incoming(
        content=_content(message),
        text=message.text or message.caption or "",
        file_id=file_id,
        file_unique_id=file_unique_id,
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


async def _send(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> None:
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
