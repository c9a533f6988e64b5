"""The App: owns the state and the order of the steps, and nothing else.

`make_app()` builds it for the CLI, the tests and the screenshot script alike;
`run_wizard()` is what `smtp-wizard` (no sub-command) runs.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType

from wizard.model.i18n import _
from wizard.ui.modals import ConfirmModal
from wizard.ui.state import Mode, Services, StepOutcome, WizardState
from wizard.ui.steps import (
    CredentialsScreen,
    DoctorScreen,
    HostScreen,
    NewPasswordScreen,
    PortScreen,
    ProtocolScreen,
    ReviewScreen,
    RotateScreen,
    SenderScreen,
    StartScreen,
    StepScreen,
    WikiScreen,
)

__all__ = ["WizardApp", "make_app", "run_wizard"]

EXIT_DONE, EXIT_QUIT = 0, 1

_FLOWS: dict[Mode, tuple[type[StepScreen], ...]] = {
    Mode.NEW: (StartScreen, HostScreen, ProtocolScreen, PortScreen, CredentialsScreen,
               SenderScreen, ReviewScreen),
    # Rotation changes only the password's text: no Review, which rewrites all of $wgSMTP.
    Mode.ROTATE: (StartScreen, WikiScreen, NewPasswordScreen, RotateScreen),
    Mode.DOCTOR: (StartScreen, DoctorScreen, HostScreen, ProtocolScreen, PortScreen,
                  CredentialsScreen, SenderScreen, ReviewScreen),
}


class WizardApp(App[int]):
    """The wizard: walks the step screens of `state.mode` in order, Back and Next."""

    CSS_PATH = "wizard.tcss"
    TITLE = "smtp-wizard"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit_wizard", _("Quit"), priority=True, id="quit",
                tooltip=_("Quit without writing anything.")),
    ]

    def __init__(self, state: WizardState, services: Services, *,
                 cursor_blink: bool = True, skip_start: bool = False) -> None:
        super().__init__()
        self.state = state
        """Everything the steps collected; screens get it in their constructor."""
        self.services = services
        self.cursor_blink = cursor_blink
        """False for snapshots and screenshots: a blinking cursor makes them flaky."""
        self.skip_start = skip_start
        """Begin at the first step after Start (`smtp-wizard rotate`)."""

    def on_mount(self) -> None:
        self._walk_steps()

    @work(group="flow", exclusive=True, description="The wizard's steps")
    async def _walk_steps(self) -> None:
        index = 1 if self.skip_start else 0
        while True:
            # The Start screen may change the mode, and so the steps after it.
            flow = _FLOWS[self.state.mode]
            if index >= len(flow):
                break
            screen = flow[index](self.state, self.services, position=(index + 1, len(flow)))
            outcome = await self.push_screen_wait(screen)
            index = index + 1 if outcome is StepOutcome.NEXT else max(index - 1, 0)
        self.exit(EXIT_DONE)

    def action_quit_wizard(self) -> None:
        if not self.state.unsaved or isinstance(self.screen, ConfirmModal):
            self.exit(EXIT_QUIT)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit(EXIT_QUIT)

        self.push_screen(ConfirmModal(_("Quit now? Nothing has been written."),
                                      yes=_("Quit"), no=_("Stay")), answered)


def make_app(state: WizardState | None = None, services: Services | None = None, *,
             cursor_blink: bool = True, skip_start: bool = False) -> WizardApp:
    """The wizard App; tests pass their own state (ports, timeout, CA) and services."""
    return WizardApp(state or WizardState(), services or Services(),
                     cursor_blink=cursor_blink, skip_start=skip_start)


def run_wizard(demo: bool = False, localsettings: str | None = None,
               mode: str = "new") -> int:
    """Run the wizard in this terminal; returns the exit code (0 done, 1 quit)."""
    from wizard.ui.prefill import load_localsettings

    state = WizardState(mode=Mode(mode))
    message = load_localsettings(state, Path(localsettings) if localsettings else None,
                                 Path.cwd())
    if message:
        print(f"smtp-wizard: {message}", file=sys.stderr)
        return 2
    # `--rotate` and `--doctor` open on their path; the Start screen would only ask again.
    skip_start = state.mode is not Mode.NEW
    if not demo:
        return _run(make_app(state, skip_start=skip_start))
    # The demo server's lazy imports (aiosmtpd, trustme) are paid only in demo mode.
    from wizard.demo.sandbox import demo_servers

    with tempfile.TemporaryDirectory(prefix="smtp-wizard-demo-") as folder, \
            demo_servers(Path(folder)) as servers:
        state.use_demo(servers)
        services = Services(keyring_backend=servers.keyring_backend(),
                            cryptfile_path=Path(folder) / "keyring.cfg")
        return _run(make_app(state, services, skip_start=skip_start))


def _run(app: WizardApp) -> int:
    result = app.run()
    return EXIT_QUIT if result is None else result
