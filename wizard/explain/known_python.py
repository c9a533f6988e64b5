"""What Python's mail code prints: smtplib's exceptions, Django's and MoinMoin's wrappers.

Django's SMTP backend lets smtplib's and ssl's exceptions through (a traceback ending in
`smtplib.SMTPAuthenticationError: (535, b'…')`); MoinMoin turns an OSError into
“Connection to mailserver 'host:port' failed: <reason>” and an SMTPException into its
text. Sources: CPython 3.11 to 3.13 Lib/smtplib.py, Django 4.2 to 5.2
django/core/mail/backends/smtp.py, MoinMoin 2 src/moin/mail/sendmail.py (1.9 has the
same words).
"""

from __future__ import annotations

from wizard.explain.pattern import EMAIL, HOST, PRECISE, PY_REPLY, REASON, Pattern
from wizard.model.i18n import N_
from wizard.model.settings import Client

__all__ = ["PYTHON_PATTERNS"]

_SMTPLIB = "CPython Lib/smtplib.py (3.11 to 3.13)"
_MOIN = "MoinMoin 2, src/moin/mail/sendmail.py (MoinMoin 1.9: the same words)"

PYTHON_PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "moin-connect", (),
        rf"Connection to mailserver '(?P<host>{HOST})(?::(?P<port>\d{{1,5}}))?' failed: ",
        "connect", REASON, _MOIN, N_("MoinMoin could not connect."), Client.SMTPLIB),
    Pattern(
        "moin-no-tls", ("mail-in-clear",),
        r"could not establish a tls connection to smtp server, continuing without tls",
        "tls", PRECISE, _MOIN,
        N_("MoinMoin's STARTTLS failed, and it went on without TLS."), Client.SMTPLIB,
        {"why": N_("MoinMoin goes on in plain text when STARTTLS fails")}),
    Pattern(
        "smtplib-auth", ("auth-failed",),
        rf"SMTPAuthenticationError: {PY_REPLY}",
        "auth", REASON, _SMTPLIB, N_("smtplib's login was refused by the server."),
        Client.SMTPLIB),
    Pattern(
        "smtplib-sender", ("sender-rejected",),
        rf"SMTPSenderRefused: {PY_REPLY}, '(?P<sender>{EMAIL})?",
        "envelope", REASON, _SMTPLIB, N_("The server refused smtplib's MAIL FROM."),
        Client.SMTPLIB),
    Pattern(
        "smtplib-recipient", ("recipient-rejected",),
        rf"SMTPRecipientsRefused: \{{'(?P<rcpt>{EMAIL})?[^']{{0,300}}': {PY_REPLY}",
        "envelope", REASON, _SMTPLIB, N_("The server refused smtplib's RCPT TO."),
        Client.SMTPLIB),
    Pattern(
        "smtplib-data", ("data-rejected",),
        rf"SMTPDataError: {PY_REPLY}",
        "envelope", REASON, _SMTPLIB, N_("The server refused the message smtplib sent."),
        Client.SMTPLIB),
    Pattern(
        "smtplib-helo", ("helo-rejected",),
        rf"SMTPHeloError: {PY_REPLY}",
        "envelope", REASON, _SMTPLIB, N_("The server refused smtplib's EHLO."),
        Client.SMTPLIB),
    Pattern(
        "smtplib-no-starttls", ("starttls-missing",),
        r"STARTTLS extension not supported by server",
        "tls", PRECISE, _SMTPLIB, N_("smtplib was told to use STARTTLS, which the server "
                                     "does not offer."), Client.SMTPLIB),
    Pattern(
        "smtplib-no-auth", ("auth-not-offered",),
        r"SMTP AUTH extension not supported by server",
        "auth", PRECISE, _SMTPLIB, N_("smtplib was told to log in, but the server offers "
                                      "no AUTH."), Client.SMTPLIB),
    Pattern(
        "smtplib-no-mechanism", ("auth-mechanism",),
        r"No suitable authentication method found",
        "auth", PRECISE, _SMTPLIB,
        N_("smtplib found no AUTH mechanism it can use among those the server offers."),
        Client.SMTPLIB, {"usable": "CRAM-MD5, PLAIN, LOGIN"}),
    Pattern(
        "smtplib-read-timeout", ("plain-on-tls-port", "server-timeout"),
        r"Connection unexpectedly closed: timed out",
        "connect", PRECISE, _SMTPLIB,
        N_("smtplib connected, then waited in vain for the server's answer."),
        Client.SMTPLIB, {"stage": N_("the session")}),
    Pattern(
        "smtplib-disconnected", ("connection-lost",),
        r"SMTPServerDisconnected: (?:Connection unexpectedly closed|please run connect\(\) "
        r"first|Server not connected)",
        "connect", REASON, _SMTPLIB, N_("The server closed smtplib's connection."),
        Client.SMTPLIB, {"stage": N_("the session")}),
    Pattern(
        "smtplib-auth-not-ascii", ("auth-non-ascii",),
        r"in (?:auth|login|auth_plain|auth_login|auth_cram_md5)\b.{0,600}?UnicodeEncodeError: "
        r"'ascii' codec can't encode character",
        "auth", PRECISE, f"{_SMTPLIB}, SMTP.auth(): the credentials are encoded as ASCII",
        N_("smtplib could not send the user name or password: it is not ASCII."),
        Client.SMTPLIB, {"client": "Python's smtplib",
                         "what": N_("user name or password")}),
    Pattern(
        "django-tls-and-ssl", ("django-tls-and-ssl",),
        r"EMAIL_USE_TLS/EMAIL_USE_SSL are mutually exclusive",
        "config", PRECISE, "Django 4.2 to 5.2, django/core/mail/backends/smtp.py",
        N_("Django refused to send: its settings ask for both kinds of TLS."),
        Client.SMTPLIB),
)
