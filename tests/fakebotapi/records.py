"""What tests read back from the fake: the bot's messages, stored files, API calls and callback answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .keyboards import Button


@dataclass(frozen=True)
class FileInfo:
    """A file on the fake server, uploaded by the bot or sent by a simulated user."""

    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes = field(repr=False)
    filename: str | None = None
    mime_type: str | None = None

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class BotMessage:
    """One version of a message the bot sent: as first sent, or after an edit (``edited``).

    ``text`` and ``caption`` are what the user sees (HTML tags removed, entities unescaped); ``raw`` is
    what the bot sent, with its ``parse_mode``. ``buttons`` lists the inline keyboard's rows of
    (label, callback_data or url). ``history`` holds the earlier versions, oldest first.
    """

    chat_id: int
    message_id: int
    date: int
    text: str | None = None
    caption: str | None = None
    raw: str | None = None
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    buttons: list[list[Button]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    document: FileInfo | None = None
    photo: FileInfo | None = None
    edit_date: int | None = None
    deleted: bool = False
    history: list[BotMessage] = field(default_factory=list)

    @property
    def edited(self) -> bool:
        return self.edit_date is not None

    @property
    def body(self) -> str:
        """The text, or for a document or photo its caption ("" when there is none)."""
        return self.text if self.text is not None else self.caption or ""

    @property
    def labels(self) -> list[str]:
        """The labels of all inline buttons, row after row."""
        return [label for row in self.buttons for label, _ in row]


@dataclass
class ApiCall:
    """One request the bot made; ``status`` and ``result`` or ``description`` are set once it is answered."""

    method: str
    params: dict[str, Any]
    uploads: dict[str, Any] = field(default_factory=dict)
    status: int | None = None
    result: Any = None
    description: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class CallbackAnswer:
    """The bot's answerCallbackQuery to a simulated button press."""

    query_id: str
    user_id: int
    data: str | None
    text: str | None = None
    show_alert: bool = False
    url: str | None = None
