"""Opening a cycle (开启考核: check the deadlines, freeze the roster, tell every examinee) and
reporting where it stands (``kaohe cycle status``)."""

from flows.cycles.opening import CycleError, Deadlines, OpenedCycle, open_cycle
from flows.cycles.status import cycle_status

__all__ = ["CycleError", "Deadlines", "OpenedCycle", "cycle_status", "open_cycle"]
