"""One installed wiki and what the tests do with it: send through MediaWiki's own
UserMailer as a given account, render the block into a copy of its settings, and judge
what arrived at the server."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from email import message_from_bytes
from pathlib import Path
from typing import NoReturn

import pytest

from tests.support.common import ROOT
from tests.support.servers import SmtpServer

MEDIAWIKI = Path(os.environ.get("SMTP_WIZARD_MEDIAWIKI", "/usr/share/mediawiki"))
SHARED_PEAR = ROOT.parent / "shared" / "pear"
"""Upstream pear/mail 2.0.0 and net_smtp 1.12 (what MediaWiki 1.45 bundles), beside the
clone in CI."""
WEB_USER = "www-data"
JOB_USER = "smtpwiz-jobs"
RECIPIENT = "someone@example.net"
SCRIPT = Path(__file__).with_name("usermailer.php")


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("SMTP_WIZARD_REQUIRE_ALL"):
        pytest.fail(f"{reason} (SMTP_WIZARD_REQUIRE_ALL is set)")
    pytest.skip(reason)


@dataclass(frozen=True)
class Site:
    """One installed wiki: its pristine LocalSettings.php and what the sends need."""

    folder: Path
    localsettings: Path
    """As the installer wrote it; each test patches a copy (`Site.copy`)."""
    php: str
    script: Path
    ca_file: Path
    """The test CA, where other accounts can read it."""
    shared_pear: Path
    """A readable copy of ../shared/pear."""

    def copy(self, name: str) -> Path:
        conf = self.folder / name
        conf.mkdir(mode=0o755)
        local = conf / "LocalSettings.php"
        shutil.copy2(self.localsettings, local)
        return local

    def send(self, user: str, localsettings: Path, *, shared: bool = False,
             env: dict[str, str] | None = None) -> dict[str, object]:
        """MediaWiki's UserMailer::send, run as `user` (its uid, group and groups)."""
        account = pwd.getpwnam(user)
        command = [self.php, str(self.script), "--conf", str(localsettings),
                   "--to", RECIPIENT, *(["--pear", str(self.shared_pear)] if shared else [])]
        done = subprocess.run(
            command, user=account.pw_uid, group=account.pw_gid,
            extra_groups=os.getgrouplist(user, account.pw_gid), cwd="/",
            env={"PATH": "/usr/bin:/bin", "MW_INSTALL_PATH": str(MEDIAWIKI),
                 "SSL_CERT_FILE": str(self.ca_file), **(env or {})},
            capture_output=True, text=True, timeout=60, check=False)
        last = done.stdout.strip().rpartition("\n")[2]
        try:
            answer = json.loads(last)
        except ValueError:
            answer = None
        assert isinstance(answer, dict), done.stdout + done.stderr
        return answer


USER = "wiki@example.org"
# Quotes, backslashes, `$`, `?>` and a non-ASCII letter: each must reach the server as is.
PASSWORD = "p'a\"ss\\w$wgX?>é"
ID_HOST = "ids.wiki.test"


def render_args(site: Site, server: SmtpServer, host: str, localsettings: Path,
                job_user: str, *extra: str) -> list[str]:
    return ["render", host, "--port", str(server.port), "--sender", USER, "--id-host", ID_HOST,
            "--helo", "wiki.test", "--ca-file", str(site.ca_file), "--php-user", WEB_USER,
            "--php-user", job_user, "--yes", "--patch", str(localsettings), *extra]


def assert_arrived(server: SmtpServer, count: int, *, auth: bool = True) -> None:
    assert len(server.messages) == count
    for message in server.messages:
        assert message.tls, "the mail crossed the network in clear"
        assert message.auth_user == (USER if auth else None)
        assert message.rcpt_tos == [RECIPIENT] and message.mail_from == USER
        headers = message_from_bytes(message.content)
        assert headers["Message-ID"].endswith(f"@{ID_HOST}>")
        assert headers["X-Mailer"] == "MediaWiki mailer"


def sends(site: Site, localsettings: Path, users: tuple[str, ...],
          env: dict[str, str] | None = None) -> None:
    """Every account sends once with MediaWiki's PEAR and once with upstream PEAR."""
    for user in users:
        for shared in (False, True):
            answer = site.send(user, localsettings, shared=shared, env=env)
            assert answer["ok"] is True, (user, shared, answer)
            files = answer["files"]
            assert isinstance(files, dict)
            expected = site.shared_pear if shared else Path("/usr/share/mediawiki/vendor")
            for path in (files["Mail"], files["Net_SMTP"]):
                assert str(path).startswith(str(expected)), (user, shared, files)
