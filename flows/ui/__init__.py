"""What a conversation is made of, independent of Telegram (or of any other channel).

- ``chat``: what comes in (``Incoming``) and the actions that go out (``Reply``, ``Toast``,
  ``SetMenu``, ``Button``, ``Attachment``);
- ``context``: the ``FlowContext`` every step runs in (session, clock, timezone, language);
- ``buttons``: the one button codec; ``refusal``: the one way to say no;
- ``i18n``: texts per locale (Jinja2, escaped for Telegram HTML); ``text``: numbers of points as
  people read them, and splitting long texts; ``keyboards``: buttons in rows under a long text;
- ``menu``: command menus per role; ``charts``: distribution charts (imported on its own: matplotlib).
"""

from flows.ui.buttons import ButtonData, Id, Index, Key, parse_button
from flows.ui.chat import Action, Attachment, AttachmentKind, Button, Content, Incoming, Reply, SetMenu, Toast
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from flows.ui.keyboards import rows_of, with_buttons
from flows.ui.refusal import Refused
from flows.ui.text import points

__all__ = [
    "Action",
    "Attachment",
    "AttachmentKind",
    "Button",
    "ButtonData",
    "Content",
    "FlowContext",
    "Id",
    "Incoming",
    "Index",
    "Key",
    "Refused",
    "Reply",
    "SetMenu",
    "Toast",
    "parse_button",
    "points",
    "render",
    "rows_of",
    "with_buttons",
]
