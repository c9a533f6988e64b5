"""Leaving the wizard: quit at once when nothing would be lost, the exit status says
whether the job was done, a plain-text trail is left on the terminal, and the demo is a
sandbox that leaves nothing behind."""

from __future__ import annotations

import shlex
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from keyring.backends import fail
from textual.widgets import Button, Input

from tests.support.common import PASSWORD, backups_of, cli
from tests.support.pilot import build, log_in, settle, until, walk_to_credentials, walk_to_review
from tests.support.servers import Certs, SmtpServer
from tests.support.ui_fakes import WALKS, fake_app
from wizard.ui.app import make_app, run_wizard
from wizard.ui.demo import DEMO_FOLDER_PREFIX, demo_session
from wizard.ui.modals import ConfirmModal, FallbackModal
from wizard.ui.state import Mode
from wizard.ui.steps import DoctorScreen
from wizard.ui.summary import exit_summary

REAL_WIKI = """<?php
$wgServer = "https://wiki.real.example";
$wgPasswordSender = "wiki@real.example";
$wgSMTP = [
    'host' => 'smtp.real.example', 'port' => 587, 'auth' => true,
    'username' => 'wiki@real.example', 'password' => 'the-real-secret',
];
"""


async def test_quit_on_an_untouched_start_is_immediate() -> None:
    app = fake_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal)
    assert app.return_value == 1
    assert "nothing was written" in exit_summary(app.state, 1)


async def test_quit_with_answers_asks_and_enter_quits() -> None:
    """Answers would be lost: ask, with Quit focused, so ctrl+q then Enter quits."""
    app = fake_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await WALKS["port"](pilot)
        await pilot.press("ctrl+q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert app.focused is app.screen.query_one("#yes", Button)
        await pilot.press("enter")
        await pilot.pause()
    assert app.return_value == 1


async def test_a_finished_job_exits_zero_and_leaves_a_trail(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer],
        backup_dir: Path) -> None:
    """After a patch, ctrl+q leaves at once with status 0, and the summary names the
    file, its backup, the variable to set and a check command that really passes."""
    server = smtp_server(mode="starttls")
    local = tmp_path / "LocalSettings.php"
    local.write_text("<?php\n$wgSitename = 'Test';\n$wgSMTP = false;\n")
    app, _ring = build(tmp_path, certs.ca_file, (server.port,), backend=fail.Keyring())
    app.state.localsettings = local
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_credentials(pilot, "127.0.0.1", server.port)
        await log_in(pilot, PASSWORD)
        await until(pilot, lambda: isinstance(app.screen, FallbackModal))
        await pilot.press("escape")  # no keyring here: do not store
        await walk_to_review(pilot)
        app.screen.query_one("#patch", Button).press()
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await until(pilot, lambda: app.state.done)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_value == 0
    trail = exit_summary(app.state, 0)
    assert trail.splitlines()[0] == "smtp-wizard: done."
    [backup] = backups_of(local)
    assert str(local) in trail and str(backup) in trail
    assert str(backup_dir) in trail
    assert "SMTP_PASSWORD" in trail
    [command] = [line.strip() for line in trail.splitlines()
                 if line.strip().startswith("smtp-wizard check")]
    done = cli(*shlex.split(command)[1:], "--password-stdin", stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stdout + done.stderr
    assert PASSWORD not in trail


def test_the_demo_never_reads_a_real_wiki(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A LocalSettings.php in the working folder (the first place searched) is never
    read, shown or offered; the doctor and rotation get the demo's own wiki."""
    real = tmp_path / "LocalSettings.php"
    real.write_text(REAL_WIKI)
    before = real.read_bytes()
    monkeypatch.chdir(tmp_path)
    for mode in Mode:
        with demo_session(mode) as (state, _services):
            assert state.settings is not None
            assert state.settings.host == "127.0.0.1"
            assert state.password != "the-real-secret"
            assert state.demo is not None and state.demo.wiki is not None
            assert state.demo.wiki.parent.parent.name.startswith(DEMO_FOLDER_PREFIX)
            assert state.localsettings in (None, state.demo.wiki)
    assert real.read_bytes() == before
    assert run_wizard(demo=True, localsettings=str(real)) == 2


async def test_the_demo_doctor_opens_on_the_sandbox_wiki(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "LocalSettings.php"
    real.write_text(REAL_WIKI)
    monkeypatch.chdir(tmp_path)
    with demo_session(Mode.NEW) as (state, services):
        app = make_app(state, services, cursor_blink=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("down", "down", "enter")  # check an existing wiki
            await until(pilot, lambda: isinstance(app.screen, DoctorScreen))
            field = app.screen.query_one("#localsettings", Input)
            assert state.demo is not None
            assert field.value == str(state.demo.wiki)
            await settle(pilot)
            assert "real.example" not in str(app.screen.query_one("#found").render())
            await pilot.press("ctrl+q")


def test_the_demo_folder_goes_whatever_way_the_demo_ends(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ended by an error too: nothing of the demo (CA, keys, wiki) is left behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    with demo_session(Mode.ROTATE):
        assert len(list(folder.iterdir())) == 1
    assert list(folder.iterdir()) == []
    with pytest.raises(RuntimeError), demo_session(Mode.NEW):
        raise RuntimeError("the terminal went away")
    assert list(folder.iterdir()) == []
