"""`smtp-wizard render`: print a snippet, write it, or patch LocalSettings.php."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from wizard.cli.common import EXIT_OK, read_password, settings_arguments, settings_from_args
from wizard.errors import UsageError
from wizard.model.i18n import _
from wizard.model.settings import Settings


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
    where = parser.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", metavar="FILE", help=_("write to this file"))
    where.add_argument("--patch", metavar="LOCALSETTINGS",
                       help=_("put the snippet into this LocalSettings.php (with a backup)"))


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


def run(args: argparse.Namespace) -> int:
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
