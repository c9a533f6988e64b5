"""`smtp-wizard`: the TUI by default, sub-commands for scripts.

Exit codes: 0 all checks passed (warnings allowed), 1 a check failed, 2 bad usage or
bad input (one line on stderr, never a traceback). Passwords are never taken as a
command-line argument, since those leak into `ps` and shell history.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from wizard import __version__
from wizard.cli.commands import COMMANDS
from wizard.cli.common import EXIT_USAGE
from wizard.errors import WizardError
from wizard.model.i18n import _

__all__ = ["main"]


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

    for module in COMMANDS.values():
        module.add_parser(commands)
    return parser


def _run_tui(args: argparse.Namespace) -> int:
    # Textual is imported only here, so scripts using sub-commands never pay for it.
    from wizard.ui.app import run_wizard

    mode = "rotate" if args.rotate else "doctor" if args.doctor else "new"
    return run_wizard(demo=args.demo, localsettings=args.localsettings, mode=mode)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.command is None:
            return _run_tui(args)
        result = COMMANDS[args.command].run(args)
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
