"""Sender: $wgPasswordSender, $wgEmergencyContact, IDHost, HELO; MAIL FROM/RCPT tested."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Checkbox, Input, Label

from wizard.model.fields import SettingsError, check_email, check_helo_name, check_hostname
from wizard.model.i18n import N_, _
from wizard.model.report import Report
from wizard.model.settings import Settings
from wizard.smtp.check import CheckOptions
from wizard.ui.steps.base import StepScreen
from wizard.ui.steps.credentials import client_for
from wizard.ui.validators import FieldValidator
from wizard.ui.widgets import CheckBox, FieldError

__all__ = ["SenderScreen"]

_FIELDS = {"sender": "sender", "emergency_contact": "contact", "id_host": "id-host",
           "helo_name": "helo"}
"""The input that holds each settings field, to show its error under it."""


class SenderScreen(StepScreen):
    STEP_ID = "sender"
    STEP_TITLE = N_("Sender")
    INTRO = N_("Who the wiki's mail comes from. Next tests MAIL FROM and RCPT TO live; "
               "nothing is sent unless you ask for a test message.")
    HELP = N_("$wgPasswordSender is the envelope and From address: it must be one this "
              "account may send as. $wgEmergencyContact receives the test (RCPT TO). "
              "IDHost is the domain of Message-IDs; the HELO name is what the wiki calls "
              "itself (PEAR sends “localhost” by default, which some servers reject). "
              "Leave IDHost and HELO empty for the defaults.")

    def compose_body(self) -> ComposeResult:
        yield Label(_("Sender ($wgPasswordSender)"), classes="field-label")
        yield Input(id="sender", placeholder=_("e.g. wiki@example.org"),
                    validators=[FieldValidator(check_email)])
        yield FieldError("sender")
        yield Label(_("Emergency contact ($wgEmergencyContact)"), classes="field-label")
        yield Input(id="contact", placeholder=_("e.g. admin@example.org"),
                    validators=[FieldValidator(lambda v: check_email(v, "emergency_contact"))])
        yield FieldError("contact")
        yield Label(_("IDHost (optional)"), classes="field-label")
        yield Input(id="id-host", placeholder=_("e.g. example.org"),
                    validators=[FieldValidator(lambda v: check_hostname(v, "id_host"),
                                               optional=True)])
        yield FieldError("id-host")
        yield Label(_("HELO name (optional)"), classes="field-label")
        yield Input(id="helo", placeholder=_("e.g. wiki.example.org"),
                    validators=[FieldValidator(check_helo_name, optional=True)])
        yield FieldError("helo")
        yield CheckBox(_("Send me a test message (to the emergency contact)"), id="send-test")

    def on_mount(self) -> None:
        super().on_mount()
        settings = self.state.settings
        assert settings is not None
        prefill = self.state.prefill
        default = (settings.username if "@" in settings.username else "") or \
            self.state.address
        self.query_one("#sender", Input).value = settings.sender or str(
            prefill.get("sender", "")) or default
        self.query_one("#contact", Input).value = settings.emergency_contact or str(
            prefill.get("emergency_contact", "")) or default
        self.query_one("#id-host", Input).value = settings.id_host or str(
            prefill.get("id_host", ""))
        self.query_one("#helo", Input).value = settings.helo_name
        self.query_one("#send-test", Checkbox).value = self.state.send_test
        report = self.state.results.get(self.STEP_ID)
        if report is not None:
            self.check_key = self._key()
            self.call_later(self.show_report, report, reveal=False)
        self.query_one("#sender", Input).focus()

    def _fields(self) -> tuple[Settings, str, bool] | None:
        settings = self.state.settings
        assert settings is not None
        value = {name: self.query_one(f"#{name}", Input).value.strip()
                 for name in ("sender", "contact", "id-host", "helo")}
        try:
            updated = settings.replace(sender=value["sender"], emergency_contact=value["contact"],
                                       id_host=value["id-host"], helo_name=value["helo"])
            check_email(updated.sender, "sender")
            check_email(updated.emergency_contact, "emergency_contact")
        except SettingsError as exc:
            field = _FIELDS.get(exc.field)
            if field is None:
                self.set_hint(exc.message)
            else:
                self.field_error(self.query_one(f"#{field}", Input), exc.message)
            return None
        return updated, updated.emergency_contact, self.query_one("#send-test",
                                                                  Checkbox).value

    def _key(self) -> object:
        fields = self._fields()
        return None if fields is None else (*fields, self.state.target,
                                            self.state.password is not None)

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def sender_edited(self) -> None:
        if self.check_key is not None and self._key() != self.check_key:
            self.cancel_check()
            self.state.results.pop(self.STEP_ID, None)

    def proceed(self) -> None:
        fields = self._fields()
        if fields is None:
            return
        settings, rcpt, send_test = fields
        self.state.settings = settings
        self.state.rcpt, self.state.send_test = rcpt, send_test
        key = self._key()
        if key == self.check_key and self.state.results.get(self.STEP_ID) is not None:
            self.go_next()
            return
        options = CheckOptions(client=client_for(self.state.target), rcpt=rcpt,
                               send_test=send_test)
        self.start_check(settings, self.state.password, options, key)

    def check_finished(self, report: Report) -> None:
        self.state.results[self.STEP_ID] = report
        super().check_finished(report)
        if report.ok:
            self.set_hint(_("The server accepts this sender. Press Next."))
