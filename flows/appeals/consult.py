"""Consulting the parties (征求意见): the committee asks the scorer or anyone else about an appeal
through the bot, and their answers are attached to it.

A committee member who may decide the appeal picks the scorer with one button, or types anyone's
name or student number, then types the question. The person asked is told through the outbox and
answers from ``/appeals``; they see only the question and whose appeal it concerns, never the appeal
itself. Their buttons are ``ConsultPress``es, checked on every press. Asking and answering are each
one live message (``flows.ui.live``); a refused name, question or answer is asked for again.
"""

from __future__ import annotations

from typing import ClassVar

from flows.appeals.common import Desk, ends_when_refused, evidence_shown, record, same_cycle
from flows.appeals.presses import ConsultAction, ConsultPress
from flows.notices.notice import Kind, Notice, notify, rendered
from flows.rules.access import can_decide_appeal
from flows.rules.cycles import ensure_writable
from flows.ui.chat import Action, Button, Content, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.live import asked_again, shown_live
from flows.ui.refusal import Refused
from storage import appeals as store
from storage import roster
from storage.models import Appeal, AppealOpinion, AppealStatus, CycleExaminee, Member

TEXT_MAX = 1500


class Consultant(Desk):
    """Someone at the appeals desk asking a party, or answering as one, in a typed conversation."""

    flow: ClassVar[str] = "appeal_opinion"


FLOW = Consultant.flow


def _button(
    desk: Desk, label: str, action: ConsultAction, subject: int | None, party: int | None = None
) -> Button:
    """A button asking about appeal ``subject`` (ASK), or answering opinion ``subject`` (ANSWER)."""
    return desk.button(label, ConsultPress(desk.cycle.id, action, subject, party))  # type: ignore[arg-type]


# Pieces the appeals desk shows


def ask_buttons(desk: Desk, appeal: Appeal, examinee: CycleExaminee) -> list[tuple[Button, ...]]:
    """Ask the scorer (when there is one), or someone else."""
    ask, about = ConsultAction.ASK, appeal.id
    row = []
    if examinee.scorer_member_id is not None:
        row.append(_button(desk, desk.text("appeal_ask_scorer"), ask, about, examinee.scorer_member_id))
    row.append(_button(desk, desk.text("appeal_ask_other"), ask, about))
    return [tuple(row)]


def opinions_text(desk: Desk, appeal: Appeal) -> list[str]:
    """The opinions asked on ``appeal`` with their answers, as one block (none when nobody was asked)."""
    asked = store.opinions(desk.session, appeal.id)
    if not asked:
        return []
    people = roster.members(desk.session, {o.member_id for o in asked})
    lines = [desk.text("appeal_opinions_title")]
    lines += [
        desk.text(
            "appeal_opinion_line",
            name=people[o.member_id].name,
            asked=desk.local(o.asked_at),
            question=o.question,
            answer=o.answer or "",
            answered=desk.local(o.answered_at) if o.answered_at else "",
        )
        for o in asked
    ]
    return ["\n".join(lines)]


def asked_list(desk: Desk) -> list[Action]:
    """The opinions the committee asked of the reader in this cycle, with a button for each unanswered."""
    asked = store.asked_of(desk.session, desk.member.id, desk.cycle.id)
    if not asked:
        return []
    lines, buttons = [desk.text("appeal_asked_title")], []
    for opinion, appeal in asked:
        name = _examinee(desk, appeal).name
        lines.append(
            desk.text("appeal_asked_line", name=name, question=opinion.question, answer=opinion.answer or "")
        )
        if opinion.answer is None:
            answer = desk.text("appeal_answer", name=name)
            buttons.append((_button(desk, answer, ConsultAction.ANSWER, opinion.id),))
    return [Reply("\n\n".join(lines), tuple(buttons))]


def _examinee(desk: Desk, appeal: Appeal) -> CycleExaminee:
    examinee = desk.session.get(CycleExaminee, appeal.examinee_id)
    assert examinee is not None  # foreign key
    return examinee


# Buttons and typed answers


def on_press(context: FlowContext, incoming: Incoming, press: ConsultPress) -> list[Action]:
    """Ask about an appeal (a party named, or to be typed), or answer an opinion asked of the presser."""
    consultant = Consultant.resolve(context, incoming)
    if press.action is ConsultAction.ANSWER:
        if press.party is not None:
            raise Refused("appeal_stale", reason="an answer names no party")
        return shown_live(FLOW, _ask_answer(consultant, press.subject))
    case = _decidable(consultant, press.subject)
    if press.party is not None:
        return shown_live(FLOW, _choose_party(consultant, case, press.party))
    consultant.remember(appeal=press.subject, awaiting="party")
    return shown_live(FLOW, [Reply(consultant.text("appeal_ask_party"))])


@ends_when_refused
def on_input(context: FlowContext, incoming: Incoming, state: dict) -> list[Action]:
    """The party's name, the question, or the answer, as the conversation waits for one."""
    consultant = Consultant.resolve(context, incoming)
    same_cycle(consultant, state)
    if incoming.content is not Content.TEXT:
        return [Reply(consultant.text("appeal_text_only"))]
    text = incoming.text.strip()
    if state.get("awaiting") == "answer":
        return shown_live(FLOW, _take_answer(consultant, state["opinion"], text))
    case = _decidable(consultant, state["appeal"])
    if state.get("awaiting") == "party":
        return shown_live(FLOW, _find_party(consultant, case, text))
    return shown_live(FLOW, _take_question(consultant, case, state["party"], text))


def _decidable(desk: Desk, appeal_id: int) -> tuple[Appeal, CycleExaminee]:
    """The appeal, when it is escalated and the reader may consult on it; else Refused."""
    appeal, examinee = desk.case(appeal_id)
    if appeal.status != AppealStatus.ESCALATED or not can_decide_appeal(desk.member, examinee):
        raise Refused("appeal_stale", reason=f"may not consult on appeal {appeal_id}")
    return appeal, examinee


def _find_party(desk: Consultant, case: tuple[Appeal, CycleExaminee], text: str) -> list[Action]:
    found = [m for m in roster.find_members(desk.session, text) if m.id != case[1].member_id]
    if not found:
        question = asked_again(FLOW, Reply(desk.text("appeal_ask_party")))
        raise Refused("appeal_party_unknown", text=text[:40]).repeating(question)
    if len(found) == 1:
        return _choose_party(desk, case, found[0].id)
    buttons = tuple(
        (_button(desk, f"{m.name} {m.student_no}", ConsultAction.ASK, case[0].id, m.id),) for m in found
    )
    return [Reply(desk.text("appeal_party_which"), buttons)]


def _choose_party(desk: Consultant, case: tuple[Appeal, CycleExaminee], member_id: int) -> list[Action]:
    party = _party(desk, case, member_id)
    desk.remember(appeal=case[0].id, awaiting="question", party=party.id)
    return [_question_prompt(desk, party)]


def _question_prompt(desk: Desk, party: Member) -> Reply:
    return Reply(desk.text("appeal_ask_question", name=party.name, max=TEXT_MAX))


def _party(desk: Desk, case: tuple[Appeal, CycleExaminee], member_id: int) -> Member:
    """An active member who may be asked about the appeal (anyone but its examinee); else Refused."""
    member = desk.session.get(Member, member_id)
    if member is None or not member.active or member.id == case[1].member_id:
        raise Refused("appeal_stale", reason=f"member {member_id} cannot be asked")
    return member


def _take_question(
    desk: Consultant, case: tuple[Appeal, CycleExaminee], party_id: int, question: str
) -> list[Action]:
    party = _party(desk, case, party_id)
    appeal, examinee = case
    if not 1 <= len(question) <= TEXT_MAX:
        refusal = Refused("appeal_bad_text", max=TEXT_MAX)
        raise refusal.repeating(asked_again(FLOW, _question_prompt(desk, party)))
    session, now = desk.session, desk.now
    ensure_writable(desk.cycle, now)
    opinion = store.add_opinion(
        session,
        AppealOpinion(
            appeal_id=appeal.id,
            member_id=party.id,
            asked_by_member_id=desk.member.id,
            question=question,
            asked_at=now,
        ),
    )
    record(session, appeal, "appeal.consult", desk.member, now, after={"asked": party.name}, reason=question)
    notify(
        desk.context,
        Notice(Kind.APPEAL_QUESTION, desk.cycle.id, about_id=opinion.id),
        [party.id],
        rendered("appeal_opinion_notice", cycle=desk.cycle.name, name=examinee.name, question=question),
    )
    desk.forget()
    return [Reply(desk.text("appeal_question_sent", name=party.name))]


def _ask_answer(desk: Consultant, opinion_id: int) -> list[Action]:
    """The question asked of the party, with the appeal's photos and documents to judge it by."""
    opinion, appeal = _own_opinion(desk, opinion_id)
    desk.remember(opinion=opinion.id, awaiting="answer")
    shown = evidence_shown(desk.session, appeal, desk.locale)
    return [*shown, _answer_prompt(desk, opinion)]


def _answer_prompt(desk: Desk, opinion: AppealOpinion) -> Reply:
    return Reply(desk.text("appeal_ask_answer", question=opinion.question, max=TEXT_MAX))


def _own_opinion(desk: Desk, opinion_id: int) -> tuple[AppealOpinion, Appeal]:
    """An unanswered opinion asked of the reader on an appeal still with the committee, and the appeal;
    else Refused."""
    opinion = desk.session.get(AppealOpinion, opinion_id)
    appeal = desk.session.get(Appeal, opinion.appeal_id) if opinion is not None else None
    if (
        opinion is None
        or appeal is None
        or opinion.member_id != desk.member.id
        or opinion.answer is not None
        or appeal.status != AppealStatus.ESCALATED
        or _examinee(desk, appeal).cycle_id != desk.cycle.id
    ):
        raise Refused("appeal_stale", reason=f"opinion {opinion_id} is not theirs to answer")
    return opinion, appeal


def _take_answer(desk: Consultant, opinion_id: int, answer: str) -> list[Action]:
    opinion, appeal = _own_opinion(desk, opinion_id)
    if not 1 <= len(answer) <= TEXT_MAX:
        refusal = Refused("appeal_bad_text", max=TEXT_MAX)
        raise refusal.repeating(asked_again(FLOW, _answer_prompt(desk, opinion)))
    session, now = desk.session, desk.now
    ensure_writable(desk.cycle, now)
    opinion.answer, opinion.answered_at = answer, now
    session.add(opinion)
    name = _examinee(desk, appeal).name
    record(session, appeal, "appeal.opinion", desk.member, now, after={"opinion": opinion.id}, reason=answer)
    notify(
        desk.context,
        Notice(Kind.APPEAL_ANSWERED, desk.cycle.id, about_id=opinion.id),
        [opinion.asked_by_member_id],
        rendered("appeal_answered_notice", party=desk.member.name, name=name),
    )
    desk.forget()
    return [Reply(desk.text("appeal_answer_saved", name=name))]
