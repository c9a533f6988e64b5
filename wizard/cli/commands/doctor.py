"""`smtp-wizard doctor`: why does this wiki not send mail?"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.cli.commands.explain import explanation_text, read_error
from wizard.cli.common import password_arguments, read_password
from wizard.errors import UsageError
from wizard.model.cells import wrap_cells
from wizard.model.i18n import _

if TYPE_CHECKING:
    # Only for the annotations: the pattern registry loads when an error is given, the
    # report model when the doctor runs.
    from wizard.explain import Explanation
    from wizard.model.report import Report


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("doctor", help=_("why does my wiki not send mail?"),
                                 allow_abbrev=False,
                                 description=_("Check LocalSettings.php, PHP, this machine "
                                               "and the live mail server, and say what to "
                                               "fix."))
    # Named the way every command names the wiki (--localsettings), or as a bare PATH.
    where = parser.add_mutually_exclusive_group()
    where.add_argument("localsettings", nargs="?", metavar="PATH",
                       help=_("LocalSettings.php or the wiki folder (default: look for it)"))
    where.add_argument("--localsettings", dest="localsettings_option", metavar="PATH",
                       help=_("the same, as rotate and the wizard take it"))
    password_arguments(parser)
    parser.add_argument("--php", default="php", help=_("the PHP program to examine"))
    parser.add_argument("--offline", action="store_true",
                        help=_("skip the live check of the mail server"))
    parser.add_argument("--ca-file", help=_("also trust the CA certificates in this file"))
    parser.add_argument("--no-keyring", action="store_true",
                        help=_("do not look for the password in the keyring"))
    parser.add_argument("--rcpt", default="", help=_("also try RCPT TO this address"))
    parser.add_argument("--via-php", action=argparse.BooleanOptionalAction, default=None,
                        help=_("also talk to the server through the wiki's own PHP and PEAR, "
                               "as the web server's account: MediaWiki's verdict (default: "
                               "when PHP and the wiki's MediaWiki are found)"))
    parser.add_argument("--error", metavar="TEXT",
                        help=_("an error message the wiki showed (- reads it from standard "
                               "input): explained beside the findings"))
    parser.add_argument("--json", action="store_true", help=_("machine-readable output"))
    parser.add_argument("-v", "--verbose", action="store_true", help=_("show the transcript"))


async def run(args: argparse.Namespace) -> int:
    from wizard.cli.output import report_json, report_text
    from wizard.doctor import DoctorOptions, run_doctor
    from wizard.explain import beside, explain
    from wizard.model.fields import check_email

    given = args.localsettings or args.localsettings_option
    if args.error == "-" and args.password_stdin:
        raise UsageError(_("Standard input can carry the password or the error message, "
                           "not both: use --password-env VAR, or give the error as TEXT."))
    # Read before the checks start, so a missing text stops the run at once.
    error = read_error([args.error]) if args.error is not None else None
    result = await run_doctor(DoctorOptions(
        Path(given) if given else None, cwd=Path.cwd(), via_php=args.via_php,
        php=args.php, password=read_password(args), use_keyring=not args.no_keyring,
        live=not args.offline, ca_file=args.ca_file,
        rcpt=check_email(args.rcpt, "rcpt", required=False) or None))
    report = result.report
    explained = (_Explained(report, beside(explain(error[0], truncated=error[1]), report))
                 if error is not None else None)
    if args.json:
        print(report_json(explained or report))
    else:
        where = report.target.get("localsettings") or _("no LocalSettings.php")
        print(report_text(report, verbose=args.verbose,
                          title=_("smtp-wizard doctor: {where}").format(where=where)))
        if explained is not None:
            print(explained.text(verbose=args.verbose))
    return report.exit_code


@dataclass(frozen=True)
class _Explained:
    """The doctor's report with the error message the admin gave, set beside it."""

    report: Report
    explanation: Explanation

    def text(self, *, verbose: bool) -> str:
        from wizard.explain import compare

        lines = ["", explanation_text(self.explanation, verbose=verbose,
                                      title=_("The error message you gave:"))]
        sentences = compare(self.explanation, self.report)
        if sentences:
            lines.append(_("Beside the doctor's findings:"))
        for sentence in sentences:
            lines += wrap_cells(sentence, 78, initial_indent="  ",
                                   subsequent_indent="    ")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        from wizard.explain import compare

        return {**self.report.to_dict(), "explanation": {
            **self.explanation.to_dict(), "beside": compare(self.explanation, self.report)}}
