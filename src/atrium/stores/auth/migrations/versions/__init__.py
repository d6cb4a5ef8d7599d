"""Revisions of the auth store's Alembic tree."""
