"""The rules of an assessment, used by every part of the cycle (and importing none of them).

- ``scheme`` / ``scheme_checks``: the scheme (考核方案) — rubric, grade bands, quotas, forms, clocks —
  read from TOML and checked whole;
- ``grading``: item scores, totals, bands, department ratings and quotas (考核等级, 比例);
- ``phase`` / ``cycles``: a cycle's phase from its deadlines, its scheme, the archive guard;
- ``organisation``: who is assessed and who scores whom (直接上级);
- ``access``: who may see and do what; ``names``: positions and roles in Chinese and English.
"""

from flows.rules.access import is_committee
from flows.rules.cycles import CycleArchived, current_phase, ensure_writable, scheme_of
from flows.rules.phase import Phase
from flows.rules.scheme import Scheme, SchemeError, default_scheme, load_scheme

__all__ = [
    "CycleArchived",
    "Phase",
    "Scheme",
    "SchemeError",
    "current_phase",
    "default_scheme",
    "ensure_writable",
    "is_committee",
    "load_scheme",
    "scheme_of",
]
