"""Sign-off (复核签字, SCHEME.md §10): the committee confirms the balanced results (复核确认), the student
federation's president reviews and signs them with an optional comment (学生联合会主席复核意见), then a
teacher on the committee signs (团委老师签字), which releases them. Who signs is the scheme's
``[signoff]`` (by default the committee's 副组长, then its 总指导 or 组长).

A signature names the version of the results it confirmed. A change made while any signature stands
starts a new version: the signatures on the old one are void, and each signer is told. Every signing
button carries the version its presser was shown, so nobody signs a version they have not seen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from flows.notices.notice import Kind, Notice, notify, rendered
from flows.results.board import Board
from flows.results.fingerprint import board_hash
from flows.review.presses import ReviewPress, SignPress, SignStep, View
from flows.review.release import release
from flows.review.reviewer import Reviewer
from flows.rules import access
from flows.ui.chat import Action, Button, Reply
from storage import cycles as cycle_store
from storage import review as store
from storage import roster
from storage.models import Cycle, Member, Signature, SignatureRole

COMMENT_MAX = 500  # characters of the president's review comment (复核意见)


@dataclass(frozen=True)
class SignoffState:
    """Where the sign-off of a cycle's results stands, on their current version."""

    version: int
    confirmed: Signature | None  # 考核小组复核确认
    president: Signature | None  # 学生联合会主席签字
    teacher: Signature | None  # 团委老师签字
    released_at: datetime | None
    signers: dict[str, str]  # the name of whoever signed, by role (committee, president, teacher)
    acknowledged: int  # examinees who signed for their result (被考核者签字)
    examinees: int

    @property
    def stage(self) -> str:
        """Whose step it is: ``review`` (the committee's), ``president``, ``teacher``, or ``released``."""
        if self.released_at is not None:
            return "released"
        if self.president is not None:
            return "teacher"
        return "president" if self.confirmed is not None else "review"


def signoff_state(session: Session, cycle: Cycle) -> SignoffState:
    version = store.current_version(session, cycle.id)
    live = [s for s in store.signatures(session, cycle.id) if s.version == version]

    def last(role: SignatureRole) -> Signature | None:
        return next((s for s in reversed(live) if s.role == role), None)

    steps = {
        role: last(role) for role in (SignatureRole.COMMITTEE, SignatureRole.PRESIDENT, SignatureRole.TEACHER)
    }
    signers = {str(role): _name(session, s.member_id) for role, s in steps.items() if s is not None}
    return SignoffState(
        version,
        steps[SignatureRole.COMMITTEE],
        steps[SignatureRole.PRESIDENT],
        steps[SignatureRole.TEACHER],
        cycle.released_at,
        signers,
        len({s.member_id for s in live if s.role == SignatureRole.EXAMINEE}),
        cycle_store.examinee_count(session, cycle.id),
    )


def _name(session: Session, member_id: int) -> str:
    member = session.get(Member, member_id)
    return member.name if member else "?"


def start_new_version(reviewer: Reviewer) -> None:
    """Before a change: if signatures stand, the change makes a new version and voids them (signers told)."""
    session, cycle, now = reviewer.session, reviewer.cycle, reviewer.now
    if not store.signatures(session, cycle.id):
        return
    version = store.bump_version(session, store.review_of(session, cycle.id, now), now)
    for signature in store.void_signatures(session, cycle.id, version, now, reviewer.actor):
        notify(
            reviewer.context,
            Notice(Kind.VOIDED, cycle.id, about_id=signature.id),
            [signature.member_id],
            rendered(
                "signoff_voided",
                cycle=cycle.name,
                role=str(signature.role),
                old=signature.version,
                version=version,
                by=reviewer.member.name,
            ),
        )


def signoff_buttons(reviewer: Reviewer, state: SignoffState) -> list[Button]:
    """The signing step the presser may take now, as a button carrying the version they see."""
    roles = reviewer.scheme.signoff
    if state.stage == "review":
        return [_button(reviewer, "review_confirm_button", SignStep.ASK_CONFIRM, state.version)]
    if state.stage == "president" and access.can_sign(reviewer.member, roles.president):
        return [_button(reviewer, "signoff_president_button", SignStep.ASK_PRESIDENT, state.version)]
    if state.stage == "teacher" and access.can_sign(reviewer.member, roles.teacher):
        return [_button(reviewer, "signoff_teacher_button", SignStep.ASK_TEACHER, state.version)]
    return []


def _button(reviewer: Reviewer, key: str, step: SignStep, version: int) -> Button:
    return reviewer.cycle_button(reviewer.text(key), SignPress, step, version)


def _back(reviewer: Reviewer) -> Button:
    return reviewer.cycle_button(reviewer.text("review_back"), ReviewPress, View.OVERVIEW)


def signoff_line(reviewer: Reviewer, state: SignoffState) -> str:
    """The version of the results and who has confirmed and signed it."""

    def at(signature: Signature | None) -> str | None:
        return reviewer.local(signature.signed_at) if signature is not None else None

    return reviewer.text(
        "review_signoff_line",
        version=state.version,
        confirmed=state.signers.get("committee"),
        confirmed_at=at(state.confirmed),
        president=state.signers.get("president"),
        president_at=at(state.president),
        comment=state.president.comment if state.president else None,
        teacher=state.signers.get("teacher"),
        teacher_at=at(state.teacher),
        released=reviewer.local(state.released_at) if state.released_at else None,
    )


# The steps


def _check(reviewer: Reviewer, version: object, stage: str, roles: Sequence[str] = ()) -> int:
    """The version the presser saw, if they may take the ``stage`` step on it now (or raise Refused)."""
    state = signoff_state(reviewer.session, reviewer.cycle)
    if state.stage == "released":
        reviewer.refuse("review_frozen")
    if version != state.version:
        reviewer.refuse("signoff_version_moved")
    if state.stage != stage:
        reviewer.refuse("signoff_not_now")
    if roles and not access.can_sign(reviewer.member, roles):
        reviewer.refuse("signoff_not_signer")
    return state.version


def _ask_confirm(reviewer: Reviewer, version: int) -> list[Action]:
    """复核确认: what confirming means, or what still stands in the way."""
    _check(reviewer, version, "review")
    board = reviewer.board()
    if not board.balanced:
        return [Reply(reviewer.text("review_todo", **blockers(board)))]
    accepted = [b for group in board.groups for b in group.breaks if b.accepted is not None]
    text = reviewer.text("review_confirm_ask", version=board.version, accepted=len(accepted))
    buttons = (_button(reviewer, "review_confirm_yes", SignStep.CONFIRM, board.version), _back(reviewer))
    return [Reply(text, (buttons,))]


def blockers(board: Board) -> dict[str, object]:
    """What keeps the committee from confirming: missing sheets, unrated groups, rule breaks left open."""
    return {
        "missing": sum(len(g.entries) - g.submitted for g in board.groups),
        "unrated": sum(1 for g in board.groups if g.rating is None),
        "open": sum(len(g.open_breaks) for g in board.groups),
    }


def _confirm(reviewer: Reviewer, version: int) -> list[Action]:
    _check(reviewer, version, "review")
    board = reviewer.board()
    if not board.balanced:
        return [Reply(reviewer.text("review_todo", **blockers(board)))]
    _sign(reviewer, SignatureRole.COMMITTEE, board.version)
    asked = _ask_next(reviewer, reviewer.scheme.signoff.president, "president", board.version)
    text = reviewer.text("review_confirmed", version=board.version, asked=asked)
    return [Reply(text, edit=True)]


def _ask_president(reviewer: Reviewer, version: int) -> list[Action]:
    _check(reviewer, version, "president", reviewer.scheme.signoff.president)
    reviewer.remember(awaiting="sign_comment", version=version)
    button = _button(reviewer, "signoff_no_comment", SignStep.PRESIDENT, version)
    return [Reply(reviewer.text("signoff_president_ask", version=version, max=COMMENT_MAX), ((button,),))]


def president_comment(reviewer: Reviewer, state: dict, comment: str) -> list[Action]:
    """The president's typed review comment (复核意见), then their signature."""
    if not 1 <= len(comment) <= COMMENT_MAX:
        return [Reply(reviewer.text("signoff_comment_length", max=COMMENT_MAX, length=len(comment)))]
    return _sign_as_president(reviewer, state.get("version"), comment)


def _sign_as_president(reviewer: Reviewer, seen: object, comment: str | None = None) -> list[Action]:
    version = _check(reviewer, seen, "president", reviewer.scheme.signoff.president)
    reviewer.forget()
    _sign(reviewer, SignatureRole.PRESIDENT, version, comment)
    asked = _ask_next(reviewer, reviewer.scheme.signoff.teacher, "teacher", version)
    return [Reply(reviewer.text("signoff_president_done", version=version, comment=comment, asked=asked))]


def _ask_teacher(reviewer: Reviewer, version: int) -> list[Action]:
    _check(reviewer, version, "teacher", reviewer.scheme.signoff.teacher)
    state = signoff_state(reviewer.session, reviewer.cycle)
    text = reviewer.text(
        "signoff_teacher_ask",
        version=state.version,
        president=state.signers.get("president"),
        comment=state.president.comment if state.president else None,
    )
    buttons = (_button(reviewer, "signoff_teacher_yes", SignStep.TEACHER, state.version), _back(reviewer))
    return [Reply(text, (buttons,))]


def _sign_as_teacher(reviewer: Reviewer, version: int) -> list[Action]:
    """团委老师签字: the last signature; the results are released to each examinee at once."""
    _check(reviewer, version, "teacher", reviewer.scheme.signoff.teacher)
    _sign(reviewer, SignatureRole.TEACHER, version)
    sent, total = release(reviewer.context, reviewer.board(), reviewer.actor)
    return [Reply(reviewer.text("signoff_released", version=version, sent=sent, total=total), edit=True)]


def _sign(reviewer: Reviewer, role: SignatureRole, version: int, comment: str | None = None) -> None:
    store.sign(
        reviewer.session,
        cycle_id=reviewer.cycle.id,
        role=role,
        member_id=reviewer.member.id,
        version=version,
        now=reviewer.now,
        comment=comment,
        result_hash=board_hash(reviewer.board()),
    )


def _ask_next(reviewer: Reviewer, roles: Sequence[str], stage: str, version: int) -> list[str]:
    """Tell whoever signs next that it is their turn; their names."""
    signers = roster.committee(reviewer.session, roles)
    notify(
        reviewer.context,
        Notice(Kind.SIGNOFF, reviewer.cycle.id, step=stage, tag=str(version)),
        [signer.id for signer in signers],
        rendered(
            "signoff_your_turn",
            cycle=reviewer.cycle.name,
            stage=stage,
            version=version,
            by=reviewer.member.name,
        ),
    )
    return [signer.name for signer in signers]


_STEPS: dict[SignStep, Callable[[Reviewer, int], list[Action]]] = {
    SignStep.ASK_CONFIRM: _ask_confirm,
    SignStep.CONFIRM: _confirm,
    SignStep.ASK_PRESIDENT: _ask_president,
    SignStep.PRESIDENT: _sign_as_president,
    SignStep.ASK_TEACHER: _ask_teacher,
    SignStep.TEACHER: _sign_as_teacher,
}


def on_press(reviewer: Reviewer, press: SignPress) -> list[Action]:
    """A step of the sign-off, on the version of the results the presser saw."""
    return _STEPS[press.step](reviewer, press.version)
