"""The proof on a real wiki: `render --patch` writes the block, then MediaWiki itself sends
through it (UserMailer::send from a maintenance script) as the web server's account and
as a job runner of its own, in every password mode, over STARTTLS and implicit TLS, with
the PEAR MediaWiki bundles and again with upstream pear/mail 2.0 and net_smtp 1.12. What
arrived is judged on the server's side: the message, its encryption and its Message-ID.
"""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
from collections.abc import Callable

import pytest

from tests.mediawiki.site import (
    ID_HOST,
    PASSWORD,
    USER,
    WEB_USER,
    Site,
    assert_arrived,
    render_args,
    sends,
)
from tests.support.common import cli
from tests.support.servers import SmtpServer

pytestmark = pytest.mark.mediawiki

@pytest.mark.parametrize("password_mode", ["inline", "env", "file"])
@pytest.mark.parametrize("server_mode", ["starttls-required", "implicit"])
def test_the_wiki_sends_as_web_server_and_job_runner(
        site: Site, job_user: str, smtp_server: Callable[..., SmtpServer],
        password_mode: str, server_mode: str) -> None:
    server = smtp_server(mode=server_mode, users={USER: PASSWORD})
    host = "ssl://127.0.0.1" if server_mode == "implicit" else "127.0.0.1"
    local = site.copy(f"{password_mode}-{server_mode}")
    secrets = local.with_name("smtp-secret.php")
    extra = ["--user", USER, "--password-mode", password_mode]
    if password_mode == "file":
        extra += ["--secrets-file", str(secrets)]
    result = cli(*render_args(site, server, host, local, job_user, *extra,
                              *([] if password_mode == "env" else ["--password-stdin"])),
                 stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    text = local.read_text()
    # The installer's own lines are changed, not followed by a second assignment.
    assert text.count("$wgPasswordSender") == 1 and text.count("$wgEnableEmail") == 1
    assert f"$wgPasswordSender = '{USER}';" in text

    if password_mode == "inline":
        assert "every account on this machine may read it (mode 644)" in result.stdout
    if password_mode == "env":
        assert f"Make sure the PHP of {job_user}" in result.stdout
    if password_mode == "file":
        assert PASSWORD not in text
        info = secrets.stat()
        readers = {info.st_uid, info.st_gid}
        web, job = pwd.getpwnam(WEB_USER), pwd.getpwnam(job_user)
        # No group holds both accounts, so one owns it and the other's group reads it.
        assert readers in ({web.pw_uid, job.pw_gid}, {job.pw_uid, web.pw_gid})
        assert stat.S_IMODE(info.st_mode) == 0o440
        assert f"✓ {WEB_USER} (" in result.stdout and f"✓ {job_user} (" in result.stdout
        nobody = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534",
                                 "--clear-groups", "cat", str(secrets)],
                                capture_output=True, check=False)
        assert nobody.returncode != 0

    env = {"SMTP_PASSWORD": PASSWORD} if password_mode == "env" else None
    sends(site, local, (WEB_USER, job_user), env)
    assert_arrived(server, 4)


def test_without_auth_the_mail_is_still_encrypted(
        site: Site, job_user: str, smtp_server: Callable[..., SmtpServer]) -> None:
    """pear/mail 1.5 and newer start TLS without AUTH only when told ('starttls' => true);
    a server that takes mail in clear must not get it in clear."""
    server = smtp_server(mode="starttls")
    local = site.copy("no-auth")
    result = cli(*render_args(site, server, "127.0.0.1", local, job_user))
    assert result.returncode == 0, result.stdout + result.stderr
    text = local.read_text()
    assert "'starttls' => true," in text
    # MediaWiki's vendor/ has pear/mail 1.5.1, which the comment must know (not Debian's
    # older php-mail in /usr/share/php).
    assert "'starttls' (pear/mail 1.5 and newer, as found for this wiki)" in text
    sends(site, local, (WEB_USER,))
    assert_arrived(server, 2, auth=False)


def test_hand_written_keys_survive_and_still_send(
        site: Site, job_user: str, smtp_server: Callable[..., SmtpServer]) -> None:
    """An admin's own $wgSMTP (with IDHost and socket options) is replaced by the block
    without losing the keys the wizard does not set; MediaWiki then uses them."""
    server = smtp_server(mode="starttls-required", users={USER: PASSWORD})
    local = site.copy("hand-written")
    local.write_text(local.read_text() + (
        "$wgSMTP = [\n\t'host' => 'smtp.old.example',\n"
        f"\t'IDHost' => '{ID_HOST}',\n"
        "\t'socket_options' => [ 'ssl' => [ 'verify_peer_name' => true ] ],\n];\n"))
    args = [a for a in render_args(site, server, "127.0.0.1", local, job_user)
            if a not in ("--id-host", ID_HOST)]
    result = cli(*args, "--user", USER, "--password-mode", "env")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Kept IDHost, socket_options" in result.stdout
    sends(site, local, (WEB_USER,), {"SMTP_PASSWORD": PASSWORD})
    assert_arrived(server, 2)


def test_a_secrets_file_is_readable_by_the_web_server_alone(
        site: Site, smtp_server: Callable[..., SmtpServer]) -> None:
    """With only the web server to serve: root:www-data 0640, and the wiki sends."""
    server = smtp_server(mode="starttls-required", users={USER: PASSWORD})
    local = site.copy("web-only")
    secrets = local.with_name("smtp-secret.php")
    args = [a for a in render_args(site, server, "127.0.0.1", local, WEB_USER)]
    result = cli(*args, "--user", USER, "--password-mode", "file", "--secrets-file",
                 str(secrets), "--password-stdin", stdin=PASSWORD)
    assert result.returncode == 0, result.stdout + result.stderr
    info = secrets.stat()
    web = pwd.getpwnam(WEB_USER)
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (0, web.pw_gid, 0o640)
    sends(site, local, (WEB_USER,))
    assert_arrived(server, 2)
    assert os.geteuid() == 0
