"""A real SMTP server on 127.0.0.1: aiosmtpd with STARTTLS, implicit TLS and AUTH.

It serves `smtp-wizard --demo` (a throw-away trustme CA trusted for that run only) and
the test suite. Each server runs its own event loop in a thread, so synchronous callers
(PHP in a subprocess, Django's `send_mail`, the TUI) use it the same way async code does.
Every message and AUTH attempt is recorded. Needs the `demo` extra (aiosmtpd, trustme).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import datetime as dt
import logging
import ssl
import threading
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

__all__ = [
    "Certs",
    "Received",
    "Recorder",
    "ServerOptions",
    "SmtpServer",
    "make_certs",
    "running",
]


# aiosmtpd logs its own internals (a deprecation on every login, a traceback for every
# refused handshake); a client's mistakes are reported by the client, not here.
logging.getLogger("mail.log").setLevel(logging.CRITICAL)


@dataclass
class Certs:
    """A trusted test CA (`ca_file`) and one server cert/key pair per kind."""

    ca_file: Path
    pairs: dict[str, tuple[Path, Path]]

    def server_context(self, kind: str = "valid") -> ssl.SSLContext:
        cert, key = self.pairs[kind]
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        return context


def make_certs(directory: Path) -> Certs:
    ca = trustme.CA(organization_name="smtp-wizard test CA")
    ca_file = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    now = dt.datetime.now(dt.UTC)
    leaves: dict[str, tuple[trustme.CA | None, Any]] = {
        "valid": (ca, ca.issue_cert("localhost", "127.0.0.1", "::1")),
        "expired": (ca, ca.issue_cert(
            "localhost", "127.0.0.1", not_before=now - dt.timedelta(days=400),
            not_after=now - dt.timedelta(days=35))),
        "expiring": (ca, ca.issue_cert(
            "localhost", "127.0.0.1", not_before=now - dt.timedelta(days=80),
            not_after=now + dt.timedelta(days=5))),
        "wrong-name": (ca, ca.issue_cert("mail.wrong.example", "smtp.wrong.example")),
        "untrusted": (None, trustme.CA(organization_name="Unknown Issuer Ltd").issue_cert(
            "localhost", "127.0.0.1")),
    }
    pairs: dict[str, tuple[Path, Path]] = {}
    for kind, (_issuer, leaf) in leaves.items():
        cert, key = directory / f"{kind}.pem", directory / f"{kind}.key"
        leaf.cert_chain_pems[0].write_to_path(str(cert))
        leaf.private_key_pem.write_to_path(str(key))
        pairs[kind] = (cert, key)
    pairs["self-signed"] = _self_signed(directory)
    return Certs(ca_file, pairs)


def _self_signed(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "self-signed.pem", directory / "self-signed.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    auth_user: str | None
    tls: bool


@dataclass
class ServerOptions:
    """What kind of server to run.

    mode: "starttls" (offers STARTTLS, AUTH only after it), "starttls-required" (530 until
    STARTTLS), "implicit" (TLS from the first byte), "plain-auth" (AUTH offered with no
    TLS at all), "plain" (no TLS, no AUTH).
    """

    mode: str = "starttls"
    cert: str = "valid"
    users: dict[str, str] = field(default_factory=lambda: {"wiki@example.org": "s3cret"})
    auth_fail_reply: str = "535 5.7.8 Authentication credentials invalid"
    reject_senders: set[str] = field(default_factory=set)
    reject_rcpts: set[str] = field(default_factory=set)
    reject_helo: set[str] = field(default_factory=set)
    reject_data: str | None = None
    """A reply to DATA, e.g. a content filter's 554, instead of accepting."""
    exclude_mechanisms: tuple[str, ...] = ()
    offer_mechanisms: tuple[str, ...] = ()
    """Mechanisms offered on top of LOGIN and PLAIN (SCRAM-SHA-256, DIGEST-MD5); every
    login with them is refused, since the server cannot verify them."""
    auth_required: bool = False
    sender_owners: dict[str, str] | None = None
    """Postfix's sender policy (smtpd_sender_login_maps with reject_sender_login_mismatch):
    sender address -> the login that owns it. When set, a logged-in client may use only the
    addresses its login owns, and a listed address needs its owner's login. Judged at RCPT
    TO, as Postfix does with its default smtpd_delay_reject = yes."""
    sender_refusal: str = "553 5.7.1 <{sender}>: Sender address rejected: not owned by user {login}"
    """The reply to RCPT TO for a sender the policy refuses ({sender}, {login})."""
    smtputf8: bool = False
    """Offer SMTPUTF8 (RFC 6531): addresses with a non-ASCII local part."""
    xoauth2_tokens: Mapping[str, Collection[str]] | None = None
    """Offer AUTH XOAUTH2 and accept an access token listed here (token -> the mailboxes
    it may send as) for one of its mailboxes; any other gets `xoauth2_refusal`."""
    xoauth2_refusal: str = "535 5.7.3 Authentication unsuccessful"
    """Exchange Online's answer to a token it does not accept for the mailbox."""
    xoauth2_strict_lines: bool = False
    """Refuse a command line over 512 octets, as Gmail and Dovecot do, so a long token
    passes only after a 334; otherwise an AUTH line of up to 12288 octets is taken."""
    hostname: str = "mx.test.example"
    ident: str = "Test ESMTP"
    """The greeting reads "220 <hostname> <ident>"."""


class Recorder:
    """aiosmtpd handler: accepts or rejects by the options, and records what it saw."""

    def __init__(self, options: ServerOptions) -> None:
        self.options = options
        self.messages: list[Received] = []
        # Not "auth_*": aiosmtpd would offer any handler attribute named so as a mechanism.
        self.logins: list[tuple[str, str, bool]] = []
        self.helo_names: list[str] = []
        self.mail_commands: list[str] = []
        """The argument of every MAIL command as it came (aiosmtpd's own parser decodes
        RFC 2047 words in an address, which a real server never does)."""
        for mechanism in options.offer_mechanisms:
            # aiosmtpd offers each handler attribute auth_<NAME>, "__" read as "-".
            setattr(self, "auth_" + mechanism.replace("-", "__"), self._refuse(mechanism))
        if options.xoauth2_tokens is not None:
            self.auth_XOAUTH2 = self._xoauth2

    def _refuse(self, mechanism: str) -> Any:
        async def refuse(server: SMTP, args: list[str]) -> AuthResult:
            self.logins.append((mechanism, "", False))
            return AuthResult(success=False, handled=False)
        return refuse

    async def _xoauth2(self, server: SMTP, args: list[str]) -> AuthResult:
        """RFC 4954 with Google's and Microsoft's XOAUTH2 string: the initial response on
        the AUTH line, or (for a long token) after an empty 334."""
        if len(args) > 1:
            try:
                raw = base64.b64decode(args[1], validate=True)
            except binascii.Error:
                return AuthResult(success=False, handled=False,
                                  message="501 5.5.2 Can't decode base64")
        else:
            answer = await server.challenge_auth("", encode_to_b64=False)
            if not isinstance(answer, bytes):  # aborted; aiosmtpd has answered
                return AuthResult(success=False, handled=True)
            raw = answer
        fields = dict(part.partition("=")[::2] for part in
                      raw.decode("utf-8", "replace").split("\x01") if part)
        user, auth = fields.get("user", ""), fields.get("auth", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        tokens = self.options.xoauth2_tokens or {}
        ok = token is not None and user in tokens.get(token, ())
        self.logins.append(("XOAUTH2", user, ok))
        if ok:
            return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False, message=self.options.xoauth2_refusal)

    def authenticate(self, server: SMTP, session: Session, envelope: Envelope,
                     mechanism: str, auth_data: Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        # Clients send UTF-8 (PEAR, aiosmtplib) or ASCII (smtplib); anything else fails.
        user = auth_data.login.decode("utf-8", "replace")
        ok = self.options.users.get(user) == auth_data.password.decode("utf-8", "replace")
        self.logins.append((mechanism, user, ok))
        if ok:
            return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False, message=self.options.auth_fail_reply)

    async def handle_EHLO(self, server: SMTP, session: Session, envelope: Envelope,
                          hostname: str, responses: list[str]) -> list[str]:
        self.helo_names.append(hostname)
        if hostname in self.options.reject_helo:
            return [f"550 5.7.1 <{hostname}>: Helo command rejected: need fully-qualified "
                    "hostname"]
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, mail_options: list[str]) -> str:
        if address in self.options.reject_senders:
            return f"553 5.7.1 <{address}>: Sender address rejected: not owned by user"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        refusal = self._sender_refusal(session, envelope)
        if refusal is not None:
            return refusal
        if address in self.options.reject_rcpts:
            return f"554 5.7.1 <{address}>: Relay access denied"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def _sender_refusal(self, session: Session, envelope: Envelope) -> str | None:
        owners = self.options.sender_owners
        if owners is None:
            return None
        sender = envelope.mail_from or ""
        login = session.auth_data if session.authenticated else None
        owner = owners.get(sender)
        if login is None:
            return None if owner is None else \
                f"553 5.7.1 <{sender}>: Sender address rejected: not logged in"
        if owner == login:
            return None
        return self.options.sender_refusal.format(sender=sender, login=login)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.options.reject_data:
            return self.options.reject_data
        transport = server.transport  # set for as long as the connection lives
        self.messages.append(Received(
            envelope.mail_from or "", list(envelope.rcpt_tos),
            envelope.original_content or b"",
            session.auth_data if session.authenticated else None,
            session.ssl is not None or (transport is not None and
                                        transport.get_extra_info("sslcontext") is not None),
        ))
        return "250 2.0.0 Ok: queued"


class _Server(SMTP):
    """aiosmtpd, recording each MAIL command's argument before parsing it."""

    def __init__(self, recorder: Recorder, **kwargs: Any) -> None:
        super().__init__(recorder, **kwargs)
        self.recorder = recorder

    async def smtp_MAIL(self, arg: str) -> None:
        self.recorder.mail_commands.append(arg)
        await super().smtp_MAIL(arg)


class _OAuthServer(_Server):
    # RFC 4954: an AUTH exchange may send lines of up to 12288 octets, and an access
    # token of Entra ID's size needs more than aiosmtpd's 1001. This server also takes
    # it on the AUTH line itself, as a lenient server does (Net_SMTP 1.10.0 sends it so).
    line_length_limit = 12288
    command_size_limit = 12288
    command_size_limits: dict[str, int] = collections.defaultdict(lambda: 12288)


class _StrictOAuthServer(_OAuthServer):
    command_size_limit = 512
    command_size_limits: dict[str, int] = collections.defaultdict(lambda: 512)


class SmtpServer:
    """One aiosmtpd server in its own thread; `port` is known after `start()`."""

    def __init__(self, options: ServerOptions, certs: Certs) -> None:
        self.options = options
        self.certs = certs
        self.recorder = Recorder(options)
        self.host = "127.0.0.1"
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None

    def _protocol(self) -> SMTP:
        mode, opts = self.options.mode, self.options
        starttls = mode.startswith("starttls")
        kind = _Server if opts.xoauth2_tokens is None else (
            _StrictOAuthServer if opts.xoauth2_strict_lines else _OAuthServer)
        return kind(
            self.recorder,
            hostname=opts.hostname,
            ident=opts.ident,
            enable_SMTPUTF8=opts.smtputf8,
            tls_context=self.certs.server_context(opts.cert) if starttls else None,
            require_starttls=mode == "starttls-required",
            # AUTH is offered after STARTTLS, at once on implicit TLS, never on "plain".
            auth_require_tls=starttls or mode == "plain",
            auth_required=opts.auth_required,
            authenticator=self.recorder.authenticate,
            auth_exclude_mechanism=list(opts.exclude_mechanisms),
            loop=self._loop,
        )

    def start(self) -> SmtpServer:
        self._thread.start()
        ssl_context = (self.certs.server_context(self.options.cert)
                       if self.options.mode == "implicit" else None)
        create = self._loop.create_server(self._protocol, self.host, 0, ssl=ssl_context)
        self._server = asyncio.run_coroutine_threadsafe(create, self._loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    @property
    def messages(self) -> list[Received]:
        return self.recorder.messages


@contextmanager
def running(options: ServerOptions, certs: Certs) -> Iterator[SmtpServer]:
    server = SmtpServer(options, certs).start()
    try:
        yield server
    finally:
        server.stop()
