"""Values the installation learnt and keeps in the database (key → text), e.g. the bot's @username that
``kaohe invites`` asked Telegram for once: they travel with a backup and hold for every machine that
uses the same database."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from storage.models import Setting

BOT_USERNAME = "bot_username"


def setting(session: Session, key: str) -> str | None:
    found = session.get(Setting, key)
    return found.value if found is not None else None


def remember(session: Session, key: str, value: str, now: datetime) -> None:
    found = session.get(Setting, key) or Setting(key=key, value=value)
    found.value, found.updated_at = value, now
    session.add(found)
