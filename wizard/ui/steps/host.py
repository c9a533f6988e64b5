"""Host: a server name, an address or a domain; DNS as you type, discovery suggestions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.timer import Timer
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from wizard.model.diagnosis import diagnose
from wizard.model.fields import SettingsError
from wizard.model.i18n import N_, _
from wizard.model.report import Status, Step
from wizard.model.settings import Security, Settings, parse_host
from wizard.smtp.dns import AddressResult
from wizard.ui.state import Services, WizardState
from wizard.ui.steps.base import StepScreen
from wizard.ui.validators import FieldValidator
from wizard.ui.widgets import CheckList, FieldError

if TYPE_CHECKING:
    from wizard.smtp.discover import Discovery, Endpoint
    from wizard.smtp.ports import PortResult

__all__ = ["HostScreen"]

# Resolve once typing pauses this long, not on every key.
_DEBOUNCE = 0.5
_PREFIX_TEXT = {Security.TLS: "ssl://"}


def _check_query(value: str) -> object:
    if "@" in value:
        return value
    return parse_host(value)


class HostScreen(StepScreen):
    STEP_ID = "host"
    STEP_TITLE = N_("Host")
    INTRO = N_("The SMTP server's name or address (smtp.example.org). Or type your e-mail "
               "address or domain and the wizard suggests servers.")
    HELP = N_("Type the host your provider gave you. An address such as you@example.org, "
              "or a domain, lets the wizard look up SRV and MX records and provider presets "
              "and suggest tested servers: pick one with the arrow keys and Enter. A "
              "MediaWiki prefix (ssl://) may be typed too; the next step explains it.")

    def __init__(self, state: WizardState, services: Services, *,
                 position: tuple[int, int] = (1, 1), trail: tuple[str, ...] = ()) -> None:
        super().__init__(state, services, position=position, trail=trail)
        self._debounce: Timer | None = None
        self._endpoints: list[Endpoint] = []

    def compose_body(self) -> ComposeResult:
        yield Label(_("Server, e-mail address or domain"), classes="field-label")
        yield Input(placeholder=_("e.g. smtp.example.org or you@example.org"), id="host",
                    validators=[FieldValidator(_check_query)], valid_empty=False)
        yield FieldError("host")
        yield Button(_("Suggest servers for this domain"), id="discover", compact=True)
        yield OptionList(id="suggestions", classes="-hidden")
        yield Static("", id="notes", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        host = self.query_one("#host", Input)
        settings = self.state.settings
        if settings is not None:
            host.value = _PREFIX_TEXT.get(settings.security, "") + settings.host
        elif self.state.address:
            host.value = self.state.address
        host.focus()
        if self.state.notes:
            self.query_one("#notes", Static).update("\n".join(self.state.notes))

    @on(Input.Changed, "#host")
    def host_edited(self, event: Input.Changed) -> None:
        self.workers.cancel_group(self, "dns")
        self.query_one(CheckList).clear()
        self._show_suggestions([])  # they were for the text before this edit
        self._stop_debounce()
        self.set_hint("")
        if event.validation_result is None or event.validation_result.is_valid:
            self._debounce = self.set_timer(_DEBOUNCE, self._look_up)

    def _stop_debounce(self) -> None:
        # A look-up started now (Enter, the button) is not started again when the
        # pause after the last key ends: that would cancel it and begin anew.
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None

    def _look_up(self) -> None:
        text = self.query_one("#host", Input).value.strip()
        if "@" in text:
            self._discover(text)
            return
        try:
            host, _security = parse_host(text)
        except SettingsError:
            return
        self.query_one(CheckList).plan(["dns"])
        self._resolve(host)

    @on(Button.Pressed, "#discover")
    def discover_pressed(self) -> None:
        self._stop_debounce()
        field = self.query_one("#host", Input)
        text = field.value.strip()
        try:
            query = text if "@" in text else parse_host(text)[0]
        except SettingsError as exc:
            self.field_error(field, exc.message)
            return
        self._discover(query)

    @work(exclusive=True, group="dns", exit_on_error=False, description="DNS look-up")
    async def _resolve(self, host: str) -> None:
        # Typing cancels this worker (exclusive group), so a result here is for the
        # host still in the field, however it was written ("[::1]", "localhost.").
        self.query_one(CheckList).update_step("dns", None)
        found: AddressResult = await self.services.resolve(host, lifetime=self.state.timeout)
        self.query_one(CheckList).update_step("dns", _dns_step(host, found))

    @work(exclusive=True, group="dns", exit_on_error=False, description="Server discovery")
    async def _discover(self, query: str) -> None:
        checks = self.query_one(CheckList)
        checks.plan(["discover"])
        checks.update_step("discover", None)
        self.bring_into_view(checks)
        self.set_hint(_("Looking for servers…"))

        def progressed(event: Step | PortResult | Discovery) -> None:
            # The worker runs on the UI's loop: each step is shown as it is decided.
            if isinstance(event, Step):
                checks.update_step(event.id, event)

        try:
            # The suggestions come as soon as the best one is known: what could only rank
            # below it is not waited for (its row says so), nor offered. Typing again or
            # leaving the step cancels this worker, and with it every probe still running.
            found = await self.services.discover(query, timeout=self.state.timeout,
                                                 on_progress=progressed, wait_all=False)
        except SettingsError as exc:
            checks.update_step("discover", Step("discover", Status.FAIL, exc.message))
            self.set_hint(_("No suggestions: type the host your provider gave you."))
            return
        await checks.show_steps(found.report.steps)
        # A port not waited for is PENDING, never an endpoint: only what answered is offered.
        self._show_suggestions([e for e in found.endpoints if e.recommendable])
        if "@" in query:
            self.state.address = query
        if self._endpoints:
            suggestions = self.query_one("#suggestions", OptionList)
            suggestions.highlighted = 0
            suggestions.focus()
            self.set_hint(_("Pick a server with Enter, or type your own."))
        else:
            self.set_hint(_("No server found: type the host your provider gave you."))

    def _show_suggestions(self, endpoints: list[Endpoint]) -> None:
        self._endpoints = endpoints
        suggestions = self.query_one("#suggestions", OptionList)
        suggestions.clear_options()
        suggestions.add_options([Option(_endpoint_label(e)) for e in endpoints])
        suggestions.set_class(not endpoints, "-hidden")

    @on(OptionList.OptionSelected, "#suggestions")
    def use_suggestion(self, event: OptionList.OptionSelected) -> None:
        endpoint = self._endpoints[event.option_index]
        settings = endpoint.to_settings(auth=False, timeout=self.state.timeout,
                                        ca_file=self.state.ca_file)
        self._adopt(settings)
        self.state.notes = endpoint.notes
        self.query_one("#host", Input).value = endpoint.host
        self.go_next()

    def proceed(self) -> None:
        self._stop_debounce()
        text = self.query_one("#host", Input).value.strip()
        if "@" in text:
            if self._endpoints:
                self.query_one("#suggestions", OptionList).focus()
                self.set_hint(_("Pick one of the suggested servers, or type a host name."))
            elif not any(worker.node is self and worker.group == "dns" and
                         not worker.is_finished for worker in self.workers):
                # Typing cancels a look-up, so one still running is for this text.
                self._discover(text)
            return
        try:
            host, security = parse_host(text)
        except SettingsError as exc:
            field = self.query_one("#host", Input)
            self.field_error(field, exc.message)
            field.focus()
            return
        current = self.state.settings
        if current is not None and current.host == host:
            if security is not None and current.security is not security:
                self._adopt(current.replace(security=security))
        else:
            self._adopt(Settings(host=host, security=security or Security.STARTTLS,
                                 port=465 if security is Security.TLS else 587, auth=False,
                                 timeout=self.state.timeout, ca_file=self.state.ca_file))
            self.state.notes = ()
        self.go_next()

    def _adopt(self, settings: Settings) -> None:
        """New host (or prefix): later steps' results no longer apply."""
        previous = self.state.settings
        if previous is not None:
            settings = settings.replace(
                auth=previous.auth, username=previous.username, sender=previous.sender,
                emergency_contact=previous.emergency_contact, id_host=previous.id_host,
                helo_name=previous.helo_name)
        self.state.settings = settings
        self.state.clear_after("host")


def _dns_step(host: str, found: AddressResult) -> Step:
    if found.addresses:
        return Step("dns", Status.OK, _("{host} has the address {addresses}.").format(
            host=host, addresses=", ".join(found.addresses[:3])))
    code = {"nxdomain": "dns-nxdomain", "timeout": "dns-timeout"}.get(
        str(found.outcome), "dns-no-address")
    return Step("dns", Status.FAIL, _("{host} does not resolve.").format(host=host),
                (found.error,) if found.error else (),
                diagnose(code, host=host, suggestion=""))


def _endpoint_label(endpoint: Endpoint) -> str:
    prefix = "ssl://" if endpoint.security is Security.TLS else ""
    label = f"{prefix}{endpoint.host}:{endpoint.port}"
    if endpoint.provider:
        label += f"  ({endpoint.provider})"
    if endpoint.notes:
        label += "\n  " + endpoint.notes[0]
    return label
