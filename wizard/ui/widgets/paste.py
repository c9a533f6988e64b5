"""A box to paste an error message into: several lines, bounded, nothing obeyed.

A paste comes from a log file or a web page and may carry escape sequences (a terminal
title, OSC 52 to the clipboard) or a whole debug log. What lands in the box is cut a
little past what `explain` reads (so it can still say the text was cut) and every
control character is shown as an escape, as everywhere else in the wizard.
"""

from __future__ import annotations

import re
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.widgets import TextArea

from wizard.explain import MAX_INPUT
from wizard.model.shown import visible

__all__ = ["PasteArea", "shown_paste"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def shown_paste(text: str) -> str:
    """`text` as the box may hold it: line breaks kept (a terminal pastes them as CR),
    tabs kept, every other control character made visible; at most one character past
    `MAX_INPUT`."""
    lines = _LINE_BREAK.split(text[:MAX_INPUT + 1])
    return "\n".join("\t".join(visible(part) for part in line.split("\t")) for line in lines)


class PasteArea(TextArea):
    """A multi-line text box whose pastes go through `shown_paste`; Tab leaves it."""

    # PgUp/PgDn scroll the step, as from every other field ("▼ more: PgDn" says so);
    # the box is a few lines high, and the arrows move through it.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pagedown", "screen.scroll_body(1)", show=False),
        Binding("pageup", "screen.scroll_body(-1)", show=False),
    ]

    async def _on_paste(self, event: events.Paste) -> None:
        # Textual calls the handler of every class up the MRO: TextArea's, which
        # inserts the text, runs after this one.
        event.text = shown_paste(event.text)
