"""``kaohe invites``: hand out single-use invitation links (邀请链接) to members not yet registered.

The links need the bot's @username: ``telegram.bot_username`` from the configuration, else the one
kept in the database, else Telegram is asked once (getMe, with the token) and the answer is kept in
the database (``storage.settings``), so that later runs need neither the token nor the network.
``--qr FOLDER`` writes a QR code per member and a printable sheet per department besides.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from rich.cells import cell_len
from sqlalchemy import Engine

from bot.commands.common import UsageError, open_database, write_private
from bot.config import Config
from flows.roster.invitations import InvitationError, IssuedInvitation, invitations_for_unbound, reissue
from flows.ui.i18n import plain
from storage import settings
from storage.db import session_scope

CSV_COLUMNS = ("id", "name", "code", "link")  # machine-readable: the same in every language


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("invites", help="print invitation links for unregistered members (邀请链接)")
    parser.add_argument("--format", choices=("table", "csv"), default="table", help="output format")
    parser.add_argument("--out", metavar="FILE", help="write to FILE instead of the terminal")
    parser.add_argument(
        "--qr",
        metavar="FOLDER",
        help="also write a QR code per member (PNG) and a printable A4 sheet per department (PDF) 邀请二维码",
    )
    parser.add_argument(
        "--reissue", metavar="ID", help="revoke the invitation of student number ID and issue a new one"
    )
    parser.set_defaults(func=invites)


def bot_username(config: Config, engine: Engine) -> str:
    """The bot's @username for links: configured, else remembered, else asked of Telegram and remembered."""
    configured = config.settings.telegram.bot_username.lstrip("@")
    if configured:
        return configured
    with session_scope(engine) as session:
        remembered = settings.setting(session, settings.BOT_USERNAME)
    if remembered:
        return remembered
    locale = config.settings.language
    if not config.settings.token:
        raise UsageError(plain(locale, "invites_needs_username"))
    username = _ask_telegram(config)
    with session_scope(engine) as session:
        settings.remember(session, settings.BOT_USERNAME, username, datetime.now(UTC))
    print(plain(locale, "invites_username_learnt", username=username), file=sys.stderr)
    return username


def _ask_telegram(config: Config) -> str:
    from telegram import Bot  # here, not atop: most runs never ask, and the command starts sooner
    from telegram.error import InvalidToken, TelegramError

    from bot.bot_api_http import bot_api_request

    telegram = config.settings.telegram

    async def ask() -> str:
        request = bot_api_request(telegram.proxy or None, telegram.api_base_url)
        bot = Bot(
            config.require_token(),
            base_url=telegram.api_base_url,
            request=request,
            get_updates_request=request,
        )
        async with bot:
            return bot.username

    try:
        return asyncio.run(ask())
    except InvalidToken:
        raise  # worded by the command line's failure handler
    except TelegramError as error:
        reason = str(error) or type(error).__name__
        raise UsageError(plain(config.settings.language, "invites_username_unknown", reason=reason)) from None


def invites(config: Config, args: argparse.Namespace) -> int:
    locale = config.settings.language
    engine = open_database(config)
    now = datetime.now(UTC)
    valid_days = config.settings.invites.valid_days
    try:
        username = bot_username(config, engine)
        with session_scope(engine) as session:
            if args.reissue:
                issued = [
                    reissue(session, args.reissue, now=now, valid_days=valid_days, bot_username=username)
                ]
            else:
                issued = invitations_for_unbound(
                    session, now=now, valid_days=valid_days, bot_username=username
                )
    except InvitationError as error:
        raise UsageError(plain(locale, error.key, **error.params)) from None
    finally:
        engine.dispose()
    if not issued:
        print(plain(locale, "invites_none"))
        return 0
    if args.qr:
        write_qr_codes(Path(args.qr), issued, config)
    if args.out:
        with open(
            args.out, "w", encoding="utf-8-sig" if args.format == "csv" else "utf-8", newline=""
        ) as file:
            _write(issued, config, args.format, file)
        print(plain(locale, "invites_written", count=len(issued), path=args.out))
    elif not args.qr:
        _write(issued, config, args.format, sys.stdout)
    return 0


def write_qr_codes(folder: Path, issued: list[IssuedInvitation], config: Config) -> None:
    """A PNG per member in a folder per department, and the department's printable sheet beside it;
    every file readable by its owner only (each code lets anyone register as that member)."""
    from flows.roster.invitation_sheets import (  # here: the PDF and QR libraries only when asked for
        by_department,
        department_label,
        department_sheet,
        file_name,
        png_name,
        qr_png,
    )

    locale, tz = config.settings.language, config.settings.tz
    departments = by_department(issued)
    for place, items in departments.items():
        label = file_name(department_label(place, locale))
        for item in items:
            write_private(folder / label / png_name(item), qr_png(item.link))
        write_private(folder / f"{label}.pdf", department_sheet(place, items, locale, tz))
    print(plain(locale, "invites_qr_written", folder=folder, count=len(issued), sheets=len(departments)))


def _csv(issued: list[IssuedInvitation]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in issued:
        writer.writerow((item.member.student_no, item.member.name, item.code, item.link))
    return buffer.getvalue()


def _table(issued: list[IssuedInvitation], config: Config, file: TextIO) -> None:
    """Aligned columns of plain text: as quick for ten thousand rows as for ten (a drawn table is not)."""
    locale, tz = config.settings.language, config.settings.tz
    header = [plain(locale, f"invites_column_{column}") for column in ("id", "name", "link", "expires")]
    rows = [
        (
            item.member.student_no,
            item.member.name,
            item.link,
            f"{item.expires_at.astimezone(tz):%Y-%m-%d %H:%M}",
        )
        for item in issued
    ]
    widths = [max(cell_len(row[column]) for row in [header, *rows]) for column in range(len(header) - 1)]

    def line(cells: Sequence[str]) -> str:
        padded = (cell + " " * (width - cell_len(cell)) for cell, width in zip(cells, widths, strict=False))
        return "  ".join([*padded, cells[-1]])

    file.write(plain(locale, "invites_title", count=len(issued)) + "\n")
    file.write("\n".join(line(cells) for cells in [header, *rows]) + "\n")


def _write(issued: list[IssuedInvitation], config: Config, style: str, file: TextIO) -> None:
    if style == "csv":
        file.write(_csv(issued))
    else:
        _table(issued, config, file)
