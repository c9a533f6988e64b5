"""Every result in view, and no row left running (real loopback servers, 80x24).

A check's first failure is scrolled into view with its diagnosis; a field's error is
written under it, whole; every pending row ends: done, failed, cancelled or timed out,
and while it runs it says how long it may still take.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from tests.support.common import PASSWORD, USER
from tests.support.hostile import blackhole_port, closed_port
from tests.support.pilot import (
    TIMEOUT,
    build,
    in_view,
    log_in,
    plain_screen,
    settle,
    type_into,
    until,
    walk_to_credentials,
    walk_to_port,
)
from tests.support.servers import Certs, SmtpServer
from tests.support.ui_fakes import WALKS, fake_app
from wizard.ui.modals import ConfirmModal
from wizard.ui.steps import CredentialsScreen, HostScreen, SenderScreen
from wizard.ui.widgets import CheckList, FieldError

REFUSED_SENDER = "nobody@elsewhere.example"


async def test_a_refused_sender_is_brought_into_view(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer]) -> None:
    """At 80x24 the MAIL FROM row sits below the fold; after the check it is on screen."""
    server = smtp_server(mode="starttls", reject_senders={REFUSED_SENDER})
    app, _ring = build(tmp_path, certs.ca_file, (server.port,))
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_credentials(pilot, "127.0.0.1", server.port)
        await log_in(pilot, PASSWORD)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: isinstance(app.screen, SenderScreen))
        await type_into(pilot, "#sender", REFUSED_SENDER)
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.pause()
        report = app.state.results["sender"]
        assert "sender-rejected" in report.diagnoses
        checks = app.screen.query_one(CheckList)
        row = checks.first_problem
        assert row is not None and row.step_id == "sender"
        assert in_view(row), "the failed MAIL FROM row is below the fold"
        assert "MAIL FROM failed" in str(app.screen.query_one("#hint", Static).content)


async def test_a_long_value_keeps_its_reason_on_screen() -> None:
    """The reason is written under the field, wrapped, with a long value shortened."""
    app = fake_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await WALKS["host"](pilot)
        value = "smtp_" + "x" * 90 + ".example.org"
        await type_into(pilot, "#host", value)
        await pilot.pause()
        error = app.screen.query_one("#host-error", FieldError)
        assert not error.has_class("-empty") and in_view(error)
        shown = str(error.content)
        assert value not in shown and "…" in shown
        assert error.region.height <= 3
        # The whole reason is on screen: the field's error is not cut at the edge.
        assert shown.split("…")[-1].strip()[-12:] in " ".join(plain_screen(app).split())


async def test_more_below_is_said_and_goes_away_at_the_bottom() -> None:
    app = fake_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await WALKS["review"](pilot)
        more = app.screen.query_one("#more", Static)
        assert "more" in str(more.content)
        for _page in range(10):
            await pilot.press("pagedown")
        await pilot.pause()
        assert str(more.content) == ""


@pytest.mark.parametrize("host", ["[::1]", "localhost.", "LOCALHOST"])
async def test_the_dns_row_ends_however_the_host_is_written(
        tmp_path: Path, certs: Certs, host: str) -> None:
    """The result was compared with the raw input and dropped: "DNS running" forever."""
    app, _ring = build(tmp_path, certs.ca_file, (25,))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, HostScreen))
        await type_into(pilot, "#host", host)
        checks = app.screen.query_one(CheckList)
        await until(pilot, lambda: bool(checks.rows) and not checks.running,
                    within=TIMEOUT + 3)
        assert checks.rows[0].state in ("-ok", "-fail")


async def test_suggesting_servers_for_an_address_ends_with_a_reason(
        tmp_path: Path, certs: Certs) -> None:
    """An IP address has no DNS to suggest from: the row ends failed, no raw toast."""
    app, _ring = build(tmp_path, certs.ca_file, (25,))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, HostScreen))
        await type_into(pilot, "#host", "127.0.0.1")
        await pilot.click("#discover")
        checks = app.screen.query_one(CheckList)
        await until(pilot, lambda: any(r.step_id == "discover" for r in checks.rows)
                    and not checks.running, within=TIMEOUT + 3)
        [row] = [r for r in checks.rows if r.step_id == "discover"]
        assert row.state == "-fail" and "IP address" in row.text
        assert not list(app.query("Toast")), "an exception reached a toast"


async def test_a_typed_port_never_strands_the_batch(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer]) -> None:
    """Typing a port while the candidates are probed used to cancel them and leave their
    rows "probing" long after the deadline. Now both run; every row ends; running rows
    count down."""
    server = smtp_server(mode="starttls")
    with blackhole_port() as hole, closed_port() as refused:
        app, _ring = build(tmp_path, certs.ca_file, (server.port, hole))
        async with app.run_test(size=(80, 24)) as pilot:
            table = await walk_to_port(pilot, "127.0.0.1")
            await until(pilot, lambda: server.port in table.results)
            assert hole in table.pending
            await pilot.pause(0.3)
            assert f"of {TIMEOUT:g} s left" in plain_screen(app)
            await type_into(pilot, "#port", str(refused))
            await pilot.press("enter")
            await until(pilot, lambda: refused in table.results)
            assert hole in table.pending, "the typed port cancelled the batch"
            await until(pilot, lambda: not table.pending, within=TIMEOUT + 3)
            assert str(table.results[hole].state) == "timeout"
            assert str(table.results[refused].state) == "refused"


async def test_a_refused_port_is_kept_only_after_a_confirmation(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer]) -> None:
    """Typing a refused port, then Next, asks; the login step then names the real cause
    (the connection), not "the login failed"."""
    server = smtp_server(mode="starttls")
    with closed_port() as refused:
        app, _ring = build(tmp_path, certs.ca_file, (server.port,))
        async with app.run_test(size=(80, 24)) as pilot:
            table = await walk_to_port(pilot, "127.0.0.1")
            screen = app.screen
            await until(pilot, lambda: not table.pending)
            await type_into(pilot, "#port", str(refused))
            await pilot.press("enter")
            await until(pilot, lambda: refused in table.results and not table.pending)
            await settle(pilot)
            hint = str(screen.query_one("#hint", Static).content)
            assert str(server.port) in hint, "the working port is not named"
            await pilot.press("ctrl+n")
            await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
            await pilot.press("n")
            await until(pilot, lambda: app.screen is screen)
            await pilot.press("ctrl+n")
            await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
            await pilot.press("y")
            await until(pilot, lambda: isinstance(app.screen, CredentialsScreen))
            assert app.state.settings is not None and app.state.settings.port == refused
            await type_into(pilot, "#username", USER)
            await type_into(pilot, "#password", PASSWORD)
            await pilot.press("enter")
            await settle(pilot)
            assert "tcp-refused" in app.state.results["credentials"].diagnoses
            hint = str(app.screen.query_one("#hint", Static).content)
            assert "Connect failed" in hint and "login failed" not in hint
            assert app.screen.query_one("#password", Input).value == PASSWORD


async def test_a_running_check_row_counts_down_and_ends(
        tmp_path: Path, certs: Certs) -> None:
    """A port that accepts and never greets: the Connect row spins with the time left,
    then ends failed at its deadline."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel accepts; nobody ever answers
        port = silent.getsockname()[1]
        app, _ring = build(tmp_path, certs.ca_file, (port,))
        async with app.run_test(size=(80, 24)) as pilot:
            table = await walk_to_port(pilot, "127.0.0.1")
            await until(pilot, lambda: not table.pending,
                        within=TIMEOUT + 3)
            await pilot.press("ctrl+n")
            await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
            await pilot.press("y")
            await until(pilot, lambda: isinstance(app.screen, CredentialsScreen))
            await type_into(pilot, "#username", USER)
            await type_into(pilot, "#password", PASSWORD)
            await pilot.press("enter")
            checks = app.screen.query_one(CheckList)
            await until(pilot, lambda: any("s left" in row.text for row in checks.rows))
            await until(pilot, lambda: bool(checks.rows) and not checks.running,
                        within=TIMEOUT + 3)
            assert checks.first_problem is not None
            assert "Connect failed" in str(app.screen.query_one("#hint", Static).content)
