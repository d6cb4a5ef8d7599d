"""Alembic tree of the auth store (version table ``atrium_auth_alembic_version``)."""
