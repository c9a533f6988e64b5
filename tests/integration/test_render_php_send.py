"""The proof: the rendered MediaWiki snippet really sends, through real PHP and PEAR.

PHP loads the snippet the way LocalSettings.php would, then sends exactly as MediaWiki's
UserMailer does: `Mail::factory('smtp', $wgSMTP)->send($to, $headers, $body)`, with the
system PEAR (Debian php-mail / php-net-smtp in /usr/share/php). The test CA is trusted
through SSL_CERT_FILE, which OpenSSL's default verify paths (used by PHP when no cafile
is configured) honour; without it, the same send must fail.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest

from tests.support.common import PASSWORD, USER, require_program
from tests.support.pear import RECIPIENT, pear_send
from tests.support.servers import Certs, SmtpServer
from wizard.model.settings import Security, Settings
from wizard.render import PasswordMode, Rendered, RenderOptions, Target, php_file, render

Runner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def send_with_pear(tmp_path: Path, certs: Certs) -> Runner:
    php = require_program("php")

    def run(rendered: Rendered, *, trust: bool = True,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        snippet = tmp_path / "LocalSettings.php"
        snippet.write_text(php_file(rendered.snippet), encoding="utf-8")
        if rendered.secrets_file is not None:
            path, content = rendered.secrets_file
            Path(path).write_text(content, encoding="utf-8")
            Path(path).chmod(0o600)
        return pear_send(php, snippet, certs.ca_file if trust else None, env=env)

    return run


def settings_for(server: SmtpServer, **changes: Any) -> Settings:
    fields: dict[str, Any] = {
        "host": server.host, "port": server.port, "username": USER,
        "sender": "wiki@example.org", "id_host": "wiki.example.org",
        "helo_name": "wiki.example.org", "timeout": 10}
    fields.update(changes)
    return Settings(**fields)


def inline(password: str = PASSWORD, **changes: Any) -> RenderOptions:
    return RenderOptions(password_mode=PasswordMode.INLINE, password=password, **changes)


def assert_delivered(server: SmtpServer, result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr + result.stdout
    assert result.stdout.strip() == "sent"
    [message] = server.messages
    assert message.auth_user == USER
    assert message.tls
    assert message.mail_from == "wiki@example.org"
    assert message.rcpt_tos == [RECIPIENT]
    headers = message_from_bytes(message.content)
    assert headers["Message-ID"].endswith("@wiki.example.org>")
    # PEAR sent the EHLO name from 'localhost', not its default "localhost".
    assert set(server.recorder.helo_names) == {"wiki.example.org"}


def test_starttls_with_auth_delivers(smtp_server: Callable[..., SmtpServer],
                                     send_with_pear: Runner) -> None:
    server = smtp_server(mode="starttls-required")
    rendered = render(settings_for(server), Target.MEDIAWIKI, inline())
    assert_delivered(server, send_with_pear(rendered))


def test_implicit_tls_delivers(smtp_server: Callable[..., SmtpServer],
                               send_with_pear: Runner) -> None:
    server = smtp_server(mode="implicit")
    rendered = render(settings_for(server, security=Security.TLS), Target.MEDIAWIKI,
                      inline())
    assert "'host' => 'ssl://127.0.0.1'" in rendered.snippet
    assert_delivered(server, send_with_pear(rendered))


def test_no_prefix_with_auth_upgrades_inside_auth(smtp_server: Callable[..., SmtpServer],
                                                  send_with_pear: Runner) -> None:
    """What the NONE + auth comment promises: PEAR does STARTTLS inside auth()."""
    server = smtp_server(mode="starttls")
    rendered = render(settings_for(server, security=Security.NONE), Target.MEDIAWIKI,
                      inline())
    comments = " ".join(rendered.snippet.replace("//", "").split())
    assert "PEAR starts TLS inside auth() only if the server's EHLO offers STARTTLS" in comments
    assert_delivered(server, send_with_pear(rendered))


def test_password_from_secrets_file_delivers(smtp_server: Callable[..., SmtpServer],
                                             send_with_pear: Runner, tmp_path: Path) -> None:
    server = smtp_server(mode="starttls")
    rendered = render(settings_for(server), Target.MEDIAWIKI, RenderOptions(
        password_mode=PasswordMode.FILE, password=PASSWORD,
        secrets_path=str(tmp_path / "secrets" / "smtp-password.php")))
    (tmp_path / "secrets").mkdir()
    assert PASSWORD not in rendered.snippet
    assert_delivered(server, send_with_pear(rendered))


def test_password_from_environment_delivers(smtp_server: Callable[..., SmtpServer],
                                            send_with_pear: Runner) -> None:
    server = smtp_server(mode="implicit")
    rendered = render(settings_for(server, security=Security.TLS), Target.MEDIAWIKI,
                      RenderOptions(password_mode=PasswordMode.ENV, env_var="WIKI_SMTP_PW"))
    assert PASSWORD not in rendered.snippet
    assert_delivered(server, send_with_pear(rendered, env={"WIKI_SMTP_PW": PASSWORD}))


def test_hostile_password_reaches_the_server_exactly(smtp_server: Callable[..., SmtpServer],
                                                     send_with_pear: Runner) -> None:
    password = "p'a\\ss$wgX?><?php \"é☃ '; system('x'); '"
    server = smtp_server(mode="starttls", users={USER: password})
    rendered = render(settings_for(server, auth_mechanism="PLAIN"), Target.MEDIAWIKI,
                      inline(password))
    assert_delivered(server, send_with_pear(rendered))
    assert server.recorder.logins == [("PLAIN", USER, True)]


def test_wrong_password_fails_and_nothing_arrives(smtp_server: Callable[..., SmtpServer],
                                                  send_with_pear: Runner) -> None:
    server = smtp_server(mode="starttls")
    rendered = render(settings_for(server), Target.MEDIAWIKI, inline("wrong-pass-42"))
    result = send_with_pear(rendered)
    assert result.returncode == 1
    assert "authentication failure" in result.stderr
    assert "wrong-pass-42" not in result.stderr + result.stdout
    assert server.messages == []
    assert server.recorder.logins == [("LOGIN", USER, False)]


@pytest.mark.parametrize(("mode", "security", "error"), [
    ("starttls", Security.STARTTLS, "STARTTLS failed (code: 220"),
    ("implicit", Security.TLS, "Failed to connect to ssl://127.0.0.1"),
])
def test_untrusted_certificate_fails_and_nothing_arrives(
        smtp_server: Callable[..., SmtpServer], send_with_pear: Runner,
        mode: str, security: Security, error: str) -> None:
    """Without the test CA PHP refuses the server: the certificate really is checked."""
    server = smtp_server(mode=mode)
    rendered = render(settings_for(server, security=security), Target.MEDIAWIKI, inline())
    result = send_with_pear(rendered, trust=False)
    assert result.returncode == 1
    assert error in result.stderr
    assert server.messages == []
    assert server.recorder.logins == []


@pytest.mark.parametrize(("mode", "security"), [("starttls", Security.STARTTLS),
                                                ("implicit", Security.TLS)])
def test_pinned_self_signed_certificate_delivers(
        smtp_server: Callable[..., SmtpServer], send_with_pear: Runner, certs: Certs,
        mode: str, security: Security) -> None:
    """The explicit self-signed opt-in: socket_options cafile, still verified by name."""
    server = smtp_server(mode=mode, cert="self-signed")
    pinned = str(certs.pairs["self-signed"][0])
    settings_ = settings_for(server, host="localhost", security=security)
    rendered = render(settings_, Target.MEDIAWIKI, inline(pinned_cafile=pinned))
    assert "verify_peer" not in rendered.snippet
    assert_delivered(server, send_with_pear(rendered, trust=False))

    # Pinned, but the certificate carries another name: refused all the same.
    wrong_name = smtp_server(mode=mode, cert="wrong-name")
    rendered = render(settings_for(wrong_name, security=security), Target.MEDIAWIKI,
                      inline(pinned_cafile=str(certs.ca_file)))
    result = send_with_pear(rendered, trust=False)
    assert result.returncode == 1
    assert wrong_name.messages == []
