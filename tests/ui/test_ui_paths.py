"""The wizard's two other paths, driven with keys against real loopback SMTP servers:
rotating the SMTP password, and checking an existing LocalSettings.php (the doctor).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests.support.common import USER, backups_of
from tests.support.pilot import TIMEOUT, in_view, settle, type_into, until
from tests.support.servers import Certs, SmtpServer
from tests.support.ui_fakes import WALKS, fake_app
from wizard.store.keyring import cryptfile_backend, load_password
from wizard.ui.app import WizardApp, make_app
from wizard.ui.modals import ConfirmModal, FallbackModal
from wizard.ui.state import Mode, Services, WizardState
from wizard.ui.steps import (
    DoctorScreen,
    HostScreen,
    NewPasswordScreen,
    RotateScreen,
    WikiScreen,
)
from wizard.ui.widgets import CheckList

NEW = "n3w 'Pass\\word'"
OLD = "old-s3cret"
SENDER = "noreply@wiki.example.net"


def wiki(tmp_path: Path, port: int, ca_file: Path, password: str = f"'{OLD}'",
         extra: str = "") -> Path:
    local = tmp_path / "LocalSettings.php"
    local.write_text(f"""<?php
$wgSitename = "Test wiki";  // a comment that stays
$wgServer = "https://wiki.example.net";
$wgPasswordSender = "{SENDER}";
$wgEmergencyContact = "{USER}";
{extra}$wgSMTP = [
    'host'     => '127.0.0.1',
    'port'     => {port},
    'auth'     => true,
    'username' => '{USER}',
    'password' => {password},
    'timeout'  => 5,
    'socket_options' => [ 'ssl' => [ 'cafile' => '{ca_file}' ] ],
];
""")
    return local


def build(tmp_path: Path, ca_file: Path, mode: Mode, backend: KeyringBackend) -> WizardApp:
    state = WizardState(mode=mode, timeout=TIMEOUT, ca_file=str(ca_file))
    services = Services(keyring_backend=backend, cryptfile_path=tmp_path / "fallback.cfg")
    return make_app(state, services, cursor_blink=False)


async def to_new_password(pilot: Pilot[int], local: Path, password: str) -> None:
    """Start (rotate) → the wiki's path → the new password typed and tested."""
    app = pilot.app
    await pilot.press("enter")  # Start: the highlighted mode
    await until(pilot, lambda: isinstance(app.screen, WikiScreen))
    await fill(pilot, "#localsettings", str(local))
    await pilot.press("enter")
    await pilot.pause()
    # The file read is shown first, with the exact line whose literal changes.
    assert isinstance(app.screen, WikiScreen)
    found = str(app.screen.query_one("#found", Static).content)
    assert str(local) in found and USER in found
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, NewPasswordScreen))
    assert app.screen.query_one("#username", Input).value == USER
    assert app.screen.query_one("#password", Input).value == ""  # never the old one
    await type_into(pilot, "#password", password)
    await pilot.press("enter")
    await settle(pilot)


async def fill(pilot: Pilot[int], selector: str, text: str) -> None:
    """Set a long field at once: typing a path key by key costs seconds."""
    field = pilot.app.screen.query_one(selector, Input)
    field.value = text
    field.focus()
    await pilot.pause()


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


async def test_rotate_replaces_only_the_literal_and_stores_the_new_password(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer]) -> None:
    server = smtp_server(mode="starttls", users={USER: NEW})
    folder = tmp_path / "wiki"
    folder.mkdir()
    local = wiki(folder, server.port, certs.ca_file)
    before = local.read_bytes()
    ring = cryptfile_backend(tmp_path / "ring.cfg", "master-pw")
    app = build(tmp_path, certs.ca_file, Mode.ROTATE, ring)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_new_password(pilot, local, NEW)
        assert app.state.results["credentials"].ok
        assert app.state.stored_in is None, "stored before the confirmation"
        await pilot.press("ctrl+n")
        await until(pilot, lambda: isinstance(app.screen, RotateScreen))
        await settle(pilot)
        where = str(app.screen.query_one("#where", Static).content)
        # The password is on line 11, not on line 6 where $wgSMTP starts.
        assert "LocalSettings.php, line 11" in where
        assert "11: 'password' => '********'," in where and OLD not in where
        assert "encrypted" in str(app.screen.query_one("#keyring", Static).content)
        screen = app.screen
        await pilot.press("ctrl+n")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert local.read_bytes() == before and files(folder) == ["LocalSettings.php"]
        await pilot.press("y")
        await until(pilot, lambda: app.screen is screen)
        await settle(pilot)
        outcome = str(screen.query_one("#outcome", Static).content)
        assert "✓ Replaced the password" in outcome and "encrypted file" in outcome
        assert "✓ The wiki logs in with the file as written: read back from the file, it " \
            "logs in." in outcome
        assert NEW not in outcome and OLD not in outcome
        assert "✓" in screen.query_one(CheckList).text
        await pilot.press("ctrl+n")  # Finish
        await pilot.pause()
    assert app.return_value == 0
    assert local.read_bytes() == before.replace(f"'{OLD}'".encode(),
                                                b"'n3w \\'Pass\\\\word\\''")
    [backup] = backups_of(local)
    assert backup.read_bytes() == before
    assert app.state.settings is not None
    assert load_password(app.state.settings, backend=ring) == NEW
    # The Credentials step's test, then rotation's own (and any check it makes after
    # writing): every one with the new password.
    logins = [ok for _mech, _user, ok in server.recorder.logins]
    assert len(logins) >= 2 and all(logins)


class Changes(dict[str, str]):
    """A server's accounts whose passwords stop working after `logins` look-ups, as when
    the provider's password changes again while the wizard rotates it."""

    def __init__(self, accounts: dict[str, str], logins: int) -> None:
        super().__init__(accounts)
        self.left = logins

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        self.left -= 1
        return super().get(key, default) if self.left >= 0 else default


async def test_rotate_says_plainly_when_the_previous_file_is_restored(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer]) -> None:
    """The new password logs in twice (the step's test, rotation's own), then the file as
    written does not: the previous file is put back, and the screen says so."""
    server = smtp_server(mode="starttls", users=Changes({USER: NEW}, logins=2))
    local = wiki(tmp_path, server.port, certs.ca_file)
    before = local.read_bytes()
    ring = cryptfile_backend(tmp_path / "ring.cfg", "master-pw")
    app = build(tmp_path, certs.ca_file, Mode.ROTATE, ring)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_new_password(pilot, local, NEW)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: isinstance(app.screen, RotateScreen))
        await settle(pilot)
        screen = app.screen
        await pilot.press("ctrl+n")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await until(pilot, lambda: app.screen is screen)
        await settle(pilot)
        outcome = str(screen.query_one("#outcome", Static).content)
        assert "✗ The wiki could not log in with the new password as written, so the " \
            "previous file was restored" in outcome
        assert f"{local} is back to its previous version" in outcome
        assert "✓" not in outcome and NEW not in outcome
        assert "Nothing was changed" in str(screen.query_one("#hint", Static).content)
        assert not app.state.done and app.state.written == [] and app.state.todo == []
    assert local.read_bytes() == before
    assert app.state.settings is not None
    assert load_password(app.state.settings, backend=ring) is None


async def test_rotate_under_sudo_says_whose_keyring_it_is(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer],
        monkeypatch: pytest.MonkeyPatch) -> None:
    if os.geteuid() != 0:
        pytest.skip("sudo makes the wizard root; this test runs as another user")
    monkeypatch.setenv("SUDO_USER", "alice")
    server = smtp_server(mode="starttls", users={USER: NEW})
    local = wiki(tmp_path, server.port, certs.ca_file)
    app = build(tmp_path, certs.ca_file, Mode.ROTATE,
                cryptfile_backend(tmp_path / "ring.cfg", "master-pw"))
    async with app.run_test(size=(80, 24)) as pilot:
        await to_new_password(pilot, local, NEW)
        assert "root's keyring" in str(app.screen.query_one("#sudo-note", Static).content)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: isinstance(app.screen, RotateScreen))
        await settle(pilot)
        keyring = str(app.screen.query_one("#keyring", Static).content)
        assert "! Run through sudo, smtp-wizard uses root's keyring and root's encrypted " \
            "file, not those of alice." in keyring


async def test_the_keyring_step_under_sudo_says_whose_keyring_it_is(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a system keyring the encrypted file is offered: root's, under sudo."""
    if os.geteuid() != 0:
        pytest.skip("sudo makes the wizard root; this test runs as another user")
    monkeypatch.setenv("SUDO_USER", "alice")
    app = fake_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await WALKS["credentials"](pilot)
        note = str(app.screen.query_one("#sudo-note", Static).content)
        assert note == ("! Run through sudo, smtp-wizard uses root's keyring and root's "
                        "encrypted file, not those of alice.")
        await pilot.press("enter")  # the fake server takes the login; no system keyring
        await until(pilot, lambda: isinstance(app.screen, FallbackModal))
        texts = [str(part.content) for part in app.screen.query(Static)]
        assert note[2:] in texts


async def test_rotate_with_a_wrong_password_stops_and_changes_nothing(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer]) -> None:
    server = smtp_server(mode="starttls", users={USER: NEW})
    local = wiki(tmp_path, server.port, certs.ca_file)
    before = local.read_bytes()
    app = build(tmp_path, certs.ca_file, Mode.ROTATE, fail.Keyring())
    async with app.run_test(size=(80, 24)) as pilot:
        await to_new_password(pilot, local, "not-the-new-one")
        assert app.state.results["credentials"].diagnoses == ["auth-failed"]
        assert "rejected the login" in app.screen.query_one(CheckList).text
        await pilot.press("ctrl+n")  # does not go on with a password that fails
        await pilot.pause()
        assert isinstance(app.screen, NewPasswordScreen)
        assert "did not log in" in str(app.screen.query_one("#hint", Static).content)
    assert local.read_bytes() == before
    assert files(tmp_path) == ["LocalSettings.php"]


async def test_quitting_at_the_confirmation_writes_nothing(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer]) -> None:
    server = smtp_server(mode="starttls", users={USER: NEW})
    local = wiki(tmp_path, server.port, certs.ca_file)
    before = local.read_bytes()
    app = build(tmp_path, certs.ca_file, Mode.ROTATE, fail.Keyring())
    async with app.run_test(size=(80, 24)) as pilot:
        await to_new_password(pilot, local, NEW)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: isinstance(app.screen, RotateScreen))
        await settle(pilot)
        assert "not stored" in str(app.screen.query_one("#keyring", Static).content)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_value == 1
    assert local.read_bytes() == before
    assert files(tmp_path) == ["LocalSettings.php"]
    assert len(server.recorder.logins) == 1  # the Credentials test only


async def test_rotate_environment_password_says_where_to_set_it(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer]) -> None:
    """The file is left alone; with no usable keyring the outcome says it was not stored."""
    server = smtp_server(mode="starttls", users={USER: NEW})
    local = wiki(tmp_path, server.port, certs.ca_file, password="getenv('WIKI_SMTP_PW')")
    before = local.read_bytes()
    app = build(tmp_path, certs.ca_file, Mode.ROTATE, fail.Keyring())
    async with app.run_test(size=(80, 24)) as pilot:
        await to_new_password(pilot, local, NEW)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: isinstance(app.screen, RotateScreen))
        await settle(pilot)
        screen = app.screen
        assert "WIKI_SMTP_PW" in str(screen.query_one("#where", Static).content)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await until(pilot, lambda: app.screen is screen)
        await settle(pilot)
        outcome = str(screen.query_one("#outcome", Static).content)
        assert "Not stored in the keyring" in outcome
        assert "WIKI_SMTP_PW" in outcome and "Replaced" not in outcome
        assert app.state.stored_in is None and app.state.written == []
    assert local.read_bytes() == before
    assert files(tmp_path) == ["LocalSettings.php"]


async def test_doctor_shows_findings_and_prefills_the_steps(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer]) -> None:
    """The path typed on the doctor screen; the server refuses $wgPasswordSender and the
    file changes PHP's include path. Next reaches Host with the file's host and port."""
    server = smtp_server(mode="starttls", reject_senders={SENDER})
    local = wiki(tmp_path, server.port, certs.ca_file, password="'s3cret'",
                 extra="set_include_path( '/opt/old-wiki-libs' );\n")
    before = local.read_bytes()
    app = build(tmp_path, certs.ca_file, Mode.DOCTOR, fail.Keyring())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")  # Start: check an existing LocalSettings.php
        await until(pilot, lambda: isinstance(app.screen, DoctorScreen))
        screen = app.screen
        await fill(pilot, "#localsettings", str(tmp_path / "nowhere"))
        await pilot.press("enter")
        await pilot.pause()
        error = screen.query_one("#localsettings-error", Static)
        assert "There is no LocalSettings.php" in str(error.content)
        await fill(pilot, "#localsettings", str(tmp_path))
        await pilot.press("enter")
        await until(pilot, lambda: app.state.doctor is not None, within=30)
        assert server.recorder.logins == []  # asked first
        await pilot.press("ctrl+n")
        await until(pilot, lambda: bool(server.recorder.logins), within=30)
        await until(pilot, lambda: app.state.doctor is not None, within=30)
        report = app.state.doctor
        assert report is not None
        assert {"sender-rejected", "include-path"} <= set(report.diagnoses)
        smtp = screen.query_one("#area-smtp", CheckList).text
        assert "✗ MAIL FROM" in smtp and SENDER in smtp
        wiki_rows = screen.query_one("#area-wiki", CheckList)
        # Titles a person reads, not raw ids, and the fix under a finding.
        labels = [row.label for row in wiki_rows.rows]
        assert "Include path" in labels and "Sender address" in labels
        assert not [label for label in labels if label.startswith("wiki.")]
        assert "→" in wiki_rows.text
        assert not screen.query_one("#title-php", Static).has_class("-hidden")
        # The first failure of all areas is on screen, and the page says it goes on.
        await pilot.pause()
        failed = [row for checks in screen.query(CheckList) for row in checks.rows
                  if row.state == "-fail"]
        assert failed and in_view(failed[0])
        assert "more" in str(screen.query_one("#more", Static).content)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: isinstance(app.screen, HostScreen))
        assert app.screen.query_one("#host", Input).value == "127.0.0.1"
        notes = str(app.screen.query_one("#notes", Static).content)
        assert "MAIL FROM" in notes
        assert not [line for line in notes.splitlines()
                    if line.startswith(("wiki.", "smtp.", "php.", "system."))]
    settings = app.state.settings
    assert settings is not None and (settings.host, settings.port) == ("127.0.0.1",
                                                                      server.port)
    assert app.state.prefill["sender"] == SENDER
    assert app.state.localsettings == tmp_path / "LocalSettings.php"
    assert local.read_bytes() == before


async def test_which_wiki_never_mixes_two_files(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer]) -> None:
    """What is shown is the file in the field, read: typing another path hides the first
    one's values until Enter reads the second."""
    server = smtp_server(mode="starttls", users={USER: NEW})
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    wiki(first, server.port, certs.ca_file)
    wiki(second, server.port + 1, certs.ca_file)
    app = build(tmp_path, certs.ca_file, Mode.ROTATE, fail.Keyring())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, WikiScreen))
        found = app.screen.query_one("#found", Static)
        await fill(pilot, "#localsettings", str(first))
        await pilot.press("enter")
        await pilot.pause()
        assert f"port {server.port}," in str(found.content)
        await fill(pilot, "#localsettings", str(second))
        assert str(found.content) == ""
        await pilot.press("enter")
        await pilot.pause()
        assert f"port {server.port + 1}," in str(found.content)
        assert str(first) not in str(found.content)
        assert isinstance(app.screen, WikiScreen)
