"""Modal screens: confirmation, help, and the keyring fallback choice."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from wizard.model.i18n import _

__all__ = ["ConfirmModal", "FallbackModal", "HelpModal"]

KEYS_HELP: list[tuple[str, str]] = [
    ("Enter", _("Next (in the last field), or choose the highlighted item")),
    ("ctrl+n", _("Next step")),
    ("Esc", _("Back to the previous step (your answers are kept)")),
    ("Tab / shift+Tab", _("Move between fields")),
    ("ctrl+t", _("Show or hide the transcript of the live check")),
    ("ctrl+r", _("Reveal or hide the password (Credentials step)")),
    ("F1 / ?", _("This help")),
    ("ctrl+q", _("Quit without writing anything")),
]


class ConfirmModal(ModalScreen[bool]):
    """A yes/no question; Esc and "No" answer False."""

    BINDINGS = [
        Binding("escape", "answer(False)", _("No"), id="no"),
        Binding("y", "answer(True)", _("Yes"), show=False),
        Binding("n", "answer(False)", show=False),
    ]

    def __init__(self, question: str, *, yes: str | None = None, no: str | None = None) -> None:
        super().__init__(classes="modal")
        self.question = question
        self.yes = yes or _("Yes")
        self.no = no or _("No")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="question")
            with Horizontal(classes="buttons"):
                yield Button(self.yes, id="yes", variant="primary", compact=True)
                yield Button(self.no, id="no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def answer_with_button(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class HelpModal(ModalScreen[None]):
    """The keys, and what this step is for."""

    BINDINGS = [Binding("escape,f1,question_mark,q", "close", _("Close"), id="close")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__(classes="modal")
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        keys = "\n".join(f"[b]{key:<16}[/b] {what}" for key, what in KEYS_HELP)
        with Vertical(classes="dialog help"):
            yield Static(self.title_text, classes="question")
            yield Static(self.text, classes="help-text", markup=False)
            yield Static(keys, classes="help-keys")
            yield Static(_("Esc closes this help."), classes="muted")

    def action_close(self) -> None:
        self.dismiss(None)


class FallbackModal(ModalScreen[str | None]):
    """No safe system keyring: keep the password in an encrypted file, or do not store it.

    Dismisses with the master password for the encrypted file, or None.
    """

    BINDINGS = [Binding("escape", "skip", _("Do not store"), id="skip")]

    def __init__(self, reason: str, path: str) -> None:
        super().__init__(classes="modal")
        self.reason = reason
        self.path = path

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.reason, classes="question", markup=False)
            yield Static(_("Encrypted file: {path}").format(path=self.path), markup=False,
                         classes="muted")
            yield Input(password=True, placeholder=_("master password for the file"),
                        id="master")
            with Horizontal(classes="buttons"):
                yield Button(_("Use encrypted file"), id="file", variant="primary",
                             compact=True)
                yield Button(_("Do not store"), id="skip", compact=True)

    @on(Input.Submitted, "#master")
    @on(Button.Pressed, "#file")
    def use_file(self) -> None:
        master = self.query_one("#master", Input).value
        if not master.strip():
            self.notify(_("Choose a master password for the file, or press Esc to not "
                          "store the password."), severity="warning")
            return
        self.dismiss(master)

    @on(Button.Pressed, "#skip")
    def action_skip(self) -> None:
        self.dismiss(None)
