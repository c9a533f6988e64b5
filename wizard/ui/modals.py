"""Modal screens: confirmation, help, and the keyring fallback choice."""

from __future__ import annotations

from rich.syntax import Syntax
from rich.table import Table
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from wizard.model.i18n import N_, _
from wizard.store.backends import sudo_note

__all__ = ["ConfirmModal", "FallbackModal", "HelpModal"]

KEYS_HELP: list[tuple[str, str]] = [
    ("Enter", N_("Take this answer: on to the next field; on the last one, Next")),
    ("Space", N_("Tick a box, or pick the highlighted choice")),
    ("ctrl+n", N_("Go to the next step (the step's check runs first)")),
    ("Esc", N_("Back to the previous step (your answers are kept)")),
    ("Tab, shift+Tab", N_("Move between fields")),
    ("PgUp, PgDn", N_("Scroll the step, or the transcript while it is shown")),
    ("ctrl+t", N_("Show or hide the transcript of the live check (passwords redacted)")),
    ("ctrl+r", N_("Reveal or hide the password (Credentials step)")),
    ("F1, ?", N_("Help for this step")),
    ("ctrl+q", N_("Quit; it asks first if answers would be lost")),
]
"""The keys of every step, as the help shows them (README's key table matches)."""


class ConfirmModal(ModalScreen[bool]):
    """A yes/no question; Esc and "No" answer False. A `diff` is shown under the question
    in a box of its own that scrolls, so the buttons stay in view."""

    BINDINGS = [
        Binding("escape", "answer(False)", N_("No"), id="no"),
        Binding("y", "answer(True)", N_("Yes"), show=False),
        Binding("n", "answer(False)", show=False),
        Binding("pagedown", "scroll_diff(1)", show=False),
        Binding("pageup", "scroll_diff(-1)", show=False),
    ]

    def __init__(self, question: str, *, yes: str | None = None, no: str | None = None,
                 focus_yes: bool = False, diff: str = "") -> None:
        super().__init__(classes="modal")
        self.question = question
        self.diff = diff
        """A unified diff, secrets masked and control characters already made visible."""
        self.yes = yes or _("Yes")
        self.no = no or _("No")
        self.focus_yes = focus_yes
        """Enter answers yes: for a question the user's own key asked (quit?)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="question", markup=False)
            if self.diff:
                with VerticalScroll(id="diff") as box:
                    # PgUp/PgDn and the arrows scroll it once Tab gives it the focus.
                    box.can_focus = True
                    yield Static(Syntax(self.diff.rstrip("\n"), "diff", theme="ansi_dark",
                                        word_wrap=True))
            with Horizontal(classes="buttons"):
                yield Button(self.yes, id="yes", variant="primary", compact=True)
                yield Button(self.no, id="no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#yes" if self.focus_yes else "#no", Button).focus()

    @on(Button.Pressed)
    def answer_with_button(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    def action_scroll_diff(self, pages: int) -> None:
        """PgUp/PgDn scroll the diff wherever the focus is (a button, usually)."""
        for box in self.query("#diff").results(VerticalScroll):
            if pages > 0:
                box.scroll_page_down(animate=False)
            else:
                box.scroll_page_up(animate=False)


class HelpModal(ModalScreen[None]):
    """The keys, and what this step is for."""

    BINDINGS = [Binding("escape,f1,question_mark,q", "close", N_("Close"), id="close")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__(classes="modal")
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        keys = Table.grid(padding=(0, 2))
        keys.add_column(style="bold", no_wrap=True)
        keys.add_column()
        for key, what in KEYS_HELP:
            keys.add_row(key, _(what))
        # It scrolls with the arrow keys and PgUp/PgDn when the terminal is small.
        with VerticalScroll(classes="dialog help") as dialog:
            dialog.can_focus = True
            yield Static(self.title_text, classes="question", markup=False)
            yield Static(self.text, classes="help-text", markup=False)
            yield Static(keys, classes="help-keys")
            yield Static(_("Esc closes this help."), classes="muted")

    def on_mount(self) -> None:
        self.query_one(".dialog").focus()

    def action_close(self) -> None:
        self.dismiss(None)


class FallbackModal(ModalScreen[str | None]):
    """No safe system keyring: keep the password in an encrypted file, or do not store it.

    Dismisses with the master password for the encrypted file, or None.
    """

    BINDINGS = [Binding("escape", "skip", N_("Do not store"), id="skip")]

    def __init__(self, reason: str, path: str) -> None:
        super().__init__(classes="modal")
        self.reason = reason
        self.path = path

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.reason, classes="question", markup=False)
            yield Static(_("Encrypted file: {path}").format(path=self.path), markup=False,
                         classes="muted")
            note = sudo_note()
            if note:
                yield Static(note, markup=False, classes="muted")
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
