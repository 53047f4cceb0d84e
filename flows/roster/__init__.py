"""The roster (名册): reading a roster file (``columns``, ``reading``) and importing it
(``importing``), invitation links (``invitations``), registration with ``/start`` and a member's own
details with ``/me``."""

from flows.roster.importing import import_roster
from flows.roster.invitations import invitations_for_unbound, reissue
from flows.roster.profile import show_me
from flows.roster.reading import read_roster
from flows.roster.registration import start

__all__ = ["import_roster", "invitations_for_unbound", "read_roster", "reissue", "show_me", "start"]
