"""`explain` reads what the real programs print: every text here is captured live.

Real PHP with PEAR Mail/Net_SMTP (Debian's, and upstream pear/Mail 2.0 + Net_SMTP 1.12 as
MediaWiki 1.45 bundles them, when they are at hand), real smtplib and Django, all against
the loopback servers: certificates, ports, AUTH, senders, recipients. Where a reply is a
provider's (Gmail, Microsoft 365, SES, QQ Mail, ...), the loopback server answers in the
provider's documented words and the real client wraps them as it would. Each case names
the patterns it exercises; together with tests/unit/test_explain.py every pattern of the
registry is proven by some text.

Then the explanation's own command is run: `smtp-wizard check` with the host and port
read from the text finds the same problem live, with the same code (or the precise one
that the text could not name).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import smtplib
import socket
import ssl
import subprocess
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings as django_settings
from django.core.mail import send_mail
from django.test import override_settings

from tests.support.common import PASSWORD, ROOT, USER, cli, require_program
from tests.support.hostile import blackhole_port, closed_port, peer
from tests.support.pear import RECIPIENT, pear_send
from tests.support.servers import Certs, Recorder, ServerOptions, SmtpServer
from tests.unit.test_explain import DOC_TEXTS
from wizard.explain import explain
from wizard.explain.registry import REGISTRY

UPSTREAM_PEAR = ROOT.parent / "shared" / "pear"
"""pear/Mail 2.0, Net_SMTP 1.12 and Net_Socket 1.2 release trees (mail/, net_smtp/,
net_socket/) beside the project; the cases that need them skip when they are not there."""

MOIN_FORMAT = "Connection to mailserver '{server}' failed: {reason}"
"""MoinMoin 2's wrapper of an OSError (src/moin/mail/sendmail.py), as it formats it."""


class Scripted(Recorder):
    """The test server, answering chosen commands as a real server words them."""

    def __init__(self, options: ServerOptions, replies: dict[str, str]) -> None:
        super().__init__(options)
        self.replies = replies

    async def handle_EHLO(self, server: SMTP, session: Session, envelope: Envelope,
                          hostname: str, responses: list[str]) -> list[str]:
        if "EHLO" in self.replies:
            return [self.replies["EHLO"]]
        return await super().handle_EHLO(server, session, envelope, hostname, responses)

    async def handle_HELO(self, server: SMTP, session: Session, envelope: Envelope,
                          hostname: str) -> str:
        if "HELO" in self.replies:
            return self.replies["HELO"]
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, mail_options: list[str]) -> str:
        if "MAIL" in self.replies:
            return self.replies["MAIL"]
        return await super().handle_MAIL(server, session, envelope, address, mail_options)

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if "RCPT" in self.replies:
            return self.replies["RCPT"]
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


class NtlmOnly(Scripted):
    """Offers AUTH NTLM alone (LOGIN and PLAIN excluded), which no client here can do."""

    async def auth_NTLM(self, server: SMTP, args: list[str]) -> AuthResult:
        return AuthResult(success=False, handled=False)


@dataclass
class Lab:
    certs: Certs
    tmp: Path
    env: pytest.MonkeyPatch
    php: str = ""

    @contextmanager
    def server(self, replies: dict[str, str] | None = None, *, ntlm: bool = False,
               certs: Certs | None = None, **options: Any) -> Iterator[SmtpServer]:
        server = SmtpServer(ServerOptions(**options), certs or self.certs)
        kind = NtlmOnly if ntlm else Scripted
        server.recorder = kind(server.options, replies or {})
        server.start()
        try:
            yield server
        finally:
            server.stop()

    def pear(self, host: str, port: int, *, auth: bool = True, password: str = PASSWORD,
             sender: str = USER, upstream: bool = False, trust: bool = True,
             extra: str = "") -> str:
        """What PHP prints when MediaWiki's way of sending fails."""
        if not self.php:
            self.php = require_program("php")
        include = ""
        if upstream:
            if not (UPSTREAM_PEAR / "net_smtp").is_dir():
                pytest.skip(f"upstream PEAR is not in {UPSTREAM_PEAR}")
            paths = ":".join(str(UPSTREAM_PEAR / name) for name in
                             ("mail", "net_smtp", "net_socket"))
            include = f"set_include_path('{paths}' . PATH_SEPARATOR . get_include_path());\n"
        local = self.tmp / "LocalSettings.php"
        local.write_text(
            f"<?php\n{include}$wgPasswordSender = '{sender}';\n$wgSMTP = ['host' => '{host}', "
            f"'port' => {port}, 'auth' => {'true' if auth else 'false'}, 'username' => "
            f"'{USER}', 'password' => '{password}', 'timeout' => 2, 'IDHost' => "
            f"'wiki.example.org'{extra}];\n", encoding="utf-8")
        done = pear_send(self.php, local, self.certs.ca_file if trust else None)
        assert done.returncode != 0, done.stdout
        return done.stdout + done.stderr

    def php_code(self, code: str, ca_file: Path, *ini: str) -> str:
        """What PHP itself prints (warnings on standard error) for a line of code."""
        if not self.php:
            self.php = require_program("php")
        env = {**os.environ, "SSL_CERT_FILE": str(ca_file)}
        args = [self.php, "-d", "display_errors=stderr", "-d", "log_errors=0"]
        for setting in ini:
            args += ["-d", setting]
        done = subprocess.run([*args, "-r", code], capture_output=True, text=True, env=env,
                              timeout=60, check=False)
        return done.stdout + done.stderr


def failure(action: Callable[[], object]) -> str:
    """The traceback Python prints when `action` raises."""
    try:
        action()
    except Exception as exc:  # the error under test, whatever its class
        return "".join(traceback.format_exception(exc))
    raise AssertionError("no error was raised")


def context(certs: Certs) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certs.ca_file))


def login(port: int, *, host: str = "localhost", password: str = PASSWORD,
          tls_context: ssl.SSLContext, implicit: bool = False, sender: str = "",
          rcpt: str = RECIPIENT, data: str = "Subject: x\r\n\r\nx\r\n") -> None:
    """smtplib as a Python wiki uses it: connect, TLS, login, and send if a sender is given."""
    client = (smtplib.SMTP_SSL(host, port, timeout=5, context=tls_context) if implicit
              else smtplib.SMTP(host, port, timeout=5))
    with client:
        if not implicit:
            client.starttls(context=tls_context)
        client.login(USER, password)
        if sender:
            client.sendmail(sender, [rcpt], data)


@dataclass(frozen=True)
class Case:
    name: str
    produce: Callable[[Lab], str]
    likely: tuple[str, ...]
    possible: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    """Patterns this text proves: each has a finding here (or, a wrapper, a match)."""
    facts: dict[str, str] = field(default_factory=dict)
    """Facts of the first finding (a subset)."""


def _pear_refused(lab: Lab) -> str:
    with closed_port() as port:
        return lab.pear("ssl://127.0.0.1", port)


def _pear_timeout(lab: Lab) -> str:
    with blackhole_port() as port:
        return lab.pear("127.0.0.1", port)


def _pear_on(mode: str, *, cert: str = "valid", host: str = "localhost",
             replies: dict[str, str] | None = None, ntlm: bool = False,
             server_options: dict[str, Any] | None = None,
             **pear: Any) -> Callable[[Lab], str]:
    def produce(lab: Lab) -> str:
        with lab.server(replies, ntlm=ntlm, mode=mode, cert=cert,
                        **(server_options or {})) as server:
            return lab.pear(host, server.port, **pear)
    return produce


def _pear_include_path(lab: Lab) -> str:
    """set_include_path in LocalSettings.php hides PEAR from Net/SMTP.php's require_once,
    as MediaWiki's autoloader loads Net_SMTP by its full path and PEAR.php stays found."""
    lib = lab.tmp / "lib"
    lib.mkdir()
    (lib / "PEAR.php").symlink_to("/usr/share/php/PEAR.php")
    local = lab.tmp / "LocalSettings.php"
    local.write_text(f"<?php\nset_include_path('{lib}');\n")
    harness = lab.tmp / "autoload.php"
    harness.write_text("<?php\nrequire $argv[1];\nrequire_once '/usr/share/php/Net/SMTP.php';\n")
    php = require_program("php")
    if not Path("/usr/share/php/Net/SMTP.php").is_file():
        pytest.skip("Debian's php-net-smtp is not installed")
    done = subprocess.run([php, str(harness), str(local)], capture_output=True, text=True,
                          timeout=60, check=False)
    return done.stdout + done.stderr


def _pear_mail_backend(lab: Lab) -> str:
    """$wgSMTP = false: PEAR's mail backend over PHP's mail(), whose sendmail fails."""
    script = ("require_once 'Mail.php'; $r = Mail::factory('mail')->send('someone@example.net', "
              "['From' => 'apache@wiki.example.org', 'Subject' => 'x'], 'x');"
              "if (PEAR::isError($r)) { fwrite(STDERR, $r->getMessage() . \"\\n\"); }")
    return lab.php_code(script, lab.certs.ca_file, "sendmail_path=/bin/false")


def _php_stream(cert: str, *, mode: str = "implicit",
                cn_only: bool = False) -> Callable[[Lab], str]:
    """PHP's own warnings for an ssl:// stream, as a test with stream_socket_client shows."""
    def produce(lab: Lab) -> str:
        certs = cn_only_certs(lab.tmp) if cn_only else lab.certs
        with lab.server(mode=mode, cert=cert, certs=certs) as server:
            return lab.php_code(f'stream_socket_client("ssl://localhost:{server.port}", '
                                f'$errno, $errstr, 5);', certs.ca_file)
    return produce


def cn_only_certs(folder: Path) -> Certs:
    """A CA and a leaf that names its host in the subject's CN only (no SAN), as old
    certificates do: PHP then words a mismatch with both names."""
    ca = trustme.CA(organization_name="CN-only test CA")
    ca_key = serialization.load_pem_private_key(ca.private_key_pem.bytes(), None)
    ca_cert = x509.load_pem_x509_certificate(ca.cert_pem.bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                        "mail.wrong.example")]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .sign(ca_key, hashes.SHA256()))
    cert_path, key_path, ca_file = (folder / "cn.pem", folder / "cn.key", folder / "cn-ca.pem")
    cert_path.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    ca.cert_pem.write_to_path(str(ca_file))
    return Certs(ca_file, {"cn-only": (cert_path, key_path)})


def _smtplib_on(mode: str, *, cert: str = "valid", replies: dict[str, str] | None = None,
                ntlm: bool = False, trusted: bool = True, host: str = "localhost",
                implicit: bool = False, server_options: dict[str, Any] | None = None,
                **send: Any) -> Callable[[Lab], str]:
    def produce(lab: Lab) -> str:
        tls = context(lab.certs) if trusted else ssl.create_default_context()
        with lab.server(replies, ntlm=ntlm, mode=mode, cert=cert,
                        **(server_options or {})) as server:
            return failure(lambda: login(server.port, host=host, tls_context=tls,
                                         implicit=implicit, **send))
    return produce


def _smtplib_plain(mode: str, action: Callable[[smtplib.SMTP], object],
                   replies: dict[str, str] | None = None) -> Callable[[Lab], str]:
    def produce(lab: Lab) -> str:
        with lab.server(replies, mode=mode) as server:
            def run() -> None:
                with smtplib.SMTP("localhost", server.port, timeout=2) as client:
                    action(client)
            return failure(run)
    return produce


def _smtplib_peer(name: str, action: Callable[[smtplib.SMTP], object]) -> Callable[[Lab], str]:
    def produce(lab: Lab) -> str:
        with peer(name) as port:
            def run() -> None:
                with smtplib.SMTP("127.0.0.1", port, timeout=3) as client:
                    action(client)
            return failure(run)
    return produce


def _smtplib_refused(lab: Lab) -> str:
    with closed_port() as port:
        return failure(lambda: smtplib.SMTP("127.0.0.1", port, timeout=3))


def _smtplib_blackhole(lab: Lab) -> str:
    with blackhole_port() as port:
        return failure(lambda: smtplib.SMTP("127.0.0.1", port, timeout=1))


def _smtplib_to_implicit(lab: Lab) -> str:
    """Django's EMAIL_USE_TLS with port 465: plain SMTP waits for a greeting that never
    comes, since the port expects TLS first."""
    with lab.server(mode="implicit") as server:
        return failure(lambda: smtplib.SMTP("localhost", server.port, timeout=1))


def _smtplib_dns(lab: Lab) -> str:
    """glibc's “name not found”, without asking any DNS server (numeric hosts only)."""
    return failure(lambda: socket.getaddrinfo("smtp.example.invalid", 25,
                                              flags=socket.AI_NUMERICHOST))


def _moin(reason: Callable[[Lab], tuple[str, str]]) -> Callable[[Lab], str]:
    def produce(lab: Lab) -> str:
        server, error = reason(lab)
        return MOIN_FORMAT.format(server=server, reason=error)
    return produce


def _refused_oserror(lab: Lab) -> tuple[str, str]:
    with closed_port() as port:
        try:
            smtplib.SMTP("localhost", port, timeout=3)
        except OSError as exc:
            return f"localhost:{port}", str(exc)
    raise AssertionError("the connection was not refused")


def _timeout_oserror(lab: Lab) -> tuple[str, str]:
    with blackhole_port() as port:
        try:
            smtplib.SMTP("127.0.0.1", port, timeout=1)
        except OSError as exc:
            # The wiki's setting names port 25 (the blackhole stands in for EC2's throttle).
            return "email-smtp.us-east-1.amazonaws.com:25", str(exc)
    raise AssertionError("the connection did not time out")


@pytest.fixture(scope="module", autouse=True)
def django_configured() -> None:
    if not django_settings.configured:
        django_settings.configure()


def _django(mode: str = "starttls", *, password: str = PASSWORD,
            **email: Any) -> Callable[[Lab], str]:
    def produce(lab: Lab) -> str:
        with lab.server(mode=mode) as server:
            values = {"EMAIL_HOST": "localhost", "EMAIL_PORT": server.port,
                      "EMAIL_USE_TLS": True, "EMAIL_HOST_USER": USER,
                      "EMAIL_HOST_PASSWORD": password, "EMAIL_TIMEOUT": 5, **email}
            # Django verifies with the system CAs, which SSL_CERT_FILE names.
            lab.env.setenv("SSL_CERT_FILE", str(lab.certs.ca_file))
            with override_settings(**values):
                return failure(lambda: send_mail("s", "b", USER, [RECIPIENT]))
    return produce


_GMAIL_535 = ("535-5.7.8 Username and Password not accepted. For more information, go to\r\n"
              "535 5.7.8  https://support.google.com/mail/?p=BadCredentials a1sm123 - gsmtp")
_GMAIL_534 = ("534-5.7.9 Application-specific password required. Learn more at\r\n"
              "534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor a1 - gsmtp")
_M365_139 = ("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled "
             "for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.")
_SES = ("554 Message rejected: Email address is not verified. The following identities "
        "failed the check in region US-EAST-1: wiki@example.org")
_SEND_AS_DENIED = ("554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException."
                   "MapiExceptionSendAsDenied; Failed to process message due to a permanent "
                   "exception with message Cannot submit message.")
_QQ = ("535 Login Fail. Please enter your authorization code to login. More information in "
       "http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=28&&no=1001256")

CASES = [
    # PEAR (Debian's php-mail 1.4 and php-net-smtp 1.10), as MediaWiki sends.
    Case("pear: ssl:// to a closed port", _pear_refused, ("tcp-refused",), (),
         ("pear-connect", "refused"), {"prefix": "ssl", "host": "127.0.0.1"}),
    Case("pear: a port that drops packets", _pear_timeout, ("tcp-timeout",), (),
         ("connect-timeout",)),
    Case("pear: ssl:// to a STARTTLS port", _pear_on("starttls", host="ssl://127.0.0.1"),
         ("tls-certificate-rejected",), ("tls-on-starttls-port",), ("pear-tls-connect",),
         {"prefix": "ssl", "host": "127.0.0.1"}),
    Case("pear: tls:// to a STARTTLS port", _pear_on("starttls", host="tls://127.0.0.1"),
         ("tls-certificate-rejected",), ("tls-on-starttls-port",), ("pear-tls-connect",),
         {"prefix": "tls"}),
    *[Case(f"pear: STARTTLS, {cert} certificate", _pear_on("starttls", cert=cert),
           ("tls-certificate-rejected",), ("tls-handshake-failed",),
           ("pear-starttls-failed",), {"reply": "220 Ready to start TLS"})
      for cert in ("expired", "wrong-name", "self-signed", "untrusted")],
    Case("pear: ssl://, expired certificate",
         _pear_on("implicit", cert="expired", host="ssl://localhost"),
         ("tls-certificate-rejected",), ("tls-on-starttls-port",), ("pear-tls-connect",)),
    Case("pear: wrong password", _pear_on("starttls", password="wrong-pass-42"),
         ("auth-failed",), (), ("pear-auth-refused",),
         {"reply": "535 5.7.8 Authentication credentials invalid"}),
    Case("pear: sender not owned (Postfix)",
         _pear_on("starttls", sender="apache@wiki.example.org",
                  server_options={"reject_senders": {"apache@wiki.example.org"}}),
         ("sender-rejected",), (), ("postfix-sender",),
         {"sender": "apache@wiki.example.org"}),
    Case("pear: relay access denied (Postfix)",
         _pear_on("starttls", server_options={"reject_rcpts": {RECIPIENT}}),
         ("recipient-rejected",), (), ("postfix-relay",), {"rcpt": RECIPIENT}),
    Case("pear: recipient refused in other words",
         _pear_on("starttls", replies={"RCPT": "550 5.1.1 Mailbox unavailable"}),
         ("recipient-rejected",), (), ("pear-recipient",), {"rcpt": RECIPIENT}),
    Case("pear: sender refused in other words",
         _pear_on("starttls", replies={"MAIL": "550 5.1.8 Domain of sender does not exist"}),
         ("sender-rejected",), (), ("pear-sender",), {"sender": USER}),
    Case("pear: message refused",
         _pear_on("starttls", server_options={"reject_data": "554 5.7.1 Message rejected"}),
         ("data-rejected",), (), ("pear-data",)),
    Case("pear: AUTH not offered", _pear_on("plain"), ("auth-not-offered",), (),
         ("pear-auth-not-offered",)),
    Case("pear: only NTLM offered",
         _pear_on("implicit", host="ssl://localhost", ntlm=True,
                  server_options={"exclude_mechanisms": ("LOGIN", "PLAIN")}),
         ("auth-mechanism",), (), ("pear-no-mechanism",), {"offered": "NTLM"}),
    Case("pear: EHLO and HELO refused",
         _pear_on("starttls", replies={
             "EHLO": "550 5.7.1 <localhost>: Helo command rejected: need fully-qualified "
                     "hostname",
             "HELO": "550 5.7.1 Go away"}),
         ("helo-rejected",), (), ("pear-helo",)),
    Case("pear: HELO name refused at RCPT (Postfix)",
         _pear_on("starttls", replies={
             "RCPT": "504 5.5.2 <localhost>: Helo command rejected: need fully-qualified "
                     "hostname"}),
         ("helo-rejected",), (), ("postfix-helo",), {"helo": "localhost"}),
    Case("pear: client host rejected (Postfix)",
         _pear_on("plain", auth=False, replies={
             "RCPT": "554 5.7.1 <unknown[127.0.0.1]>: Client host rejected: Access denied"}),
         ("client-rejected",), (), ("postfix-client",), {"client": "unknown[127.0.0.1]"}),
    Case("pear: STARTTLS required before mail, auth off",
         _pear_on("starttls", auth=False,
                  replies={"MAIL": "530 5.7.0 Must issue a STARTTLS command first"}),
         ("mail-in-clear",), (), ("starttls-first",)),
    Case("pear: login required, auth off",
         _pear_on("starttls", auth=False, server_options={"auth_required": True}),
         ("auth-required",), (), ("auth-required",)),
    Case("pear: set_include_path hides Net/Socket.php", _pear_include_path,
         ("include-path",), ("pear-missing",), ("php-include-path",),
         {"file": "Net/Socket.php", "packages": "Net_Socket"}),
    Case("pear: mail() fails ($wgSMTP off)", _pear_mail_backend,
         ("contact-unset",), ("selinux-httpd", "smtp-disabled"), ("pear-mail-backend",)),
    Case("pear: STARTTLS refused with 454",
         lambda lab: _peer_pear(lab, "starttls-refused"), ("starttls-failed",), (),
         ("starttls-unavailable",), {"reply": "454 4.7.0 TLS not available due to local "
                                              "problem"}),
    # Providers' words, wrapped by the real client.
    Case("pear + Gmail: bad credentials",
         _pear_on("starttls", password="wrong-pass-42",
                  server_options={"auth_fail_reply": _GMAIL_535}),
         ("auth-app-password",), (), ("gmail-bad-credentials",)),
    Case("smtplib + Gmail: app password required",
         _smtplib_on("starttls", password="wrong-pass-42",
                  server_options={"auth_fail_reply": _GMAIL_534}),
         ("auth-app-password",), (), ("gmail-app-password",)),
    Case("pear + Microsoft 365: SMTP AUTH disabled",
         _pear_on("starttls", password="wrong-pass-42",
                  server_options={"auth_fail_reply": _M365_139}),
         ("auth-basic-disabled",), (), ("m365-smtp-auth-disabled",)),
    Case("smtplib + Microsoft 365: Basic authentication not supported",
         _smtplib_on("starttls", password="wrong-pass-42", server_options={
             "auth_fail_reply": "550 5.7.30 Basic authentication is not supported for Client "
                                "Submission."}),
         ("auth-basic-disabled",), (), ("m365-basic-auth",)),
    Case("pear + Microsoft 365: send-as at MAIL FROM",
         _pear_on("starttls", replies={
             "MAIL": "550 5.7.60 SMTP; Client does not have permissions to send as this "
                     "sender"}),
         ("sender-rejected",), (), ("m365-send-as",)),
    Case("pear + Exchange Online: send-as at DATA",
         _pear_on("starttls", server_options={"reject_data": _SEND_AS_DENIED}),
         ("sender-rejected",), (), ("m365-send-as-denied",)),
    Case("smtplib + Microsoft 365: not authenticated",
         _smtplib_plain("plain", lambda c: c.sendmail(USER, [RECIPIENT], "x"), {
             "MAIL": "530 5.7.57 Client not authenticated to send mail. [AM0PR01CA0001]"}),
         ("auth-required",), (), ("m365-not-authenticated",)),
    Case("pear + Exim: wrong password",
         _pear_on("starttls", password="wrong-pass-42", server_options={
             "auth_fail_reply": "535 Incorrect authentication data"}),
         ("auth-failed",), (), ("exim-auth",)),
    Case("smtplib + Exim: relay not permitted",
         _smtplib_on("starttls", sender=USER, replies={"RCPT": "550 relay not permitted"}),
         ("recipient-rejected",), (), ("exim-relay",), {"rcpt": RECIPIENT}),
    Case("smtplib: recipient refused",
         _smtplib_on("starttls", sender=USER, replies={"RCPT": "550 5.1.1 Mailbox unavailable"}),
         ("recipient-rejected",), (), ("smtplib-recipient",), {"rcpt": RECIPIENT}),
    Case("pear + Amazon SES sandbox",
         _pear_on("starttls", server_options={"reject_data": _SES}),
         ("ses-unverified",), (), ("ses-unverified",),
         {"region": "US-EAST-1", "identities": "wiki@example.org"}),
    Case("smtplib + QQ Mail: authorisation code",
         _smtplib_on("starttls", password="wrong-pass-42",
                  server_options={"auth_fail_reply": _QQ}),
         ("auth-authorization-code",), (), ("qq-authorization-code",)),
    Case("pear + NetEase: SMTP not switched on",
         _pear_on("starttls", password="wrong-pass-42",
                  server_options={"auth_fail_reply": "550 User has no permission"}),
         ("auth-authorization-code",), (), ("netease-no-permission",)),
    Case("pear + Coremail: authentication failed",
         _pear_on("starttls", password="wrong-pass-42", server_options={
             "auth_fail_reply": "535 Error: authentication failed"}),
         ("auth-authorization-code",), (), ("coremail-auth-failed",)),
    # PHP's own warnings for ssl:// streams.
    Case("php: CN-only certificate for another name",
         _php_stream("cn-only", cn_only=True), ("tls-hostname-mismatch",), (),
         ("php-cn-mismatch",), {"names": "mail.wrong.example", "host": "localhost"}),
    Case("php: certificate for other names", _php_stream("wrong-name"),
         ("tls-hostname-mismatch",), (), ("php-san-mismatch",), {"host": "localhost"}),
    Case("php: expired certificate", _php_stream("expired"),
         ("tls-certificate-rejected",), (), ("tls-verify-failed",)),
    Case("php: ssl:// to a STARTTLS port", _php_stream("valid", mode="starttls"),
         ("tls-on-starttls-port",), (), ("tls-wrong-version",)),
    # Upstream pear/Mail 2.0 with Net_SMTP 1.12 (MediaWiki 1.45's vendor/).
    Case("pear 1.12: STARTTLS, certificate for other names",
         _pear_on("starttls", cert="wrong-name", upstream=True),
         ("tls-hostname-mismatch",), (), ("php-san-mismatch",), {"host": "localhost"}),
    Case("pear 1.12: STARTTLS, expired certificate",
         _pear_on("starttls", cert="expired", upstream=True),
         ("tls-certificate-rejected",), (), ("tls-verify-failed",)),
    Case("pear 1.12: ssl:// to a STARTTLS port",
         _pear_on("starttls", host="ssl://127.0.0.1", upstream=True),
         ("tls-certificate-rejected",), ("tls-on-starttls-port",), ("pear-tls-connect",)),
    # smtplib and Django, as a Python wiki sends.
    Case("django: wrong password", _django(password="wrong-pass-42"), ("auth-failed",), (),
         ("smtplib-auth",), {"reply": "535 5.7.8 Authentication credentials invalid"}),
    Case("django: password with an umlaut", _django(password="pässword"),
         ("auth-non-ascii",), (), ("smtplib-auth-not-ascii",)),
    Case("django: EMAIL_USE_TLS and EMAIL_USE_SSL", _django(EMAIL_USE_SSL=True),
         ("django-tls-and-ssl",), (), ("django-tls-and-ssl",)),
    Case("smtplib: SMTP_SSL to a STARTTLS port", _smtplib_on("starttls", implicit=True),
         ("tls-on-starttls-port",), (), ("tls-wrong-version",)),
    Case("smtplib: expired certificate", _smtplib_on("implicit", cert="expired",
                                                    implicit=True),
         ("tls-expired",), (), ("tls-expired",)),
    Case("smtplib: certificate for other names",
         _smtplib_on("implicit", cert="wrong-name", implicit=True),
         ("tls-hostname-mismatch",), (), ("tls-name-mismatch",), {"host": "localhost"}),
    Case("smtplib: certificate for other addresses",
         _smtplib_on("implicit", cert="wrong-name", implicit=True, host="127.0.0.1"),
         ("tls-hostname-mismatch",), (), ("tls-name-mismatch",), {"host": "127.0.0.1"}),
    Case("smtplib: self-signed certificate",
         _smtplib_on("implicit", cert="self-signed", implicit=True),
         ("tls-self-signed",), (), ("tls-self-signed",)),
    Case("smtplib: issuer not trusted", _smtplib_on("starttls", trusted=False),
         ("tls-untrusted",), (), ("tls-chain-untrusted",)),
    Case("smtplib: plain SMTP to an implicit TLS port", _smtplib_to_implicit,
         ("plain-on-tls-port",), ("server-timeout",), ("smtplib-read-timeout",)),
    Case("smtplib: STARTTLS not offered", _smtplib_plain("plain", lambda c: c.starttls()),
         ("starttls-missing",), (), ("smtplib-no-starttls",)),
    Case("smtplib: AUTH not offered", _smtplib_plain("plain", lambda c: c.login("a", "b")),
         ("auth-not-offered",), (), ("smtplib-no-auth",)),
    Case("smtplib: only NTLM offered",
         _smtplib_on("implicit", implicit=True, ntlm=True,
                     server_options={"exclude_mechanisms": ("LOGIN", "PLAIN")}),
         ("auth-mechanism",), (), ("smtplib-no-mechanism",)),
    Case("smtplib: refused", _smtplib_refused, ("tcp-refused",), (), ("refused",)),
    Case("smtplib: a port that drops packets", _smtplib_blackhole, ("tcp-timeout",), (),
         ("connect-timeout",)),
    Case("smtplib: name not found", _smtplib_dns, ("dns-nxdomain",), (), ("dns-nxdomain",)),
    Case("smtplib: server hangs up",
         _smtplib_peer("hang-up-after-ehlo", lambda c: c.noop()),
         ("connection-lost",), (), ("smtplib-disconnected",)),
    Case("smtplib: STARTTLS refused with 454",
         _smtplib_peer("starttls-refused", lambda c: c.starttls()),
         ("starttls-failed",), (), ("starttls-unavailable",)),
    Case("smtplib: sender refused",
         _smtplib_on("starttls", sender="apache@wiki.example.org",
                     replies={"MAIL": "550 5.1.8 Domain of sender does not exist"}),
         ("sender-rejected",), (), ("smtplib-sender",),
         {"sender": "apache@wiki.example.org"}),
    Case("smtplib: message refused",
         _smtplib_on("starttls", sender=USER,
                     server_options={"reject_data": "554 5.7.1 Message rejected"}),
         ("data-rejected",), (), ("smtplib-data",)),
    Case("smtplib: EHLO and HELO refused",
         _smtplib_plain("plain", lambda c: c.sendmail(USER, [RECIPIENT], "x"), {
             "EHLO": "550 5.7.1 Go away", "HELO": "550 5.7.1 Go away"}),
         ("helo-rejected",), (), ("smtplib-helo",)),
    # MoinMoin's wrapper around a real OSError.
    Case("moinmoin: refused", _moin(_refused_oserror), ("tcp-refused",), (),
         ("moin-connect", "refused"), {"host": "localhost"}),
    Case("moinmoin: port 25 times out", _moin(_timeout_oserror),
         ("tcp-timeout",), ("ec2-port-25",), ("connect-timeout-port-25",),
         {"host": "email-smtp.us-east-1.amazonaws.com", "port": "25"}),
]


def _peer_pear(lab: Lab, name: str) -> str:
    with peer(name) as port:
        return lab.pear("127.0.0.1", port)


@pytest.fixture
def lab(certs: Certs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Lab:
    return Lab(certs, tmp_path, monkeypatch)


def assert_explained(text: str, case: Case) -> None:
    explanation = explain(text)
    found = explanation.findings
    assert (tuple(f.diagnosis.code for f in found if f.likely),
            tuple(f.diagnosis.code for f in found if not f.likely)) == (
        case.likely, case.possible), text
    for name in case.patterns:
        pattern = next(p for p in REGISTRY if p.name == name)
        if pattern.codes:
            assert name in {f.pattern for f in found}, (name, text)
        else:
            assert pattern.compiled.search(text), (name, text)
    assert case.facts.items() <= found[0].facts.items(), (found[0].facts, text)
    assert PASSWORD not in str(explanation.to_dict())


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_real_text_is_explained(lab: Lab, case: Case) -> None:
    assert_explained(case.produce(lab), case)


def test_ssl_to_a_submission_port_names_the_port_first(lab: Lab) -> None:
    """PEAR's words for ssl:// to port 587 are its words for any port (captured live),
    with 587 in them: then the plain port is the likely cause, the certificate the other."""
    with lab.server(mode="starttls") as server:
        text = lab.pear("ssl://127.0.0.1", server.port)
    text = text.replace(f":{server.port}", ":587")
    assert_explained(text, Case("587", lambda lab: text, ("tls-on-starttls-port",),
                                ("tls-certificate-rejected",),
                                ("pear-tls-to-submission-port",), {"port": "587"}))


def test_every_pattern_is_proven_by_a_text() -> None:
    proven = {name for case in CASES for name in case.patterns}
    for text, *_rest in DOC_TEXTS:
        proven |= {finding.pattern for finding in explain(text).findings}
    proven.add("pear-tls-to-submission-port")  # the test above
    assert {pattern.name for pattern in REGISTRY} - proven == set()


@pytest.mark.parametrize(("produce", "mode", "cert", "live_code"), [
    # The text could not say which fault; the check names it.
    (_pear_on("starttls", cert="expired"), "starttls", "expired", "tls-expired"),
    (_pear_on("starttls", cert="wrong-name"), "starttls", "wrong-name",
     "tls-hostname-mismatch"),
    (_pear_on("starttls", host="ssl://localhost"), "starttls", "valid",
     "tls-on-starttls-port"),
    # The text's own code, found again.
    (_smtplib_on("implicit", cert="expired", implicit=True), "implicit", "expired",
     "tls-expired"),
], ids=["pear starttls expired", "pear starttls wrong name", "pear ssl:// to starttls",
        "smtplib expired"])
def test_the_next_command_confirms_it_live(lab: Lab, produce: Callable[[Lab], str],
                                           mode: str, cert: str, live_code: str) -> None:
    """`check` with what the text said finds the cause on the server, still broken."""
    command = explain(produce(lab)).next_command
    assert command is not None
    with lab.server(mode=mode, cert=cert) as server:  # the same kind: another port
        args = [{"HOST": "localhost", "USER": USER}.get(word, word)
                for word in shlex.split(command)][1:]
        if "--port" in args:
            args[args.index("--port") + 1] = str(server.port)
        else:
            args += ["--port", str(server.port)]
        done = cli(*args, "--json", "--ca-file", str(lab.certs.ca_file), "--password-stdin",
                   stdin=PASSWORD)
    codes = [step["diagnosis"]["code"] for step in json.loads(done.stdout)["steps"]
             if step["diagnosis"]]
    assert live_code in codes, done.stdout
