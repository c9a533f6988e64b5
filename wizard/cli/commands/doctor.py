"""`smtp-wizard doctor`: why does this wiki not send mail?"""

from __future__ import annotations

import argparse
from pathlib import Path

from wizard.cli.common import password_arguments, read_password
from wizard.model.i18n import _
from wizard.model.settings import check_email


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("doctor", help=_("why does my wiki not send mail?"),
                                 allow_abbrev=False,
                                 description=_("Check LocalSettings.php, PHP, this machine "
                                               "and the live mail server, and say what to "
                                               "fix."))
    parser.add_argument("localsettings", nargs="?", metavar="PATH",
                        help=_("LocalSettings.php or the wiki folder (default: look for it)"))
    password_arguments(parser)
    parser.add_argument("--php", default="php", help=_("the PHP program to examine"))
    parser.add_argument("--offline", action="store_true",
                        help=_("skip the live check of the mail server"))
    parser.add_argument("--ca-file", help=_("also trust the CA certificates in this file"))
    parser.add_argument("--no-keyring", action="store_true",
                        help=_("do not look for the password in the keyring"))
    parser.add_argument("--rcpt", default="", help=_("also try RCPT TO this address"))
    parser.add_argument("--json", action="store_true", help=_("machine-readable output"))
    parser.add_argument("-v", "--verbose", action="store_true", help=_("show the transcript"))


async def run(args: argparse.Namespace) -> int:
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
