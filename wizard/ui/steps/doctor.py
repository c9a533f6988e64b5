"""Check an existing LocalSettings.php: what it sets, and a live check of those settings."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from wizard.check import CheckOptions
from wizard.i18n import N_, _
from wizard.report import Report
from wizard.ui.steps.base import StepScreen

__all__ = ["DoctorScreen"]


class DoctorScreen(StepScreen):
    STEP_ID = "doctor"
    STEP_TITLE = N_("Current settings")
    INTRO = N_("What LocalSettings.php sets now, tested live as MediaWiki would send. Next "
               "walks through the steps with these values, to fix what failed.")
    HELP = N_("The values are read from LocalSettings.php without running it. The live "
              "check logs in with the password found there, if it is written in the file "
              "or a file it includes; a password from the environment cannot be read.")

    def compose_body(self) -> ComposeResult:
        yield Static("", id="found", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        settings = self.state.settings
        if self.state.localsettings is None or settings is None:
            self.query_one("#found", Static).update(_(
                "No LocalSettings.php with a readable $wgSMTP was found. Start the wizard "
                "with --localsettings PATH, or press Next for a new setup."))
            return
        password = _("found") if self.state.password else _("not readable")
        self.query_one("#found", Static).update("\n".join([
            _("File: {path}").format(path=self.state.localsettings),
            f"$wgSMTP['host']: {settings.mediawiki_host}   port: {settings.port}",
            _("login: {auth}   user: {user}   password: {password}").format(
                auth=_("yes") if settings.auth else _("no"), user=settings.username or "-",
                password=password),
            _("sender: {sender}   emergency contact: {contact}").format(
                sender=settings.sender or "-", contact=settings.emergency_contact or "-"),
        ]))
        self.start_check(settings, self.state.password, CheckOptions())

    def check_finished(self, report: Report) -> None:
        self.state.results[self.STEP_ID] = report
        super().check_finished(report)
