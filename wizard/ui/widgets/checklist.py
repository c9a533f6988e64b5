"""A checklist of live checks: pending, running, ok, warn, fail, with the diagnosis.

States are text marks as well as colours (SSH may drop colours): · … ✓ ! ✗ -.
"""

from __future__ import annotations

from rich.markup import escape
from textual.containers import Vertical
from textual.widgets import Static

from wizard.model.i18n import N_, _
from wizard.model.report import Status, Step

__all__ = ["STEP_LABELS", "CheckList", "CheckRow"]

STEP_LABELS: dict[str, str] = {
    "dns": N_("DNS"),
    "connect": N_("Connect"),
    "tls": N_("TLS"),
    "ehlo": N_("EHLO"),
    "auth": N_("Login"),
    "sender": N_("MAIL FROM"),
    "recipient": N_("RCPT TO"),
    "send": N_("Test mail"),
}
_STATES = ("-pending", "-running", "-ok", "-warn", "-fail", "-skipped")


class CheckRow(Static):
    """One check: a mark, its name and what happened; the diagnosis under a failure."""

    def __init__(self, step_id: str) -> None:
        super().__init__(classes="check-row -pending")
        self.step_id = step_id
        self.show(None, running=False)

    def show(self, step: Step | None, *, running: bool) -> None:
        label = _(STEP_LABELS.get(self.step_id, self.step_id))
        if step is None:
            state, mark = ("-running", "…") if running else ("-pending", "·")
            text = _("running") if running else _("waiting")
            body = f"{mark} {label:<10} {escape(text)}"
        else:
            state, mark = f"-{step.status}", step.status.mark
            body = f"{mark} {label:<10} {escape(step.summary)}"
            if step.diagnosis is not None and step.status in (Status.FAIL, Status.WARN):
                body += "\n  " + escape(step.diagnosis.cause)
                body += "\n  → " + escape(step.diagnosis.fix)
        self.remove_class(*_STATES)
        self.add_class(state)
        self.update(body)


class CheckList(Vertical):
    """The rows of one live check, planned first, then updated as steps run and end."""

    def plan(self, step_ids: list[str]) -> None:
        """Show `step_ids` as pending rows, replacing what was there."""
        self.remove_children()
        self.mount_all([CheckRow(step_id) for step_id in step_ids])

    def clear(self) -> None:
        self.remove_children()

    def update_step(self, step_id: str, step: Step | None) -> None:
        """A step started (`step` None) or ended; unknown ids get a row of their own."""
        row = next((r for r in self.query(CheckRow) if r.step_id == step_id), None)
        if row is None:
            row = CheckRow(step_id)
            self.mount(row)
        row.show(step, running=step is None)

    def show_steps(self, steps: tuple[Step, ...] | list[Step]) -> None:
        """Show a finished report at once (coming back to a step keeps its results)."""
        rows = []
        for step in steps:
            row = CheckRow(step.id)
            row.show(step, running=False)
            rows.append(row)
        self.remove_children()
        self.mount_all(rows)

    @property
    def text(self) -> str:
        """Everything shown, as plain text (tests and the tmux smoke test read this)."""
        return "\n".join(str(row.content) for row in self.query(CheckRow))
