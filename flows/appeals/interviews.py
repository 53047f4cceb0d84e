"""Interview records (面谈记录), behind ``/interview`` (record one) and ``/interviews`` (read them).

A committee member records a feedback interview with an examinee of the newest open cycle: they
name the examinee (name or student number), then type the time (面谈时间), place (面谈地点),
participants (参加人), topic (面谈主题) and summary (面谈内容概要); review, edit any field, and
save. The examinee is told and reads their own records with ``/interviews``; a committee member
reads anyone's with ``/interviews NAME``. Nobody else reads anyone's. The record in progress lives
in the conversation's saved state, so it survives a restart. Its buttons are ``InterviewPress``es,
checked on every press against the record in progress. Recording is one live message
(``flows.ui.live``) edited field by field; a refused field is asked for again.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import ClassVar

from flows.actor import Actor
from flows.appeals.common import ends_when_refused, same_cycle
from flows.appeals.presses import InterviewAction, InterviewField, InterviewPress
from flows.notices.notice import Kind, Notice, notify, rendered
from flows.rules.access import can_read_interview, can_record_interview, is_committee
from flows.rules.cycles import ensure_writable
from flows.ui.chat import Action, Button, Content, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from flows.ui.live import asked_again, ensure_live, live_screen, shown_live
from flows.ui.refusal import Refused
from flows.ui.text import split_message
from storage import audit, cycles
from storage import interviews as store
from storage.models import CycleExaminee, Interview, Member

FLOW = "interview"
FIELDS: dict[str, int] = {  # → the longest value each takes
    InterviewField.HELD_AT: 20,
    InterviewField.PLACE: 200,
    InterviewField.PARTICIPANTS: 500,
    InterviewField.TOPIC: 200,
    InterviewField.SUMMARY: 2000,
}
TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d")
STALE = "interview_stale"


class Recorder(Actor):
    """A committee member recording an interview in the current cycle."""

    flow: ClassVar[str] = FLOW
    not_member: ClassVar[str] = "appeal_not_member"
    no_cycle: ClassVar[str] = "appeal_no_cycle"
    committee_only: ClassVar[str | None] = "interview_committee_only"

    def keep(self, examinee: CycleExaminee, draft: dict[str, str], awaiting: str | None) -> None:
        """Keep the record in progress, waiting for the field ``awaiting`` (None: at the review)."""
        self.remember(examinee=examinee.id, draft=draft, awaiting=awaiting)

    def examinee(self, examinee_id: int) -> CycleExaminee:
        """An examinee of this cycle whose interviews the recorder may record; else Refused."""
        examinee = self.session.get(CycleExaminee, examinee_id)
        if (
            examinee is None
            or examinee.cycle_id != self.cycle.id
            or not can_record_interview(self.member, examinee)
        ):
            raise Refused(STALE, reason=f"may not record an interview with examinee {examinee_id}")
        return examinee


# Reading


def show(context: FlowContext, incoming: Incoming) -> list[Action]:
    """``/interviews``: the reader's own interview records; ``/interviews NAME`` for the committee."""
    locale = context.locale(incoming)
    member = context.member_of(incoming.telegram_user_id)
    if member is None:
        raise Refused("appeal_not_member")
    if incoming.argument:
        return _show_someone(context, locale, member, incoming.argument)
    rows = [(i, e) for i, e in store.of_member(context.session, member.id) if can_read_interview(member, e)]
    if not rows:
        return [Reply(render(locale, "interview_none_own"))]
    return _records(context, locale, rows)


def _show_someone(context: FlowContext, locale: str, member: Member, name: str) -> list[Action]:
    cycle = context.current_cycle()
    if not is_committee(member) or cycle is None:
        raise Refused("interview_committee_only")
    found = cycles.find_examinees(context.session, cycle.id, name)
    rows = [
        (interview, examinee)
        for examinee in found
        if can_read_interview(member, examinee)
        for interview in store.of_examinee(context.session, examinee.id)
    ]
    if not rows:
        return [Reply(render(locale, "interview_none", name=name[:40]))]
    return _records(context, locale, rows)


def _records(context: FlowContext, locale: str, rows: list[tuple[Interview, CycleExaminee]]) -> list[Action]:
    blocks = [record_text(context, locale, interview, examinee) for interview, examinee in rows]
    return [Reply(part) for part in split_message("\n\n".join(blocks))]


def record_text(context: FlowContext, locale: str, interview: Interview, examinee: CycleExaminee) -> str:
    """One interview record (面谈记录表) as text."""
    return render(
        locale,
        "interview_record",
        name=examinee.name,
        held_at=context.local_time(interview.held_at),
        place=interview.place,
        participants=interview.participants,
        topic=interview.topic,
        summary=interview.summary,
    )


# Recording


def start(context: FlowContext, incoming: Incoming) -> list[Action]:
    """``/interview``: record a new interview (committee only); ``/interview NAME`` picks the examinee."""
    recorder = Recorder.resolve(context, incoming)
    if incoming.argument:
        return [*live_screen(FLOW, _find(recorder, incoming.argument), edit=False)]
    recorder.remember(awaiting="examinee")
    return [*live_screen(FLOW, [_examinee_prompt(recorder)], edit=False)]


def _examinee_prompt(recorder: Recorder) -> Reply:
    return Reply(recorder.text("interview_ask_examinee"))


@ends_when_refused
def on_input(context: FlowContext, incoming: Incoming, state: dict) -> list[Action]:
    """The examinee's name, or the field the record in progress waits for."""
    recorder = Recorder.resolve(context, incoming)
    same_cycle(recorder, state, STALE)
    if incoming.content is not Content.TEXT:
        return [Reply(recorder.text("appeal_text_only"))]
    text, awaiting = incoming.text.strip(), state.get("awaiting")
    if awaiting == "examinee":
        return shown_live(FLOW, _find(recorder, text))
    if awaiting not in FIELDS:
        raise Refused(STALE, reason=f"the record does not wait for {awaiting!r}")
    examinee = recorder.examinee(state["examinee"])
    value = _parse(recorder, awaiting, text)
    if value is None:
        raise _field_refusal(awaiting).repeating(
            asked_again(FLOW, _field_prompt(recorder, examinee, awaiting))
        )
    draft = {**state.get("draft", {}), awaiting: value}
    return shown_live(FLOW, _next(recorder, examinee, draft, prefix=recorder.text("appeal_saved")))


def on_press(context: FlowContext, incoming: Incoming, press: InterviewPress) -> list[Action]:
    """Pick the examinee, edit a field of the record in progress, or save it."""
    recorder = Recorder.resolve(context, incoming)
    if (press.field is not None) != (press.action is InterviewAction.EDIT):
        raise Refused(STALE, reason=f"{press.action} with field {press.field!r}")
    ensure_live(context, incoming, FLOW)
    return shown_live(FLOW, _pressed(recorder, press))


def _pressed(recorder: Recorder, press: InterviewPress) -> list[Reply]:
    examinee = recorder.examinee(press.examinee)
    if press.action is InterviewAction.PICK:
        return _next(recorder, examinee, {})
    state = recorder.position()
    if state.get("examinee") != examinee.id:
        raise Refused(STALE, reason="not the record in progress")
    draft = dict(state.get("draft", {}))
    if press.field is not None:
        draft.pop(press.field, None)
        return _next(recorder, examinee, draft)
    if any(field not in draft for field in FIELDS):
        raise Refused(STALE, reason="an unfinished record")
    return _save(recorder, examinee, draft)


def _press(
    recorder: Recorder,
    label: str,
    action: InterviewAction,
    examinee: CycleExaminee,
    field: InterviewField | None = None,
) -> Button:
    return recorder.button(label, InterviewPress(recorder.cycle.id, action, examinee.id, field))


def _find(recorder: Recorder, text: str) -> list[Reply]:
    found = [
        e
        for e in cycles.find_examinees(recorder.session, recorder.cycle.id, text)
        if can_record_interview(recorder.member, e)
    ]
    if not found:
        refusal = Refused("interview_unknown_examinee", text=text[:40])
        raise refusal.repeating(asked_again(FLOW, _examinee_prompt(recorder)))
    if len(found) == 1:
        return _next(recorder, found[0], {})
    buttons = tuple(
        (_press(recorder, f"{e.name} {e.student_no} {e.department or e.team}", InterviewAction.PICK, e),)
        for e in found
    )
    return [Reply(recorder.text("interview_which_examinee"), buttons)]


def _parse(recorder: Recorder, field: str, text: str) -> str | None:
    """The typed value as it is kept in the draft, or None when it is not acceptable."""
    if not 1 <= len(text) <= FIELDS[field]:
        return None
    if field != InterviewField.HELD_AT:
        return text
    moment = _parse_time(unicodedata.normalize("NFKC", text).replace("/", "-"), recorder)
    return moment.isoformat() if moment is not None and moment <= recorder.now else None


def _parse_time(text: str, recorder: Recorder) -> datetime | None:
    for pattern in TIME_FORMATS:
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=recorder.context.tz)
        except ValueError:
            continue
    return None


def _field_refusal(field: str) -> Refused:
    if field == InterviewField.HELD_AT:
        return Refused("interview_bad_time")
    return Refused("interview_bad_field", max=FIELDS[field])


def _field_prompt(recorder: Recorder, examinee: CycleExaminee, field: str) -> Reply:
    return Reply(recorder.text(f"interview_ask_{field}", name=examinee.name, max=FIELDS[field]))


def _next(
    recorder: Recorder, examinee: CycleExaminee, draft: dict[str, str], prefix: str = ""
) -> list[Reply]:
    """Ask for the first missing field, or show the review."""
    missing = next((field for field in FIELDS if field not in draft), None)
    recorder.keep(examinee, draft, missing)
    if missing is not None:
        ask = _field_prompt(recorder, examinee, missing).text
        return [Reply("\n\n".join(p for p in (prefix, ask) if p))]
    return _review(recorder, examinee, draft, prefix)


def _review(
    recorder: Recorder, examinee: CycleExaminee, draft: dict[str, str], prefix: str = ""
) -> list[Reply]:
    text = record_text(recorder.context, recorder.locale, _interview(recorder, examinee, draft), examinee)
    text += "\n\n" + recorder.text("interview_review_footer")
    edits = [
        _press(recorder, recorder.text(f"interview_edit_{field}"), InterviewAction.EDIT, examinee, field)
        for field in InterviewField
    ]
    save = _press(recorder, recorder.text("interview_save"), InterviewAction.SAVE, examinee)
    rows = (tuple(edits[:3]), tuple(edits[3:]), (save,))
    return [Reply("\n\n".join(p for p in (prefix, text) if p), rows)]


def _interview(recorder: Recorder, examinee: CycleExaminee, draft: dict[str, str]) -> Interview:
    """The interview a complete draft describes, recorded by the recorder now."""
    return Interview(
        examinee_id=examinee.id,
        held_at=datetime.fromisoformat(draft[InterviewField.HELD_AT]),
        place=draft[InterviewField.PLACE],
        participants=draft[InterviewField.PARTICIPANTS],
        topic=draft[InterviewField.TOPIC],
        summary=draft[InterviewField.SUMMARY],
        recorded_by_member_id=recorder.member.id,
        recorded_at=recorder.now,
    )


def _save(recorder: Recorder, examinee: CycleExaminee, draft: dict[str, str]) -> list[Reply]:
    session, now = recorder.session, recorder.now
    ensure_writable(recorder.cycle, now)
    interview = store.add(session, _interview(recorder, examinee, draft))
    audit.record(
        session,
        actor=recorder.actor,
        action="interview.record",
        entity="interview",
        entity_id=interview.id,
        after={
            "examinee": examinee.name,
            "held_at": draft[InterviewField.HELD_AT],
            "topic": draft[InterviewField.TOPIC],
        },
        at=now,
    )
    notify(
        recorder.context,
        Notice(Kind.INTERVIEW, examinee.cycle_id, about_id=interview.id),
        [examinee.member_id],
        rendered("interview_recorded_notice", topic=draft[InterviewField.TOPIC]),
    )
    recorder.forget()
    return [Reply(recorder.text("interview_saved", name=examinee.name))]
