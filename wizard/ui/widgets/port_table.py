"""The Port step's live table: one row per candidate port, a spinner until it answers."""

from __future__ import annotations

from textual.timer import Timer
from textual.widgets import DataTable

from wizard.model.i18n import N_, _
from wizard.smtp.ports import PortResult, PortState

__all__ = ["PortTable", "describe_state"]

_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_STATE_TEXT: dict[PortState, tuple[str, str, str]] = {
    PortState.STARTTLS: ("✓", N_("SMTP + STARTTLS"), N_("no prefix (587 style)")),
    PortState.IMPLICIT_TLS: ("✓", N_("TLS first"), N_("use ssl:// (465 style)")),
    PortState.PLAIN: ("!", N_("SMTP, no TLS"), N_("a password would go in clear")),
    PortState.REFUSED: ("✗", N_("refused"), N_("nothing listens here")),
    PortState.TIMEOUT: ("✗", N_("timed out"), N_("wrong port or a firewall; EC2 "
                                                  "throttles 25")),
    PortState.SILENT: ("✗", N_("silent"), N_("connects, but sends no greeting")),
    PortState.NOT_SMTP: ("✗", N_("not SMTP"), N_("another service on this port")),
    PortState.ERROR: ("✗", N_("error"), N_("could not connect")),
}


def describe_state(state: PortState) -> tuple[str, str, str]:
    """(mark, what answered, what it means) for a port state, translated."""
    mark, answer, meaning = _STATE_TEXT[state]
    return mark, _(answer), _(meaning)


class PortTable(DataTable[str]):
    """Rows keyed by port number; `results` holds what has answered so far."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.results: dict[int, PortResult] = {}
        self._frame = 0
        self._timer: Timer | None = None

    def on_mount(self) -> None:
        self.add_column(_("Port"), key="port", width=6)
        self.add_column(_("Answer"), key="answer", width=20)
        self.add_column(_("Meaning"), key="meaning", width=44)

    def begin(self, ports: list[int]) -> None:
        """One pending row per port, each with a spinner until its result arrives."""
        self.clear()
        self.results = {}
        for port in ports:
            self.add_row(str(port), _SPINNER[0] + " " + _("probing"), "", key=str(port))
        if self._timer is None:
            self._timer = self.set_interval(0.1, self._spin)
        self._timer.resume()

    def add_port(self, port: int) -> None:
        """A port the user typed: a new pending row (or a re-probe of an existing one)."""
        self.results.pop(port, None)
        if str(port) in self.rows:
            self.update_cell(str(port), "answer", _SPINNER[0] + " " + _("probing"))
            self.update_cell(str(port), "meaning", "")
        else:
            self.add_row(str(port), _SPINNER[0] + " " + _("probing"), "", key=str(port))
        if self._timer is not None:
            self._timer.resume()

    def show_result(self, result: PortResult) -> None:
        if str(result.port) not in self.rows:
            self.add_row(str(result.port), "", "", key=str(result.port))
        self.results[result.port] = result
        mark, answer, meaning = describe_state(result.state)
        if result.state is PortState.ERROR and result.detail:
            meaning = result.detail[:44]
        self.update_cell(str(result.port), "answer", f"{mark} {answer}")
        self.update_cell(str(result.port), "meaning", meaning)

    def select_port(self, port: int) -> None:
        if str(port) in self.rows:
            self.move_cursor(row=self.get_row_index(str(port)))

    @property
    def selected_port(self) -> int | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    @property
    def pending(self) -> list[int]:
        return [int(str(key.value)) for key in self.rows if int(str(key.value)) not in
                self.results]

    def _spin(self) -> None:
        pending = self.pending
        if not pending:
            if self._timer is not None:
                self._timer.pause()
            return
        self._frame = (self._frame + 1) % len(_SPINNER)
        for port in pending:
            self.update_cell(str(port), "answer", _SPINNER[self._frame] + " " + _("probing"))
