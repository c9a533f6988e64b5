"""ISP autoconfig, live, in Thunderbird's order: what a mail domain publishes about itself.

For a domain Thunderbird asks, best first:

1. the domain's autoconfig server,
   `https://autoconfig.<domain>/mail/config-v1.1.xml?emailaddress=<address>`;
2. its well-known URL, `https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml`;
3. the online ISPDB, `https://autoconfig.thunderbird.net/v1.1/<domain>` (here only for
   domains the shipped snapshot lacks);
4. then the same ISPDB for the base domain of the domain's MX host.

All of them run at once under one deadline and the best answer wins, as in Thunderbird.
Every look-up is a `Lookup`: where it asked, what came back, and why it was not used.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from wizard.model.i18n import _
from wizard.smtp.clientconfig import ClientConfig, ClientConfigError, parse_clientconfig
from wizard.smtp.https import FetchOutcome, HttpsOptions, fetch_xml

if TYPE_CHECKING:
    import dns.asyncresolver

__all__ = ["Lookup", "base_domain", "best", "lookup_domain", "lookup_mx_domain"]

# Second-level labels under which registrations sit one level deeper (example.co.uk,
# example.ne.jp). A heuristic in place of the full public suffix list: it only decides
# which one domain the online ISPDB is asked about for an MX host.
_SECOND_LEVEL = {"ac", "co", "com", "ed", "edu", "go", "gov", "gr", "lg", "ne", "net",
                 "or", "org"}


@dataclass(frozen=True)
class Lookup:
    kind: str
    """autoconfig, well-known, ispdb (online, for the domain) or ispdb-mx."""
    domain: str
    url: str
    outcome: FetchOutcome
    config: ClientConfig | None = None
    reason: str = ""
    """Why nothing was used, in words (translated)."""
    elapsed: float = 0.0

    @property
    def source_text(self) -> str:
        return {
            "autoconfig": _("autoconfig server of {domain}"),
            "well-known": _("well-known autoconfig URL of {domain}"),
            "ispdb": _("online ISPDB for {domain}"),
            "ispdb-mx": _("online ISPDB for the MX domain {domain}"),
        }[self.kind].format(domain=self.domain)

    @property
    def problem(self) -> bool:
        """An answer that was refused or too slow: worth a warning, unlike an absent file."""
        return self.outcome in (FetchOutcome.REFUSED, FetchOutcome.TIMEOUT)

    def detail(self) -> str:
        """One line for the report: the source, the URL and what happened."""
        if self.config is not None:
            hosts = ", ".join(f"{s.host_for(self.domain)}:{s.port} {s.socket_type}"
                              for s in self.config.servers)
            what = _("found: {hosts}").format(hosts=hosts)
        else:
            what = {FetchOutcome.ABSENT: _("nothing there"),
                    FetchOutcome.REFUSED: _("refused"),
                    FetchOutcome.TIMEOUT: _("too slow")}.get(self.outcome, "")
            what += f" ({self.reason})" if self.reason else ""
        return f"{self.source_text}: {what} — {self.url}"


def base_domain(host: str) -> str:
    """The registered domain of a host name, by a heuristic: mx1.mail.example.co.uk ->
    example.co.uk, mx.yandex.net -> yandex.net."""
    labels = host.strip().rstrip(".").lower().split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def best(lookups: list[Lookup]) -> Lookup | None:
    """The first look-up, in Thunderbird's order, that found a usable config."""
    return next((lookup for lookup in lookups if lookup.config is not None), None)


async def _lookup(kind: str, domain: str, url: str, *, timeout: float, options: HttpsOptions,
                  resolver: dns.asyncresolver.Resolver | None, hosts_path: str | Path) -> Lookup:
    fetched = await fetch_xml(url, timeout=timeout, options=options, resolver=resolver,
                              hosts_path=hosts_path)
    if fetched.outcome is not FetchOutcome.FOUND:
        return Lookup(kind, domain, url, fetched.outcome, reason=fetched.reason,
                      elapsed=fetched.elapsed)
    try:
        config = parse_clientconfig(fetched.body)
    except ClientConfigError as error:
        return Lookup(kind, domain, url, FetchOutcome.REFUSED, reason=error.message,
                      elapsed=fetched.elapsed)
    return Lookup(kind, domain, url, FetchOutcome.FOUND, config, elapsed=fetched.elapsed)


async def lookup_domain(domain: str, address: str, *, timeout: float, options: HttpsOptions,
                        resolver: dns.asyncresolver.Resolver | None = None,
                        hosts_path: str | Path = "/etc/hosts",
                        online_ispdb: bool = True) -> list[Lookup]:
    """Steps 1 to 3 for `domain` (ASCII form), all at once; the results in that order."""
    query = f"?emailaddress={quote(address, safe='@')}" if address else ""
    urls = [("autoconfig", f"https://autoconfig.{domain}/mail/config-v1.1.xml{query}"),
            ("well-known", f"https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml")]
    if online_ispdb:
        urls.append(("ispdb", options.ispdb_url + domain))
    return list(await asyncio.gather(*(
        _lookup(kind, domain, url, timeout=timeout, options=options, resolver=resolver,
                hosts_path=hosts_path)
        for kind, url in urls)))


async def lookup_mx_domain(mx_domain: str, *, timeout: float, options: HttpsOptions,
                           resolver: dns.asyncresolver.Resolver | None = None,
                           hosts_path: str | Path = "/etc/hosts") -> list[Lookup]:
    """Step 4: the online ISPDB for the MX host's base domain."""
    return [await _lookup("ispdb-mx", mx_domain, options.ispdb_url + mx_domain,
                          timeout=timeout, options=options, resolver=resolver,
                          hosts_path=hosts_path)]
