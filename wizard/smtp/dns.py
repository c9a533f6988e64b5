"""DNS look-ups for the wizard: addresses, RFC 6186 SRV records and MX records.

Every look-up runs under one total `lifetime` (dnspython's own budget, with an asyncio
deadline around it as well), and a failure is data: an `Outcome` and a reason, never an
exception. The `resolver=` argument is the seam for tests and for a caller that wants
its own nameservers; without it the system's resolver (/etc/resolv.conf) is used.

Names are queried in their ASCII form (IDN labels as xn--), the form that goes on the
wire and into config files.

dnspython is imported only by the look-ups that need it; `wizard.smtp.sysdns` asks the
system's own resolver (getaddrinfo) instead, as a connection does.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.model.fields import ascii_name, ip_literal
from wizard.model.i18n import _
from wizard.model.settings import Security

if TYPE_CHECKING:
    import dns.asyncresolver
    import dns.name

__all__ = [
    "SUBMISSION_SERVICES",
    "AddressResult",
    "MxRecord",
    "MxResult",
    "Outcome",
    "SrvRecord",
    "SrvResult",
    "mx_records",
    "read_hosts_file",
    "resolve_addresses",
    "srv_records",
    "v4_first",
    "without_lookup",
]

SUBMISSION_SERVICES = ("submissions", "submission")
"""RFC 6186 / RFC 8314 services, best first: implicit TLS, then STARTTLS."""

_SERVICE_SECURITY = {"submissions": Security.TLS, "submission": Security.STARTTLS}


class Outcome(StrEnum):
    """How a look-up ended."""

    OK = "ok"
    NXDOMAIN = "nxdomain"
    """The name does not exist."""
    NO_ADDRESS = "no-address"
    """The name exists but has no A or AAAA record."""
    NO_RECORDS = "no-records"
    """The name exists, or the answer was empty, but has no record of the asked type."""
    TIMEOUT = "timeout"
    ERROR = "error"


@dataclass(frozen=True)
class AddressResult:
    name: str
    """The name as queried: ASCII (xn--) form, or the IP literal."""
    addresses: list[str]
    """IPv4 addresses first, then IPv6, each in the order received."""
    outcome: Outcome
    error: str = ""
    """Why there is no address (or, with addresses, which half of A/AAAA failed)."""
    source: str = "dns"
    """literal, hosts (the hosts file), dns, or system (getaddrinfo: `sysdns`)."""
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.addresses)


@dataclass(frozen=True)
class SrvRecord:
    service: str
    """submissions (implicit TLS) or submission (STARTTLS)."""
    target: str
    port: int
    priority: int
    weight: int

    @property
    def security(self) -> Security:
        return _SERVICE_SECURITY.get(self.service, Security.STARTTLS)


@dataclass(frozen=True)
class SrvResult:
    domain: str
    records: list[SrvRecord]
    """Usable records: services in the order asked, each by priority, then weight."""
    not_offered: list[str]
    """Services whose only target is "." (RFC 2782: decidedly not offered)."""
    outcome: Outcome
    error: str = ""


@dataclass(frozen=True)
class MxRecord:
    preference: int
    host: str


@dataclass(frozen=True)
class MxResult:
    domain: str
    records: list[MxRecord]
    """By preference, then name."""
    outcome: Outcome
    error: str = ""
    null_mx: bool = False
    """RFC 7505 "0 .": the domain accepts no mail at all."""

    @property
    def hosts(self) -> list[str]:
        return [record.host for record in self.records]


def read_hosts_file(path: str | Path = "/etc/hosts") -> dict[str, list[str]]:
    """name -> addresses from a hosts(5) file, in file order; a missing file is empty."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    table: dict[str, list[str]] = {}
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2:
            continue
        address = ip_literal(fields[0])
        if address is None:
            continue
        for name in fields[1:]:
            entry = table.setdefault(name.rstrip(".").lower(), [])
            if address not in entry:
                entry.append(address)
    return table


@dataclass(frozen=True)
class _Answer:
    """One query's result: records (as dnspython rdata), or the outcome that ended it."""

    rdata: list[Any]
    outcome: Outcome
    error: str = ""


async def _query(
    resolver: dns.asyncresolver.Resolver | None, name: str, rdtype: str, lifetime: float
) -> _Answer:
    """One query; every failure becomes an outcome. No search domains are applied."""
    import dns.asyncresolver
    import dns.exception
    import dns.name
    import dns.rdatatype
    import dns.resolver

    try:
        active = resolver or dns.asyncresolver.get_default_resolver()
        qname = dns.name.from_text(name)
        answer = await active.resolve(
            qname, dns.rdatatype.from_text(rdtype), lifetime=lifetime,
            raise_on_no_answer=False, search=False)
    except dns.resolver.NXDOMAIN:
        return _Answer([], Outcome.NXDOMAIN, _("{name} does not exist").format(name=name))
    except dns.exception.Timeout:
        return _Answer([], Outcome.TIMEOUT, _("no DNS answer for {name} within {seconds:g} s")
                       .format(name=name, seconds=lifetime))
    except dns.resolver.NoResolverConfiguration:
        return _Answer([], Outcome.ERROR, _("no DNS server is configured (/etc/resolv.conf)"))
    except dns.resolver.NoNameservers as error:
        return _Answer([], Outcome.ERROR, _("the DNS servers failed to answer for {name}: "
                                            "{error}").format(name=name, error=error))
    except (dns.exception.DNSException, ValueError) as error:
        return _Answer([], Outcome.ERROR, f"{name}: {error}")
    if answer.rrset is None:
        return _Answer([], Outcome.NO_RECORDS, _("{name} has no {rdtype} record").format(
            name=name, rdtype=rdtype))
    return _Answer(list(answer.rrset), Outcome.OK)


async def _gather(lifetime: float, *queries: tuple[dns.asyncresolver.Resolver | None, str, str]
                  ) -> list[_Answer]:
    """Run queries concurrently under one deadline; a query cut off by it is a timeout."""
    tasks = [asyncio.ensure_future(_query(resolver, name, rdtype, lifetime))
             for resolver, name, rdtype in queries]
    try:
        done, _pending = await asyncio.wait(tasks, timeout=lifetime)
    finally:
        # Also when the caller is cancelled: no query outlives its look-up.
        pending = [task for task in tasks if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
    return [task.result() if task in done else _Answer(
        [], Outcome.TIMEOUT, _("no DNS answer for {name} within {seconds:g} s").format(
            name=name, seconds=lifetime))
        for task, (_resolver, name, _rdtype) in zip(tasks, queries, strict=True)]


def _combine_failures(answers: list[_Answer], empty: Outcome) -> tuple[Outcome, str]:
    """The outcome of several empty answers: an authoritative "no such name" wins, then a
    timeout or error (the data may exist), else the name exists without such records."""
    outcomes = {answer.outcome for answer in answers}
    for outcome in (Outcome.NXDOMAIN, Outcome.TIMEOUT, Outcome.ERROR):
        if outcome in outcomes:
            return outcome, next(a.error for a in answers if a.outcome is outcome)
    return empty, "; ".join(dict.fromkeys(a.error for a in answers if a.error))


async def resolve_addresses(
    name: str,
    *,
    resolver: dns.asyncresolver.Resolver | None = None,
    lifetime: float = 5.0,
    hosts_path: str | Path = "/etc/hosts",
) -> AddressResult:
    """The addresses of `name`, looked up as the system would ("files dns").

    An IP literal is its own address; a name in the hosts file gets the addresses listed
    there; otherwise A and AAAA are asked concurrently, both within `lifetime` seconds.
    """
    start = time.monotonic()
    query, known = without_lookup(name)
    if known is not None:
        return known
    hosts = read_hosts_file(hosts_path)
    listed = hosts.get(query) or hosts.get(name.strip().rstrip(".").lower())
    if listed:
        return AddressResult(query, v4_first(listed), Outcome.OK, source="hosts",
                             elapsed=time.monotonic() - start)
    answers = await _gather(lifetime, (resolver, query, "A"), (resolver, query, "AAAA"))
    addresses = v4_first([str(rdata) for answer in answers for rdata in answer.rdata])
    elapsed = time.monotonic() - start
    if addresses:
        partial = "; ".join(a.error for a in answers
                            if a.outcome not in (Outcome.OK, Outcome.NO_RECORDS))
        return AddressResult(query, addresses, Outcome.OK, partial, elapsed=elapsed)
    outcome, error = _combine_failures(answers, Outcome.NO_ADDRESS)
    if outcome is Outcome.NO_ADDRESS:
        error = _("{name} has no A or AAAA record").format(name=query)
    return AddressResult(query, [], outcome, error, elapsed=elapsed)


def without_lookup(name: str) -> tuple[str, AddressResult | None]:
    """`name` in its ASCII form, and the answer when none needs asking: an invalid name
    (an error), an IP literal (its own address)."""
    try:
        query = ascii_name(name)
    except UnicodeError:
        return name, AddressResult(name, [], Outcome.ERROR, _(
            "“{name}” is not a valid host name").format(name=name))
    if ip_literal(query):
        return query, AddressResult(query, [query], Outcome.OK, source="literal")
    return query, None


def v4_first(addresses: list[str]) -> list[str]:
    """Each address once, IPv4 first, each family in the order given."""
    unique = list(dict.fromkeys(addresses))
    return sorted(unique, key=lambda address: ":" in address)


async def srv_records(
    domain: str,
    *,
    resolver: dns.asyncresolver.Resolver | None = None,
    lifetime: float = 5.0,
    services: tuple[str, ...] = SUBMISSION_SERVICES,
) -> SrvResult:
    """RFC 6186 `_submissions._tcp.<domain>` and `_submission._tcp.<domain>`, concurrently.

    Order: services as given (implicit TLS first), then priority (lowest first), then
    weight (highest first). A "." target means the service is not offered.
    """
    try:
        query = ascii_name(domain)
    except UnicodeError:
        return SrvResult(domain, [], [], Outcome.ERROR,
                         _("“{name}” is not a valid domain").format(name=domain))
    names = [f"_{service}._tcp.{query}" for service in services]
    answers = await _gather(lifetime, *[(resolver, name, "SRV") for name in names])
    records: list[SrvRecord] = []
    not_offered: list[str] = []
    for service, answer in zip(services, answers, strict=True):
        found = [SrvRecord(service, _host(rdata.target), rdata.port, rdata.priority,
                           rdata.weight) for rdata in answer.rdata]
        usable = [record for record in found if record.target]
        if found and not usable:
            not_offered.append(service)
        records += sorted(usable, key=lambda r: (r.priority, -r.weight, r.target, r.port))
    if records or not_offered:
        return SrvResult(query, records, not_offered, Outcome.OK)
    outcome, error = _combine_failures(answers, Outcome.NO_RECORDS)
    if outcome is Outcome.NXDOMAIN:
        # _submission._tcp.x not existing says nothing about x: most domains publish none.
        outcome, error = Outcome.NO_RECORDS, ""
    return SrvResult(query, [], [], outcome, error)


async def mx_records(
    domain: str,
    *,
    resolver: dns.asyncresolver.Resolver | None = None,
    lifetime: float = 5.0,
) -> MxResult:
    """The domain's mail exchangers, by preference; NXDOMAIN here means the domain is gone."""
    try:
        query = ascii_name(domain)
    except UnicodeError:
        return MxResult(domain, [], Outcome.ERROR,
                        _("“{name}” is not a valid domain").format(name=domain))
    (answer,) = await _gather(lifetime, (resolver, query, "MX"))
    found = [MxRecord(rdata.preference, _host(rdata.exchange)) for rdata in answer.rdata]
    records = sorted((r for r in found if r.host), key=lambda r: (r.preference, r.host))
    if records:
        return MxResult(query, records, Outcome.OK)
    if found:
        return MxResult(query, [], Outcome.OK, null_mx=True)
    return MxResult(query, [], answer.outcome, answer.error)


def _host(name: dns.name.Name) -> str:
    """A target name as text, lower-case, without the root dot; "" for the root itself."""
    import dns.name

    return name.to_text(omit_final_dot=True).lower() if name != dns.name.root else ""
