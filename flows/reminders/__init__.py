"""What the bot sends on its own time (催办, 阶段通知), through the one notice path (``flows.notices``).

- ``ladder``: the reminder ladder and the digests (each reminder with the button of its task, the
  committee's digest with the review's);
- ``announcements``: phase changes announced to the people concerned;
- ``nudge``: the committee's nudge (一键催办);
- ``schedule``: what the scheduler plans, and the sender's triage (drop, hold, send);
- ``checks``: whether a due notice of any kind is still true (the sign-off's, an appeal's...).

They sit above the flows whose progress they report and whose buttons they carry (the home screen's
tasks, the review's screens). Each module is imported by name, none here.
"""
