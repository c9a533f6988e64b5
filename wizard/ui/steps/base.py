"""What every step screen shares: layout, keys, Back/Next, the checklist and transcript.

A step never pushes the next one: it dismisses with `StepOutcome.NEXT` or `.BACK` and the
App decides. Live checks run in an async worker on the screen, so leaving the screen
cancels them, and a new check cancels the previous one (a group of their own: exclusive
workers without one would cancel every other worker of the screen).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Static
from textual.worker import Worker, WorkerState

from wizard.model.i18n import _
from wizard.model.report import Report, Step
from wizard.model.settings import Settings
from wizard.model.transcript import Line
from wizard.smtp.check import CheckOptions, planned_steps
from wizard.ui.messages import CheckFinished, CheckProgressed, TranscriptLineAdded
from wizard.ui.modals import HelpModal
from wizard.ui.state import Services, StepOutcome, WizardState
from wizard.ui.widgets import CheckList, TranscriptPane

if TYPE_CHECKING:
    from wizard.ui.app import WizardApp

__all__ = ["StepScreen"]


class StepScreen(Screen[StepOutcome]):
    """One step of the flow. Subclasses add `compose_body`, `proceed` and help text."""

    STEP_ID: ClassVar[str] = ""
    STEP_TITLE: ClassVar[str] = ""
    INTRO: ClassVar[str] = ""
    HELP: ClassVar[str] = ""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", _("Back"), id="back",
                tooltip=_("Go back one step; your answers are kept.")),
        # Priority: a focused table or list must not swallow the step's own keys.
        Binding("ctrl+n", "next", _("Next"), id="next", priority=True,
                tooltip=_("Check this step and go on.")),
        Binding("ctrl+t", "toggle_transcript", _("Transcript"), id="transcript", priority=True,
                tooltip=_("Show or hide what was said to the server.")),
        Binding("f1", "help", _("Help"), id="help", tooltip=_("Keys and help for this step.")),
        Binding("question_mark", "help", show=False),
    ]

    def __init__(self, state: WizardState, services: Services, *,
                 position: tuple[int, int] = (1, 1)) -> None:
        super().__init__(classes=f"step step-{self.STEP_ID}")
        self.state = state
        self.services = services
        self.position = position
        self.check_key: object = None
        """What the latest live check tested; a finished check for other inputs is stale."""

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        number, total = self.position
        yield Static(_("smtp-wizard · step {n} of {total} · {title}").format(
            n=number, total=total, title=_(self.STEP_TITLE)), id="step-title", markup=False)
        with VerticalScroll(id="body"):
            if self.INTRO:
                yield Static(_(self.INTRO), classes="intro", markup=False)
            yield from self.compose_body()
            yield CheckList(id="checks")
        yield TranscriptPane(id="transcript", classes="-hidden")
        with Horizontal(id="nav"):
            yield Button(_("Back"), id="back-button", compact=True)
            yield Static("", id="hint", markup=False)
            yield Button(self.next_label(), id="next-button", variant="primary", compact=True)
        yield Footer(show_command_palette=False)

    def compose_body(self) -> ComposeResult:
        yield from ()

    def next_label(self) -> str:
        return _("Next")

    def on_mount(self) -> None:
        if not self.wizard_app.cursor_blink:
            for field in self.query(Input):
                field.cursor_blink = False

    @property
    def wizard_app(self) -> WizardApp:
        # Imported here: the App's module imports every step screen.
        from wizard.ui.app import WizardApp

        app = self.app
        assert isinstance(app, WizardApp)
        return app

    def set_hint(self, text: str) -> None:
        self.query_one("#hint", Static).update(text)

    # -- navigation ----------------------------------------------------------------------

    def proceed(self) -> None:
        """Next was asked for: validate, write back to the state, then `go_next()`."""
        self.go_next()

    def go_next(self) -> None:
        self.dismiss(StepOutcome.NEXT)

    def action_next(self) -> None:
        self.proceed()

    def action_back(self) -> None:
        self.dismiss(StepOutcome.BACK)

    @on(Button.Pressed, "#next-button")
    def next_by_button(self) -> None:
        self.proceed()

    @on(Button.Pressed, "#back-button")
    def back_by_button(self) -> None:
        self.action_back()

    def action_toggle_transcript(self) -> None:
        self.query_one(TranscriptPane).toggle_class("-hidden")

    def action_help(self) -> None:
        self.app.push_screen(HelpModal(_(self.STEP_TITLE), _(self.HELP)))

    # -- live checks ---------------------------------------------------------------------

    def start_check(self, settings: Settings, password: str | None,
                    options: CheckOptions, key: object = None) -> None:
        """Show the planned steps as pending and run the check in a worker.

        `key` identifies the inputs tested (default: the arguments); a result for
        another key arrives too late and is ignored.
        """
        self.check_key = key if key is not None else (settings, password is not None,
                                                      options)
        self.query_one(CheckList).plan(planned_steps(settings, options))
        self.query_one(TranscriptPane).clear()
        self.set_hint(_("Checking…"))
        self._run_check(settings, password, options, self.check_key)

    def cancel_check(self) -> None:
        """The inputs changed: stop a running check and forget its rows."""
        self.workers.cancel_group(self, "check")
        self.check_key = None
        self.query_one(CheckList).clear()
        self.set_hint("")

    @work(exclusive=True, group="check", exit_on_error=False, description="live SMTP check")
    async def _run_check(self, settings: Settings, password: str | None,
                         options: CheckOptions, key: object) -> None:
        def progressed(step_id: str, step: Step | None) -> None:
            self.post_message(CheckProgressed(step_id, step))

        def said(line: Line) -> None:
            self.post_message(TranscriptLineAdded(line))

        report = await self.services.check(settings, password, options,
                                           on_progress=progressed, on_line=said)
        self.post_message(CheckFinished(report, key))

    @on(CheckProgressed)
    def show_check_progress(self, event: CheckProgressed) -> None:
        self.query_one(CheckList).update_step(event.step_id, event.step)

    @on(TranscriptLineAdded)
    def show_transcript_line(self, event: TranscriptLineAdded) -> None:
        self.query_one(TranscriptPane).add(event.line)

    @on(CheckFinished)
    def take_check_result(self, event: CheckFinished) -> None:
        if event.key != self.check_key:
            return  # the inputs changed while it ran
        self.query_one(CheckList).show_steps(event.report.steps)
        self.check_finished(event.report)

    def check_finished(self, report: Report) -> None:
        """A live check for the current inputs ended; subclasses record and react."""
        self.set_hint(_("All checks passed.") if report.ok else
                      _("A check failed: see the diagnosis above."))

    @on(Worker.StateChanged)
    def report_worker_error(self, event: Worker.StateChanged) -> None:
        # exit_on_error=False: an unexpected error is shown, never a traceback.
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            self.set_hint(_("The check stopped unexpectedly."))
            self.notify(_("{what} stopped: {error}").format(
                what=event.worker.description or _("A check"),
                error=str(error) or type(error).__name__), severity="error", timeout=10)
