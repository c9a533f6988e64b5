"""`smtp-wizard`: the TUI by default, sub-commands for scripts.

Exit codes: 0 all checks passed (warnings allowed), 1 a check failed, 2 bad usage or
bad input (one line on stderr, never a traceback). Passwords are never taken as a
command-line argument, since those leak into `ps` and shell history.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from wizard import __version__
from wizard.cli.commands import COMMANDS, load_command
from wizard.cli.common import EXIT_USAGE
from wizard.errors import UsageError, WizardError
from wizard.model.cells import wrap_cells
from wizard.model.i18n import _, available_languages, set_language
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


class _HelpFormatter(argparse.HelpFormatter):
    """Help texts wrapped in terminal cells (a Chinese character takes two), under a
    translated "usage:"."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap_cells(text.strip(), width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(wrap_cells(text.strip(), width, initial_indent=indent,
                                     subsequent_indent=indent))

    def add_usage(self, usage: str | None, actions: Iterable[argparse.Action],
                  groups: Iterable[argparse._MutuallyExclusiveGroup],
                  prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse with its own headings in the chosen language; the sub-commands' parsers
    are of this class too (argparse makes them of the parent's)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = _("positional arguments")
        self._optionals.title = _("options")
        for action in self._actions:
            if isinstance(action, argparse._HelpAction):
                action.help = _("show this help message and exit")


def _parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    parser = _Parser(
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
    lang_help = _("language of the messages: {languages} (default: from the environment, "
                  "LANGUAGE, LC_ALL, LC_MESSAGES or LANG)").format(
        languages=", ".join(available_languages()))
    parser.add_argument("--lang", metavar="LANG", help=lang_help)
    given = list(sys.argv[1:] if argv is None else argv)
    wizard_only = _wizard_only(parser, given)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    # A command line that starts with a command needs no other command's parser (nor its
    # imports), one that starts the wizard needs none; any other, such as --help or a
    # mistyped command, gets all of them.
    if given[:1] and given[0] in COMMANDS:
        names: Sequence[str] = given[:1]
    else:
        names = () if wizard_only else tuple(COMMANDS)
    for name in names:
        load_command(name).add_parser(commands)
    _lang_after_commands(parser, lang_help)
    return parser


def _wizard_only(parser: argparse.ArgumentParser, given: Sequence[str]) -> bool:
    """Whether `given` is nothing but the wizard's own options and their values."""
    tokens = iter(given)
    for token in tokens:
        action = parser._option_string_actions.get(token.split("=", 1)[0])
        if action is None or isinstance(action, argparse._HelpAction):
            return False
        if action.nargs != 0 and "=" not in token:
            next(tokens, None)
    return True


def _lang_after_commands(parser: argparse.ArgumentParser, lang_help: str) -> None:
    """`--lang` after a command too (`smtp-wizard token status --lang zh_CN`);
    `_choose_language` has applied it already. One parser may have several names."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in {id(sub): sub for sub in action.choices.values()}.values():
                command.add_argument("--lang", metavar="LANG", help=lang_help,
                                     default=argparse.SUPPRESS)
                _lang_after_commands(command, lang_help)


def _choose_language(argv: Sequence[str] | None) -> None:
    """Apply `--lang` before any text is translated: the parser's own help texts are."""
    early = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    early.add_argument("--lang")
    lang = early.parse_known_args(argv)[0].lang
    try:
        set_language(lang)
    except LookupError:
        raise UsageError(_("There is no translation for {lang}: use one of {languages}."
                           ).format(lang=visible(repr(lang)),
                                    languages=", ".join(available_languages()))) from None


def _run_tui(args: argparse.Namespace) -> int:
    from wizard.model import memory

    memory.pause()  # until the first screen is drawn
    # Textual is imported only here, so scripts using sub-commands never pay for it.
    from wizard.ui.app import run_wizard

    mode = "rotate" if args.rotate else "doctor" if args.doctor else "new"
    return run_wizard(demo=args.demo, localsettings=args.localsettings, mode=mode)


def main(argv: Sequence[str] | None = None) -> int:
    _never_fail_to_print()
    try:
        _choose_language(argv)
        args = _parser(argv).parse_args(argv)
        if args.command is None:
            return _run_tui(args)
        result = load_command(args.command).run(args)
        if isinstance(result, int):
            return result
        import asyncio  # only for the commands that talk to the network

        code: int = asyncio.run(result)
        return code
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
