"""Benchmark fixture: a realistic organisation of 10,245 cadres, imported, with a cycle opened and scored.

    .venv/bin/python benchmarks/organisation.py --database-url URL [--size 10245] [--scored] [--fresh]
    .venv/bin/python benchmarks/organisation.py --csv roster.csv [--size 10245]   # the roster file only

The organisation is the sample roster (``tests/data`` / ``/work/shared/domain/sample-roster.csv``)
scaled up: teams (校学生会, 校团委, the colleges' student unions...) with a president (主席) each,
vice-presidents (副主席) each overseeing (分管) up to three departments, departments of a head (部长),
deputies (副部长) and officers (干事), the biggest (校团委 志愿者服务部) about 890 people, and an assessment
committee (考核小组) of two teachers and some presidents and heads. Student numbers and Chinese names are
generated from a fixed seed, so the same size gives the same roster every time.

``build(url, size, scored=True)`` brings the database to the newest schema, imports the roster through
the real import (``kaohe roster import``), binds most members to a Telegram account, opens a cycle
through ``kaohe cycle open`` and, with ``scored``, seeds it in bulk: every examinee's self-assessment
submitted, every score sheet submitted with all its item scores (totals spread around 80), and the
cycle's deadlines moved so that it stands in review (复核确认). The bulk seed writes rows directly (no
audit rows, no notices): it stands for the weeks of work a cycle holds, not for how they were done.
Other benchmarks start from ``build(...)`` and the returned ``Built`` (cycle name, biggest department,
the committee's Telegram ids).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import random
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text, update
from sqlmodel import Session, SQLModel, col, func, select

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)]

from bot.cli import main as kaohe  # noqa: E402
from flows.rules.cycles import scheme_of  # noqa: E402
from flows.rules.grading import total_score  # noqa: E402
from flows.rules.scheme import DEFAULT_SCHEME  # noqa: E402
from storage.db import make_engine, sqlite_path, upgrade  # noqa: E402
from storage.models import (  # noqa: E402
    Cycle,
    CycleExaminee,
    ItemScore,
    Member,
    ScoreSheet,
    SelfAnswer,
    SelfAssessment,
    TelegramBinding,
)

SIZE = 10_245  # cadres (examinees); the two teachers come on top
SEED = 20261127
CYCLE = "2026秋季学期考核"
BIGGEST_SHARE = Decimal(890) / SIZE  # the biggest department's share of the cadres
TELEGRAM_BASE = 10_000_000  # a member's Telegram id: TELEGRAM_BASE + member id
UNBOUND_EVERY = 20  # every 20th member has not registered yet (for ``kaohe invites``)
CHUNK = 5_000  # rows per bulk insert

HEADER = ("id", "name", "team", "department", "position", "oversees", "college", "term_start", "committee")
SCHOOL_TEAMS = ("校学生会", "校团委", "校社团联合会", "研究生会")
COLLEGES = (
    "计算机学院",
    "经济管理学院",
    "外国语学院",
    "机械工程学院",
    "化学化工学院",
    "数学学院",
    "文学院",
    "艺术学院",
    "物理学院",
    "法学院",
    "医学院",
    "生命科学学院",
    "建筑学院",
    "音乐学院",
    "体育学院",
    "新闻传播学院",
    "电子信息学院",
    "材料学院",
    "马克思主义学院",
    "历史学院",
)
DEPARTMENTS = (
    "办公室",
    "学习部",
    "文艺部",
    "体育部",
    "宣传部",
    "外联部",
    "生活部",
    "权益部",
    "组织部",
    "实践部",
    "志愿者服务部",
    "社团管理部",
    "活动策划部",
    "财务部",
    "新媒体中心",
    "心理健康部",
)
BIGGEST = ("校团委", "志愿者服务部")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂玉华飞鹏欣宇浩凯琪婷雪梓涵子轩思雨晨佳怡嘉彬玲红燕斌"
ANSWER = "本学期认真完成部门分配的各项工作，积极参加理论学习和组织生活，按时参加例会，与同学团结协作，"


# The roster


@dataclass(frozen=True)
class Person:
    """One row of the roster file."""

    student_no: str
    name: str
    team: str
    department: str = ""
    position: str = "干事"
    oversees: tuple[str, ...] = ()
    college: str = ""
    term_start: str = "2025-09"
    committee: str = ""

    def row(self) -> tuple[str, ...]:
        return (
            self.student_no,
            self.name,
            self.team,
            self.department,
            self.position,
            ";".join(self.oversees),
            self.college,
            self.term_start,
            self.committee,
        )


def _team_names(count: int) -> list[str]:
    names = list(SCHOOL_TEAMS) + [f"{college}学生会" for college in COLLEGES]
    names += [f"第{n}学生组织" for n in range(len(names) + 1, count + 1)]
    return names[:count]


def _sizes(total: int, parts: int, rng: random.Random) -> list[int]:
    """``total`` people split into ``parts`` departments of uneven sizes, each at least one."""
    weights = [rng.uniform(0.3, 2.0) for _ in range(parts)]
    scale = (total - parts) / sum(weights)
    sizes = [1 + int(w * scale) for w in weights]
    for index in range(total - sum(sizes)):
        sizes[index % parts] += 1
    return sizes


def roster(size: int = SIZE, seed: int = SEED) -> list[Person]:
    """The organisation's roster: ``size`` cadres and two teachers, the same for the same seed."""
    rng = random.Random(seed)
    teams = _team_names(max(1, round(size / 680)))
    per_team = max(1, min(len(DEPARTMENTS), (size // len(teams)) // 60))
    layout = [(team, name) for team in teams for name in DEPARTMENTS[:per_team]]
    vice_presidents = {team: (per_team + 2) // 3 for team in teams}
    officers = len(teams) + sum(vice_presidents.values())
    staff = size - officers
    biggest = BIGGEST if BIGGEST in layout else layout[0]
    big = max(1, min(staff - (len(layout) - 1), round(size * BIGGEST_SHARE)))
    others = [place for place in layout if place != biggest]
    sizes = dict(zip(others, _sizes(staff - big, len(others), rng), strict=True)) if others else {}
    sizes[biggest] = big
    numbers = _numbers(rng)
    people: list[Person] = []

    def person(team: str, **fields: Any) -> Person:
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        term = rng.choice(("2025-09", "2025-09", "2026-03"))
        return Person(next(numbers), name, team, college=rng.choice(COLLEGES), term_start=term, **fields)

    for number, team in enumerate(teams):
        departments = [name for t, name in layout if t == team]
        committee = "副组长" if number == 0 else "组员" if number < 3 else ""
        people.append(person(team, position="主席", committee=committee))
        for index in range(vice_presidents[team]):
            charge = tuple(departments[3 * index : 3 * index + 3])
            people.append(person(team, position="副主席", oversees=charge))
        for department in departments:
            count = sizes[(team, department)]
            deputies = min(count - 1, max(1, count // 40)) if count > 2 else 0
            for place in range(count):
                position = "部长" if place == 0 else "副部长" if place <= deputies else "干事"
                member = "组员" if place == 0 and number == 1 and department == "组织部" else ""
                people.append(person(team, department=department, position=position, committee=member))
    people.append(
        Person(
            "T001", "龚杰", teams[min(1, len(teams) - 1)], position="老师", term_start="", committee="总指导"
        )
    )
    people.append(
        Person(
            "T002", "程婷", teams[min(1, len(teams) - 1)], position="老师", term_start="", committee="组长"
        )
    )
    return people


def _numbers(rng: random.Random) -> Iterator[str]:
    """Unique ten-digit student numbers (学号), increasing with small gaps, of four entry years."""
    serial = 0
    while True:
        serial += rng.randint(1, 40)
        yield f"{rng.choice((2022, 2023, 2024, 2025))}{serial:06d}"


def write_roster(path: Path, size: int = SIZE, seed: int = SEED) -> Path:
    """The roster as a UTF-8 CSV file shaped like the sample roster."""
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        writer.writerows(person.row() for person in roster(size, seed))
    return path


# The database


def config_for(folder: Path, database_url: str) -> Path:
    """A ``kaohe`` configuration file pointing at ``database_url``."""
    path = folder / "config.toml"
    path.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    return path


def reset(database_url: str) -> None:
    """Empty the database: the SQLite file removed, or PostgreSQL's public schema dropped and re-created."""
    path = sqlite_path(database_url)
    if path is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def prepare(database_url: str) -> Engine:
    """An engine on the database brought to the newest schema; refused if it already holds a roster."""
    engine = make_engine(database_url)
    upgrade(engine)
    with Session(engine) as session:
        if session.exec(select(func.count()).select_from(Member)).one():
            raise SystemExit(f"{database_url} already holds a roster: pass --fresh to empty it first")
    return engine


def bind_members(engine: Engine) -> int:
    """Bind every member but every ``UNBOUND_EVERY``-th to a Telegram account; returns how many."""
    with Session(engine) as session:
        ids = session.exec(select(Member.id).order_by(col(Member.id))).all()
        now = datetime.now(UTC)
        rows = [
            {
                "member_id": member_id,
                "telegram_user_id": TELEGRAM_BASE + member_id,
                "chat_id": TELEGRAM_BASE + member_id,
                "language_code": "zh-hans",
                "bound_at": now,
            }
            for n, member_id in enumerate(ids)
            if n % UNBOUND_EVERY != UNBOUND_EVERY - 1
        ]
        _insert(session, TelegramBinding, rows)
        session.commit()
    return len(rows)


def _insert(session: Session, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(model), list(rows[start : start + CHUNK]))


def _run(config: Path, *arguments: str) -> None:
    """Run ``kaohe`` in this process, printing only the last line of what it says."""
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        status = kaohe(["--config", str(config), *arguments])
    print(said.getvalue().strip().splitlines()[-1] if said.getvalue().strip() else "")
    if status != 0:
        raise SystemExit(f"kaohe {' '.join(arguments)} failed")


def import_quietly(config: Path, roster_file: Path) -> None:
    """``kaohe roster import`` of ``roster_file``, in this process."""
    _run(config, "roster", "import", str(roster_file))


def open_quietly(config: Path, cycle: str = CYCLE) -> None:
    """``kaohe cycle open`` of ``cycle``, in this process."""
    _run(config, *open_arguments(cycle))


def open_arguments(name: str = CYCLE, now: datetime | None = None) -> list[str]:
    """``kaohe cycle open`` arguments for a cycle with its deadlines one, two and three weeks ahead."""
    now = now or datetime.now(UTC)
    due = [(now + timedelta(days=7 * n)).strftime("%Y-%m-%dT%H:%M%z") for n in (1, 2, 3)]
    return [
        "cycle",
        "open",
        "--name",
        name,
        "--self-due",
        due[0],
        "--score-due",
        due[1],
        "--review-due",
        due[2],
        "--scheme",
        str(DEFAULT_SCHEME),
    ]


# Seeding a scored cycle


def seed_scores(engine: Engine, cycle_name: str = CYCLE, seed: int = SEED) -> int:
    """Every examinee's self-assessment and score sheet submitted, in bulk; the cycle moved into review.

    Returns the number of item scores written.
    """
    rng = random.Random(seed + 1)
    with Session(engine) as session:
        cycle = session.exec(select(Cycle).where(Cycle.name == cycle_name)).one()
        scheme = scheme_of(cycle)
        leader = session.exec(select(Member.id).where(Member.committee_role == "leader")).first()
        examinees = session.exec(
            select(CycleExaminee.id, CycleExaminee.scorer_member_id)
            .where(CycleExaminee.cycle_id == cycle.id)
            .order_by(col(CycleExaminee.id))
        ).all()
        now = datetime.now(UTC)
        submitted = now - timedelta(days=2)
        _insert(
            session,
            SelfAssessment,
            [
                {
                    "examinee_id": examinee,
                    "status": "submitted",
                    "header_confirmed": True,
                    "started_at": submitted,
                    "updated_at": submitted,
                    "submitted_at": submitted,
                }
                for examinee, _ in examinees
            ],
        )
        assessments = session.exec(
            select(SelfAssessment.id)
            .join(CycleExaminee, col(CycleExaminee.id) == col(SelfAssessment.examinee_id))
            .where(CycleExaminee.cycle_id == cycle.id)
        ).all()
        sections = [section.key for section in scheme.self_assessment.sections]
        _insert(
            session,
            SelfAnswer,
            [
                {"assessment_id": assessment, "section": section, "text": ANSWER * 2, "updated_at": submitted}
                for assessment in assessments
                for section in sections
            ],
        )
        _insert(
            session,
            ScoreSheet,
            [
                {
                    "examinee_id": examinee,
                    "scorer_member_id": scorer or leader,
                    "status": "submitted",
                    "comment": "工作认真负责，完成了部门的各项任务。",
                    "started_at": submitted,
                    "updated_at": submitted,
                    "submitted_at": submitted,
                }
                for examinee, scorer in examinees
            ],
        )
        sheets = session.exec(
            select(ScoreSheet.id, ScoreSheet.scorer_member_id)
            .join(CycleExaminee, col(CycleExaminee.id) == col(ScoreSheet.examinee_id))
            .where(CycleExaminee.cycle_id == cycle.id)
            .order_by(col(ScoreSheet.id))
        ).all()
        items = scheme.rubric.items
        scores = []
        totals = []
        for sheet, scorer in sheets:
            quality = min(1.0, max(0.35, rng.gauss(0.8, 0.09)))  # totals around 80, mostly 65..95
            given = {}
            for item in items:
                share = min(1.0, max(0.0, quality + rng.gauss(0, 0.05)))
                points = given[item.key] = (item.points * Decimal(str(round(share, 3)))).quantize(
                    Decimal("0.1")
                )
                scores.append(
                    {
                        "sheet_id": sheet,
                        "item": item.key,
                        "points": points,
                        "scored_by_member_id": scorer,
                        "scored_at": submitted,
                    }
                )
            totals.append({"id": sheet, "scored": len(given), "total": str(total_score(given, scheme))})
        _insert(session, ItemScore, scores)
        session.execute(update(ScoreSheet), totals)  # what flows.scoring.sheet.give_score keeps
        session.execute(
            update(Cycle)
            .where(col(Cycle.id) == cycle.id)
            .values(
                self_due=now - timedelta(days=3),
                score_due=now - timedelta(days=1),
                review_due=now + timedelta(days=7),
            )
        )
        if engine.dialect.name == "postgresql":
            # the weeks this seed stands for give autovacuum time to gather the tables' statistics (this
            # machine's server runs without it): without them the planner takes ten thousand rows for none
            session.execute(text("ANALYZE"))
        session.commit()
    return len(scores)


# What benchmarks ask of it


def committee_telegram_id(session: Session, role: str = "leader") -> int:
    """The Telegram id of the first registered committee member in ``role`` (组长: a teacher)."""
    return (
        session.exec(
            select(TelegramBinding.telegram_user_id)
            .join(Member, col(Member.id) == col(TelegramBinding.member_id))
            .where(Member.committee_role == role)
            .order_by(col(Member.id))
        ).first()
        or 0
    )


def biggest_department(session: Session, cycle_id: int) -> tuple[str, str]:
    """The (team, department) with the most examinees in the cycle."""
    people = func.count()
    team, department = session.exec(
        select(CycleExaminee.team, CycleExaminee.department)
        .where(CycleExaminee.cycle_id == cycle_id, col(CycleExaminee.department).is_not(None))
        .group_by(col(CycleExaminee.team), col(CycleExaminee.department))
        .order_by(people.desc())
    ).first() or ("", "")
    return team, department or ""


# One call


@dataclass(frozen=True)
class Built:
    """What a benchmark needs to know of the organisation it starts from."""

    database_url: str
    cycle: str
    cadres: int
    biggest: tuple[str, str]  # (team, department)
    biggest_size: int
    committee_telegram_ids: dict[str, int]  # committee role → the Telegram id of one member in it
    item_scores: int


def build(
    database_url: str,
    size: int = SIZE,
    *,
    scored: bool = False,
    fresh: bool = False,
    cycle: str = CYCLE,
    seed: int = SEED,
) -> Built:
    """Import the organisation into ``database_url`` and open a cycle (scored in bulk with ``scored``)."""
    if fresh:
        reset(database_url)
    engine = prepare(database_url)
    people = roster(size, seed)
    with tempfile.TemporaryDirectory(prefix="kaohe-organisation-") as folder:
        config = config_for(Path(folder), database_url)
        import_quietly(config, write_roster(Path(folder) / "roster.csv", size, seed))
        bind_members(engine)
        open_quietly(config, cycle)
    item_scores = seed_scores(engine, cycle, seed) if scored else 0
    built = _describe(engine, database_url, cycle, people, item_scores)
    engine.dispose()
    return built


def _describe(engine: Engine, database_url: str, cycle: str, people: list[Person], item_scores: int) -> Built:
    places: dict[tuple[str, str], int] = {}
    for person in people:
        if person.department:
            places[(person.team, person.department)] = places.get((person.team, person.department), 0) + 1
    biggest = max(places, key=lambda place: places[place])
    with Session(engine) as session:
        rows = session.exec(
            select(Member.committee_role, TelegramBinding.telegram_user_id)
            .join(TelegramBinding, col(TelegramBinding.member_id) == col(Member.id))
            .where(col(Member.committee_role).is_not(None))
            .order_by(col(Member.id))
        ).all()
    committee: dict[str, int] = {}
    for role, telegram_id in rows:
        committee.setdefault(str(role), telegram_id)
    cadres = sum(1 for person in people if person.position != "老师")
    return Built(database_url, cycle, cadres, biggest, places[biggest], committee, item_scores)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="the database to build it in (SQLite or PostgreSQL URL)")
    parser.add_argument("--size", type=int, default=SIZE, help=f"cadres (default {SIZE})")
    parser.add_argument("--scored", action="store_true", help="seed every self-assessment and score sheet")
    parser.add_argument("--fresh", action="store_true", help="empty the database first (drops everything!)")
    parser.add_argument("--cycle", default=CYCLE, help=f"the cycle's name (default {CYCLE})")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--csv", type=Path, help="only write the roster file here")
    return parser.parse_args()


if __name__ == "__main__":
    args = arguments()
    if args.csv:
        write_roster(args.csv, args.size, args.seed)
        print(f"{args.csv}: {len(roster(args.size, args.seed))} people")
    elif not args.database_url:
        raise SystemExit("give --database-url (or --csv)")
    else:
        built = build(
            args.database_url,
            args.size,
            scored=args.scored,
            fresh=args.fresh,
            cycle=args.cycle,
            seed=args.seed,
        )
        print(built)
