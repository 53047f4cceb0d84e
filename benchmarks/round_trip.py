"""Benchmark: the interactive round trip of ``kaohe run`` beside a bare python-telegram-bot bot.

    .venv/bin/python benchmarks/round_trip.py [--runs 2] [--database-url URL] [--unpaced]
        [--steady-seconds 15] [--instants 10] [--profile FILE]

Starts two fake Bot APIs (tests/fakebotapi, flood limits off), ``kaohe run`` (polling) on a database
with 50 members of the sample roster registered through the bot (SQLite in a temporary folder, or
the PostgreSQL database at ``--database-url``, which is emptied), and ``benchmarks/bare_ptb_bot.py``,
which answers every message with one reply carrying a button: what the framework itself costs. Then,
in each run, the two take turns (the order swapped each run) at four figures:

* updates/s: 50 members each send ``/me`` 20 times at once; 1,000 updates over the time from the
  first send to the last reply;
* bot CPU ms per update: the bot process's user+system CPU time (``/proc``) over those 1,000;
* p99 latency at 20 members × 1 msg/s: each sends ``/me`` once a second, staggered, for
  ``--steady-seconds``; latency is from the send to the reply's arrival at the fake API;
* p99 latency with 20 members at the same instant: 20 ``/me`` sent together, ``--instants`` times.

It prints every run's figures and, over the runs, their ranges and kaohe's ratio to the bare bot
against the goals (docs/performance.md, "Interactive round trip"). ``--unpaced`` runs kaohe with its
reply pacing taken out (``benchmarks/kaohe_unpaced.py``); ``--profile FILE`` records kaohe with
py-spy (if installed) into a speedscope file (its CPU figure then includes the sampling).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "tests" / "e2e")]

from e2e_helpers import TOKEN, BotProcess, Operator, invitations  # noqa: E402
from fakebotapi import FakeBotApi, SimUser  # noqa: E402
from sqlalchemy import text  # noqa: E402

from storage.db import make_engine, upgrade  # noqa: E402
from storage.models import metadata  # noqa: E402

MEMBERS, REPEATS = 50, 20  # the throughput load: 50 members × 20 /me at once
STEADY_MEMBERS = 20
FIRST_USER = 8_000
SAMPLE_ROSTER = REPO / "bot" / "sandbox" / "sample-roster.csv"
BARE_BOT = REPO / "benchmarks" / "bare_ptb_bot.py"
UNPACED = REPO / "benchmarks" / "kaohe_unpaced.py"
TICK = os.sysconf("SC_CLK_TCK")
GOALS = """goals: updates/s >= 0.8 x bare PTB; CPU/update <= 2 x bare PTB; p99 at 1 msg/s <= 50 ms;
p99 at the same instant <= 150 ms"""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98] if len(samples) > 1 else samples[0]


class Rig:
    """A bot under test, its fake Bot API, its members' chats and when each answer reached the API."""

    def __init__(self, name: str, api: FakeBotApi) -> None:
        self.name = name
        self.api = api
        self.process: subprocess.Popen[bytes] | None = None
        self.pid = 0
        self.users: list[SimUser] = [api.user(FIRST_USER + n, f"Member {n}") for n in range(MEMBERS)]
        self.answered: dict[int, list[float]] = defaultdict(list)  # chat → monotonic time of each output
        self.per_message = 1  # outputs the bot sends for one /me
        recorded = api.store.record_output

        def record_output(chat: Any, stored: Any) -> None:
            self.answered[chat.id].append(time.monotonic())
            recorded(chat, stored)

        api.store.record_output = record_output  # type: ignore[method-assign]

    def forget_answers(self) -> None:
        with self.api.store.lock:
            self.answered.clear()

    def answers(self, user: SimUser) -> int:
        return len(self.answered[user.id])

    def wait_for_answers(self, expected: dict[int, int], timeout: float) -> None:
        def all_there() -> bool | None:
            return all(len(self.answered[chat]) >= count for chat, count in expected.items()) or None

        def failure() -> str:
            missing = sum(max(0, count - len(self.answered[chat])) for chat, count in expected.items())
            return f"{self.name}: {missing} answers missing after {timeout}s"

        self.api.store.wait(all_there, timeout, failure)

    def warm_up(self) -> None:
        """Every member sends /me once; the bot must answer each with the same number of messages."""
        self.forget_answers()
        for user in self.users:
            user.send("/me")
        self.wait_for_answers({user.id: 1 for user in self.users}, timeout=120)
        time.sleep(1.0)
        counts = {self.answers(user) for user in self.users}
        if len(counts) != 1:
            raise SystemExit(f"{self.name}: /me answered with differing numbers of messages: {counts}")
        self.per_message = counts.pop()

    def play(self, sends: Iterable[tuple[float, SimUser]], timeout: float = 300) -> tuple[list[float], float]:
        """Send /me on the schedule (seconds from now, member); each one's latency and the span from the
        first send to the last answer."""
        self.forget_answers()
        sent: dict[int, list[float]] = defaultdict(list)
        start = time.monotonic()
        for offset, user in sends:
            delay = start + offset - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            sent[user.id].append(time.monotonic())
            user.send("/me")
        expected = {chat: len(times) * self.per_message for chat, times in sent.items()}
        self.wait_for_answers(expected, timeout)
        latencies = [
            self.answered[chat][(n + 1) * self.per_message - 1] - at
            for chat, times in sent.items()
            for n, at in enumerate(times)
        ]
        last = max(self.answered[chat][count - 1] for chat, count in expected.items())
        return latencies, last - start

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.api.stop()


def _fresh_database(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    if engine.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


def _child_pid(pid: int) -> int:
    """The process py-spy started (the one to measure and stop)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise SystemExit("py-spy started no process")


def start_kaohe(folder: Path, args: argparse.Namespace) -> Rig:
    api = FakeBotApi(TOKEN).start()
    rig = Rig("kaohe", api)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAOHE_")}
    env |= {"KAOHE_BOT_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO)}
    url = args.database_url or f"sqlite:///{folder / 'kaohe.sqlite3'}"
    _fresh_database(url)
    config = BotProcess(api, folder, env, url).config  # writes the e2e tests' configuration, polling
    kaohe = Operator(config, env)
    kaohe("roster", "import", str(SAMPLE_ROSTER))
    members = invitations(kaohe)[:MEMBERS]
    command = [sys.executable, str(UNPACED) if args.unpaced else "-m", *([] if args.unpaced else ["bot.cli"])]
    command += ["--config", str(config), "run"]
    if args.profile:
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        command = [spy, "record", "-o", args.profile, "-f", "speedscope", "-r", "200", "--", *command]
    with (folder / "bot.log").open("ab") as log:
        rig.process = subprocess.Popen(command, env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    rig.pid = _child_pid(rig.process.pid) if args.profile else rig.process.pid
    api.wait_for_call("getUpdates", timeout=60)
    for user, (_, _, code) in zip(rig.users, members, strict=True):
        user.send(f"/start {code}")
    rig.wait_for_answers({user.id: 1 for user in rig.users}, timeout=300)
    for user, (_, name, _) in zip(rig.users, members, strict=True):
        user.wait_for(name, timeout=120)
    return rig


def start_bare() -> Rig:
    api = FakeBotApi(TOKEN).start()
    rig = Rig("bare PTB", api)
    command = [sys.executable, str(BARE_BOT), TOKEN, api.base_url]
    rig.process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    rig.pid = rig.process.pid
    api.wait_for_call("getUpdates", timeout=60)
    return rig


def throughput(rig: Rig) -> dict[str, float]:
    """50 members × 20 /me at once: updates a second, and the bot's CPU ms per update."""
    sends = [(0.0, user) for _ in range(REPEATS) for user in rig.users]
    cpu = cpu_seconds(rig.pid)
    _, span = rig.play(sends)
    time.sleep(0.2)  # the bookkeeping after the last answer (the inbox row marked done) counts too
    used = cpu_seconds(rig.pid) - cpu
    return {"updates/s": len(sends) / span, "cpu ms/update": used * 1000 / len(sends)}


def steady(rig: Rig, seconds: float) -> dict[str, float]:
    """20 members × 1 msg/s, evenly staggered: p99 latency."""
    members = rig.users[:STEADY_MEMBERS]
    sends = sorted(
        (
            (second + n / STEADY_MEMBERS, user)
            for second in range(int(seconds))
            for n, user in enumerate(members)
        ),
        key=lambda send: send[0],
    )
    latencies, _ = rig.play(sends)
    return {"p99 ms at 1 msg/s": p99(latencies) * 1000}


def instants(rig: Rig, rounds: int) -> dict[str, float]:
    """20 members at the same instant, ``rounds`` times 1.5 s apart: p99 latency."""
    members = rig.users[:STEADY_MEMBERS]
    sends = [(1.5 * round_, user) for round_ in range(rounds) for user in members]
    latencies, _ = rig.play(sends)
    return {"p99 ms at once": p99(latencies) * 1000}


FIGURES = ["updates/s", "cpu ms/update", "p99 ms at 1 msg/s", "p99 ms at once"]


def summary(results: dict[str, list[dict[str, float]]]) -> None:
    def span(values: list[float]) -> str:
        return f"{min(values):.1f}" if len(values) == 1 else f"{min(values):.1f}–{max(values):.1f}"

    print("\nover the runs (ranges):")
    print(f"{'':20}{'kaohe':>16}{'bare PTB':>16}{'ratio (per run)':>22}")
    for figure in FIGURES:
        ours = [run[figure] for run in results["kaohe"]]
        bare = [run[figure] for run in results["bare PTB"]]
        ratios = [a / b for a, b in zip(ours, bare, strict=True)]
        print(f"{figure:20}{span(ours):>16}{span(bare):>16}{span(ratios):>22}")
    print(GOALS)
    ours = {figure: [run[figure] for run in results["kaohe"]] for figure in FIGURES}
    bare = {figure: [run[figure] for run in results["bare PTB"]] for figure in FIGURES}
    checks: list[tuple[str, Callable[[int], bool]]] = [
        ("updates/s >= 0.8x", lambda i: ours["updates/s"][i] >= 0.8 * bare["updates/s"][i]),
        ("cpu <= 2x", lambda i: ours["cpu ms/update"][i] <= 2 * bare["cpu ms/update"][i]),
        ("p99 1 msg/s <= 50 ms", lambda i: ours["p99 ms at 1 msg/s"][i] <= 50),
        ("p99 at once <= 150 ms", lambda i: ours["p99 ms at once"][i] <= 150),
    ]
    runs = len(results["kaohe"])
    for label, check in checks:
        met = sum(check(i) for i in range(runs))
        print(f"  {label:24} met in {met} of {runs} runs")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument(
        "--database-url", help="PostgreSQL to use (emptied!); default SQLite in a temp folder"
    )
    parser.add_argument("--unpaced", action="store_true", help="kaohe without its reply pacing")
    parser.add_argument("--steady-seconds", type=float, default=15)
    parser.add_argument("--instants", type=int, default=10)
    parser.add_argument("--profile", help="record kaohe with py-spy into this speedscope file")
    return parser.parse_args()


def main() -> None:
    args = arguments()
    if args.profile:
        args.profile = str(Path(args.profile).resolve())
    with tempfile.TemporaryDirectory(prefix="kaohe-round-trip-") as folder:
        rigs: list[Rig] = []
        try:
            rigs.append(start_kaohe(Path(folder), args))
            rigs.append(start_bare())
            for rig in rigs:
                rig.warm_up()
            results: dict[str, list[dict[str, float]]] = {rig.name: [] for rig in rigs}
            for run in range(args.runs):
                order = rigs if run % 2 == 0 else rigs[::-1]
                figures: dict[str, dict[str, float]] = {rig.name: {} for rig in rigs}
                for measure in (
                    throughput,
                    lambda rig: steady(rig, args.steady_seconds),
                    lambda rig: instants(rig, args.instants),
                ):
                    for rig in order:
                        figures[rig.name] |= measure(rig)
                        time.sleep(1.0)
                print(f"run {run + 1} ({' first, '.join(rig.name for rig in order)} second):")
                for name, values in figures.items():
                    print(f"  {name:10}" + "  ".join(f"{k} {v:.1f}" for k, v in values.items()))
                    results[name].append(values)
            summary(results)
        finally:
            for rig in rigs:
                rig.stop()


if __name__ == "__main__":
    main()
