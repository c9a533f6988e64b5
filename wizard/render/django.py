"""Django: the EMAIL_* lines for settings.py (Django's SMTP backend is smtplib)."""

from __future__ import annotations

from wizard.model.i18n import _
from wizard.model.settings import Security, Settings
from wizard.render import Rendered, RenderOptions, Target
from wizard.render.literals import number, python_comment, python_string
from wizard.render.smtplib import (
    ca_file_note,
    check_smtplib,
    keyring_guard,
    password_note,
    python_password,
    refuse_international_sender,
    refuse_xoauth2,
)

__all__ = ["render"]


def render(settings: Settings, options: RenderOptions) -> Rendered:
    refuse_xoauth2(settings, "Django")
    check_smtplib(settings, options)
    # Django writes such a name as an encoded word (=?utf-8?b?...?=@...): another address.
    refuse_international_sender(settings, "Django")
    password = python_password(settings, options) if settings.auth else None
    lines = python_comment(_("Outgoing mail through {host} port {port}; written by "
                             "smtp-wizard.").format(host=settings.host, port=settings.port))
    if password is not None and password.module:
        lines += [f"import {password.module}", ""]
    lines += [
        'EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"',
        f"EMAIL_HOST = {python_string(settings.ascii_host)}",
        f"EMAIL_PORT = {settings.port}",
    ]
    if settings.security is Security.STARTTLS:
        lines += python_comment(_("STARTTLS after connecting; never together with "
                                  "EMAIL_USE_SSL."))
    elif settings.security is Security.TLS:
        lines += python_comment(_("TLS from the first byte (implicit TLS); never together "
                                  "with EMAIL_USE_TLS."))
    else:
        lines += python_comment(_("No TLS: this mail travels in clear text."))
    lines += [
        f"EMAIL_USE_TLS = {settings.security is Security.STARTTLS}",
        f"EMAIL_USE_SSL = {settings.security is Security.TLS}",
    ]
    if settings.security is not Security.NONE:
        lines += python_comment(_(
            "Django >= 4.2 verifies the server's certificate and name against the system "
            "CAs. EMAIL_SSL_CERTFILE is a client certificate, not a CA bundle: leave it "
            "unset."))
        lines += ca_file_note(settings)
    if password is not None:
        lines.append(f"EMAIL_HOST_USER = {python_string(settings.username)}")
        lines += password_note(settings, options)
        lines.append(f"EMAIL_HOST_PASSWORD = {password.expression}")
        if password.from_keyring:
            lines += keyring_guard("EMAIL_HOST_PASSWORD", settings)
        if settings.auth_mechanism:
            lines += python_comment(_("Django cannot force AUTH {mechanism}: smtplib picks "
                                      "CRAM-MD5, PLAIN or LOGIN from what the server "
                                      "offers.").format(mechanism=settings.auth_mechanism))
    lines += python_comment(_("Seconds to wait for the server, so a wrong port cannot "
                              "hang a request."))
    lines.append(f"EMAIL_TIMEOUT = {number(settings.timeout)}")
    if settings.sender:
        lines.append(f"DEFAULT_FROM_EMAIL = {python_string(settings.sender)}")
        lines += python_comment(_("The sender of error reports to ADMINS."))
        lines.append(f"SERVER_EMAIL = {python_string(settings.sender)}")
    if settings.helo_name or settings.id_host:
        lines += python_comment(_("Django uses this machine's FQDN for EHLO and "
                                  "Message-IDs; it has no setting for them."))
    secrets = password.secrets_file if password is not None else None
    return Rendered(Target.DJANGO, "\n".join(lines) + "\n", secrets, "python",
                    "email_settings.py")
