"""The redacted SMTP conversation of the current step, hidden until asked for."""

from __future__ import annotations

from textual.widgets import Log

from wizard.model.i18n import _
from wizard.model.transcript import Line

__all__ = ["TranscriptPane"]


class TranscriptPane(Log):
    """Lines as `C: EHLO ...` / `S: 250 ...`; the core already removed every secret.

    Timestamps are left out so that what is shown is stable (snapshots, screenshots).
    """

    def on_mount(self) -> None:
        self.border_title = _("Transcript")
        self.can_focus = False

    def add(self, line: Line) -> None:
        self.write_line(f"{line.direction}: {line.text}")

    def show_lines(self, lines: list[Line]) -> None:
        self.clear()
        self.write_lines([f"{line.direction}: {line.text}" for line in lines])
