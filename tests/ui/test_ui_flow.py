"""The wizard driven with keys against real loopback SMTP servers (Textual Pilot).

Each test walks the real screens and workers; only the keyring is a private encrypted
file in tmp_path, so the developer's own keyring is never touched.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from keyring.backends import fail
from textual.widgets import Input, RadioButton, Static

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
)
from tests.support.servers import Certs, SmtpServer
from wizard.model.settings import Security
from wizard.store.keyring import load_password
from wizard.ui.steps import (
    CredentialsScreen,
    HostScreen,
    PortScreen,
    ProtocolScreen,
    ReviewScreen,
    SenderScreen,
)
from wizard.ui.widgets import CheckList, PortTable, TranscriptPane

SNIPPET_MARK = {"mediawiki": "$wgSMTP", "django": "EMAIL_HOST", "smtplib": "smtplib",
                "moinmoin": "mail_smarthost"}


@pytest.mark.parametrize("target", ["mediawiki", "django", "smtplib", "moinmoin"])
async def test_happy_path_writes_a_snippet(target: str, tmp_path: Path, certs: Certs,
                                           smtp_server: Callable[..., SmtpServer]) -> None:
    """The whole flow with the keyboard: login tested and stored, sender tested, file
    written only after the confirmation, for every target."""
    server = smtp_server(mode="starttls")
    implicit = smtp_server(mode="implicit")
    app, ring = build(tmp_path, certs.ca_file, (server.port, implicit.port))
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_credentials(pilot, "127.0.0.1", server.port)
        await log_in(pilot, PASSWORD)
        state = app.state
        assert state.results["credentials"].ok
        assert state.stored_in is not None and state.stored_in.name == "encrypted file"
        assert state.settings is not None
        assert load_password(state.settings, backend=ring) == PASSWORD
        await pilot.press("ctrl+n")
        await until(pilot, lambda: isinstance(app.screen, SenderScreen))
        assert app.screen.query_one("#sender", Input).value == USER
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert state.results["sender"].ok, state.results["sender"]
        await pilot.press("ctrl+n")
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        screen = app.screen
        screen.query_one(f"#target-{target}", RadioButton).value = True
        await pilot.pause()
        out = tmp_path / "snippet.out"
        screen.query_one("#path", Input).value = str(out)
        await pilot.pause()
        screen.query_one("#write").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert not out.exists(), "written before the confirmation"
        await pilot.press("y")
        await pilot.pause()
        text = out.read_text()
        assert SNIPPET_MARK[target] in text
        assert PASSWORD not in text  # the default mode reads it from the environment
        assert "✓" in str(screen.query_one("#summary", Static).content)
        await pilot.press("ctrl+n")
        await pilot.pause()
    assert app.return_value == 0
    assert server.recorder.logins and server.recorder.logins[-1] == ("LOGIN", USER, True)


async def test_back_and_change_port_clears_later_results(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer]) -> None:
    """Going back keeps the answers; choosing another port forgets the login result."""
    server = smtp_server(mode="starttls")
    implicit = smtp_server(mode="implicit")
    app, _ring = build(tmp_path, certs.ca_file, (server.port, implicit.port))
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_credentials(pilot, "127.0.0.1", server.port)
        await log_in(pilot, PASSWORD)
        assert "credentials" in app.state.results
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, PortScreen))
        await until(pilot, lambda: not app.screen.query_one(PortTable).pending)
        await settle(pilot)
        assert app.screen.query_one(PortTable).selected_port == server.port
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ProtocolScreen))
        await pilot.press("down", "enter")  # ssl://, and Enter goes on
        await until(pilot, lambda: isinstance(app.screen, PortScreen))
        await until(pilot, lambda: not app.screen.query_one(PortTable).pending)
        await settle(pilot)
        # The recommended port for ssl:// is the implicit-TLS one.
        assert app.screen.query_one(PortTable).selected_port == implicit.port
        await pilot.press("ctrl+n")
        await until(pilot, lambda: isinstance(app.screen, CredentialsScreen))
        settings = app.state.settings
        assert settings is not None
        assert (settings.port, settings.security) == (implicit.port, Security.TLS)
        assert "credentials" not in app.state.results
        assert app.screen.query_one("#username", Input).value == USER
        await log_in(pilot, PASSWORD)
        assert app.state.results["credentials"].ok
        assert implicit.recorder.logins[-1][2] is True


async def test_wrong_password_shows_diagnosis_and_stores_nothing(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer]) -> None:
    server = smtp_server(mode="starttls")
    app, ring = build(tmp_path, certs.ca_file, (server.port,))
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_credentials(pilot, "127.0.0.1", server.port)
        await log_in(pilot, "wrong-password")
        report = app.state.results["credentials"]
        assert report.diagnoses == ["auth-failed"]
        checks = app.screen.query_one(CheckList)
        assert "✗ Login" in checks.text
        assert app.state.stored_in is None and app.state.password is None
        assert app.state.settings is not None
        assert load_password(app.state.settings, backend=ring) is None
        # The failed row and its diagnosis are on screen, and so is the whole hint
        # (it once lost "to go on anyway" at the edge of the line).
        assert checks.first_problem is not None and in_view(checks.first_problem)
        assert "go on anyway" in " ".join(plain_screen(app).split())
        # The transcript takes the keys while shown, and scrolls with them.
        field = app.focused
        await pilot.press("ctrl+t")
        pane = app.screen.query_one(TranscriptPane)
        assert app.focused is pane
        text = "\n".join(pane.lines)
        assert "AUTH" in text and "wrong-password" not in text
        await pilot.press("end")
        await pilot.pause()
        assert pane.max_scroll_y > 0 and pane.scroll_y == pane.max_scroll_y
        await pilot.press("home")
        await pilot.pause()
        assert pane.scroll_y == 0
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert pane.has_class("-hidden") and app.focused is field


async def test_blackholed_port_times_out_while_ui_responds(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer]) -> None:
    """A port that drops SYNs shows the timeout diagnosis within the deadline, and keys
    work while the probe waits."""
    server = smtp_server(mode="starttls")
    with blackhole_port() as hole, closed_port() as refused:
        app, _ring = build(tmp_path, certs.ca_file, (server.port, refused, hole))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, HostScreen))
            await type_into(pilot, "#host", "127.0.0.1")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ProtocolScreen))
            await settle(pilot)
            started = time.monotonic()
            await pilot.press("ctrl+n")
            await until(pilot, lambda: isinstance(app.screen, PortScreen))
            table = app.screen.query_one(PortTable)
            await until(pilot, lambda: server.port in table.results)
            assert hole in table.pending  # still waiting ...
            await pilot.press("ctrl+t")  # ... and the UI answers keys meanwhile
            await pilot.pause()
            assert not app.screen.query_one(TranscriptPane).has_class("-hidden")
            await until(pilot, lambda: not table.pending, within=TIMEOUT + 3)
            assert time.monotonic() - started < TIMEOUT + 2
            table.select_port(hole)
            await pilot.pause()
            text = str(app.screen.query_one("#diagnosis", Static).content)
            assert "did not answer within" in text and "EC2" in text
            table.select_port(refused)
            await pilot.pause()
            assert "refused" in str(app.screen.query_one("#diagnosis", Static).content)


async def test_quitting_midway_writes_nothing(tmp_path: Path, certs: Certs,
                                             smtp_server: Callable[..., SmtpServer]) -> None:
    server = smtp_server(mode="starttls")
    local = tmp_path / "LocalSettings.php"
    local.write_text("<?php\n$wgSitename = 'Test';\n$wgSMTP = false;\n")
    before = local.read_bytes()
    app, _ring = build(tmp_path, certs.ca_file, (server.port,), backend=fail.Keyring())
    app.state.localsettings = local
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_credentials(pilot, "127.0.0.1", server.port)
        await type_into(pilot, "#username", USER)
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("y")  # "Quit now? Nothing has been written."
        await pilot.pause()
    assert app.return_value == 1
    assert local.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["LocalSettings.php"]


async def test_the_transcript_is_there_when_coming_back(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer]) -> None:
    """Back on a step that was checked, ctrl+t shows that check's conversation (it was
    empty then), redacted."""
    server = smtp_server(mode="starttls")
    app, _ring = build(tmp_path, certs.ca_file, (server.port,))
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_credentials(pilot, "127.0.0.1", server.port)
        await log_in(pilot, PASSWORD)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: isinstance(app.screen, SenderScreen))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, CredentialsScreen))
        await pilot.pause()
        await pilot.press("ctrl+t")
        await pilot.pause()
        text = "\n".join(app.screen.query_one(TranscriptPane).lines)
        assert "AUTH" in text and PASSWORD not in text
