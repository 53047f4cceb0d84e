"""The self-assessment (自我评定, 附表一), behind ``/self``.

- ``form``: one examinee's form as anyone reads it (``Form``, ``rendered_form``);
- ``examinee``: the ``Examinee`` actor filling it in;
- ``presses``: the buttons of ``/self`` (``SelfPress``);
- ``screens``: what the examinee sees; ``conversation``: the steps.

The router reaches it through ``start`` (``/self``), ``on_press`` (a ``SelfPress``) and ``on_input``
(a typed answer while the conversation ``FLOW`` waits for one).
"""

from flows.selfassess.conversation import FLOW, on_input, on_press, start
from flows.selfassess.form import Form, rendered_form
from flows.selfassess.presses import SelfPress

__all__ = ["FLOW", "Form", "SelfPress", "on_input", "on_press", "rendered_form", "start"]
