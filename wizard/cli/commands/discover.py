"""`smtp-wizard discover`: find and probe the submission servers of an address.

The steps are printed as they are decided, and the command ends as soon as the
recommendation is known: probes that could not rank above it are not waited for (they are
listed as pending); `--wait-all` waits for every answer, as a script may want.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from wizard.model.i18n import _

if TYPE_CHECKING:
    import dns.asyncresolver

    from wizard.model.report import Step
    from wizard.smtp.discover import Discovery
    from wizard.smtp.ports import PortResult


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("discover", help=_("find the SMTP server for an address"),
                                 description=_("Find and probe the SMTP servers for an "
                                               "e-mail address or domain."))
    parser.add_argument("query", help=_("alice@example.org or example.org"))
    parser.add_argument("--timeout", default="6", help=_("overall deadline in seconds"))
    parser.add_argument("--nameserver", metavar="IP[:PORT]",
                        help=_("ask this DNS server instead of the system's"))
    parser.add_argument("--wait-all", action="store_true",
                        help=_("wait for every probe to answer (or the deadline), not only "
                               "for those that could change the recommendation"))
    parser.add_argument("--json", action="store_true", help=_("machine-readable output"))
    parser.add_argument("-v", "--verbose", action="store_true", help=_("more detail"))


async def run(args: argparse.Namespace) -> int:
    from wizard.cli.output import (
        discovery_tail,
        discovery_title,
        report_json,
        result_line,
        step_text,
    )
    from wizard.model.fields import check_timeout
    from wizard.model.report import Step
    from wizard.smtp.discover import discover
    from wizard.smtp.discover.candidates import parse_query

    def progressed(event: Step | PortResult | Discovery) -> None:
        if isinstance(event, Step):
            print(step_text(event, verbose=args.verbose), flush=True)

    timeout = check_timeout(args.timeout)
    resolver = _resolver(args.nameserver) if args.nameserver else None
    parse_query(args.query)  # a mistake in it is a usage error before anything is printed
    if not args.json:
        print(discovery_title(args.query), flush=True)
    found = await discover(args.query, timeout=timeout, resolver=resolver,
                           on_progress=None if args.json else progressed,
                           wait_all=args.wait_all)
    if args.json:
        print(report_json(found))
    else:
        print("\n".join(filter(None, [result_line(found.report), discovery_tail(found)])))
    return found.report.exit_code


def _resolver(nameserver: str) -> dns.asyncresolver.Resolver:
    import dns.asyncresolver

    from wizard.model.fields import check_hostname, check_port

    address, _sep, port = nameserver.rpartition(":") if nameserver.count(":") == 1 else (
        nameserver, "", "53")
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [check_hostname(address, "nameserver")]
    resolver.port = check_port(port)
    return resolver
