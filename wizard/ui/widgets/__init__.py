"""Widgets shared by the step screens."""

from __future__ import annotations

from wizard.ui.widgets.checklist import CheckList
from wizard.ui.widgets.port_table import PortTable
from wizard.ui.widgets.transcript import TranscriptPane

__all__ = ["CheckList", "PortTable", "TranscriptPane"]
