"""Benchmark: every set-wide step of a 10,245-cadre organisation, each in its own process, against its goal.

    .venv/bin/python benchmarks/scale.py [--database-url URL ...] [--size N] [--steps a,b,...] [--existing]

For each database (SQLite in a temporary folder unless URLs are given; a given database is EMPTIED
first) it builds the organisation of ``benchmarks/organisation.py`` step by step and times:

- ``roster import``: ``kaohe roster import`` of the whole roster into the empty database;
- ``cycle open``: ``kaohe cycle open`` (most members registered, so most get a notice queued);
- then the cycle is scored in bulk (not timed) and stands in review, and
- ``load_board``: the review board of the whole cycle (``flows.results.board.load_board``);
- ``review overview``: ``/review`` from a committee member, through ``flows.router.handle``;
- ``biggest department``: that member pressing the biggest department (about 890 people);
- ``cycle status``, ``invites`` (``kaohe invites --format csv``), ``export`` (``kaohe export``).

Each step runs in a fresh process; its peak RSS is that process's own (``os.wait4``). The time of a
command is the whole process's wall time (what an operator waits); the time of a flow step is the
call's own, measured inside its process (the interpreter's start-up is not what a person in the chat
waits for). Timings on a shared machine are noisy: run it twice and report ranges.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

import organisation  # noqa: E402
from machine import describe  # noqa: E402

from storage.db import make_engine  # noqa: E402

KAOHE = [sys.executable, "-m", "bot.cli"]  # run from REPO: this tree's code, whatever is installed
MB = 1024  # ru_maxrss is in KiB on Linux


@dataclass(frozen=True)
class Goal:
    seconds: float | None = None
    megabytes: float | None = None

    def text(self) -> str:
        parts = [
            f"≤ {self.seconds:g} s" if self.seconds else "",
            f"≤ {self.megabytes:g} MB" if self.megabytes else "",
        ]
        return ", ".join(part for part in parts if part) or "-"


GOALS = {
    "roster import": Goal(seconds=10),
    "cycle open": Goal(seconds=3),
    "load_board": Goal(seconds=0.5),
    "review overview": Goal(seconds=0.5),
    "biggest department": Goal(seconds=0.5),
    "cycle status": Goal(megabytes=200),
    "invites": Goal(),
    "export": Goal(seconds=20, megabytes=200),
}
STEPS = tuple(GOALS)


@dataclass(frozen=True)
class Figure:
    step: str
    seconds: float | None  # None: it failed or timed out
    cpu: float  # this process's CPU seconds (user + system): steadier than wall time on a busy machine
    megabytes: float
    note: str = ""


def measure(step: str, command: list[str], timeout: float) -> Figure:
    """Run ``command`` in its own process: its wall time (or the time it reports) and its peak RSS."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=REPO)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                return Figure(step, None, _cpu(usage), usage.ru_maxrss / MB, f"timed out after {timeout:g} s")
            time.sleep(0.02)
        wall = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        said = out.read().decode(errors="replace").strip().splitlines()
        if process.returncode:
            err.seek(0)
            last = (err.read().decode(errors="replace").strip().splitlines() or ["?"])[-1]
            return Figure(
                step, None, _cpu(usage), usage.ru_maxrss / MB, f"exit {process.returncode}: {last[:80]}"
            )
    reported = [
        dict(pair.split("=") for pair in line.split()) for line in said if line.startswith("seconds=")
    ]
    if reported:
        return Figure(step, float(reported[-1]["seconds"]), float(reported[-1]["cpu"]), usage.ru_maxrss / MB)
    return Figure(step, wall, _cpu(usage), usage.ru_maxrss / MB)


def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


# The flow steps, run as ``scale.py --child STEP --database-url URL``


def child(step: str, database_url: str) -> None:
    """Run one flow step in this process and print ``seconds=... cpu=...`` for the call itself."""
    from sqlmodel import Session

    from flows.results.board import load_board
    from flows.review.presses import ReviewPress, View
    from flows.router import handle
    from flows.ui.chat import Content, Incoming, Reply
    from flows.ui.context import FlowContext
    from storage import cycles
    from storage.db import make_engine

    engine = make_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        cycle = cycles.latest_cycle(session)
        assert cycle is not None, "no cycle"
        context = FlowContext(session=session, now=datetime.now(UTC))
        member = organisation.committee_telegram_id(session)
        if step == "load_board":
            started, used = time.perf_counter(), time.process_time()
            board = load_board(session, cycle)
            seconds, cpu = time.perf_counter() - started, time.process_time() - used
            assert len(board.entries) > 0
        elif step == "review overview":
            started, used = time.perf_counter(), time.process_time()
            shown = handle(context, Incoming(member, member, text="/review"))
            seconds, cpu = time.perf_counter() - started, time.process_time() - used
            assert isinstance(shown[0], Reply) and shown[0].live == "review", shown[:1]
        else:
            board = load_board(session, cycle)
            team, department = organisation.biggest_department(session, cycle.id)
            place = next(n for n, group in enumerate(board.groups) if group.key == (team, department))
            press = ReviewPress(cycle=cycle.id, view=View.GROUP, place=place).pack()
            incoming = Incoming(member, member, content=Content.BUTTON, text=press)
            session.rollback()  # a fresh transaction, as each update has
            context = FlowContext(session=session, now=datetime.now(UTC))
            started, used = time.perf_counter(), time.process_time()
            shown = handle(context, incoming)
            seconds, cpu = time.perf_counter() - started, time.process_time() - used
            assert isinstance(shown[0], Reply) and department in shown[0].text, shown[:1]
        session.rollback()
    engine.dispose()
    print(f"seconds={seconds:.4f} cpu={cpu:.4f}")


# One database, step by step


def run(
    database_url: str, size: int, steps: set[str], timeout: float, *, existing: bool = False
) -> list[Figure]:
    """Build the organisation in the emptied database step by step, timing each; with ``existing``, time
    only the steps on the scored cycle the database already holds (built by ``organisation.py --scored``)."""
    figures = []
    if existing:
        steps = steps - {"roster import", "cycle open"}
    else:
        organisation.reset(database_url)
    engine = make_engine(database_url) if existing else organisation.prepare(database_url)
    with tempfile.TemporaryDirectory(prefix="kaohe-scale-") as folder:
        config = organisation.config_for(Path(folder), database_url)
        with config.open("a", encoding="utf-8") as file:
            file.write('\n[telegram]\nbot_username = "kaohe_benchmark_bot"\n')
        roster = organisation.write_roster(Path(folder) / "roster.csv", size)
        kaohe = [*KAOHE, "--config", str(config)]

        def step(name: str, command: list[str]) -> None:
            if name in steps:
                figures.append(measure(name, command, timeout))
                print(f"  {_line(figures[-1])}", flush=True)

        def flow(name: str) -> None:
            step(name, [sys.executable, __file__, "--child", name, "--database-url", database_url])

        if not existing:
            step("roster import", [*kaohe, "roster", "import", str(roster)])
            if "roster import" not in steps:
                organisation.import_quietly(config, roster)
            organisation.bind_members(engine)
            step("cycle open", [*kaohe, *organisation.open_arguments()])
            if "cycle open" not in steps:
                organisation.open_quietly(config)
            organisation.seed_scores(engine)
        for name in ("load_board", "review overview", "biggest department"):
            flow(name)
        step("cycle status", [*kaohe, "cycle", "status"])
        step("invites", [*kaohe, "invites", "--format", "csv", "--out", str(Path(folder) / "invites.csv")])
        step(
            "export", [*kaohe, "export", "--cycle", organisation.CYCLE, "--out", str(Path(folder) / "export")]
        )
    engine.dispose()
    return figures


def _line(figure: Figure) -> str:
    seconds = "failed" if figure.seconds is None else f"{figure.seconds:8.2f} s"
    goal = GOALS[figure.step].text()
    return (
        f"{figure.step:<20} {seconds:>10} (cpu {figure.cpu:6.2f} s) {figure.megabytes:5.0f} MB"
        f"   goal {goal} {figure.note}"
    )


def table(results: dict[str, list[Figure]]) -> str:
    names = list(results)
    head = f"| step | {' | '.join(f'{name} s (cpu s) / MB' for name in names)} | goal |"
    lines = [head, "|" + "---|" * (len(names) + 2)]
    by_step: dict[str, dict[str, Figure]] = {}
    for name, figures in results.items():
        for figure in figures:
            by_step.setdefault(figure.step, {})[name] = figure
    for step in STEPS:
        if step not in by_step:
            continue
        cells = []
        for name in names:
            found = by_step[step].get(name)
            if found is None:
                cells.append("-")
            elif found.seconds is None:
                cells.append(f"failed ({found.note}) / {found.megabytes:.0f}")
            else:
                cells.append(f"{found.seconds:.2f} ({found.cpu:.2f}) / {found.megabytes:.0f}")
        lines.append(f"| {step} | {' | '.join(cells)} | {GOALS[step].text()} |")
    return "\n".join(lines)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        action="append",
        help="a database to EMPTY and use (repeat for several); default SQLite",
    )
    parser.add_argument("--size", type=int, default=organisation.SIZE, help="cadres (default 10245)")
    parser.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated, of: {', '.join(STEPS)}")
    parser.add_argument("--timeout", type=float, default=600, help="seconds a step may take (default 600)")
    parser.add_argument(
        "--existing", action="store_true", help="use the scored organisation the database holds (not emptied)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = arguments()
    if args.child:
        child(args.child, args.database_url[0])
        return
    steps = {step.strip() for step in args.steps.split(",")}
    unknown = steps - set(STEPS)
    if unknown:
        raise SystemExit(f"unknown steps: {', '.join(sorted(unknown))}")
    results: dict[str, Any] = {}
    print(describe(), flush=True)
    with tempfile.TemporaryDirectory(prefix="kaohe-scale-db-") as folder:
        urls = args.database_url or [f"sqlite:///{folder}/scale.sqlite3"]
        for url in urls:
            kind = url.split(":", 1)[0].split("+", 1)[0]
            print(f"{kind}: {args.size} cadres", flush=True)
            figures = run(url, args.size, steps, args.timeout, existing=args.existing)
            results[kind if kind not in results else url] = figures
    print(describe())
    print()
    print(table(results))
    print(json.dumps({name: [figure.__dict__ for figure in figures] for name, figures in results.items()}))


if __name__ == "__main__":
    main()
