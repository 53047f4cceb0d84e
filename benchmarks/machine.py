"""What the machine was like while a benchmark ran: printed beside its figures.

Goals in seconds are only comparable between machines as fast as each other, and a shared machine is
as fast as what else runs on it. So every benchmark prints, when it starts and ends, the time, the
load average, the kernel's CPU pressure (the share of time something waited for a core) and a
calibration: the CPU seconds this interpreter takes for a fixed pure-Python loop (10**7 additions).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PRESSURE = Path("/proc/pressure/cpu")
LOOP = 10**7


def calibration() -> float:
    """CPU seconds of ``LOOP`` additions in pure Python: the less, the faster the machine (0.53–0.66 s
    on the 2-core machine of 2026-11-28, busy)."""
    started = time.process_time()
    total = 0
    for number in range(LOOP):
        total += number
    return time.process_time() - started


def pressure() -> str:
    """The kernel's CPU pressure over the last 10 s (``some avg10``), where it tells."""
    try:
        fields = dict(part.split("=") for part in PRESSURE.read_text().split("\n")[0].split()[1:])
    except (OSError, ValueError):
        return "n/a"
    return f"{fields.get('avg10', '?')} %"


def describe() -> str:
    """One line about the machine now."""
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}; load average {load}; "
        f"CPU pressure {pressure()}; {os.cpu_count()} cores; "
        f"pure-Python loop of {LOOP:,} additions {calibration():.2f} s CPU"
    )


if __name__ == "__main__":
    print(describe())
