"""The record of a conversation: every line both ways, timestamped, secrets redacted.

Redaction happens when a line is added, so no secret ever reaches a stored line, a
callback, a log or JSON. Besides the password itself, the forms an SMTP client derives
from it (base64 for AUTH LOGIN, the AUTH PLAIN blob) are replaced too.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterable

from wizard.model.transcript import Direction, Line

# Direction and Line are the model's (a report's steps hold lines); exported here too
# because a transcript is made of them.
__all__ = ["REDACTED", "Direction", "Line", "Redactor", "Transcript"]

REDACTED = "<redacted>"


class Redactor:
    """Replaces secrets, and every encoding of them an SMTP client sends, by `<redacted>`."""

    def __init__(self, secrets: Iterable[tuple[str, str]] = ()) -> None:
        self._needles: list[str] = []
        for username, password in secrets:
            self.add(username, password)

    def add(self, username: str, password: str) -> None:
        if not password:
            return
        forms = {password}
        for raw in (password, f"\0{username}\0{password}", f"{username}\0{password}"):
            encoded = base64.b64encode(raw.encode("utf-8")).decode("ascii")
            forms.add(encoded)
            forms.add(encoded.rstrip("="))
        # Longest first, so a form that contains another is replaced whole.
        self._needles = sorted(set(self._needles) | forms, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for needle in self._needles:
            if needle in text:
                text = text.replace(needle, REDACTED)
        return text


class Transcript:
    """Lines of one check; `on_line` streams each line as it is added (the TUI's pane)."""

    def __init__(
        self,
        redactor: Redactor | None = None,
        on_line: Callable[[Line], None] | None = None,
        *,
        start: float | None = None,
    ) -> None:
        self.redact = redactor or Redactor()
        self.on_line = on_line
        self.start = time.monotonic() if start is None else start
        self.lines: list[Line] = []

    def add(self, direction: Direction, text: str) -> None:
        for part in text.splitlines() or [""]:
            line = Line(time.monotonic() - self.start, direction, self.redact(part))
            self.lines.append(line)
            if self.on_line is not None:
                self.on_line(line)

    def client(self, text: str) -> None:
        self.add(Direction.CLIENT, text)

    def server(self, text: str) -> None:
        self.add(Direction.SERVER, text)

    def note(self, text: str) -> None:
        self.add(Direction.NOTE, text)

    def mark(self) -> int:
        """A position to slice from: `since(mark)` gives the lines of one step."""
        return len(self.lines)

    def since(self, mark: int) -> tuple[Line, ...]:
        return tuple(self.lines[mark:])
