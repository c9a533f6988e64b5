"""Start: new setup, rotate a password, or check an existing LocalSettings.php."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from wizard.model.i18n import N_, _
from wizard.ui.state import Mode
from wizard.ui.steps.base import StepScreen

__all__ = ["StartScreen"]

_CHOICES: list[tuple[Mode, str]] = [
    (Mode.NEW, N_("Set up outgoing mail (new setup)")),
    (Mode.ROTATE, N_("Rotate the SMTP password")),
    (Mode.DOCTOR, N_("Check an existing LocalSettings.php")),
]


class StartScreen(StepScreen):
    STEP_ID = "start"
    STEP_TITLE = N_("Start")
    INTRO = N_("This wizard gets a wiki's outgoing mail working. Every answer is tested "
               "live against the real server; nothing is written until you confirm on "
               "the last step. What would you like to do?")
    HELP = N_("Choose what to do with the arrow keys and Enter. A new setup asks for every "
              "setting; rotating a password tests the new one and updates the keyring and "
              "LocalSettings.php; checking an existing LocalSettings.php reads its "
              "settings and tests them.")
    MENU = True

    def compose_body(self) -> ComposeResult:
        yield OptionList(*[Option(_(text), id=str(mode)) for mode, text in _CHOICES],
                         id="modes")
        if self.state.demo is not None:
            yield Static(_("Demo mode: a local test server runs on this machine. Log in as "
                           "{user} with the password {password}.").format(
                               user=self.state.demo.username,
                               password=self.state.demo.password),
                         id="demo-note", markup=False)
        yield Static("", id="localsettings-note", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        modes = self.query_one("#modes", OptionList)
        modes.highlighted = [mode for mode, _text in _CHOICES].index(self.state.mode)
        modes.focus()
        self.set_hint(_("Choose with the arrow keys and Enter, or click a choice."))
        self._show_localsettings()
        if self.state.look_in is not None:
            # The screen first, then the file: reading it loads the PHP reader.
            self.call_after_refresh(self._look_for_localsettings)

    def _look_for_localsettings(self) -> None:
        """Read the LocalSettings.php found in the current or a usual folder, if any."""
        if self.state.look_in is None:
            return
        from wizard.ui.prefill import load_localsettings

        folder, self.state.look_in = self.state.look_in, None
        load_localsettings(self.state, None, folder)
        self._show_localsettings()

    def _show_localsettings(self) -> None:
        note = self.query_one("#localsettings-note", Static)
        path = self.state.localsettings
        note.update(_("LocalSettings.php: {path}").format(path=path) if path else "")
        note.display = path is not None

    @on(OptionList.OptionSelected, "#modes")
    def choose_mode(self, event: OptionList.OptionSelected) -> None:
        self.state.mode = Mode(str(event.option.id))
        self.go_next()

    def go_next(self) -> None:
        self._look_for_localsettings()  # the next steps start from it
        super().go_next()

    def proceed(self) -> None:
        modes = self.query_one("#modes", OptionList)
        if modes.highlighted is not None:
            self.state.mode = _CHOICES[modes.highlighted][0]
        self.go_next()
