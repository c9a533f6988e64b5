"""`smtp-wizard`: the TUI by default, sub-commands for scripts.

Exit codes: 0 all checks passed (warnings allowed), 1 a check failed, 2 bad usage or
bad input (one line on stderr, never a traceback). Passwords are never taken as a
command-line argument, since those leak into `ps` and shell history.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
from collections.abc import Sequence

from wizard import __version__
from wizard.cli.commands import COMMANDS
from wizard.cli.common import EXIT_USAGE
from wizard.errors import WizardError
from wizard.model.i18n import _
from wizard.model.shown import visible

__all__ = ["main"]


class _Version(argparse.Action):
    """The versions a bug report needs, read from package metadata: Textual's app
    machinery is never imported for this."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        print(version_report())
        parser.exit()


def version_report() -> str:
    import platform
    import ssl
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return _("not installed")

    lines = [f"smtp-wizard {__version__}",
             f"Python {platform.python_version()} ({sys.executable})"]
    lines += [f"{shown} {installed(name)}" for shown, name in (
        ("Textual", "textual"), ("aiosmtplib", "aiosmtplib"), ("keyring", "keyring"))]
    lines.append(ssl.OPENSSL_VERSION)
    system = _os_release()
    if system:
        lines.append(system)
    return "\n".join(lines)


def _os_release() -> str:
    import platform

    try:
        return platform.freedesktop_os_release().get("PRETTY_NAME", "")
    except OSError:  # not Linux, or no /etc/os-release
        return ""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smtp-wizard", allow_abbrev=False,
        description=_("Get a wiki's outgoing mail working: every setting tested live "
                      "against the real server. Without a command, starts the wizard."))
    parser.add_argument("--version", action=_Version, nargs=0,
                        help=_("show the versions that matter for a bug report and exit"))
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

    for module in COMMANDS.values():
        module.add_parser(commands)
    return parser


def _run_tui(args: argparse.Namespace) -> int:
    # Textual is imported only here, so scripts using sub-commands never pay for it.
    from wizard.ui.app import run_wizard

    mode = "rotate" if args.rotate else "doctor" if args.doctor else "new"
    return run_wizard(demo=args.demo, localsettings=args.localsettings, mode=mode)


def main(argv: Sequence[str] | None = None) -> int:
    _never_fail_to_print()
    try:
        args = _parser().parse_args(argv)
        if args.command is None:
            return _run_tui(args)
        result = COMMANDS[args.command].run(args)
        return result if isinstance(result, int) else asyncio.run(result)
    except WizardError as exc:  # the one root: a sentence for the user, never a traceback
        _error(exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        print(_("smtp-wizard: interrupted."), file=sys.stderr)
        return 130
    except OSError as exc:  # a path given on the command line: missing, a folder, a link
        _error(_os_error(exc))
    except UnicodeError:  # bytes that are not text, typed at a password prompt
        _error(_("The input is not valid UTF-8 text; nothing was changed."))
    return EXIT_USAGE


def _never_fail_to_print() -> None:
    """Under a locale that cannot encode a character (✓ under LANG=en_US.ISO-8859-1),
    print an escape for it rather than end in UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def _error(message: str) -> None:
    # A message may quote a file name or a value from outside: control characters in
    # it are shown, never obeyed by the terminal.
    print("smtp-wizard: " + "\n".join(map(visible, message.split("\n"))), file=sys.stderr)


def _os_error(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    return f"{exc.filename}: {reason}" if exc.filename else reason
