"""The auth store: users, roles, grants and access tokens in SQL (SQLite or PostgreSQL)."""
