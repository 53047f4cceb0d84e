"""Interview records (面谈记录), behind ``/interview`` (record one) and ``/interviews`` (read them).

A committee member records a feedback interview with an examinee of the newest open cycle: they
name the examinee (name or student number), then type the time (面谈时间), place (面谈地点),
participants (参加人), topic (面谈主题) and summary (面谈内容概要); review, edit any field, and
save. The examinee is told and reads their own records with ``/interviews``; a committee member
reads anyone's with ``/interviews NAME``. Nobody else reads anyone's. The record in progress lives
in the conversation's saved state, so it survives a restart. Buttons carry
``iv:<cycle id>:<action>[:<argument>]``, checked on every press.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flows.appeals.common import notify
from flows.rules.access import can_read_interview, can_record_interview, is_committee
from flows.rules.cycles import ensure_writable
from flows.ui.chat import Action, Button, Content, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from flows.ui.text import split_message
from storage import accounts, audit
from storage import cycles as cycle_store
from storage import interviews as store
from storage.cycle_models import Cycle, CycleExaminee
from storage.interviews import Interview
from storage.models import Member

FLOW = "interview"
PREFIX = "iv"
FIELDS = {"held_at": 20, "place": 200, "participants": 500, "topic": 200, "summary": 2000}  # → max length
TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d")


@dataclass
class Recorder:
    """A committee member recording an interview in the newest open cycle."""

    context: FlowContext
    locale: str
    member: Member
    user: int
    cycle: Cycle

    def text(self, key: str, **params: object) -> str:
        return render(self.locale, key, **params)

    def button(self, label_key: str, action: str, *args: object, **params: object) -> Button:
        data = ":".join(str(p) for p in (PREFIX, self.cycle.id, action, *args))
        return Button(self.text(label_key, **params), data)

    def remember(self, examinee: CycleExaminee, draft: dict[str, str], awaiting: str | None) -> None:
        state = {"cycle": self.cycle.id, "examinee": examinee.id, "draft": draft, "awaiting": awaiting}
        cycle_store.set_conversation(self.context.session, self.user, FLOW, state, self.context.now)

    def refuse(self, key: str = "interview_stale") -> list[Action]:
        message = self.text(key)
        return [Reply(message, notice=message)]


# Reading


def show(context: FlowContext, incoming: Incoming) -> list[Action]:
    """``/interviews``: the reader's own interview records; ``/interviews NAME`` for the committee."""
    locale = context.locale(incoming)
    member = accounts.member_of_user(context.session, incoming.telegram_user_id)
    if member is None:
        return [Reply(render(locale, "appeal_not_member"))]
    if incoming.argument:
        return _show_someone(context, locale, member, incoming.argument)
    rows = [(i, e) for i, e in store.of_member(context.session, member.id) if can_read_interview(member, e)]  # type: ignore[arg-type]
    if not rows:
        return [Reply(render(locale, "interview_none_own"))]
    return _records(context, locale, rows)


def _show_someone(context: FlowContext, locale: str, member: Member, name: str) -> list[Action]:
    cycle = cycle_store.latest_cycle(context.session)
    if not is_committee(member) or cycle is None:
        return [Reply(render(locale, "interview_committee_only"))]
    found = store.find_examinees(context.session, cycle.id, name)  # type: ignore[arg-type]
    rows = [
        (interview, examinee)
        for examinee in found
        if can_read_interview(member, examinee)
        for interview in store.of_examinee(context.session, examinee.id)  # type: ignore[arg-type]
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
    recorder = _recorder(context, incoming)
    if isinstance(recorder, list):
        return recorder
    if incoming.argument:
        return _find(recorder, incoming.argument)
    cycle_store.set_conversation(
        context.session,
        recorder.user,
        FLOW,
        {"cycle": recorder.cycle.id, "awaiting": "examinee"},
        context.now,
    )
    return [Reply(recorder.text("interview_ask_examinee"))]


def on_input(context: FlowContext, incoming: Incoming, state: dict) -> list[Action]:
    recorder = _recorder(context, incoming)
    if isinstance(recorder, list):
        return recorder
    if state.get("cycle") != recorder.cycle.id:
        cycle_store.end_conversation(context.session, recorder.user)
        return [Reply(recorder.text("interview_stale"))]
    if incoming.content is not Content.TEXT:
        return [Reply(recorder.text("appeal_text_only"))]
    text, awaiting = incoming.text.strip(), state.get("awaiting")
    if awaiting == "examinee":
        return _find(recorder, text)
    examinee = _examinee(recorder, state.get("examinee"))
    if examinee is None or awaiting not in FIELDS:
        cycle_store.end_conversation(context.session, recorder.user)
        return [Reply(recorder.text("interview_stale"))]
    value = _parse(recorder, awaiting, text)
    if value is None:
        return [Reply(_field_refusal(recorder, awaiting))]
    draft = {**state.get("draft", {}), awaiting: value}
    return _next(recorder, examinee, draft, prefix=recorder.text("appeal_saved"))


def on_button(context: FlowContext, incoming: Incoming) -> list[Action]:
    recorder = _recorder(context, incoming)
    if isinstance(recorder, list):
        return recorder
    parts = incoming.text.split(":")
    if len(parts) < 4 or parts[1] != str(recorder.cycle.id):
        return recorder.refuse()
    action, argument = parts[2], parts[3]
    if action == "pick":
        examinee = _examinee(recorder, argument)
        return recorder.refuse() if examinee is None else _next(recorder, examinee, {})
    row = cycle_store.conversation(context.session, recorder.user)
    state = dict(row.state) if row is not None and row.flow == FLOW else {}
    examinee = _examinee(recorder, state.get("examinee"))
    handler = _BUTTONS.get(action)
    if handler is None or examinee is None or state.get("cycle") != recorder.cycle.id:
        return recorder.refuse()
    return handler(recorder, examinee, dict(state.get("draft", {})), argument)


def _recorder(context: FlowContext, incoming: Incoming) -> Recorder | list[Action]:
    locale = context.locale(incoming)
    member = accounts.member_of_user(context.session, incoming.telegram_user_id)
    if member is None:
        return [Reply(render(locale, "appeal_not_member"))]
    if not is_committee(member):
        return [Reply(render(locale, "interview_committee_only"))]
    cycle = cycle_store.latest_cycle(context.session)
    if cycle is None:
        return [Reply(render(locale, "appeal_no_cycle"))]
    return Recorder(context, locale, member, incoming.telegram_user_id, cycle)


def _examinee(recorder: Recorder, examinee_id: object) -> CycleExaminee | None:
    """An examinee of the recorder's cycle whose interviews they may record."""
    try:
        examinee = recorder.context.session.get(CycleExaminee, int(str(examinee_id)))
    except ValueError:
        return None
    if examinee is None or examinee.cycle_id != recorder.cycle.id:
        return None
    return examinee if can_record_interview(recorder.member, examinee) else None


def _find(recorder: Recorder, text: str) -> list[Action]:
    found = [
        e
        for e in store.find_examinees(recorder.context.session, recorder.cycle.id, text)  # type: ignore[arg-type]
        if can_record_interview(recorder.member, e)
    ]
    if not found:
        return [Reply(recorder.text("interview_unknown_examinee", text=text[:40]))]
    if len(found) == 1:
        return _next(recorder, found[0], {})
    buttons = tuple(
        (
            Button(
                f"{e.name} {e.student_no} {e.department or e.team}",
                f"{PREFIX}:{recorder.cycle.id}:pick:{e.id}",
            ),
        )
        for e in found
    )
    return [Reply(recorder.text("interview_which_examinee"), buttons)]


def _parse(recorder: Recorder, field: str, text: str) -> str | None:
    """The typed value as it is kept in the draft, or None when it is not acceptable."""
    if not 1 <= len(text) <= FIELDS[field]:
        return None
    if field != "held_at":
        return text
    moment = _parse_time(unicodedata.normalize("NFKC", text).replace("/", "-"), recorder)
    return moment.isoformat() if moment is not None and moment <= recorder.context.now else None


def _parse_time(text: str, recorder: Recorder) -> datetime | None:
    for pattern in TIME_FORMATS:
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=recorder.context.tz)
        except ValueError:
            continue
    return None


def _field_refusal(recorder: Recorder, field: str) -> str:
    if field == "held_at":
        return recorder.text("interview_bad_time")
    return recorder.text("interview_bad_field", max=FIELDS[field])


def _next(
    recorder: Recorder, examinee: CycleExaminee, draft: dict[str, str], prefix: str = ""
) -> list[Action]:
    """Ask for the first missing field, or show the review."""
    missing = next((field for field in FIELDS if field not in draft), None)
    recorder.remember(examinee, draft, missing)
    if missing is not None:
        ask = recorder.text(f"interview_ask_{missing}", name=examinee.name, max=FIELDS[missing])
        return [Reply("\n\n".join(p for p in (prefix, ask) if p))]
    return _review(recorder, examinee, draft, prefix)


def _review(
    recorder: Recorder, examinee: CycleExaminee, draft: dict[str, str], prefix: str = ""
) -> list[Action]:
    recorder.remember(examinee, draft, None)
    text = record_text(recorder.context, recorder.locale, _interview(recorder, examinee, draft), examinee)
    text += "\n\n" + recorder.text("interview_review_footer")
    edits = [recorder.button(f"interview_edit_{field}", "edit", field) for field in FIELDS]
    rows = [tuple(edits[:3]), tuple(edits[3:]), (recorder.button("interview_save", "save", examinee.id),)]
    return [Reply("\n\n".join(p for p in (prefix, text) if p), tuple(rows))]


def _interview(recorder: Recorder, examinee: CycleExaminee, draft: dict[str, str]) -> Interview:
    """The interview a complete draft describes, recorded by the recorder now."""
    return Interview(
        examinee_id=examinee.id,  # type: ignore[arg-type]
        held_at=datetime.fromisoformat(draft["held_at"]),
        place=draft["place"],
        participants=draft["participants"],
        topic=draft["topic"],
        summary=draft["summary"],
        recorded_by_member_id=recorder.member.id,  # type: ignore[arg-type]
        recorded_at=recorder.context.now,
    )


def _edit(recorder: Recorder, examinee: CycleExaminee, draft: dict[str, str], field: str) -> list[Action]:
    if field not in FIELDS:
        return recorder.refuse()
    draft.pop(field, None)
    return _next(recorder, examinee, draft)


def _save(
    recorder: Recorder, examinee: CycleExaminee, draft: dict[str, str], examinee_id: str
) -> list[Action]:
    if examinee_id != str(examinee.id) or any(field not in draft for field in FIELDS):
        return recorder.refuse()
    session, now = recorder.context.session, recorder.context.now
    ensure_writable(recorder.cycle, now)
    interview = store.add(session, _interview(recorder, examinee, draft))
    audit.record(
        session,
        actor=f"member:{recorder.member.id}",
        action="interview.record",
        entity="interview",
        entity_id=interview.id,
        after={"examinee": examinee.name, "held_at": draft["held_at"], "topic": draft["topic"]},
        at=now,
    )
    notify(
        session,
        [m for m in (session.get(Member, examinee.member_id),) if m is not None],
        key=f"interview:{interview.id}:recorded",
        text=lambda locale: render(locale, "interview_recorded_notice", topic=draft["topic"]),
        now=now,
        default_locale=recorder.context.default_locale,
    )
    cycle_store.end_conversation(session, recorder.user)
    return [Reply(recorder.text("interview_saved", name=examinee.name), edit=True)]


_BUTTONS: dict[str, Callable[[Recorder, CycleExaminee, dict[str, str], str], list[Action]]] = {
    "edit": _edit,
    "save": _save,
}
