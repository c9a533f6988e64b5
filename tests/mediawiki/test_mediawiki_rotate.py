"""Rotation on a real wiki: after writing, the wizard logs in again through MediaWiki's
own PHP and PEAR, as the web server's account; when that fails the previous file comes
back, and `rotate --undo` puts back the last backup by hand."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from tests.mediawiki.site import USER, WEB_USER, Site, assert_arrived, render_args, sends
from tests.support.common import cli
from tests.support.servers import SmtpServer

pytestmark = pytest.mark.mediawiki

OLD = "old-s3cret"
NEW = "n3w 'Pass\\word' $x?>"


def test_rotation_is_proven_through_mediawiki_and_can_be_undone(
        site: Site, job_user: str, smtp_server: Callable[..., SmtpServer]) -> None:
    server = smtp_server(mode="starttls-required", users={USER: NEW})
    local = site.copy("rotate")
    patched = cli(*render_args(site, server, "127.0.0.1", local, job_user), "--user", USER,
                  "--password-stdin", "--no-test", stdin=OLD)
    assert patched.returncode == 0, patched.stdout + patched.stderr
    before = local.read_bytes()

    rotated = cli("rotate", "--localsettings", str(local), "--password-stdin", "--ca-file",
                  str(site.ca_file), "--no-keyring", stdin=NEW + "\n")
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    assert ("Tested again after writing: MediaWiki's own PHP and PEAR logged in with it as "
            f"{WEB_USER}") in rotated.stdout
    assert NEW not in rotated.stdout + rotated.stderr
    sends(site, local, (WEB_USER,))
    assert_arrived(server, 2)

    undone = cli("rotate", "--localsettings", str(local), "--undo")
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert f"Restored {local} from " in undone.stdout
    assert local.read_bytes() == before


def test_a_file_the_wiki_cannot_read_is_put_back(
        site: Site, job_user: str, smtp_server: Callable[..., SmtpServer]) -> None:
    """The new password logs in from here, but the web server's PHP cannot read the
    secrets file it was written to: the wiki would stop, so the old file comes back."""
    server = smtp_server(mode="starttls-required", users={USER: NEW})
    local = site.copy("rotate-unreadable")
    secrets = local.with_name("smtp-secret.php")
    patched = cli(*render_args(site, server, "127.0.0.1", local, job_user), "--user", USER,
                  "--password-mode", "file", "--secrets-file", str(secrets),
                  "--password-stdin", "--no-test", stdin=OLD)
    assert patched.returncode == 0, patched.stdout + patched.stderr
    # As an older wizard left it (issue: root:root 0600): the web server cannot read it.
    os.chown(secrets, 0, 0)
    secrets.chmod(0o600)
    old_secret = secrets.read_bytes()

    rotated = cli("rotate", "--localsettings", str(local), "--password-stdin", "--ca-file",
                  str(site.ca_file), "--no-keyring", stdin=NEW + "\n")
    assert rotated.returncode == 1, rotated.stdout + rotated.stderr
    assert "✓ auth" in rotated.stdout
    assert f"{secrets} is back to its previous version" in rotated.stdout
    assert "Failed opening required" in rotated.stdout
    assert secrets.read_bytes() == old_secret
    assert NEW not in rotated.stdout + rotated.stderr
