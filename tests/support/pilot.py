"""Driving the wizard with Textual's Pilot: wait for workers and conditions, type, walk
to the login step against real servers, and look at the screen as a colourless
terminal would show it."""

from __future__ import annotations

import asyncio
import io
import re
import time
from collections.abc import Callable
from pathlib import Path

from keyring.backend import KeyringBackend
from rich.console import Console
from textual.app import App
from textual.errors import NoWidget
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input

from tests.support.common import USER
from wizard.store.keyring import cryptfile_backend
from wizard.ui.app import WizardApp, make_app
from wizard.ui.state import Services, WizardState
from wizard.ui.steps import (
    CredentialsScreen,
    HostScreen,
    PortScreen,
    ProtocolScreen,
    ReviewScreen,
    SenderScreen,
)
from wizard.ui.widgets import PortTable

TIMEOUT = 3.0


async def settle(pilot: Pilot[int]) -> None:
    """Let the screens' workers (probes, checks, keyring) finish; the App's own flow
    worker runs until the wizard ends, so it is left out."""
    for _round in range(3):
        busy = [w for w in pilot.app.workers if w.group != "flow" and not w.is_finished]
        # A cancelled worker (the user moved on) is finished too, not an error here.
        await asyncio.gather(*(w.wait() for w in busy), return_exceptions=True)
        await pilot.pause()


async def until(pilot: Pilot[int], condition: Callable[[], bool], within: float = 10.0
                ) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await pilot.pause(0.05)


async def type_into(pilot: Pilot[int], selector: str, text: str) -> None:
    field = pilot.app.screen.query_one(selector, Input)
    field.value = ""
    field.focus()
    await pilot.press(*text)


def in_view(widget: Widget) -> bool:
    """The whole of `widget` is on screen now (not scrolled away, not cut off)."""
    try:
        geometry = widget.screen.find_widget(widget)
    except NoWidget:
        return False
    return geometry.region.area > 0 and geometry.visible_region == geometry.region


def plain_screen(app: App[int]) -> str:
    """The screen as a terminal without colour shows it: the text, and bold, reverse,
    underline and dim as marks around it. What differs here is visible with NO_COLOR."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens))
    out = []
    for segment in console._record_buffer:
        style = segment.style
        flags = "".join(mark for mark, on in (
            ("B", style and style.bold), ("R", style and style.reverse),
            ("U", style and style.underline), ("D", style and style.dim)) if on)
        out.append(f"<{flags}>{segment.text}" if flags else segment.text)
    return "".join(out)


def screen_lines(app: App[int]) -> list[str]:
    """The screen's lines as plain text, without styles."""
    text = re.sub(r"<[BRUD]+>", "", plain_screen(app))
    return [line.rstrip() for line in re.split(r"\x1b\[\d+;1H", text) if line]


def build(tmp_path: Path, ca_file: Path, ports: tuple[int, ...], *,
          backend: KeyringBackend | None = None) -> tuple[WizardApp, KeyringBackend]:
    """The wizard on real servers (`ports` are the candidates), with a keyring of its
    own: an encrypted file in `tmp_path` unless `backend` is given."""
    ring = backend if backend is not None else cryptfile_backend(tmp_path / "ring.cfg",
                                                                 "master-pw")
    state = WizardState(timeout=TIMEOUT, ca_file=str(ca_file), candidate_ports=ports)
    services = Services(keyring_backend=ring, cryptfile_path=tmp_path / "fallback.cfg")
    return make_app(state, services, cursor_blink=False), ring


async def walk_to_port(pilot: Pilot[int], host: str) -> PortTable:
    """Start → Host (`host` typed) → Protocol (as it is, once its probes have ended) →
    Port; the step's table, its probes still running."""
    app = pilot.app
    await pilot.press("enter")  # Start: new setup
    await until(pilot, lambda: isinstance(app.screen, HostScreen))
    await type_into(pilot, "#host", host)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ProtocolScreen))
    await settle(pilot)
    await pilot.press("ctrl+n")
    await until(pilot, lambda: isinstance(app.screen, PortScreen))
    return app.screen.query_one(PortTable)


async def walk_to_credentials(pilot: Pilot[int], host: str, port: int, *,
                              prefix: str = "") -> None:
    """Start → Host → Protocol → Port (`port` picked) → Credentials."""
    app = pilot.app
    table = await walk_to_port(pilot, prefix + host)
    await until(pilot, lambda: not table.pending)
    await settle(pilot)
    table.select_port(port)
    await pilot.press("ctrl+n")
    await until(pilot, lambda: isinstance(app.screen, CredentialsScreen))


async def walk_to_review(pilot: Pilot[int]) -> None:
    """Credentials (logged in) → Sender (checked as it stands) → Review."""
    app = pilot.app
    await pilot.press("ctrl+n")
    await until(pilot, lambda: isinstance(app.screen, SenderScreen))
    await pilot.press("ctrl+n")
    await settle(pilot)
    await pilot.press("ctrl+n")
    await until(pilot, lambda: isinstance(app.screen, ReviewScreen))


async def log_in(pilot: Pilot[int], password: str) -> None:
    await type_into(pilot, "#username", USER)
    await type_into(pilot, "#password", password)
    await pilot.press("enter")
    await settle(pilot)
