"""Widgets shared by the step screens.

Each is imported from its own module on first use (as `textual.widgets` does): the
paste area brings Textual's TextArea, the port table the probe's types, and the first
screen needs neither.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wizard.ui.widgets.checklist import CheckList, step_label
    from wizard.ui.widgets.controls import CheckBox, Choice, ChoiceSet, Confirmed, FieldError
    from wizard.ui.widgets.paste import PasteArea
    from wizard.ui.widgets.port_table import PortTable
    from wizard.ui.widgets.transcript import TranscriptPane

__all__ = ["CheckBox", "CheckList", "Choice", "ChoiceSet", "Confirmed", "FieldError",
           "PasteArea", "PortTable", "TranscriptPane", "step_label"]

_MODULES = {
    "CheckList": "checklist", "step_label": "checklist", "CheckBox": "controls",
    "Choice": "controls", "ChoiceSet": "controls", "Confirmed": "controls",
    "FieldError": "controls", "PasteArea": "paste", "PortTable": "port_table",
    "TranscriptPane": "transcript",
}


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
