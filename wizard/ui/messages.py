"""Messages the workers post: past-tense facts, handled by the screens that own them."""

from __future__ import annotations

from textual.message import Message

from wizard.model.report import Report, Step
from wizard.smtp.ports import PortResult
from wizard.smtp.transcript import Line
from wizard.store.keyring import BackendInfo

__all__ = [
    "CheckFinished",
    "CheckProgressed",
    "KeyringUnavailable",
    "PasswordNotStored",
    "PasswordStored",
    "PortProbed",
    "PortsProbed",
    "TranscriptLineAdded",
]


class CheckProgressed(Message):
    """One step of a live check started (`step` is None) or ended."""

    def __init__(self, step_id: str, step: Step | None) -> None:
        super().__init__()
        self.step_id = step_id
        self.step = step


class CheckFinished(Message):
    """A live check ended; `key` says which inputs it tested (stale results are ignored)."""

    def __init__(self, report: Report, key: object) -> None:
        super().__init__()
        self.report = report
        self.key = key


class TranscriptLineAdded(Message):
    """A line of the SMTP conversation (already redacted by the core)."""

    def __init__(self, line: Line) -> None:
        super().__init__()
        self.line = line


class PortProbed(Message):
    """One port answered (or its deadline passed)."""

    def __init__(self, result: PortResult) -> None:
        super().__init__()
        self.result = result


class PortsProbed(Message):
    """Every port of a batch answered or timed out."""

    def __init__(self, results: list[PortResult]) -> None:
        super().__init__()
        self.results = results


class PasswordStored(Message):
    """The password is in the keyring (or the encrypted file) described by `info`."""

    def __init__(self, info: BackendInfo) -> None:
        super().__init__()
        self.info = info


class KeyringUnavailable(Message):
    """The system keyring cannot keep the password safely; offer the fallback."""

    def __init__(self, info: BackendInfo) -> None:
        super().__init__()
        self.info = info


class PasswordNotStored(Message):
    """Storing failed; `reason` is the core's plain-words text (never holds a secret)."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason
