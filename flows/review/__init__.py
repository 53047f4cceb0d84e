"""The committee's review (复核确认, 复核平衡), its sign-off (复核签字) and each examinee's private result.

``/review`` (``conversation``) is for committee members: every department's progress, ratings, rule
breaks and changes with reasons (``board``, ``screens``, ``changes``), the presidents' score sheets
(``presidents``), then the sign-off on a version of the results (``signoff``), whose last signature
releases them. ``/result`` (``results``) shows an examinee their own result, with their signature for
receipt. Who may act is ``reviewer.Reviewer`` and ``results.ResultReader`` (both ``flows.actor.Actor``);
the buttons are the families of ``presses`` and ``results.ReceiptPress``.

Entry points for the router: ``start`` and ``on_input`` (``/review`` and its typed answers, in the
conversation ``FLOW``), ``show_result`` (``/result``) and ``PRESSES`` (every button family of both,
with the step that handles a press of it).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flows.review.conversation import FLOW, on_input, start
    from flows.review.results import start as show_result
    from flows.review.reviewer import PressHandler
    from flows.ui.buttons import ButtonData

    PRESSES: dict[type[ButtonData], PressHandler]

__all__ = ["FLOW", "PRESSES", "on_input", "show_result", "start"]


def __getattr__(name: str) -> Any:
    """The entry points, imported when first asked for: the review's modules use the appeals, whose
    modules read the review board, so importing them with the package would make a cycle."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    conversation = import_module("flows.review.conversation")
    results = import_module("flows.review.results")
    entry_points = {
        "FLOW": conversation.FLOW,
        "start": conversation.start,
        "on_input": conversation.on_input,
        "show_result": results.start,
        "PRESSES": {**conversation.PRESSES, **results.PRESSES},
    }
    return entry_points[name]
