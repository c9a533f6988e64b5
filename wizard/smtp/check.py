"""The live check: would these settings work for the target software, and if not, why?

One call walks DNS, connect, TLS, EHLO, AUTH, MAIL FROM / RCPT TO and, if asked, a real
test message, the way PEAR Net_SMTP (MediaWiki) or smtplib (Python) would, and returns a
`Report` of steps. Server-side failures are steps with a diagnosis, never exceptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import TypeVar

import aiosmtplib
import dns.asyncresolver

from wizard.model.diagnosis import Diagnosis, diagnose
from wizard.model.i18n import _
from wizard.model.report import Report, Status, Step
from wizard.model.settings import Client, Security, Settings
from wizard.smtp.connect import (
    Failure,
    RecordingSMTP,
    TlsFacts,
    connect,
    record_reply,
    starttls,
)
from wizard.smtp.dns import resolve_addresses
from wizard.smtp.transcript import Line, Redactor, Transcript

__all__ = [
    "CheckOptions",
    "auth_order",
    "planned_steps",
    "run_check",
]

T = TypeVar("T")
ProgressCallback = Callable[[str, Step | None], None]
"""Called with (step id, None) when a step starts and (step id, step) when it ends."""

# PEAR Net_SMTP tries the first of its list that the server offers; DIGEST-MD5 and
# CRAM-MD5 need Auth_SASL, so they are used only when asked for. smtplib tries its list
# in order until one succeeds.
_PEAR_ORDER = ("LOGIN", "PLAIN")
_SMTPLIB_ORDER = ("CRAM-MD5", "PLAIN", "LOGIN")


@dataclass(frozen=True)
class CheckOptions:
    client: Client = Client.PEAR
    rcpt: str | None = None
    """RCPT TO address; without it only MAIL FROM is tried."""
    send_test: bool = False
    """Send a real test message to `rcpt` (otherwise RSET: nothing is sent)."""
    resolver: dns.asyncresolver.Resolver | None = None
    hosts_path: str | Path = "/etc/hosts"


def planned_steps(settings: Settings, options: CheckOptions) -> list[str]:
    """The step ids a check will report, in order, so a UI can show them as pending."""
    steps = [] if settings.is_ip else ["dns"]
    steps.append("connect")
    # Implicit TLS comes before EHLO; STARTTLS after it.
    steps += ["tls", "ehlo"] if settings.security is Security.TLS else ["ehlo", "tls"]
    if settings.auth:
        steps.append("auth")
    if settings.sender:
        steps.append("sender")
        if options.rcpt:
            steps.append("recipient")
            if options.send_test:
                steps.append("send")
    return steps


def auth_order(client: Client, offered: list[str], forced: str | None) -> list[str]:
    """The mechanisms the target client would try, in order, given the server's offer."""
    offered_upper = [mechanism.upper() for mechanism in offered]
    if forced:
        return [forced] if forced in offered_upper else []
    if client is Client.PEAR:
        return [m for m in _PEAR_ORDER if m in offered_upper][:1]
    return [m for m in _SMTPLIB_ORDER if m in offered_upper]


def _auth_diagnosis(code: int, message: str) -> Diagnosis:
    reply = f"{code} {message}".replace("\n", " ")
    lowered = reply.lower()
    if ("5.7.8" in reply or "5.7.9" in reply) and ("gsmtp" in lowered or "google" in lowered):
        return diagnose("auth-app-password", reply=reply)
    if "5.7.139" in reply or "5.7.30" in reply or "smtpclientauthentication" in lowered:
        return diagnose("auth-basic-disabled", reply=reply)
    return diagnose("auth-failed", reply=reply)


class _Stop(Exception):
    """Internal: a step failed and the remaining ones cannot run."""


class _Run:
    """Bookkeeping of one check: the current step, its transcript slice and timing."""

    def __init__(self, settings: Settings, options: CheckOptions, transcript: Transcript,
                 on_progress: ProgressCallback | None) -> None:
        self.settings = settings
        self.options = options
        self.transcript = transcript
        self.on_progress = on_progress
        self.steps: list[Step] = []
        self.auth_offered: tuple[str, ...] | None = None
        """AUTH mechanisms of the latest EHLO answered, upper case; None before one."""
        self.current = ""
        self._mark = 0
        self._started = 0.0

    def begin(self, step_id: str) -> None:
        self.current = step_id
        self._mark = self.transcript.mark()
        self._started = time.monotonic()
        if self.on_progress is not None:
            self.on_progress(step_id, None)

    def finish(self, status: Status, summary: str, details: tuple[str, ...] | list[str] = (),
               diagnosis: Diagnosis | None = None) -> None:
        step = Step(self.current, status, summary, tuple(details), diagnosis,
                    self.transcript.since(self._mark), time.monotonic() - self._started)
        self.steps.append(step)
        if self.on_progress is not None:
            self.on_progress(step.id, step)

    def ehlo_answered(self, smtp: RecordingSMTP) -> None:
        # Read now: aiosmtplib forgets the EHLO answer when the connection closes.
        self.auth_offered = tuple(m.upper() for m in smtp.server_auth_methods)

    def fail(self, failure: Failure) -> None:
        self.current = failure.step
        self.finish(Status.FAIL, failure.summary, failure.details, failure.diagnosis)
        raise _Stop

    def stop(self, summary: str, diagnosis: Diagnosis, details: tuple[str, ...] = ()) -> None:
        self.finish(Status.FAIL, summary, details, diagnosis)
        raise _Stop

    async def command(self, awaitable: Awaitable[T]) -> T:
        """One protocol exchange under the settings' deadline."""
        async with asyncio.timeout(self.settings.timeout):
            return await awaitable


async def _helo_name(settings: Settings, client: Client) -> str:
    if settings.helo_name:
        return settings.helo_name
    if client is Client.PEAR:
        return "localhost"
    # smtplib sends the FQDN; getfqdn may do a slow reverse lookup, so off the loop.
    return await asyncio.to_thread(socket.getfqdn)


async def _dns(run: _Run) -> None:
    settings = run.settings
    run.begin("dns")
    result = await resolve_addresses(settings.host, resolver=run.options.resolver,
                                     lifetime=settings.timeout,
                                     hosts_path=run.options.hosts_path)
    if result.addresses:
        run.finish(Status.OK, _("{host} has the address {addresses}.").format(
            host=settings.host, addresses=", ".join(result.addresses)))
        return
    code = {"nxdomain": "dns-nxdomain", "timeout": "dns-timeout"}.get(
        result.outcome, "dns-no-address")
    run.stop(_("{host} does not resolve.").format(host=settings.host),
             diagnose(code, host=settings.host, suggestion=""),
             (result.error,) if result.error else ())


async def _connect(run: _Run, helo: str) -> RecordingSMTP:
    settings = run.settings
    run.begin("connect")
    outcome = await connect(settings, run.transcript, local_hostname=helo)
    if isinstance(outcome, Failure):
        if outcome.step == "tls":
            run.finish(Status.OK, _("Connected to port {port}.").format(port=settings.port))
            run.begin("tls")
        run.fail(outcome)
    assert isinstance(outcome, RecordingSMTP)
    banner = run.transcript.lines[-1].text if run.transcript.lines else ""
    run.finish(Status.OK, _("Connected to port {port}; the server greets.").format(
        port=settings.port), (banner,))
    if settings.security is Security.TLS:
        run.begin("tls")
        _tls_ok(run, TlsFacts.of(outcome), _("TLS from the first byte"))
    return outcome


def _tls_ok(run: _Run, facts: TlsFacts, how: str) -> None:
    cert = facts.cert
    summary = _("{how}: {version}, certificate verified.").format(how=how, version=facts.version)
    if cert is not None:
        days = (cert.not_after.timestamp() - time.time()) / 86400
        if days < 14:
            run.finish(Status.WARN, summary, facts.describe(), diagnose(
                "tls-expiring", days=int(days), not_after=f"{cert.not_after:%Y-%m-%d}"))
            return
    run.finish(Status.OK, summary, facts.describe())


async def _ehlo(run: _Run, smtp: RecordingSMTP, helo: str) -> None:
    run.begin("ehlo")
    try:
        await run.command(smtp.ehlo(hostname=helo))
    except aiosmtplib.SMTPHeloError as exc:
        run.stop(_("The server rejected EHLO {helo}.").format(helo=helo),
                 diagnose("helo-rejected", helo=helo, reply=f"{exc.code} {exc.message}"))
    run.ehlo_answered(smtp)
    extensions = sorted(smtp.esmtp_extensions)
    run.finish(Status.OK, _("EHLO {helo} accepted.").format(helo=helo),
               (_("extensions: {list}").format(list=" ".join(extensions) or "-"),))


async def _starttls(run: _Run, smtp: RecordingSMTP, helo: str) -> bool:
    """The TLS step for connections that start plain; returns whether it is encrypted."""
    settings, client = run.settings, run.options.client
    offered = smtp.supports_extension("starttls")
    pear_upgrades = client is Client.PEAR and settings.auth and offered
    run.begin("tls")
    if settings.security is Security.STARTTLS or pear_upgrades:
        if not offered:
            run.stop(_("The server does not offer STARTTLS."), diagnose("starttls-missing"))
        failure = await starttls(smtp, settings)
        if failure is not None:
            run.fail(failure)
        facts = TlsFacts.of(smtp)
        await run.command(smtp.ehlo(hostname=helo))
        run.ehlo_answered(smtp)
        _tls_ok(run, facts, "STARTTLS")
        return True
    if settings.auth:
        if not offered:
            run.stop(_("No TLS: the password would be sent in clear."),
                     diagnose("starttls-missing"))
        run.stop(_("No TLS is configured: the password would be sent in clear."),
                 diagnose("auth-in-clear"))
    why = (_("PEAR starts TLS only when 'auth' is on") if client is Client.PEAR and offered
           else _("the server offers no STARTTLS") if not offered
           else _("no TLS is configured"))
    run.finish(Status.WARN, _("Mail would be sent unencrypted."), (),
               diagnose("mail-in-clear", why=why))
    return False


async def _auth(run: _Run, smtp: RecordingSMTP, password: str | None) -> None:
    settings, client = run.settings, run.options.client
    run.begin("auth")
    offered = smtp.server_auth_methods
    if not offered:
        run.stop(_("The server offers no AUTH."), diagnose("auth-not-offered"))
    order = auth_order(client, offered, settings.auth_mechanism)
    if not order:
        usable = settings.auth_mechanism or ", ".join(
            _PEAR_ORDER if client is Client.PEAR else _SMTPLIB_ORDER)
        run.stop(_("No AUTH mechanism in common with the server."),
                 diagnose("auth-mechanism", offered=" ".join(offered).upper(), usable=usable))
    if password is None:
        run.finish(Status.SKIPPED, _("No password given: AUTH not tried."))
        return
    methods = {"LOGIN": smtp.auth_login, "PLAIN": smtp.auth_plain,
               "CRAM-MD5": smtp.auth_crammd5}
    error: aiosmtplib.SMTPAuthenticationError | None = None
    for mechanism in order:
        try:
            await run.command(methods[mechanism](settings.username, password))
        except aiosmtplib.SMTPAuthenticationError as exc:
            error = exc
            continue
        run.finish(Status.OK, _("Logged in as {user} with {mechanism}.").format(
            user=settings.username, mechanism=mechanism),
            (_("the server offers: {list}").format(list=" ".join(offered).upper()),))
        return
    assert error is not None
    run.stop(_("The server rejected the login of {user}.").format(user=settings.username),
             _auth_diagnosis(error.code, error.message))


def _test_message(settings: Settings, rcpt: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = rcpt
    message["Subject"] = _("smtp-wizard test message")
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=settings.id_host or settings.sender_domain
                                       or settings.ascii_host)
    message.set_content(_("This message was sent by smtp-wizard to test the mail settings "
                          "of {host}:{port}. It needs no reply.").format(
        host=settings.url_host, port=settings.port))
    return message


async def _envelope(run: _Run, smtp: RecordingSMTP) -> None:
    settings, rcpt = run.settings, run.options.rcpt
    run.begin("sender")
    try:
        await run.command(smtp.mail(settings.sender))
    except aiosmtplib.SMTPSenderRefused as exc:
        reply = f"{exc.code} {exc.message}"
        if exc.code == 530:
            run.stop(_("The server wants a login first."), diagnose("auth-required", reply=reply))
        run.stop(_("The server refused the sender {sender}.").format(sender=settings.sender),
                 diagnose("sender-rejected", sender=settings.sender, reply=reply))
    run.finish(Status.OK, _("The server accepts {sender} as sender.").format(
        sender=settings.sender))
    if rcpt:
        run.begin("recipient")
        try:
            await run.command(smtp.rcpt(rcpt))
        except aiosmtplib.SMTPRecipientRefused as exc:
            reply = f"{exc.code} {exc.message}"
            code = "auth-required" if exc.code == 530 else "recipient-rejected"
            run.stop(_("The server refused the recipient {rcpt}.").format(rcpt=rcpt),
                     diagnose(code, rcpt=rcpt, reply=reply))
        run.finish(Status.OK, _("The server accepts mail for {rcpt}.").format(rcpt=rcpt))
    if rcpt and run.options.send_test:
        run.begin("send")
        message = _test_message(settings, rcpt)
        data = message.as_bytes()
        run.transcript.client("DATA")
        run.transcript.client(_("<message of {n} bytes, Message-ID {id}>").format(
            n=len(data), id=message["Message-ID"]))
        try:
            accepted = await run.command(smtp.data(data))
        except aiosmtplib.SMTPDataError as exc:
            record_reply(run.transcript, exc.code, exc.message)
            run.stop(_("The server refused the test message."),
                     diagnose("data-rejected", reply=f"{exc.code} {exc.message}"))
        record_reply(run.transcript, accepted.code, accepted.message)
        run.finish(Status.OK, _("Test message sent to {rcpt}.").format(rcpt=rcpt),
                   (f"Message-ID: {message['Message-ID']}",))
    else:
        await run.command(smtp.rset())


async def run_check(
    settings: Settings,
    password: str | None = None,
    options: CheckOptions | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    on_line: Callable[[Line], None] | None = None,
) -> Report:
    """Check `settings` against the live server as `options.client` would use them."""
    options = options or CheckOptions()
    redactor = Redactor([(settings.username, password)] if password else [])
    run = _Run(settings, options, Transcript(redactor, on_line), on_progress)
    smtp: RecordingSMTP | None = None
    try:
        if not settings.is_ip:
            await _dns(run)
        helo = await _helo_name(settings, options.client)
        smtp = await _connect(run, helo)
        await _ehlo(run, smtp, helo)
        if settings.security is not Security.TLS:
            await _starttls(run, smtp, helo)
        if settings.auth:
            await _auth(run, smtp, password)
        if settings.sender:
            await _envelope(run, smtp)
        # The answer to QUIT changes nothing.
        with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
            await asyncio.wait_for(smtp.quit(), timeout=min(2.0, settings.timeout))
    except _Stop:
        pass
    except TimeoutError:
        run.finish(Status.FAIL, _("No answer within {timeout} s.").format(
            timeout=f"{settings.timeout:g}"), (), diagnose("server-timeout", stage=run.current))
    except (aiosmtplib.SMTPServerDisconnected, ConnectionError) as exc:
        run.finish(Status.FAIL, _("The connection was lost."), (str(exc),),
                   diagnose("connection-lost", stage=run.current))
    except aiosmtplib.SMTPResponseException as exc:
        run.finish(Status.FAIL, _("The server answered out of protocol."),
                   (f"{exc.code} {exc.message}",),
                   diagnose("not-smtp", host=settings.host, port=settings.port,
                            error=exc.message))
    finally:
        if smtp is not None:
            smtp.close()
    done = {step.id for step in run.steps}
    skipped = tuple(Step(step_id, Status.SKIPPED, _("Not run: an earlier step failed."))
                    for step_id in planned_steps(settings, options) if step_id not in done)
    return Report("check", _target(settings, options), (*run.steps, *skipped),
                  auth_offered=run.auth_offered)


def _target(settings: Settings, options: CheckOptions) -> dict[str, object]:
    return {"host": settings.host, "port": settings.port, "security": str(settings.security),
            "auth": settings.auth, "username": settings.username, "sender": settings.sender,
            "client": str(options.client), "mediawiki_host": settings.mediawiki_host}
