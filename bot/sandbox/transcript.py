"""The sandbox's chats (对话记录): what each fake account sent the bot and what the bot sent back.

A message is what a Telegram client would show: Telegram HTML from the bot (or the person's own
plain text), inline buttons, an attachment (a photo shown inline, a document to download) and the
simulated time. The bot may edit a message in place (a button press answered with ``edit``). Every
change takes the next revision number, so the page asks only for what changed since it last looked.
The chats, the command menus and the attachments' files live beside the sandbox's database, so they
survive a restart just as the database does.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flows.ui.chat import Attachment

UNSAFE_NAME = re.compile(r"[^\w.-]+")
FILE_ID_PREFIX = "sandbox-file-"  # the file ids of files people send in the sandbox


@dataclass
class Keyed:
    """A button as the page shows it: its label and the callback data a press sends."""

    label: str
    data: str


@dataclass
class Message:
    """One message in one chat."""

    id: int
    chat: int
    mine: bool  # written by the person, not the bot
    text: str  # Telegram HTML from the bot; plain text from the person
    at: str  # the simulated local time, ``2026-11-24 10:00``
    rev: int
    buttons: list[list[Keyed]] = field(default_factory=list)
    attachment: dict[str, str] | None = None  # kind, name, url
    notice: bool = False  # delivered from the outbox rather than answering the person
    edited: bool = False


class Transcript:
    """Every chat of the sandbox, kept in ``folder/chats.json`` with the files under ``folder/files``."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "chats.json"
        self.files = folder / "files"
        self.files.mkdir(parents=True, exist_ok=True)
        self.rev = 0
        self.messages: list[Message] = []
        self.menus: dict[int, list[list[str]]] = {}  # chat → [command, description]
        if self.path.exists():
            self._load(json.loads(self.path.read_text(encoding="utf-8")))

    def _load(self, data: dict) -> None:
        self.rev = data["rev"]
        self.menus = {int(chat): menu for chat, menu in data["menus"].items()}
        for raw in data["messages"]:
            buttons = [[Keyed(**button) for button in row] for row in raw.pop("buttons")]
            self.messages.append(Message(**raw, buttons=buttons))

    def save(self) -> None:
        data = {
            "rev": self.rev,
            "menus": self.menus,
            "messages": [asdict(message) for message in self.messages],
        }
        self.path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    def _next_rev(self) -> int:
        self.rev += 1
        return self.rev

    @staticmethod
    def file_id(message: Message) -> str:
        """The file id the sandbox gives a file a person sends (as Telegram gives one)."""
        return f"{FILE_ID_PREFIX}{message.id}"

    def sent_file(self, file_id: str) -> dict[str, str] | None:
        """The file a person sent with ``file_id`` (see ``file_id``), if it is in this transcript."""
        number = file_id.removeprefix(FILE_ID_PREFIX)
        found = [m for m in self.messages if str(m.id) == number and m.attachment is not None]
        return found[0].attachment if found else None

    def add(
        self,
        chat: int,
        text: str,
        *,
        at: str,
        mine: bool = False,
        buttons: list[list[Keyed]] | None = None,
        attachment: Attachment | None = None,
        notice: bool = False,
    ) -> Message:
        message = Message(
            id=len(self.messages) + 1,
            chat=chat,
            mine=mine,
            text=text,
            at=at,
            rev=self._next_rev(),
            buttons=buttons or [],
            notice=notice,
        )
        if attachment is not None:
            message.attachment = self.keep(message.id, attachment)
        self.messages.append(message)
        return message

    def keep(self, number: int, attachment: Attachment) -> dict[str, str] | None:
        """Store an attachment's bytes as a file the page can show or download; one sent again by its
        file id (e.g. appeal evidence) is the file a person sent before."""
        if attachment.file_id is not None:
            return self.sent_file(attachment.file_id)
        name = f"{number}-{UNSAFE_NAME.sub('_', attachment.filename)}"
        (self.files / name).write_bytes(attachment.data)
        return {"kind": attachment.kind.value, "name": attachment.filename, "url": f"/files/{name}"}

    def edit(self, message_id: int, text: str, buttons: list[list[Keyed]]) -> None:
        """Put new text and buttons in place of a message (what ``editMessageText`` does)."""
        message = self.messages[message_id - 1]
        message.text, message.buttons, message.edited = text, buttons, True
        message.rev = self._next_rev()

    def get(self, message_id: int) -> Message | None:
        return self.messages[message_id - 1] if 0 < message_id <= len(self.messages) else None

    def since(self, chat: int, rev: int) -> list[Message]:
        """The chat's messages added or edited after revision ``rev``."""
        return [m for m in self.messages if m.chat == chat and m.rev > rev]

    def latest(self) -> dict[int, int]:
        """Each chat's newest message id from the bot (for unread marks)."""
        return {m.chat: m.id for m in self.messages if not m.mine}
