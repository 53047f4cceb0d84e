"""The committee's review (复核确认, 复核平衡), its sign-off (复核签字) and each examinee's private result.

``/review`` (``conversation``) is for committee members: every department's progress, ratings, rule
breaks and changes with reasons (the board is ``flows.results.board``; ``screens``, ``changes``), the
presidents' score sheets (``presidents``), then the sign-off on a version of the results (``signoff``),
whose last signature releases them (``release``). ``/result`` (``release``) shows an examinee their own
result, with their signature for receipt and the way to appeal. Who may act is ``reviewer.Reviewer``
and ``release.ResultReader`` (both ``flows.actor.Actor``); the buttons are the families of ``presses``
and ``release.ReceiptPress``.

Entry points for the router: ``start`` and ``on_input`` (``/review`` and its typed answers, in the
conversation ``FLOW``), ``show_result`` (``/result``) and ``PRESSES`` (every button family of both,
with the step that handles a press of it).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flows.review.conversation import FLOW, on_input, start
    from flows.review.release import start as show_result
    from flows.review.reviewer import PressHandler
    from flows.ui.buttons import ButtonData

    PRESSES: dict[type[ButtonData], PressHandler]

__all__ = ["FLOW", "PRESSES", "on_input", "show_result", "start"]


def __getattr__(name: str) -> Any:
    """The entry points, imported when first asked for: importing one of the review's modules (the
    sign-off's state, for ``kaohe cycle status`` and the sender's checks) loads neither the conversation
    nor all it reads."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    conversation = import_module("flows.review.conversation")
    release = import_module("flows.review.release")
    entry_points = {
        "FLOW": conversation.FLOW,
        "start": conversation.start,
        "on_input": conversation.on_input,
        "show_result": release.start,
        "PRESSES": {**conversation.PRESSES, **release.PRESSES},
    }
    return entry_points[name]
