"""`smtp-wizard`: the TUI by default, sub-commands for scripts.

Exit codes: 0 all checks passed (warnings allowed), 1 a check failed, 2 bad usage or
bad input (one line on stderr, never a traceback). Passwords are never taken as a
command-line argument, since those leak into `ps` and shell history.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard import __version__
from wizard.errors import UsageError, WizardError
from wizard.model.i18n import _
from wizard.model.settings import (
    Client,
    Security,
    Settings,
    check_email,
    check_hostname,
    check_password,
    check_port,
    check_timeout,
)

if TYPE_CHECKING:
    import dns.asyncresolver

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _RefusePassword(argparse.Action):
    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        raise UsageError(_("Passwords are not taken as an argument (they would leak into "
                           "`ps` and shell history): use --password-stdin or --password-env "
                           "VAR."))


def _password_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--password-stdin", action="store_true",
                        help=_("read the password from the first line of standard input"))
    source.add_argument("--password-env", metavar="VAR",
                        help=_("read the password from this environment variable"))
    parser.add_argument("--password", action=_RefusePassword, help=argparse.SUPPRESS)


def _settings_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("host", help=_("SMTP host; may carry a MediaWiki prefix: ssl://host"))
    parser.add_argument("--port", help=_("port (default: 465 for TLS, else 587)"))
    parser.add_argument("--security", choices=["none", "starttls", "tls", "auto"],
                        help=_("none: plain (PEAR: STARTTLS only with AUTH); starttls: "
                               "required; tls: TLS from the first byte; auto: find out "
                               "(default: tls with an ssl:// prefix, else starttls)"))
    parser.add_argument("--user", default="", help=_("SMTP user name; turns AUTH on"))
    _password_arguments(parser)
    parser.add_argument("--sender", default="", help=_("MAIL FROM address ($wgPasswordSender)"))
    parser.add_argument("--emergency-contact", default="", help=_("$wgEmergencyContact"))
    parser.add_argument("--id-host", default="", help=_("IDHost: domain of Message-IDs"))
    parser.add_argument("--helo", default="", help=_("EHLO name (PEAR's 'localhost')"))
    parser.add_argument("--timeout", default="10", help=_("seconds per stage (default 10)"))
    parser.add_argument("--ca-file", help=_("also trust the CA certificates in this PEM file"))
    parser.add_argument("--auth-mechanism", choices=["LOGIN", "PLAIN", "CRAM-MD5"],
                        help=_("force one AUTH mechanism"))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smtp-wizard", allow_abbrev=False,
        description=_("Get a wiki's outgoing mail working: every setting tested live "
                      "against the real server. Without a command, starts the wizard."))
    parser.add_argument("--version", action="version", version=f"smtp-wizard {__version__}")
    parser.add_argument("--demo", action="store_true",
                        help=_("run the wizard against a built-in local test server"))
    parser.add_argument("--localsettings", metavar="PATH",
                        help=_("LocalSettings.php (or the wiki folder) to start from"))
    start = parser.add_mutually_exclusive_group()
    start.add_argument("--rotate", action="store_true",
                       help=_("open the wizard on password rotation"))
    start.add_argument("--doctor", action="store_true",
                       help=_("open the wizard on checking an existing LocalSettings.php"))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help=_("test SMTP settings live"), allow_abbrev=False,
                                description=_("Test SMTP settings live, as the target "
                                              "software would use them."))
    _settings_arguments(check)
    check.add_argument("--client", choices=[c.value for c in Client], default="pear",
                       help=_("behave like PEAR (MediaWiki) or smtplib (Python, Django)"))
    check.add_argument("--rcpt", default="", help=_("also try RCPT TO this address"))
    check.add_argument("--send-test", action="store_true",
                       help=_("send a real test message to --rcpt"))
    check.add_argument("--json", action="store_true", help=_("machine-readable output"))
    check.add_argument("-v", "--verbose", action="store_true", help=_("show the transcript"))

    render = commands.add_parser("render", help=_("print or write a config snippet"),
                                 allow_abbrev=False,
                                 description=_("Write the mail settings for MediaWiki, "
                                               "Django, smtplib or MoinMoin."))
    _settings_arguments(render)
    render.add_argument("--target", choices=["mediawiki", "django", "smtplib", "moinmoin"],
                        default="mediawiki")
    render.add_argument("--password-from", metavar="SOURCE",
                        help=_("keyring, stdin or env:VAR (also --password-stdin/-env)"))
    render.add_argument("--password-mode", choices=["inline", "env", "file", "keyring"],
                        default="inline", help=_("where the snippet takes the password "
                                                 "from (default: inline)"))
    render.add_argument("--env-var", default="SMTP_PASSWORD",
                        help=_("variable for --password-mode env"))
    render.add_argument("--secrets-file", metavar="PATH",
                        help=_("the 0600 file for --password-mode file"))
    render.add_argument("--pin-cafile", metavar="PEM",
                        help=_("MediaWiki: trust exactly this certificate (self-signed "
                               "servers; an explicit opt-in)"))
    render.add_argument("--reply-to", action="store_true",
                        help=_("MediaWiki: set $wgUserEmailUseReplyTo"))
    render.add_argument("--moinmoin-version", choices=["2", "1.9"], default="2")
    where = render.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", metavar="FILE", help=_("write to this file"))
    where.add_argument("--patch", metavar="LOCALSETTINGS",
                       help=_("put the snippet into this LocalSettings.php (with a backup)"))

    rotate = commands.add_parser("rotate", help=_("change the SMTP password, tested first"),
                                 allow_abbrev=False,
                                 description=_("Test a new SMTP password against the server, "
                                               "then update LocalSettings.php (or its "
                                               "secrets file) and the keyring."))
    rotate.add_argument("--localsettings", metavar="PATH",
                        help=_("LocalSettings.php or the wiki folder (default: look for it)"))
    _password_arguments(rotate)
    rotate.add_argument("--ca-file", help=_("also trust the CA certificates in this file"))
    rotate.add_argument("--no-keyring", action="store_true",
                        help=_("do not store the new password in the keyring"))

    doctor = commands.add_parser("doctor", help=_("why does my wiki not send mail?"),
                                 allow_abbrev=False,
                                 description=_("Check LocalSettings.php, PHP, this machine "
                                               "and the live mail server, and say what to "
                                               "fix."))
    doctor.add_argument("localsettings", nargs="?", metavar="PATH",
                        help=_("LocalSettings.php or the wiki folder (default: look for it)"))
    _password_arguments(doctor)
    doctor.add_argument("--php", default="php", help=_("the PHP program to examine"))
    doctor.add_argument("--offline", action="store_true",
                        help=_("skip the live check of the mail server"))
    doctor.add_argument("--ca-file", help=_("also trust the CA certificates in this file"))
    doctor.add_argument("--no-keyring", action="store_true",
                        help=_("do not look for the password in the keyring"))
    doctor.add_argument("--rcpt", default="", help=_("also try RCPT TO this address"))
    doctor.add_argument("--json", action="store_true", help=_("machine-readable output"))
    doctor.add_argument("-v", "--verbose", action="store_true", help=_("show the transcript"))

    discover = commands.add_parser("discover", help=_("find the SMTP server for an address"),
                                   description=_("Find and probe the SMTP servers for an "
                                                 "e-mail address or domain."))
    discover.add_argument("query", help=_("alice@example.org or example.org"))
    discover.add_argument("--timeout", default="6", help=_("overall deadline in seconds"))
    discover.add_argument("--nameserver", metavar="IP[:PORT]",
                          help=_("ask this DNS server instead of the system's"))
    discover.add_argument("--json", action="store_true", help=_("machine-readable output"))
    discover.add_argument("-v", "--verbose", action="store_true", help=_("more detail"))
    return parser


def read_password(args: argparse.Namespace, *, prompt: str | None = None) -> str | None:
    """From --password-stdin, --password-env, or a no-echo prompt on a terminal."""
    if args.password_stdin:
        value = sys.stdin.readline().rstrip("\r\n")
    elif args.password_env:
        if args.password_env not in os.environ:
            raise UsageError(_("The environment variable {var} is not set.").format(
                var=args.password_env))
        value = os.environ[args.password_env]
    elif prompt is not None and sys.stdin.isatty():
        value = getpass.getpass(prompt)
    else:
        return None
    return check_password(value)


def settings_from_args(args: argparse.Namespace) -> Settings:
    fields: dict[str, object] = {
        "auth": bool(args.user), "username": args.user, "sender": args.sender,
        "emergency_contact": args.emergency_contact, "id_host": args.id_host,
        "helo_name": args.helo, "timeout": args.timeout, "ca_file": args.ca_file,
        "auth_mechanism": args.auth_mechanism,
    }
    settings = Settings.from_mediawiki_host(args.host, security=Security.STARTTLS, **fields)
    if args.security not in (None, "auto"):
        settings = settings.replace(security=Security(args.security))
    default_port = 465 if settings.security is Security.TLS else 587
    return settings.replace(port=args.port or default_port)


async def _check(args: argparse.Namespace) -> int:
    from wizard.cli.output import report_json, report_text
    from wizard.smtp.check import CheckOptions, run_check
    from wizard.smtp.ports import detect_security

    settings = settings_from_args(args)
    rcpt = check_email(args.rcpt, "rcpt", required=False) or None
    if args.send_test and not (rcpt and settings.sender):
        raise UsageError(_("--send-test needs --sender and --rcpt."))
    password = read_password(args, prompt=_("SMTP password for {user}: ").format(
        user=settings.username)) if settings.auth else None
    notes: list[str] = []
    if args.security == "auto":
        security, seen = await detect_security(settings)
        if security is None:
            raise UsageError(_("Port {port} of {host} does not speak SMTP ({state}); "
                               "choose --security yourself, or try `smtp-wizard discover`."
                               ).format(port=settings.port, host=settings.host, state=seen.state))
        settings = settings.replace(security=security)
        notes.append(_("auto: port {port} speaks {state}").format(port=settings.port,
                                                                 state=seen.state))
    options = CheckOptions(client=Client(args.client), rcpt=rcpt, send_test=args.send_test)
    report = await run_check(settings, password, options)
    if args.json:
        print(report_json(report))
    else:
        client = _("as MediaWiki (PEAR) would") if options.client is Client.PEAR else \
            _("as Python's smtplib would")
        title = f"{settings.mediawiki_host}:{settings.port} ({settings.security}, {client})"
        for line in [*settings.hints(), *notes]:
            title += "\n  " + line
        print(report_text(report, verbose=args.verbose, title=title))
    return report.exit_code


async def _discover(args: argparse.Namespace) -> int:
    from wizard.cli.output import discovery_text, report_json
    from wizard.smtp.discover import discover

    found = await discover(args.query, timeout=check_timeout(args.timeout),
                           resolver=_resolver(args.nameserver) if args.nameserver else None)
    print(report_json(found) if args.json else discovery_text(found, verbose=args.verbose))
    return found.report.exit_code


def _resolver(nameserver: str) -> dns.asyncresolver.Resolver:
    import dns.asyncresolver

    address, _sep, port = nameserver.rpartition(":") if nameserver.count(":") == 1 else (
        nameserver, "", "53")
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [check_hostname(address, "nameserver")]
    resolver.port = check_port(port)
    return resolver


def _render_password(args: argparse.Namespace, settings: Settings) -> str | None:
    source = args.password_from or ""
    if source == "keyring":
        from wizard.store.keyring import load_password

        password = load_password(settings)
        if password is None:
            raise UsageError(_("The keyring holds no password for {user} at {host}:{port}."
                               ).format(user=settings.username, host=settings.host,
                                        port=settings.port))
        return password
    if source == "stdin":
        args.password_stdin = True
    elif source.startswith("env:"):
        args.password_env = source[4:]
    elif source:
        raise UsageError(_("--password-from takes keyring, stdin or env:VAR."))
    return read_password(args, prompt=_("SMTP password for {user}: ").format(
        user=settings.username))


def _render(args: argparse.Namespace) -> int:
    from wizard.mediawiki.localsettings import read_localsettings
    from wizard.mediawiki.pear import pear_knows_starttls
    from wizard.render import PasswordMode, RenderOptions, Target, render
    from wizard.store.install import write_patch, write_snippet

    settings = settings_from_args(args)
    mode = PasswordMode(args.password_mode)
    needs_password = settings.auth and mode in (PasswordMode.INLINE, PasswordMode.FILE)
    password = _render_password(args, settings) if needs_password else None
    if needs_password and password is None:
        raise UsageError(_("This password mode writes the password: give it with "
                           "--password-from, --password-stdin or --password-env."))
    config = read_localsettings(Path(args.patch)) if args.patch else None
    options = RenderOptions(
        password_mode=mode, password=password, env_var=args.env_var,
        secrets_path=os.path.abspath(args.secrets_file) if args.secrets_file else None,
        pear_starttls=pear_knows_starttls(config.wiki_root if config else None),
        pinned_cafile=args.pin_cafile, use_reply_to=args.reply_to,
        moinmoin_version=args.moinmoin_version)
    rendered = render(settings, Target(args.target), options)
    if config is not None:
        result, written = write_patch(rendered, config.path, expected=config.raw)
        for item in written:
            print(item.describe())
        if not result.changed:
            print(_("{path} already holds exactly this block; nothing written.").format(
                path=result.path))
        else:
            print(_("patched {path} ({action}, line {line}); the previous version is in "
                    "{backup}").format(path=result.path, action=result.action,
                                       line=result.line, backup=result.backup))
            print(_("php -l: {outcome}").format(outcome=result.lint))
        for warning in result.warnings:
            print(warning)
    elif args.output:
        for item in write_snippet(rendered, Path(args.output),
                                  holds_password=mode is PasswordMode.INLINE):
            print(item.describe())
    else:
        print(rendered.snippet, end="" if rendered.snippet.endswith("\n") else "\n")
        if rendered.secrets_file is not None:
            print(_("# The secrets file {path} is not written without -o or --patch.").format(
                path=rendered.secrets_file[0]), file=sys.stderr)
    return EXIT_OK


def _new_password(args: argparse.Namespace) -> str:
    if args.password_stdin or args.password_env or not sys.stdin.isatty():
        password = read_password(args)
        if password is None:
            raise UsageError(_("Give the new password with --password-stdin or "
                               "--password-env VAR."))
        return password
    first = check_password(getpass.getpass(_("New SMTP password: ")))
    if getpass.getpass(_("The same again: ")) != first:
        raise UsageError(_("The two passwords differ; nothing was changed."))
    return first


async def _rotate(args: argparse.Namespace) -> int:
    from wizard.cli.output import report_text
    from wizard.mediawiki.localsettings import find_localsettings, read_localsettings, to_settings
    from wizard.store.rotate import rotate_password

    given = Path(args.localsettings) if args.localsettings else None
    path = find_localsettings(given, Path.cwd())
    if path is None:
        raise UsageError(_("No LocalSettings.php found here or in the usual places; name it "
                           "with --localsettings PATH."))
    config = read_localsettings(path)
    found = to_settings(config)
    if found is None:
        raise UsageError(_("{path} does not send through SMTP ($wgSMTP is not set); run "
                           "smtp-wizard to set it up.").format(path=path))
    settings, _old = found
    if not settings.auth:
        raise UsageError(_("{path} sends without authentication: there is no password to "
                           "change.").format(path=path))
    if args.ca_file:
        settings = settings.replace(ca_file=args.ca_file)
    password = _new_password(args)
    result = await rotate_password(config, settings, password, store=not args.no_keyring)
    print(report_text(result.report, title=_("Testing the new password for {user} at "
                                             "{host}:{port}").format(
        user=settings.username, host=settings.mediawiki_host, port=settings.port)))
    if not result.tested:
        print(_("The new password did not log in, so nothing was changed."))
        return EXIT_FAILED
    if result.change is not None:
        print(_("Updated the password in {path}; the previous version is in {backup}.").format(
            path=result.change.path, backup=result.change.backup))
    if result.stored is not None:
        print(_("Stored the new password in the keyring ({backend}).").format(
            backend=result.stored.name))
    for note in result.notes:
        print(note)
    return EXIT_OK


async def _doctor(args: argparse.Namespace) -> int:
    from wizard.cli.output import report_json, report_text
    from wizard.doctor import DoctorOptions, run_doctor

    result = await run_doctor(DoctorOptions(
        Path(args.localsettings) if args.localsettings else None, cwd=Path.cwd(),
        php=args.php, password=read_password(args), use_keyring=not args.no_keyring,
        live=not args.offline, ca_file=args.ca_file,
        rcpt=check_email(args.rcpt, "rcpt", required=False) or None))
    report = result.report
    if args.json:
        print(report_json(report))
    else:
        where = report.target.get("localsettings") or _("no LocalSettings.php")
        print(report_text(report, verbose=args.verbose,
                          title=_("smtp-wizard doctor: {where}").format(where=where)))
    return report.exit_code


def _run_tui(args: argparse.Namespace) -> int:
    # Textual is imported only here, so scripts using sub-commands never pay for it.
    from wizard.ui.app import run_wizard

    mode = "rotate" if args.rotate else "doctor" if args.doctor else "new"
    return run_wizard(demo=args.demo, localsettings=args.localsettings, mode=mode)


Command = Callable[[argparse.Namespace], int | Coroutine[Any, Any, int]]
"""A sub-command: its exit code, or a coroutine that `main` runs to get one."""

COMMANDS: dict[str, Command] = {
    "check": _check,
    "render": _render,
    "rotate": _rotate,
    "doctor": _doctor,
    "discover": _discover,
}


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.command is None:
            return _run_tui(args)
        result = COMMANDS[args.command](args)
        return result if isinstance(result, int) else asyncio.run(result)
    except WizardError as exc:  # the one root: a sentence for the user, never a traceback
        print(f"smtp-wizard: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(_("smtp-wizard: interrupted."), file=sys.stderr)
        return 130
    except OSError as exc:  # a path given on the command line: missing, a folder, a link
        print(f"smtp-wizard: {_os_error(exc)}", file=sys.stderr)
    return EXIT_USAGE


def _os_error(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    return f"{exc.filename}: {reason}" if exc.filename else reason
