"""Getting to an SMTP greeting: TCP, implicit TLS or STARTTLS, with every failure named.

aiosmtplib speaks the protocol; `RecordingSMTP` writes every command and reply into the
transcript (AUTH payloads redacted at the source). When something fails, a second, quick
look tells apart the cases a person must fix differently: a TLS client on a plain port,
a plain client on a TLS port, and which certificate problem it is.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from typing import Any, Literal

import aiosmtplib
from aiosmtplib.typing import Default

from wizard.model.diagnosis import Diagnosis, diagnose
from wizard.model.i18n import _
from wizard.model.settings import Security, Settings
from wizard.smtp.ports import (
    BANNER_WAIT,
    PortResult,
    PortState,
    open_socket,
    probe_port,
    probe_tls,
)
from wizard.smtp.tls import (
    CertInfo,
    cert_diagnosis,
    cert_of,
    client_context,
    insecure_context,
    parse_cert,
)
from wizard.smtp.transcript import REDACTED, Transcript

__all__ = [
    "Failure",
    "RecordingSMTP",
    "TlsFacts",
    "connect",
    "port_failure",
    "record_reply",
    "starttls",
]


def record_reply(transcript: Transcript, code: int, message: str) -> None:
    """Write an aiosmtplib reply into the transcript as its wire lines: `250-a`, `250 b`."""
    lines = message.split("\n") if message else [""]
    for i, line in enumerate(lines):
        transcript.server(f"{code}{'-' if i < len(lines) - 1 else ' '}{line}")


class RecordingSMTP(aiosmtplib.SMTP):
    """aiosmtplib's client, writing each command and reply into a `Transcript`."""

    def __init__(self, transcript: Transcript, **kwargs: Any) -> None:
        # Any: the keywords go to aiosmtplib.SMTP untouched, which checks them itself.
        super().__init__(**kwargs)
        self.transcript = transcript
        self._in_auth = False

    async def execute_command(
        self, *args: bytes, timeout: float | Literal[Default.token] | None = Default.token,
    ) -> aiosmtplib.SMTPResponse:
        if args and args[0].upper() == b"AUTH":
            # The mechanism is useful to see; anything after it is credentials.
            shown = " ".join(arg.decode("ascii", "replace") for arg in args[:2])
            shown += f" {REDACTED}" if len(args) > 2 else ""
            self._in_auth = True
        elif self._in_auth:
            shown = REDACTED
        else:
            shown = b" ".join(args).decode("utf-8", "replace")
        self.transcript.client(shown)
        response = await super().execute_command(*args, timeout=timeout)
        self._in_auth = self._in_auth and response.code == 334
        record_reply(self.transcript, response.code, response.message)
        return response


@dataclass(frozen=True)
class Failure:
    """Why a stage failed: the step id it belongs to, a summary and the diagnosis."""

    step: str
    summary: str
    diagnosis: Diagnosis
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class TlsFacts:
    version: str
    cipher: str
    cert: CertInfo | None

    @classmethod
    def of(cls, smtp: aiosmtplib.SMTP) -> TlsFacts:
        ssl_object: ssl.SSLObject | None = smtp.get_transport_info("ssl_object")
        if ssl_object is None:
            return cls("?", "?", None)
        cipher = ssl_object.cipher()
        return cls(ssl_object.version() or "?", cipher[0] if cipher else "?",
                   cert_of(ssl_object))

    def describe(self) -> list[str]:
        return [f"{self.version}, {self.cipher}", *(self.cert.describe() if self.cert else [])]


def _facts(settings: Settings, **more: object) -> dict[str, object]:
    return {"host": settings.host, "port": settings.port, "timeout": f"{settings.timeout:g}",
            **more}


async def _peer_certificate(settings: Settings, *,
                            starttls: bool) -> tuple[CertInfo | None, str]:
    """Second look, without verification, at a certificate that failed verification;
    with the text of the server's reply to STARTTLS (PEAR quotes it in its error)."""
    smtp = aiosmtplib.SMTP(hostname=settings.ascii_host, port=settings.port,
                           use_tls=not starttls, start_tls=False,
                           tls_context=insecure_context(), timeout=None,
                           local_hostname="smtp-wizard.invalid")
    reply = ""
    try:
        await smtp.connect()
        if starttls:
            reply = (await smtp.starttls(tls_context=insecure_context())).message
        der = smtp.get_transport_info("ssl_object").getpeercert(binary_form=True)
        return (parse_cert(der) if der else None), reply
    except (aiosmtplib.SMTPException, OSError, ValueError):
        return None, reply
    finally:
        smtp.close()


async def _tls_failure(settings: Settings, transcript: Transcript, exc: BaseException, *,
                       starttls: bool) -> Failure:
    """Name a failed handshake: certificate (which problem), wrong port kind, or other."""
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    transcript.note(_("TLS handshake failed: {error}").format(error=cause))
    if isinstance(cause, ssl.SSLCertVerificationError):
        try:
            async with asyncio.timeout(settings.timeout):
                cert, reply = await _peer_certificate(settings, starttls=starttls)
        except TimeoutError:
            cert, reply = None, ""
        diagnosis = cert_diagnosis(cause, cert, settings.host, settings.port,
                                   starttls=starttls, reply=reply)
        return Failure("tls", _("The certificate was not accepted: {reason}.").format(
            reason=cause.verify_message), diagnosis, tuple(cert.describe()) if cert else ())
    if not starttls:
        try:
            async with asyncio.timeout(settings.timeout):
                seen = await probe_port(settings.ascii_host, settings.port, tls_first=False)
        except TimeoutError:
            seen = None
        if seen is not None and seen.state in (PortState.STARTTLS, PortState.PLAIN):
            return Failure("connect", _("The port speaks plain SMTP, not TLS."),
                           diagnose("tls-on-starttls-port", **_facts(settings)),
                           (seen.banner,))
    return Failure("tls", _("The TLS handshake failed."),
                   diagnose("tls-handshake-failed", **_facts(settings, error=cause)))


async def connect(settings: Settings, transcript: Transcript, *, local_hostname: str,
                  ) -> RecordingSMTP | Failure:
    """TCP, TLS for `ssl://`, and the greeting, all within `settings.timeout`.

    Returns the connected client, or the `Failure` that says why not.
    """
    host, port = settings.ascii_host, settings.port
    implicit = settings.security is Security.TLS
    facts = _facts(settings)
    transcript.note(_("connecting to {host} port {port}{tls}").format(
        host=settings.url_host, port=port, tls=" (TLS)" if implicit else ""))
    try:
        async with asyncio.timeout(settings.timeout):
            sock = await open_socket(host, port)
    except TimeoutError:
        return Failure("connect", _("No answer from port {port}.").format(port=port),
                       diagnose("tcp-timeout", **facts))
    except ConnectionRefusedError:
        return Failure("connect", _("Connection refused."), diagnose("tcp-refused", **facts))
    except OSError as exc:
        return Failure("connect", _("Could not connect."),
                       diagnose("tcp-error", **facts, error=exc.strerror or exc))
    peer = sock.getpeername()[0]
    transcript.note(_("connected to {address}").format(address=peer))
    smtp = RecordingSMTP(transcript, hostname=host, sock=sock, use_tls=implicit,
                         start_tls=False, local_hostname=local_hostname, timeout=None,
                         tls_context=client_context(settings.ca_file))
    try:
        if implicit:
            # aiosmtplib bounds the TLS handshake and the wait for the greeting each by
            # the timeout and says which one ran out; the outer deadline only backs it up.
            async with asyncio.timeout(2 * settings.timeout + 1):
                banner = await smtp.connect(timeout=settings.timeout)
        else:
            greeted = await _plain_greeting(smtp, settings)
            if greeted is None:
                smtp.close()
                transcript.note(_("no greeting; the port answers TLS from the first byte"))
                return Failure("connect", _("The port expects TLS from the first byte."),
                               diagnose("plain-on-tls-port", **facts))
            banner = greeted
    except TimeoutError as exc:
        smtp.close()
        if implicit and _in_handshake(exc):
            transcript.note(_("no answer to the TLS handshake"))
            return Failure("tls", _("The TLS handshake did not finish in time."),
                           diagnose("tls-handshake-timeout", **facts))
        return Failure("connect", _("No SMTP greeting."), diagnose("no-banner", **facts))
    except aiosmtplib.SMTPConnectResponseError as exc:
        smtp.close()
        record_reply(transcript, exc.code, exc.message)
        return Failure("connect", _("The server refused the session."),
                       diagnose("connection-lost", stage=_("the greeting")),
                       (f"{exc.code} {exc.message}",))
    except aiosmtplib.SMTPResponseException as exc:
        smtp.close()
        return Failure("connect", _("The server does not speak SMTP."),
                       diagnose("not-smtp", **facts, error=exc.message))
    except aiosmtplib.SMTPConnectError as exc:
        smtp.close()
        if implicit and isinstance(exc.__cause__, ssl.SSLError | ConnectionError):
            return await _tls_failure(settings, transcript, exc, starttls=False)
        return Failure("connect", _("The server closed the connection."),
                       diagnose("connection-lost", stage=_("the greeting")))
    record_reply(transcript, banner.code, banner.message)
    return smtp


async def _plain_greeting(smtp: RecordingSMTP,
                          settings: Settings) -> aiosmtplib.SMTPResponse | None:
    """The greeting of a port talked to in plain; None when the port expects TLS from the
    first byte instead. Silence is how such a port answers a plain client, so once the
    greeting is late, a second connection asks the port for TLS while the first still
    waits: whichever answers first decides, all within the one timeout."""
    greeting = asyncio.ensure_future(smtp.connect(timeout=settings.timeout))
    tasks: set[asyncio.Future[Any]] = {greeting}
    try:
        # aiosmtplib's timeout bounds the wait for the greeting; this only backs it up.
        async with asyncio.timeout(settings.timeout + 1):
            late = min(BANNER_WAIT, settings.timeout / 2)
            if not (await asyncio.wait(tasks, timeout=late))[0]:
                probe = asyncio.ensure_future(probe_tls(settings.ascii_host, settings.port))
                tasks.add(probe)
                while not greeting.done():
                    done, _running = await asyncio.wait(
                        tasks, return_when=asyncio.FIRST_COMPLETED)
                    if probe in done:
                        tasks.discard(probe)
                        if probe.result().state is PortState.IMPLICIT_TLS:
                            return None
        return greeting.result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def port_failure(settings: Settings, seen: PortResult) -> Failure:
    """Why the port cannot be checked, when a look at it (`--security auto`) found no
    SMTP there: named as a check's connect step would name it."""
    facts = _facts(settings)
    if seen.state is PortState.REFUSED:
        return Failure("connect", _("Connection refused."), diagnose("tcp-refused", **facts))
    if seen.state is PortState.TIMEOUT:
        return Failure("connect", _("No answer from port {port}.").format(port=settings.port),
                       diagnose("tcp-timeout", **facts))
    if seen.state is PortState.SILENT:
        return Failure("connect", _("No SMTP greeting, and no answer to TLS either."),
                       diagnose("no-banner", **facts))
    if seen.state is PortState.NOT_SMTP:
        return Failure("connect", _("The server does not speak SMTP."),
                       diagnose("not-smtp", **facts, error=seen.detail))
    return Failure("connect", _("Could not connect."),
                   diagnose("tcp-error", **facts, error=seen.detail or seen.state))


def _in_handshake(exc: TimeoutError) -> bool:
    """Whether a connect that timed out was still in the TLS handshake: the socket is
    connected already, so aiosmtplib's connect timeout can only be the handshake's,
    while a missing greeting is a read timeout."""
    return isinstance(exc, aiosmtplib.SMTPConnectTimeoutError) and not isinstance(
        exc.__cause__, aiosmtplib.SMTPTimeoutError)


async def starttls(smtp: RecordingSMTP, settings: Settings) -> Failure | None:
    """Upgrade with STARTTLS, verifying the certificate as PHP and Python do."""
    transcript = smtp.transcript
    transcript.client("STARTTLS")
    try:
        async with asyncio.timeout(settings.timeout):
            reply = await smtp.starttls()
    except aiosmtplib.SMTPResponseException as exc:
        record_reply(transcript, exc.code, exc.message)
        return Failure("tls", _("The server refused STARTTLS."),
                       diagnose("starttls-failed", reply=f"{exc.code} {exc.message}"))
    except TimeoutError:
        return Failure("tls", _("The TLS handshake did not finish in time."),
                       diagnose("server-timeout", stage="STARTTLS"))
    except (aiosmtplib.SMTPException, OSError) as exc:
        return await _tls_failure(settings, transcript, exc, starttls=True)
    record_reply(transcript, reply.code, reply.message)
    return None
