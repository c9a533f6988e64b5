"""Credentials: user and password, AUTH tested live; on success kept in the keyring."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Checkbox, Input, Label, Static
from textual.worker import get_current_worker

from wizard.model.fields import SettingsError, check_password
from wizard.model.i18n import N_, _
from wizard.model.report import Report, Status
from wizard.model.settings import Client, Settings
from wizard.render import Target
from wizard.smtp.check import CheckOptions
from wizard.store.backends import backend_info, sudo_note
from wizard.store.keyring import (
    SecretsError,
    cryptfile_backend,
    default_cryptfile_path,
    store_password,
)
from wizard.ui.messages import KeyringUnavailable, PasswordNotStored, PasswordStored
from wizard.ui.modals import FallbackModal
from wizard.ui.steps.base import StepScreen, failure_hint
from wizard.ui.widgets import CheckBox, FieldError

__all__ = ["CredentialsScreen", "client_for"]


def client_for(target: Target) -> Client:
    """Checks imitate the software that will send: PEAR for MediaWiki, else smtplib."""
    return Client.PEAR if target is Target.MEDIAWIKI else Client.SMTPLIB


class CredentialsScreen(StepScreen):
    STORE_AFTER_LOGIN = True
    """Store a password that logs in; rotation stores only after its confirmation."""
    STEP_ID = "credentials"
    STEP_TITLE = N_("Credentials")
    INTRO = N_("The SMTP user and password. Next tests the login live; only a password "
               "that works is stored, in the keyring.")
    HELP = N_("The password is typed masked; ctrl+r reveals it. Next logs in to the server "
              "exactly as the target software would (same TLS, same AUTH mechanism). On "
              "success the password goes into the system keyring; where there is none "
              "(usual over SSH) the wizard offers an encrypted file with a master password, "
              "or not storing it. On failure the diagnosis says what to change; nothing is "
              "stored.")

    BINDINGS = [Binding("ctrl+r", "reveal", N_("Reveal"), show=False, id="reveal")]

    def compose_body(self) -> ComposeResult:
        if self.state.notes:
            yield Static("\n".join(f"! {note}" for note in self.state.notes), id="notes",
                         markup=False)
        yield CheckBox(_("The server needs a login (AUTH)"), True, id="auth")
        yield Label(_("User name"), classes="field-label")
        yield Input(placeholder=_("often your e-mail address"), id="username")
        yield Label(_("Password"), classes="field-label")
        with Horizontal(id="password-row"):
            yield Input(password=True, id="password")
            yield Button(_("Show"), id="reveal", compact=True)
        yield FieldError("password")
        note = sudo_note()
        if note:
            yield Static(f"! {note}", id="sudo-note", markup=False)
        yield Static("", id="stored", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        settings = self._settings()
        username = self.query_one("#username", Input)
        username.value = settings.username or str(self.state.prefill.get("username", "")) \
            or self.state.address
        self.query_one("#auth", Checkbox).value = not self.state.auth_off
        if self.state.password:
            self.query_one("#password", Input).value = self.state.password
        report = self.state.results.get(self.STEP_ID)
        if report is not None:
            self.check_key = self._key()
            self._passed = self.check_key if report.ok else None
            self.call_later(self.show_report, report, reveal=False)
        self._show_stored()
        (username if not username.value else self.query_one("#password", Input)).focus()

    _passed: object = None

    def _key(self) -> object:
        fields = self._fields()
        return None if fields is None else (*fields, self.state.target)

    def _fields(self) -> tuple[Settings, str | None] | None:
        settings = self._settings()
        if not self.query_one("#auth", Checkbox).value:
            return settings.replace(auth=False, username=""), None
        try:
            user = self.query_one("#username", Input).value.strip()
            password = check_password(self.query_one("#password", Input).value)
            return settings.replace(auth=True, username=user, sender=""), password
        except SettingsError as exc:
            self.field_error(self.query_one("#password", Input), exc.message)
            return None

    @on(Input.Changed, "#username, #password")
    @on(Checkbox.Changed, "#auth")
    def credentials_edited(self) -> None:
        if self.check_key is not None and self._key() != self.check_key:
            self.cancel_check()
            self.workers.cancel_group(self, "keyring")
            self.state.results.pop(self.STEP_ID, None)
            self.state.stored_in = None
            self._show_stored()

    @on(Button.Pressed, "#reveal")
    def action_reveal(self) -> None:
        field = self.query_one("#password", Input)
        field.password = not field.password
        self.query_one("#reveal", Button).label = _("Show") if field.password else _("Hide")

    def proceed(self) -> None:
        fields = self._fields()
        if fields is None:
            return
        settings, password = fields
        key = self._key()
        self.state.auth_off = not settings.auth
        if not settings.auth:
            self.state.settings = settings
            self.state.password = None
            self.go_next()
            return
        if key == self.check_key and self.state.results.get(self.STEP_ID) is not None:
            # Tested already (passed, or failed and the user goes on regardless).
            self._keep_login(settings.username)
            self.go_next()
            return
        options = CheckOptions(client=client_for(self.state.target))
        self.start_check(settings, password, options, key)

    def check_finished(self, report: Report) -> None:
        self.state.results[self.STEP_ID] = report
        auth = report.step("auth")
        fields = self._fields()
        if fields is not None and fields[0].auth:
            self._keep_login(fields[0].username)
        if auth is None or auth.status is not Status.OK or fields is None:
            self.state.password = None
            self.set_hint(_("{failure} Nothing was stored. Fix it, or press Next to go on "
                            "anyway.").format(failure=failure_hint(report)))
            return
        password = fields[1]
        assert password is not None
        self.state.password = password
        if not self.STORE_AFTER_LOGIN:
            return
        self.set_hint(_("Login works. Saving the password…"))
        self._store(self._settings(), password)

    def _settings(self) -> Settings:
        settings = self.state.settings
        assert settings is not None, "the Host step sets it before this step opens"
        return settings

    def _keep_login(self, username: str) -> None:
        """Write the login into the state's settings; the sender typed later stays."""
        self.state.settings = self._settings().replace(auth=True, username=username)

    # -- storing the password (keyring calls may block: thread workers) ---------------------

    @work(thread=True, exclusive=True, group="keyring", exit_on_error=False,
          description="Saving the password")
    def _store(self, settings: Settings, password: str) -> None:
        backend = self.services.keyring_backend
        info = backend_info(backend)
        if get_current_worker().is_cancelled:
            return
        if info.needs_fallback:
            self.post_message(KeyringUnavailable(info))
            return
        try:
            self.post_message(PasswordStored(store_password(settings, password,
                                                            backend=backend)))
        except (SecretsError, SettingsError) as exc:
            self.post_message(PasswordNotStored(exc.message))

    @work(thread=True, exclusive=True, group="keyring", exit_on_error=False,
          description="Saving the password")
    def _store_in_file(self, settings: Settings, password: str, master: str) -> None:
        try:
            ring = cryptfile_backend(self.services.cryptfile_path, master)
            if get_current_worker().is_cancelled:
                return
            self.post_message(PasswordStored(store_password(settings, password,
                                                            backend=ring)))
        except (SecretsError, SettingsError) as exc:
            self.post_message(PasswordNotStored(exc.message))

    @on(KeyringUnavailable)
    def offer_fallback(self, event: KeyringUnavailable) -> None:
        path = self.services.cryptfile_path or default_cryptfile_path()
        settings, password = self.state.settings, self.state.password

        def chosen(master: str | None) -> None:
            if master is None or settings is None or password is None:
                self.set_hint(_("The password was not stored. Press Next to go on."))
                return
            self.set_hint(_("Encrypting the password file…"))
            self._store_in_file(settings, password, master)

        self.app.push_screen(FallbackModal(event.info.reason or event.info.description,
                                           str(path)), chosen)

    @on(PasswordStored)
    def password_stored(self, event: PasswordStored) -> None:
        self.state.stored_in = event.info
        self._show_stored()
        self.set_hint(_("Login works and the password is stored. Press Next."))

    @on(PasswordNotStored)
    def password_not_stored(self, event: PasswordNotStored) -> None:
        self.state.stored_in = None
        self.query_one("#stored", Static).update(f"✗ {event.reason}")
        self.set_hint(_("Login works, but the password was not stored."))

    def _show_stored(self) -> None:
        info = self.state.stored_in
        self.query_one("#stored", Static).update(
            _("✓ Password stored in {where}.").format(where=info.description)
            if info is not None else "")
