"""What the committee reads beside an appeal: the examinee's self-assessment (附表一) and the change
history (变更记录) of their self-assessment, score sheet and appeal, from the audit trail."""

from __future__ import annotations

from sqlmodel import Session

from flows.appeals.common import Desk
from flows.rules.cycles import scheme_of
from flows.selfassess import Form, rendered_form
from storage import cycles as cycle_store
from storage import roster, scoring
from storage.archive import entries_about, member_actors
from storage.models import Appeal, AuditEntry, CycleExaminee, SelfStatus


def self_assessment_text(desk: Desk, _: Appeal, examinee: CycleExaminee) -> str:
    """The examinee's self-assessment as they wrote it, or a line saying there is none."""
    assessment = cycle_store.self_assessment(desk.context.session, examinee.id)
    if assessment is None:
        return desk.text("appeal_no_self_assessment", name=examinee.name)
    form = Form(desk.context, desk.locale, examinee, desk.cycle, scheme_of(desk.cycle), assessment, desk.user)
    draft = assessment.status != SelfStatus.SUBMITTED
    return rendered_form(form) + ("\n\n" + desk.text("appeal_self_draft") if draft else "")


def examinee_records(session: Session, examinee: CycleExaminee, appeal: Appeal | None) -> dict[str, list]:
    """The examinee's records whose changes the audit trail holds: entity kind → ids."""
    assessment = cycle_store.self_assessment(session, examinee.id)
    sheet = scoring.sheet_of(session, examinee.id)
    return {
        "self_assessment": [assessment.id] if assessment else [],
        "score_sheet": [sheet.id] if sheet else [],
        "appeal": [appeal.id] if appeal else [],
    }


def actor_names(session: Session, entries: list[AuditEntry]) -> dict[str, str]:
    """``member:12`` → the member's name, for every member actor among ``entries``."""
    people = roster.members(session, member_actors(entries))
    return {f"member:{member_id}": member.name for member_id, member in people.items()}


def history_text(desk: Desk, appeal: Appeal, examinee: CycleExaminee) -> str:
    """Every audited change to the examinee's records, oldest first: when, who, what, why."""
    session = desk.context.session
    entries = entries_about(session, examinee_records(session, examinee, appeal))
    names = actor_names(session, entries)
    lines = [
        desk.text(
            "appeal_history_line",
            at=desk.context.local_time(entry.at),
            actor=names.get(entry.actor, entry.actor),
            action=entry.action,
            reason=entry.reason or "",
        )
        for entry in entries
    ]
    return "\n".join([desk.text("appeal_history_title", name=examinee.name), *lines])
