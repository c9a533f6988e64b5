"""`smtp-wizard explain`: paste the error, get the cause."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from wizard.errors import UsageError
from wizard.model.cells import cell_width, wrap_cells
from wizard.model.i18n import _
from wizard.model.shown import visible

if TYPE_CHECKING:
    # Only for annotations: the pattern registry loads when a text is explained.
    from wizard.explain import Explanation

__all__ = ["add_parser", "explanation_text", "read_error", "run"]

_WIDTH = 78
_INDENT = " " * 15


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "explain", help=_("what does this error message mean?"), allow_abbrev=False,
        description=_("Say what an error message from the wiki's mail means (MediaWiki's "
                      "“Error sending mail: …”, a PHP or Python traceback, a server's "
                      "reply), how to fix it, and which check confirms it live. Exit "
                      "code 0: recognised; 1: not recognised."))
    parser.add_argument("text", nargs="*", metavar="TEXT",
                        help=_("the error message (default, or -: read it from standard "
                               "input, tracebacks and several lines included)"))
    parser.add_argument("--json", action="store_true", help=_("machine-readable output"))
    parser.add_argument("-v", "--verbose", action="store_true",
                        help=_("also say where each known wording comes from"))


def read_error(words: Sequence[str]) -> tuple[str, bool]:
    """The error text from the command line, or from standard input when there is none
    (or it is `-`), and whether it was cut to the size `explain` reads."""
    from wizard.explain import MAX_INPUT, read_text

    if words and list(words) != ["-"]:
        # A non-UTF-8 argument reaches argv as surrogates; they go back to the bytes.
        data = " ".join(words).encode("utf-8", "surrogateescape")
    elif sys.stdin is None:  # closed: <&-
        data = b""
    else:
        if sys.stdin.isatty():
            print(_("Paste the error message, then press Ctrl-D on a line of its own."),
                  file=sys.stderr)
        data = sys.stdin.buffer.read(MAX_INPUT + 1)
    text, truncated = read_text(data)
    if not text.strip():
        raise UsageError(_("No error message was given: pass it as an argument or on "
                           "standard input."))
    return text, truncated


def _wrap(label: str, text: str) -> list[str]:
    return wrap_cells(visible(text), _WIDTH, initial_indent=_INDENT + label,
                         subsequent_indent=_INDENT + " " * cell_width(label))


def explanation_text(explanation: Explanation, *, verbose: bool = False,
                     title: str = "") -> str:
    """The findings with cause and fix, the codes quoted, and the command to run next."""
    from wizard.explain import PLACEHOLDERS

    lines = [title] if title else []
    if explanation.truncated:
        lines.append(_("Only the beginning of the text was read (it is very long)."))
    if explanation.recognised:
        lines.append(_("The text means:"))
    else:
        lines.append(_("No known error was found in this text."))
    for finding in explanation.findings:
        step = finding.diagnosis
        mark = "✗" if finding.likely else "?"
        summary = finding.says if finding.likely else _("Or, for the same words:")
        lines += wrap_cells(visible(f"{finding.topic:<10} {summary}"), _WIDTH,
                               initial_indent=f"  {mark} ", subsequent_indent=_INDENT)
        lines += _wrap(_("cause: "), step.cause) + _wrap(_("fix:   "), step.fix)
        lines.append(f"{_INDENT}[{step.code}]")
        if finding.likely:
            lines += _wrap(_("matched: "), finding.fragment)
            read = ", ".join(f"{key} {value}" for key, value in finding.facts.items())
            lines += _wrap(_("read: "), read) if read else []
        if verbose:
            lines += _wrap(_("wording: "), finding.source)
    if explanation.codes:
        lines.append(_("Codes in the text:"))
        width = max(len(code.code) for code in explanation.codes)
        for code in explanation.codes:
            lines += wrap_cells(visible(f"{code.code:<{width}}  {code.meaning}"), _WIDTH,
                                   initial_indent="  ", subsequent_indent=" " * (width + 4))
    if explanation.next_command:
        lines.append(_("Confirm it live (fill in the words in capitals):")
                     if PLACEHOLDERS & set(explanation.next_command.split())
                     else _("Confirm it live:"))
        lines.append("  " + visible(explanation.next_command))
    elif not explanation.recognised:
        lines += wrap_cells(_("Next: run `smtp-wizard doctor` in the wiki's folder (or give "
                                 "it the path): it checks LocalSettings.php, PHP, this "
                                 "machine and the mail server, live."), _WIDTH)
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from wizard.cli.output import report_json
    from wizard.explain import explain

    text, truncated = read_error(args.text)
    explanation = explain(text, truncated=truncated)
    if args.json:
        print(report_json(explanation))
    else:
        print(explanation_text(explanation, verbose=args.verbose))
    return 0 if explanation.recognised else 1
