"""Messages the workers post: past-tense facts, handled by the screens that own them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

# What the messages carry, for the type checker only: this module is loaded with the
# first screen, and the engines behind these types (the check, the keyring, rotation)
# only with the steps that use them.
if TYPE_CHECKING:
    from wizard.model.report import Report, Step
    from wizard.model.transcript import Line
    from wizard.smtp.ports import PortResult
    from wizard.store.backends import BackendInfo
    from wizard.store.rotate import RotateResult

__all__ = [
    "CheckFinished",
    "CheckProgressed",
    "KeyringDescribed",
    "KeyringUnavailable",
    "PasswordNotStored",
    "PasswordStored",
    "PortProbed",
    "PortsProbed",
    "RotateFinished",
    "RotateStopped",
    "TranscriptLineAdded",
]


@dataclass
class CheckProgressed(Message):
    """One step of a live check started (`step` is None) or ended."""

    step_id: str
    step: Step | None


@dataclass
class CheckFinished(Message):
    """A live check ended; `key` says which inputs it tested (stale results are ignored)."""

    report: Report
    key: object


@dataclass
class TranscriptLineAdded(Message):
    """A line of the SMTP conversation (already redacted by the core)."""

    line: Line


@dataclass
class PortProbed(Message):
    """One port answered (or its deadline passed)."""

    result: PortResult


@dataclass
class PortsProbed(Message):
    """Every port of a batch answered or timed out."""

    results: list[PortResult]


@dataclass
class PasswordStored(Message):
    """The password is in the keyring (or the encrypted file) described by `info`."""

    info: BackendInfo


@dataclass
class KeyringUnavailable(Message):
    """The system keyring cannot keep the password safely; offer the fallback."""

    info: BackendInfo


@dataclass
class PasswordNotStored(Message):
    """Storing failed; `reason` is the core's plain-words text (never holds a secret)."""

    reason: str


@dataclass
class KeyringDescribed(Message):
    """Which keyring would hold the new password (found in a thread: D-Bus may block)."""

    info: BackendInfo


@dataclass
class RotateFinished(Message):
    """The new password was tested again and, if it logged in, put where the wiki reads it."""

    result: RotateResult


@dataclass
class RotateStopped(Message):
    """The new password works but the wiki's file could not be changed; `reason` says why."""

    reason: str
