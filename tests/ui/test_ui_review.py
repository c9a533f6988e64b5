"""Patching LocalSettings.php from the Review step, against a real loopback server: the
change is shown as a diff with the password masked before anything is written, and
after writing each account that runs the wiki's PHP is shown opening the secrets file.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.widgets import Button, Input, RadioButton, Static

from tests.support.common import PASSWORD, backups_of
from tests.support.pilot import (
    build,
    log_in,
    screen_lines,
    until,
    walk_to_credentials,
    walk_to_review,
)
from tests.support.servers import Certs, SmtpServer
from wizard.mediawiki.senders import find_php_accounts
from wizard.ui.modals import ConfirmModal

WIKI = "<?php\n$wgSitename = 'Test';\n$wgSMTP = false;\n"


@pytest.fixture
def web_folder() -> Iterator[Path]:
    """A folder the web server's account may enter, as a served wiki's is (pytest's own
    temporary folders are root's only)."""
    folder = Path(tempfile.mkdtemp(prefix="smtp-wizard-review-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


async def test_the_patch_shows_its_diff_masked_then_who_can_read_the_secrets(
        tmp_path: Path, certs: Certs, smtp_server: Callable[..., SmtpServer],
        web_folder: Path) -> None:
    server = smtp_server(mode="starttls")
    local = web_folder / "LocalSettings.php"
    local.write_text(WIKI)
    local.chmod(0o644)
    accounts = find_php_accounts(localsettings=local).accounts()
    app, _ring = build(tmp_path, certs.ca_file, (server.port,))
    app.state.localsettings = local
    async with app.run_test(size=(80, 24)) as pilot:
        await walk_to_credentials(pilot, "127.0.0.1", server.port)
        await log_in(pilot, PASSWORD)
        await walk_to_review(pilot)
        review = app.screen
        review.query_one("#path", Input).value = str(web_folder / "smtp_settings.php")
        review.query_one("#mode-inline", RadioButton).value = True
        await pilot.pause()
        # The password inline: the diff shows where it goes, masked; "no" writes nothing.
        review.query_one("#patch", Button).press()
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        modal = app.screen
        assert isinstance(modal, ConfirmModal)
        assert f"--- {local} (now)" in modal.diff and "+$wgSMTP = [" in modal.diff
        assert "'password' => '********'" in modal.diff and PASSWORD not in modal.diff
        shown = "\n".join(screen_lines(app))
        assert f"{local.name} (now)" in shown and "+# BEGIN smtp-wizard" in shown
        assert "Yes" in shown and PASSWORD not in shown
        await pilot.press("pagedown")  # the buttons keep the focus; the diff scrolls
        await pilot.pause()
        assert "+$wgSMTP = [" in "\n".join(screen_lines(app))
        await pilot.press("n")
        await until(pilot, lambda: app.screen is review)
        assert local.read_text() == WIKI and backups_of(local) == []
        # From a secrets file: its content is not shown, and after the yes each account
        # that runs the wiki's PHP has opened it.
        review.query_one("#mode-file", RadioButton).value = True
        await pilot.pause()
        review.query_one("#patch", Button).press()
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        modal = app.screen
        assert isinstance(modal, ConfirmModal)
        secrets = web_folder / "smtp_password.php"
        assert f"The secrets file {secrets} will be written" in modal.diff
        assert PASSWORD not in modal.diff
        await pilot.press("y")
        await until(pilot, lambda: app.state.done)
        written = str(review.query_one("#written", Static).content)
        problems = str(review.query_one("#written-problems", Static).content)
        assert f"✓ wrote secrets file {secrets}" in written
        assert f"✓ Patched: {local}" in written
        for account in accounts:
            assert f"  ✓ {account.name} (" in written and "can read it" in written
        assert "cannot read" not in problems
    assert PASSWORD in secrets.read_text() and PASSWORD not in local.read_text()
    [backup] = backups_of(local)
    assert backup.read_text() == WIKI
