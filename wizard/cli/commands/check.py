"""`smtp-wizard check`: test settings live, as the target client would use them."""

from __future__ import annotations

import argparse

from wizard.cli.common import (
    read_password,
    settings_arguments,
    settings_from_args,
)
from wizard.errors import UsageError
from wizard.model.i18n import _
from wizard.model.settings import Client, check_email


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("check", help=_("test SMTP settings live"), allow_abbrev=False,
                                 description=_("Test SMTP settings live, as the target "
                                               "software would use them."))
    settings_arguments(parser)
    parser.add_argument("--client", choices=[c.value for c in Client], default="pear",
                        help=_("behave like PEAR (MediaWiki) or smtplib (Python, Django)"))
    parser.add_argument("--rcpt", default="", help=_("RCPT TO this address (default: the "
                                                     "sender itself; then RSET)"))
    parser.add_argument("--net-smtp", metavar="VERSION",
                        help=_("PEAR: the Net_SMTP release the wiki loads, such as 1.10.1 "
                               "(default: the newest)"))
    parser.add_argument("--auth-sasl", action="store_true",
                        help=_("PEAR: Auth_SASL is installed, so Net_SMTP prefers SCRAM, "
                               "DIGEST-MD5 and CRAM-MD5"))
    parser.add_argument("--send-test", action="store_true",
                        help=_("send a real test message to --rcpt"))
    parser.add_argument("--json", action="store_true", help=_("machine-readable output"))
    parser.add_argument("-v", "--verbose", action="store_true", help=_("show the transcript"))


async def run(args: argparse.Namespace) -> int:
    from wizard.cli.output import report_json, report_text
    from wizard.mediawiki.pear import version_tuple
    from wizard.smtp.check import CheckOptions, run_check, stopped_report
    from wizard.smtp.connect import port_failure
    from wizard.smtp.ports import detect_security

    settings = settings_from_args(args)
    rcpt = check_email(args.rcpt, "rcpt", required=False) or None
    if args.send_test and not (rcpt and settings.sender):
        raise UsageError(_("--send-test needs --sender and --rcpt."))
    password = read_password(args, prompt=_("SMTP password for {user}: ").format(
        user=settings.username)) if settings.auth else None
    notes: list[str] = []
    net_smtp = version_tuple(args.net_smtp) if args.net_smtp else None
    if args.net_smtp and net_smtp is None:
        raise UsageError(_("--net-smtp takes a version number, such as 1.10.1."))
    options = CheckOptions(client=Client(args.client), rcpt=rcpt, send_test=args.send_test,
                           net_smtp=net_smtp, auth_sasl=args.auth_sasl)
    failure = None
    if args.security == "auto":
        security, seen = await detect_security(settings)
        if security is None:
            # What the server does is a finding (exit 1), not a mistake in the command line.
            failure = port_failure(settings, seen)
            notes.append(_("auto: port {port} speaks no SMTP ({state})").format(
                port=settings.port, state=seen.state))
        else:
            settings = settings.replace(security=security)
            notes.append(_("auto: port {port} speaks {state}").format(port=settings.port,
                                                                     state=seen.state))
    report = (stopped_report(settings, options, failure) if failure is not None
              else await run_check(settings, password, options))
    if args.json:
        print(report_json(report))
    else:
        client = _("as MediaWiki (PEAR) would") if options.client is Client.PEAR else \
            _("as Python's smtplib would")
        security_shown = "auto" if failure is not None else settings.security
        title = f"{settings.mediawiki_host}:{settings.port} ({security_shown}, {client})"
        for line in [*settings.hints(), *notes]:
            title += "\n  " + line
        print(report_text(report, verbose=args.verbose, title=title))
    return report.exit_code
