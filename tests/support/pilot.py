"""Driving the wizard with Textual's Pilot: wait for workers and conditions, type."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import Input

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
