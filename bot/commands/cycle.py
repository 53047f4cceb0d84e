"""``kaohe cycle open``, ``kaohe cycle status`` (``bot.commands.cycle_status``), ``kaohe cycle archive``.

What only one action uses is imported when it runs (the archive's workbook and PDFs and Telegram's
client, the status and the review's sign-off behind it), so that ``kaohe cycle open`` starts without
them."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, time
from pathlib import Path

from bot.commands import deferred
from bot.commands.common import UsageError, named_cycle, open_database
from bot.config import Config
from flows.cycles.opening import CycleError, Deadlines, open_cycle
from flows.rules.scheme import DEFAULT_SCHEME, SchemeError
from flows.ui.i18n import plain
from storage.db import session_scope

END_OF_DAY = time(23, 59)
DEADLINE_NAMES = ("self_due", "score_due", "review_due")


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("cycle", help="open and follow assessment cycles (考核周期)")
    actions = parser.add_subparsers(dest="cycle_command", metavar="ACTION", required=True)
    opening = actions.add_parser("open", help="open a cycle: freeze the roster and tell every examinee")
    opening.add_argument("--name", required=True, help="the cycle's name, e.g. 2026秋季学期考核")
    for option, what in (("self", "self-assessment"), ("score", "scoring"), ("review", "review")):
        opening.add_argument(
            f"--{option}-due",
            required=True,
            metavar="TIME",
            help=f"{what} deadline, ISO 8601 (e.g. 2026-12-01T22:00; a date alone means 23:59 that day)",
        )
    opening.add_argument("--scheme", metavar="FILE", default=str(DEFAULT_SCHEME), help="scheme file (TOML)")
    opening.set_defaults(func=open_command)
    status = actions.add_parser("status", help="where a cycle stands: a summary, details on request (进度)")
    status.add_argument("--name", help="the cycle (default: the newest one not archived)")
    status.add_argument(
        "--details", action="store_true", help="every scorer's progress and everyone not registered"
    )
    status.add_argument("--department", metavar="NAME", help="each person of the department(s) of that name")
    status.set_defaults(func=deferred("cycle_status", "status_command"))
    archiving = actions.add_parser("archive", help="archive a cycle (归档): every later change is refused")
    archiving.add_argument("--name", required=True, help="the cycle's name")
    archiving.set_defaults(func=archive_command)


def parse_time(value: str, option: str, config: Config) -> datetime:
    """An ISO 8601 time; without a zone, in the configured timezone; a date alone means the end of that
    day (23:59), which is what a person means by "due 2026-12-01"."""
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option}: {value!r} is not an ISO 8601 time such as 2026-12-01T22:00") from None
    if "T" not in text and " " not in text:
        moment = datetime.combine(moment.date(), END_OF_DAY)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=config.settings.tz)
    return moment.astimezone(UTC)


def open_command(config: Config, args: argparse.Namespace) -> int:
    deadlines = Deadlines(
        self_due=parse_time(args.self_due, "--self-due", config),
        score_due=parse_time(args.score_due, "--score-due", config),
        review_due=parse_time(args.review_due, "--review-due", config),
    )
    tz = config.settings.tz
    read = {name: f"{getattr(deadlines, name).astimezone(tz):%Y-%m-%d %H:%M}" for name in DEADLINE_NAMES}
    locale = config.settings.language
    print(
        plain(locale, "cycle_deadlines_read", timezone=config.settings.timezone, **read)
    )  # before opening anything
    scheme = Path(args.scheme)
    engine = open_database(config)
    try:
        with session_scope(engine) as session:
            opened = open_cycle(
                session,
                name=args.name,
                deadlines=deadlines,
                scheme_path=scheme,
                now=datetime.now(UTC),
                tz=config.settings.tz,
                default_locale=config.settings.language,
            )
    except CycleError as error:
        raise UsageError(plain(locale, error.key, **error.params)) from None
    except SchemeError as error:
        raise UsageError(str(error)) from None
    finally:
        engine.dispose()
    counts = {"examinees": opened.examinees, "notified": opened.notified}
    print(plain(locale, "cycle_opened_cli", cycle=opened.cycle.name, **counts))
    return 0


def archive_command(config: Config, args: argparse.Namespace) -> int:
    """Archive the cycle, its appeals' evidence fetched from Telegram first (``bot.evidence``), so that
    the archive holds the files; one that cannot be fetched is named with the reason (the next
    ``kaohe export`` tries again), and the cycle is archived all the same."""
    # imported only when archiving: the archive's workbook and PDFs, Telegram's client
    from bot.commands.export import print_evidence
    from bot.evidence import fetch_evidence, missing_files
    from flows.archive.export import ArchiveError, archive_cycle, ensure_archivable

    locale, tz, now = config.settings.language, config.settings.tz, datetime.now(UTC)
    engine = open_database(config)
    try:
        with session_scope(engine) as session:  # the files fetched are kept even if the archiving fails
            cycle = named_cycle(session, args.name, locale)
            ensure_archivable(session, cycle, now=now, tz=tz)  # nothing fetched for a refusal
            fetched, unfetched = fetch_evidence(config, session, cycle, now=now)
            missing = missing_files(session, unfetched)
        with session_scope(engine) as session:
            cycle = named_cycle(session, args.name, locale)
            archive_cycle(session, cycle, actor="cli", now=now, tz=tz)
    except ArchiveError as error:
        raise UsageError(plain(locale, error.key, **error.params)) from None
    finally:
        engine.dispose()
    print_evidence(locale, fetched, missing, "archive_evidence_unfetched")
    print(plain(locale, "archive_archived", cycle=args.name))
    return 0
