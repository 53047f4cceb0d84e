"""The committee never stuck (考核小组接管): after the scoring deadline a committee member may take over a
score sheet its scorer did not submit, and after the self-assessment deadline record a self-assessment
that was not submitted as missing (缺交).

Both need a reason, are audited (``score.takeover`` on the sheet, ``self.missing`` on the
self-assessment) and so appear in the archive's trail. A sheet taken over is handed to the committee
member (its scorer of record from then on, ``Entry.taken_over``) and filled in like a president's
(flows.review.presidents); its scorer can no longer change it and is told, with the reason, through
the notice path. Once it is submitted, the committee's confirmation can go ahead.
"""

from __future__ import annotations

from flows.notices.notice import Kind, Notice, notify, rendered
from flows.results.board import Entry
from flows.review import examinee_view, presidents
from flows.review.changes import REASON_MAX, REASON_MIN
from flows.review.presses import ExamineePress, ExamineeStep
from flows.review.reviewer import Reviewer
from flows.ui.chat import Action
from storage import cycles as cycle_store
from storage import scoring
from storage.models import SelfStatus

KINDS = ("takeover", "missing")  # the changes this module makes, as ``_take_reason`` names them


def ask(reviewer: Reviewer, press: ExamineePress) -> list[Action]:
    """Taking over a sheet, or recording a self-assessment as missing: the reason is asked first."""
    entry = reviewer.changeable(press.examinee, submitted=False)
    kind = "takeover" if press.step is ExamineeStep.TAKE_OVER else "missing"
    _check(reviewer, entry, kind)
    reviewer.remember(awaiting="reason", change={"kind": kind, "examinee": entry.examinee.id})
    back = examinee_view.back_to(reviewer, entry)
    params = {"name": entry.examinee.name, "scorer": entry.scorer, "min": REASON_MIN, "max": REASON_MAX}
    return [examinee_view.prompt(reviewer, f"review_ask_{kind}", back, **params)]


def on_reason(reviewer: Reviewer, change: dict, reason: str) -> list[Action]:
    """The reason arrived: check again, then take the sheet over (and start filling it in) or record
    the self-assessment as missing."""
    entry = reviewer.changeable(change.get("examinee"), submitted=False)
    kind = str(change.get("kind"))
    _check(reviewer, entry, kind)
    reviewer.forget()
    name = entry.examinee.name
    if kind == "takeover":
        told = _take_over(reviewer, entry, reason)
        done = reviewer.text("review_taken_over_done", name=name, scorer=entry.scorer, told=told)
        return presidents.take_up(reviewer, reviewer.entry(entry.examinee.id), prefix=done + "\n\n")
    _mark_missing(reviewer, entry, reason)
    done = reviewer.text("review_self_missing_done", name=name)
    return [*examinee_view.examinee_screen(reviewer, reviewer.entry(entry.examinee.id), prefix=done + "\n\n")]


def _check(reviewer: Reviewer, entry: Entry, kind: str) -> None:
    if kind == "takeover" and not reviewer.can_take_over(entry):
        reviewer.refuse("review_stale", reason="not a sheet overdue with its scorer")
    if kind == "missing" and reviewer.self_missing(entry) is not None:
        reviewer.refuse("review_stale", reason="the self-assessment is submitted, recorded or not yet due")


def _take_over(reviewer: Reviewer, entry: Entry, reason: str) -> bool:
    """Hand the sheet to the presser, audited with the reason; tell its scorer (False: no chat)."""
    examinee, scorer = entry.examinee, entry.examinee.scorer_member_id
    assert scorer is not None  # can_take_over
    sheet = scoring.start_sheet(reviewer.session, examinee.id, scorer, reviewer.now)
    scoring.take_over_sheet(reviewer.session, sheet, reviewer.member.id, reviewer.now)
    before = {"scorer": scorer, "status": str(sheet.status)}
    after = {"scorer": reviewer.member.id, "examinee": examinee.student_no}
    reviewer.record("score.takeover", "score_sheet", sheet.id, before=before, after=after, reason=reason)
    text = rendered(
        "review_taken_over_notice",
        cycle=reviewer.cycle.name,
        name=examinee.name,
        by=reviewer.member.name,
        reason=reason,
    )
    notice = Notice(Kind.TAKEN_OVER, reviewer.cycle.id, about_id=sheet.id)
    return notify(reviewer.context, notice, [scorer], text) > 0


def _mark_missing(reviewer: Reviewer, entry: Entry, reason: str) -> None:
    examinee = entry.examinee
    assessment = cycle_store.mark_self_missing(reviewer.session, examinee.id, reviewer.now)
    after = {"status": str(SelfStatus.MISSING), "examinee": examinee.student_no}
    reviewer.record("self.missing", "self_assessment", assessment.id, after=after, reason=reason)
