"""What an examinee sees in ``/self``: the header to check, one question per section or rubric item,
the whole form with buttons to change any part of it and submit, and the submitted form."""

from __future__ import annotations

from flows.selfassess.examinee import Examinee
from flows.selfassess.form import rendered_form
from flows.selfassess.presses import SelfAction
from flows.ui.chat import Button, Reply
from flows.ui.keyboards import with_buttons

COLLEGE_MAX = 100  # characters of a college's name


def _button(examinee: Examinee, label_key: str, action: SelfAction, key: str | None = None) -> Button:
    return examinee.button(examinee.text(label_key), examinee.press(action, key))


def header(examinee: Examinee, prefix: str = "") -> Reply:
    """The form's header from the roster as frozen at opening, to confirm or correct."""
    sections = examinee.scheme.self_assessment.sections
    text = examinee.text(
        "self_header",
        sections=len(sections),
        min=min(s.min_length for s in sections),
        max=max(s.max_length for s in sections),
        due=examinee.due(),
        **examinee.form.header(),
    )
    buttons = (
        (_button(examinee, "self_header_ok", SelfAction.CONFIRM_HEADER),),
        (
            _button(examinee, "self_header_edit_term", SelfAction.EDIT_TERM),
            _button(examinee, "self_header_edit_college", SelfAction.EDIT_COLLEGE),
        ),
    )
    return Reply(prefix + text, buttons)


def question(examinee: Examinee, awaiting: str) -> Reply:
    """The question for what the conversation waits for: a section, a self-score, the term or the college."""
    kind, _, key = awaiting.partition(":")
    if kind == "section":
        return section_prompt(examinee, key)
    if kind == "score":
        return score_prompt(examinee, key)
    if kind == "term":
        return Reply(examinee.text("self_ask_term"))
    return Reply(examinee.text("self_ask_college", max=COLLEGE_MAX))


def section_prompt(examinee: Examinee, key: str) -> Reply:
    found = examinee.form.section(key)
    assert found is not None, key  # the conversation only waits for the scheme's sections
    number, section = found
    text = examinee.text(
        "self_section_prompt",
        number=number,
        total=len(examinee.scheme.self_assessment.sections),
        title=section.title.for_locale(examinee.locale),
        prompt=section.prompt.for_locale(examinee.locale),
        min=section.min_length,
        max=section.max_length,
    )
    return Reply(text)


def score_prompt(examinee: Examinee, key: str) -> Reply:
    rubric = examinee.scheme.rubric
    item = rubric.item(key)
    text = examinee.text(
        "self_score_prompt",
        number=[i.key for i in rubric.items].index(key) + 1,
        total=len(rubric.items),
        dimension=rubric.dimension_of(key).name.for_locale(examinee.locale),
        item=item.name.for_locale(examinee.locale),
        max=item.points,
        description=item.description.for_locale(examinee.locale),
        decimals=examinee.scheme.scoring.decimals,
    )
    values = sorted({item.points, *(anchor.points for anchor in item.anchors)}, reverse=True)
    row = tuple(
        examinee.button(f"{value}", examinee.press(SelfAction.TAP_SCORE, key, f"{value}")) for value in values
    )
    return Reply(text, (row,) if row else ())


def review(examinee: Examinee, prefix: str = "") -> list[Reply]:
    """The whole form, with a button to change each part and one to submit."""
    text = (
        prefix
        + rendered_form(examinee.form)
        + "\n\n"
        + examinee.text("self_review_footer", due=examinee.due())
    )
    buttons = [(_button(examinee, "self_edit_header", SelfAction.EDIT_HEADER),)]
    for section in examinee.scheme.self_assessment.sections:
        title = section.title.for_locale(examinee.locale)
        label = examinee.text("self_edit_section", title=title)
        buttons.append((examinee.button(label, examinee.press(SelfAction.EDIT_SECTION, section.key)),))
    if examinee.scheme.self_assessment.self_score:
        buttons.append((_button(examinee, "self_edit_scores", SelfAction.EDIT_SCORES),))
    buttons.append((_button(examinee, "self_submit", SelfAction.ASK_SUBMIT),))
    return [*with_buttons(text, buttons)]


def confirmation(examinee: Examinee) -> Reply:
    buttons = (
        (
            _button(examinee, "self_confirm_yes", SelfAction.SUBMIT),
            _button(examinee, "self_confirm_no", SelfAction.REVIEW),
        ),
    )
    return Reply(examinee.text("self_confirm"), buttons)


def submitted(examinee: Examinee) -> list[Reply]:
    """The submitted form, read only; a button to withdraw it while that is still allowed."""
    at = examinee.local(examinee.assessment.submitted_at)  # type: ignore[arg-type]
    text = rendered_form(examinee.form) + "\n\n" + examinee.text("self_submitted_view", at=at)
    buttons = ((_button(examinee, "self_withdraw", SelfAction.WITHDRAW),),) if examinee.open else ()
    return [*with_buttons(text, buttons)]
