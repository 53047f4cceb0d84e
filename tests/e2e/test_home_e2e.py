"""End to end through ``kaohe run``: a member who registers while a cycle is open is told the cycle,
the deadline and the next step in their greeting, with a button that opens it."""

from __future__ import annotations

from cycle_helpers import SMALL_ROSTER
from e2e_helpers import in_days, invitation_codes, open_cycle


def test_a_member_who_registers_mid_cycle_is_told_the_cycle_the_deadline_and_the_next_step(
    bot, fake_api, kaohe
):
    kaohe("roster", "import", str(SMALL_ROSTER))
    codes = invitation_codes(kaohe)
    bot.start()
    self_due = in_days(7)
    open_cycle(kaohe, (self_due, in_days(14), in_days(21)))

    newcomer = fake_api.user(904)
    newcomer.send(f"/start {codes['1004']}")
    greeting = newcomer.wait_for("你好")
    assert "刘洋" in greeting.body and "2026秋季考核 正在进行" in greeting.body
    assert f"填写自我评定（附表一），截止 {self_due.replace('T', ' ')}" in greeting.body
    assert "考核周期开始后" not in greeting.body and "📝 填写自我评定" in greeting.labels
    newcomer.press(greeting, "📝 填写自我评定")
    newcomer.wait_for("自我评定表（附表一）")
    assert bot.stop() == 0
