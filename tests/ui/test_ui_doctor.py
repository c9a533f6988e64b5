"""The doctor step driven with keys and the mouse against a real loopback SMTP server.

Next (ctrl+n or the button) on a typed path must start the doctor, exactly as Enter in
the field does: the screen once kept its state in an attribute named like Textual's own
`MessagePump._running`, which is True while the screen runs, so Next only ever said
"still running".

An error message pasted on the step (as a terminal pastes: to the App, which hands it to
the focused box) is explained above the findings and set beside them.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from keyring.backends import fail
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests.support.common import PASSWORD, USER
from tests.support.pilot import TIMEOUT, settle, until
from tests.support.servers import Certs, SmtpServer
from wizard.explain import MAX_INPUT
from wizard.model.report import Status
from wizard.ui.app import WizardApp, make_app
from wizard.ui.prefill import load_localsettings
from wizard.ui.state import Mode, Services, WizardState
from wizard.ui.steps import DoctorScreen, HostScreen
from wizard.ui.widgets import CheckList, PasteArea

SENDER = "wiki@example.org"
PEAR_REFUSED = ("Failed to connect to ssl://127.0.0.1:2525 [SMTP: Failed to connect socket: "
                "Connection refused (code: -1, response: )]")
"""What MediaWiki shows when PEAR's Net_Socket finds nothing listening on the port."""


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


async def paste(pilot: Pilot[int], text: str) -> None:
    """Paste `text` into the error box the way a terminal does, and wait for its reading."""
    app = pilot.app
    app.screen.query_one("#error", PasteArea).focus()
    await pilot.pause()
    app.post_message(events.Paste(text))
    await settle(pilot)


def explained(screen: DoctorScreen) -> tuple[str, str]:
    """The explanation's rows and what is said beside them, as text."""
    return (screen.query_one("#area-explain", CheckList).text,
            str(screen.query_one("#beside", Static).content))


async def test_a_pasted_error_is_explained_beside_the_findings(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer],
        web_folder: Path) -> None:
    """PEAR's refused connection names port 2525; the wiki sends through another port.
    The diagnosis, the words that matched and what was read are shown, and then how it
    stands beside the doctor's findings, before and after the live check."""
    server = smtp_server(mode="starttls")
    healthy_wiki(web_folder, server.port, web_folder / "ca.pem")
    app = build(tmp_path, certs.ca_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DoctorScreen))
        screen = app.screen
        assert isinstance(screen, DoctorScreen)
        screen.query_one("#localsettings", Input).value = str(web_folder)
        await pilot.press("enter")
        await until(pilot, lambda: app.state.doctor is not None, within=30)
        await paste(pilot, PEAR_REFUSED)
        rows, said = explained(screen)
        assert "[tcp-refused]" in rows and "✗ Connect" in rows
        assert "Nothing listens on 127.0.0.1 port 2525" in rows
        assert "matched: Connection refused" in rows
        assert "port 2525" in rows
        assert "[tcp-refused] Not checked" in said  # no live check yet
        assert (f"The error names 127.0.0.1 port 2525, but LocalSettings.php sends through "
                f"127.0.0.1 port {server.port}") in said
        assert "smtp-wizard check ssl://127.0.0.1 --port 2525" in said
        # Only what matched is repeated, never the whole paste.
        assert PEAR_REFUSED not in rows + said
        await pilot.press("ctrl+n")  # the live check, now beside the explanation
        await until(pilot, lambda: bool(server.recorder.logins), within=30)
        await until(pilot, lambda: app.state.doctor is not None, within=30)
        await settle(pilot)
        _rows, said = explained(screen)
        assert "[tcp-refused] The doctor does not find it now" in said
        await pilot.press("ctrl+n")
        await until(pilot, lambda: isinstance(app.screen, HostScreen))
        await pilot.press("escape")  # back: the paste and its reading are kept
        await until(pilot, lambda: isinstance(app.screen, DoctorScreen))
        await settle(pilot)
        back = app.screen
        assert isinstance(back, DoctorScreen)
        assert back.query_one("#error", PasteArea).text == PEAR_REFUSED
        assert "[tcp-refused]" in explained(back)[0]


async def test_a_paste_is_shown_not_obeyed_and_read_within_bounds(tmp_path: Path,
                                                                 certs: Certs) -> None:
    """Escape sequences in a paste are shown as escapes, in the box and in what is read
    from it; a paste longer than `explain` reads is cut, and says so."""
    app = build(tmp_path, certs.ca_file)
    hostile = ("smtplib.SMTPAuthenticationError: (535, b'5.7.8 Username and Password not "
               "accepted \x1b]52;c;cHduZWQ=\x07')\x1b[2J")
    tail = "TAIL-NEVER-READ"
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DoctorScreen))
        screen = app.screen
        assert isinstance(screen, DoctorScreen)
        await paste(pilot, hostile + "\r\n" + "x" * MAX_INPUT + tail)
        box = screen.query_one("#error", PasteArea).text
        assert "\x1b" not in box and "\x07" not in box
        assert box.startswith(hostile.replace("\x1b", "\\x1b").replace("\x07", "\\x07")
                              + "\n")
        assert tail not in box
        rows, said = explained(screen)
        assert "[auth-app-password]" in rows
        assert "Only the beginning of the text was read" in said
        for text in (rows, said):
            assert "\x1b" not in text and "\x07" not in text and "x" * 300 not in text


async def test_an_unknown_paste_says_so_and_names_its_codes(tmp_path: Path,
                                                           certs: Certs) -> None:
    app = build(tmp_path, certs.ca_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DoctorScreen))
        screen = app.screen
        assert isinstance(screen, DoctorScreen)
        await paste(pilot, "The mail bounced: 550 5.1.1 something odd happened")
        rows, _said = explained(screen)
        assert "No known error was found in this text." in rows
        assert "5.1.1" in rows
        screen.query_one("#error", PasteArea).clear()
        await settle(pilot)
        assert screen.query_one("#explained").has_class("-hidden")
        assert app.state.error_text == ""
