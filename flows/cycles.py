"""Assessment cycles (考核周期): the scheme a cycle runs on, and what people see of its deadlines."""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from functools import lru_cache

from flows.phase import Phase, phase_of
from flows.scheme import Scheme, parse_scheme
from storage.cycle_models import Cycle


@lru_cache(maxsize=16)
def _parse(text: str, source: str) -> Scheme:
    return parse_scheme(tomllib.loads(text), source)


def scheme_of(cycle: Cycle) -> Scheme:
    """The scheme as it stood when ``cycle`` opened (its copy, not today's file)."""
    return _parse(cycle.scheme_text, f"cycle {cycle.name}")


def current_phase(cycle: Cycle, now: datetime) -> Phase:
    """The cycle's phase at ``now``, with the appeal window of its own scheme."""
    return phase_of(cycle, now, timedelta(days=scheme_of(cycle).appeals.window_days))
