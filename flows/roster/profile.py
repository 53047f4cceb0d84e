"""A member as they are shown to themselves: name, team, department, position (职务) and committee role."""

from __future__ import annotations

from typing import Any

from flows.rules.names import name_of
from flows.ui.chat import Action, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from storage.models import CommitteeRole, Member, Position


def profile_context(context: FlowContext, member: Member, locale: str) -> dict[str, Any]:
    """The template variables describing ``member`` in ``locale``."""
    team, department = context.team_and_department(member)
    return {
        "name": member.name,
        "student_no": member.student_no,
        "team": team,
        "department": department,
        "position": name_of(Position(member.position), locale),
        "committee": name_of(CommitteeRole(member.committee_role), locale) if member.committee_role else "",
        "college": member.college,
        "term_start": member.term_start,
    }


def show_me(context: FlowContext, incoming: Incoming) -> list[Action]:
    """``/me``: the member's own details, or how to register."""
    locale = context.locale(incoming)
    if not incoming.is_private:
        return [Reply(render(locale, "group_pointer"))]
    member = context.member_of(incoming.telegram_user_id)
    if member is None:
        return [Reply(render(locale, "stranger_start"))]
    return [Reply(render(locale, "me", **profile_context(context, member, locale)))]
