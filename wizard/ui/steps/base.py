"""What every step screen shares: layout, keys, Back/Next, the checklist and transcript.

A step never pushes the next one: it dismisses with `StepOutcome.NEXT` or `.BACK` and the
App decides. Live checks run in an async worker on the screen, so leaving the screen
cancels them, and a new check cancels the previous one (a group of their own: exclusive
workers without one would cancel every other worker of the screen).

Enter means "this answer is given": it moves to the next control of the step, and on the
last one it means Next, so it never skips a control the user has not seen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, RadioSet, Static
from textual.worker import Worker, WorkerState

from wizard.errors import WizardError
from wizard.model import memory
from wizard.model.i18n import N_, _
from wizard.model.report import Report, Status, Step
from wizard.model.settings import Settings
from wizard.model.transcript import Line
from wizard.ui.app import WizardApp
from wizard.ui.messages import CheckFinished, CheckProgressed, TranscriptLineAdded
from wizard.ui.state import Services, StepOutcome, WizardState
from wizard.ui.widgets import CheckList, Confirmed, FieldError, TranscriptPane, step_label
from wizard.ui.widgets.footer import TranslatedFooter

if TYPE_CHECKING:
    from wizard.smtp.check import CheckOptions

__all__ = ["StepScreen", "visible_text"]

_ANSWERS = (Input, RadioSet, Checkbox)
"""Controls that hold an answer: Enter on one moves to the next of them."""
_MAX_ERROR = 200
"""Characters of an unexpected error's text shown to the user."""


def visible_text(text: str, limit: int = _MAX_ERROR) -> str:
    """Untrusted text (an exception's, a server's) bounded, control characters shown."""
    shown = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)
    return shown if len(shown) <= limit else shown[:limit - 1] + "…"


class StepScreen(Screen[StepOutcome]):
    """One step of the flow. Subclasses add `compose_body`, `proceed` and help text."""

    STEP_ID: ClassVar[str] = ""
    STEP_TITLE: ClassVar[str] = ""
    """The step's name over its page; its one-word name in the title line is in `STEPS`."""
    INTRO: ClassVar[str] = ""
    HELP: ClassVar[str] = ""
    MENU: ClassVar[bool] = False
    """A menu (Start): picking a choice goes on by itself, and nothing is checked live,
    so it has no Back/Next buttons, no check list and no transcript (nor ctrl+t)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back"), id="back",
                tooltip=N_("Go back one step; your answers are kept.")),
        # Priority: a focused table or list must not swallow the step's own keys.
        Binding("ctrl+n", "next", N_("Next"), id="next", priority=True,
                tooltip=N_("Check this step and go on.")),
        Binding("ctrl+t", "toggle_transcript", N_("Transcript"), id="transcript", priority=True,
                tooltip=N_("Show or hide what was said to the server.")),
        Binding("f1", "help", N_("Help"), id="help", tooltip=N_("Keys and help for this step.")),
        Binding("question_mark", "help", show=False),
        # The page scrolls from any control: the body itself never takes the focus.
        Binding("pagedown", "scroll_body(1)", show=False),
        Binding("pageup", "scroll_body(-1)", show=False),
    ]

    def __init__(self, state: WizardState, services: Services, *,
                 position: tuple[int, int] = (1, 1), trail: tuple[str, ...] = ()) -> None:
        super().__init__(classes=f"step step-{self.STEP_ID}")
        self.state = state
        self.services = services
        self.position = position
        self.trail = trail
        """The short names of the flow's steps, for the tracker in the title line."""
        self.check_key: object = None
        """What the latest live check tested; a finished check for other inputs is stale."""

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="step-title", markup=False)
        # Not focusable: a focused scroll container shows nothing and eats typed keys.
        with VerticalScroll(id="body", can_focus=False):
            if self.INTRO:
                yield Static(_(self.INTRO), classes="intro", markup=False)
            yield from self.compose_body()
            if not self.MENU:
                yield CheckList(id="checks")
        if not self.MENU:
            yield TranscriptPane(id="transcript", classes="-hidden")
        with Horizontal(id="nav"):
            if not self.MENU:
                yield Button(_("Back"), id="back-button", compact=True,
                             disabled=self.position[0] == 1)
            yield Static("", id="hint", markup=False)
            yield Static("", id="more", markup=False)
            if not self.MENU:
                yield Button(self.next_label(), id="next-button", variant="primary",
                             compact=True)
        yield TranslatedFooter(show_command_palette=False)

    def _title(self) -> Content:
        """"3/7  ✓Start › ✓Host ›  Prefix  › Port › …": where the user is, what is done
        and what is left (short enough for the doctor's eight steps at 80 columns)."""
        number, total = self.position
        parts: list[Content | str] = [f"{number}/{total} "]
        for index, name in enumerate(self.trail, 1):
            parts.append(" › " if index > 1 else " ")
            if index < number:
                parts.append("✓" + name)
            elif index == number:
                parts.append(Content.styled(f" {name} ", "reverse bold"))
            else:
                parts.append(name)
        if not self.trail:
            parts.append(_(self.STEP_TITLE))
        return Content.assemble(*parts)

    def compose_body(self) -> ComposeResult:
        yield from ()

    def next_label(self) -> str:
        return _("Next")

    def on_mount(self) -> None:
        # The wizard has started once a step is drawn (see `wizard.model.memory`).
        self.call_after_refresh(memory.resume)
        if not self.wizard_app.cursor_blink:
            for field in self.query(Input):
                field.cursor_blink = False
        body = self.query_one("#body", VerticalScroll)
        for checks in self.query(CheckList):
            checks.deadline = self.state.timeout
        self.watch(body, "scroll_y", self._show_more, init=False)
        self.watch(body, "virtual_size", self._show_more, init=False)

    def on_resize(self) -> None:
        self.call_after_refresh(self._show_more)

    @property
    def wizard_app(self) -> WizardApp:
        app = self.app
        assert isinstance(app, WizardApp)
        return app

    def set_hint(self, text: str) -> None:
        self.query_one("#hint", Static).update(text)

    def _show_more(self) -> None:
        """Say so in the bottom line when the page goes on below what is shown."""
        body = self.query_one("#body", VerticalScroll)
        below = body.max_scroll_y - round(body.scroll_y) >= 1
        self.query_one("#more", Static).update(_("▼ more: PgDn") if below else "")

    def action_scroll_body(self, pages: int) -> None:
        body = self.query_one("#body", VerticalScroll)
        if pages > 0:
            body.scroll_page_down(animate=False)
        else:
            body.scroll_page_up(animate=False)

    def bring_into_view(self, widget: Widget) -> None:
        """Scroll the page so that `widget` is seen, once it has its place on screen."""
        self.call_after_refresh(widget.scroll_visible, animate=False)

    # -- fields --------------------------------------------------------------------------

    @on(Input.Changed)
    def _field_checked(self, event: Input.Changed) -> None:
        """Under the field that failed, say why (a field without validators says
        nothing here; its step explains on Next)."""
        result = event.validation_result
        if result is not None:
            self.field_error(event.input, "" if result.is_valid else
                             result.failure_descriptions[0])

    def field_error(self, field: Input, reason: str) -> None:
        """Show `reason` under `field` (its FieldError), or in the hint if it has none."""
        errors = self.query(f"#{field.id}-error").results(FieldError)
        error = next(errors, None)
        if error is None:
            self.set_hint(reason)
            return
        error.say(reason, field.value)
        if reason:
            self.bring_into_view(error)

    @on(Input.Submitted)
    def _field_submitted(self, event: Input.Submitted) -> None:
        self.advance(event.input)

    @on(Confirmed)
    def _control_confirmed(self, event: Confirmed) -> None:
        self.advance(event.source)

    def advance(self, control: Widget) -> None:
        """Enter on `control`: focus the step's next control, or, on the last, Next."""
        body = self.query_one("#body")
        controls = [w for w in body.walk_children(Widget)
                    if isinstance(w, _ANSWERS) and w.focusable]
        later = controls[controls.index(control) + 1:] if control in controls else []
        if later:
            later[0].focus()
        else:
            self.proceed()

    # -- navigation ----------------------------------------------------------------------

    def proceed(self) -> None:
        """Next was asked for: validate, write back to the state, then `go_next()`."""
        self.go_next()

    def go_next(self) -> None:
        self.dismiss(StepOutcome.NEXT)

    def action_next(self) -> None:
        self.proceed()

    def action_back(self) -> None:
        if self.position[0] == 1:
            self.set_hint(_("This is the first step; ctrl+q quits."))
            return
        self.dismiss(StepOutcome.BACK)

    @on(Button.Pressed, "#next-button")
    def next_by_button(self) -> None:
        self.proceed()

    @on(Button.Pressed, "#back-button")
    def back_by_button(self) -> None:
        self.action_back()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A menu has no transcript: its key is not offered.
        return not (self.MENU and action == "toggle_transcript")

    def action_toggle_transcript(self) -> None:
        """Show the transcript and give it the keys (arrows, PgUp/PgDn scroll it); hide
        it and give them back to the control that had them."""
        pane = self.query_one(TranscriptPane)
        pane.toggle_class("-hidden")
        if not pane.has_class("-hidden"):
            self._before_transcript = self.focused
            pane.focus()
        elif self._before_transcript is not None and self._before_transcript.is_attached:
            self._before_transcript.focus()

    _before_transcript: Widget | None = None

    def action_help(self) -> None:
        from wizard.ui.modals import HelpModal

        self.app.push_screen(HelpModal(_(self.STEP_TITLE), _(self.HELP)))

    # -- live checks ---------------------------------------------------------------------

    def start_check(self, settings: Settings, password: str | None,
                    options: CheckOptions, key: object = None) -> None:
        """Show the planned steps as pending and run the check in a worker.

        `key` identifies the inputs tested (default: the arguments); a result for
        another key arrives too late and is ignored.
        """
        # The check engine (aiosmtplib, the TLS code) loads with the first check, not
        # with the first screen.
        from wizard.smtp.check import planned_steps

        self.check_key = key if key is not None else (settings, password is not None,
                                                      options)
        checks = self.query_one(CheckList)
        checks.deadline = settings.timeout
        checks.plan(planned_steps(settings, options))
        self.bring_into_view(checks)
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
    async def take_check_result(self, event: CheckFinished) -> None:
        if event.key != self.check_key:
            return  # the inputs changed while it ran
        await self.show_report(event.report)
        self.check_finished(event.report)

    async def show_report(self, report: Report, *, reveal: bool = True) -> None:
        """A finished check's rows and transcript; `reveal` brings the first problem (or
        the last row) into view."""
        checks = self.query_one(CheckList)
        await checks.show_steps(report.steps)
        self.query_one(TranscriptPane).show_report(report)
        if not reveal:
            return
        rows = checks.rows
        target = checks.first_problem or (rows[-1] if rows else None)
        if target is not None:
            self.bring_into_view(target)

    def check_finished(self, report: Report) -> None:
        """A live check for the current inputs ended; subclasses record and react."""
        self.set_hint(_("All checks passed.") if report.ok else failure_hint(report))

    @on(Worker.StateChanged)
    def report_worker_error(self, event: Worker.StateChanged) -> None:
        # exit_on_error=False: an unexpected error is shown, never a traceback, and the
        # rows it left running end (unless a newer run of the same group owns them now).
        worker = event.worker
        if event.state not in (WorkerState.CANCELLED, WorkerState.ERROR) or any(
                w is not worker and w.node is self and w.group == worker.group
                and not w.is_finished for w in self.app.workers):
            return
        reason = _("cancelled")
        if event.state is WorkerState.ERROR and worker.error is not None:
            error = worker.error
            reason = error.message if isinstance(error, WizardError) else visible_text(
                str(error) or type(error).__name__)
            self.set_hint(_("{what} stopped unexpectedly: {reason}").format(
                what=worker.description or _("A check"), reason=reason))
            reason = _("stopped: {reason}").format(reason=reason)
        for checks in self.query(CheckList):
            checks.stop_running(reason)


def failure_hint(report: Report) -> str:
    """The hint after a failed check: which stage failed, so the user reads that row."""
    failed = next((step for step in report.steps if step.status is Status.FAIL), None)
    if failed is None:
        return _("A check failed: see the diagnosis.")
    return _("{stage} failed: see its diagnosis.").format(stage=step_label(failed.id))
