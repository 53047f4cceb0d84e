"""The one way a flow says no: ``raise Refused(key, **params)``.

Whoever acts (an examinee, a scorer, a reviewer, the appeal desk, an interview recorder) is refused
the same way, from any depth of a flow, before anything is written. The router (``flows.router``)
turns a refusal into the answer: a short toast for a button press (logged and audited as
``button.refused``), a reply for a typed answer or a command. A refused typed answer can carry the
question still waiting (``repeating``), so the reply asks it again under the reason.
"""

from __future__ import annotations

from flows.ui.chat import Reply


class Refused(Exception):
    """A press, answer or command the sender may not make now; ``key`` names the message saying why."""

    def __init__(self, key: str, *, reason: str | None = None, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params
        self.reason = reason or key  # for the log and the audit row: what exactly was wrong
        self.question: Reply | None = None

    def repeating(self, question: Reply) -> Refused:
        """This refusal, answered with ``question`` (the one still waiting) asked again under it."""
        self.question = question
        return self
