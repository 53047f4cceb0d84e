"""Appeals (申诉, 附表六) and their clocks, the appeals desk, and feedback interviews (面谈).

- ``conversation``: the examinee's ``/appeal`` form, and ``appeal_button`` under a released result;
- ``desk``: ``/appeals``, what the organisation department, the teachers and the committee see of
  appeals, and the report to the committee (上报考核小组);
- ``consult``: the committee asks the parties (征求意见), who answer from ``/appeals``;
- ``decision``: the committee's final decision (最终裁定);
- ``clock``: the 24-hour and 7-day clocks the scheduler runs;
- ``interviews``: ``/interview`` records an interview, ``/interviews`` reads them (面谈记录);
- ``presses``: their buttons, as families of the one codec (``flows.ui.buttons``);
- ``common``, ``history``: what they share (the desk, the form as text, notices and escalation; what
  the committee reads beside an appeal). The result disputed, and the one that stands once decided,
  is ``flows.results.result``.
"""

from flows.appeals import clock, consult, conversation, decision, desk, interviews
from flows.appeals.conversation import appeal_button
from flows.appeals.presses import AppealPress, ConsultPress, DecisionPress, DeskPress, InterviewPress

__all__ = [
    "AppealPress",
    "ConsultPress",
    "DecisionPress",
    "DeskPress",
    "InterviewPress",
    "appeal_button",
    "clock",
    "consult",
    "conversation",
    "decision",
    "desk",
    "interviews",
]
