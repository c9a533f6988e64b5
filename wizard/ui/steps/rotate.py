"""Rotate the SMTP password: which wiki, the new password tested, then the one change.

Rotation never rewrites `$wgSMTP`: `wizard.store.rotate.rotate_password` tests the new password
again, replaces exactly the old literal (after a backup) and stores the new one in the
keyring, and only after the user confirms.
"""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Button, Checkbox, Input, Static
from textual.worker import get_current_worker

from wizard.mediawiki.localsettings import (
    LintOutcome,
    LocalSettingsError,
    PasswordKind,
    password_line,
)
from wizard.model.fields import SettingsError
from wizard.model.i18n import N_, _
from wizard.model.report import Report, Status
from wizard.store.backends import BackendInfo, backend_info, sudo_note
from wizard.store.rotate import rotate_password
from wizard.ui.messages import KeyringDescribed, RotateFinished, RotateStopped
from wizard.ui.modals import ConfirmModal
from wizard.ui.prefill import check_localsettings_path, switch_localsettings
from wizard.ui.state import Services, WizardState
from wizard.ui.steps.base import StepScreen
from wizard.ui.steps.credentials import CredentialsScreen
from wizard.ui.steps.doctor import localsettings_input, wiki_path
from wizard.ui.widgets import CheckList

__all__ = ["NewPasswordScreen", "RotateScreen", "WikiScreen"]


class WikiScreen(StepScreen):
    """Which wiki's password changes: LocalSettings.php must be loaded to rotate."""

    STEP_ID = "wiki"
    STEP_TITLE = N_("Which wiki")
    INTRO = N_("The wiki whose SMTP password changes. Its LocalSettings.php names the "
               "server and the user; only the password in it is replaced, nothing else.")
    HELP = N_("Type the path of LocalSettings.php (or of the wiki's folder) and press "
              "Enter. The file is read, not run. The next step tests the new password "
              "live; the last one shows where the wiki keeps the password and changes it "
              "only after you confirm.")

    def compose_body(self) -> ComposeResult:
        yield from localsettings_input()
        yield Static("", id="found", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        field = self.query_one("#localsettings", Input)
        path = wiki_path(self.state)
        if path is not None:
            with self.prevent(Input.Changed):
                field.value = str(path)
        self._show_found()
        field.focus()

    @on(Input.Changed, "#localsettings")
    def path_edited(self) -> None:
        # What is shown belongs to the file read; a new path has not been read yet.
        self._show_found()

    @on(Input.Submitted, "#localsettings")
    def path_submitted(self, event: Input.Submitted) -> None:
        event.prevent_default()
        self.proceed()

    def proceed(self) -> None:
        field = self.query_one("#localsettings", Input)
        result = field.validate(field.value)
        if result is not None and not result.is_valid:
            self.field_error(field, result.failure_descriptions[0])
            return
        path = check_localsettings_path(field.value)
        if path != self.state.localsettings or self.state.wiki is None:
            error = switch_localsettings(self.state, path)
            self._show_found()
            self.set_hint(error or self._problem() or _(
                "This is what the wiki holds; press Next to go on with it."))
            return  # the user sees the file it read before going on
        problem = self._problem()
        if problem:
            self.set_hint(problem)
            return
        if "credentials" not in self.state.results:
            # Not tested yet: the password field is for the new one, never the old.
            self.state.password = None
        self.go_next()

    def _problem(self) -> str:
        """Why this wiki's password cannot be rotated; "" when it can."""
        settings = self.state.settings
        if settings is None:
            return _("{path} does not send through SMTP ($wgSMTP is not set): choose "
                     "“Set up outgoing mail” on the first step.").format(
                         path=self.state.localsettings)
        if not settings.auth:
            return _("{path} sends without a login: there is no password to change."
                     ).format(path=self.state.localsettings)
        return ""

    def _show_found(self) -> None:
        """The file read and what it holds, only while the field names that file."""
        text = self.query_one("#localsettings", Input).value.strip()
        wiki, settings = self.state.wiki, self.state.settings
        shown = wiki is not None and settings is not None and text != "" and \
            _same_file(text, wiki.path)
        self.query_one("#found", Static).update(
            "\n".join(wiki_facts(self.state)) if shown else "")


def _same_file(text: str, path: Path) -> bool:
    try:
        return check_localsettings_path(text) == path
    except SettingsError:
        return False


def wiki_facts(state: WizardState) -> list[str]:
    """The wiki file read, its server and login, and the exact place of its password."""
    wiki, settings = state.wiki, state.settings
    assert wiki is not None and settings is not None
    lines = [_("Read: {path}").format(path=wiki.path),
             _("Server: {host}, port {port}, user {user}").format(
                 host=settings.mediawiki_host, port=settings.port,
                 user=settings.username or "-")]
    source = wiki.smtp.password if wiki.smtp is not None else None
    if source is None:
        lines.append(_("LocalSettings.php holds no password for $wgSMTP: only the keyring "
                       "is updated."))
    elif source.kind in (PasswordKind.INLINE, PasswordKind.FILE):
        try:
            path, number, line = password_line(wiki)
        except LocalSettingsError as exc:
            lines.append(f"! {exc.message}")
        else:
            lines.append(_("The password is in {path}, line {line}; that text is replaced, "
                           "after a backup:").format(path=path, line=number))
            lines.append(f"  {number}: {line}")
    elif source.kind is PasswordKind.ENV:
        lines.append(_("The wiki reads the password from the environment variable {name} "
                       "({path}, line {line}): the wizard cannot change it, and says where "
                       "to set it once the new password is tested.").format(
                           name=source.name, path=source.path, line=source.line))
    else:
        lines.append(_("{path}, line {line}, computes the password in a way the wizard "
                       "cannot follow: change it there by hand.").format(
                           path=source.path, line=source.line))
    return lines


class NewPasswordScreen(CredentialsScreen):
    """The Credentials step for rotation: the new password is tested, never stored here.

    Storing waits for the confirmation on `RotateScreen`, and a password that fails
    does not go on.
    """

    STEP_TITLE = N_("New password")
    INTRO = N_("The new SMTP password, as the provider now has it. Next logs in with it "
               "live; nothing is changed until you confirm on the next step.")
    HELP = N_("The password is typed masked; ctrl+r reveals it. Next logs in to the server "
              "exactly as MediaWiki would (same TLS, same AUTH mechanism). Only a password "
              "that logs in goes on to the last step, where the wiki's copy and the "
              "keyring are changed after you confirm.")

    def on_mount(self) -> None:
        super().on_mount()
        # Rotation is about a login: switching it off is not a choice here.
        auth = self.query_one("#auth", Checkbox)
        auth.value = True
        auth.display = False

    STORE_AFTER_LOGIN = False

    def check_finished(self, report: Report) -> None:
        super().check_finished(report)
        if self._logged_in(report):
            self.set_hint(_("The new password works. Press Next; nothing changes before "
                            "you confirm."))
        else:
            self.set_hint(_("The new password did not log in; nothing will be changed. "
                            "Correct it, or press Esc to go back."))

    def proceed(self) -> None:
        report = self.state.results.get(self.STEP_ID)
        if report is not None and self._key() == self.check_key and \
                not self._logged_in(report):
            self.set_hint(_("The new password did not log in; nothing will be changed. "
                            "Correct it, or press Esc to go back."))
            return
        super().proceed()

    @staticmethod
    def _logged_in(report: Report) -> bool:
        auth = report.step("auth")
        return auth is not None and auth.status is Status.OK


class RotateScreen(StepScreen):
    """Where the wiki keeps the password; on confirmation, the change itself."""

    STEP_ID = "rotate"
    STEP_TITLE = N_("Change the password")
    INTRO = N_("Where the wiki keeps its SMTP password and what will change. Next asks "
               "first; then the new password is tested once more, the old one replaced "
               "where it is written (after a backup) and the keyring updated.")
    HELP = N_("Only the password's text changes: every other byte of the file stays, a "
              "timestamped backup is made first and PHP checks the syntax. A password "
              "read from an environment variable cannot be changed by the wizard: it says "
              "where to set it. If the new password no longer logs in, nothing changes.")

    def __init__(self, state: WizardState, services: Services, *,
                 position: tuple[int, int] = (1, 1), trail: tuple[str, ...] = ()) -> None:
        super().__init__(state, services, position=position, trail=trail)
        self._keyring: BackendInfo | None = None
        self._done = False

    def compose_body(self) -> ComposeResult:
        yield Static("", id="where", markup=False)
        yield Static("", id="keyring", markup=False)
        yield Static("", id="outcome", markup=False)

    def next_label(self) -> str:
        return _("Change")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#where", Static).update(self._where())
        self.query_one("#keyring", Static).update(_("Keyring: looking…"))
        self._describe_keyring()
        self.set_hint(_("Press Next to change the password; it asks first."))

    def _where(self) -> str:
        return "\n".join(wiki_facts(self.state))

    # -- the keyring (backend_info may block on D-Bus: a thread worker) ---------------------

    @work(thread=True, exclusive=True, group="keyring", exit_on_error=False,
          description="Looking at the keyring")
    def _describe_keyring(self) -> None:
        info = backend_info(self.services.keyring_backend)
        if not get_current_worker().is_cancelled:
            self.post_message(KeyringDescribed(info))

    @on(KeyringDescribed)
    def show_keyring(self, event: KeyringDescribed) -> None:
        self._keyring = event.info
        lines = [_("Keyring: the new password will be stored in {where}.").format(
            where=event.info.description) if not event.info.needs_fallback else
            _("Keyring: not stored. {reason}").format(
                reason=event.info.reason or event.info.description)]
        note = sudo_note()
        if note:
            lines.append(f"! {note}")
        self.query_one("#keyring", Static).update("\n".join(lines))

    # -- the change, after the confirmation ------------------------------------------------

    def proceed(self) -> None:
        if self._done:
            self.go_next()
            return
        if self._keyring is None:
            self.set_hint(_("Looking at the keyring; press Next again in a moment."))
            return
        wiki = self.state.wiki
        source = wiki.smtp.password if wiki is not None and wiki.smtp is not None else None
        if source is not None and source.kind in (PasswordKind.INLINE, PasswordKind.FILE):
            question = _("Test the new password once more, then replace it in {path} (a "
                         "backup is made first)?").format(path=source.path)
        else:
            question = _("Test the new password once more, then update the keyring?")

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.set_hint(_("Testing the new password…"))
                self.query_one(CheckList).clear()
                self._rotate()
            else:
                self.set_hint(_("Nothing was changed."))

        self.app.push_screen(ConfirmModal(question, yes=_("Change"), no=_("Cancel")),
                             confirmed)

    @work(exclusive=True, group="rotate", exit_on_error=False,
          description="Changing the password")
    async def _rotate(self) -> None:
        wiki, settings, password = self.state.wiki, self.state.settings, self.state.password
        assert wiki is not None and settings is not None and password is not None
        info = self._keyring
        assert info is not None
        try:
            result = await rotate_password(wiki, settings, password,
                                           store=not info.needs_fallback,
                                           backend=self.services.keyring_backend)
        except LocalSettingsError as exc:
            self.post_message(RotateStopped(exc.message))
            return
        self.post_message(RotateFinished(result))

    @on(RotateFinished)
    async def show_result(self, event: RotateFinished) -> None:
        result = event.result
        await self.show_report(result.report)
        if not result.tested:
            self._show_outcome([_("✗ The new password did not log in, so nothing was "
                                  "changed.")])
            self.set_hint(_("Nothing was changed. Esc goes back to the password."))
            return
        if result.restored:
            # The server takes the new password, but the wiki could not log in with the
            # file as written: the core put the previous file back.
            self._show_outcome([_("✗ The wiki could not log in with the new password as "
                                  "written, so the previous file was restored: the wiki "
                                  "still has the old password, and the keyring was not "
                                  "changed."), *(f"! {note}" for note in result.notes)])
            self.set_hint(_("Nothing was changed. Fix what is said above, then press "
                            "Change to try again."))
            return
        lines: list[str] = []
        change = result.change
        if change is not None:
            self.state.written.append(str(change.path))
            if change.backup is not None:
                self.state.backups.append(str(change.backup))
            lines.append(_("✓ Replaced the password in {path}; the previous version is in "
                           "{backup}.").format(path=change.path, backup=change.backup))
            if change.lint is LintOutcome.SKIPPED:
                lines.append(_("! PHP is not installed here, so the file's syntax was not "
                               "checked."))
        if result.verified:
            lines.append(_("✓ The wiki logs in with the file as written: {how}.").format(
                how=result.verified))
        self.state.stored_in = result.stored
        info = self._keyring
        if result.stored is not None:
            lines.append(_("✓ Stored the new password in the keyring ({backend}).").format(
                backend=result.stored.name))
        elif info is not None and info.needs_fallback:
            lines.append(_("! Not stored in the keyring: {reason}").format(
                reason=info.reason or info.description))
        lines += [f"! {note}" for note in result.notes]
        self.state.todo += result.notes
        self.state.done = True
        self._finish(lines)

    @on(RotateStopped)
    def show_stopped(self, event: RotateStopped) -> None:
        self._finish([f"✗ {event.reason}",
                      _("The new password logs in, but the wiki still has the old one and "
                        "the keyring was not updated.")])

    def _finish(self, lines: list[str]) -> None:
        self._show_outcome(lines)
        self._done = True
        self.query_one("#next-button", Button).label = _("Finish")
        self.set_hint(_("Done. Press Finish to leave."))

    def _show_outcome(self, lines: list[str]) -> None:
        self.query_one("#outcome", Static).update("\n".join(lines))
