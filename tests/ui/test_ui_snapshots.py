"""Each screen at 80x24 and 120x40 (pytest-textual-snapshot), with fixed fake answers.

Update on purpose with `pytest tests/test_ui_snapshots.py --snapshot-update` after a UI
change, and look at the new SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests.support.common import PASSWORD, USER
from tests.support.pilot import settle
from tests.support.ui_fakes import FAKE_HOST, fake_services
from wizard.ui.app import WizardApp, make_app
from wizard.ui.state import WizardState

SNAPSHOTS = Path(__file__).parent / "__snapshots__"
SIZES = [(80, 24), (120, 40)]


def app() -> WizardApp:
    wizard = make_app(WizardState(), fake_services(), cursor_blink=False)
    wizard.animation_level = "none"
    return wizard


async def _fill(pilot: Pilot[int], selector: str, text: str) -> None:
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    await pilot.press(*text)


async def to_host(pilot: Pilot[int]) -> None:
    await pilot.press("enter")
    await pilot.pause()
    await _fill(pilot, "#host", FAKE_HOST)
    await pilot.pause(0.7)  # the DNS look-up waits for typing to pause
    await pilot.pause()


async def to_protocol(pilot: Pilot[int]) -> None:
    await to_host(pilot)
    await pilot.press("enter")
    await pilot.pause()
    await pilot.pause()


async def to_port(pilot: Pilot[int]) -> None:
    await to_protocol(pilot)
    await pilot.press("ctrl+n")
    await pilot.pause()
    await pilot.pause()


async def to_credentials(pilot: Pilot[int]) -> None:
    await to_port(pilot)
    await pilot.press("ctrl+n")
    await pilot.pause()
    await _fill(pilot, "#username", USER)
    await _fill(pilot, "#password", PASSWORD)


async def to_keyring_choice(pilot: Pilot[int]) -> None:
    await to_credentials(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def to_sender(pilot: Pilot[int]) -> None:
    await to_keyring_choice(pilot)
    await pilot.press("escape")  # do not store
    await pilot.pause()
    await pilot.press("ctrl+n")
    await pilot.pause()


async def to_review(pilot: Pilot[int]) -> None:
    await to_sender(pilot)
    await pilot.press("ctrl+n")
    await pilot.pause()
    await pilot.press("ctrl+n")
    await pilot.pause()
    pilot.app.screen.query_one("#path", Input).value = "/srv/wiki/smtp_settings.php"
    await pilot.pause()


async def to_help(pilot: Pilot[int]) -> None:
    await to_port(pilot)
    await pilot.press("f1")
    await pilot.pause()


async def to_start(pilot: Pilot[int]) -> None:
    await pilot.pause()


STEPS: dict[str, Callable[[Pilot[int]], Awaitable[None]]] = {
    "start": to_start,
    "host": to_host,
    "protocol": to_protocol,
    "port": to_port,
    "credentials": to_credentials,
    "keyring-choice": to_keyring_choice,
    "sender": to_sender,
    "review": to_review,
    "help": to_help,
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("step", list(STEPS))
def test_screen(step: str, size: tuple[int, int], snap_compare: Callable[..., bool]) -> None:
    assert snap_compare(app(), run_before=STEPS[step], terminal_size=size)


def test_no_snapshot_or_screenshot_holds_the_password() -> None:
    """The masked input, the preview and the transcript never show the password."""
    svgs = [*SNAPSHOTS.rglob("*.svg"), *(Path(__file__).parents[2] / "screenshots"
                                           ).glob("*.svg")]
    assert svgs, "no snapshots yet: run with --snapshot-update once"
    for svg in svgs:
        assert PASSWORD not in svg.read_text(), svg
