"""Fixed answers for UI-only tests (snapshots): no network, no random ports, no timings.

Used only where the screen's look is under test; every behaviour test talks
to real loopback servers instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from keyring.backends import fail

from wizard.model.report import Report, Status, Step
from wizard.model.settings import Settings
from wizard.smtp.check import CheckOptions, planned_steps
from wizard.smtp.dns import AddressResult, Outcome
from wizard.smtp.ports import PortResult, PortState
from wizard.ui.state import Services

__all__ = ["FAKE_HOST", "fake_services"]

FAKE_HOST = "smtp.example.org"
_STATES = {587: PortState.STARTTLS, 465: PortState.IMPLICIT_TLS, 25: PortState.TIMEOUT,
           2525: PortState.REFUSED}
_SUMMARIES = {
    "dns": "smtp.example.org has the address 192.0.2.10.",
    "connect": "Connected to port 587; the server greets.",
    "tls": "STARTTLS: TLSv1.3, certificate verified.",
    "ehlo": "EHLO localhost accepted.",
    "auth": "Logged in as wiki@example.org with LOGIN.",
    "sender": "The server accepts wiki@example.org as sender.",
    "recipient": "The server accepts mail for wiki@example.org.",
}


async def _probe_ports(targets: Sequence[tuple[str, int]], *, timeout: float,
                       on_result: Callable[[PortResult], None] | None = None,
                       ) -> list[PortResult]:
    results = [PortResult(host, port, _STATES.get(port, PortState.REFUSED))
               for host, port in targets]
    for result in results:
        if on_result is not None:
            on_result(result)
    return results


async def _check(settings: Settings, password: str | None, options: CheckOptions, *,
                 on_progress: Callable[[str, Step | None], None] | None = None,
                 on_line: object = None) -> Report:
    steps = tuple(Step(step_id, Status.OK, _SUMMARIES.get(step_id, step_id))
                  for step_id in planned_steps(settings, options))
    for step in steps:
        if on_progress is not None:
            on_progress(step.id, step)
    return Report("check", {}, steps)


async def _resolve(name: str, **_options: object) -> AddressResult:
    return AddressResult(name, ["192.0.2.10"], Outcome.OK)


def fake_services() -> Services:
    return Services(check=_check, probe_ports=_probe_ports, resolve=_resolve,
                    keyring_backend=fail.Keyring(),
                    cryptfile_path=Path("/home/admin/.local/share/smtp-wizard/keyring.cfg"))
