"""Port: every candidate probed at once, a live table, the recommended one preselected.

A port whose probe failed (refused, timed out, the wrong protocol for the prefix) may
still be kept, but only after a confirmation that names what it answered.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Input, Label, Static
from textual.worker import Worker, WorkerState

from wizard.model.diagnosis import diagnose
from wizard.model.fields import SettingsError, check_port
from wizard.model.i18n import N_, _
from wizard.model.settings import Security
from wizard.smtp.ports import PortResult, PortState
from wizard.ui.messages import PortProbed, PortsProbed
from wizard.ui.modals import ConfirmModal
from wizard.ui.steps.base import StepScreen
from wizard.ui.validators import FieldValidator
from wizard.ui.widgets import FieldError, PortTable
from wizard.ui.widgets.port_table import describe_state

__all__ = ["PortScreen"]


class PortScreen(StepScreen):
    STEP_ID = "port"
    STEP_TITLE = N_("Port")
    INTRO = N_("The candidate ports, probed at once. Pick a row with the arrow keys and "
               "press Enter, or type another port below.")
    HELP = N_("Each row shows what answered: SMTP with STARTTLS (use no prefix), TLS "
              "first (use ssl://), refused (nothing listens) or timed out (a firewall, or "
              "the wrong port; Amazon EC2 throttles port 25). The recommended port for "
              "your prefix is preselected. A port typed below is probed as well; a port "
              "that did not answer as the prefix needs is kept only if you confirm.")

    def compose_body(self) -> ComposeResult:
        settings = self.state.settings
        assert settings is not None
        yield PortTable(id="ports", host=settings.ascii_host, deadline=self.state.timeout)
        yield Static("", id="diagnosis", markup=False)
        yield Label(_("Another port (Enter probes it)"), classes="field-label")
        yield Input(placeholder=_("e.g. 2525"), id="port", type="integer",
                    validators=[FieldValidator(check_port, optional=True)])
        yield FieldError("port")

    def on_mount(self) -> None:
        super().on_mount()
        settings = self.state.settings
        assert settings is not None
        ports = list(dict.fromkeys((*self.state.candidate_ports, settings.port)))
        table = self.query_one(PortTable)
        table.begin(ports)
        table.focus()
        self._batches: dict[Worker[None], list[int]] = {}
        """The ports each running probe worker is waiting for."""
        self._typed: int | None = None
        """The port the user typed last: the recommendation does not move away from it."""
        self._recommended = False
        """The recommendation was given (the cursor placed): later answers only fill in."""
        self._batches[self._probe(ports)] = ports

    @work(exclusive=True, group="port-probe", exit_on_error=False, description="Port probe")
    async def _probe(self, ports: list[int]) -> None:
        await self._probe_ports(ports)

    @work(group="typed-port", exit_on_error=False, description="Port probe")
    async def _probe_typed(self, port: int) -> None:
        # Its own worker: a typed port never cancels the batch still probing.
        await self._probe_ports([port])

    async def _probe_ports(self, ports: list[int]) -> None:
        settings = self.state.settings
        assert settings is not None
        results = await self.services.probe_ports(
            [(settings.ascii_host, port) for port in ports], timeout=self.state.timeout,
            on_result=self._post_result)
        self.post_message(PortsProbed(results))

    def _post_result(self, result: PortResult) -> None:
        self.post_message(PortProbed(result))

    @on(Worker.StateChanged)
    def probe_stopped(self, event: Worker.StateChanged) -> None:
        ports = self._batches.get(event.worker)
        if ports is None or not event.worker.is_finished:
            return
        del self._batches[event.worker]
        if event.state in (WorkerState.CANCELLED, WorkerState.ERROR):
            self.query_one(PortTable).cancel(ports)

    @on(PortProbed)
    def show_port(self, event: PortProbed) -> None:
        self.query_one(PortTable).show_result(event.result)
        self._advise()

    @on(PortsProbed)
    def probing_done(self, event: PortsProbed) -> None:
        table = self.query_one(PortTable)
        for result in event.results:
            table.show_result(result)
        self._advise()

    def _advise(self) -> None:
        """After each answer: the hint, and the cursor on the recommended port as soon as
        that is known (not when every probe has ended). The cursor is placed once, and
        never moved away from a row the user moved to or a port they typed."""
        table = self.query_one(PortTable)
        self.state.port_results = list(table.results.values())
        known, best = self._recommendation(table)
        if self._typed is not None:
            typed = table.results.get(self._typed)
            if typed is not None:
                self.set_hint(self._typed_hint(typed, best if known else None))
        elif known and not self._recommended:
            self._recommended = True
            if best is None:
                self.set_hint(_("No port speaks what the prefix needs: go back and change "
                                "it, or try another port."))
            elif table.moved_by_user:
                self.set_hint(_("Recommended: port {port}; Enter takes the highlighted "
                                "row.").format(port=best))
            else:
                table.select_port(best)
                self.set_hint(_("Recommended: port {port}. Enter takes it.").format(port=best))
        self._explain()

    def _typed_hint(self, typed: PortResult, best: int | None) -> str:
        if self._problem(typed) is None:
            return _("Port {port} fits the prefix.").format(port=typed.port)
        answer = describe_state(typed.state)[1]
        return _("Port {port}: {answer}. {advice}").format(
            port=typed.port, answer=answer,
            advice=_("Port {best} works; Next asks before keeping {port}.").format(
                best=best, port=typed.port) if best is not None else
            _("Next asks before keeping it."))

    def _recommendation(self, table: PortTable) -> tuple[bool, int | None]:
        """(known yet?, the port to recommend): the current port if it fits, else the
        first that fits in row order. So it is known once the current port has answered
        and fits, or it has not fitted and every row above the first fitting one has
        answered (or been cancelled); slower rows below cannot change it."""
        settings = self.state.settings
        assert settings is not None
        waiting = set(table.pending)

        def fits(port: int) -> bool:
            result = table.results.get(port)
            return result is not None and self._problem(result) is None

        if fits(settings.port):
            return True, settings.port
        if settings.port in waiting:
            return False, None
        for port in (int(str(key.value)) for key in table.rows):
            if port in waiting:
                return False, None
            if fits(port):
                return True, port
        return True, None

    def _problem(self, result: PortResult) -> str | None:
        settings = self.state.settings
        assert settings is not None
        return _problem_code(result, settings.security)

    @on(DataTable.RowHighlighted, "#ports")
    def row_highlighted(self) -> None:
        self._explain()

    @on(DataTable.RowSelected, "#ports")
    def row_chosen(self) -> None:
        self.proceed()

    @on(Input.Submitted, "#port")
    def probe_typed_port(self, event: Input.Submitted) -> None:
        event.prevent_default()  # Enter here probes the port; it is not Next
        try:
            port = check_port(event.value)
        except SettingsError as exc:
            self.field_error(event.input, exc.message)
            return
        table = self.query_one(PortTable)
        self._typed = port
        table.add_port(port)
        table.select_port(port)
        self.set_hint(_("Probing port {port}…").format(port=port))
        self._batches[self._probe_typed(port)] = [port]

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
        if port is None:
            self.set_hint(_("Pick a port first."))
            return
        result = table.results.get(port)
        if result is None:
            self.set_hint(_("Port {port} is still being probed; Next works once it "
                            "answers.").format(port=port))
            return
        if self._problem(result) is None:
            self._keep(port)
            return
        answer, meaning = describe_state(result.state)[1:]

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._keep(port)
            else:
                self.set_hint(_("Pick another port, or type one below."))

        self.app.push_screen(ConfirmModal(
            _("Port {port} answered: {answer} ({meaning}). The login and sender checks "
              "will fail at the connection. Keep port {port} anyway?").format(
                  port=port, answer=answer, meaning=meaning),
            yes=_("Keep it"), no=_("Pick another")), confirmed)

    def _keep(self, port: int) -> None:
        settings = self.state.settings
        assert settings is not None
        if port != settings.port:
            self.state.settings = settings.replace(port=port)
            self.state.clear_after("port")
        self.state.port_results = list(self.query_one(PortTable).results.values())
        self.go_next()


def _problem_code(result: PortResult, security: Security) -> str | None:
    """The diagnosis code of a port that will not work with `security`; None if it fits."""
    state = result.state
    code = {PortState.REFUSED: "tcp-refused", PortState.TIMEOUT: "tcp-timeout",
            PortState.SILENT: "no-banner", PortState.NOT_SMTP: "not-smtp",
            PortState.ERROR: "tcp-error"}.get(state)
    if code is None and security is Security.TLS and state in (PortState.STARTTLS,
                                                               PortState.PLAIN):
        code = "tls-on-starttls-port"
    if code is None and security is not Security.TLS and state is PortState.IMPLICIT_TLS:
        code = "plain-on-tls-port"
    return code


def _explanation(result: PortResult, host: str, security: Security, timeout: float) -> str:
    code = _problem_code(result, security)
    if code is None:
        return _("✓ Port {port} fits the chosen prefix.").format(port=result.port)
    found = diagnose(code, host=host, port=result.port, timeout=f"{timeout:g}",
                     error=result.detail)
    return f"✗ {found.cause}\n  → {found.fix}"
