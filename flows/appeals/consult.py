"""Consulting the parties (征求意见): the committee asks the scorer or anyone else about an appeal
through the bot, and their answers are attached to it.

A committee member who may decide the appeal picks the scorer with one button, or types anyone's
name or student number, then types the question. The person asked is told through the outbox and
answers from ``/appeals``; they see only the question and whose appeal it concerns, never the appeal
itself. Buttons carry ``ao:<cycle id>:ask:<appeal id>[:<member id>]`` or ``ao:<cycle id>:ans:<opinion id>``.
"""

from __future__ import annotations

from flows.appeals.common import Desk, desk_of, notify, pressed, record
from flows.rules.access import can_decide_appeal
from flows.rules.cycles import ensure_writable
from flows.ui.chat import Action, Button, Content, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from storage import appeals as store
from storage.appeal_models import Appeal, AppealOpinion, AppealStatus
from storage.cycle_models import CycleExaminee
from storage.models import Member

FLOW = "appeal_opinion"
PREFIX = "ao"
TEXT_MAX = 1500


# Pieces the appeals desk shows


def ask_buttons(desk: Desk, appeal: Appeal, examinee: CycleExaminee) -> list[tuple[Button, ...]]:
    """Ask the scorer (when there is one), or someone else."""
    row = []
    if examinee.scorer_member_id is not None:
        row.append(desk.button(PREFIX, "appeal_ask_scorer", "ask", appeal.id, examinee.scorer_member_id))
    row.append(desk.button(PREFIX, "appeal_ask_other", "ask", appeal.id))
    return [tuple(row)]


def opinions_text(desk: Desk, appeal: Appeal) -> list[str]:
    """The opinions asked on ``appeal`` with their answers, as one block (none when nobody was asked)."""
    asked = store.opinions(desk.context.session, appeal.id)  # type: ignore[arg-type]
    if not asked:
        return []
    people = store.members(desk.context.session, {o.member_id for o in asked})
    lines = [desk.text("appeal_opinions_title")]
    lines += [
        desk.text(
            "appeal_opinion_line",
            name=people[o.member_id].name,
            asked=desk.context.local_time(o.asked_at),
            question=o.question,
            answer=o.answer or "",
            answered=desk.context.local_time(o.answered_at) if o.answered_at else "",
        )
        for o in asked
    ]
    return ["\n".join(lines)]


def asked_list(desk: Desk) -> list[Action]:
    """The opinions the committee asked of the reader in this cycle, with a button for each unanswered."""
    asked = store.asked_of(desk.context.session, desk.member.id, desk.cycle.id)  # type: ignore[arg-type]
    if not asked:
        return []
    lines, buttons = [desk.text("appeal_asked_title")], []
    for opinion, appeal in asked:
        name = _examinee(desk, appeal).name
        lines.append(
            desk.text("appeal_asked_line", name=name, question=opinion.question, answer=opinion.answer or "")
        )
        if opinion.answer is None:
            buttons.append((desk.button(PREFIX, "appeal_answer", "ans", opinion.id, name=name),))
    return [Reply("\n\n".join(lines), tuple(buttons))]


def _examinee(desk: Desk, appeal: Appeal) -> CycleExaminee:
    examinee = desk.context.session.get(CycleExaminee, appeal.examinee_id)
    assert examinee is not None  # foreign key
    return examinee


# Buttons and typed answers


def on_button(context: FlowContext, incoming: Incoming) -> list[Action]:
    desk = desk_of(context, incoming)
    if isinstance(desk, list):
        return desk
    arguments = pressed(desk, incoming)
    if arguments is None or len(arguments) < 2:
        return desk.refuse()
    if arguments[0] == "ans":
        return _ask_answer(desk, arguments[1])
    if arguments[0] != "ask":
        return desk.refuse()
    case = _decidable(desk, arguments[1])
    if case is None:
        return desk.refuse()
    if len(arguments) < 3:
        desk.remember(FLOW, appeal=case[0].id, awaiting="party")
        return [Reply(desk.text("appeal_ask_party"))]
    return _choose_party(desk, case, arguments[2])


def on_input(context: FlowContext, incoming: Incoming, state: dict) -> list[Action]:
    desk = desk_of(context, incoming)
    if isinstance(desk, list):
        return desk
    if state.get("cycle") != desk.cycle.id:
        desk.forget()
        return [Reply(desk.text("appeal_stale"))]
    if incoming.content is not Content.TEXT:
        return [Reply(desk.text("appeal_text_only"))]
    text = incoming.text.strip()
    if state.get("awaiting") == "answer":
        return _take_answer(desk, state.get("opinion"), text)
    case = _decidable(desk, state.get("appeal"))
    if case is None:
        desk.forget()
        return [Reply(desk.text("appeal_stale"))]
    if state.get("awaiting") == "party":
        return _find_party(desk, case, text)
    return _take_question(desk, case, state.get("party"), text)


def _decidable(desk: Desk, appeal_id: object) -> tuple[Appeal, CycleExaminee] | None:
    """The appeal, when it is escalated and the reader may consult on it."""
    case = desk.case(appeal_id)
    if (
        case is None
        or case[0].status != AppealStatus.ESCALATED
        or not can_decide_appeal(desk.member, case[1])
    ):
        return None
    return case


def _find_party(desk: Desk, case: tuple[Appeal, CycleExaminee], text: str) -> list[Action]:
    found = [m for m in store.find_members(desk.context.session, text) if m.id != case[1].member_id]
    if not found:
        return [Reply(desk.text("appeal_party_unknown", text=text[:40]))]
    if len(found) == 1:
        return _choose_party(desk, case, found[0].id)
    buttons = tuple(
        (Button(f"{m.name} {m.student_no}", f"{PREFIX}:{desk.cycle.id}:ask:{case[0].id}:{m.id}"),)
        for m in found
    )
    return [Reply(desk.text("appeal_party_which"), buttons)]


def _choose_party(desk: Desk, case: tuple[Appeal, CycleExaminee], member_id: object) -> list[Action]:
    party = _member(desk, member_id)
    if party is None or party.id == case[1].member_id:
        return desk.refuse()
    desk.remember(FLOW, appeal=case[0].id, awaiting="question", party=party.id)
    return [Reply(desk.text("appeal_ask_question", name=party.name, max=TEXT_MAX))]


def _member(desk: Desk, member_id: object) -> Member | None:
    try:
        member = desk.context.session.get(Member, int(str(member_id)))
    except ValueError:
        return None
    return member if member is not None and member.active else None


def _take_question(
    desk: Desk, case: tuple[Appeal, CycleExaminee], party_id: object, question: str
) -> list[Action]:
    party = _member(desk, party_id)
    appeal, examinee = case
    if party is None:
        desk.forget()
        return [Reply(desk.text("appeal_stale"))]
    if not 1 <= len(question) <= TEXT_MAX:
        return [Reply(desk.text("appeal_bad_text", max=TEXT_MAX))]
    session, now = desk.context.session, desk.context.now
    ensure_writable(desk.cycle, now)
    opinion = store.add_opinion(
        session,
        AppealOpinion(
            appeal_id=appeal.id,  # type: ignore[arg-type]
            member_id=party.id,  # type: ignore[arg-type]
            asked_by_member_id=desk.member.id,  # type: ignore[arg-type]
            question=question,
            asked_at=now,
        ),
    )
    record(session, appeal, "appeal.consult", desk.member, now, after={"asked": party.name}, reason=question)
    notify(
        session,
        [party],
        key=f"appeal:{appeal.id}:opinion:{opinion.id}",
        text=lambda locale: render(
            locale, "appeal_opinion_notice", cycle=desk.cycle.name, name=examinee.name, question=question
        ),
        now=now,
        default_locale=desk.context.default_locale,
    )
    desk.forget()
    return [Reply(desk.text("appeal_question_sent", name=party.name))]


def _ask_answer(desk: Desk, opinion_id: str) -> list[Action]:
    opinion = _own_opinion(desk, opinion_id)
    if opinion is None:
        return desk.refuse()
    desk.remember(FLOW, opinion=opinion.id, awaiting="answer")
    return [Reply(desk.text("appeal_ask_answer", question=opinion.question, max=TEXT_MAX))]


def _own_opinion(desk: Desk, opinion_id: object) -> AppealOpinion | None:
    """An unanswered opinion asked of the reader on an appeal still with the committee."""
    try:
        opinion = desk.context.session.get(AppealOpinion, int(str(opinion_id)))
    except ValueError:
        return None
    if opinion is None or opinion.member_id != desk.member.id or opinion.answer is not None:
        return None
    appeal = desk.context.session.get(Appeal, opinion.appeal_id)
    if (
        appeal is None
        or appeal.status != AppealStatus.ESCALATED
        or _examinee(desk, appeal).cycle_id != desk.cycle.id
    ):
        return None
    return opinion


def _take_answer(desk: Desk, opinion_id: object, answer: str) -> list[Action]:
    opinion = _own_opinion(desk, opinion_id)
    if opinion is None:
        desk.forget()
        return [Reply(desk.text("appeal_stale"))]
    if not 1 <= len(answer) <= TEXT_MAX:
        return [Reply(desk.text("appeal_bad_text", max=TEXT_MAX))]
    session, now = desk.context.session, desk.context.now
    ensure_writable(desk.cycle, now)
    opinion.answer, opinion.answered_at = answer, now
    session.add(opinion)
    appeal = session.get(Appeal, opinion.appeal_id)
    assert appeal is not None  # foreign key
    name = _examinee(desk, appeal).name
    record(session, appeal, "appeal.opinion", desk.member, now, after={"opinion": opinion.id}, reason=answer)
    asker = store.members(session, [opinion.asked_by_member_id]).values()
    notify(
        session,
        asker,
        key=f"appeal:{appeal.id}:answered:{opinion.id}",
        text=lambda locale: render(locale, "appeal_answered_notice", party=desk.member.name, name=name),
        now=now,
        default_locale=desk.context.default_locale,
    )
    desk.forget()
    return [Reply(desk.text("appeal_answer_saved", name=name))]
