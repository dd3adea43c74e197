"""Shared test helpers: external tools, a real PostgreSQL server, the service as a process."""
