"""Confirming the balance and signing off (复核确认, 学联主席复核签字, 团委老师签字): only when balanced, in
order, by the configured roles, on the version the signer saw; a later change voids signatures and tells the
signers; the teacher's signature releases and freezes the results."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cycle_helpers import GOOD, NOW, PASS, TOP, Person, balance, confirm, open_small_cycle, score_everyone
from sqlmodel import Session, select

from bot.cli import main
from flows.review.presses import RatingPress, SignPress, SignStep
from flows.rules.scheme import DEFAULT_SCHEME, SchemeError, load_scheme
from storage.audit import entries
from storage.models import Cycle, Notification, ReviewChange, Signature, SignatureRole

SCORED_AT = NOW + timedelta(days=8)
ALL_SCORES = {"1001": TOP, "1002": GOOD, "1003": TOP, "1004": GOOD, "1005": PASS}


def sign_without_comment(president: Person) -> str:
    """The federation president signs the results from /review, with no comment."""
    president.says("/review")
    president.taps("学联主席复核签字")
    return president.taps("无意见")


def signing(step: SignStep, version: int) -> str:
    """The data of a sign-off button in the first cycle."""
    return SignPress(1, step, version).pack()


@pytest.fixture
def people(session):
    people = open_small_cycle(session)
    score_everyone(session, ALL_SCORES, SCORED_AT, "T01")
    return people


@pytest.fixture
def balanced(people):
    balance(people["T01"])
    return people


def live(session: Session) -> list[tuple[str, int]]:
    rows = session.exec(select(Signature).where(Signature.voided_at == None)).all()  # noqa: E711
    return [(str(s.role), s.version) for s in rows]


def notices(session: Session, chat_id: int) -> list[str]:
    return [n.text for n in session.exec(select(Notification).where(Notification.chat_id == chat_id))]


def test_the_balance_cannot_be_confirmed_while_anything_is_open(session, people):
    teacher = people["T01"]
    teacher.says("/review")
    text = teacher.taps("确认复核平衡")
    assert "确认复核前还需：3 个部门未设定业绩评价" in text
    assert live(session) == []


def test_confirming_records_the_committee_and_asks_the_president_to_sign(session, balanced):
    teacher = balanced["T01"]
    teacher.says("/review")
    assert "<b>确认复核平衡（第 1 版）？</b>" in teacher.taps("确认复核平衡")
    text = teacher.taps("✅ 确认")
    assert "考核小组已确认第 1 版结果。已通知学联主席（李华）复核签字" in text
    assert live(session) == [("committee", 1)]
    [ask] = [t for t in notices(session, 801) if "学联主席身份" in t]
    assert "第 1 版" in ask and "/review" in ask
    assert "结果第 1 版：考核小组已确认（赵敏，" in teacher.says("/review")


def test_the_signatures_come_in_order_from_the_configured_roles(session, balanced):
    teacher, president, member = balanced["T01"], balanced["1001"], balanced["1002"]
    confirm(member)
    member.says("/review")
    assert "学联主席复核签字" not in str(member.buttons())
    assert "这一步不由你签字" in member.refused(signing(SignStep.ASK_PRESIDENT, 1))
    assert "现在还不到这一步" in teacher.refused(signing(SignStep.ASK_TEACHER, 1))
    president.says("/review")
    president.taps("学联主席复核签字")
    assert "复核意见最多 500 字" in president.says("意" * 501)
    text = president.says("同意考核小组的复核意见。")
    assert "你已复核签字（第 1 版）。复核意见：同意考核小组的复核意见。" in text
    assert "已通知团委老师（赵敏）签字" in text
    assert live(session) == [("committee", 1), ("president", 1)]
    [signature] = session.exec(select(Signature).where(Signature.role == SignatureRole.PRESIDENT)).all()
    assert signature.comment == "同意考核小组的复核意见。" and signature.signed_at == president.now
    assert any("团委老师身份" in t for t in notices(session, 806))


def test_the_president_may_sign_without_a_comment(session, balanced):
    confirm(balanced["T01"])
    president = balanced["1001"]
    assert "你已复核签字（第 1 版）" in sign_without_comment(president)
    assert live(session)[-1] == ("president", 1)


def test_the_teachers_signature_releases_and_freezes_the_results(session, balanced):
    teacher, president = balanced["T01"], balanced["1001"]
    confirm(teacher)
    sign_without_comment(president)
    teacher.says("/review")
    assert "学联主席 李华 已复核签字" in teacher.taps("团委老师签字")
    text = teacher.taps("确认签字并发布")
    assert "第 1 版结果已冻结并发布：5 位被考核者将在与我的私聊中收到本人结果" in text
    assert session.exec(select(Cycle)).one().released_at == teacher.now
    assert len(entries(session, "results.release")) == 1
    text = teacher.says("/review")
    assert "结果已于" in text and "已冻结" in text
    teacher.taps("办公室")
    assert "优秀" not in str(teacher.buttons())  # no more ratings to set
    assert "已冻结" in teacher.refused(RatingPress(1, 1, "ordinary").pack())
    assert len(session.exec(select(ReviewChange)).all()) == 3  # the three ratings; nothing after the release


def test_a_change_after_signing_voids_the_signatures_and_tells_the_signers(session, balanced):
    teacher, president = balanced["T01"], balanced["1001"]
    confirm(teacher)
    sign_without_comment(president)
    member = balanced["1002"]
    member.says("/review")
    member.taps("学习部")
    member.taps("陈静")
    member.taps("改分")
    member.taps("工作业绩")
    member.says("16")
    member.says("补充了新的工作材料，加一分")
    assert live(session) == []
    assert len(entries(session, "review.void")) == 2
    assert session.exec(select(ReviewChange)).all()[-1].version == 2
    [void] = [t for t in notices(session, 801) if "作废" in t]
    assert "王芳 修改了考核结果，结果已成为第 2 版。你对第 1 版的学联主席签字已作废" in void
    assert any("第 1 版的复核确认已作废" in t for t in notices(session, 806))
    assert "结果第 2 版：考核小组尚未确认" in teacher.says("/review")
    assert "结果在你查看之后有了修改" in president.refused(signing(SignStep.ASK_PRESIDENT, 1))  # version 1's
    assert "结果在你查看之后有了修改" in teacher.refused(signing(SignStep.CONFIRM, 1))
    assert "考核小组已确认第 2 版结果" in confirm(teacher)


def test_changes_with_nothing_signed_keep_the_version(session, balanced):
    teacher = balanced["T01"]
    teacher.says("/review")
    teacher.taps("学习部")
    teacher.taps("一般")
    assert {change.version for change in session.exec(select(ReviewChange))} == {1}


def test_the_sign_off_roles_come_from_the_scheme(session, tmp_path):
    text = DEFAULT_SCHEME.read_text(encoding="utf-8").replace(
        'president = ["deputy_leader"]', 'president = ["member"]'
    )
    scheme = tmp_path / "scheme.toml"
    scheme.write_text(text, encoding="utf-8")
    people = open_small_cycle(session, scheme=scheme)
    score_everyone(session, ALL_SCORES, SCORED_AT, "T01")
    balance(people["T01"])
    assert "已通知学联主席（王芳）复核签字" in confirm(people["T01"])
    assert "这一步不由你签字" in people["1001"].refused(signing(SignStep.ASK_PRESIDENT, 1))
    people["1002"].says("/review")
    assert "学联主席复核签字" in str(people["1002"].buttons())


def test_a_role_cannot_sign_twice(tmp_path):
    text = DEFAULT_SCHEME.read_text(encoding="utf-8").replace(
        'teacher = ["chief_adviser", "leader"]', 'teacher = ["chief_adviser", "deputy_leader"]'
    )
    scheme = tmp_path / "scheme.toml"
    scheme.write_text(text, encoding="utf-8")
    with pytest.raises(SchemeError, match=r"signoff\.teacher: deputy_leader also sign as president"):
        load_scheme(scheme)


def test_cycle_status_shows_the_sign_off_and_acknowledgements(
    session, balanced, database_url, tmp_path, capsys
):
    teacher, president = balanced["T01"], balanced["1001"]
    confirm(teacher)
    sign_without_comment(president)
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    assert main(["--config", str(config), "cycle", "status"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("复核签字（第 1 版）"))
    assert "考核小组确认 赵敏" in line and "学联主席 李华" in line
    assert line.endswith("被考核者签字 ░░░░░░░░░░ 0/5")
