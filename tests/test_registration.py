"""Registration with invitation codes: binding, greeting, and every refusal changing nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from flows.roster.invitations import InvitationError, invitations_for_unbound, reissue
from flows.roster.registration import start
from flows.ui.chat import ChatKind, Incoming, Reply, SetMenu
from flows.ui.context import FlowContext
from storage.models import AuditEntry, Department, Invitation, Member, Position, Team, TelegramBinding

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def org(session: Session) -> dict[str, Member]:
    team = Team(name="校学生会")
    session.add(team)
    session.flush()
    office = Department(team_id=team.id, name="办公室")
    session.add(office)
    session.flush()
    officer = {"team_id": team.id, "department_id": office.id, "position": Position.OFFICER}
    members = {
        "president": Member(
            student_no="2023000042", name="罗晨秀", team_id=team.id, position=Position.PRESIDENT
        ),
        "officer": Member(
            student_no="2023000256", name="郭宇雅", college="外国语学院", term_start="2025-09", **officer
        ),
        "gone": Member(student_no="2023000331", name="江桂", active=False, **officer),
    }
    session.add_all(members.values())
    session.commit()
    return members


def context(session: Session, now: datetime = NOW) -> FlowContext:
    return FlowContext(session=session, now=now, max_wrong_codes=3, wrong_code_window=timedelta(hours=1))


def invite_codes(session: Session, now: datetime = NOW) -> dict[str, str]:
    issued = invitations_for_unbound(session, now=now, valid_days=14, bot_username="kaohe_bot")
    session.commit()
    return {i.member.student_no: i.code for i in issued}


def start_with(
    session: Session,
    user: int,
    code: str = "",
    *,
    now: datetime = NOW,
    chat: ChatKind = ChatKind.PRIVATE,
    lang: str | None = "zh-hans",
) -> str:
    text = f"/start {code}".strip()
    chat_id = user if chat is ChatKind.PRIVATE else -100123
    replies = start(context(session, now), Incoming(user, chat_id, chat, text=text, language_code=lang))
    session.commit()
    return "\n".join(r.text for r in replies if isinstance(r, Reply))


def bindings(session: Session) -> list[TelegramBinding]:
    return list(session.exec(select(TelegramBinding)))


def test_invitations_go_to_active_unbound_members_only_and_are_stable(session, org):
    first = invite_codes(session)
    assert set(first) == {"2023000042", "2023000256"}
    assert invite_codes(session) == first  # asking again hands out the same live codes
    issued = invitations_for_unbound(session, now=NOW, valid_days=14, bot_username="kaohe_bot")
    officer = next(i for i in issued if i.member.student_no == "2023000256")
    assert officer.link == f"https://t.me/kaohe_bot?start={officer.code}"
    assert officer.expires_at == NOW + timedelta(days=14)


def test_a_valid_code_binds_the_account_and_greets_by_name_team_department_and_position(session, org):
    code = invite_codes(session)["2023000256"]
    text = start_with(session, 501, code)
    assert "郭宇雅" in text and "校学生会" in text and "办公室" in text and "干事" in text
    [binding] = bindings(session)
    assert (binding.member_id, binding.telegram_user_id, binding.chat_id) == (org["officer"].id, 501, 501)
    invitation = session.exec(select(Invitation).where(Invitation.code == code)).one()
    assert invitation.used_at == NOW and invitation.used_by_telegram_id == 501
    assert (
        session.exec(select(AuditEntry).where(AuditEntry.action == "invite.use")).one().actor
        == "telegram:501"
    )
    assert "2023000256" not in invite_codes(session)  # bound members get no more invitations


def test_registering_gives_the_private_chat_the_member_menu(session, org):
    code = invite_codes(session)["2023000256"]
    actions = start(context(session), Incoming(501, 501, text=f"/start {code}", language_code="en"))
    [menu] = [a for a in actions if isinstance(a, SetMenu)]
    assert menu.chat_id == 501 and menu.locale == "en"
    assert "me" in [command for command, _ in menu.commands]


def test_english_clients_are_answered_in_english(session, org):
    code = invite_codes(session)["2023000256"]
    text = start_with(session, 501, code, lang="en")
    assert "officer" in text and "Hello" in text


def test_an_unknown_code_is_refused_and_binds_nothing(session, org):
    assert "无效" in start_with(session, 501, "not-a-real-code")
    assert bindings(session) == []


def test_a_used_code_is_refused_for_a_second_account(session, org):
    code = invite_codes(session)["2023000256"]
    start_with(session, 501, code)
    assert "已经被使用" in start_with(session, 502, code)
    assert [b.telegram_user_id for b in bindings(session)] == [501]


def test_the_same_account_using_its_code_again_is_told_it_is_already_registered(session, org):
    code = invite_codes(session)["2023000256"]
    start_with(session, 501, code)
    assert "无需重复" in start_with(session, 501, code)
    assert len(bindings(session)) == 1


def test_an_expired_code_is_refused_with_its_expiry_in_local_time(session, org):
    code = invite_codes(session)["2023000256"]
    later = NOW + timedelta(days=15)
    text = start_with(session, 501, code, now=later)
    assert "过期" in text and "2026-12-08 20:00" in text  # 12:00 UTC is 20:00 in Shanghai
    assert bindings(session) == []


def test_a_revoked_code_is_refused_after_reissue_and_the_new_one_works(session, org):
    old = invite_codes(session)["2023000256"]
    new = reissue(session, "2023000256", now=NOW, valid_days=14, bot_username="kaohe_bot")
    session.commit()
    assert new.code != old
    assert "作废" in start_with(session, 501, old)
    assert "郭宇雅" in start_with(session, 501, new.code)


def test_reissue_refuses_unknown_inactive_and_bound_members(session, org):
    codes = invite_codes(session)
    start_with(session, 501, codes["2023000256"])
    for student_no, key in [
        ("999", "invite_unknown_member"),
        ("2023000331", "invite_inactive_member"),
        ("2023000256", "invite_already_bound"),
    ]:
        with pytest.raises(InvitationError) as raised:
            reissue(session, student_no, now=NOW, valid_days=14, bot_username="kaohe_bot")
        assert raised.value.key == key


def test_an_account_already_bound_cannot_bind_a_second_member(session, org):
    codes = invite_codes(session)
    start_with(session, 501, codes["2023000256"])
    text = start_with(session, 501, codes["2023000042"])
    assert "已绑定为" in text and "郭宇雅" in text
    assert len(bindings(session)) == 1
    assert "罗晨秀" not in start_with(session, 777)  # the president's code is still unused
    assert "罗晨秀" in start_with(session, 777, codes["2023000042"])


def test_a_code_sent_in_a_group_is_refused_and_stays_usable(session, org):
    code = invite_codes(session)["2023000256"]
    assert "私聊" in start_with(session, 501, code, chat=ChatKind.GROUP)
    assert bindings(session) == []
    assert "郭宇雅" in start_with(session, 501, code)


def test_a_member_who_left_the_roster_cannot_register(session, org):
    code = invite_codes(session)["2023000256"]
    org["officer"].active = False
    session.add(org["officer"])
    session.commit()
    assert "不在当前名单" in start_with(session, 501, code)
    assert bindings(session) == []


def test_repeated_wrong_codes_are_throttled_even_for_a_right_code(session, org):
    code = invite_codes(session)["2023000256"]
    for attempt in range(3):
        start_with(session, 501, f"wrong-{attempt}", now=NOW + timedelta(minutes=attempt))
    text = start_with(session, 501, code, now=NOW + timedelta(minutes=5))
    assert "次数过多" in text and "2026-11-24 21:00" in text
    assert bindings(session) == []
    assert "郭宇雅" in start_with(session, 501, code, now=NOW + timedelta(minutes=61))
    assert "郭宇雅" not in start_with(session, 502, "x")  # throttling is per account


def test_plain_start_shows_a_stranger_how_to_register_and_a_member_their_menu(session, org):
    assert "邀请链接" in start_with(session, 900)
    start_with(session, 501, invite_codes(session)["2023000256"])
    text = start_with(session, 501)
    assert "欢迎回来" in text and "/me" in text and "/help" in text
