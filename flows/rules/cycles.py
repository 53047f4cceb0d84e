"""Assessment cycles (考核周期): the scheme a cycle runs on, and what people see of its deadlines."""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from functools import lru_cache

from flows.rules.phase import Phase, phase_of
from flows.rules.scheme import Scheme, parse_scheme
from storage.models import Cycle


@lru_cache(maxsize=16)
def _parse(text: str, source: str) -> Scheme:
    return parse_scheme(tomllib.loads(text), source)


def scheme_of(cycle: Cycle) -> Scheme:
    """The scheme as it stood when ``cycle`` opened (its copy, not today's file)."""
    return _parse(cycle.scheme_text, f"cycle {cycle.name}")


def current_phase(cycle: Cycle, now: datetime) -> Phase:
    """The cycle's phase at ``now``, with the appeal window of its own scheme."""
    return phase_of(cycle, now, timedelta(days=scheme_of(cycle).appeals.window_days))


class CycleArchived(Exception):
    """A write to an archived cycle (已归档): refused, whoever tries it."""

    def __init__(self, cycle: Cycle) -> None:
        super().__init__(f"cycle {cycle.name} is archived")
        self.cycle = cycle


def ensure_writable(cycle: Cycle, now: datetime) -> None:
    """Refuse (raise ``CycleArchived``) any write to a cycle archived at or before ``now``.

    Every flow that writes to a cycle's records calls this first; the router turns the refusal
    into a reply, the command line into an error message.
    """
    if cycle.archived_at is not None and cycle.archived_at <= now:
        raise CycleArchived(cycle)
