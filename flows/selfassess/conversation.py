"""The self-assessment conversation (自我评定, form 附表一), behind ``/self``.

The examinee checks the form's header (姓名, 部门, 职务, 任职时间, 院部) and may correct the term and
college; answers the form's sections one at a time; scores themselves on each rubric item when
the scheme asks; reviews the whole form, edits any part, and submits after confirming. Each answer
is committed before the reply, and where they are is derived from what is saved, so ``/self``
always resumes at the first unanswered part, after minutes or days, a ``/cancel`` or a restart.

Buttons carry ``s:<cycle id>:<action>[:<argument>]``; every press is checked against the presser's
own current cycle and the form's state, so a forged or stale button changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flows.roster.reading import normalise_term
from flows.rules.cycles import ensure_writable, scheme_of
from flows.rules.grading import InvalidScore, check_item_score
from flows.rules.names import name_of
from flows.rules.scheme import Scheme, Section
from flows.ui.chat import Action, Button, Content, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from flows.ui.text import split_message
from storage import accounts, audit, scoring
from storage import cycles as store
from storage.cycle_models import Cycle, CycleExaminee, SelfAssessment, SelfStatus
from storage.models import Member, Position

FLOW = "self"
PREFIX = "s"
COLLEGE_MAX = 100


@dataclass
class Form:
    """Everything about one examinee's self-assessment that a step needs."""

    context: FlowContext
    locale: str
    examinee: CycleExaminee
    cycle: Cycle
    scheme: Scheme
    assessment: SelfAssessment
    user: int  # the examinee's Telegram account

    @property
    def answers(self) -> dict[str, str]:
        return store.answers(self.context.session, self.assessment.id)  # type: ignore[arg-type]

    @property
    def scores(self) -> dict[str, Decimal]:
        return store.self_scores(self.context.session, self.assessment.id)  # type: ignore[arg-type]

    @property
    def open(self) -> bool:
        return self.context.now < self.cycle.self_due

    def text(self, key: str, **params: object) -> str:
        return render(self.locale, key, **params)

    def button(self, label_key: str, action: str, **params: object) -> Button:
        return Button(self.text(label_key, **params), f"{PREFIX}:{self.cycle.id}:{action}")

    def due(self) -> str:
        return self.context.local_time(self.cycle.self_due)

    def remember(self, awaiting: str | None, then: str = "next") -> None:
        """Wait for ``awaiting``, then go to the ``next`` missing part, the ``review`` or the ``scores``."""
        state = {"cycle": self.cycle.id, "awaiting": awaiting, "then": then}
        store.set_conversation(self.context.session, self.user, FLOW, state, self.context.now)

    def state(self) -> dict:
        row = store.conversation(self.context.session, self.user)
        return dict(row.state) if row is not None and row.flow == FLOW else {}


# Entry points


def start(context: FlowContext, incoming: Incoming) -> list[Action]:
    """``/self``: resume the self-assessment wherever it stands."""
    form_or_reply = _form(context, incoming)
    if isinstance(form_or_reply, list):
        return form_or_reply
    form = form_or_reply
    if form.assessment.status == SelfStatus.SUBMITTED:
        store.end_conversation(context.session, incoming.telegram_user_id)
        return _submitted_view(form)
    if not form.open:
        store.end_conversation(context.session, incoming.telegram_user_id)
        return [Reply(form.text("self_deadline_passed", due=form.due()))]
    return _next(form, prefix="")


def on_input(context: FlowContext, incoming: Incoming, state: dict) -> list[Action]:
    """A typed answer (or a sticker, photo, voice...) while the conversation waits for one."""
    form_or_reply = _form(context, incoming)
    if isinstance(form_or_reply, list):
        return form_or_reply
    form = form_or_reply
    awaiting = state.get("awaiting")
    if form.cycle.id != state.get("cycle") or form.assessment.status == SelfStatus.SUBMITTED or not awaiting:
        store.end_conversation(context.session, incoming.telegram_user_id)
        return [Reply(form.text("self_stale_button"))]
    if not form.open:
        store.end_conversation(context.session, incoming.telegram_user_id)
        return [Reply(form.text("self_deadline_passed", due=form.due()))]
    if incoming.content is not Content.TEXT:
        return [Reply(form.text("self_text_only")), *_ask(form, awaiting)]
    ensure_writable(form.cycle, context.now)
    answer = incoming.text.strip()
    refusal = _store_answer(form, awaiting, answer)
    if refusal is not None:
        return [Reply(refusal)]
    return _after_answer(form, awaiting, state.get("then", "next"))


def _after_answer(form: Form, answered: str, then: str) -> list[Action]:
    """Where to go once ``answered`` is saved."""
    form.assessment.updated_at = form.context.now
    form.context.session.add(form.assessment)
    saved = form.text("self_saved") + "\n\n"
    kind, _, key = answered.partition(":")
    if then == "scores" and kind == "score":
        keys = [item.key for item in form.scheme.rubric.items]
        following = keys[keys.index(key) + 1 :]
        if following:
            form.remember(f"score:{following[0]}", then="scores")
            prompt = _score_prompt(form, following[0])
            return [Reply(saved + prompt.text, prompt.buttons)]
        return _review(form, prefix=saved)
    if then == "review":
        return _review(form, prefix=saved)
    return _next(form, prefix=saved)


def on_button(context: FlowContext, incoming: Incoming) -> list[Action]:
    """A press of one of this conversation's buttons."""
    parts = incoming.text.split(":")
    form_or_reply = _form(context, incoming)
    if isinstance(form_or_reply, list):
        return form_or_reply
    form = form_or_reply
    if len(parts) < 3 or parts[1] != str(form.cycle.id):
        return [Reply(form.text("self_stale_button"), notice=form.text("self_stale_button"))]
    action, argument = parts[2], ":".join(parts[3:])
    ensure_writable(form.cycle, context.now)
    if action == "wd":
        return _withdraw(form)
    if form.assessment.status == SelfStatus.SUBMITTED:
        return [Reply(form.text("self_already_submitted"), notice=form.text("self_already_submitted"))]
    if not form.open:
        return [Reply(form.text("self_deadline_passed", due=form.due()))]
    handler = _BUTTONS.get(action)
    if handler is None:
        return [Reply(form.text("self_stale_button"), notice=form.text("self_stale_button"))]
    return handler(form, argument)


# Loading the form


def _form(context: FlowContext, incoming: Incoming) -> Form | list[Action]:
    locale = context.locale(incoming)
    member = accounts.member_of_user(context.session, incoming.telegram_user_id)
    if member is None:
        return [Reply(render(locale, "self_not_member"))]
    examinee = store.current_examinee(context.session, member.id)  # type: ignore[arg-type]
    if examinee is None:
        return [Reply(render(locale, "self_no_cycle"))]
    cycle = context.session.get(Cycle, examinee.cycle_id)
    assert cycle is not None  # foreign key
    assessment = store.self_assessment(context.session, examinee.id)  # type: ignore[arg-type]
    if assessment is None:
        ensure_writable(cycle, context.now)
        assessment = SelfAssessment(examinee_id=examinee.id, started_at=context.now, updated_at=context.now)  # type: ignore[arg-type]
        context.session.add(assessment)
        context.session.flush()
    return Form(context, locale, examinee, cycle, scheme_of(cycle), assessment, incoming.telegram_user_id)


# What comes next


def _next_step(form: Form) -> str:
    if not form.assessment.header_confirmed:
        return "header"
    answers = form.answers
    for section in form.scheme.self_assessment.sections:
        if section.key not in answers:
            return f"section:{section.key}"
    if form.scheme.self_assessment.self_score:
        scores = form.scores
        for item in form.scheme.rubric.items:
            if item.key not in scores:
                return f"score:{item.key}"
    return "review"


def _next(form: Form, prefix: str) -> list[Action]:
    step = _next_step(form)
    if step == "header":
        form.remember(None)
        return [_header_screen(form, prefix)]
    if step == "review":
        return _review(form, prefix)
    form.remember(step)
    [reply] = _ask(form, step)
    return [Reply(prefix + reply.text, reply.buttons)]


def _ask(form: Form, awaiting: str) -> list[Reply]:
    """The question for what the conversation waits for."""
    kind, _, key = awaiting.partition(":")
    if kind == "section":
        return [_section_prompt(form, key)]
    if kind == "score":
        return [_score_prompt(form, key)]
    if kind == "term":
        return [Reply(form.text("self_ask_term"))]
    return [Reply(form.text("self_ask_college", max=COLLEGE_MAX))]


# Screens


def _header_fields(form: Form) -> dict[str, object]:
    examinee, assessment = form.examinee, form.assessment
    return {
        "cycle": form.cycle.name,
        "name": examinee.name,
        "department": examinee.department or examinee.team,
        "position": name_of(Position(examinee.position), form.locale),
        "term_start": assessment.term_start if assessment.term_start is not None else examinee.term_start,
        "college": assessment.college if assessment.college is not None else examinee.college,
    }


def _header_screen(form: Form, prefix: str = "") -> Reply:
    sections = form.scheme.self_assessment.sections
    text = form.text(
        "self_header",
        sections=len(sections),
        min=min(s.min_length for s in sections),
        max=max(s.max_length for s in sections),
        due=form.due(),
        **_header_fields(form),
    )
    buttons = (
        (form.button("self_header_ok", "hdr"),),
        (form.button("self_header_edit_term", "term"), form.button("self_header_edit_college", "col")),
    )
    return Reply(prefix + text, buttons)


def _section(form: Form, key: str) -> tuple[int, Section]:
    for number, section in enumerate(form.scheme.self_assessment.sections, start=1):
        if section.key == key:
            return number, section
    raise KeyError(key)


def _section_prompt(form: Form, key: str) -> Reply:
    number, section = _section(form, key)
    text = form.text(
        "self_section_prompt",
        number=number,
        total=len(form.scheme.self_assessment.sections),
        title=section.title.for_locale(form.locale),
        prompt=section.prompt.for_locale(form.locale),
        min=section.min_length,
        max=section.max_length,
    )
    return Reply(text)


def _score_prompt(form: Form, key: str) -> Reply:
    rubric = form.scheme.rubric
    item = rubric.item(key)
    number = [i.key for i in rubric.items].index(key) + 1
    text = form.text(
        "self_score_prompt",
        number=number,
        total=len(rubric.items),
        dimension=rubric.dimension_of(key).name.for_locale(form.locale),
        item=item.name.for_locale(form.locale),
        max=item.points,
        description=item.description.for_locale(form.locale),
        decimals=form.scheme.scoring.decimals,
    )
    values = sorted({item.points, *(anchor.points for anchor in item.anchors)}, reverse=True)
    row = tuple(Button(f"{value}", f"{PREFIX}:{form.cycle.id}:sc:{key}:{value}") for value in values)
    return Reply(text, (row,) if row else ())


def _review(form: Form, prefix: str = "") -> list[Action]:
    form.remember(None)
    if _next_step(form) != "review":
        return _next(form, prefix)
    text = prefix + _rendered_form(form) + "\n\n" + form.text("self_review_footer", due=form.due())
    parts = split_message(text)
    buttons = [(form.button("self_edit_header", "hdr_edit"),)]
    for section in form.scheme.self_assessment.sections:
        title = section.title.for_locale(form.locale)
        buttons.append((form.button("self_edit_section", f"ed:{section.key}", title=title),))
    if form.scheme.self_assessment.self_score:
        buttons.append((form.button("self_edit_scores", "sc_edit"),))
    buttons.append((form.button("self_submit", "sub"),))
    return [Reply(part) for part in parts[:-1]] + [Reply(parts[-1], tuple(buttons))]


def rendered_form(form: Form) -> str:
    """The whole form as it will be archived (also what scorers and the committee read)."""
    return _rendered_form(form)


def _rendered_form(form: Form) -> str:
    filled = form.assessment.submitted_at or form.context.now
    blocks = [
        form.text("self_review_title", cycle=form.cycle.name),
        form.text("self_review_header", filled=form.context.local_time(filled)[:10], **_header_fields(form)),
    ]
    answers = form.answers
    for section in form.scheme.self_assessment.sections:
        title = section.title.for_locale(form.locale)
        blocks.append(form.text("self_review_section", title=title, text=answers.get(section.key, "")))
    if form.scheme.self_assessment.self_score:
        scores = form.scores
        rubric = form.scheme.rubric
        blocks.append(
            form.text("self_review_scores", total=sum(scores.values(), Decimal(0)), max=rubric.total)
        )
        blocks.extend(
            form.text(
                "self_review_score_line",
                item=item.name.for_locale(form.locale),
                points=scores.get(item.key, "—"),
                max=item.points,
            )
            for item in rubric.items
        )
    return "\n\n".join(blocks)


def _submitted_view(form: Form) -> list[Action]:
    at = form.context.local_time(form.assessment.submitted_at)  # type: ignore[arg-type]
    text = _rendered_form(form) + "\n\n" + form.text("self_submitted_view", at=at)
    parts = split_message(text)
    buttons = ((form.button("self_withdraw", "wd"),),) if form.open else ()
    return [Reply(part) for part in parts[:-1]] + [Reply(parts[-1], buttons)]


# Answers


def _store_answer(form: Form, awaiting: str, answer: str) -> str | None:
    """Save a typed answer; the refusal text when it is not acceptable."""
    kind, _, key = awaiting.partition(":")
    session, now, assessment = form.context.session, form.context.now, form.assessment
    if kind == "section":
        _, section = _section(form, key)
        if len(answer) < section.min_length:
            return form.text("self_too_short", min=section.min_length, length=len(answer))
        if len(answer) > section.max_length:
            return form.text("self_too_long", max=section.max_length, length=len(answer))
        store.save_answer(session, assessment.id, key, answer, now)  # type: ignore[arg-type]
        return None
    if kind == "score":
        return _store_score(form, key, answer)
    if kind == "term":
        term = normalise_term(answer)
        if not term:
            return form.text("self_bad_term", value=answer[:20])
        assessment.term_start = term
        return None
    if not 1 <= len(answer) <= COLLEGE_MAX:
        return form.text("self_bad_college", max=COLLEGE_MAX)
    assessment.college = answer
    return None


def _store_score(form: Form, key: str, answer: str) -> str | None:
    item = form.scheme.rubric.item(key)
    points = check_item_score(answer, item, form.scheme)
    if isinstance(points, InvalidScore):
        return form.text(
            "self_bad_score", value=answer[:20], max=item.points, decimals=form.scheme.scoring.decimals
        )
    store.save_self_score(form.context.session, form.assessment.id, key, points, form.context.now)  # type: ignore[arg-type]
    return None


# Buttons


def _confirm_header(form: Form, _: str) -> list[Action]:
    form.assessment.header_confirmed = True
    form.context.session.add(form.assessment)
    return _next(form, prefix="")


def _ask_header_field(field: str) -> object:
    def ask(form: Form, _: str) -> list[Action]:
        form.remember(field, then="review" if form.assessment.header_confirmed else "header")
        return list(_ask(form, field))

    return ask


def _edit_header(form: Form, _: str) -> list[Action]:
    form.assessment.header_confirmed = False
    form.context.session.add(form.assessment)
    form.remember(None)
    return [_header_screen(form)]


def _edit_section(form: Form, key: str) -> list[Action]:
    try:
        _section(form, key)
    except KeyError:
        return [Reply(form.text("self_stale_button"))]
    form.remember(f"section:{key}", then="review")
    current = form.answers.get(key)
    prompt = _section_prompt(form, key)
    return [prompt, Reply(current)] if current else [prompt]


def _edit_scores(form: Form, _: str) -> list[Action]:
    if not form.scheme.self_assessment.self_score:
        return [Reply(form.text("self_stale_button"))]
    first = form.scheme.rubric.items[0].key
    form.remember(f"score:{first}", then="scores")
    return [_score_prompt(form, first)]


def _tap_score(form: Form, argument: str) -> list[Action]:
    key, _, value = argument.partition(":")
    awaiting = f"score:{key}"
    state = form.state()
    if state.get("awaiting") != awaiting:  # a button of a question no longer asked
        return [Reply(form.text("self_stale_button"), notice=form.text("self_stale_button"))]
    refusal = _store_score(form, key, value)
    if refusal is not None:
        return [Reply(refusal)]
    return _after_answer(form, awaiting, state.get("then", "next"))


def _ask_submit(form: Form, _: str) -> list[Action]:
    if _next_step(form) != "review":
        return [Reply(form.text("self_incomplete")), *_next(form, prefix="")]
    buttons = ((form.button("self_confirm_yes", "yes"), form.button("self_confirm_no", "rev")),)
    return [Reply(form.text("self_confirm"), buttons)]


def _submit(form: Form, _: str) -> list[Action]:
    if _next_step(form) != "review":
        return [Reply(form.text("self_incomplete")), *_next(form, prefix="")]
    session, now = form.context.session, form.context.now
    form.assessment.status = SelfStatus.SUBMITTED
    form.assessment.submitted_at = now
    session.add(form.assessment)
    store.end_conversation(session, form.user)
    audit.record(
        session,
        actor=f"member:{form.examinee.member_id}",
        action="self.submit",
        entity="self_assessment",
        entity_id=form.assessment.id,
        after={"cycle": form.cycle.name, "submitted_at": now.isoformat()},
        at=now,
    )
    scorer = session.get(Member, form.examinee.scorer_member_id) if form.examinee.scorer_member_id else None
    text = form.text("self_submitted", at=form.context.local_time(now), scorer=scorer.name if scorer else "")
    return [Reply(text, edit=True)]


def _withdraw(form: Form) -> list[Action]:
    if form.assessment.status != SelfStatus.SUBMITTED:
        return [Reply(form.text("self_stale_button"))]
    if not form.open or scoring.scoring_started(form.context.session, form.examinee.id):  # type: ignore[arg-type]
        return [Reply(form.text("self_cannot_withdraw"))]
    session, now = form.context.session, form.context.now
    form.assessment.status = SelfStatus.DRAFT
    form.assessment.submitted_at = None
    session.add(form.assessment)
    audit.record(
        session,
        actor=f"member:{form.examinee.member_id}",
        action="self.withdraw",
        entity="self_assessment",
        entity_id=form.assessment.id,
        at=now,
    )
    return [Reply(form.text("self_withdrawn", due=form.due())), *_review(form)]


_BUTTONS = {
    "hdr": _confirm_header,
    "term": _ask_header_field("term"),
    "col": _ask_header_field("college"),
    "hdr_edit": _edit_header,
    "ed": _edit_section,
    "sc_edit": _edit_scores,
    "sc": _tap_score,
    "sub": _ask_submit,
    "yes": _submit,
    "rev": lambda form, _: _review(form),
}
