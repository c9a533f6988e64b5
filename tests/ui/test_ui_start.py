"""The Start screen shows first, then reads the LocalSettings.php nobody named: the
current folder's (or a usual install folder's), without making the first screen wait for
the PHP reader."""

from __future__ import annotations

import gc
from pathlib import Path

from textual.widgets import Static

from tests.support.common import USER
from tests.support.pilot import until
from wizard.model import memory
from wizard.ui.app import make_app
from wizard.ui.state import WizardState

_WIKI = f"""<?php
$wgPasswordSender = "wiki@example.org";
$wgSMTP = [ 'host' => 'smtp.example.org', 'port' => 465, 'auth' => true,
            'username' => '{USER}', 'password' => 's3cret' ];
"""


def _folder(tmp_path: Path) -> Path:
    (tmp_path / "LocalSettings.php").write_text(_WIKI)
    return tmp_path


async def test_the_start_screen_reads_the_current_folders_file_once_shown(
        tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    app = make_app(WizardState(look_in=folder), cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        note = app.screen.query_one("#localsettings-note", Static)
        await until(pilot, lambda: app.state.localsettings is not None)
        await pilot.pause()
        assert app.state.localsettings == folder / "LocalSettings.php"
        assert app.state.look_in is None
        assert note.display and str(folder / "LocalSettings.php") in str(note.render())
        assert app.state.settings is not None and app.state.settings.host == "smtp.example.org"
        assert app.state.prefill["sender"] == "wiki@example.org"


async def test_going_on_at_once_still_starts_from_the_file(tmp_path: Path) -> None:
    """Enter pressed before the screen has been drawn: the next step starts from the
    file all the same."""
    folder = _folder(tmp_path)
    app = make_app(WizardState(look_in=folder), cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.go_next()  # type: ignore[attr-defined]
        await until(pilot, lambda: type(app.screen).__name__ == "HostScreen")
        assert app.state.localsettings == folder / "LocalSettings.php"
        assert app.state.settings is not None and app.state.settings.port == 465


async def test_no_file_no_note(tmp_path: Path) -> None:
    app = make_app(WizardState(look_in=tmp_path), cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.state.look_in is None)
        await pilot.pause()
        # Nothing in the folder; a wiki installed in a usual folder is found instead.
        found = app.state.localsettings
        assert found is None or found.parent != tmp_path
        assert app.screen.query_one("#localsettings-note", Static).display == (
            found is not None)


async def test_the_collector_runs_again_once_the_first_screen_is_drawn() -> None:
    """`smtp-wizard` holds the cyclic garbage collector back while it starts (see
    `wizard.model.memory`); the first step screen starts it again once drawn."""
    memory.pause()
    try:
        assert not gc.isenabled()
        app = make_app(cursor_blink=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, gc.isenabled)
    finally:
        gc.enable()


def test_a_collector_someone_else_stopped_stays_stopped() -> None:
    gc.disable()
    try:
        memory.pause()
        memory.resume()
        assert not gc.isenabled()
    finally:
        gc.enable()
