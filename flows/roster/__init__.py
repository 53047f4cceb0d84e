"""The roster (名册): reading a roster file (``columns``, ``reading``) and importing it
(``importing``), invitation links (``invitations``), registration with ``/start`` and a member's own
details with ``/me``.

Each module is imported by name, none here: importing the package (as ``flows.roster.reading`` does,
for ``kaohe roster``) loads nothing else, while ``registration``'s greeting shows the home screen
(``flows.home``), which reads every flow.
"""
