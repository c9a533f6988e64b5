"""The sender, recipient and send steps: MAIL FROM, RCPT TO and, if asked, DATA.

Many servers judge the sender only at RCPT TO (Postfix's smtpd_delay_reject, the default,
runs its sender restrictions there), so the sender step always carries the envelope
through RCPT TO (to the recipient, else to the sender itself) and then RSET: nothing is
sent. Some providers judge it only after DATA; for those the step says it cannot know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from wizard.model.diagnosis import diagnose
from wizard.model.i18n import N_, _
from wizard.model.report import Status
from wizard.model.settings import Settings
from wizard.smtp.checkrun import Run
from wizard.smtp.connect import RecordingSMTP, record_reply

__all__ = ["DataTimeRule", "data_time_rule", "envelope", "refuses_sender"]

# Replies to RCPT TO that are about the sender, in the servers' own words: Postfix's
# smtpd restrictions ("Sender address rejected: not owned by user bob", "...: Domain not
# found"), Exchange ("5.7.60 SMTP; Client does not have permissions to send as this
# sender"), Exim ("Sender verify failed"), and RFC 3463's bad sender codes.
_SENDER_REFUSAL = re.compile(
    r"sender address rejected|send as this sender|sender verif\w* failed"
    r"|not (?:allowed|permitted|authori[sz]ed) to send (?:as|from|mail as)"
    r"|sendasdenied|\b5\.7\.60\b|\b5\.1\.[78]\b", re.IGNORECASE)


def refuses_sender(reply: str) -> bool:
    """Whether a refusal (at RCPT TO or after DATA) is about the sender."""
    return bool(_SENDER_REFUSAL.search(reply))


@dataclass(frozen=True)
class DataTimeRule:
    """A provider that accepts any sender at MAIL FROM and RCPT TO and refuses a foreign
    one only after the message, so RCPT + RSET cannot tell."""

    provider: str
    hosts: re.Pattern[str]
    banner: re.Pattern[str]
    """The greeting of its servers, for a host name of one's own pointing there."""
    rule: str
    how: str


_DATA_TIME_RULES = (
    DataTimeRule(
        "Microsoft 365",
        re.compile(r"smtp\.office365\.com|smtp-mail\.outlook\.com|smtp\.outlook\.com"),
        re.compile(r"\.outlook\.(?:office365\.)?com\b", re.IGNORECASE),
        N_("a mailbox without the Send As right for that address gets “554 5.2.252 "
           "SendAsDenied” after the message"),
        N_("Send As permission for the login's mailbox, or the mailbox's own address")),
    DataTimeRule(
        "Amazon SES",
        re.compile(r"email-smtp(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com"),
        re.compile(r"SimpleEmailService|email-smtp\.amazonaws\.com", re.IGNORECASE),
        N_("a sender that is not a verified identity gets “554 Message rejected: Email "
           "address is not verified” after the message, and in the sandbox so does every "
           "recipient that is not verified"),
        N_("verify the address or its domain in the SES console")),
)


def data_time_rule(host: str, banner: str) -> DataTimeRule | None:
    """The provider rule for a server known by its name or its greeting, if any."""
    for rule in _DATA_TIME_RULES:
        if rule.hosts.fullmatch(host.lower()) or rule.banner.search(banner):
            return rule
    return None


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


def _unsendable(run: Run, smtp: RecordingSMTP, address: str) -> str | None:
    """Why the target client cannot send `address`, or None when it can: a non-ASCII
    local part needs SMTPUTF8, from the client and the server."""
    if address.isascii() or (run.model.smtputf8 and smtp.supports_extension("smtputf8")):
        return None
    return (_("the server does not offer SMTPUTF8") if run.model.smtputf8 else
            _("PEAR (MediaWiki) never uses SMTPUTF8"))


def _stop_unsendable(run: Run, address: str, why: str) -> None:
    run.stop(_("{address} cannot be sent: {why}.").format(address=address, why=why),
             diagnose("address-smtputf8", address=address, why=why))


async def envelope(run: Run, smtp: RecordingSMTP) -> None:
    """The sender step, then the recipient and send steps when a recipient is given."""
    settings, rcpt, send_test = run.settings, run.options.rcpt, run.options.send_test
    sender = settings.sender
    run.begin("sender")
    why = _unsendable(run, smtp, sender)
    if why is not None:
        _stop_unsendable(run, sender, why)
    rcpt_why = _unsendable(run, smtp, rcpt) if rcpt else None
    # RCPT TO the recipient, or (none given, or one that cannot be sent) to the sender.
    probe = rcpt if rcpt and rcpt_why is None else sender
    utf8 = not (sender.isascii() and probe.isascii())
    encoding = "utf-8" if utf8 else "ascii"
    try:
        await run.command(smtp.mail(sender, options=["SMTPUTF8"] if utf8 else None,
                                    encoding=encoding))
    except aiosmtplib.SMTPSenderRefused as exc:
        reply = f"{exc.code} {exc.message}"
        if exc.code == 530:
            run.stop(_("The server wants a login first."), diagnose("auth-required", reply=reply))
        run.stop(_("The server refused the sender {sender}.").format(sender=sender),
                 diagnose("sender-rejected", sender=sender, reply=reply))
    refused: str | None = None
    try:
        await run.command(smtp.rcpt(probe, encoding=encoding))
    except aiosmtplib.SMTPRecipientRefused as exc:
        refused = f"{exc.code} {exc.message}"
        if exc.code == 530:
            run.stop(_("The server wants a login first."), diagnose("auth-required",
                                                                    reply=refused))
    _sender_verdict(run, probe, refused, utf8=not sender.isascii())
    if rcpt:
        run.begin("recipient")
        if rcpt_why is not None:
            _stop_unsendable(run, rcpt, rcpt_why)
        if refused is not None:
            run.stop(_("The server refused the recipient {rcpt}.").format(rcpt=rcpt),
                     diagnose("recipient-rejected", rcpt=rcpt, reply=refused))
        run.finish(Status.OK, _("The server accepts mail for {rcpt}.").format(rcpt=rcpt))
    if rcpt and send_test:
        await _send(run, smtp, rcpt, utf8)
    else:
        await run.command(smtp.rset())


def _sender_verdict(run: Run, probe: str, refused: str | None, *, utf8: bool) -> None:
    """The sender step's end, after MAIL FROM and RCPT TO `probe` (`refused`: its
    refusal, if any); `utf8`: the sender went out with SMTPUTF8."""
    settings, sender = run.settings, run.settings.sender
    if refused is not None and refuses_sender(refused):
        run.stop(_("The server refused the sender {sender} at RCPT TO.").format(sender=sender),
                 diagnose("sender-rejected", sender=sender, reply=refused))
    details: list[str] = []
    if refused is not None and probe == sender:
        # A refusal about the recipient: servers judge the sender before it (Postfix's
        # sender restrictions come before its recipient restrictions).
        details.append(_("RCPT TO <{probe}>, sent only to test the sender, was refused: "
                         "{reply}").format(probe=probe, reply=refused))
    if utf8:
        details.append(_("Sent with SMTPUTF8, as smtplib's send_message() does; Django and "
                         "MoinMoin cannot send from this address."))
    rule = data_time_rule(settings.ascii_host, run.banner)
    if rule is not None and not (run.options.rcpt and run.options.send_test):
        run.finish(Status.WARN, _("The server did not refuse {sender}, but {provider} judges "
                                  "the sender only after the message.").format(
            sender=sender, provider=rule.provider), details, diagnose(
                "sender-unverified", provider=rule.provider, sender=sender, rule=_(rule.rule),
                how=_(rule.how)))
        return
    run.finish(Status.OK, _("The server accepts {sender} as sender.").format(sender=sender),
               details)


async def _send(run: Run, smtp: RecordingSMTP, rcpt: str, utf8: bool) -> None:
    run.begin("send")
    message = _test_message(run.settings, rcpt)
    data = message.as_bytes(policy=policy.SMTPUTF8 if utf8 else policy.SMTP)
    run.transcript.client("DATA")
    run.transcript.client(_("<message of {n} bytes, Message-ID {id}>").format(
        n=len(data), id=message["Message-ID"]))
    try:
        accepted = await run.command(smtp.data(data))
    except aiosmtplib.SMTPDataError as exc:
        record_reply(run.transcript, exc.code, exc.message)
        reply = f"{exc.code} {exc.message}"
        if refuses_sender(reply):
            run.stop(_("The server refused the sender {sender} after the message.").format(
                sender=run.settings.sender), diagnose("sender-rejected",
                                                      sender=run.settings.sender, reply=reply))
        run.stop(_("The server refused the test message."), diagnose("data-rejected",
                                                                     reply=reply))
    record_reply(run.transcript, accepted.code, accepted.message)
    run.finish(Status.OK, _("Test message sent to {rcpt}.").format(rcpt=rcpt),
               (f"Message-ID: {message['Message-ID']}",))
