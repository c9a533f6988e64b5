"""The footer, its key descriptions in the language chosen when it is drawn.

Key bindings are class attributes, made when the module is imported, which may be before
`--lang` is applied (or, in the tests, under another language): they carry the English
text marked with `N_()`, translated here.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from wizard.model.i18n import _

__all__ = ["TranslatedFooter"]


class TranslatedFooter(Footer):
    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.description = _(widget.description)
                if isinstance(widget.tooltip, str):
                    widget.tooltip = _(widget.tooltip)
            yield widget
