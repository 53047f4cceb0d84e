"""Registration (注册绑定): ``/start CODE`` binds a Telegram account to a member of the roster.

Every refusal changes nothing but the record of a wrong code, which throttles guessing. Codes are
accepted only in a private chat, so nobody's invitation is exposed in a group.
"""

from __future__ import annotations

from flows.home import home_text
from flows.roster.profile import profile_context
from flows.ui.chat import Action, Incoming, Reply, SetMenu
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from flows.ui.menu import member_menu, stranger_menu
from storage import accounts, audit
from storage.models import CodeAttempt, Invitation, Member, TelegramBinding


def _say(context: FlowContext, incoming: Incoming, key: str, **params: object) -> list[Action]:
    return [Reply(render(context.locale(incoming), key, **params))]


def _menu_text(locale: str, commands: list) -> str:
    lines = [render(locale, "menu_header")]
    lines += [render(locale, "menu_line", command=c.command, description=c.description) for c in commands]
    return "\n".join(lines)


def member_home(context: FlowContext, incoming: Incoming, member: Member, greeting_key: str) -> list[Action]:
    """A greeting for a registered member, their home screen (what is pending now, a button for each
    task) and their menu."""
    locale = context.locale(incoming)
    greeting = render(locale, greeting_key, **profile_context(context, member, locale))
    home, buttons = home_text(context, locale, member)
    menu = _menu_text(locale, member_menu(member, locale))
    return [Reply("\n\n".join((greeting, home, menu)), buttons)]


def start(context: FlowContext, incoming: Incoming) -> list[Action]:
    """Handle ``/start`` with or without an invitation code."""
    code = incoming.argument
    if not incoming.is_private:
        return _say(context, incoming, "start_in_group" if code else "group_pointer")
    member = accounts.member_of_user(context.session, incoming.telegram_user_id)
    if not code:
        if member is not None:
            return member_home(context, incoming, member, "member_start")
        locale = context.locale(incoming)
        return [Reply(render(locale, "stranger_start") + "\n\n" + _menu_text(locale, stranger_menu(locale)))]
    return _redeem(context, incoming, code)


def _throttled_until(context: FlowContext, telegram_user_id: int) -> str | None:
    since = context.now - context.wrong_code_window
    recent = accounts.wrong_codes_since(context.session, telegram_user_id, since)
    if len(recent) < context.max_wrong_codes:
        return None
    return context.local_time(recent[-context.max_wrong_codes] + context.wrong_code_window)


def _refuse_wrong_code(context: FlowContext, incoming: Incoming, key: str, **params: object) -> list[Action]:
    context.session.add(CodeAttempt(telegram_user_id=incoming.telegram_user_id, at=context.now))
    return _say(context, incoming, key, **params)


def _redeem(context: FlowContext, incoming: Incoming, code: str) -> list[Action]:
    session = context.session
    until = _throttled_until(context, incoming.telegram_user_id)
    if until is not None:
        return _say(context, incoming, "code_throttled", until=until)
    invitation = accounts.invitation_by_code(session, code)
    if invitation is None:
        return _refuse_wrong_code(context, incoming, "code_unknown")
    own = accounts.binding_of_user(session, incoming.telegram_user_id)
    if own is not None:
        if own.member_id == invitation.member_id:
            return _say(context, incoming, "already_registered")
        bound_to = session.get(Member, own.member_id)
        return _say(context, incoming, "account_already_bound", name=bound_to.name if bound_to else "")
    refusal = _invitation_refusal(context, invitation)
    if refusal is not None:
        key, params = refusal
        return _refuse_wrong_code(context, incoming, key, **params)
    member = session.get(Member, invitation.member_id)
    assert member is not None  # foreign key
    if not member.active:
        return _say(context, incoming, "code_member_inactive")
    if accounts.bindings_of(session, [invitation.member_id]).get(invitation.member_id) is not None:
        return _say(context, incoming, "code_member_bound")
    _bind(context, incoming, invitation, member)
    locale = context.locale(incoming)
    menu = tuple((c.command, c.description) for c in member_menu(member, locale))
    return [*member_home(context, incoming, member, "welcome_bound"), SetMenu(incoming.chat_id, locale, menu)]


def _invitation_refusal(context: FlowContext, invitation: Invitation) -> tuple[str, dict] | None:
    if invitation.revoked_at is not None:
        return "code_revoked", {}
    if invitation.used_at is not None:
        return "code_used", {}
    if invitation.expires_at <= context.now:
        return "code_expired", {"expired": context.local_time(invitation.expires_at)}
    return None


def _bind(context: FlowContext, incoming: Incoming, invitation: Invitation, member: Member) -> None:
    session = context.session
    invitation.used_at = context.now
    invitation.used_by_telegram_id = incoming.telegram_user_id
    session.add(invitation)
    binding = TelegramBinding(
        member_id=member.id,
        telegram_user_id=incoming.telegram_user_id,
        chat_id=incoming.chat_id,
        username=incoming.username,
        language_code=incoming.language_code,
        bound_at=context.now,
    )
    session.add(binding)
    audit.record(
        session,
        actor=f"telegram:{incoming.telegram_user_id}",
        action="invite.use",
        entity="member",
        entity_id=member.id,
        after={"student_no": member.student_no, "telegram_user_id": incoming.telegram_user_id},
        at=context.now,
    )
    session.flush()
