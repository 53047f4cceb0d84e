"""Results (考核结果, 保密制度 SCHEME.md §7): released once fully signed, each examinee's own result goes to
their private chat and nowhere else; ``/result`` shows it again, with the examinee's signature
(被考核者签字: receipt acknowledged, which is not agreement) and the way to appeal (申诉).

Nobody else learns an examinee's result here: ``/result`` only ever shows the presser their own, and
only in a private chat (the router answers it in a group with a pointer and nothing else); a scorer
keeps seeing only the scores they gave, in ``/score``; the committee sees everyone's, in ``/review``.
The signature button carries ``rs:<cycle id>:ack:<version>`` and is checked against the presser's
own place in that cycle and the current version; the appeal button is the appeal conversation's own
(flows.appeals.conversation).
"""

from __future__ import annotations

from decimal import Decimal

from flows.appeals.common import window_closes
from flows.appeals.conversation import appeal_button
from flows.review.board import Board, Entry, load_board
from flows.review.reviewer import tell
from flows.rules import access
from flows.rules.cycles import scheme_of
from flows.rules.names import name_of
from flows.ui.chat import Action, Button, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from flows.ui.text import points, split_message
from storage import accounts, audit
from storage import cycles as cycle_store
from storage import review as store
from storage.cycle_models import Cycle, CycleExaminee
from storage.models import Position
from storage.review_models import Signature, SignatureRole

PREFIX = "rs"


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
        sent += tell(
            context,
            examinee.member_id,
            f"result:{cycle.id}:{examinee.id}",
            lambda locale, entry=entry: (
                result_text(context, locale, board, entry) + "\n\n" + render(locale, "result_released_footer")
            ),
        )
    return sent, len(board.entries)


def result_text(context: FlowContext, locale: str, board: Board, entry: Entry) -> str:
    """One examinee's result: each dimension and item, the total, the grade and its meaning, the comment."""
    scheme, examinee = board.scheme, entry.examinee
    dimensions = [
        {
            "name": dimension.name.for_locale(locale),
            "points": points(sum((entry.scores.get(i.key, Decimal(0)) for i in dimension.items), Decimal(0))),
            "max": points(dimension.points),
            "lines": [
                {
                    "name": item.name.for_locale(locale),
                    "points": points(entry.scores[item.key]) if item.key in entry.scores else "—",
                    "max": points(item.points),
                }
                for item in dimension.items
            ],
        }
        for dimension in scheme.rubric.dimensions
    ]
    grade = scheme.grade(entry.grade)
    return render(
        locale,
        "result_view",
        cycle=board.cycle.name,
        name=examinee.name,
        team=examinee.team,
        department=examinee.department,
        position=name_of(Position(examinee.position), locale),
        dimensions=dimensions,
        total=points(entry.total),
        max=points(scheme.rubric.total),
        grade=grade.key,
        grade_name=grade.name.for_locale(locale),
        meaning=grade.meaning.for_locale(locale),
        comment=entry.comment,
        released=context.local_time(board.cycle.released_at) if board.cycle.released_at else "",
    )


# /result


def start(context: FlowContext, incoming: Incoming) -> list[Action]:
    """``/result``: the presser's own result once released; before that, when to expect it."""
    found = _own(context, incoming)
    if isinstance(found, str):
        return [Reply(render(context.locale(incoming), found))]
    examinee, cycle = found
    return _view(context, incoming, examinee, cycle)


def on_button(context: FlowContext, incoming: Incoming) -> list[Action]:
    """The examinee's signature (``ack``), on their own released result only."""
    locale = context.locale(incoming)
    found = _own(context, incoming)
    parts = incoming.text.split(":")
    if isinstance(found, str) or parts[:3] != [PREFIX, str(found[1].id), "ack"] or not found[1].released_at:
        message = render(locale, "result_stale_button")
        return [Reply(message, notice=message)]
    examinee, cycle = found
    version = store.current_version(context.session, cycle.id)  # type: ignore[arg-type]
    if parts[3:] != [str(version)]:
        return [Reply(render(locale, "result_changed")), *_view(context, incoming, examinee, cycle)]
    if _acknowledged(context, examinee, cycle, version) is None:
        store.sign(
            context.session,
            cycle_id=cycle.id,  # type: ignore[arg-type]
            role=SignatureRole.EXAMINEE,
            member_id=examinee.member_id,
            version=version,
            now=context.now,
        )
    at = context.local_time(context.now)
    return [Reply(render(locale, "result_acknowledged", at=at), edit=True)]


def _own(context: FlowContext, incoming: Incoming) -> tuple[CycleExaminee, Cycle] | str:
    """The presser's own place in their newest cycle, or the message key saying why there is none."""
    member = accounts.member_of_user(context.session, incoming.telegram_user_id)
    if member is None:
        return "result_not_member"
    examinee = cycle_store.current_examinee(context.session, member.id)  # type: ignore[arg-type]
    if examinee is None or not access.can_read_result(member, examinee):
        return "result_not_examinee"
    cycle = context.session.get(Cycle, examinee.cycle_id)
    assert cycle is not None  # foreign key
    return examinee, cycle


def _view(context: FlowContext, incoming: Incoming, examinee: CycleExaminee, cycle: Cycle) -> list[Action]:
    locale = context.locale(incoming)
    if cycle.released_at is None:
        text = render(locale, "result_not_yet", cycle=cycle.name, due=context.local_time(cycle.review_due))
        return [Reply(text)]
    board = load_board(context.session, cycle)
    entry = board.entry(examinee.id)  # type: ignore[arg-type]
    assert entry is not None  # the examinee is on the board of their own cycle
    signed = _acknowledged(context, examinee, cycle, board.version)
    footer = render(
        locale,
        "result_footer",
        signed=context.local_time(signed.signed_at) if signed else None,
        due=context.local_time(window_closes(cycle, scheme_of(cycle))),  # type: ignore[arg-type]
    )
    parts = split_message(result_text(context, locale, board, entry) + "\n\n" + footer)
    buttons = [appeal_button(cycle, locale)]
    if signed is None:
        buttons.insert(
            0, Button(render(locale, "result_sign_button"), f"{PREFIX}:{cycle.id}:ack:{board.version}")
        )
    return [Reply(part) for part in parts[:-1]] + [Reply(parts[-1], (tuple(buttons),))]


def _acknowledged(
    context: FlowContext, examinee: CycleExaminee, cycle: Cycle, version: int
) -> Signature | None:
    """The examinee's signature (被考核者签字) on this version of the results, if given."""
    return next(
        (
            s
            for s in store.signatures(context.session, cycle.id)  # type: ignore[arg-type]
            if s.role == SignatureRole.EXAMINEE and s.member_id == examinee.member_id and s.version == version
        ),
        None,
    )
