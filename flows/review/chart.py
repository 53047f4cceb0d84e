"""The grade distribution of a team in ``/review``, as a chart with one line per department under it."""

from __future__ import annotations

from flows.review.reviewer import Reviewer
from flows.review.screens import department_label, group_line
from flows.rules.grading import grade_counts
from flows.ui.charts import Bar, Grade, distribution_chart
from flows.ui.chat import Attachment, AttachmentKind, Reply
from flows.ui.keyboards import with_buttons
from flows.ui.text import visible_length

CAPTION_LIMIT = 1024  # Telegram's limit for a photo's caption


def chart(reviewer: Reviewer, team_index: int) -> list[Reply]:
    """The team's grade distribution as a picture (the cycle and team in its title, the grades by
    name), and one line per department in its caption."""
    board = reviewer.board()
    team = board.teams()[team_index]
    groups = [group for group in board.groups if group.team == team]
    names = [department_label(reviewer, group) for group in groups]
    bars = [
        Bar(name, grade_counts([e.grade for e in group.entries if e.submitted], board.scheme))
        for name, group in zip(names, groups, strict=True)
    ]
    grades = [
        Grade(grade.key, f"{grade.key} {grade.name.for_locale(reviewer.locale)}")
        for grade in board.scheme.grades
    ]
    image = distribution_chart(bars, grades, title=f"{reviewer.cycle.name} · {team}")
    attachment = Attachment(AttachmentKind.PHOTO, f"grades-{team_index + 1}.png", image)
    lines = [
        group_line(reviewer, board, group, label=name) for name, group in zip(names, groups, strict=True)
    ]
    heading = reviewer.text("review_chart_caption", team=team)
    caption = heading + "\n" + "\n".join(lines)
    if visible_length(caption) <= CAPTION_LIMIT:
        return [Reply(caption, attachment=attachment)]
    return [Reply(heading, attachment=attachment), *with_buttons("\n".join(lines))]
