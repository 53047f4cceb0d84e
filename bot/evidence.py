"""Fetching appeal evidence for the archive: ``kaohe cycle archive`` (before it freezes the cycle) and
``kaohe export`` download each photo and document the examinees gave (Bot API ``getFile``, then the
file itself) and keep its bytes in the database (``EvidenceFile``), once: a later export, of an
archived cycle too, reads them from there and needs no Telegram. A file that cannot be fetched (no
token, Telegram unreachable, the file gone) is left out with the reason, and the archiving or export
goes on; the next export tries again (the bytes of evidence given before the cycle was archived are
not a change to it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from sqlmodel import Session
from telegram import Bot
from telegram.error import BadRequest, NetworkError, TelegramError

from bot.bot_api_http import bot_api_request
from bot.config import Config
from flows.archive.evidence import stem
from storage import appeals
from storage.models import AppealEvidence, Cycle, EvidenceFile, EvidenceKind

NO_TOKEN = "没有 bot token（no bot token）"
SUFFIX_MAX = 20


def fetch_evidence(
    config: Config, session: Session, cycle: Cycle, *, now: datetime
) -> tuple[int, dict[int, str]]:
    """Fetch and keep the files of ``cycle``'s evidence not kept yet: how many were fetched, and why
    each of the others could not be (by evidence id)."""
    pieces = appeals.files_to_fetch(session, cycle.id)
    if not pieces:
        return 0, {}
    if not config.settings.token:
        return 0, {piece.id: NO_TOKEN for piece in pieces}
    fetched, failed = asyncio.run(_download(config, pieces))
    for piece, suffix, data in fetched:
        appeals.keep_file(
            session, EvidenceFile(evidence_id=piece.id, suffix=suffix, data=data, fetched_at=now)
        )
    return len(fetched), {key: _scrubbed(reason, config) for key, reason in failed.items()}


def missing_files(session: Session, unfetched: Mapping[int, str]) -> dict[str, str]:
    """The reasons ``unfetched`` (by evidence id) by the archive's path of each file (less its suffix),
    as the export names them."""
    if not unfetched:
        return {}
    pieces = [session.get_one(AppealEvidence, evidence_id) for evidence_id in unfetched]
    given = appeals.evidence_of(session, {piece.appeal_id for piece in pieces})
    number = {piece.id: place for appeal in given.values() for place, piece in enumerate(appeal, 1)}
    return {stem(piece, number[piece.id]): unfetched[piece.id] for piece in pieces}


async def _download(
    config: Config, pieces: Sequence[AppealEvidence]
) -> tuple[list[tuple[AppealEvidence, str, bytes]], dict[int, str]]:
    telegram = config.settings.telegram
    request = bot_api_request(telegram.proxy or None, telegram.api_base_url)
    bot = Bot(
        config.settings.token,
        base_url=telegram.api_base_url,
        base_file_url=telegram.api_file_url,
        request=request,
        get_updates_request=request,  # never asked: no second connection made for it
    )
    fetched: list[tuple[AppealEvidence, str, bytes]] = []
    failed: dict[int, str] = {}
    unreachable = ""
    try:
        await bot.initialize()
    except TelegramError as error:
        return [], {piece.id: _reason(error) for piece in pieces}
    try:
        for piece in pieces:
            if unreachable:  # Telegram did not answer: the next files would wait for nothing
                failed[piece.id] = unreachable
                continue
            try:
                file = await bot.get_file(str(piece.file_id))
                data = bytes(await file.download_as_bytearray())
            except TelegramError as error:
                failed[piece.id] = _reason(error)
                if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
                    unreachable = failed[piece.id]
                continue
            fetched.append((piece, _suffix(file.file_path, piece), data))
    finally:
        await bot.shutdown()
    return fetched, failed


def _suffix(file_path: str | None, piece: AppealEvidence) -> str:
    """The file's suffix as Telegram's path of it has it (a photo without one is a JPEG)."""
    suffix = PurePosixPath(urlsplit(file_path or "").path).suffix.lower()
    if not suffix and piece.kind == EvidenceKind.PHOTO:
        suffix = ".jpg"
    return suffix if len(suffix) <= SUFFIX_MAX and suffix[1:].isalnum() else ""


def _reason(error: TelegramError) -> str:
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        return f"连不上 Telegram（Telegram unreachable: {error.message}）"
    return f"Telegram：{error.message}"


def _scrubbed(reason: str, config: Config) -> str:
    for secret in config.secrets():
        reason = reason.replace(secret, "***")
    return reason
