"""The admins' editing screens (filled in with the foundation's admin work)."""
