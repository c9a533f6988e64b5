"""The Python snippets really send: Django's send_mail and the smtplib module's send().

The test CA is trusted the way the Django snippet tells the admin to: SSL_CERT_FILE,
which `ssl.create_default_context()` (Django >= 4.2 and the smtplib module both use it)
honours through OpenSSL's default verify paths. MoinMoin's text is checked with `ast` in
test_render.py: its own send code is not installed here.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import keyring
import pytest
from django.conf import settings as django_settings
from django.core.mail import send_mail
from django.test import override_settings

from tests.support.common import PASSWORD, USER
from tests.support.servers import Certs, SmtpServer
from wizard.model.settings import Security, Settings
from wizard.render import PasswordMode, RenderOptions, Target, render
from wizard.store.keyring import cryptfile_backend, store_password

RECIPIENT = "someone@example.net"
MODES = [("starttls-required", Security.STARTTLS), ("implicit", Security.TLS)]


@pytest.fixture
def trust_test_ca(monkeypatch: pytest.MonkeyPatch, certs: Certs) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certs.ca_file))


@pytest.fixture(scope="module", autouse=True)
def django_configured() -> None:
    if not django_settings.configured:
        django_settings.configure()


def settings_for(server: SmtpServer, security: Security, **changes: Any) -> Settings:
    fields: dict[str, Any] = {
        "host": server.host, "port": server.port, "security": security, "username": USER,
        "sender": "wiki@example.org", "id_host": "wiki.example.org",
        "helo_name": "wiki.example.org", "timeout": 10}
    fields.update(changes)
    return Settings(**fields)


def inline(password: str = PASSWORD) -> RenderOptions:
    return RenderOptions(password_mode=PasswordMode.INLINE, password=password)


def django_values(snippet: str) -> dict[str, Any]:
    """settings.py as Django reads it: the module's upper-case names."""
    namespace: dict[str, Any] = {}
    exec(compile(snippet, "email_settings.py", "exec"), namespace)
    return {key: value for key, value in namespace.items() if key.isupper()}


def load_module(snippet: str) -> types.ModuleType:
    module = types.ModuleType("wiki_mail")
    exec(compile(snippet, "wiki_mail.py", "exec"), module.__dict__)
    return module


def assert_delivered(server: SmtpServer) -> None:
    [message] = server.messages
    assert message.auth_user == USER
    assert message.tls
    assert message.mail_from == "wiki@example.org"
    assert message.rcpt_tos == [RECIPIENT]


@pytest.mark.usefixtures("trust_test_ca")
@pytest.mark.parametrize(("mode", "security"), MODES)
def test_django_send_mail_delivers(smtp_server: Callable[..., SmtpServer],
                                   mode: str, security: Security) -> None:
    server = smtp_server(mode=mode)
    rendered = render(settings_for(server, security), Target.DJANGO, inline())
    with override_settings(**django_values(rendered.snippet)):
        assert send_mail("Test", "It works.", None, [RECIPIENT]) == 1
    assert_delivered(server)


def test_django_checks_the_certificate(smtp_server: Callable[..., SmtpServer],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Without SSL_CERT_FILE the test CA is unknown and Django refuses: the trust above
    really comes from the variable, not from a lax context."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    server = smtp_server(mode="starttls-required")
    rendered = render(settings_for(server, Security.STARTTLS), Target.DJANGO, inline())
    with override_settings(**django_values(rendered.snippet)), \
            pytest.raises(Exception, match="CERTIFICATE_VERIFY_FAILED"):
        send_mail("Test", "It works.", None, [RECIPIENT])
    assert server.messages == []


@pytest.mark.usefixtures("trust_test_ca")
@pytest.mark.parametrize(("mode", "security"), MODES)
def test_smtplib_module_delivers(smtp_server: Callable[..., SmtpServer],
                                 mode: str, security: Security) -> None:
    server = smtp_server(mode=mode)
    module = load_module(render(settings_for(server, security), Target.SMTPLIB,
                                inline()).snippet)
    module.send(RECIPIENT, "Test", "It works.")
    assert_delivered(server)
    headers = message_from_bytes(server.messages[0].content)
    assert headers["Message-ID"].endswith("@wiki.example.org>")
    assert server.recorder.helo_names[0] == "wiki.example.org"


@pytest.mark.usefixtures("trust_test_ca")
def test_smtplib_module_forces_the_chosen_mechanism(
        smtp_server: Callable[..., SmtpServer]) -> None:
    server = smtp_server(mode="starttls")
    settings_ = settings_for(server, Security.STARTTLS, auth_mechanism="LOGIN")
    load_module(render(settings_, Target.SMTPLIB, inline()).snippet).send(
        [RECIPIENT], "Test", "It works.")
    assert_delivered(server)
    # smtplib alone would have picked PLAIN.
    assert server.recorder.logins == [("LOGIN", USER, True)]


def test_smtplib_module_refuses_a_server_without_starttls(
        smtp_server: Callable[..., SmtpServer]) -> None:
    server = smtp_server(mode="plain-auth")
    module = load_module(render(settings_for(server, Security.STARTTLS), Target.SMTPLIB,
                                inline()).snippet)
    with pytest.raises(Exception, match="STARTTLS"):
        module.send(RECIPIENT, "Test", "It works.")
    assert server.messages == []
    assert server.recorder.logins == []


@pytest.mark.usefixtures("trust_test_ca")
def test_password_from_file_and_environment(smtp_server: Callable[..., SmtpServer],
                                            tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    server = smtp_server(mode="implicit")
    settings_ = settings_for(server, Security.TLS)
    secrets = tmp_path / "smtp-password"
    from_file = render(settings_, Target.SMTPLIB, RenderOptions(
        PasswordMode.FILE, password=PASSWORD, secrets_path=str(secrets)))
    assert from_file.secrets_file is not None
    assert PASSWORD not in from_file.snippet
    secrets.write_text(from_file.secrets_file[1], encoding="utf-8")
    load_module(from_file.snippet).send(RECIPIENT, "Test", "From the file.")

    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    from_env = render(settings_, Target.DJANGO, RenderOptions(PasswordMode.ENV))
    with override_settings(**django_values(from_env.snippet)):
        send_mail("Test", "From the environment.", None, [RECIPIENT])
    assert [message.auth_user for message in server.messages] == [USER, USER]


@pytest.fixture
def test_keyring(tmp_path: Path) -> Iterator[keyring.backend.KeyringBackend]:
    """A real encrypted-file keyring, made the process's keyring for the test."""
    previous = keyring.get_keyring()
    ring = cryptfile_backend(tmp_path / "keyring.cfg", "master password")
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


@pytest.mark.usefixtures("trust_test_ca")
def test_password_from_keyring(smtp_server: Callable[..., SmtpServer],
                               test_keyring: keyring.backend.KeyringBackend) -> None:
    server = smtp_server(mode="starttls")
    settings_ = settings_for(server, Security.STARTTLS)
    rendered = render(settings_, Target.SMTPLIB, RenderOptions(PasswordMode.KEYRING))
    with pytest.raises(RuntimeError, match="No SMTP password in the keyring"):
        load_module(rendered.snippet)
    # Stored the way the wizard stores it, found the way the snippet looks it up.
    store_password(settings_, PASSWORD, backend=test_keyring)
    load_module(rendered.snippet).send(RECIPIENT, "Test", "From the keyring.")
    assert_delivered(server)
