"""The roster (名册): reading and importing it, invitations, registration and a member's own details."""
