"""`check` and `render` agree with the real target on every user name and password.

smtplib (and Django, which logs in through it) encodes AUTH as ASCII; PEAR sends the
UTF-8 bytes. For each pair the check's verdict for that client, the renderer's answer and
what real smtplib, real Django and real PHP + PEAR do with the generated snippet must be
the same. Where the renderer refuses, the snippet is rendered with the password in an
environment variable (and the user name set afterwards), which is how a user would still
get there, and the real client must fail the way the refusal said.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.mail import get_connection, send_mail
from django.test import override_settings

from tests.support.common import PASSWORD, USER, require_program
from tests.support.pear import RECIPIENT, pear_send
from tests.support.servers import Certs, SmtpServer
from wizard.model.settings import Client, Security, Settings
from wizard.render import PasswordMode, RenderError, RenderOptions, Target, php_file, render
from wizard.smtp.check import CheckOptions, run_check

PAIRS = [
    (USER, PASSWORD),
    (USER, "pässwort-é"),
    ("jörg@example.org", PASSWORD),
]


@pytest.fixture(scope="module", autouse=True)
def django_configured() -> None:
    if not django_settings.configured:
        django_settings.configure()


@pytest.fixture
def trust_test_ca(monkeypatch: pytest.MonkeyPatch, certs: Certs) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certs.ca_file))


def settings_for(server: SmtpServer, user: str, **changes: Any) -> Settings:
    fields: dict[str, Any] = {"host": server.host, "port": server.port,
                              "security": Security.STARTTLS, "username": user,
                              "sender": "wiki@example.org", "timeout": 10}
    return Settings(**(fields | changes))


def rendered_anyway(settings: Settings, target: Target, user: str) -> str:
    """The snippet a user gets by keeping the password out of the renderer's sight."""
    ascii_user = settings.replace(username="placeholder@example.org")
    return render(ascii_user if not user.isascii() else settings, target,
                  RenderOptions(PasswordMode.ENV)).snippet


def django_send(snippet: str, user: str) -> None:
    namespace: dict[str, Any] = {}
    exec(compile(snippet, "email_settings.py", "exec"), namespace)
    values = {key: value for key, value in namespace.items() if key.isupper()}
    values["EMAIL_HOST_USER"] = user
    with override_settings(**values):
        send_mail("Test", "It works.", None, [RECIPIENT], connection=get_connection())


def smtplib_send(snippet: str, user: str) -> None:
    module = types.ModuleType("wiki_mail")
    exec(compile(snippet, "wiki_mail.py", "exec"), module.__dict__)
    module.USERNAME = user
    module.send(RECIPIENT, "Test", "It works.")


@pytest.mark.usefixtures("trust_test_ca")
@pytest.mark.parametrize(("user", "password"), PAIRS)
@pytest.mark.parametrize(("target", "send"), [(Target.DJANGO, django_send),
                                              (Target.SMTPLIB, smtplib_send)])
async def test_python_targets_agree(smtp_server: Callable[..., SmtpServer], certs: Certs,
                                    monkeypatch: pytest.MonkeyPatch, user: str, password: str,
                                    target: Target, send: Callable[[str, str], None]) -> None:
    server = smtp_server(mode="starttls", users={user: password})
    settings = settings_for(server, user)
    report = await run_check(settings.replace(ca_file=str(certs.ca_file)), password,
                             CheckOptions(client=Client.SMTPLIB))
    try:
        render(settings, target, RenderOptions(PasswordMode.INLINE, password=password))
    except RenderError as exc:
        refusal: str | None = exc.message
    else:
        refusal = None
    monkeypatch.setenv("SMTP_PASSWORD", password)
    snippet = rendered_anyway(settings, target, user)
    if password.isascii() and user.isascii():
        assert report.ok and refusal is None, report.to_dict()
        send(snippet, user)
        assert [message.auth_user for message in server.messages] == [user]
        return
    assert report.diagnoses == ["auth-non-ascii"]
    auth = report.step("auth")
    assert auth is not None and auth.diagnosis is not None
    # The renderer says what the check says, word for word.
    assert refusal == f"{auth.diagnosis.cause} {auth.diagnosis.fix}"
    assert "smtp-wizard check --client smtplib" in snippet
    with pytest.raises(UnicodeEncodeError, match="'ascii' codec"):
        send(snippet, user)
    assert server.recorder.logins == [] and server.messages == []


@pytest.mark.parametrize(("user", "password"), PAIRS)
async def test_pear_sends_utf8_and_the_check_agrees(smtp_server: Callable[..., SmtpServer],
                                                    certs: Certs, tmp_path: Path, user: str,
                                                    password: str) -> None:
    php = require_program("php")
    server = smtp_server(mode="starttls-required", users={user: password})
    settings = settings_for(server, user)
    report = await run_check(settings.replace(ca_file=str(certs.ca_file)), password)
    assert report.ok, report.to_dict()
    snippet = render(settings, Target.MEDIAWIKI,
                     RenderOptions(PasswordMode.INLINE, password=password)).snippet
    localsettings = tmp_path / "LocalSettings.php"
    localsettings.write_text(php_file(snippet), encoding="utf-8")
    done = pear_send(php, localsettings, certs.ca_file)
    assert done.returncode == 0, done.stderr + done.stdout
    assert [login[1:] for login in server.recorder.logins] == [(user, True)] * 2
    assert [message.auth_user for message in server.messages] == [user]


@pytest.mark.usefixtures("trust_test_ca")
@pytest.mark.parametrize("smtputf8", [True, False])
async def test_international_sender_agrees_with_real_smtplib(
        smtp_server: Callable[..., SmtpServer], certs: Certs, smtputf8: bool) -> None:
    server = smtp_server(mode="starttls", smtputf8=smtputf8)
    settings = settings_for(server, USER, sender="jörg@bücher.example")
    report = await run_check(settings.replace(ca_file=str(certs.ca_file)), PASSWORD,
                             CheckOptions(client=Client.SMTPLIB))
    module = render(settings, Target.SMTPLIB, RenderOptions(PasswordMode.INLINE,
                                                            password=PASSWORD)).snippet
    assert "SMTPUTF8" in module
    if smtputf8:
        assert report.ok, report.to_dict()
        smtplib_send(module, USER)
        assert [message.mail_from for message in server.messages] == [
            "jörg@xn--bcher-kva.example"]
    else:
        assert report.diagnoses == ["address-smtputf8"]
        with pytest.raises(Exception, match="SMTPUTF8"):
            smtplib_send(module, USER)
        assert server.messages == []
    # Django and MoinMoin send through sendmail(), which never asks for SMTPUTF8.
    for target in (Target.DJANGO, Target.MOINMOIN):
        with pytest.raises(RenderError, match="SMTPUTF8"):
            render(settings, target, RenderOptions(PasswordMode.INLINE, password=PASSWORD))


@pytest.mark.usefixtures("trust_test_ca")
def test_django_would_send_from_another_address(
        smtp_server: Callable[..., SmtpServer]) -> None:
    """Why the Django snippet refuses such a sender: Django turns the name before the @
    into an encoded word, and the server gets an address nobody owns."""
    server = smtp_server(mode="starttls", smtputf8=True)
    snippet = render(settings_for(server, USER), Target.DJANGO,
                     RenderOptions(PasswordMode.INLINE, password=PASSWORD)).snippet
    namespace: dict[str, Any] = {}
    exec(compile(snippet, "email_settings.py", "exec"), namespace)
    values = {key: value for key, value in namespace.items() if key.isupper()}
    with override_settings(**values):
        send_mail("Test", "It works.", "jörg@bücher.example", [RECIPIENT])
    [command] = server.recorder.mail_commands
    assert command.startswith("FROM:<=?utf-8?b?asO2cmc=?=@xn--bcher-kva.example> ")
