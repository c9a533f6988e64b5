"""The App: owns the state and the order of the steps, and nothing else.

`make_app()` builds it for the CLI, the tests and the screenshot script alike;
`run_wizard()` is what `smtp-wizard` (no sub-command) runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType

from wizard.model.i18n import N_, _
from wizard.ui import linebreak
from wizard.ui.state import Mode, Services, StepOutcome, WizardState
from wizard.ui.steps import STEPS
from wizard.ui.summary import EXIT_DONE, EXIT_QUIT, exit_summary

__all__ = ["WizardApp", "make_app", "run_wizard"]

_FLOWS: dict[Mode, tuple[str, ...]] = {
    Mode.NEW: ("StartScreen", "HostScreen", "ProtocolScreen", "PortScreen",
               "CredentialsScreen", "SenderScreen", "ReviewScreen"),
    # Rotation changes only the password's text: no Review, which rewrites all of $wgSMTP.
    Mode.ROTATE: ("StartScreen", "WikiScreen", "NewPasswordScreen", "RotateScreen"),
    Mode.DOCTOR: ("StartScreen", "DoctorScreen", "HostScreen", "ProtocolScreen",
                  "PortScreen", "CredentialsScreen", "SenderScreen", "ReviewScreen"),
}
"""The steps of each path, by class name (see `STEPS`): each is imported when reached."""
_FEW_COLOURS = ("standard", "windows")
"""Rich's names for terminals of 16 colours or fewer."""
_SIGNALS = (signal.SIGHUP, signal.SIGTERM)
"""A closed terminal (SSH dropped) or a kill: end the way ctrl+q does, so that every
`with` block unwinds (the demo's temporary folder goes with it)."""


class WizardApp(App[int]):
    """The wizard: walks the step screens of `state.mode` in order, Back and Next."""

    CSS_PATH = "wizard.tcss"
    TITLE = "smtp-wizard"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit_wizard", N_("Quit"), priority=True, id="quit",
                tooltip=N_("Leave the wizard; it asks first if answers would be lost.")),
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
        if not self.is_headless and self.console.color_system in _FEW_COLOURS:
            # A 16- or 8-colour terminal (TERM=linux, vt100, xterm): the terminal's own
            # palette, or the theme's accent would turn into the red of an error.
            self.theme = "ansi-dark"
        if threading.current_thread() is threading.main_thread():
            loop = asyncio.get_running_loop()
            for number in _SIGNALS:
                loop.add_signal_handler(number, self._signalled)
        self._walk_steps()

    def on_unmount(self) -> None:
        if threading.current_thread() is threading.main_thread():
            loop = asyncio.get_running_loop()
            for number in _SIGNALS:
                loop.remove_signal_handler(number)

    def _signalled(self) -> None:
        self.exit(self.exit_code)

    @property
    def exit_code(self) -> int:
        """0 when the job was done, 1 when the wizard is left before that."""
        return EXIT_DONE if self.state.done else EXIT_QUIT

    @work(group="flow", exclusive=True, description="The wizard's steps")
    async def _walk_steps(self) -> None:
        index = 1 if self.skip_start else 0
        while True:
            # The Start screen may change the mode, and so the steps after it.
            flow = _FLOWS[self.state.mode]
            if index >= len(flow):
                break
            trail = tuple(_(STEPS[name].short_title) for name in flow)
            step = STEPS[flow[index]].load()
            screen = step(self.state, self.services, position=(index + 1, len(flow)),
                          trail=trail)
            outcome = await self.push_screen_wait(screen)
            if outcome is StepOutcome.NEXT and index > 0:
                self.state.touched = True
            index = index + 1 if outcome is StepOutcome.NEXT else max(index - 1, 0)
        self.exit(self.exit_code)

    def action_quit_wizard(self) -> None:
        """Quit at once when nothing would be lost; else ask, with Quit focused, so
        ctrl+q then Enter (or ctrl+q twice) quits."""
        from wizard.ui.modals import ConfirmModal

        if not self.state.unsaved or isinstance(self.screen, ConfirmModal):
            self.exit(self.exit_code)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit(self.exit_code)

        self.push_screen(ConfirmModal(_("Quit now? Your answers are lost and nothing has "
                                        "been written."), yes=_("Quit"), no=_("Stay"),
                                      focus_yes=True), answered)


def make_app(state: WizardState | None = None, services: Services | None = None, *,
             cursor_blink: bool = True, skip_start: bool = False) -> WizardApp:
    """The wizard App; tests pass their own state (ports, timeout, CA) and services."""
    linebreak.install()
    return WizardApp(state or WizardState(), services or Services(),
                     cursor_blink=cursor_blink, skip_start=skip_start)


def run_wizard(demo: bool = False, localsettings: str | None = None,
               mode: str = "new") -> int:
    """Run the wizard in this terminal; returns the exit code (0 done, 1 quit), after
    printing what was done (the app's screen is gone by then)."""
    wanted = Mode(mode)
    # `--rotate` and `--doctor` open on their path; the Start screen would only ask again.
    skip_start = wanted is not Mode.NEW
    with _unwind_on_signals():
        if demo:
            if localsettings:
                print(_("smtp-wizard: --demo runs on its own test servers and a wiki of its "
                        "own; leave out --localsettings."), file=sys.stderr)
                return 2
            from wizard.ui.demo import demo_session

            with demo_session(wanted) as (state, services):
                code = _run(make_app(state, services, skip_start=skip_start))
        else:
            state = WizardState(mode=wanted, look_in=Path.cwd())
            if localsettings or skip_start:
                # A file named on the command line that cannot be read ends the run
                # here; the rotation and doctor paths open on the file. Otherwise the
                # Start screen looks for one once it shows.
                from wizard.ui.prefill import load_localsettings

                state.look_in = None
                message = load_localsettings(state, Path(localsettings) if localsettings
                                             else None, Path.cwd())
                if message:
                    print(f"smtp-wizard: {message}", file=sys.stderr)
                    return 2
            code = _run(make_app(state, skip_start=skip_start))
    with contextlib.suppress(OSError):  # the terminal is gone (a hang-up): no one to tell
        print(exit_summary(state, code))
    return code


def _run(app: WizardApp) -> int:
    # The app's event loop resets the signals it handled to their defaults when it
    # ends: put back the handlers that unwind, for the clean-up that follows.
    handlers = {number: signal.getsignal(number) for number in _SIGNALS}
    try:
        result = app.run()
    finally:
        if threading.current_thread() is threading.main_thread():
            for number, handler in handlers.items():
                signal.signal(number, handler)
    return EXIT_QUIT if result is None else result


@contextmanager
def _unwind_on_signals() -> Iterator[None]:
    """Outside the app's own event loop (starting the demo servers, cleaning up), a
    hang-up or kill raises SystemExit, so the `with` blocks still clean up."""

    def leave(number: int, _frame: object) -> None:
        raise SystemExit(EXIT_QUIT)

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = {number: signal.signal(number, leave) for number in _SIGNALS}
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)
