"""One examinee's self-assessment form (自我评定表, 附表一) as anyone reads it: its header, sections
and self-scores, what is still missing, and the whole form rendered as it is archived (also what
scorers, the committee and the appeal desk read).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flows.rules.names import name_of
from flows.rules.scheme import Scheme, Section
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from storage import cycles as store
from storage.models import Cycle, CycleExaminee, Position, SelfAssessment


@dataclass
class Form:
    """``examinee``'s form in ``cycle``, read in ``locale`` from the chat of the Telegram account ``user``.

    ``assessment`` may be one not saved yet (no id): then nothing is answered.
    """

    context: FlowContext
    locale: str
    examinee: CycleExaminee
    cycle: Cycle
    scheme: Scheme
    assessment: SelfAssessment
    user: int

    @property
    def answers(self) -> dict[str, str]:
        """The sections answered so far, by section key."""
        if self.assessment.id is None:
            return {}
        return store.answers(self.context.session, self.assessment.id)

    @property
    def scores(self) -> dict[str, Decimal]:
        """The self-scores given so far (when the scheme asks for them), by rubric item key."""
        if self.assessment.id is None:
            return {}
        return store.self_scores(self.context.session, self.assessment.id)

    def section(self, key: str) -> tuple[int, Section] | None:
        """The section named ``key`` and its number on the form (from 1); None when there is none."""
        for number, section in enumerate(self.scheme.self_assessment.sections, start=1):
            if section.key == key:
                return number, section
        return None

    def next_step(self) -> str:
        """``header``, then ``section:<key>`` for the first unanswered section, then ``score:<item>``
        for the first item not self-scored (when the scheme asks), then ``review``."""
        if not self.assessment.header_confirmed:
            return "header"
        answers = self.answers
        for section in self.scheme.self_assessment.sections:
            if section.key not in answers:
                return f"section:{section.key}"
        if self.scheme.self_assessment.self_score:
            scores = self.scores
            for item in self.scheme.rubric.items:
                if item.key not in scores:
                    return f"score:{item.key}"
        return "review"

    def header(self) -> dict[str, object]:
        """The header's fields (姓名, 部门, 职务, 任职时间, 院部), with the examinee's corrections."""
        examinee, assessment = self.examinee, self.assessment
        return {
            "cycle": self.cycle.name,
            "name": examinee.name,
            "department": examinee.department or examinee.team,
            "position": name_of(Position(examinee.position), self.locale),
            "term_start": assessment.term_start if assessment.term_start is not None else examinee.term_start,
            "college": assessment.college if assessment.college is not None else examinee.college,
        }


def rendered_form(form: Form) -> str:
    """The whole form as it will be archived (also what scorers and the committee read)."""
    locale, filled = form.locale, form.assessment.submitted_at or form.context.now
    blocks = [
        render(locale, "self_review_title", cycle=form.cycle.name),
        render(locale, "self_review_header", filled=form.context.local_time(filled)[:10], **form.header()),
    ]
    answers = form.answers
    for section in form.scheme.self_assessment.sections:
        title = section.title.for_locale(locale)
        blocks.append(render(locale, "self_review_section", title=title, text=answers.get(section.key, "")))
    if form.scheme.self_assessment.self_score:
        scores, rubric = form.scores, form.scheme.rubric
        blocks.append(
            render(locale, "self_review_scores", total=sum(scores.values(), Decimal(0)), max=rubric.total)
        )
        blocks.extend(
            render(
                locale,
                "self_review_score_line",
                item=item.name.for_locale(locale),
                points=scores.get(item.key, "—"),
                max=item.points,
            )
            for item in rubric.items
        )
    return "\n\n".join(blocks)
