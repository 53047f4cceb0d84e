"""One live message per task: the screen a press acts on must be the task's latest one.

A task (the score sheet, the self-assessment, the /review screens, an appeal form) shows its steps by
editing one message (``Reply(..., live=task, edit=True)``); the bot adapter records which message
that is (``storage.live_messages``) and removes the keyboard of the one it replaces. A press that
still reaches an older screen of the task (a keyboard that could not be removed, two quick taps) is
refused with a pointer to the latest one, before anything changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from flows.ui.chat import Action, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.refusal import Refused
from storage import live_messages


def ensure_live(context: FlowContext, incoming: Incoming, task: str) -> None:
    """Refuse a press made on a screen of ``task`` that a newer screen has replaced."""
    shown = live_messages.live_message(context.session, incoming.chat_id, task)
    if shown is not None and incoming.message_id is not None and incoming.message_id != shown:
        raise Refused("stale_screen", reason=f"pressed on an earlier {task} screen")


def live_screen(task: str, replies: Sequence[Reply], *, edit: bool = True) -> list[Reply]:
    """``replies`` shown as the task's live message: with ``edit`` the first replaces the one shown, and
    any further parts of a long screen follow it, the last (with the keyboard) becoming the live one."""
    return [replace(reply, live=task, edit=edit and index == 0) for index, reply in enumerate(replies)]


def asked_again(task: str, question: Reply) -> Reply:
    """The question still waiting after a refused answer, to ask again under the reason
    (``Refused.repeating``): a new live message, where the eyes are."""
    return replace(question, live=task, edit=False)


def live_target(reply: Reply, shown: int | None, pressed: int | None) -> int | None:
    """The message a live ``reply`` goes in place of (None: send it anew), given the task's live message
    ``shown`` and the message whose button was ``pressed``: a press edits its message only when that
    is the live one (a press on a notice opens the screen anew); typed input edits the live message."""
    if not reply.edit or (pressed is not None and pressed != shown):
        return None
    return shown


def shown_live(task: str, actions: Sequence[Action]) -> list[Action]:
    """A step's actions as the task's live screen (``live_screen``, in place of the one shown) when they
    are all text replies in this chat; otherwise (a picture, a message to someone else) as they are."""
    screens = [a for a in actions if isinstance(a, Reply) and a.attachment is None and a.chat_id is None]
    if len(screens) != len(actions):
        return list(actions)
    return [*live_screen(task, screens)]
