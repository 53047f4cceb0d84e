"""End to end through ``kaohe run``: a burst of twenty members, the bot killed with SIGKILL at random
moments, and after each restart every update handled exactly once, in order in its chat.

The moments are random but reached by waiting for a condition (so many answers seen), never by a
timer. Each member sends two wrong invitation codes and then their own: every wrong code is one
``CodeAttempt`` row (a lost update is a missing row, one handled twice a row too many) and the
binding comes last. Answers are sent after the commit and may be sent again when the kill falls
between Telegram taking one and the bot noting it: at most one a worker a kill.
"""

from __future__ import annotations

import random

import pytest
from e2e_helpers import (
    BotProcess,
    Burst,
    Operator,
    check_each_update_handled_once,
    invitations,
    wait_until_inbox_done,
)
from fakebotapi import FakeBotApi

BURST = 20
ROUNDS = 3


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
def test_a_burst_survives_kills_at_random_moments_each_update_handled_once(
    bot: BotProcess, fake_api: FakeBotApi, kaohe: Operator, sample_roster, database_url, webhook
):
    kaohe("roster", "import", str(sample_roster))
    members = invitations(kaohe)
    chance = random.Random()
    seed = chance.randrange(10**6)
    chance.seed(seed)
    print(f"kill moments drawn with seed {seed}")  # shown when the test fails
    for round_ in range(ROUNDS):
        burst = Burst(fake_api, members[round_ * BURST : (round_ + 1) * BURST], 7000 + 100 * round_)
        bot.start(webhook=webhook)
        burst.send()
        kills = 0
        for _ in range(2):  # killed during the burst, and again during the recovery
            seen = burst.answers()
            burst.wait_for_answers(min(burst.updates, seen + chance.randrange(burst.updates - seen + 1)))
            bot.kill()
            kills += 1
            bot.start(webhook=webhook)
        burst.wait_until_all_registered()
        burst.wait_for_answers(burst.updates)
        wait_until_inbox_done(database_url)
        assert bot.stop() == 0
        check_each_update_handled_once(burst, database_url, kills)
    assert "Traceback" not in bot.log_text()
