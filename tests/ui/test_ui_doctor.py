"""The doctor step driven with keys and the mouse against a real loopback SMTP server.

Next (ctrl+n or the button) on a typed path must start the doctor, exactly as Enter in
the field does: the screen once kept its state in an attribute named like Textual's own
`MessagePump._running`, which is True while the screen runs, so Next only ever said
"still running".
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from keyring.backends import fail
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests.support.common import PASSWORD, USER
from tests.support.pilot import TIMEOUT, settle, until
from tests.support.servers import Certs, SmtpServer
from wizard.model.report import Status
from wizard.ui.app import WizardApp, make_app
from wizard.ui.prefill import load_localsettings
from wizard.ui.state import Mode, Services, WizardState
from wizard.ui.steps import DoctorScreen, HostScreen

SENDER = "wiki@example.org"


def healthy_wiki(folder: Path, port: int, ca_file: Path) -> Path:
    local = folder / "LocalSettings.php"
    local.write_text(f"""<?php
$wgServer = "https://wiki.example.org";
$wgPasswordSender = "{SENDER}";
$wgEmergencyContact = "admin@example.org";
$wgUserEmailUseReplyTo = true;
$wgSMTP = [
    'host' => '127.0.0.1', 'port' => {port}, 'auth' => true,
    'username' => '{USER}', 'password' => '{PASSWORD}', 'timeout' => 5,
    'socket_options' => [ 'ssl' => [ 'cafile' => '{ca_file}' ] ],
];
""")
    return local


def build(tmp_path: Path, ca_file: Path) -> WizardApp:
    """`smtp-wizard --doctor` without a path: it opens on the doctor step."""
    state = WizardState(mode=Mode.DOCTOR, timeout=TIMEOUT, ca_file=str(ca_file))
    services = Services(keyring_backend=fail.Keyring(),
                        cryptfile_path=tmp_path / "fallback.cfg")
    return make_app(state, services, cursor_blink=False, skip_start=True)


async def press_next(pilot: Pilot[int], how: str) -> None:
    if how == "click":
        await pilot.click("#next-button")
    else:
        await pilot.press(how)
    await pilot.pause()


@pytest.fixture
def web_folder(certs: Certs) -> Iterator[Path]:
    """A folder the web server's account may read, as a served wiki's is: the doctor opens
    the wiki's files (its CA file too) as that account, and pytest's own are root's only."""
    folder = Path(tempfile.mkdtemp(prefix="smtp-wizard-ui-"))
    folder.chmod(0o755)
    shutil.copy(certs.ca_file, folder / "ca.pem")
    (folder / "ca.pem").chmod(0o644)
    yield folder
    shutil.rmtree(folder)


@pytest.mark.parametrize("how", ["ctrl+n", "click"])
async def test_next_on_a_typed_path_starts_the_doctor(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer],
        how: str, web_folder: Path) -> None:
    server = smtp_server(mode="starttls")
    local = healthy_wiki(web_folder, server.port, web_folder / "ca.pem")
    app = build(tmp_path, certs.ca_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DoctorScreen))
        screen = app.screen
        field = screen.query_one("#localsettings", Input)
        # The whole path at once: typing it key by key costs seconds and tests nothing.
        field.value = str(web_folder)
        await pilot.pause()
        await press_next(pilot, how)
        hint = str(screen.query_one("#hint", Static).content)
        assert "still running" not in hint
        await until(pilot, lambda: app.state.doctor is not None, within=30)
        # First only what is on this machine: no login before the user says so.
        assert server.recorder.logins == []
        assert "Next logs in to 127.0.0.1" in str(screen.query_one("#hint", Static).content)
        await press_next(pilot, how)
        await until(pilot, lambda: app.state.doctor is not None and bool(
            server.recorder.logins), within=30)
        report = app.state.doctor
        assert report is not None
        assert report.status is Status.OK, [(s.id, s.status, s.summary) for s in report.steps]
        assert report.target["localsettings"] == str(local)
        # The doctor's own settings, handed over as they were found.
        settings = app.state.settings
        assert settings is not None
        assert (settings.host, settings.port, settings.sender) == ("127.0.0.1", server.port,
                                                                  SENDER)
        # Next again, now that the doctor is done: on to the steps that follow.
        await press_next(pilot, how)
        await until(pilot, lambda: isinstance(app.screen, HostScreen))
        assert app.screen.query_one("#host", Input).value == "127.0.0.1"
    assert server.messages == []


async def test_a_detected_wiki_is_shown_before_its_password_is_used(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer]) -> None:
    """`--doctor` on a wiki found at start: what was found is shown and nothing with the
    password goes over the network until Next."""
    server = smtp_server(mode="starttls")
    local = healthy_wiki(tmp_path, server.port, certs.ca_file)
    app = build(tmp_path, certs.ca_file)
    assert load_localsettings(app.state, local, tmp_path) == ""
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DoctorScreen))
        await until(pilot, lambda: app.state.doctor is not None, within=30)
        await settle(pilot)
        screen = app.screen
        found = str(screen.query_one("#found", Static).content)
        assert "127.0.0.1" in found and str(server.port) in found and USER in found
        assert server.recorder.logins == []
        await pilot.press("ctrl+n")
        await until(pilot, lambda: bool(server.recorder.logins), within=30)
        await until(pilot, lambda: app.state.doctor is not None, within=30)
        assert server.recorder.logins[-1][2] is True
