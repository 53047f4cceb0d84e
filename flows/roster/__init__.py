"""The roster (名册): reading a roster file (``columns``, ``reading``) and importing it
(``importing``), invitation links (``invitations``), registration with ``/start`` and a member's own
details with ``/me``.

``registration`` is not imported here: its greeting shows the home screen (``flows.home``), which
reads every flow, and those flows read the roster; the router imports it by name.
"""

from flows.roster.importing import import_roster
from flows.roster.invitations import invitations_for_unbound, reissue
from flows.roster.profile import show_me
from flows.roster.reading import read_roster

__all__ = ["import_roster", "invitations_for_unbound", "read_roster", "reissue", "show_me"]
