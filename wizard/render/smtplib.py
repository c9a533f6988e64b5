"""Plain Python: a small ready-to-import module with `send(to, subject, body)`.

Django and MoinMoin send through the same standard-library smtplib, so the limits of
smtplib and the ways to fetch the password at run time live here and serve all three.
"""

from __future__ import annotations

import dataclasses
import textwrap
from dataclasses import dataclass

from wizard.model.diagnosis import diagnose
from wizard.model.i18n import _
from wizard.model.settings import Security, Settings
from wizard.render import PasswordMode, Rendered, RenderError, RenderOptions, Target
from wizard.render.literals import number, python_comment, python_string
from wizard.smtp.clients import SMTPLIB
from wizard.store.names import service_name

__all__ = [
    "PythonPassword",
    "ca_file_note",
    "check_smtplib",
    "keyring_guard",
    "password_note",
    "python_password",
    "refuse_international_sender",
    "refuse_xoauth2",
    "render",
]


@dataclass(frozen=True)
class PythonPassword:
    """How Python code gets the password at run time."""

    module: str | None
    """The module the expression needs (`import <module>`), if any."""
    expression: str
    secrets_file: tuple[str, str] | None = None

    @property
    def from_keyring(self) -> bool:
        """The keyring returns None for a missing entry: the caller must check."""
        return self.module == "keyring"


def check_smtplib(settings: Settings, options: RenderOptions) -> None:
    """Refuse what smtplib cannot do, or could do only by leaking the password."""
    if not settings.auth:
        return
    if settings.auth_mechanism == "XOAUTH2":
        options = dataclasses.replace(options, password=None,
                                      password_mode=PasswordMode.ENV)
    if settings.security is Security.NONE:
        raise RenderError(_("Without STARTTLS or TLS, smtplib would send the password in "
                            "clear text: choose STARTTLS (usually port 587) or TLS "
                            "(usually port 465)."))
    known = [(_("user name"), settings.username)]
    if options.password is not None:
        known.append((_("password"), options.password))
    elif options.password_mode in (PasswordMode.INLINE, PasswordMode.FILE):
        options.checked_password()
    for what, value in known:
        if SMTPLIB.ascii_credentials and not value.isascii():
            # The same finding as `check --client smtplib`, so both always agree.
            found = diagnose("auth-non-ascii", client=SMTPLIB.name, what=what)
            raise RenderError(f"{found.cause} {found.fix}")


def password_note(settings: Settings, options: RenderOptions, indent: str = "", *,
                  python2: bool = False) -> list[str]:
    """When the password is not known here (environment, keyring): the rule it must
    follow, which `check --client smtplib` tests."""
    if not settings.auth or options.password is not None:
        return []
    return python_comment(_("smtplib sends the password as ASCII: one with any other "
                            "character fails with UnicodeEncodeError at login (smtp-wizard "
                            "check --client smtplib tells)."), indent, python2=python2)


def refuse_xoauth2(settings: Settings, software: str) -> None:
    """Django and MoinMoin log in through smtplib's login(), never with a token."""
    if settings.auth and settings.auth_mechanism == "XOAUTH2":
        raise RenderError(_(
            "{software} cannot log in with XOAUTH2: it calls smtplib's login(), which "
            "knows only CRAM-MD5, PLAIN and LOGIN, and it has no setting for an access "
            "token. Use the smtplib target, whose send() logs in with XOAUTH2 and reads the "
            "token file, or an account that logs in with a password.").format(
                software=software))


def refuse_international_sender(settings: Settings, software: str) -> None:
    """Django and MoinMoin send through sendmail(), never with SMTPUTF8."""
    local = settings.sender.rpartition("@")[0]
    if not local.isascii():
        found = diagnose("address-smtputf8", address=settings.sender, why=_(
            "{software} does not use SMTPUTF8").format(software=software))
        raise RenderError(f"{found.cause} {found.fix}")


def python_password(settings: Settings, options: RenderOptions, *,
                    python2: bool = False) -> PythonPassword:
    """The expression that yields the password in the sending process."""
    mode = PasswordMode(options.password_mode)
    if mode is PasswordMode.INLINE:
        return PythonPassword(None, python_string(options.checked_password(), python2=python2))
    if mode is PasswordMode.ENV:
        return PythonPassword("os", f"os.environ[{python_string(options.checked_env_var())}]")
    if mode is PasswordMode.FILE:
        path = options.checked_secrets_path()
        contents = (path, options.checked_password() + "\n")
        if python2:
            # Python 2's open() has no encoding; io.open reads text there as in Python 3.
            return PythonPassword(
                "io", f"io.open({python_string(path, python2=True)}, encoding='utf-8')"
                ".read().rstrip(u'\\n')", contents)
        return PythonPassword(
            "pathlib", f"pathlib.Path({python_string(path)}).read_text(encoding='utf-8')"
            ".rstrip('\\n')", contents)
    if python2:
        raise RenderError(_("MoinMoin 1.9 runs on Python 2, where the keyring module is "
                            "not maintained: use a secrets file or an environment "
                            "variable."))
    return PythonPassword(
        "keyring", f"keyring.get_password({python_string(service_name(settings))}, "
        f"{python_string(settings.username)})")


def ca_file_note(settings: Settings, indent: str = "") -> list[str]:
    """How to trust `settings.ca_file` in Python: SSL_CERT_FILE, which the default SSL
    context honours (Django's EMAIL_SSL_CERTFILE is a client certificate instead)."""
    if not settings.ca_file or settings.security is Security.NONE:
        return []
    return python_comment(_(
        "This server's certificate needs the CA in {path}: start the process with the "
        "environment variable SSL_CERT_FILE={path} (or add that CA to the system store)."
        ).format(path=settings.ca_file), indent)


def keyring_guard(name: str, settings: Settings, indent: str = "") -> list[str]:
    """Lines that stop with a clear error when the keyring has no entry, instead of
    going on without a password (the server would then refuse the mail)."""
    message = _("No SMTP password in the keyring for {service} (user {user}). Store it as "
                "the account that runs this program: smtp-wizard rotate.").format(
                    service=service_name(settings), user=settings.username)
    # Short literals side by side, so that no line of the file runs on and on.
    pieces = textwrap.wrap(message, 60, drop_whitespace=False, break_on_hyphens=False) or [""]
    return [
        *python_comment(_("The keyring belongs to an account: this process must run as "
                          "the one that stored the password."), indent),
        f"{indent}if {name} is None:",
        f"{indent}    raise RuntimeError(",
        *(f"{indent}        {python_string(piece)}" for piece in pieces),
        f"{indent}    )",
    ]


def render(settings: Settings, options: RenderOptions) -> Rendered:
    check_smtplib(settings, options)
    xoauth2 = settings.auth and settings.auth_mechanism == "XOAUTH2"
    password = python_password(settings, options) if settings.auth and not xoauth2 else None
    lines = _head(settings, options, password)
    if xoauth2:
        lines += _token_head(settings, options)
    lines += ["", "", "def send(to: str | Sequence[str], subject: str, body: str) -> None:"]
    lines += [f"    {line}" for line in _send_body(settings, settings.auth)]
    secrets = password.secrets_file if password is not None else None
    return Rendered(Target.SMTPLIB, "\n".join(lines) + "\n", secrets, "python", "wiki_mail.py")


def _head(settings: Settings, options: RenderOptions,
          password: PythonPassword | None) -> list[str]:
    """The module's comment, imports and constants."""
    stdlib = {"smtplib"}
    if settings.security is not Security.NONE:
        stdlib.add("ssl")
    if password is not None and password.module and not password.from_keyring:
        stdlib.add(password.module)
    id_host = settings.id_host or settings.sender_domain
    lines = [
        *python_comment(_("Sends mail through {host} port {port}; written by smtp-wizard. "
                          "Usage: from wiki_mail import send; send(\"to@example.org\", "
                          "\"Subject\", \"Body\")").format(host=settings.host,
                                                          port=settings.port)),
        "",
        "from __future__ import annotations",
        "",
        *(f"import {module}" for module in sorted(stdlib)),
        "from collections.abc import Sequence",
        "from email.message import EmailMessage",
        "from email.utils import formatdate, make_msgid",
        "",
    ]
    if password is not None and password.from_keyring:
        lines += ["import keyring", ""]
    lines += [
        f"HOST = {python_string(settings.ascii_host)}",
        f"PORT = {settings.port}",
        *(python_comment(_("SENDER has characters other than ASCII before the @: "
                           "send_message() then uses SMTPUTF8, and fails if the server does "
                           "not offer it.")) if not settings.sender.isascii() else []),
        f"SENDER = {python_string(settings.sender)}",
        *python_comment(_("Seconds to wait for the server before giving up.")),
        f"TIMEOUT = {number(settings.timeout)}",
        *python_comment(_("The EHLO name; None sends this machine's FQDN.")),
        f"HELO_NAME = {python_string(settings.helo_name) if settings.helo_name else None}",
        *python_comment(_("The right-hand side of Message-IDs.")),
        f"ID_HOST = {python_string(id_host) if id_host else None}",
    ]
    if password is not None:
        lines.append(f"USERNAME = {python_string(settings.username)}")
        lines += password_note(settings, options)
        lines.append(f"PASSWORD = {password.expression}")
        if password.from_keyring:
            lines += keyring_guard("PASSWORD", settings)
    return lines


def _token_head(settings: Settings, options: RenderOptions) -> list[str]:
    """XOAUTH2: the user and the token file, read at each login."""
    return [
        f"USERNAME = {python_string(settings.username)}",
        *python_comment(_("An OAuth access token, kept fresh in this file by smtp-wizard "
                          "token refresh (its timer); read at each login.")),
        f"TOKEN_FILE = {python_string(options.checked_token_file())}",
    ]


def _send_body(settings: Settings, login: bool) -> list[str]:
    """The body of `send()`, one level in."""
    lines = [
        python_string(_("Send one plain-text message; raises smtplib.SMTPException or "
                        "OSError on failure.")),
        "message = EmailMessage()",
        'message["From"] = SENDER',
        'message["To"] = to if isinstance(to, str) else ", ".join(to)',
        'message["Subject"] = subject',
        'message["Date"] = formatdate(localtime=True)',
        'message["Message-ID"] = make_msgid(domain=ID_HOST)',
        "message.set_content(body)",
    ]
    inner: list[str] = []
    if settings.security is Security.NONE:
        lines.append("with smtplib.SMTP(HOST, PORT, local_hostname=HELO_NAME, "
                     "timeout=TIMEOUT) as smtp:")
        inner += python_comment(_("No TLS: this mail travels in clear text."))
    else:
        lines += python_comment(_("Verifies the certificate and its name against the "
                                  "system CAs (SSL_CERT_FILE adds a CA file)."))
        lines += ca_file_note(settings)
        lines.append("context = ssl.create_default_context()")
    if settings.security is Security.TLS:
        lines += python_comment(_("TLS from the first byte (implicit TLS)."))
        lines.append("with smtplib.SMTP_SSL(HOST, PORT, local_hostname=HELO_NAME, "
                     "timeout=TIMEOUT,")
        lines.append("                      context=context) as smtp:")
    elif settings.security is Security.STARTTLS:
        lines.append("with smtplib.SMTP(HOST, PORT, local_hostname=HELO_NAME, "
                     "timeout=TIMEOUT) as smtp:")
        inner += python_comment(_("Fails if the server does not offer STARTTLS: never "
                                  "goes on in clear."))
        inner.append("smtp.starttls(context=context)")
    if login:
        inner += _login(settings)
    inner.append("smtp.send_message(message)")
    return lines + [f"    {line}" for line in inner]


def _login(settings: Settings) -> list[str]:
    mechanism = settings.auth_mechanism
    if mechanism == "XOAUTH2":
        return [
            *python_comment(_("AUTH XOAUTH2, the token after the server's 334: a token "
                              "is too long for the AUTH line of some servers (Gmail). "
                              "smtplib base64-encodes what the function returns; to an "
                              "error challenge it answers with an empty line.")),
            "with open(TOKEN_FILE, encoding=\"ascii\") as file:",
            "    token = file.read().strip()",
            "smtp.ehlo_or_helo_if_needed()",
            "smtp.auth(\"XOAUTH2\", lambda challenge=b\"\": \"\" if challenge else",
            "          f\"user={USERNAME}\\x01auth=Bearer {token}\\x01\\x01\",",
            "          initial_response_ok=False)",
        ]
    if mechanism is None:
        return ["smtp.login(USERNAME, PASSWORD)"]
    # login() picks CRAM-MD5, PLAIN, LOGIN by itself; auth() forces the chosen one.
    method = "auth_" + mechanism.lower().replace("-", "_")
    return [
        *python_comment(_("Always AUTH {mechanism}, as chosen in the wizard.").format(
            mechanism=mechanism)),
        "smtp.ehlo_or_helo_if_needed()",
        "smtp.user, smtp.password = USERNAME, PASSWORD",
        f"smtp.auth({python_string(mechanism)}, smtp.{method})",
    ]
