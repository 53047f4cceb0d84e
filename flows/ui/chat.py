"""What a conversation takes in and gives back, independent of Telegram.

A flow receives an ``Incoming`` (who, in which chat, what they typed or tapped) and returns a list of
``Reply`` objects; the bot adapter turns those into sends or edits with inline keyboards, and a test
simply reads them. Reply text is already-rendered Telegram HTML (from the Jinja2 templates, with
user text escaped); a person's own words sent back as they are go through ``Reply.typed``, which
escapes them.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from enum import StrEnum

from flows.ui.buttons import ButtonData


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"
    SUPERGROUP = "supergroup"
    CHANNEL = "channel"


class Content(StrEnum):
    """What kind of message came in (only text and button presses carry answers)."""

    TEXT = "text"
    BUTTON = "button"
    PHOTO = "photo"
    DOCUMENT = "document"
    STICKER = "sticker"
    VOICE = "voice"
    OTHER = "other"


@dataclass(frozen=True)
class Incoming:
    """One thing a person did in a chat."""

    telegram_user_id: int
    chat_id: int
    chat_kind: ChatKind = ChatKind.PRIVATE
    content: Content = Content.TEXT
    text: str = ""  # message text, or a button's callback data
    language_code: str | None = None
    username: str | None = None
    first_name: str = ""
    file_id: str | None = None  # photo or document, for flows that keep evidence
    file_unique_id: str | None = None  # the same file's lasting id (file ids may change)
    message_id: int | None = None  # the message typed, or the one whose button was pressed

    @property
    def is_private(self) -> bool:
        return self.chat_kind is ChatKind.PRIVATE

    @property
    def command(self) -> str | None:
        """``start`` for ``/start CODE`` or ``/start@bot CODE``; None when not a command."""
        if self.content is not Content.TEXT or not self.text.startswith("/"):
            return None
        return self.text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower()

    @property
    def argument(self) -> str:
        """Whatever follows the command word, stripped."""
        parts = self.text.split(maxsplit=1)
        return parts[1].strip() if len(parts) > 1 else ""


@dataclass(frozen=True)
class Button:
    """An inline keyboard button: its label and what a press of it stands for (``flows.ui.buttons``)."""

    label: str
    press: ButtonData

    def __post_init__(self) -> None:
        self.press.pack()  # a button whose data would not fit or parse back is a programming error

    @property
    def data(self) -> str:
        """The callback data sent to Telegram."""
        return self.press.pack()


class AttachmentKind(StrEnum):
    PHOTO = "photo"  # shown inline, e.g. a chart
    DOCUMENT = "document"  # a file to download, e.g. a workbook


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply; the reply's text becomes its caption (at most 1024 characters).

    Either its bytes (a chart, a workbook), or the id of a file Telegram already keeps (e.g. a photo
    or document given as appeal evidence), which is sent again by that id.
    """

    kind: AttachmentKind
    filename: str = ""
    data: bytes = field(default=b"", repr=False)
    file_id: str | None = None

    def __post_init__(self) -> None:
        if not self.data and self.file_id is None:
            raise ValueError("an attachment needs its bytes or a Telegram file id")


@dataclass(frozen=True)
class Reply:
    """A message to send (or, with ``edit``, to put in place of the message whose button was pressed).

    A reply with ``live`` is the one live message of that task (``"score"``, ``"self"`` …) in the chat:
    with ``edit`` it replaces the task's live message (the pressed one, or for a typed answer the one
    shown last), or is sent anew where that message can no longer be edited; without ``edit`` it is
    sent anew. Either way it becomes the task's live message and the one before loses its keyboard.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    chat_id: int | None = None  # None: the chat the input came from
    edit: bool = False
    notice: str | None = None  # a short toast for a button press (answerCallbackQuery)
    attachment: Attachment | None = None
    live: str | None = None  # the task whose live message this is

    @classmethod
    def typed(cls, own: str) -> Reply:
        """Someone's own words sent back exactly as they typed them (below a question, to copy and
        change): the one reply whose text is no template, so it is escaped here for Telegram HTML."""
        return cls(html.escape(own, quote=False))


@dataclass(frozen=True)
class SetMenu:
    """Give one private chat its own command menu (e.g. once its owner has registered)."""

    chat_id: int
    locale: str
    commands: tuple[tuple[str, str], ...]  # (command, description)


@dataclass(frozen=True)
class Toast:
    """Answer the button press with a short notice and nothing else (e.g. a refused press)."""

    text: str


Action = Reply | SetMenu | Toast
