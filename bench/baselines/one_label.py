"""Baseline of the TUI rows: the smallest Textual app, one Label.

It shows the same words the bench waits for on the wizard's first screen, so both are
timed to the same event.
"""

from textual.app import App, ComposeResult
from textual.widgets import Label


class OneLabel(App[None]):
    def compose(self) -> ComposeResult:
        yield Label("Rotate the SMTP password")


if __name__ == "__main__":
    OneLabel().run()
