"""Form controls that read without colour and treat Enter as "this answer is given".

Textual's checkbox and radio buttons tell on from off by colour alone, and Enter toggles
them; over SSH (16 colours, NO_COLOR) that is invisible, and Enter could never mean Next.
Here the state is text (`[x]`/`[ ]`, `(•)`/`( )`), Space toggles, and Enter posts
`Confirmed` so the step can move on to the next control, or to the next step.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, RadioButton, RadioSet, Static

from wizard.model.i18n import N_

__all__ = ["CheckBox", "Choice", "ChoiceSet", "Confirmed", "FieldError"]

_ECHO = 32
"""Characters of a typed value repeated in an error message before it is shortened."""


class Confirmed(Message):
    """Enter was pressed on `source`: its answer is given."""

    def __init__(self, source: Widget) -> None:
        super().__init__()
        self.source = source


class CheckBox(Checkbox):
    """A checkbox drawn `[x]` / `[ ]`; Space toggles, Enter confirms."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_button", N_("Toggle"), show=False),
        Binding("enter", "confirm", N_("Next"), show=False),
    ]

    @property
    def _button(self) -> Content:
        return Content.styled("[x]" if self.value else "[ ]",
                              self.get_visual_style("toggle--button"))

    def action_confirm(self) -> None:
        self.post_message(Confirmed(self))


class Choice(RadioButton):
    """A radio button drawn `(•)` / `( )`."""

    @property
    def _button(self) -> Content:
        return Content.styled("(•)" if self.value else "( )",
                              self.get_visual_style("toggle--button"))


class ChoiceSet(RadioSet):
    """A radio set where Space picks the highlighted choice and Enter picks it and
    confirms, so Enter on a step whose only control is this set means Next."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,right", "next_button", show=False),
        Binding("up,left", "previous_button", show=False),
        Binding("space", "toggle_button", N_("Choose"), show=False),
        Binding("enter", "confirm", N_("Next"), show=False),
    ]

    def action_confirm(self) -> None:
        selected = self._selected
        if selected is not None:
            button = self.query_children(RadioButton)[selected]
            if not button.value:
                button.toggle()
        self.post_message(Confirmed(self))


class FieldError(Static):
    """Under an input: why its value cannot work, wrapped to at most three lines and
    hidden while there is nothing to say. Its id is the input's id + "-error"."""

    def __init__(self, for_id: str) -> None:
        super().__init__("", id=f"{for_id}-error", classes="field-error -empty", markup=False)

    def say(self, reason: str, value: str = "") -> None:
        """Show `reason`; a long typed `value` echoed in it is shortened, so the words
        that say what is wrong stay on screen."""
        if len(value) > _ECHO and value in reason:
            reason = reason.replace(value, value[:_ECHO - 12] + "…" + value[-10:])
        self.update(reason)
        self.set_class(not reason, "-empty")
