"""Widgets shared by the step screens."""

from __future__ import annotations

from wizard.ui.widgets.checklist import CheckList, step_label
from wizard.ui.widgets.controls import CheckBox, Choice, ChoiceSet, Confirmed, FieldError
from wizard.ui.widgets.paste import PasteArea
from wizard.ui.widgets.port_table import PortTable
from wizard.ui.widgets.transcript import TranscriptPane

__all__ = ["CheckBox", "CheckList", "Choice", "ChoiceSet", "Confirmed", "FieldError",
           "PasteArea", "PortTable", "TranscriptPane", "step_label"]
