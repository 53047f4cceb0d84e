"""``kaohe cycle open`` and ``kaohe cycle status``: open an assessment cycle and follow its progress."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, time, tzinfo
from pathlib import Path

from rich.table import Table

from bot.commands.common import UsageError, console, named_cycle, open_database
from bot.config import Config
from flows.archive.export import ArchiveError, archive_cycle
from flows.cycles.opening import CycleError, Deadlines, open_cycle
from flows.cycles.status import progress_bar, self_assessment_progress
from flows.review.signoff import SignoffState, signoff_state
from flows.rules.cycles import current_phase
from flows.rules.scheme import DEFAULT_SCHEME, SchemeError
from flows.scoring.progress import ScorerProgress, scoring_progress
from flows.ui.i18n import both
from storage import outbox
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
    status = actions.add_parser("status", help="progress of a cycle per team and department")
    status.add_argument("--name", help="the cycle (default: the newest one not archived)")
    status.set_defaults(func=status_command)
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
    print(both("cycle_deadlines_read", timezone=config.settings.timezone, **read))  # before opening anything
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
        raise UsageError(both(error.key, **error.params)) from None
    except SchemeError as error:
        raise UsageError(str(error)) from None
    finally:
        engine.dispose()
    counts = {"examinees": opened.examinees, "notified": opened.notified}
    print(both("cycle_opened_cli", cycle=opened.cycle.name, **counts))
    return 0


def status_command(config: Config, args: argparse.Namespace) -> int:
    engine = open_database(config)
    try:
        with session_scope(engine) as session:
            cycle = named_cycle(session, args.name)
            progress = self_assessment_progress(session, cycle)
            scoring = scoring_progress(session, cycle)
            signoff = signoff_state(session, cycle)
            phase = current_phase(cycle, datetime.now(UTC))
            unreachable = outbox.unreachable(session)
    finally:
        engine.dispose()
    tz = config.settings.tz
    out = console(width=120)
    out.print(f"考核周期 Cycle: {cycle.name}    阶段 phase: {phase.value}")
    out.print(
        f"自我评定截止 self-assessment due: {cycle.self_due.astimezone(tz):%Y-%m-%d %H:%M}    "
        f"评分截止 scoring due: {cycle.score_due.astimezone(tz):%Y-%m-%d %H:%M}    "
        f"复核截止 review due: {cycle.review_due.astimezone(tz):%Y-%m-%d %H:%M}"
    )
    table = Table(title="自我评定进度 Self-assessment progress")
    for column in (
        "团队 team",
        "部门 department",
        "未开始 not started",
        "草稿 draft",
        "已提交 submitted",
        "进度 progress",
    ):
        table.add_column(column)
    for group in progress:
        table.add_row(
            group.team,
            group.department or "（主席团 officers）",
            str(group.not_started),
            str(group.draft),
            str(group.submitted),
            progress_bar(group.submitted, group.total),
        )
    done = sum(g.submitted for g in progress)
    total = sum(g.total for g in progress)
    sums = (sum(getattr(g, field) for g in progress) for field in ("not_started", "draft", "submitted"))
    table.add_row("合计 total", "", *(str(n) for n in sums), progress_bar(done, total))
    out.print(table)
    out.print(_scoring_table(scoring))
    out.print(_signoff_table(signoff, tz))
    out.print(_unreachable_table(unreachable))
    return 0


def _unreachable_table(people: list[outbox.Unreachable]) -> Table:
    """无法送达: members the bot cannot write to (they blocked it, or their chat is gone)."""
    table = Table(title=f"无法送达 Cannot be reached: {len(people)}")
    for column in ("学号 student no.", "姓名 name", "原因 reason"):
        table.add_column(column)
    for person in people:
        table.add_row(person.student_no, person.name, person.error)
    return table


def _signoff_table(state: SignoffState, tz: tzinfo) -> Table:
    """复核签字: the results' version, who confirmed and signed it, the release and examinees' signatures."""
    table = Table(title=f"复核签字 Sign-off: 第 {state.version} 版 version {state.version}")
    for column in ("步骤 step", "签字人 signed by", "时间 at"):
        table.add_column(column)
    steps = (
        ("考核小组确认 committee confirmation", "committee", state.confirmed),
        ("学联主席签字 federation president", "president", state.president),
        ("团委老师签字 teacher", "teacher", state.teacher),
    )
    for label, role, signature in steps:
        at = f"{signature.signed_at.astimezone(tz):%Y-%m-%d %H:%M}" if signature else "—"
        table.add_row(label, state.signers.get(role, "—"), at)
    released = f"{state.released_at.astimezone(tz):%Y-%m-%d %H:%M}" if state.released_at else "—"
    table.add_row("结果发布 released", "", released)
    table.add_row("被考核者签字 acknowledged", "", progress_bar(state.acknowledged, state.examinees))
    return table


def _scoring_table(progress: list[ScorerProgress]) -> Table:
    """评分进度: a row per scorer (the committee, which scores the presidents, once per team)."""
    table = Table(title="评分进度 Scoring progress")
    for column in (
        "评分人\nscorer",
        "团队\nteam",
        "未开始\nnot started",
        "草稿\ndraft",
        "退回\nreturned",
        "已提交\nsubmitted",
        "进度\nprogress",
    ):
        table.add_column(column, no_wrap=True)
    fields = ("not_started", "draft", "returned", "submitted")
    for row in progress:
        counts = (str(getattr(row, field)) for field in fields)
        bar = progress_bar(row.submitted, row.total, width=10)
        table.add_row(row.scorer or "考核小组 committee", row.team, *counts, bar)
    sums = [sum(getattr(row, field) for row in progress) for field in fields]
    table.add_row("合计 total", "", *(str(n) for n in sums), progress_bar(sums[-1], sum(sums), width=10))
    return table


def archive_command(config: Config, args: argparse.Namespace) -> int:
    engine = open_database(config)
    try:
        with session_scope(engine) as session:
            cycle = named_cycle(session, args.name)
            archive_cycle(session, cycle, actor="cli", now=datetime.now(UTC), tz=config.settings.tz)
    except ArchiveError as error:
        raise UsageError(both(error.key, **error.params)) from None
    finally:
        engine.dispose()
    print(both("archive_archived", cycle=args.name))
    return 0
