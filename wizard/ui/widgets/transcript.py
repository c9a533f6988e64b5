"""The redacted SMTP conversation of the current step, hidden until asked for."""

from __future__ import annotations

from textual.widgets import Log

from wizard.model.i18n import _
from wizard.model.report import Report
from wizard.model.transcript import Line

__all__ = ["TranscriptPane"]


class TranscriptPane(Log):
    """Lines as `C: EHLO ...` / `S: 250 ...`; the core already removed every secret.

    It takes the focus while shown, so the arrow keys and PgUp/PgDn scroll it.
    Timestamps are left out so that what is shown is stable (snapshots, screenshots).
    """

    def on_mount(self) -> None:
        self.border_title = _("Transcript (ctrl+t hides it)")

    def add(self, line: Line) -> None:
        self.write_line(f"{line.direction}: {line.text}")

    def show_lines(self, lines: list[Line]) -> None:
        self.clear()
        if lines:
            self.write_lines([f"{line.direction}: {line.text}" for line in lines])
        else:
            self.write_line(_("(nothing was said to a server in this step yet)"))

    def show_report(self, report: Report) -> None:
        """The whole conversation of a finished check, in the order it happened."""
        self.show_lines([line for step in report.steps for line in step.transcript])
