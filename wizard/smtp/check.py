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
from collections.abc import Callable

import aiosmtplib

from wizard.model.diagnosis import Diagnosis, diagnose
from wizard.model.i18n import _
from wizard.model.report import Report, Status, Step
from wizard.model.settings import Client, Security, Settings
from wizard.smtp.checkrun import CheckOptions, ProgressCallback, Run, Stop
from wizard.smtp.clients import CHECKABLE
from wizard.smtp.connect import (
    Failure,
    RecordingSMTP,
    TlsFacts,
    connect,
    starttls,
)
from wizard.smtp.dns import resolve_addresses
from wizard.smtp.envelope import envelope
from wizard.smtp.sysdns import system_addresses
from wizard.smtp.transcript import Line, Redactor, Transcript
from wizard.smtp.xoauth2 import auth_xoauth2, inline_rule, token_claims

__all__ = [
    "CheckOptions",
    "ProgressCallback",
    "planned_steps",
    "run_check",
    "stopped_report",
]


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


def _auth_diagnosis(code: int, message: str) -> Diagnosis:
    reply = f"{code} {message}".replace("\n", " ")
    lowered = reply.lower()
    if ("5.7.8" in reply or "5.7.9" in reply) and ("gsmtp" in lowered or "google" in lowered):
        return diagnose("auth-app-password", reply=reply)
    if "5.7.139" in reply or "5.7.30" in reply or "smtpclientauthentication" in lowered:
        return diagnose("auth-basic-disabled", reply=reply)
    return diagnose("auth-failed", reply=reply)


async def _helo_name(settings: Settings, client: Client) -> str:
    if settings.helo_name:
        return settings.helo_name
    if client is Client.PEAR:
        return "localhost"
    # smtplib sends the FQDN; getfqdn may do a slow reverse lookup, so off the loop.
    return await asyncio.to_thread(socket.getfqdn)


async def _dns(run: Run) -> None:
    settings = run.settings
    run.begin("dns")
    if run.options.resolver is None:
        # The system's resolver, as the connection (and PHP, and smtplib) will ask it.
        result = await system_addresses(settings.host, lifetime=settings.timeout)
    else:
        result = await resolve_addresses(settings.host, resolver=run.options.resolver,
                                         lifetime=settings.timeout,
                                         hosts_path=run.options.hosts_path)
    if result.addresses:
        run.finish(Status.OK, _("{host} has the address {addresses}.").format(
            host=settings.shown_host, addresses=", ".join(result.addresses)))
        return
    code = {"nxdomain": "dns-nxdomain", "timeout": "dns-timeout"}.get(
        result.outcome, "dns-no-address")
    run.stop(_("{host} does not resolve.").format(host=settings.shown_host),
             diagnose(code, host=settings.host, suggestion=""),
             (result.error,) if result.error else ())


async def _connect(run: Run, helo: str) -> RecordingSMTP:
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
    run.banner = banner
    run.finish(Status.OK, _("Connected to port {port}; the server greets.").format(
        port=settings.port), (banner,))
    if settings.security is Security.TLS:
        run.begin("tls")
        _tls_ok(run, TlsFacts.of(outcome), _("TLS from the first byte"))
    return outcome


def _tls_ok(run: Run, facts: TlsFacts, how: str) -> None:
    cert = facts.cert
    summary = _("{how}: {version}, certificate verified.").format(how=how, version=facts.version)
    if cert is not None:
        days = (cert.not_after.timestamp() - time.time()) / 86400
        if days < 14:
            run.finish(Status.WARN, summary, facts.describe(), diagnose(
                "tls-expiring", days=int(days), not_after=f"{cert.not_after:%Y-%m-%d}"))
            return
    run.finish(Status.OK, summary, facts.describe())


async def _ehlo(run: Run, smtp: RecordingSMTP, helo: str) -> None:
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


async def _starttls(run: Run, smtp: RecordingSMTP, helo: str) -> bool:
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


async def _auth(run: Run, smtp: RecordingSMTP, password: str | None) -> None:
    settings, model = run.settings, run.model
    run.begin("auth")
    offered = smtp.server_auth_methods
    if not offered:
        run.stop(_("The server offers no AUTH."), diagnose("auth-not-offered"))
    if settings.auth_mechanism == "XOAUTH2":
        await _auth_xoauth2(run, smtp, password, offered)
        return
    order = model.order(offered, settings.auth_mechanism)
    if not order:
        usable = settings.auth_mechanism or ", ".join(model.mechanisms)
        run.stop(_("No AUTH mechanism in common with the server."),
                 diagnose("auth-mechanism", offered=" ".join(offered).upper(), usable=usable))
    if password is None:
        run.finish(Status.SKIPPED, _("No password given: AUTH not tried."))
        return
    if model.ascii_credentials and not (settings.username.isascii() and password.isascii()):
        # smtplib raises UnicodeEncodeError in login() before a byte reaches the server.
        what = _("password") if settings.username.isascii() else _("user name")
        run.stop(_("{client} cannot send this {what}: it is not ASCII.").format(
            client=model.name, what=what), diagnose("auth-non-ascii", client=model.name,
                                                    what=what))
    untested = order[0] if order[0] not in CHECKABLE else None
    if untested is not None:
        # Net_SMTP would use a mechanism the check cannot speak: log in with the best
        # one it can, and say that the target's own choice was not tried.
        offered_upper = {m.upper() for m in offered}
        order = [m for m in model.mechanisms if m in CHECKABLE and m in offered_upper][:1]
        if not order:
            run.finish(Status.WARN, _("{client} would log in with {mechanism}, which this "
                                      "check cannot do.").format(
                client=model.name, mechanism=untested), (), _untested(model.name, untested,
                                                                      None))
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
        summary = _("Logged in as {user} with {mechanism}.").format(
            user=settings.username, mechanism=mechanism)
        details = (_("the server offers: {list}").format(list=" ".join(offered).upper()),)
        if untested is not None:
            run.finish(Status.WARN, summary, details, _untested(model.name, untested,
                                                                mechanism))
        else:
            run.finish(Status.OK, summary, details)
        return
    assert error is not None
    run.stop(_("The server rejected the login of {user}.").format(user=settings.username),
             _auth_diagnosis(error.code, error.message))


async def _auth_xoauth2(run: Run, smtp: RecordingSMTP, token: str | None,
                        offered: list[str]) -> None:
    """AUTH XOAUTH2 with an access token as the password, as Net_SMTP sends it."""
    user, model = run.settings.username, run.model
    # Net_SMTP before 1.9 has no XOAUTH2; the smtplib snippet does it through auth().
    too_old = model.client is Client.PEAR and "XOAUTH2" not in model.mechanisms
    if too_old or "XOAUTH2" not in {m.upper() for m in offered}:
        usable = ", ".join(model.mechanisms) if too_old else "XOAUTH2"
        run.stop(_("No AUTH mechanism in common with the server."),
                 diagnose("auth-mechanism", offered=" ".join(offered).upper(), usable=usable))
    if token is None:
        run.finish(Status.SKIPPED, _("No access token given: AUTH not tried."))
        return
    outcome = await run.command(auth_xoauth2(smtp, user, token, inline_rule(
        model.client, run.options.net_smtp)))
    if outcome.ok:
        run.finish(Status.OK, _("Logged in as {user} with XOAUTH2 (an OAuth access "
                                "token).").format(user=user),
                   (_("the server offers: {list}").format(list=" ".join(offered).upper()),))
        return
    reply = f"{outcome.code} {outcome.message}".replace("\n", " ")
    claims = token_claims(token)
    if outcome.too_long:
        found = diagnose("oauth-token-too-long", client=model.name, reply=reply,
                         length=outcome.line_length)
    elif claims is not None and not claims.may_send:
        found = diagnose("oauth-sendasapp-missing", reply=reply, app=claims.app_id)
    elif claims is not None and "5.7.3" in reply:
        found = diagnose("oauth-mailbox-permission", reply=reply, user=user,
                         app=claims.app_id)
    else:
        found = diagnose("oauth-token-refused", reply=reply, user=user)
    run.stop(_("The server refused the access token for {user}.").format(user=user), found,
             (outcome.detail,) if outcome.detail else ())


def _untested(client: str, mechanism: str, tested: str | None) -> Diagnosis:
    how = (_("it logged in with {tested} instead").format(tested=tested) if tested else
           _("the login was not tried"))
    return diagnose("auth-mechanism-untested", client=client, mechanism=mechanism, how=how,
                    tested=tested or "LOGIN")


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
    run = Run(settings, options, Transcript(redactor, on_line), on_progress)
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
            await envelope(run, smtp)
        # The answer to QUIT changes nothing.
        with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
            await asyncio.wait_for(smtp.quit(), timeout=min(2.0, settings.timeout))
    except Stop:
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


def stopped_report(settings: Settings, options: CheckOptions, failure: Failure) -> Report:
    """The report of a check that could not begin (`--security auto` found no SMTP on
    the port): `failure`, and the steps after it not run."""
    planned = planned_steps(settings, options)
    later = planned[planned.index(failure.step) + 1:] if failure.step in planned else []
    failed = Step(failure.step, Status.FAIL, failure.summary, failure.details,
                  failure.diagnosis)
    skipped = tuple(Step(step_id, Status.SKIPPED, _("Not run: an earlier step failed."))
                    for step_id in later)
    return Report("check", _target(settings, options), (failed, *skipped))


def _target(settings: Settings, options: CheckOptions) -> dict[str, object]:
    return {"host": settings.host, "port": settings.port, "security": str(settings.security),
            "auth": settings.auth, "username": settings.username, "sender": settings.sender,
            "client": str(options.client), "mediawiki_host": settings.mediawiki_host}
