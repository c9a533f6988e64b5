"""The Port step's live table: one row per candidate port, a spinner and the time left
until it answers, is cancelled, or its deadline passes."""

from __future__ import annotations

import time

from textual.timer import Timer
from textual.widgets import DataTable

from wizard.model.i18n import N_, _
from wizard.smtp.ports import PortResult, PortState
from wizard.ui.widgets.checklist import SPINNER, time_left

__all__ = ["PortTable", "describe_state"]

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
    # Only a discovery that returned early has these; the mapping stays total all the same.
    PortState.PENDING: ("·", N_("waiting"), N_("not answered yet (not waited for)")),
}
_GRACE = 2.0
"""Seconds past the deadline before a row that never answered says it timed out."""


def describe_state(state: PortState) -> tuple[str, str, str]:
    """(mark, what answered, what it means) for a port state, translated."""
    mark, answer, meaning = _STATE_TEXT[state]
    return mark, _(answer), _(meaning)


class PortTable(DataTable[str]):
    """Rows keyed by port number; `results` holds what has answered so far."""

    def __init__(self, *, id: str | None = None, host: str = "", deadline: float = 10.0
                 ) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.host = host
        self.deadline = deadline
        """Seconds a probe may take; the running rows count down to it."""
        self.results: dict[int, PortResult] = {}
        self._started: dict[int, float] = {}
        self._cancelled: set[int] = set()
        self._frame = 0
        self._timer: Timer | None = None
        self._placed: str | None = None
        """The row the program last put the cursor on (a key)."""
        self._moved = False

    def on_mount(self) -> None:
        self.add_column(_("Port"), key="port", width=6)
        self.add_column(_("Answer"), key="answer", width=18)
        self.add_column(_("Meaning"), key="meaning", width=44)
        self._timer = self.set_interval(0.25, self._spin, pause=True)

    def begin(self, ports: list[int]) -> None:
        """One pending row per port, each with a spinner until its result arrives."""
        self.clear()
        self.results = {}
        self._moved = False
        self._placed = str(ports[0]) if ports else None  # where a new table's cursor starts
        for port in ports:
            self.add_port(port)

    def add_port(self, port: int) -> None:
        """A port the user typed: a new pending row (or a re-probe of an existing one)."""
        self.results.pop(port, None)
        self._cancelled.discard(port)
        self._started[port] = time.monotonic()
        answer, meaning = self._running_text(port)
        if str(port) in self.rows:
            self.update_cell(str(port), "answer", answer)
            self.update_cell(str(port), "meaning", meaning)
        else:
            self.add_row(str(port), answer, meaning, key=str(port))
        if self._timer is not None:
            self._timer.resume()

    def show_result(self, result: PortResult) -> None:
        if str(result.port) not in self.rows:
            self.add_row(str(result.port), "", "", key=str(result.port))
        self.results[result.port] = result
        self._cancelled.discard(result.port)
        mark, answer, meaning = describe_state(result.state)
        if result.state is PortState.ERROR and result.detail:
            meaning = result.detail[:44]
        self.update_cell(str(result.port), "answer", f"{mark} {answer}")
        self.update_cell(str(result.port), "meaning", meaning)

    def cancel(self, ports: list[int]) -> None:
        """These probes were stopped before they answered: say so, never spin on."""
        for port in ports:
            if port in self.results or str(port) not in self.rows:
                continue
            self._cancelled.add(port)
            self.update_cell(str(port), "answer", "- " + _("cancelled"))
            self.update_cell(str(port), "meaning", _("not probed; type it again to retry"))

    def select_port(self, port: int) -> None:
        if str(port) in self.rows:
            self._placed = str(port)
            self.move_cursor(row=self.get_row_index(str(port)))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        # Not stopped: the screen explains the row too.
        if event.row_key.value != self._placed:
            self._moved = True

    @property
    def moved_by_user(self) -> bool:
        """The user has moved the cursor (keys, mouse) since the table began: it is not
        to be moved away from the row they chose. The cursor's own row is compared too,
        for a move whose message has not been handled yet."""
        selected = self.selected_port
        return self._moved or (selected is not None and str(selected) != self._placed)

    @property
    def selected_port(self) -> int | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    @property
    def pending(self) -> list[int]:
        """Ports still waiting for an answer (a cancelled one waits no more)."""
        return [port for port in (int(str(key.value)) for key in self.rows)
                if port not in self.results and port not in self._cancelled]

    def _running_text(self, port: int) -> tuple[str, str]:
        return (f"{SPINNER[self._frame]} " + _("probing"),
                time_left(self._started.get(port, time.monotonic()), self.deadline))

    def _spin(self) -> None:
        pending = self.pending
        if not pending:
            if self._timer is not None:
                self._timer.pause()
            return
        self._frame = (self._frame + 1) % len(SPINNER)
        now = time.monotonic()
        for port in pending:
            if now - self._started.get(port, now) > self.deadline + _GRACE:
                # The core ends every probe at its deadline; a result that never came
                # is a timeout all the same.
                self.show_result(PortResult(self.host, port, PortState.TIMEOUT))
                continue
            answer, meaning = self._running_text(port)
            self.update_cell(str(port), "answer", answer)
            self.update_cell(str(port), "meaning", meaning)
