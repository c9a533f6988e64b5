"""Check an existing LocalSettings.php: the doctor's findings by area, then fix them.

The doctor (`wizard.doctor.run_doctor`) examines the wiki, PHP, the system and the live
SMTP session; its findings prefill the steps that follow, which ask again what failed.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from wizard.doctor import AREAS, DoctorOptions, DoctorResult, run_doctor
from wizard.model.i18n import N_, _, ngettext
from wizard.model.report import Report, Status, Step
from wizard.ui.prefill import check_localsettings_path, switch_localsettings
from wizard.ui.state import Services, WizardState
from wizard.ui.steps.base import StepScreen
from wizard.ui.validators import FieldValidator
from wizard.ui.widgets import CheckList
from wizard.ui.widgets.checklist import STEP_LABELS

__all__ = ["AREA_TITLES", "DoctorScreen", "localsettings_input"]

AREA_TITLES: dict[str, str] = {
    "wiki": N_("The wiki (LocalSettings.php)"),
    "php": N_("PHP"),
    "system": N_("This machine"),
    "smtp": N_("The SMTP server, as PEAR talks to it"),
}
# The Host and Credentials steps show these; more would push their fields off 80x24.
_MAX_NOTES = 4


def localsettings_input() -> Input:
    """The path field of the doctor and rotation steps: a file or a wiki folder."""
    return Input(placeholder=_("/var/www/wiki/LocalSettings.php or the wiki's folder"),
                 id="localsettings", validators=[FieldValidator(check_localsettings_path)],
                 valid_empty=False)


def _row_id(step_id: str) -> str:
    """The row's name under its area title: the short name, unless that would borrow a
    live check's label ("wiki.sender" is not MAIL FROM)."""
    area, _dot, name = step_id.partition(".")
    return name if area == "smtp" or name not in STEP_LABELS else step_id


class DoctorProgressed(Message):
    """One of the doctor's steps started (`step` is None) or ended."""

    def __init__(self, step_id: str, step: Step | None) -> None:
        super().__init__()
        self.step_id = step_id
        self.step = step


class DoctorFinished(Message):
    """The doctor's findings on `path`."""

    def __init__(self, result: DoctorResult, path: Path) -> None:
        super().__init__()
        self.result = result
        self.path = path


class DoctorScreen(StepScreen):
    STEP_ID = "doctor"
    STEP_TITLE = N_("Check LocalSettings.php")
    INTRO = N_("Why does this wiki not send mail? The doctor reads LocalSettings.php, "
               "examines PHP and this machine, and talks to the SMTP server as MediaWiki "
               "would. Next walks through the steps with the values found, to fix what "
               "failed.")
    HELP = N_("Type the path of LocalSettings.php (or of the wiki's folder) and press "
              "Enter. Nothing is changed and no mail is sent: the live check stops after "
              "MAIL FROM. The values are read without running the file; the password is "
              "the one written in it or a file it includes, else the keyring's. Each "
              "warning or failure says its cause and what to do; the steps that follow "
              "are prefilled and show what to fix.")

    def __init__(self, state: WizardState, services: Services, *,
                 position: tuple[int, int] = (1, 1)) -> None:
        super().__init__(state, services, position=position)
        # Not `_running`: Textual's MessagePump uses that name for its own state, and
        # shadowing it stopped Next from ever starting the doctor.
        self._examining: Path | None = None
        """The file the running doctor examines; None when none runs."""

    def compose_body(self) -> ComposeResult:
        yield localsettings_input()
        with Vertical(id="areas"):
            for area in AREAS:
                yield Static(_(AREA_TITLES[area]), id=f"title-{area}",
                             classes="area-title -hidden", markup=False)
                yield CheckList(id=f"area-{area}", classes="area")

    def on_mount(self) -> None:
        super().on_mount()
        field = self.query_one("#localsettings", Input)
        field.focus()
        if self.state.localsettings is None:
            self.set_hint(_("Which wiki? Type the path of its LocalSettings.php."))
            return
        with self.prevent(Input.Changed):
            field.value = str(self.state.localsettings)
        report = self.state.doctor
        if report is not None:
            self._show(report)
            self._hint(report)
        else:
            self._start(self.state.localsettings)

    # -- running the doctor ----------------------------------------------------------------

    @on(Input.Submitted, "#localsettings")
    def path_submitted(self) -> None:
        path = self._typed_path()
        if path is not None:
            self._start(path)

    def _typed_path(self) -> Path | None:
        field = self.query_one("#localsettings", Input)
        result = field.validate(field.value)
        if result is not None and not result.is_valid:
            self.set_hint(result.failure_descriptions[0])
            return None
        return check_localsettings_path(field.value)

    def _start(self, path: Path) -> None:
        if path != self.state.localsettings or self.state.wiki is None:
            error = switch_localsettings(self.state, path)
            if error:
                # The doctor still runs: its first step says why the file is unusable.
                self.notify(error, severity="warning", timeout=10)
        self.state.doctor = None
        for area in AREAS:
            self.query_one(f"#area-{area}", CheckList).clear()
            self.query_one(f"#title-{area}", Static).add_class("-hidden")
        self._examining = path
        self.set_hint(_("Examining the wiki…"))
        self._run_doctor(path)

    @work(exclusive=True, group="doctor", exit_on_error=False,
          description="The doctor")
    async def _run_doctor(self, path: Path) -> None:
        result = await run_doctor(
            DoctorOptions(path, cwd=Path.cwd(), ca_file=self.state.ca_file,
                          # Tests and the demo bring their own keyring; never read the
                          # user's then.
                          keyring_backend=self.services.keyring_backend),
            on_progress=self._progressed)
        self.post_message(DoctorFinished(result, path))

    def _progressed(self, step_id: str, step: Step | None) -> None:
        self.post_message(DoctorProgressed(step_id, step))

    @on(DoctorProgressed)
    def show_progress(self, event: DoctorProgressed) -> None:
        if self._examining is None:
            return
        area, name = event.step_id.partition(".")[0], _row_id(event.step_id)
        self.query_one(f"#title-{area}", Static).remove_class("-hidden")
        self.query_one(f"#area-{area}", CheckList).update_step(
            name, None if event.step is None else dataclasses.replace(event.step, id=name))

    @on(Worker.StateChanged)
    def doctor_stopped(self, event: Worker.StateChanged) -> None:
        # The base class shows the error; here Next must not wait for it forever.
        if event.worker.group == "doctor" and event.state in (WorkerState.ERROR,
                                                              WorkerState.CANCELLED):
            self._examining = None

    @on(DoctorFinished)
    def take_report(self, event: DoctorFinished) -> None:
        if event.path != self._examining:
            return  # another file was asked for meanwhile
        self._examining = None
        self.state.doctor = event.result.report
        self._adopt(event.result)
        self._show(event.result.report)
        self._hint(event.result.report)

    def _show(self, report: Report) -> None:
        """The report's steps under their areas, each with its short name."""
        for area in AREAS:
            steps = [dataclasses.replace(step, id=_row_id(step.id))
                     for step in report.steps if step.id.partition(".")[0] == area]
            self.query_one(f"#title-{area}", Static).set_class(not steps, "-hidden")
            self.query_one(f"#area-{area}", CheckList).show_steps(steps)

    def _hint(self, report: Report) -> None:
        problems = sum(step.status in (Status.FAIL, Status.WARN) for step in report.steps)
        self.set_hint(ngettext("{n} thing to fix: press Next to go through the steps.",
                               "{n} things to fix: press Next to go through the steps.",
                               problems).format(n=problems) if problems else
                      _("No problem found. Next goes through the steps anyway."))

    def _adopt(self, result: DoctorResult) -> None:
        """Hand the findings to the wizard: prefilled settings, and what to fix."""
        for key, value in result.prefill.items():
            self.state.prefill.setdefault(key, value)
        if result.settings is not None:
            self.state.settings = result.settings.replace(
                timeout=self.state.timeout,
                ca_file=self.state.ca_file or result.settings.ca_file)
        to_fix = result.to_fix
        failed = [step for step in to_fix if step.status is Status.FAIL] or list(to_fix)
        notes = [f"{step.id}: {step.diagnosis.fix}" for step in failed[:_MAX_NOTES]
                 if step.diagnosis is not None]
        fields = result.fields
        if fields:
            notes.append(_("To change: {fields}.").format(fields=", ".join(fields)))
        self.state.notes = tuple(notes)
        self.state.clear_after(self.STEP_ID)

    # -- navigation ------------------------------------------------------------------------

    def proceed(self) -> None:
        path = self._typed_path()
        if path is None:
            return
        if self._examining is not None:
            self.set_hint(_("The doctor is still running; Next works when it is done."))
        elif self.state.doctor is None or path != self.state.localsettings:
            self._start(path)
        else:
            self.go_next()
