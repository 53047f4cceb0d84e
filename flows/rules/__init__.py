"""The rules of an assessment, used by every part of the cycle: the scheme (rubric, grade bands, quotas,
deadlines), grading, phases, the organisation and who scores whom, access, names of positions and roles.
"""
