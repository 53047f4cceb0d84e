"""Results (考核结果, 保密制度 SCHEME.md §7): released once fully signed, each examinee's own result goes to
their private chat and nowhere else; ``/result`` shows it again, with the examinee's signature
(被考核者签字: receipt acknowledged, which is not agreement) and the way to appeal (申诉).

Nobody else learns an examinee's result here: ``/result`` only ever shows the presser their own, and
only in a private chat (the router answers it in a group with a pointer and nothing else); a scorer
keeps seeing only the scores they gave, in ``/score``; the committee sees everyone's, in ``/review``.
The signature button (``ReceiptPress``) names the cycle, the examinee and the version of the results
they were shown, and is checked against the presser's own place in that cycle and the current version;
the appeal button is the appeal conversation's own (flows.appeals.conversation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar, Self

from flows.actor import Actor
from flows.appeals.common import window_closes
from flows.appeals.conversation import appeal_button
from flows.notices.notice import Body, Kind, Notice, notify
from flows.results.board import Board
from flows.results.fingerprint import receipt_hash
from flows.results.result import Result, final_result
from flows.review.reviewer import PressHandler
from flows.rules import access
from flows.rules.cycles import ensure_writable, scheme_of
from flows.rules.names import name_of
from flows.ui.buttons import ButtonData, Id
from flows.ui.chat import Action, Button, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from flows.ui.refusal import Refused
from flows.ui.text import points, split_message
from storage import appeals, audit
from storage import cycles as cycle_store
from storage import review as store
from storage.cycles import Examinee
from storage.models import AppealStatus, Cycle, CycleExaminee, Member, Position, Signature, SignatureRole

ZERO = Decimal(0)

# Release


def release(context: FlowContext, board: Board, actor: str) -> tuple[int, int]:
    """Release the signed results: each examinee's own result is queued to their private chat.

    Returns how many were queued and how many examinees there are (the rest have no chat with the
    bot yet and will see theirs with ``/result`` once they register).
    """
    cycle, now = board.cycle, context.now
    cycle.released_at = now
    context.session.add(cycle)
    audit.record(
        context.session,
        actor=actor,
        action="results.release",
        entity="cycle",
        entity_id=cycle.id,
        after={"version": board.version, "released_at": now.isoformat()},
        at=now,
    )
    sent = 0
    for entry in board.entries:
        examinee = entry.examinee
        result = final_result(context.session, examinee, board)
        if result is None:
            continue

        def compose(
            _member_id: int, locale: str, examinee: Examinee = examinee, result: Result = result
        ) -> Body:
            footer = render(locale, "result_released_footer")
            text = result_text(context, locale, cycle, examinee, result) + "\n\n" + footer
            return Body(text, (result_buttons(locale, cycle, examinee, result.version, signed=False),))

        notice = Notice(Kind.RESULT, cycle.id, about_id=examinee.id)
        sent += notify(context, notice, [examinee.member_id], compose)
    return sent, len(board.entries)


def result_text(context: FlowContext, locale: str, cycle: Cycle, examinee: Examinee, result: Result) -> str:
    """One examinee's result as it stands (``final_result``): each dimension and item, the total, the
    grade and its meaning, the comment; marked when an appeal decision changed it (申诉决定)."""
    scheme = scheme_of(cycle)
    dimensions = [
        {
            "name": dimension.name.for_locale(locale),
            "points": points(sum((result.scores.get(i.key, ZERO) for i in dimension.items), ZERO)),
            "max": points(dimension.points),
            "lines": [
                {
                    "name": item.name.for_locale(locale),
                    "points": points(result.scores[item.key]) if item.key in result.scores else "—",
                    "max": points(item.points),
                    "changed": item.key in result.changed,
                }
                for item in dimension.items
            ],
        }
        for dimension in scheme.rubric.dimensions
    ]
    grade = scheme.grade(result.grade)
    return render(
        locale,
        "result_view",
        cycle=cycle.name,
        name=examinee.name,
        team=examinee.team,
        department=examinee.department,
        position=name_of(Position(examinee.position), locale),
        dimensions=dimensions,
        total=points(result.total),
        max=points(scheme.rubric.total),
        grade=grade.key,
        grade_name=grade.name.for_locale(locale),
        meaning=grade.meaning.for_locale(locale),
        comment=result.comment,
        decided=context.local_time(result.decided_at) if result.decided_at else None,
    )


# /result


@dataclass(frozen=True)
class ReceiptPress(ButtonData, prefix="rs"):
    """被考核者签字: an examinee signs for receipt of their own result, in the version they were shown."""

    cycle: Id
    examinee: Id
    version: Id


@dataclass
class ResultReader(Actor):
    """An examinee (被考核者) reading their own result in the current cycle."""

    not_member: ClassVar[str] = "result_not_member"
    no_cycle: ClassVar[str] = "result_not_examinee"
    examinee: CycleExaminee = field(init=False)

    @classmethod
    def resolve(cls, context: FlowContext, incoming: Incoming) -> Self:
        """The sender as an examinee of the current cycle, or ``Refused`` saying why they have no result
        (their cycle archived: where its record is kept)."""
        member = context.member_of(incoming.telegram_user_id)
        examinee = cycle_store.current_examinee(context.session, member.id) if member else None
        cycle = context.current_cycle()
        if member is not None and (examinee is None or cycle is None or examinee.cycle_id != cycle.id):
            _refuse_archived(context, member)
        reader = super().resolve(context, incoming)
        if (
            examinee is None
            or examinee.cycle_id != reader.cycle.id
            or not access.can_read_result(reader.member, examinee)
        ):
            reader.refuse("result_not_examinee")
        reader.examinee = examinee
        return reader

    def signature(self, version: int) -> Signature | None:
        """Their signature (被考核者签字) on this version of the results, if given."""
        return next(
            (
                s
                for s in store.signatures(self.session, self.cycle.id)
                if s.role == SignatureRole.EXAMINEE
                and s.member_id == self.examinee.member_id
                and s.version == version
            ),
            None,
        )


def _refuse_archived(context: FlowContext, member: Member) -> None:
    """Refuse an examinee of an archived cycle (the newest that assessed them, if any) with where its
    record is kept; return when there is none."""
    archived = cycle_store.archived_examinee(context.session, member.id)
    cycle = context.session.get(Cycle, archived.cycle_id) if archived is not None else None
    if cycle is not None and cycle.archived_at is not None:
        raise Refused("result_archived", cycle=cycle.name, at=context.local_time(cycle.archived_at))


def start(context: FlowContext, incoming: Incoming) -> list[Action]:
    """``/result``: the presser's own result once released; before that, when to expect it."""
    return _view(ResultReader.resolve(context, incoming))


def on_press(context: FlowContext, incoming: Incoming, press: ReceiptPress) -> list[Action]:
    """The examinee's signature for receipt, on their own released result in the version they saw."""
    reader = ResultReader.resolve(context, incoming)
    cycle = reader.cycle
    ensure_writable(cycle, reader.now)
    if (press.cycle, press.examinee) != (cycle.id, reader.examinee.id) or cycle.released_at is None:
        reader.refuse("result_stale_button", reason="not the presser's own released result")
    result = final_result(reader.session, reader.examinee)
    version = result.version if result is not None else None
    if press.version != version:
        reader.refuse("result_changed", reason="not the version of the result that stands")
    if reader.signature(press.version) is None:
        store.sign(
            reader.session,
            cycle_id=cycle.id,
            role=SignatureRole.EXAMINEE,
            member_id=reader.examinee.member_id,
            version=press.version,
            now=reader.now,
            result_hash=receipt_hash(reader.examinee.student_no, result),  # type: ignore[arg-type]
        )
    return [Reply(reader.text("result_acknowledged", at=reader.local(reader.now)), edit=True)]


def _view(reader: ResultReader) -> list[Action]:
    cycle = reader.cycle
    if cycle.released_at is None:
        return [Reply(reader.text("result_not_yet", cycle=cycle.name, due=reader.local(cycle.review_due)))]
    result = final_result(reader.session, reader.examinee)
    assert result is not None  # released results are balanced: every sheet submitted
    signed = reader.signature(result.version)
    appeal = appeals.appeal_of(reader.session, reader.examinee.id)
    lodged = appeal is not None and appeal.status != AppealStatus.DRAFT
    footer = reader.text(
        "result_footer",
        signed=reader.local(signed.signed_at) if signed else None,
        due=reader.local(window_closes(cycle, reader.scheme)),  # type: ignore[arg-type]
        lodged=lodged,
    )
    text = result_text(reader.context, reader.locale, cycle, reader.examinee, result)
    parts = split_message(text + "\n\n" + footer)
    buttons = result_buttons(
        reader.locale, cycle, reader.examinee, result.version, signed=signed is not None, lodged=lodged
    )
    replies: list[Action] = [Reply(part) for part in parts[:-1]]
    return [*replies, Reply(parts[-1], (buttons,) if buttons else ())]


def result_buttons(
    locale: str, cycle: Cycle, examinee: Examinee, version: int, *, signed: bool, lodged: bool = False
) -> tuple[Button, ...]:
    """Under a released result, in ``/result`` and in its notice: sign for it (until signed), and appeal
    (until an appeal is lodged)."""
    receipt = ReceiptPress(cycle.id, examinee.id, version)
    sign = () if signed else (Button(render(locale, "result_sign_button"), receipt),)
    return (*sign, *(() if lodged else (appeal_button(cycle, locale),)))


PRESSES: dict[type[ButtonData], PressHandler] = {ReceiptPress: on_press}
"""The ``/result`` button family and the step that handles a press of it (for ``flows.router``)."""
