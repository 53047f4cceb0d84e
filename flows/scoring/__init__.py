"""The supervisor's scoring (直接上级评定, 评分表 附表三), behind ``/score``.

- ``sheet``: who scores whom, when and in what order (the ``Scorer`` actor, one examinee's ``Sheet``);
- ``presses``: the buttons of ``/score`` (``ScorePress``);
- ``screens``: what the scorer sees; ``conversation``: the steps;
- ``progress``: how far each scorer has got, for ``kaohe cycle status``.

The router reaches it through ``start`` (``/score``), ``on_press`` (a ``ScorePress``) and ``on_input``
(a typed answer while the conversation ``FLOW`` waits for one).
"""

from flows.scoring.conversation import FLOW, on_input, on_press, start
from flows.scoring.presses import ScorePress

__all__ = ["FLOW", "ScorePress", "on_input", "on_press", "start"]
