"""The sandbox's adapter, beside ``bot.telegram_io``: the page's input becomes an ``Incoming``, and the
flows' actions (and the outbox's notices) become messages in the sandbox's chats instead of API calls.

It does what a Telegram client and ``telegram_io`` (``calls_for``, ``execute``) do between them: a
reply goes to the chat it names (or the one the input came from), with its buttons and attachment; a
reply with ``edit`` answering a press replaces the pressed message; a task's live reply
(``Reply.live``) replaces its live message; a toast (or a reply's ``notice``) answers the press;
``SetMenu`` gives the chat its command menu. ``OutboxBot`` is what the real outbox sender
(``bot.sender.Sender``) is handed in place of Telegram's ``Bot``: its sends land in the chats too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from bot.sandbox.transcript import Keyed, Transcript
from flows.ui.chat import (
    Action,
    Attachment,
    AttachmentKind,
    ChatKind,
    Content,
    Incoming,
    Reply,
    SetMenu,
    Toast,
)
from flows.ui.live import live_target
from storage import live_messages


@dataclass(frozen=True)
class Account:
    """A fake Telegram account: one per member, its private chat has the same id."""

    user_id: int
    language_code: str
    first_name: str

    def incoming(
        self, content: Content, text: str = "", file_id: str | None = None, message_id: int | None = None
    ) -> Incoming:
        return Incoming(
            telegram_user_id=self.user_id,
            chat_id=self.user_id,
            chat_kind=ChatKind.PRIVATE,
            content=content,
            text=text,
            language_code=self.language_code,
            first_name=self.first_name,
            file_id=file_id,
            file_unique_id=file_id,
            message_id=message_id,
        )


def keyboard(reply: Reply) -> list[list[Keyed]]:
    return [[Keyed(button.label, button.data) for button in row] for row in reply.buttons]


def perform(
    transcript: Transcript,
    chat: int,
    actions: list[Action],
    at: str,
    pressed: int | None = None,
    session: Session | None = None,
) -> str | None:
    """Carry out a step's actions in the chats; the toast that answers a press, if any. With a
    ``session``, a task's live message is kept as ``telegram_io`` keeps it (``storage.live_messages``)."""
    toast = None
    for action in actions:
        if isinstance(action, Toast):
            toast = action.text
        elif isinstance(action, SetMenu):
            transcript.menus[action.chat_id] = [list(command) for command in action.commands]
        elif isinstance(action, Reply):
            toast = action.notice or toast
            if action.live is not None and action.chat_id is None and session is not None:
                _show_live(transcript, chat, action, at, pressed, session)
            else:
                _deliver(transcript, chat, action, at, pressed)
    return toast


def _show_live(
    transcript: Transcript, chat: int, reply: Reply, at: str, pressed: int | None, session: Session
) -> None:
    """A task's screen in place of its live message (or anew), the replaced one losing its keyboard."""
    task = str(reply.live)
    target = live_target(reply, live_messages.live_message(session, chat, task), pressed)
    if target is not None:
        transcript.edit(target, reply.text, keyboard(reply))
    else:
        target = transcript.add(chat, reply.text, at=at, buttons=keyboard(reply)).id
    earlier = live_messages.record(
        session, chat, task, target, datetime.now(UTC), keyboard=bool(reply.buttons)
    )
    replaced = transcript.get(earlier) if earlier is not None else None
    if replaced is not None and replaced.buttons:
        transcript.edit(replaced.id, replaced.text, [])


def _deliver(transcript: Transcript, chat: int, reply: Reply, at: str, pressed: int | None) -> None:
    if reply.edit and pressed is not None and reply.chat_id is None:
        transcript.edit(pressed, reply.text, keyboard(reply))
        return
    to = reply.chat_id if reply.chat_id is not None else chat
    transcript.add(to, reply.text, at=at, buttons=keyboard(reply), attachment=reply.attachment)


class OutboxBot:
    """Stands in for Telegram's ``Bot`` when the real outbox sender delivers notices to the sandbox."""

    def __init__(self, transcript: Transcript, local_now: Callable[[], str]) -> None:
        self.transcript = transcript
        self.local_now = local_now

    async def do_api_request(self, method: str, api_kwargs: dict[str, Any], **_: object) -> dict[str, Any]:
        """The outbox's one call, ``sendMessage`` with the Bot API's JSON: the notice in the transcript."""
        if method != "sendMessage":
            raise ValueError(f"the sandbox's outbox sends messages only, not {method}")
        rows = (api_kwargs.get("reply_markup") or {}).get("inline_keyboard", ())
        buttons = [[Keyed(b["text"], str(b["callback_data"])) for b in row] for row in rows]
        chat, text = api_kwargs["chat_id"], api_kwargs["text"]
        shown = self.transcript.add(chat, text, at=self.local_now(), buttons=buttons, notice=True)
        return {"message_id": shown.id, "chat": {"id": chat}}


def uploaded(attachment: Attachment) -> Content:
    """What kind of message a file sent from the page makes: a photo, or a document."""
    return Content.PHOTO if attachment.kind is AttachmentKind.PHOTO else Content.DOCUMENT
