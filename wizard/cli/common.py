"""What the sub-commands share: exit codes, the password and settings options."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from wizard.errors import UsageError
from wizard.model.i18n import _

if TYPE_CHECKING:
    # Imported where used: every command's parser is built for any command line, even
    # `--help`, which needs neither.
    from wizard.model.settings import Settings

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "Command",
    "password_arguments",
    "read_password",
    "settings_arguments",
    "settings_from_args",
]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

Command = Callable[[argparse.Namespace], int | Coroutine[Any, Any, int]]
"""A sub-command: its exit code, or a coroutine that `main` runs to get one."""


class _RefusePassword(argparse.Action):
    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        raise UsageError(_("Passwords are not taken as an argument (they would leak into "
                           "`ps` and shell history): use --password-stdin or --password-env "
                           "VAR."))


def password_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--password-stdin", action="store_true",
                        help=_("read the password from the first line of standard input"))
    source.add_argument("--password-env", metavar="VAR",
                        help=_("read the password from this environment variable"))
    parser.add_argument("--password", action=_RefusePassword, help=argparse.SUPPRESS)


def settings_arguments(parser: argparse.ArgumentParser, *, host_optional: bool = False) -> None:
    parser.add_argument("host", nargs="?" if host_optional else None,
                        help=_("SMTP host; may carry a MediaWiki prefix: ssl://host"))
    parser.add_argument("--port", help=_("port (default: 465 for TLS, else 587)"))
    parser.add_argument("--security", choices=["none", "starttls", "tls", "auto"],
                        help=_("none: plain (PEAR: STARTTLS only with AUTH); starttls: "
                               "required; tls: TLS from the first byte; auto: find out "
                               "(default: tls with an ssl:// prefix, else starttls)"))
    parser.add_argument("--user", default="", help=_("SMTP user name; turns AUTH on"))
    password_arguments(parser)
    parser.add_argument("--sender", default="", help=_("MAIL FROM address ($wgPasswordSender)"))
    parser.add_argument("--emergency-contact", default="", help=_("$wgEmergencyContact"))
    parser.add_argument("--id-host", default="", help=_("IDHost: domain of Message-IDs"))
    parser.add_argument("--helo", default="", help=_("EHLO name (PEAR's 'localhost')"))
    parser.add_argument("--timeout", default="10", help=_("seconds per stage (default 10)"))
    parser.add_argument("--ca-file", help=_("also trust the CA certificates in this PEM file"))
    parser.add_argument("--auth-mechanism", choices=["LOGIN", "PLAIN", "CRAM-MD5", "XOAUTH2"],
                        help=_("force one AUTH mechanism (XOAUTH2: an OAuth access token "
                               "as the password)"))


def read_password(args: argparse.Namespace, *, prompt: str | None = None) -> str | None:
    """From --password-stdin, --password-env, or a no-echo prompt on a terminal."""
    if args.password_stdin:
        # Bytes, decoded here: the locale's decoder would stop with a traceback at a
        # byte that is not UTF-8, or (C locale) smuggle it in as a surrogate.
        line = sys.stdin.buffer.readline() if sys.stdin is not None else b""  # closed: <&-
        value = _utf8(line, _("standard input")).rstrip("\r\n")
    elif args.password_env:
        if args.password_env not in os.environ:
            raise UsageError(_("The environment variable {var} is not set.").format(
                var=args.password_env))
        raw = os.environb[os.fsencode(args.password_env)]
        value = _utf8(raw, _("the environment variable {var}").format(var=args.password_env))
    elif prompt is not None and sys.stdin.isatty():
        import getpass

        value = getpass.getpass(prompt)
    else:
        return None
    from wizard.model.fields import check_password

    return check_password(value)


def _utf8(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The position, never the bytes: they are part of the password.
        raise UsageError(_("The password from {where} is not UTF-8 text (byte {n} is "
                           "not): save it as UTF-8 and try again.").format(
                               where=where, n=exc.start + 1)) from None


def settings_from_args(args: argparse.Namespace) -> Settings:
    from wizard.model.settings import Security, Settings

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
