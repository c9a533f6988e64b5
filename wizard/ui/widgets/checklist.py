"""A checklist of live checks: pending, running, ok, warn, fail, stopped, with diagnoses.

States are text marks and words as well as colours (SSH may drop colours): · ✓ ! ✗ -,
and a running row spins and says how long it may still take. A row never stays
"running": the check's result, a cancellation, an error or its own deadline ends it.
"""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widget import AwaitMount
from textual.widgets import Static

from wizard.model.i18n import N_, _
from wizard.model.report import Status, Step

__all__ = ["SPINNER", "CheckList", "CheckRow", "step_label", "time_left"]

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

_LABELS: dict[str, str] = {
    # A live check's stages.
    "dns": N_("DNS"),
    "connect": N_("Connect"),
    "tls": N_("TLS"),
    "ehlo": N_("EHLO"),
    "auth": N_("Login"),
    "sender": N_("MAIL FROM"),
    "recipient": N_("RCPT TO"),
    "send": N_("Test mail"),
    # Discovery.
    "discover": N_("Discovery"),
    "srv": N_("SRV records"),
    "mx": N_("MX records"),
    "provider": N_("Provider"),
    "candidate": N_("Candidate"),
    "recommend": N_("Recommended"),
    # The doctor's findings, by area.
    "wiki.localsettings": N_("LocalSettings.php"),
    "wiki.email": N_("E-mail"),
    "wiki.smtp": N_("$wgSMTP"),
    "wiki.timeout": N_("Timeout"),
    "wiki.password": N_("Password"),
    "wiki.reply_to": N_("Reply-To"),
    "wiki.sender": N_("Sender address"),
    "wiki.emergency_contact": N_("Emergency contact"),
    "wiki.include_path": N_("Include path"),
    "wiki.permissions": N_("File access"),
    "php.binary": N_("PHP"),
    "php.openssl": N_("OpenSSL"),
    "php.pear": N_("PEAR Mail"),
    "php.auth_sasl": N_("Auth_SASL"),
    "php.pear_mail": N_("pear/mail"),
    "system.selinux": N_("SELinux"),
    "system.cloud": N_("Cloud"),
    "system.token": N_("Access token"),
    "system.token_timer": N_("Token refresh"),
    "smtp.live": N_("Live check"),
    "smtp.via_php": N_("MediaWiki's PHP"),
    # A pasted error message, by what failed (`explain`'s topics).
    "envelope": N_("Envelope"),
    "wiki": N_("The wiki"),
    "config": N_("Settings"),
    "explain": N_("The text"),
}
_STATES = ("-pending", "-running", "-ok", "-warn", "-fail", "-skipped", "-stopped")
_GRACE = 2.0
"""Seconds past a step's deadline before the row itself says it timed out (the core
ends every stage at its deadline; this only guards against a result that never comes)."""


def step_label(step_id: str) -> str:
    """The title a person reads for a step id: "wiki.sender" is "Sender address", the
    live check's "smtp.auth" is "Login"; an id not known yet reads as words."""
    if step_id in _LABELS:
        return _(_LABELS[step_id])
    area, _dot, name = step_id.partition(".")
    if area == "smtp" and name in _LABELS:
        return _(_LABELS[name])
    base = step_id.partition(":")[0]
    if base in _LABELS:
        return _(_LABELS[base])
    words = (name or area).replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def time_left(started: float, deadline: float) -> str:
    """"3 s of 5 s left", counted down from `started` (time.monotonic())."""
    left = max(0, round(deadline - (time.monotonic() - started)))
    return _("{left} s of {total} s left").format(left=left, total=f"{deadline:g}")


class CheckRow(Horizontal):
    """One check: a mark and its name in the first column, what happened beside it,
    and the diagnosis (cause, then fix) under a warning or failure; with `details`,
    also the diagnosis code and the step's details (what matched, what was read)."""

    def __init__(self, step_id: str, *, label_width: int = 12, details: bool = False) -> None:
        super().__init__(classes="check-row -pending")
        self.step_id = step_id
        self.details = details
        self.state = "-pending"
        self.started: float | None = None
        self.status: Status | None = None
        self._name_cell = Static("", classes="check-name", markup=False)
        self._name_cell.styles.width = label_width
        self._text_cell = Static("", classes="check-text", markup=False)
        self.show(None, running=False)

    def compose(self) -> ComposeResult:
        yield self._name_cell
        yield self._text_cell

    @property
    def label(self) -> str:
        return step_label(self.step_id)

    @property
    def text(self) -> str:
        """The row as plain text (tests and the tmux smoke test read this)."""
        return f"{self._name_cell.content} {self._text_cell.content}".rstrip()

    def show(self, step: Step | None, *, running: bool) -> None:
        if step is None:
            if running and self.started is None:
                self.started = time.monotonic()
            self._set("-running" if running else "-pending", SPINNER[0] if running else "·",
                      _("running") if running else _("waiting"))
            return
        body = step.summary
        if step.diagnosis is not None and step.status in (Status.FAIL, Status.WARN):
            body += "\n" + step.diagnosis.cause + "\n→ " + step.diagnosis.fix
            if self.details:
                body += f"\n[{step.diagnosis.code}]"
        if self.details:
            body += "".join("\n" + line for line in step.details)
        self.status = step.status
        self._set(f"-{step.status}", step.status.mark, body)

    def spin(self, frame: int, deadline: float | None) -> None:
        """Advance the spinner and the time left; past the deadline, end as timed out."""
        if self.state != "-running" or self.started is None:
            return
        if deadline is None:
            self._set("-running", SPINNER[frame], _("running"))
        elif time.monotonic() - self.started > deadline + _GRACE:
            self.status = Status.FAIL
            self._set("-fail", "✗", _("timed out: no answer within {s} s").format(
                s=f"{deadline:g}"))
        else:
            self._set("-running", SPINNER[frame], _("running, {left}").format(
                left=time_left(self.started, deadline)))

    def stop(self, reason: str) -> None:
        """The check ended without a result for this row (cancelled, or an error)."""
        if self.state in ("-pending", "-running"):
            self._set("-stopped", "-", reason)

    def _set(self, state: str, mark: str, body: str) -> None:
        self.state = state
        self.remove_class(*_STATES)
        self.add_class(state)
        self._name_cell.update(f"{mark} {self.label}")
        self._text_cell.update(body)


class CheckList(Vertical):
    """The rows of one live check, planned first, then updated as steps run and end."""

    def __init__(self, *, id: str | None = None, classes: str | None = None,
                 details: bool = False) -> None:
        super().__init__(id=id, classes=classes)
        self.details = details
        """Rows also show the diagnosis code and each step's details."""
        self.deadline: float | None = None
        """Seconds each step may take (the check's timeout); shown while a row runs."""
        self._frame = 0
        self._timer: Timer | None = None

    def on_mount(self) -> None:
        self._timer = self.set_interval(0.25, self._spin, pause=True)

    def plan(self, step_ids: list[str]) -> None:
        """Show `step_ids` as pending rows, replacing what was there."""
        width = self._width(step_ids)
        self.remove_children()
        self.mount_all([CheckRow(step_id, label_width=width, details=self.details)
                        for step_id in step_ids])

    def clear(self) -> None:
        self.remove_children()

    def update_step(self, step_id: str, step: Step | None) -> None:
        """A step started (`step` None) or ended; unknown ids get a row of their own."""
        row = next((r for r in self.rows if r.step_id == step_id), None)
        if row is None:
            row = CheckRow(step_id, label_width=self._width(
                [*(r.step_id for r in self.rows), step_id]), details=self.details)
            self.mount(row)
        row.show(step, running=step is None)
        if step is None and self._timer is not None:
            self._timer.resume()

    def show_steps(self, steps: tuple[Step, ...] | list[Step]) -> AwaitMount:
        """Show a finished report at once (coming back to a step keeps its results);
        await the result to act on the rows once they are mounted."""
        width = self._width([step.id for step in steps])
        rows = []
        for step in steps:
            row = CheckRow(step.id, label_width=width, details=self.details)
            row.show(step, running=False)
            rows.append(row)
        self.remove_children()
        return self.mount_all(rows)

    def stop_running(self, reason: str) -> None:
        """End every pending or running row with `reason` (the check was stopped)."""
        for row in self.rows:
            row.stop(reason)

    @property
    def rows(self) -> list[CheckRow]:
        return list(self.query_children(CheckRow))

    @property
    def first_problem(self) -> CheckRow | None:
        """The first failed row, else the first warning: what the user must see."""
        for status in (Status.FAIL, Status.WARN):
            row = next((r for r in self.rows if r.status is status), None)
            if row is not None:
                return row
        return None

    @property
    def running(self) -> bool:
        return any(row.state in ("-pending", "-running") for row in self.rows)

    @property
    def text(self) -> str:
        """Everything shown, as plain text (tests and the tmux smoke test read this)."""
        return "\n".join(row.text for row in self.rows)

    def _spin(self) -> None:
        running = [row for row in self.rows if row.state == "-running"]
        if not running and self._timer is not None:
            self._timer.pause()
            return
        self._frame = (self._frame + 1) % len(SPINNER)
        for row in running:
            row.spin(self._frame, self.deadline)

    @staticmethod
    def _width(step_ids: list[str]) -> int:
        # A column as wide as the longest name, so the results line up.
        return max((len(step_label(s)) for s in step_ids), default=8) + 3
