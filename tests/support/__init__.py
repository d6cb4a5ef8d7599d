"""Shared helpers for Atrium's test suites (ports, PostgreSQL databases, server subprocess)."""
