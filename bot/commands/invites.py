"""``kaohe invites``: hand out single-use invitation links (邀请链接) to members not yet registered."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import sys
from datetime import UTC, datetime
from typing import TextIO

from rich.table import Table
from telegram import Bot
from telegram.error import InvalidToken, TelegramError
from telegram.request import HTTPXRequest

from bot.commands.common import UsageError, console, open_database
from bot.config import Config
from flows.roster.invitations import InvitationError, IssuedInvitation, invitations_for_unbound, reissue
from flows.ui.i18n import both
from storage.db import session_scope

CSV_COLUMNS = ("id", "name", "code", "link")


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("invites", help="print invitation links for unregistered members (邀请链接)")
    parser.add_argument("--format", choices=("table", "csv"), default="table", help="output format")
    parser.add_argument("--out", metavar="FILE", help="write to FILE instead of the terminal")
    parser.add_argument(
        "--reissue", metavar="ID", help="revoke the invitation of student number ID and issue a new one"
    )
    parser.set_defaults(func=invites)


def bot_username(config: Config) -> str:
    """The bot's @username for links: from the configuration, else asked of Telegram."""
    configured = config.settings.telegram.bot_username.lstrip("@")
    if configured:
        return configured
    telegram = config.settings.telegram

    async def ask() -> str:
        request = HTTPXRequest(proxy=telegram.proxy or None)
        async with Bot(config.require_token(), base_url=telegram.api_base_url, request=request) as bot:
            return bot.username

    try:
        return asyncio.run(ask())
    except InvalidToken:
        raise  # worded by the command line's failure handler
    except TelegramError as error:
        raise UsageError(
            f"cannot ask Telegram for the bot's username ({error}); "
            "set telegram.bot_username in the configuration"
        ) from None


def _local(moment: datetime, config: Config) -> str:
    return moment.astimezone(config.settings.tz).strftime("%Y-%m-%d %H:%M")


def _csv(issued: list[IssuedInvitation]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in issued:
        writer.writerow((item.member.student_no, item.member.name, item.code, item.link))
    return buffer.getvalue()


def _table(issued: list[IssuedInvitation], config: Config, file: TextIO) -> None:
    table = Table(title=f"邀请链接 Invitations ({len(issued)})")
    for column in ("学号 id", "姓名 name", "链接 link", "有效至 expires"):
        table.add_column(column, overflow="fold")
    for item in issued:
        table.add_row(item.member.student_no, item.member.name, item.link, _local(item.expires_at, config))
    console(file, width=160).print(table)


def invites(config: Config, args: argparse.Namespace) -> int:
    username = bot_username(config)
    engine = open_database(config)
    now = datetime.now(UTC)
    valid_days = config.settings.invites.valid_days
    try:
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
        raise UsageError(both(error.key, **error.params)) from None
    finally:
        engine.dispose()
    if not issued:
        print("所有成员均已注册，无需邀请 / every member on the roster has registered; no invitations needed")
        return 0
    if args.out:
        with open(
            args.out, "w", encoding="utf-8-sig" if args.format == "csv" else "utf-8", newline=""
        ) as file:
            _write(issued, config, args.format, file)
        print(f"{len(issued)} 个邀请已写入 / invitations written to {args.out}")
    else:
        _write(issued, config, args.format, sys.stdout)
    return 0


def _write(issued: list[IssuedInvitation], config: Config, style: str, file: TextIO) -> None:
    if style == "csv":
        file.write(_csv(issued))
    else:
        _table(issued, config, file)
