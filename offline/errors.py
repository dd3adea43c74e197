"""The errors every command reports as one message and exit code 2 (a traceback only with --debug)."""

from __future__ import annotations


class UsageError(Exception):
    """A problem with the command line, the project files or the program: the message is what the user needs."""
