"""`smtp-wizard check --auth-mechanism XOAUTH2`: the login PEAR will do with the token,
against aiosmtpd with an XOAUTH2 authenticator that accepts only the tokens the loopback
token endpoint issued, for the mailboxes their app may send as.

Exchange Online answers `535 5.7.3 Authentication unsuccessful` to a token it does not
take, whatever the reason; the check tells the reasons apart from the token's own claims.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.common import cli
from tests.support.servers import SmtpServer
from tests.support.token_server import (
    CLIENT,
    MAILBOX,
    SECRET,
    TENANT,
    TokenServer,
    diagnosed,
)


def fetch(tokens: TokenServer, tmp_path: Path, ca_file: Path) -> Path:
    """Set up a token configuration; the token file it wrote."""
    done = cli("token", "setup", "--tenant", TENANT, "--client-id", CLIENT, "--user", MAILBOX,
               "--token-file", str(tmp_path / "smtp-token"),
               "--config", str(tmp_path / "oauth.toml"),
               "--state-file", str(tmp_path / "oauth.state.json"),
               "--authority", tokens.base, "--ca-file", str(ca_file), "--secret-stdin",
               stdin=SECRET)
    assert done.returncode in (0, 1), done.stderr
    return tmp_path / "smtp-token"


def check(server: SmtpServer, ca_file: Path, *extra: str) -> tuple[int, str]:
    done = cli("check", server.host, "--port", str(server.port), "--user", MAILBOX,
               "--auth-mechanism", "XOAUTH2", "--ca-file", str(ca_file), *extra)
    assert "Traceback" not in done.stderr
    return done.returncode, done.stdout + done.stderr


def flat(text: str) -> str:
    """The output with the wrapping of long lines undone."""
    return " ".join(text.split())


@pytest.mark.parametrize("client", ["pear", "smtplib"])
def test_token_logs_in_and_never_shows(tokens: TokenServer, tmp_path: Path, ca_file: Path,
                                       smtp_server: Callable[..., SmtpServer],
                                       client: str) -> None:
    token_file = fetch(tokens, tmp_path, ca_file)
    token = token_file.read_text().strip()
    server = smtp_server(xoauth2_tokens=tokens.mailboxes)
    code, out = check(server, ca_file, "--token-file", str(token_file), "--client", client,
                      "-v", "--sender", MAILBOX)
    assert code == 0, out
    assert f"Logged in as {MAILBOX} with XOAUTH2" in out
    # A token of Entra ID's length goes after the 334, as Net_SMTP 1.10.1+ sends it.
    assert "C AUTH XOAUTH2\n" in out and "<redacted>" in out
    assert token not in out and token[:40] not in out
    assert server.recorder.logins == [("XOAUTH2", MAILBOX, True)]
    code, out = check(server, ca_file, "--token-file", str(token_file), "--json")
    report = json.loads(out)
    assert report["status"] == "ok" and token not in out


def test_fresh_token_from_the_configuration(tokens: TokenServer, tmp_path: Path,
                                            ca_file: Path,
                                            smtp_server: Callable[..., SmtpServer]) -> None:
    fetch(tokens, tmp_path, ca_file)
    server = smtp_server(xoauth2_tokens=tokens.mailboxes)
    code, out = check(server, ca_file, "--token-config", str(tmp_path / "oauth.toml"))
    assert code == 0, out
    assert len(tokens.grants()) == 2


def test_mailbox_permission_missing(tokens: TokenServer, tmp_path: Path, ca_file: Path,
                                    smtp_server: Callable[..., SmtpServer]) -> None:
    """No Add-MailboxPermission for this mailbox: Exchange's 535 5.7.3."""
    tokens.tenants[TENANT][CLIENT].mailboxes = {"someone-else@contoso.com"}
    token_file = fetch(tokens, tmp_path, ca_file)
    server = smtp_server(xoauth2_tokens=tokens.mailboxes)
    code, out = check(server, ca_file, "--token-file", str(token_file))
    assert code == 1
    assert "535 5.7.3 Authentication unsuccessful" in flat(out)
    assert diagnosed(out, "oauth-mailbox-permission")
    assert "Add-MailboxPermission" in out


def test_token_without_send_as_app(tokens: TokenServer, tmp_path: Path, ca_file: Path,
                                   smtp_server: Callable[..., SmtpServer]) -> None:
    tokens.tenants[TENANT][CLIENT].roles = ()
    token_file = fetch(tokens, tmp_path, ca_file)
    server = smtp_server(xoauth2_tokens=tokens.mailboxes)
    code, out = check(server, ca_file, "--token-file", str(token_file))
    assert code == 1
    assert diagnosed(out, "oauth-sendasapp-missing")


def test_unknown_opaque_token(smtp_server: Callable[..., SmtpServer], ca_file: Path) -> None:
    """A Google-style token the server does not know, given on standard input."""
    server = smtp_server(xoauth2_tokens={}, xoauth2_refusal="535 5.7.8 Username and "
                         "Password not accepted.")
    token = "ya29." + secrets.token_urlsafe(40)
    done = cli("check", server.host, "--port", str(server.port), "--user", MAILBOX,
               "--auth-mechanism", "XOAUTH2", "--ca-file", str(ca_file), "--password-stdin",
               "-v", stdin=token + "\n")
    assert done.returncode == 1
    assert diagnosed(done.stdout, "oauth-token-refused")
    assert token not in done.stdout + done.stderr


def test_old_net_smtp_sends_a_long_token_on_the_auth_line(
        tokens: TokenServer, tmp_path: Path, ca_file: Path,
        smtp_server: Callable[..., SmtpServer]) -> None:
    """Net_SMTP 1.10.0 (MediaWiki 1.39's vendor/) against a server that keeps SMTP's
    512-octet line limit, as Gmail does; 1.10.1 and later pass."""
    token_file = fetch(tokens, tmp_path, ca_file)
    server = smtp_server(xoauth2_tokens=tokens.mailboxes, xoauth2_strict_lines=True)
    code, out = check(server, ca_file, "--token-file", str(token_file), "--net-smtp", "1.10.0")
    assert code == 1
    assert diagnosed(out, "oauth-token-too-long") and "500 Command line too long" in flat(out)
    code, out = check(server, ca_file, "--token-file", str(token_file), "--net-smtp", "1.10.1")
    assert code == 0, out


def test_server_without_xoauth2(smtp_server: Callable[..., SmtpServer], ca_file: Path,
                                tmp_path: Path) -> None:
    server = smtp_server()
    token_file = tmp_path / "token"
    token_file.write_text("eyJ0.eyJ0.sig\n")
    code, out = check(server, ca_file, "--token-file", str(token_file))
    assert code == 1
    assert diagnosed(out, "auth-mechanism")


def test_token_options_need_xoauth2(smtp_server: Callable[..., SmtpServer],
                                    tmp_path: Path) -> None:
    server = smtp_server()
    done = cli("check", server.host, "--port", str(server.port), "--user", MAILBOX,
               "--token-file", str(tmp_path / "token"))
    assert done.returncode == 2 and "XOAUTH2" in done.stderr
    done = cli("check", server.host, "--port", str(server.port), "--user", MAILBOX,
               "--auth-mechanism", "XOAUTH2", "--token-file", str(tmp_path / "missing"))
    assert done.returncode == 2 and "holds no access token" in done.stderr


def test_basic_auth_refusal_points_here(smtp_server: Callable[..., SmtpServer],
                                        ca_file: Path) -> None:
    """Microsoft 365's refusal of a password, and its preset, name the way out."""
    server = smtp_server(users={MAILBOX: "pw"}, auth_fail_reply="535 5.7.139 Authentication "
                         "unsuccessful, SmtpClientAuthentication is disabled for the Tenant.")
    done = cli("check", server.host, "--port", str(server.port), "--user", MAILBOX,
               "--ca-file", str(ca_file), "--password-stdin", stdin="wrong\n")
    assert diagnosed(done.stdout, "auth-basic-disabled")
    assert "smtp-wizard token setup" in flat(done.stdout)
    done = cli("providers", "contoso-com.mail.protection.outlook.com")
    assert "smtp-wizard token setup" in flat(done.stdout)
