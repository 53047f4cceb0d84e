"""``kaohe roster``: import the roster (名单导入) from .csv or .xlsx; show the organisation and its scorers.

``kaohe roster import FILE [--dry-run]`` checks the whole file first: with any problem it prints them
all and changes nothing (exit status 2). ``kaohe roster show`` prints the tree team → president,
vice-presidents, departments → members, each with their scorer (考核人), then the committee (考核小组).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from rich.text import Text
from rich.tree import Tree

from bot.commands.common import console, open_database
from bot.config import Config
from flows.roster.columns import Problem
from flows.roster.importing import (
    RosterChanges,
    describe_change,
    describe_counts,
    describe_entry,
    import_roster,
)
from flows.roster.reading import read_roster
from flows.roster.template import roster_template
from flows.rules.names import in_both, name_of, value_text
from flows.rules.organisation import COMMITTEE, Organisation, scorer_of
from flows.ui.i18n import both, plain
from storage import roster as stored
from storage.db import session_scope
from storage.roster import RosterEntry

SHOWN_PROBLEMS = 100


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("roster", help="import or show the roster (名单导入与查看)")
    actions = parser.add_subparsers(dest="roster_command", metavar="ACTION", required=True)
    importing = actions.add_parser("import", help="import a roster from .csv or .xlsx (导入名单)")
    importing.add_argument("file", metavar="FILE", type=Path, help="the roster, .csv or .xlsx")
    importing.add_argument("--dry-run", action="store_true", help="check and report changes, write nothing")
    importing.set_defaults(func=import_command)
    showing = actions.add_parser("show", help="show the organisation and who scores whom (组织架构)")
    showing.set_defaults(func=show_command)
    template = actions.add_parser(
        "template", help="write an .xlsx roster template: columns, example rows, allowed values (名单模板)"
    )
    template.add_argument("file", metavar="FILE", type=Path, help="where to write it, e.g. roster.xlsx")
    template.set_defaults(func=template_command)
    for action in (importing, showing, template):  # `kaohe roster show --config x` works too
        action.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def template_command(config: Config, args: argparse.Namespace) -> int:
    """Write the roster template; it needs no database."""
    locale = config.settings.language
    path = args.file if args.file.suffix else args.file.with_suffix(".xlsx")
    path.write_bytes(roster_template(locale))
    print(plain(locale, "roster_template_written", path=path))
    return 0


def _print_problems(problems: Sequence[Problem], prefix: str = "") -> None:
    """The first ``SHOWN_PROBLEMS`` problems, then how many more there are (a huge file has thousands)."""
    for problem in problems[:SHOWN_PROBLEMS]:
        print(f"{prefix}{problem}", file=sys.stderr)
    if len(problems) > SHOWN_PROBLEMS:
        more = both("problems_more", count=len(problems) - SHOWN_PROBLEMS, total=len(problems))
        print(f"{prefix}{more}", file=sys.stderr)


def import_command(config: Config, args: argparse.Namespace) -> int:
    roster = read_roster(args.file)
    _print_problems(roster.warnings, "注意 warning: ")
    if roster.errors:
        _print_problems(roster.errors)
        count = len(roster.errors)
        print(
            f"名单有 {count} 个问题，未导入任何内容 / {count} problem(s) found; nothing was imported",
            file=sys.stderr,
        )
        return 2
    engine = open_database(config)
    try:
        with session_scope(engine) as session:
            changes = import_roster(
                session,
                roster.entries,
                actor="cli",
                now=datetime.now(UTC),
                source=args.file.name,
                dry_run=args.dry_run,
            )
    finally:
        engine.dispose()
    _print_changes(changes, dry_run=args.dry_run)
    return 0


def _print_changes(changes: RosterChanges, *, dry_run: bool) -> None:
    for entry in changes.added:
        print("+ 新增 added:", in_both(partial(describe_entry, entry)))
    for change in changes.changed:
        print("~ 变更 changed:", in_both(partial(describe_change, change)))
    for change in changes.removed:
        print("- 移除 removed:", in_both(partial(describe_entry, change.before)))
    if changes.departments_added:
        print("+ 新部门 new departments:", "、".join(changes.departments_added))
    if changes.departments_removed:
        print("- 停用部门 departments no longer listed:", "、".join(changes.departments_removed))
    done = "试运行，未写入 / dry run, nothing written" if dry_run else "已导入 / imported"
    print(f"{done}: {in_both(partial(describe_counts, changes))}")


def show_command(config: Config, args: argparse.Namespace) -> int:
    engine = open_database(config)
    try:
        with session_scope(engine) as session:
            org = Organisation(stored.load_entries(session))
            bound = stored.bound_student_nos(session)
    finally:
        engine.dispose()
    out = console()
    if not org:
        out.print(
            Text(
                "名单为空：用 `kaohe roster import 名单.csv` 导入（.csv 或 .xlsx）/ "
                "the roster is empty: import one with `kaohe roster import roster.csv` (.csv or .xlsx)"
            )
        )
        return 0
    out.print(_tree(org, bound))
    out.print(_committee_tree(org, bound))
    return 0


def _both_names(entry: RosterEntry) -> str:
    return f"{name_of(entry.position, 'zh-CN')} {name_of(entry.position, 'en')}"


def _person(entry: RosterEntry, bound: set[str]) -> str:
    """Student number, college, term, and whether they have bound a Telegram account."""
    binding = "已绑定 bound" if entry.student_no in bound else "未绑定 unbound"
    return " · ".join(filter(None, (entry.student_no, entry.college, entry.term_start, binding)))


def _scorer_name(entry: RosterEntry, org: Organisation) -> str:
    scorer = scorer_of(entry, org)
    if scorer is COMMITTEE:
        return "考核小组 committee"
    return scorer.name if scorer else "— (缺 missing)"


def _cadre(entry: RosterEntry, org: Organisation, bound: set[str]) -> Text:
    """One examinee: position, scorer, details, committee role and the departments in their charge."""
    scorer = _scorer_name(entry, org)
    label = f"{_both_names(entry)}: {entry.name} → 考核人 scorer: {scorer} · {_person(entry, bound)}"
    if entry.committee_role:
        label += f" · 考核小组 {name_of(entry.committee_role, 'zh-CN')}"
    if entry.oversees:
        label += f" · 分管 oversees {value_text(entry.oversees, 'zh-CN')}"
    return Text(label)


def _tree(org: Organisation, bound: set[str]) -> Tree:
    tree = Tree(Text(f"名单 Roster — {len(org.teams())} 个团队 teams, {len(org)} 人 people"))
    for team in org.teams():
        branch = tree.add(Text(team))
        officers = [org.president_of(team), *org.vice_presidents_of(team)]
        for officer in filter(None, officers):
            branch.add(_cadre(officer, org, bound))
        for department in org.departments_of(team):
            overseer = org.overseer_of(team, department)
            node = branch.add(Text(f"{department} (分管 in charge: {overseer.name if overseer else '—'})"))
            for member in org.members_of(team, department):
                node.add(_cadre(member, org, bound))
    return tree


def _committee_tree(org: Organisation, bound: set[str]) -> Tree:
    tree = Tree(Text("考核小组 Assessment committee"))
    for entry in org.committee():
        role = entry.committee_role
        label = f"{name_of(role, 'zh-CN')} {name_of(role, 'en')}" if role else "无角色 no role"
        tree.add(Text(f"{label}: {entry.name} · {entry.team} {_both_names(entry)} · {_person(entry, bound)}"))
    return tree
