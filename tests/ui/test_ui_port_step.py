"""The Port step recommends a port as soon as that is known, not when the last probe ends
(real ports on loopback: a server, a refused port and one whose SYNs go unanswered)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from tests.support.hostile import blackhole_port, closed_port
from tests.support.pilot import TIMEOUT, build, until
from tests.support.servers import Certs, SmtpServer
from wizard.model.settings import Security, Settings
from wizard.smtp.ports import PortState
from wizard.ui.app import WizardApp
from wizard.ui.steps import HostScreen, PortScreen, ProtocolScreen
from wizard.ui.widgets import PortTable
from wizard.ui.widgets.port_table import describe_state


def _wizard(tmp_path: Path, certs: Certs, candidates: tuple[int, ...], current: int
            ) -> WizardApp:
    """The wizard on 127.0.0.1 with `current` as the port given so far."""
    app, _ring = build(tmp_path, certs.ca_file, candidates)
    app.state.settings = Settings(host="127.0.0.1", port=current, security=Security.STARTTLS,
                                  auth=False, timeout=TIMEOUT, ca_file=str(certs.ca_file))
    return app


async def _to_port_step(pilot: Pilot[int]) -> tuple[PortTable, Static]:
    # Not `walk_to_port`: that lets the Protocol step's probes end first, and the silent
    # port would hold each test for its whole deadline there.
    app = pilot.app
    await pilot.press("enter")  # Start: new setup
    await until(pilot, lambda: isinstance(app.screen, HostScreen))
    await pilot.press("enter")  # the host as given, with its port
    await until(pilot, lambda: isinstance(app.screen, ProtocolScreen))
    await pilot.press("ctrl+n")  # no prefix
    await until(pilot, lambda: isinstance(app.screen, PortScreen))
    return app.screen.query_one(PortTable), app.screen.query_one("#hint", Static)


@pytest.mark.parametrize("layout", ["current port fits", "first fitting row"])
async def test_the_recommendation_comes_before_a_silent_port_answers(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer],
        layout: str) -> None:
    """The current port when it fits (whatever the rows above it still do), else the
    first fitting row once every row above it has answered: the cursor and the hint come
    while the blackholed port is still being probed."""
    server = smtp_server(mode="starttls")
    with blackhole_port() as hole, closed_port() as refused:
        if layout == "current port fits":
            app = _wizard(tmp_path, certs, (hole, refused), current=server.port)
        else:
            app = _wizard(tmp_path, certs, (refused, server.port, hole), current=refused)
        async with app.run_test(size=(80, 24)) as pilot:
            table, hint = await _to_port_step(pilot)  # its cursor starts on the first row
            await until(pilot, lambda: "Recommended" in str(hint.content))
            assert hole in table.pending, "the recommendation waited for the silent port"
            assert table.selected_port == server.port
            assert str(server.port) in str(hint.content)
            await until(pilot, lambda: not table.pending, within=TIMEOUT + 3)
            assert table.results[hole].state is PortState.TIMEOUT
            assert table.selected_port == server.port


async def test_a_row_above_is_waited_for_and_the_users_row_is_kept(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer]) -> None:
    """A silent row above the first fitting one might still fit: no recommendation until
    it has answered. The user moved meanwhile; the recommendation does not move them."""
    server = smtp_server(mode="starttls")
    with blackhole_port() as hole, closed_port() as refused:
        app = _wizard(tmp_path, certs, (hole, server.port, refused), current=refused)
        async with app.run_test(size=(80, 24)) as pilot:
            table, hint = await _to_port_step(pilot)
            await until(pilot, lambda: server.port in table.results
                        and refused in table.results)
            assert hole in table.pending
            assert "Recommended" not in str(hint.content)
            await pilot.press("down", "down")
            assert table.selected_port == refused
            await until(pilot, lambda: "Recommended" in str(hint.content), within=TIMEOUT + 3)
            assert hole not in table.pending
            assert str(server.port) in str(hint.content)
            assert table.selected_port == refused, "the cursor left the user's row"


def test_every_port_state_has_its_words() -> None:
    """A discovery that returned early leaves ports PENDING: the table can say so too."""
    for state in PortState:
        mark, answer, meaning = describe_state(state)
        assert mark and answer and meaning
    assert describe_state(PortState.PENDING)[1] == "waiting"
