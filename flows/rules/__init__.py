"""The rules of an assessment, used by every part of the cycle (and importing none of them).

- ``scheme`` / ``scheme_checks``: the scheme (考核方案) — rubric, grade bands, quotas, forms, clocks —
  read from TOML and checked whole;
- ``grading``: item scores, totals, bands, department ratings and quotas (考核等级, 比例);
- ``phase`` / ``cycles``: a cycle's phase from its deadlines, its scheme, the archive guard;
- ``organisation``: who is assessed and who scores whom (直接上级);
- ``term``: a term of office (任职时间) as people write it;
- ``access``: who may see and do what; ``names``: positions and roles in Chinese and English.

Each module is imported by name, none here.
"""
