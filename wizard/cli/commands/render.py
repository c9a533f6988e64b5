"""`smtp-wizard render`: print a snippet, write it, or patch LocalSettings.php."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.cli.common import EXIT_OK, read_password, settings_arguments, settings_from_args
from wizard.cli.keyring_choice import keyring_arguments
from wizard.errors import UsageError, WizardError
from wizard.model.i18n import _

if TYPE_CHECKING:
    from wizard.mediawiki.localsettings import WikiConfig
    from wizard.model.settings import Settings
    from wizard.render import PasswordMode, Rendered, Target


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("render", help=_("print or write a config snippet"),
                                 allow_abbrev=False,
                                 description=_("Write the mail settings for MediaWiki, "
                                               "Django, smtplib or MoinMoin."))
    settings_arguments(parser)
    parser.add_argument("--target", choices=["mediawiki", "django", "smtplib", "moinmoin"],
                        default="mediawiki")
    parser.add_argument("--password-from", metavar="SOURCE",
                        help=_("keyring, stdin or env:VAR (also --password-stdin/-env)"))
    parser.add_argument("--password-mode", choices=["inline", "env", "file", "keyring"],
                        default="inline", help=_("where the snippet takes the password "
                                                 "from (default: inline)"))
    parser.add_argument("--env-var", default="SMTP_PASSWORD",
                        help=_("variable for --password-mode env"))
    parser.add_argument("--secrets-file", metavar="PATH",
                        help=_("the 0600 file for --password-mode file"))
    parser.add_argument("--pin-cafile", metavar="PEM",
                        help=_("MediaWiki: trust exactly this certificate (self-signed "
                               "servers; an explicit opt-in)"))
    parser.add_argument("--reply-to", action="store_true",
                        help=_("MediaWiki: set $wgUserEmailUseReplyTo"))
    parser.add_argument("--moinmoin-version", choices=["2", "1.9"], default="2")
    parser.add_argument("--token-file", metavar="PATH", help=_(
        "XOAUTH2: the file smtp-wizard token refresh keeps the access token in"))
    keyring_arguments(parser)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", metavar="FILE", help=_("write to this file"))
    where.add_argument("--patch", metavar="LOCALSETTINGS",
                       help=_("put the snippet into this LocalSettings.php (with a backup)"))
    parser.add_argument("--php-user", "--web-user", metavar="USER", action="append",
                        default=[], dest="php_users",
                        help=_("an account that runs the wiki's PHP (web server, php-fpm "
                               "pool, job runner); repeatable. Needed when it cannot be "
                               "found on this machine"))
    parser.add_argument("-y", "--yes", action="store_true",
                        help=_("write without asking (the change is still shown)"))
    parser.add_argument("--no-test", action="store_true",
                        help=_("write without testing host, prefix and port first"))


def _render_password(args: argparse.Namespace, settings: Settings) -> str | None:
    source = args.password_from or ""
    if source == "keyring":
        from wizard.cli.keyring_choice import choose_keyring
        from wizard.store.backends import sudo_note
        from wizard.store.keyring import load_password

        keyring = choose_keyring(args, create=False)
        if keyring.backend is None:
            raise UsageError(keyring.hint)
        password = load_password(settings, backend=keyring.backend)
        if password is None:
            raise UsageError(" ".join(filter(None, (_(
                "The keyring ({keyring}) holds no password for {user} at {host}:{port}."
            ).format(keyring=keyring.info.name if keyring.info else "", user=settings.username,
                     host=settings.host, port=settings.port), sudo_note()))))
        return password
    if source == "stdin":
        args.password_stdin = True
    elif source.startswith("env:"):
        args.password_env = source[4:]
    elif source:
        raise UsageError(_("--password-from takes keyring, stdin or env:VAR."))
    return read_password(args, prompt=_("SMTP password for {user}: ").format(
        user=settings.username))


async def run(args: argparse.Namespace) -> int:
    from wizard.mediawiki.localsettings import read_localsettings
    from wizard.mediawiki.pear import pear_knows_starttls
    from wizard.mediawiki.pinning import pin_problem
    from wizard.mediawiki.root import mediawiki_for
    from wizard.render import PasswordMode, RenderOptions, Target, render
    from wizard.store.install import write_snippet

    settings = settings_from_args(args)
    mode = PasswordMode(args.password_mode)
    xoauth2 = settings.auth_mechanism == "XOAUTH2"
    needs_password = settings.auth and mode in (PasswordMode.INLINE, PasswordMode.FILE) and \
        not xoauth2
    password = _render_password(args, settings) if needs_password else None
    if needs_password and password is None:
        raise UsageError(_("This password mode writes the password: give it with "
                           "--password-from, --password-stdin or --password-env."))
    if args.pin_cafile and (problem := pin_problem(args.pin_cafile)):
        raise UsageError(problem)
    config: WikiConfig | None = read_localsettings(Path(args.patch)) if args.patch else None
    install = mediawiki_for(config) if config else None
    options = RenderOptions(
        password_mode=mode, password=password, env_var=args.env_var,
        secrets_path=os.path.abspath(args.secrets_file) if args.secrets_file else None,
        pear_starttls=pear_knows_starttls(install or (config.wiki_root if config else None)),
        pinned_cafile=args.pin_cafile, use_reply_to=args.reply_to,
        moinmoin_version=args.moinmoin_version,
        token_file=os.path.abspath(args.token_file) if args.token_file else None)
    target = Target(args.target)
    rendered = render(settings, target, options)
    if not (config or args.output):
        print(rendered.snippet, end="" if rendered.snippet.endswith("\n") else "\n")
        if rendered.secrets_file is not None:
            print(_("# The secrets file {path} is not written without -o or --patch.").format(
                path=rendered.secrets_file[0]), file=sys.stderr)
        return EXIT_OK
    if not args.no_test:
        await _test_first(args, settings, _xoauth2_token(args) if xoauth2 else password,
                          target)
    if config is not None:
        _patch(args, rendered, config, password, mode, env_var=args.env_var if (
            mode is PasswordMode.ENV and settings.auth) else None)
    else:
        for item in write_snippet(rendered, Path(args.output),
                                  holds_password=mode is PasswordMode.INLINE):
            print(item.describe())
    return EXIT_OK


def _xoauth2_token(args: argparse.Namespace) -> str | None:
    """The token the snippet will read, for the test before writing."""
    from wizard.oauth.state import read_token

    return read_token(Path(args.token_file)) if args.token_file else None


async def _test_first(args: argparse.Namespace, settings: Settings, password: str | None,
                      target: Target) -> None:
    """The server, tested the way the target will talk to it, before anything is
    written: a wrong prefix or port would make the wiki wait without end."""
    import shutil

    from wizard.cli.output import report_text
    from wizard.mediawiki.preflight import preflight
    from wizard.model.settings import Client
    from wizard.render import Target

    client = Client.PEAR if target is Target.MEDIAWIKI else Client.SMTPLIB
    result = await preflight(settings, password, client=client,
                             pinned_cafile=args.pin_cafile if target is Target.MEDIAWIKI
                             else None, php=shutil.which("php"))
    how = _("as MediaWiki (PEAR) will connect") if client is Client.PEAR else _(
        "as Python's smtplib will connect")
    print(report_text(result.report, title=_("Testing {host} port {port} before writing, "
                                             "{how}").format(
        host=settings.mediawiki_host, port=settings.port, how=how)))
    if not result.ok:
        raise WizardError("\n".join(result.problems))
    if target is Target.MEDIAWIKI:
        print(_("The server answers on this host, prefix and port, so PEAR will not wait "
                "for a greeting that never comes ('timeout' bounds only the connect)."))
    for line in result.advice:
        print(line)


def _patch(args: argparse.Namespace, rendered: Rendered, config: WikiConfig,
           password: str | None, mode: PasswordMode, *, env_var: str | None) -> None:
    from wizard.mediawiki.senders import find_php_accounts
    from wizard.render import PasswordMode
    from wizard.store.install import PatchOptions, write_patch

    users = list(args.php_users)
    try:
        accounts = find_php_accounts(localsettings=config.path, given=users)
    except LookupError as exc:
        raise UsageError(_("There is no account {name} on this machine (--php-user)."
                           ).format(name=exc.args[0])) from None
    if accounts.guessed and rendered.secrets_file is not None and os.geteuid() == 0:
        users = _ask_accounts([item.account.name for item in accounts.found])
        accounts = find_php_accounts(localsettings=config.path, given=users)
    options = PatchOptions(
        accounts=accounts, confirm=lambda diff: _confirm(args, diff),
        secrets=(password,) if password else (),
        holds_password=mode is PasswordMode.INLINE and password is not None,
        env_var=env_var)
    result, written = write_patch(rendered, config.path, expected=config.raw,
                                  options=options)
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
        for note in result.notes:
            print(note)
    for warning in result.warnings:
        print(warning)


def _ask_accounts(proposed: list[str]) -> list[str]:
    """Which accounts run the wiki's PHP, when nothing on this machine says so."""
    if not sys.stdin.isatty():
        raise UsageError(_(
            "No web server runs or is configured here, so it is unclear which accounts "
            "must read the secrets file. Name each with --php-user ACCOUNT (the web "
            "server's, and the job runner's if it runs as another); nothing was written."))
    answer = input(_("Which accounts run the wiki's PHP (web server, job runner)? "
                     "[{proposed}] ").format(proposed=" ".join(proposed)))
    return answer.split() or proposed


def _confirm(args: argparse.Namespace, diff: str) -> bool:
    """Show the change (secrets masked); write on --yes or a yes at the terminal."""
    print(_("The change (secrets masked):"))
    print(diff, end="")
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError(_("Nothing was written: run again with --yes to write this change "
                           "(standard input is not a terminal to ask on)."))
    return input(_("Write this? [y/N] ")).strip().lower() in ("y", "yes")
