"""One live message per task (flows.ui.live, storage.live_messages): the message a task's screen was last
shown in is the one a press may act on; a screen sent anew (a fresh ``/review``) takes over at once,
and a press on the one it replaced is refused with a pointer to the latest, before anything changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cycle_helpers import NOW

from flows.ui.chat import Content, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.live import ensure_live, live_target
from flows.ui.refusal import Refused
from storage import live_messages

CHAT = 906


def press_on(message_id: int) -> Incoming:
    return Incoming(CHAT, CHAT, content=Content.BUTTON, text="rf:1:cf:1", message_id=message_id)


def test_a_press_on_a_freshly_sent_screen_is_live_and_one_on_the_screen_it_replaced_is_refused(session):
    context = FlowContext(session=session, now=NOW)
    assert live_messages.record(session, CHAT, "review", 7, NOW) is None  # the overview after rating
    sent_anew = live_target(Reply("复核确认", live="review", edit=False), shown=7, pressed=None)
    assert sent_anew is None  # /review sends its overview as a new message …
    assert live_messages.record(session, CHAT, "review", 9, NOW + timedelta(seconds=1)) == 7  # … now live
    session.commit()
    ensure_live(context, press_on(9), "review")  # the confirmation on the fresh overview goes ahead
    with pytest.raises(Refused) as refused:
        ensure_live(context, press_on(7), "review")
    assert refused.value.key == "stale_screen"


def test_a_task_without_a_live_message_and_other_tasks_leave_a_press_alone(session):
    context = FlowContext(session=session, now=NOW)
    ensure_live(context, press_on(3), "review")
    live_messages.record(session, CHAT, "score", 5, NOW)
    session.commit()
    ensure_live(context, press_on(3), "review")
    assert live_messages.live_message(session, CHAT, "score") == 5
