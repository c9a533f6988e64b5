"""`smtp-wizard check`: test settings live, as the target client would use them."""

from __future__ import annotations

import argparse
from collections.abc import Coroutine
from typing import Any

from wizard.cli.common import settings_arguments
from wizard.model.i18n import _

CLIENTS = ("pear", "smtplib")
"""The values of `wizard.model.settings.Client`, spelled out: building this parser must
not import the settings model (every command's parser is built, even for `--help`)."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("check", help=_("test SMTP settings live"), allow_abbrev=False,
                                 description=_("Test SMTP settings live, as the target "
                                               "software would use them."))
    settings_arguments(parser, host_optional=True)
    parser.add_argument("--client", choices=CLIENTS, default="pear",
                        help=_("behave like PEAR (MediaWiki) or smtplib (Python, Django)"))
    parser.add_argument("--rcpt", default="", help=_("RCPT TO this address (default: the "
                                                     "sender itself; then RSET)"))
    parser.add_argument("--net-smtp", metavar="VERSION",
                        help=_("PEAR: the Net_SMTP release the wiki loads, such as 1.10.1 "
                               "(default: the newest)"))
    parser.add_argument("--auth-sasl", action="store_true",
                        help=_("PEAR: Auth_SASL is installed, so Net_SMTP prefers SCRAM, "
                               "DIGEST-MD5 and CRAM-MD5"))
    token = parser.add_mutually_exclusive_group()
    token.add_argument("--token-file", metavar="PATH", help=_(
        "XOAUTH2: log in with the access token in this file (the one the wiki reads)"))
    token.add_argument("--token-config", metavar="PATH", help=_(
        "XOAUTH2: fetch a fresh token with this smtp-wizard token configuration"))
    parser.add_argument("--send-test", action="store_true",
                        help=_("send a real test message to --rcpt"))
    parser.add_argument("--via-php", action="store_true", help=_(
        "then talk through the wiki's own PHP and PEAR, as its web server's account: "
        "MediaWiki's verdict decides (HOST may then be left out: the wiki's $wgSMTP)"))
    parser.add_argument("--localsettings", metavar="PATH", help=_(
        "--via-php: the wiki's LocalSettings.php or folder (default: look for it)"))
    parser.add_argument("--php", default="php", help=_("--via-php: the PHP program"))
    parser.add_argument("--json", action="store_true", help=_("machine-readable output"))
    parser.add_argument("-v", "--verbose", action="store_true", help=_("show the transcript"))


def run(args: argparse.Namespace) -> Coroutine[Any, Any, int]:
    if args.host is None and not args.via_php:
        # Said before anything loads, as argparse says what else is missing.
        from wizard.errors import UsageError

        raise UsageError(_("Name the SMTP host, or take it from the wiki with --via-php."))
    return _check(args)


async def _check(args: argparse.Namespace) -> int:
    from wizard.smtp.tls import prepare_client_context

    # The CA store loads in a thread while the rest of the check is imported.
    prepare_client_context(args.ca_file)
    from wizard.cli.common import read_password, settings_from_args
    from wizard.cli.output import report_json, report_text
    from wizard.errors import UsageError
    from wizard.model.fields import check_email
    from wizard.model.settings import Client
    from wizard.smtp.check import CheckOptions, run_check, stopped_report
    from wizard.smtp.connect import port_failure
    from wizard.smtp.ports import detect_security

    wiki = file_password = None
    if args.localsettings and not args.via_php:
        raise UsageError(_("--localsettings goes with --via-php."))
    if args.via_php:
        from pathlib import Path

        from wizard.doctor.via_check import open_wiki

        if args.client != "pear":
            raise UsageError(_("--via-php talks as MediaWiki does: it goes with --client pear."))
        wiki = open_wiki(Path(args.localsettings) if args.localsettings else None,
                         cwd=Path.cwd(), php=args.php)
    if wiki is not None and args.host is None:
        if args.port or args.user or args.security:
            raise UsageError(_("--port, --user and --security go with HOST; without it the "
                               "wiki's $wgSMTP is checked."))
        settings, file_password = wiki.settings(args.ca_file)
        if args.sender:
            settings = settings.replace(sender=args.sender)
    else:
        settings = settings_from_args(args)
        if wiki is not None and not settings.sender:
            settings = settings.replace(sender=wiki.sender)
    rcpt = check_email(args.rcpt, "rcpt", required=False) or None
    if args.send_test and not (rcpt and settings.sender):
        raise UsageError(_("--send-test needs --sender and --rcpt."))
    if settings.auth_mechanism == "XOAUTH2":
        password = await _token(args)
    elif args.token_file or args.token_config:
        raise UsageError(_("--token-file and --token-config go with --auth-mechanism "
                           "XOAUTH2."))
    else:
        # A password given goes first; the wiki's own (its files) needs no prompt.
        prompt = _("SMTP password for {user}: ").format(user=settings.username) \
            if file_password is None else None
        given = read_password(args, prompt=prompt) if settings.auth else None
        password = file_password if given is None else given
    notes: list[str] = []
    net_smtp = None
    if args.net_smtp:
        # PEAR's version rules come with the PHP reader: loaded only when asked for.
        from wizard.mediawiki.pear import version_tuple

        net_smtp = version_tuple(args.net_smtp)
        if net_smtp is None:
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
    if wiki is not None:
        notes.append(wiki.title())
        report = await wiki.verdict(report, settings, password, replace=args.host is not None,
                                    sender=args.sender, rcpt=rcpt, ca_file=args.ca_file)
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


async def _token(args: argparse.Namespace) -> str | None:
    """The access token XOAUTH2 sends: from the token file, freshly fetched, or (as a
    password) from standard input or the environment."""
    from pathlib import Path

    from wizard.cli.common import read_password
    from wizard.errors import UsageError

    if args.token_file:
        from wizard.oauth.state import read_token

        token = read_token(Path(args.token_file))
        if token is None:
            raise UsageError(_("{path} holds no access token (missing, empty or "
                               "unreadable).").format(path=args.token_file))
        return token
    if args.token_config:
        from wizard.oauth.config import load_config
        from wizard.oauth.tokens import fetch_token

        return (await fetch_token(load_config(Path(args.token_config)))).access_token
    return read_password(args, prompt=_("Access token: "))
