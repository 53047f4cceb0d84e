"""The examinee (被考核人) at work on their self-assessment: the actor of ``/self``.

An ``Examinee`` is a member whom the current cycle assesses. Their form's row is read when first
needed and written only once a step changes something (``save``), so that a refused press or a
look at the header writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar, Self

from flows.actor import Actor
from flows.rules.cycles import ensure_writable
from flows.selfassess.form import Form
from flows.selfassess.presses import SelfAction, SelfPress
from flows.ui.chat import Incoming
from flows.ui.context import FlowContext
from flows.ui.refusal import Refused
from storage import cycles as cycle_store
from storage.models import CycleExaminee, SelfAssessment, SelfStatus


@dataclass
class Examinee(Actor):
    """A member filling in (or reading back) their self-assessment in the current cycle."""

    flow: ClassVar[str] = "self"
    not_member: ClassVar[str] = "self_not_member"
    no_cycle: ClassVar[str] = "self_no_cycle"

    @classmethod
    def resolve(cls, context: FlowContext, incoming: Incoming) -> Self:
        """The sender as an examinee of the current cycle; ``Refused`` when it does not assess them."""
        examinee = super().resolve(context, incoming)
        examinee.place  # noqa: B018 -- refused here, before any step, when the cycle does not assess them
        return examinee

    @cached_property
    def place(self) -> CycleExaminee:
        """Who they are in the cycle (name, team, department, position as the roster stood at opening)."""
        place = cycle_store.current_examinee(self.session, self.member.id)
        if place is None or place.cycle_id != self.cycle.id:
            raise Refused(self.no_cycle, reason="the current cycle does not assess them")
        return place

    @cached_property
    def assessment(self) -> SelfAssessment:
        """Their form's row, or a new one that ``save`` writes."""
        stored = cycle_store.self_assessment(self.session, self.place.id)
        return stored or SelfAssessment(examinee_id=self.place.id, started_at=self.now, updated_at=self.now)

    @cached_property
    def form(self) -> Form:
        return Form(
            self.context, self.locale, self.place, self.cycle, self.scheme, self.assessment, self.user
        )

    @property
    def submitted(self) -> bool:
        return self.assessment.status == SelfStatus.SUBMITTED

    @property
    def open(self) -> bool:
        """Whether the self-assessment deadline is still ahead."""
        return self.now < self.cycle.self_due

    def due(self) -> str:
        return self.local(self.cycle.self_due)

    def press(self, action: SelfAction, key: str | None = None, points: str | None = None) -> SelfPress:
        """What one of their buttons in this cycle stands for."""
        return SelfPress(self.cycle.id, action, key, points)

    def save(self) -> SelfAssessment:
        """Write their form's row (the first time: the self-assessment starts now)."""
        ensure_writable(self.cycle, self.now)
        self.session.add(self.assessment)
        self.session.flush()
        return self.assessment
