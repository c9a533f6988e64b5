"""Port: every candidate probed at once, a live table, the recommended one preselected."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Input, Static

from wizard.model.diagnosis import diagnose
from wizard.model.i18n import N_, _
from wizard.model.settings import Security, SettingsError, check_port
from wizard.smtp.ports import PortResult, PortState
from wizard.ui.messages import PortProbed, PortsProbed
from wizard.ui.steps.base import StepScreen
from wizard.ui.validators import FieldValidator
from wizard.ui.widgets import PortTable

__all__ = ["PortScreen"]

_WANTED = {Security.TLS: PortState.IMPLICIT_TLS, Security.STARTTLS: PortState.STARTTLS,
           Security.NONE: PortState.STARTTLS}


class PortScreen(StepScreen):
    STEP_ID = "port"
    STEP_TITLE = N_("Port")
    INTRO = N_("The candidate ports, probed at once. Pick a row with the arrow keys, or "
               "type another port.")
    HELP = N_("Each row shows what answered: SMTP with STARTTLS (use no prefix), TLS "
              "first (use ssl://), refused (nothing listens) or timed out (a firewall, or "
              "the wrong port; Amazon EC2 throttles port 25). The recommended port for "
              "your prefix is preselected. A port typed below is probed as well.")

    def compose_body(self) -> ComposeResult:
        yield PortTable(id="ports")
        yield Input(placeholder=_("another port, e.g. 2525"), id="port",
                    validators=[FieldValidator(check_port, optional=True)], type="integer")
        yield Static("", id="diagnosis", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        settings = self.state.settings
        assert settings is not None
        ports = list(dict.fromkeys((*self.state.candidate_ports, settings.port)))
        table = self.query_one(PortTable)
        table.begin(ports)
        table.focus()
        self._probe(ports)

    @work(exclusive=True, group="port-probe", exit_on_error=False, description="Port probe")
    async def _probe(self, ports: list[int]) -> None:
        settings = self.state.settings
        assert settings is not None
        results = await self.services.probe_ports(
            [(settings.ascii_host, port) for port in ports], timeout=self.state.timeout,
            on_result=self._post_result)
        self.post_message(PortsProbed(results))

    def _post_result(self, result: PortResult) -> None:
        self.post_message(PortProbed(result))

    @on(PortProbed)
    def show_port(self, event: PortProbed) -> None:
        self.query_one(PortTable).show_result(event.result)
        self._explain()

    @on(PortsProbed)
    def probing_done(self, event: PortsProbed) -> None:
        table = self.query_one(PortTable)
        for result in event.results:
            table.show_result(result)
        self.state.port_results = list(table.results.values())
        settings = self.state.settings
        assert settings is not None
        wanted = _WANTED[settings.security]
        best = next((r.port for r in event.results if r.state is wanted), None)
        if best is not None and table.results.get(settings.port, None) is not None \
                and table.results[settings.port].state is wanted:
            best = settings.port
        if best is not None:
            table.select_port(best)
            self.set_hint(_("Recommended: port {port}.").format(port=best))
        else:
            self.set_hint(_("No port speaks what the prefix needs: go back and change it, "
                            "or try another port."))
        self._explain()

    @on(DataTable.RowHighlighted, "#ports")
    def row_highlighted(self) -> None:
        self._explain()

    @on(Input.Submitted, "#port")
    def probe_typed_port(self, event: Input.Submitted) -> None:
        try:
            port = check_port(event.value)
        except SettingsError as exc:
            self.set_hint(exc.message)
            return
        table = self.query_one(PortTable)
        table.add_port(port)
        table.select_port(port)
        self.set_hint(_("Probing port {port}…").format(port=port))
        self._probe([port])

    def _explain(self) -> None:
        """Under the table: what the highlighted row means for the chosen prefix."""
        settings = self.state.settings
        assert settings is not None
        table = self.query_one(PortTable)
        port = table.selected_port
        result = table.results.get(port) if port is not None else None
        self.query_one("#diagnosis", Static).update(
            _explanation(result, settings.host, settings.security, self.state.timeout)
            if result is not None else "")

    def proceed(self) -> None:
        table = self.query_one(PortTable)
        port = table.selected_port
        settings = self.state.settings
        assert settings is not None
        if port is None:
            self.set_hint(_("Pick a port first."))
            return
        if port != settings.port:
            self.state.settings = settings.replace(port=port)
            self.state.clear_after("port")
        self.state.port_results = list(table.results.values())
        self.go_next()


def _explanation(result: PortResult, host: str, security: Security, timeout: float) -> str:
    state = result.state
    facts = {"host": host, "port": result.port, "timeout": f"{timeout:g}",
             "error": result.detail}
    code = {PortState.REFUSED: "tcp-refused", PortState.TIMEOUT: "tcp-timeout",
            PortState.SILENT: "no-banner", PortState.NOT_SMTP: "not-smtp",
            PortState.ERROR: "tcp-error"}.get(state)
    if code is None and security is Security.TLS and state in (PortState.STARTTLS,
                                                               PortState.PLAIN):
        code = "tls-on-starttls-port"
    if code is None and security is not Security.TLS and state is PortState.IMPLICIT_TLS:
        code = "plain-on-tls-port"
    if code is None:
        return _("✓ Port {port} fits the chosen prefix.").format(port=result.port)
    found = diagnose(code, **facts)
    return f"✗ {found.cause}\n  → {found.fix}"
