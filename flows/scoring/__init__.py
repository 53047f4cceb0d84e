"""The supervisor's scoring (直接上级评定, 评分表 附表三), behind ``/score``.

- ``sheet``: who scores whom, when and in what order (the ``Scorer`` actor, one examinee's ``Sheet``);
- ``presses``: the buttons of ``/score`` (``ScorePress``; ``ScorePagePress`` and ``ScoreFoundPress`` page
  the list and a search);
- ``screens``: what the scorer sees; ``conversation``: the steps.

How far each scorer has got, for ``kaohe cycle status``, is ``flows.cycles.status.scorer_progress``.

The router reaches it through ``start`` (``/score``), ``on_press`` (a ``ScorePress``), ``on_page`` (a
``ScorePagePress``), ``on_found_page`` (a ``ScoreFoundPress``: a page of a search) and ``on_input``
(a typed answer while the conversation ``FLOW`` waits for one, or a name or student number typed
while the list is shown).
"""

from flows.scoring.conversation import FLOW, on_found_page, on_input, on_page, on_press, start
from flows.scoring.presses import ScoreFoundPress, ScorePagePress, ScorePress

__all__ = [
    "FLOW",
    "ScoreFoundPress",
    "ScorePagePress",
    "ScorePress",
    "on_found_page",
    "on_input",
    "on_page",
    "on_press",
    "start",
]
