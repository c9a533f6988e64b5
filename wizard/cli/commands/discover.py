"""`smtp-wizard discover`: find and probe the submission servers of an address."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from wizard.model.i18n import _
from wizard.model.settings import check_hostname, check_port, check_timeout

if TYPE_CHECKING:
    import dns.asyncresolver


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("discover", help=_("find the SMTP server for an address"),
                                 description=_("Find and probe the SMTP servers for an "
                                               "e-mail address or domain."))
    parser.add_argument("query", help=_("alice@example.org or example.org"))
    parser.add_argument("--timeout", default="6", help=_("overall deadline in seconds"))
    parser.add_argument("--nameserver", metavar="IP[:PORT]",
                        help=_("ask this DNS server instead of the system's"))
    parser.add_argument("--json", action="store_true", help=_("machine-readable output"))
    parser.add_argument("-v", "--verbose", action="store_true", help=_("more detail"))


async def run(args: argparse.Namespace) -> int:
    from wizard.cli.output import discovery_text, report_json
    from wizard.smtp.discover import discover

    found = await discover(args.query, timeout=check_timeout(args.timeout),
                           resolver=_resolver(args.nameserver) if args.nameserver else None)
    print(report_json(found) if args.json else discovery_text(found, verbose=args.verbose))
    return found.report.exit_code


def _resolver(nameserver: str) -> dns.asyncresolver.Resolver:
    import dns.asyncresolver

    address, _sep, port = nameserver.rpartition(":") if nameserver.count(":") == 1 else (
        nameserver, "", "53")
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [check_hostname(address, "nameserver")]
    resolver.port = check_port(port)
    return resolver
