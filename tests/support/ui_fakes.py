"""Fixed answers for UI-only tests (snapshots, focus): no network, no random ports, no
timings, and the key presses that walk the wizard to each screen with them.

Used only where the screen's look is under test; every behaviour test talks
to real loopback servers instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from keyring.backends import fail
from textual.pilot import Pilot
from textual.widgets import Input

from tests.support.common import PASSWORD, USER
from wizard.model.diagnosis import diagnose
from wizard.model.report import Report, Status, Step
from wizard.model.settings import Settings
from wizard.smtp.check import CheckOptions, planned_steps
from wizard.smtp.dns import AddressResult, Outcome
from wizard.smtp.ports import PortResult, PortState
from wizard.ui.app import WizardApp, make_app
from wizard.ui.state import Services, WizardState

__all__ = ["FAKE_HOST", "WALKS", "WRONG_PASSWORD", "fake_app", "fake_services"]

FAKE_HOST = "smtp.example.org"
WRONG_PASSWORD = "not-the-password"
"""The fake server refuses this password, with the real diagnosis."""
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
    if password == WRONG_PASSWORD:
        refused = diagnose("auth-failed", reply="535 5.7.8 Authentication credentials "
                           "invalid")
        steps = tuple(Step(s.id, Status.FAIL, "The server rejected the login of "
                           f"{settings.username}.", diagnosis=refused) if s.id == "auth"
                      else s for s in steps if s.id not in ("sender", "recipient"))
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


def fake_app() -> WizardApp:
    """The wizard on the fake services, drawn the same way every time."""
    wizard = make_app(WizardState(), fake_services(), cursor_blink=False)
    wizard.animation_level = "none"
    return wizard


async def _fill(pilot: Pilot[int], selector: str, text: str) -> None:
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    await pilot.press(*text)


async def _settle(pilot: Pilot[int]) -> None:
    for _round in range(3):
        busy = [w for w in pilot.app.workers if w.group != "flow" and not w.is_finished]
        for worker in busy:
            await worker.wait()
        await pilot.pause()


async def to_start(pilot: Pilot[int]) -> None:
    await pilot.pause()


async def to_host(pilot: Pilot[int]) -> None:
    await pilot.press("enter")
    await pilot.pause()
    await _fill(pilot, "#host", FAKE_HOST)
    await pilot.pause(0.7)  # the DNS look-up waits for typing to pause
    await _settle(pilot)


async def to_protocol(pilot: Pilot[int]) -> None:
    await to_host(pilot)
    await pilot.press("enter")
    await _settle(pilot)


async def to_port(pilot: Pilot[int]) -> None:
    await to_protocol(pilot)
    await pilot.press("enter")  # Enter takes the highlighted prefix and goes on
    await _settle(pilot)


async def to_credentials(pilot: Pilot[int]) -> None:
    await to_port(pilot)
    await pilot.press("enter")  # Enter takes the recommended port
    await pilot.pause()
    await _fill(pilot, "#username", USER)
    await _fill(pilot, "#password", PASSWORD)


async def to_failed_login(pilot: Pilot[int]) -> None:
    await to_port(pilot)
    await pilot.press("enter")
    await pilot.pause()
    await _fill(pilot, "#username", USER)
    await _fill(pilot, "#password", WRONG_PASSWORD)
    await pilot.press("enter")
    await _settle(pilot)


async def to_keyring_choice(pilot: Pilot[int]) -> None:
    await to_credentials(pilot)
    await pilot.press("enter")
    await _settle(pilot)


async def to_sender(pilot: Pilot[int]) -> None:
    await to_keyring_choice(pilot)
    await pilot.press("escape")  # do not store
    await pilot.pause()
    await pilot.press("ctrl+n")
    await pilot.pause()


async def to_review(pilot: Pilot[int]) -> None:
    await to_sender(pilot)
    await pilot.press("ctrl+n")
    await _settle(pilot)
    await pilot.press("ctrl+n")
    await pilot.pause()
    pilot.app.screen.query_one("#path", Input).value = "/srv/wiki/smtp_settings.php"
    await pilot.pause()


async def to_help(pilot: Pilot[int]) -> None:
    await to_port(pilot)
    await pilot.press("f1")
    await pilot.pause()


WALKS: dict[str, Callable[[Pilot[int]], Awaitable[None]]] = {
    "start": to_start,
    "host": to_host,
    "protocol": to_protocol,
    "port": to_port,
    "credentials": to_credentials,
    "failed-login": to_failed_login,
    "keyring-choice": to_keyring_choice,
    "sender": to_sender,
    "review": to_review,
    "help": to_help,
}
"""Key presses from the Start screen to each screen, on the fake services."""
