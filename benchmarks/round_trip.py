"""Benchmark: the interactive round trip of ``kaohe run`` beside a bare python-telegram-bot bot.

    .venv/bin/python benchmarks/round_trip.py [--reading contract|unpaced|both] [--runs 2]
        [--database-url URL] [--steady-seconds 15] [--instants 10] [--profile FILE]

Two readings (``--reading``, default both, one after the other), each with its own pair of bots:

* **contract** (the headline): Telegram's limits are the contract, so both fake Bot APIs enforce them
  (``tests/fakebotapi``, ``TELEGRAM_FLOOD_LIMITS`` with ``TELEGRAM_BURSTS``: 30 sends in any second,
  one a second in a chat with a burst of three in a private chat, 20 a minute in a group; above
  them a 429). kaohe runs as it ships (its own pacing, ``messages_per_second`` 28 of the 30); the
  bare bot with PTB's ``AIORateLimiter`` at 30 a second (``bare_ptb_bot.py --telegram-limits``):
  the framework's ceiling under the contract. Both are paced, so 1,000 updates take each about
  35 s, and the CPU per update is each bot's CPU over its own paced span (idle costs such as
  kaohe's timers included for both). Each bot's 429s are counted: kaohe must get none; the bare
  bot's are tried again by PTB after retry_after, and slow it down.
* **unpaced** (efficiency; ``--unpaced`` is short for ``--reading unpaced``): no limits at the fake
  APIs, kaohe with its pacing taken out (``benchmarks/kaohe_unpaced.py``), the bare bot without a
  limiter: what the hot path itself costs. On Telegram both would collect 429s.

kaohe runs by ``kaohe run`` (polling) on a database with 50 members of the sample roster registered
through the bot (SQLite in a temporary folder, or the PostgreSQL database at ``--database-url``,
which is emptied at each reading's start); the bare bot (``benchmarks/bare_ptb_bot.py``) answers
every message with one reply carrying a button. In each run of a reading the two take turns (the
order swapped each run) at four figures, plus the 429s they got:

* updates/s: 50 members each send ``/me`` 20 times at once; 1,000 updates over the time from the
  first send to the last reply;
* bot CPU ms per update: the bot process's user+system CPU time (``/proc``) from the first send to
  0.2 s after the last reply, over those 1,000;
* p99 latency at 20 members × 1 msg/s: each sends ``/me`` once a second, staggered, for
  ``--steady-seconds``; latency is from the send to the reply's arrival at the fake API;
* p99 latency with 20 members at the same instant: 20 ``/me`` sent together, ``--instants`` times,
  1.5 s apart.

It prints every run's figures and, per reading, their ranges over the runs and kaohe's ratio to the
bare bot against the goals (docs/performance.md, "Interactive round trip"). ``--profile FILE``
records kaohe with py-spy (if installed) into a speedscope file, one per reading (``FILE`` with the
reading's name before its suffix when both run); its CPU figure then includes the sampling.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "tests" / "e2e"), str(REPO / "benchmarks")]

from e2e_helpers import TOKEN, BotProcess, Operator, invitations  # noqa: E402
from fakebotapi import FakeBotApi, SimUser  # noqa: E402
from fakebotapi.faults import TELEGRAM_BURSTS, TELEGRAM_FLOOD_LIMITS  # noqa: E402
from machine import describe  # noqa: E402
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
p99 at the same instant <= 150 ms; under Telegram's limits, no 429 for kaohe"""


@dataclass(frozen=True)
class Reading:
    """Under which limits the two bots are measured."""

    name: str
    title: str
    limits: dict[str, float] | None  # what the fake Bot APIs enforce (None: nothing)

    @property
    def paced(self) -> bool:
        return self.limits is not None


READINGS = {
    "contract": Reading(
        "contract",
        "under Telegram's limits (enforced by the fake API); kaohe paced, bare PTB with AIORateLimiter",
        TELEGRAM_FLOOD_LIMITS | TELEGRAM_BURSTS,
    ),
    "unpaced": Reading(
        "unpaced", "no limits; kaohe without its pacing, bare PTB without a limiter (efficiency)", None
    ),
}


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
        self.refused = 0  # the 429s of the last play
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
        calls = len(self.api.store.calls)
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
        with self.api.store.lock:
            self.refused = sum(call.status == 429 for call in self.api.store.calls[calls:])
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


def _api(reading: Reading) -> FakeBotApi:
    api = FakeBotApi(TOKEN).start()
    if reading.limits is not None:
        api.flood_limits(**reading.limits)
    return api


def start_kaohe(folder: Path, args: argparse.Namespace, reading: Reading) -> Rig:
    rig = Rig("kaohe", _api(reading))
    api = rig.api
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAOHE_")}
    env |= {"KAOHE_BOT_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO)}
    url = args.database_url or f"sqlite:///{folder / 'kaohe.sqlite3'}"
    _fresh_database(url)
    config = BotProcess(api, folder, env, url).config  # writes the e2e tests' configuration, polling
    kaohe = Operator(config, env)
    kaohe("roster", "import", str(SAMPLE_ROSTER))
    members = invitations(kaohe)[:MEMBERS]
    command = [sys.executable, *(["-m", "bot.cli"] if reading.paced else [str(UNPACED)])]
    command += ["--config", str(config), "run"]
    profile = _profile_file(args, reading)
    if profile:
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        command = [spy, "record", "-o", profile, "-f", "speedscope", "-r", "200", "--", *command]
    with (folder / "bot.log").open("ab") as log:
        rig.process = subprocess.Popen(command, env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    rig.pid = _child_pid(rig.process.pid) if profile else rig.process.pid
    api.wait_for_call("getUpdates", timeout=60)
    for user, (_, _, code) in zip(rig.users, members, strict=True):
        user.send(f"/start {code}")
    rig.wait_for_answers({user.id: 1 for user in rig.users}, timeout=300)
    for user, (_, name, _) in zip(rig.users, members, strict=True):
        user.wait_for(name, timeout=120)
    return rig


def _profile_file(args: argparse.Namespace, reading: Reading) -> str | None:
    if not args.profile:
        return None
    path = Path(args.profile).resolve()
    return str(path if len(args.readings) == 1 else path.with_stem(f"{path.stem}-{reading.name}"))


def start_bare(reading: Reading) -> Rig:
    rig = Rig("bare PTB", _api(reading))
    api = rig.api
    command = [sys.executable, str(BARE_BOT), TOKEN, api.base_url]
    command += ["--telegram-limits"] if reading.paced else []
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


FIGURES = ["updates/s", "cpu ms/update", "p99 ms at 1 msg/s", "p99 ms at once", "429s"]


def summary(reading: Reading, results: dict[str, list[dict[str, float]]]) -> None:
    def span(values: list[float]) -> str:
        return f"{min(values):.1f}" if len(values) == 1 else f"{min(values):.1f}–{max(values):.1f}"

    ours = {figure: [run[figure] for run in results["kaohe"]] for figure in FIGURES}
    bare = {figure: [run[figure] for run in results["bare PTB"]] for figure in FIGURES}
    print(f"\n{reading.name}, over the runs (ranges): {reading.title}")
    print(f"{'':20}{'kaohe':>16}{'bare PTB':>16}{'ratio (per run)':>22}")
    for figure in FIGURES:
        ratios = [a / b if b else float("nan") for a, b in zip(ours[figure], bare[figure], strict=True)]
        ratio = "" if figure == "429s" else span(ratios)
        print(f"{figure:20}{span(ours[figure]):>16}{span(bare[figure]):>16}{ratio:>22}")
    checks: list[tuple[str, Callable[[int], bool]]] = [
        ("updates/s >= 0.8x", lambda i: ours["updates/s"][i] >= 0.8 * bare["updates/s"][i]),
        ("cpu <= 2x", lambda i: ours["cpu ms/update"][i] <= 2 * bare["cpu ms/update"][i]),
        ("p99 1 msg/s <= 50 ms", lambda i: ours["p99 ms at 1 msg/s"][i] <= 50),
        ("p99 at once <= 150 ms", lambda i: ours["p99 ms at once"][i] <= 150),
    ]
    if reading.paced:
        checks.append(("kaohe: no 429", lambda i: ours["429s"][i] == 0))
    runs = len(results["kaohe"])
    for label, check in checks:
        met = sum(check(i) for i in range(runs))
        print(f"  {label:24} met in {met} of {runs} runs")
    if reading.paced and any(bare["429s"]):
        refused = sum(bare["429s"])
        print(f"  bare PTB got {refused:.0f} × 429 (AIORateLimiter tried them again after retry_after)")


def measure(reading: Reading, args: argparse.Namespace, folder: Path) -> dict[str, list[dict[str, float]]]:
    """The reading's runs: a fresh pair of bots, each run both in turn at every figure."""
    folder.mkdir()
    rigs: list[Rig] = []
    try:
        rigs.append(start_kaohe(folder, args, reading))
        rigs.append(start_bare(reading))
        for rig in rigs:
            rig.warm_up()
        results: dict[str, list[dict[str, float]]] = {rig.name: [] for rig in rigs}
        for run in range(args.runs):
            order = rigs if run % 2 == 0 else rigs[::-1]
            figures: dict[str, dict[str, float]] = {rig.name: {} for rig in rigs}
            refused: dict[str, list[int]] = {rig.name: [] for rig in rigs}  # 429s in each phase
            for phase in (
                throughput,
                lambda rig: steady(rig, args.steady_seconds),
                lambda rig: instants(rig, args.instants),
            ):
                for rig in order:
                    figures[rig.name] |= phase(rig)
                    refused[rig.name].append(rig.refused)
                    time.sleep(1.0)
            print(f"{reading.name} run {run + 1} ({' first, '.join(rig.name for rig in order)} second):")
            for name, values in figures.items():
                values["429s"] = sum(refused[name])
                by_phase = " + ".join(map(str, refused[name]))
                print(
                    f"  {name:10}" + "  ".join(f"{k} {v:.1f}" for k, v in values.items()) + f" ({by_phase})"
                )
                results[name].append(values)
        whole = ", ".join(f"{rig.name} {sum(c.status == 429 for c in rig.api.calls())}" for rig in rigs)
        print(f"{reading.name}: 429s over the whole reading (registration and warm-up too): {whole}")
        return results
    finally:
        for rig in rigs:
            rig.stop()


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reading", choices=["contract", "unpaced", "both"], default="both")
    parser.add_argument("--unpaced", action="store_true", help="short for --reading unpaced")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument(
        "--database-url", help="PostgreSQL to use (emptied!); default SQLite in a temp folder"
    )
    parser.add_argument("--steady-seconds", type=float, default=15)
    parser.add_argument("--instants", type=int, default=10)
    parser.add_argument("--profile", help="record kaohe with py-spy into this speedscope file")
    args = parser.parse_args()
    reading = "unpaced" if args.unpaced else args.reading
    args.readings = [READINGS[reading]] if reading != "both" else list(READINGS.values())
    return args


def main() -> None:
    args = arguments()
    print(describe(), flush=True)
    with tempfile.TemporaryDirectory(prefix="kaohe-round-trip-") as folder:
        results = {
            reading.name: measure(reading, args, Path(folder) / reading.name) for reading in args.readings
        }
    print(GOALS)
    for reading in args.readings:
        summary(reading, results[reading.name])
    print(describe(), flush=True)


if __name__ == "__main__":
    main()
