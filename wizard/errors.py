"""The one exception root: every error the user should read is a `WizardError`.

Its text is a sentence that says what happened and what to do, in the user's language;
the command line prints it as one line and exits with `exit_code`, the TUI shows it
beside the field or step it belongs to. Server-side failures are not exceptions at all:
they are data (a failed step with a diagnosis).
"""

from __future__ import annotations

from typing import ClassVar

__all__ = ["UsageError", "WizardError"]


class WizardError(Exception):
    """Something stopped the command; `message` is for the user and never holds a secret."""

    exit_code: ClassVar[int] = 1
    """1: the thing asked for cannot be done (a check failed, a file cannot be patched)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(WizardError):
    """Bad input (a command-line value, a field): exit code 2."""

    exit_code: ClassVar[int] = 2
