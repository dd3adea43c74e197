"""The error contract of every command: exit 2 with one message; a traceback only with --debug."""

from __future__ import annotations

import sys
import traceback

EXIT_ERROR = 2


class UsageError(Exception):
    """A problem with the command line, the project files or the program: the message is what the user needs."""


def is_users_input(err: BaseException) -> bool:
    """Errors about what the user gave (flags, files, settings): shown as they are, without a class name.

    Settings errors are greenlight's ConfigError and the Pulumi SDK's (`config.require*`). A plan's base
    program brings its own ConfigError class; offline/states.py names that side's errors itself."""
    from pulumi import ConfigMissingError, ConfigTypeError

    from components.settings import ConfigError

    return isinstance(err, (UsageError, ConfigError, ConfigMissingError, ConfigTypeError))


def describe_failure(err: BaseException) -> str:
    return str(err) if is_users_input(err) else f"{type(err).__name__}: {err}"


def fail(err: BaseException, prog: str, debug: bool) -> int:
    """Reports a failure as `PROG: error: MESSAGE` on stderr (the traceback first with --debug); returns 2."""
    if debug:
        traceback.print_exception(err)
    print(f"{prog}: error: {describe_failure(err)}", file=sys.stderr)
    return EXIT_ERROR
