"""The proof for XOAUTH2: real PEAR sends with the generated `$wgSMTP` block and a token
that `smtp-wizard token refresh` wrote, as MediaWiki's UserMailer does.

Three PEARs: Debian's php-net-smtp 1.10.1 (/usr/share/php), the 1.10.0 that MediaWiki
1.39 bundles in its vendor/ (Debian's mediawiki package), and upstream pear/mail 2.0.0 +
net_smtp 1.12.2 (../shared/pear, what MediaWiki 1.45 bundles). An Entra ID token is
longer than SMTP's 512-octet line: 1.10.1 and later send it after the server's 334, which
a server keeping the line limit (Gmail, Dovecot) needs; 1.10.0 puts it on the AUTH line,
which only a server that allows longer lines takes. The smtplib snippet sends too.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.common import ROOT, cli, require_program
from tests.support.pear import RECIPIENT, pear_send
from tests.support.servers import Certs, SmtpServer
from tests.support.token_server import (
    CLIENT,
    MAILBOX,
    SECRET,
    TENANT,
    TokenServer,
)

SYSTEM = Path("/usr/share/php")
VENDOR = Path("/usr/share/mediawiki/vendor/pear")
SHARED = ROOT.parent / "shared" / "pear"

PEARS: dict[str, tuple[Path, list[Path]]] = {
    "debian-1.10.1": (SYSTEM / "Net" / "SMTP.php", []),
    "mediawiki-1.39-vendor-1.10.0": (VENDOR / "net_smtp" / "Net" / "SMTP.php", [
        VENDOR / "mail", VENDOR / "net_smtp", VENDOR / "net_socket",
        VENDOR / "pear-core-minimal" / "src"]),
    "upstream-1.12.2": (SHARED / "net_smtp" / "Net" / "SMTP.php", [
        SHARED / "mail", SHARED / "net_smtp", SHARED / "net_socket", SYSTEM]),
}


@pytest.fixture
def token_file(tokens: TokenServer, tmp_path: Path, ca_file: Path) -> Path:
    """A token written by `token refresh` after `token setup`."""
    config = tmp_path / "oauth.toml"
    done = cli("token", "setup", "--tenant", TENANT, "--client-id", CLIENT, "--user", MAILBOX,
               "--token-file", str(tmp_path / "smtp-token"), "--config", str(config),
               "--state-file", str(tmp_path / "oauth.state.json"), "--authority", tokens.base,
               "--ca-file", str(ca_file), "--secret-stdin", stdin=SECRET)
    assert done.returncode == 0, done.stdout + done.stderr
    done = cli("token", "refresh", "--config", str(config), "--force")
    assert done.returncode == 0, done.stderr
    assert len(tokens.grants()) == 2
    # The file holds the second token, the one refresh fetched.
    assert (tmp_path / "smtp-token").read_text().strip() == list(tokens.mailboxes)[-1]
    return tmp_path / "smtp-token"


def snippet(server: SmtpServer, token_file: Path, target: str = "mediawiki") -> str:
    done = cli("render", server.host, "--port", str(server.port), "--user", MAILBOX,
               "--sender", MAILBOX, "--auth-mechanism", "XOAUTH2", "--token-file",
               str(token_file), "--id-host", "wiki.example.org", "--target", target)
    assert done.returncode == 0, done.stderr
    return done.stdout


def assert_delivered(server: SmtpServer) -> None:
    [message] = server.messages
    assert (message.auth_user, message.tls, message.mail_from) == (MAILBOX, True, MAILBOX)
    assert message.rcpt_tos == [RECIPIENT]
    assert server.recorder.logins == [("XOAUTH2", MAILBOX, True)]


@pytest.mark.parametrize(("pear", "strict"), [
    ("debian-1.10.1", True), ("mediawiki-1.39-vendor-1.10.0", False),
    ("upstream-1.12.2", True)])
def test_pear_sends_with_the_block_and_the_refreshed_token(
        pear: str, strict: bool, token_file: Path, tmp_path: Path, certs: Certs,
        smtp_server: Callable[..., SmtpServer]) -> None:
    php = require_program("php")
    marker, include = PEARS[pear]
    if not marker.is_file():
        if os.environ.get("SMTP_WIZARD_REQUIRE_ALL"):
            pytest.fail(f"{marker} is required in CI")
        pytest.skip(f"{marker} is not here")
    server = smtp_server(mode="starttls-required", xoauth2_strict_lines=strict,
                         xoauth2_tokens={token_file.read_text().strip(): {MAILBOX}})
    block = snippet(server, token_file)
    assert "'auth' => 'XOAUTH2'" in block
    assert token_file.read_text().strip() not in block
    path = ":".join(str(folder) for folder in include)
    localsettings = tmp_path / "LocalSettings.php"
    localsettings.write_text("<?php\n" + (f"set_include_path('{path}');\n" if path else "")
                             + block, encoding="utf-8")
    result = pear_send(php, localsettings, certs.ca_file)
    assert result.returncode == 0, result.stderr + result.stdout
    assert_delivered(server)


def test_a_stale_token_is_refused(token_file: Path, tmp_path: Path, certs: Certs,
                                  smtp_server: Callable[..., SmtpServer]) -> None:
    """The block reads the file each time: a token the server no longer takes fails."""
    php = require_program("php")
    server = smtp_server(mode="starttls-required", xoauth2_tokens={})
    localsettings = tmp_path / "LocalSettings.php"
    localsettings.write_text("<?php\n" + snippet(server, token_file), encoding="utf-8")
    result = pear_send(php, localsettings, certs.ca_file)
    assert result.returncode == 1
    assert "535" in result.stderr
    assert server.messages == []


def test_smtplib_snippet_sends(token_file: Path, tmp_path: Path, certs: Certs,
                               smtp_server: Callable[..., SmtpServer],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    server = smtp_server(mode="starttls-required", xoauth2_strict_lines=True,
                         xoauth2_tokens={token_file.read_text().strip(): {MAILBOX}})
    module = tmp_path / "wiki_mail.py"
    module.write_text(snippet(server, token_file, "smtplib"), encoding="utf-8")
    monkeypatch.setenv("SSL_CERT_FILE", str(certs.ca_file))
    spec = importlib.util.spec_from_file_location("wiki_mail", module)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    loaded.send(RECIPIENT, "Test", "It works.")
    assert_delivered(server)


@pytest.mark.parametrize("target", ["django", "moinmoin"])
def test_django_and_moinmoin_say_why_not(target: str, tmp_path: Path) -> None:
    done = cli("render", "smtp.office365.com", "--user", MAILBOX, "--auth-mechanism",
               "XOAUTH2", "--token-file", str(tmp_path / "token"), "--target", target)
    assert done.returncode == 2
    assert "cannot log in with XOAUTH2" in done.stderr and "smtplib target" in done.stderr
