"""Check an existing LocalSettings.php: the doctor's findings by area, then fix them.

The doctor (`wizard.doctor.run_doctor`) examines the wiki, PHP, the system and the live
SMTP session; its findings prefill the steps that follow, which ask again what failed.
An error message the admin pastes is explained (`wizard.explain`) above the findings and
set beside them: does the doctor find the same cause now?
"""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static, TextArea
from textual.worker import Worker, WorkerState, get_current_worker

from wizard.doctor import AREAS, DoctorOptions, DoctorResult, run_doctor
from wizard.explain import PLACEHOLDERS, Explanation, beside, compare, explain, read_text
from wizard.model.i18n import N_, _, ngettext
from wizard.model.report import Report, Status, Step
from wizard.model.shown import visible
from wizard.ui.prefill import check_localsettings_path, switch_localsettings
from wizard.ui.state import Services, WizardState
from wizard.ui.steps.base import StepScreen
from wizard.ui.validators import FieldValidator
from wizard.ui.widgets import CheckList, FieldError, PasteArea, step_label

__all__ = ["AREA_TITLES", "DoctorScreen", "localsettings_input"]

AREA_TITLES: dict[str, str] = {
    "wiki": N_("The wiki (LocalSettings.php)"),
    "php": N_("PHP"),
    "system": N_("This machine"),
    "smtp": N_("The SMTP server, as PEAR talks to it"),
}
# The Host and Credentials steps show these; more would push their fields off 80x24.
_MAX_NOTES = 4


def localsettings_input() -> ComposeResult:
    """The path field of the doctor and rotation steps (a file or a wiki folder), with
    its label and the line that says what is wrong with it."""
    yield Label(_("LocalSettings.php, or the wiki's folder"), classes="field-label")
    yield Input(placeholder=_("e.g. /var/www/wiki/LocalSettings.php"),
                id="localsettings", validators=[FieldValidator(check_localsettings_path)],
                valid_empty=False)
    yield FieldError("localsettings")


def wiki_path(state: WizardState) -> Path | None:
    """The wiki to offer: the one loaded, else (demo) the demo's own."""
    if state.localsettings is not None:
        return state.localsettings
    return state.demo.wiki if state.demo is not None else None


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


class ErrorExplained(Message):
    """What the pasted `text` means."""

    def __init__(self, text: str, explanation: Explanation) -> None:
        super().__init__()
        self.text = text
        self.explanation = explanation


class DoctorScreen(StepScreen):
    STEP_ID = "doctor"
    STEP_TITLE = N_("Check LocalSettings.php")
    INTRO = N_("Why does this wiki not send mail? The doctor reads LocalSettings.php and "
               "examines PHP and this machine; then, when you say so, it logs in to the "
               "SMTP server as MediaWiki would. Next walks through the steps with the "
               "values found, to fix what failed.")
    HELP = N_("Type the path of LocalSettings.php (or of the wiki's folder) and press "
              "Enter: the file is read (never run), PHP and this machine are examined, "
              "and nothing goes over the network. Then Next logs in to the SMTP server "
              "with the password found (in the file, a file it includes, or the "
              "keyring); nothing is sent: the live check stops after MAIL FROM. Each "
              "warning or failure says its cause and what to do; the steps that follow "
              "are prefilled and show what to fix. An error message the wiki showed "
              "(MediaWiki's “Error sending mail”, a log line, a traceback) can be pasted "
              "below the path: it is explained above the findings, with the words that "
              "matched, and set beside what the doctor finds.")

    def __init__(self, state: WizardState, services: Services, *,
                 position: tuple[int, int] = (1, 1), trail: tuple[str, ...] = ()) -> None:
        super().__init__(state, services, position=position, trail=trail)
        # Not `_running`: Textual's MessagePump uses that name for its own state, and
        # shadowing it stopped Next from ever starting the doctor.
        self._examining: Path | None = None
        """The file the running doctor examines; None when none runs."""
        self._explanation: Explanation | None = None
        """What the pasted error message means; None when nothing is pasted."""

    def compose_body(self) -> ComposeResult:
        yield from localsettings_input()
        yield Static("", id="found", markup=False)
        yield Label(_("Paste an error message (optional)"), classes="field-label")
        yield PasteArea(id="error", placeholder=_(
            "e.g. MediaWiki's “Error sending mail: …”, a log line or a traceback"))
        with Vertical(id="explained", classes="-hidden"):
            yield Static(_("The error message you gave"), classes="area-title",
                         markup=False)
            yield CheckList(id="area-explain", classes="area", details=True)
            yield Static("", id="beside", markup=False)
        with Vertical(id="areas"):
            for area in AREAS:
                yield Static(_(AREA_TITLES[area]), id=f"title-{area}",
                             classes="area-title -hidden", markup=False)
                yield CheckList(id=f"area-{area}", classes="area")

    def on_mount(self) -> None:
        super().on_mount()
        field = self.query_one("#localsettings", Input)
        field.focus()
        if self.state.error_text:
            # Explained again when it loads (TextArea says Changed).
            self.query_one("#error", PasteArea).load_text(self.state.error_text)
        path = wiki_path(self.state)
        if path is None:
            self.set_hint(_("Which wiki? Type the path of its LocalSettings.php."))
            return
        with self.prevent(Input.Changed):
            field.value = str(path)
        report = self.state.doctor
        if report is not None and path == self.state.localsettings:
            self.call_later(self._show, report)
            self.query_one("#found", Static).update(self._found())
            self._hint(report)
        else:
            # Only what is on this machine: nothing with a secret goes over the network
            # before the user has seen where it would go and said so.
            self._start(path, live=False)

    # -- running the doctor ----------------------------------------------------------------

    @on(Input.Submitted, "#localsettings")
    def path_submitted(self, event: Input.Submitted) -> None:
        event.prevent_default()
        self.proceed()

    def _typed_path(self) -> Path | None:
        field = self.query_one("#localsettings", Input)
        result = field.validate(field.value)
        if result is not None and not result.is_valid:
            self.field_error(field, result.failure_descriptions[0])
            return None
        return check_localsettings_path(field.value)

    def _start(self, path: Path, *, live: bool) -> None:
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
        self.query_one("#found", Static).update(self._found())
        self.set_hint(_("Logging in to the SMTP server…") if live else
                      _("Examining the wiki…"))
        self._run_doctor(path, live)

    def _found(self) -> str:
        """Where the live check would log in, read from the file, before it does."""
        settings = self.state.settings
        if self.state.wiki is None or settings is None:
            return ""
        login = (_("login as {user}").format(user=settings.username) if settings.auth
                 else _("no login"))
        return _("Found: {host}, port {port}, {login}.").format(
            host=settings.mediawiki_host, port=settings.port, login=login)

    @work(exclusive=True, group="doctor", exit_on_error=False,
          description="The doctor")
    async def _run_doctor(self, path: Path, live: bool) -> None:
        result = await run_doctor(
            DoctorOptions(path, cwd=Path.cwd(), ca_file=self.state.ca_file, live=live,
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
        area = event.step_id.partition(".")[0]
        self.query_one(f"#title-{area}", Static).remove_class("-hidden")
        checks = self.query_one(f"#area-{area}", CheckList)
        checks.deadline = self.state.timeout if area == "smtp" else None
        checks.update_step(event.step_id, event.step)

    @on(Worker.StateChanged)
    def doctor_stopped(self, event: Worker.StateChanged) -> None:
        # The base class shows the error; here Next must not wait for it forever.
        if event.worker.group == "doctor" and event.state in (WorkerState.ERROR,
                                                              WorkerState.CANCELLED):
            self._examining = None

    @on(DoctorFinished)
    async def take_report(self, event: DoctorFinished) -> None:
        if event.path != self._examining:
            return  # another file was asked for meanwhile
        self._examining = None
        self.state.doctor = event.result.report
        self._adopt(event.result)
        await self._show(event.result.report)
        await self._show_explanation()
        self.query_one("#found", Static).update(self._found())
        self._hint(event.result.report)
        self._reveal()

    async def _show(self, report: Report) -> None:
        """The report's steps under their areas, each with its title."""
        for area in AREAS:
            steps = [step for step in report.steps if step.id.partition(".")[0] == area]
            self.query_one(f"#title-{area}", Static).set_class(not steps, "-hidden")
            await self.query_one(f"#area-{area}", CheckList).show_steps(steps)

    def _reveal(self) -> None:
        """Bring the first failure (else warning) of all areas into view."""
        for status in (Status.FAIL, Status.WARN):
            for area in AREAS:
                row = self.query_one(f"#area-{area}", CheckList).first_problem
                if row is not None and row.status is status:
                    self.bring_into_view(row)
                    return

    @property
    def _live(self) -> bool:
        """The report shown includes the live check (it did talk to the server)."""
        report = self.state.doctor
        return report is not None and any(
            step.id.startswith("smtp.") and step.status is not Status.SKIPPED
            for step in report.steps)

    def _hint(self, report: Report) -> None:
        problems = sum(step.status in (Status.FAIL, Status.WARN) for step in report.steps)
        settings = self.state.settings
        if not self._live and settings is not None and settings.host:
            self.set_hint(ngettext(
                "{n} thing to fix so far. ", "{n} things to fix so far. ", problems).format(
                    n=problems) + (_("Next logs in to {host} as {user} with the password "
                                     "found (nothing is sent).").format(
                                         host=settings.mediawiki_host,
                                         user=settings.username) if settings.auth else
                                   _("Next talks to {host} (nothing is sent).").format(
                                       host=settings.mediawiki_host)))
            return
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
        notes = [f"{step_label(step.id)}: {step.diagnosis.fix}"
                 for step in failed[:_MAX_NOTES] if step.diagnosis is not None]
        fields = result.fields
        if fields:
            notes.append(_("To change: {fields}.").format(fields=", ".join(fields)))
        self.state.notes = tuple(notes)
        self.state.clear_after(self.STEP_ID)

    # -- the pasted error message ------------------------------------------------------------

    @on(TextArea.Changed, "#error")
    def error_pasted(self, event: TextArea.Changed) -> None:
        text = event.text_area.text
        self.state.error_text = text
        if text.strip():
            self._explain(text)
            return
        self.workers.cancel_group(self, "explain")
        self._explanation = None
        self.query_one("#explained").add_class("-hidden")

    @work(thread=True, exclusive=True, group="explain", exit_on_error=False,
          description="Reading the error message")
    def _explain(self, text: str) -> None:
        # Cut to what `explain` reads, as the command line cuts standard input.
        bounded, cut = read_text(text.encode("utf-8", "surrogateescape"))
        explanation = explain(bounded, truncated=cut)
        if not get_current_worker().is_cancelled:
            self.post_message(ErrorExplained(text, explanation))

    @on(ErrorExplained)
    async def take_explanation(self, event: ErrorExplained) -> None:
        if event.text != self.query_one("#error", PasteArea).text:
            return  # edited meanwhile: a newer explanation is on its way
        self._explanation = event.explanation
        await self._show_explanation()
        self.query_one("#explained").remove_class("-hidden")
        rows = self.query_one("#area-explain", CheckList).rows
        if rows:
            self.bring_into_view(rows[0])

    async def _show_explanation(self) -> None:
        """The findings in the pasted text, and how they stand beside the doctor's."""
        explanation, report = self._explanation, self.state.doctor
        if explanation is None:
            return
        if report is not None:
            explanation = beside(explanation, report)
        await self.query_one("#area-explain", CheckList).show_steps(
            explanation.report.steps)
        lines = []
        if explanation.truncated:
            lines.append(_("Only the beginning of the text was read (it is very long)."))
        if explanation.recognised and explanation.codes:
            lines.append(_("Codes in the text:"))
            lines += [f"  {code.code}  {code.meaning}" for code in explanation.codes]
        sentences = compare(explanation, report) if report is not None else []
        if sentences:
            lines.append(_("Beside the doctor's findings:"))
            lines += [f"  {sentence}" for sentence in sentences]
        command = explanation.next_command
        if command:
            lines.append(_("Confirm it live (fill in the words in capitals):")
                         if PLACEHOLDERS & set(command.split()) else _("Confirm it live:"))
            lines.append("  " + visible(command))
        self.query_one("#beside", Static).update("\n".join(lines))

    # -- navigation ------------------------------------------------------------------------

    def proceed(self) -> None:
        path = self._typed_path()
        if path is None:
            return
        settings = self.state.settings
        if self._examining is not None:
            self.set_hint(_("The doctor is still running; Next works when it is done."))
        elif self.state.doctor is None or path != self.state.localsettings:
            self._start(path, live=False)
        elif not self._live and settings is not None and settings.host:
            self._start(path, live=True)
        else:
            self.go_next()
