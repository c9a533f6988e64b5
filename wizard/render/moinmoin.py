"""MoinMoin: the mail_* lines for the `Config` class in wikiconfig.py.

What MoinMoin really does (moin 2 `moin/mail/sendmail.py`, 1.9
`MoinMoin/mail/sendmail.py`): `host, port = (mail_smarthost + ':25').split(':')[:2]`,
then `smtplib.SMTP(host, port)` with no timeout; STARTTLS only if the server offers it
(1.9: only when `mail_login` is set), with no certificate check, and any failure there is
swallowed, so it goes on in clear text. There is no implicit TLS. Moin 2 logs in with
`mail_username` / `mail_password`; 1.9 with `user, pwd = mail_login.split()`.
"""

from __future__ import annotations

from wizard.model.i18n import _
from wizard.model.settings import Security, Settings
from wizard.render import PasswordMode, Rendered, RenderError, RenderOptions, Target
from wizard.render.literals import python_comment, python_string
from wizard.render.smtplib import (
    check_smtplib,
    keyring_guard,
    password_note,
    python_password,
    refuse_international_sender,
    refuse_xoauth2,
)

__all__ = ["VERSIONS", "render"]

VERSIONS = ("2", "1.9")
_INDENT = "    "


def render(settings: Settings, options: RenderOptions) -> Rendered:
    version = options.moinmoin_version
    if version not in VERSIONS:
        raise RenderError(_("MoinMoin version “{version}” is unknown: use 2 or 1.9.")
                          .format(version=version))
    legacy = version == "1.9"
    _refuse(settings, options, legacy=legacy)

    def string(value: str) -> str:
        return python_string(value, python2=legacy)

    lines = _comments(settings, legacy=legacy)
    lines.append(f"mail_smarthost = {string(f'{settings.ascii_host}:{settings.port}')}")
    lines.append(f"mail_from = {string(settings.sender)}")
    secrets: tuple[str, str] | None = None
    if settings.auth:
        password = python_password(settings, options, python2=legacy)
        secrets = password.secrets_file
        if password.module:
            lines.append(f"import {password.module}")
        lines += password_note(settings, options, python2=legacy)
        if legacy:
            if options.password_mode is PasswordMode.INLINE:
                login = string(f"{settings.username} {options.checked_password()}")
            else:
                login = f"{string(settings.username + ' ')} + {password.expression}"
            lines.append(f"mail_login = {login}")
        else:
            lines.append(f"mail_username = {string(settings.username)}")
            lines.append(f"mail_password = {password.expression}")
            if password.from_keyring:
                lines += keyring_guard("mail_password", settings)
    snippet = "".join(f"{_INDENT}{line}\n" if line else "\n" for line in lines)
    return Rendered(Target.MOINMOIN, snippet, secrets, "python", "wikiconfig_mail.py")


def _refuse(settings: Settings, options: RenderOptions, *, legacy: bool) -> None:
    refuse_xoauth2(settings, "MoinMoin")
    check_smtplib(settings, options)
    # MoinMoin hands the address to smtplib's sendmail() without SMTPUTF8.
    refuse_international_sender(settings, "MoinMoin")
    if settings.security is Security.TLS:
        raise RenderError(_("MoinMoin cannot use TLS from the first byte (ssl://, port "
                            "465). Use the server's STARTTLS port, usually 587."))
    if ":" in settings.ascii_host:
        raise RenderError(_("MoinMoin splits mail_smarthost at the first colon, so it "
                            "cannot hold an IPv6 address: use a host name."))
    if not settings.sender:
        raise RenderError(_("MoinMoin sends no mail without mail_from: give a sender "
                            "address."))
    if legacy and settings.auth:
        known = [settings.username]
        if options.password_mode in (PasswordMode.INLINE, PasswordMode.FILE):
            known.append(options.checked_password())
        if any(ch.isspace() for value in known for ch in value):
            raise RenderError(_("MoinMoin 1.9 keeps user name and password in one "
                                "setting, mail_login = \"user password\", split at white "
                                "space: neither may contain a space."))


def _comments(settings: Settings, *, legacy: bool) -> list[str]:
    def comment(text: str) -> list[str]:
        return python_comment(text, python2=legacy)

    lines = comment(_("Outgoing mail through {host} port {port}; written by smtp-wizard. "
                      "Paste these lines inside \"class Config(...)\" in wikiconfig.py."
                      ).format(host=settings.host, port=settings.port))
    if settings.security is Security.STARTTLS:
        if legacy and not settings.auth:
            lines += comment(_("WARNING: MoinMoin 1.9 uses STARTTLS only together with "
                               "mail_login; this mail travels in clear text."))
        else:
            lines += comment(_(
                "WARNING: MoinMoin uses STARTTLS when the server offers it, but does not "
                "check the certificate, and if STARTTLS fails it silently goes on in clear "
                "text, password included."))
    else:
        lines += comment(_("No TLS: this mail travels in clear text."))
    lines += comment(_("MoinMoin has no timeout: a server that stops answering blocks the "
                       "request that sends the mail."))
    if legacy and settings.auth:
        lines += comment(_("mail_login is split at white space: the password must not "
                           "contain any."))
    return lines
