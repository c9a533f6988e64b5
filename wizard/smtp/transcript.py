"""The record of a conversation: every line both ways, timestamped, secrets redacted.

Redaction happens when a line is added, so no secret ever reaches a stored line, a
callback, a log or JSON. Besides the password itself, the forms an SMTP client derives
from it (base64 for AUTH LOGIN, the AUTH PLAIN blob) are replaced too. A server may
also quote the password back in a reply (“535 Wrong password 'Hunter2'”), which then
reaches a diagnosis: `safe_step` applies the same redaction to everything a step says.

What a server sends is also made harmless to show: control characters (an escape
sequence can set a terminal's title, clear it or write its clipboard), bidirectional
overrides and bytes that were not UTF-8 are replaced by visible escapes (`visible`).
"""

from __future__ import annotations

import base64
import dataclasses
import time
from collections.abc import Callable, Iterable

from wizard.model.report import Step
from wizard.model.shown import visible
from wizard.model.transcript import Direction, Line

# Direction and Line are the model's (a report's steps hold lines), and so is visible
# (the command line uses it on its own); exported here too because a transcript is
# made of them.
__all__ = ["REDACTED", "Direction", "Line", "Redactor", "Transcript", "safe_step", "visible"]

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
        for raw in (password, f"\0{username}\0{password}", f"{username}\0{password}",
                    f"user={username}\x01auth=Bearer {password}\x01\x01"):
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


def safe_step(step: Step, redact: Redactor) -> Step:
    """`step` with every text it shows redacted and made visible: the summary, details
    and diagnosis may quote a server's reply, and a server may quote the password."""

    def clean(text: str) -> str:
        return visible(redact(text))

    diagnosis = step.diagnosis
    if diagnosis is not None:
        diagnosis = dataclasses.replace(diagnosis, cause=clean(diagnosis.cause),
                                        fix=clean(diagnosis.fix))
    return dataclasses.replace(step, summary=clean(step.summary),
                               details=tuple(map(clean, step.details)), diagnosis=diagnosis)


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
        # Redacted before it is split: a password may hold a character that splitlines
        # breaks at (a vertical tab, a form feed), and half a password is still a leak.
        for part in self.redact(text).splitlines() or [""]:
            line = Line(time.monotonic() - self.start, direction, visible(part))
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
