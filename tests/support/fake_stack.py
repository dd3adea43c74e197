"""What the in-process stand-ins for the release pipeline's `Stack` (scripts/release_stack.py) share.

A release takes the stack's lock and checks that no update is still under way before it changes anything;
a stand-in that is not testing those paths is always free and its last update always succeeded.
"""

from __future__ import annotations


class FreeStack:
    """Lock always granted, no update in progress."""

    def last_update_result(self) -> str | None:
        return "succeeded"

    def lock(self, holder: str) -> str | None:
        return None  # nobody else holds it

    def unlock(self, holder: str) -> None:
        pass
