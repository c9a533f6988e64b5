"""One discovery under one deadline: DNS, then every candidate's ports at once, then ranking."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

import dns.asyncresolver

from wizard.model.report import Report, Step
from wizard.model.settings import Security, ascii_name, check_port, check_timeout
from wizard.smtp import ispdb
from wizard.smtp.autoconfig import Lookup, base_domain, lookup_domain, lookup_mx_domain
from wizard.smtp.discover.candidates import (
    Known,
    build_candidates,
    known_providers,
    parse_query,
)
from wizard.smtp.discover.results import Candidate, Discovery, Endpoint, rank_endpoints
from wizard.smtp.discover.steps import (
    autoconfig_step,
    candidate_step,
    dns_suggestion,
    mx_step,
    provider_step,
    recommend_step,
    srv_step,
)
from wizard.smtp.dns import (
    AddressResult,
    MxResult,
    SrvResult,
    mx_records,
    resolve_addresses,
    srv_records,
)
from wizard.smtp.https import HttpsOptions
from wizard.smtp.ports import PortResult, probe_ports
from wizard.smtp.providers import match_mx

__all__ = ["DEFAULT_PORTS", "discover"]

DEFAULT_PORTS = (465, 587, 25, 2525)
# Shares of the overall deadline: SRV and MX together, then the candidates' addresses;
# the probes get whatever is left (nearly all of it when DNS answers at once). The
# autoconfig look-ups run beside them and end within their own share.
_SRV_MX_SHARE = 0.3
_ADDRESS_SHARE = 0.25
_AUTOCONFIG_SHARE = 0.5
_MIN_STAGE_TIME = 0.05

T = TypeVar("T")

ProgressCallback = Callable[[Step | PortResult], None]
"""Called with each `Step` as it is decided and each port's `PortResult` as it arrives."""


class _Run:
    """One discovery: the deadline, the steps so far, and the progress callback."""

    def __init__(self, timeout: float, on_progress: ProgressCallback | None) -> None:
        self.timeout = timeout
        self.start = time.monotonic()
        self.deadline = self.start + timeout
        self.steps: list[Step] = []
        self.on_progress = on_progress
        self.tasks: list[asyncio.Task[Any]] = []

    def spawn(self, work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Start `work` beside the run; `cancel_pending` ends it if the run stops early."""
        task = asyncio.ensure_future(work)
        self.tasks.append(task)
        return task

    def cancel_pending(self) -> None:
        for task in self.tasks:
            task.cancel()

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def emit(self, step: Step) -> None:
        self.steps.append(step)
        if self.on_progress is not None:
            self.on_progress(step)


async def discover(
    query: str,
    *,
    timeout: float = 6.0,
    resolver: dns.asyncresolver.Resolver | None = None,
    ports: Sequence[int] = DEFAULT_PORTS,
    hosts_path: str | Path = "/etc/hosts",
    on_progress: ProgressCallback | None = None,
    https: HttpsOptions | None = None,
) -> Discovery:
    """Find and test the submission endpoints for an address or a mail domain.

    Raises SettingsError for input that is neither. Every network failure is data in
    the report. `on_progress` receives each `Step` as it is decided and each port's
    `PortResult` (host = the candidate's name) as it arrives. `https` says where the
    autoconfig look-ups go (port, trusted CAs, online ISPDB); by default port 443, the
    system's CAs and Thunderbird's ISPDB.
    """
    address, domain = parse_query(query)
    ports = [check_port(port) for port in ports]
    run = _Run(check_timeout(timeout), on_progress)
    try:
        return await _discover(run, query, address, ascii_name(domain), ports, resolver,
                               hosts_path, https or HttpsOptions())
    finally:
        # Also when the caller is cancelled: no look-up or probe outlives the discovery.
        run.cancel_pending()


async def _discover(run: _Run, query: str, address: str, ascii_domain: str,
                    ports: Sequence[int], resolver: dns.asyncresolver.Resolver | None,
                    hosts_path: str | Path, options: HttpsOptions) -> Discovery:
    web_time = run.timeout * _AUTOCONFIG_SHARE
    own_lookups = run.spawn(lookup_domain(
        ascii_domain, address, timeout=web_time, options=options, resolver=resolver,
        hosts_path=hosts_path, online_ispdb=ispdb.match_domain(ascii_domain) is None))

    lifetime = run.timeout * _SRV_MX_SHARE
    srv, mx = await asyncio.gather(
        srv_records(ascii_domain, resolver=resolver, lifetime=lifetime),
        mx_records(ascii_domain, resolver=resolver, lifetime=lifetime))
    elapsed = time.monotonic() - run.start
    run.emit(srv_step(srv, elapsed))
    run.emit(mx_step(mx, elapsed))
    known = known_providers(ascii_domain, mx)
    run.emit(provider_step(known))
    mx_lookups = run.spawn(_mx_lookups(run, ascii_domain, mx, known, options, resolver,
                                       hosts_path))

    # Probing what is known already does not wait for the web; what the web adds is
    # probed as soon as it arrives, both under the one deadline.
    first = build_candidates(ascii_domain, address, srv, mx, known)
    first_wave = run.spawn(_resolve_and_probe(run, first, ports, srv, resolver, hosts_path))
    lookups = [*await own_lookups, *await mx_lookups]
    run.emit(autoconfig_step(lookups))
    candidates = build_candidates(ascii_domain, address, srv, mx, known, lookups)
    probed = {c.host: c for c in first}
    later = [c for c in candidates if c.host not in probed]
    # A host the first wave probed, now with a port from a later source: probe that too.
    again = [c for c in candidates if c.host in probed and set(c.suggested_ports)
             - {*ports, *probed[c.host].suggested_ports}]
    waves = await asyncio.gather(
        first_wave, _resolve_and_probe(run, later, ports, srv, resolver, hosts_path),
        _resolve_and_probe(run, again, (), srv, resolver, hosts_path))
    tested: dict[str, tuple[Candidate, AddressResult]] = {}
    for candidate, found in (pair for wave in waves for pair in wave):
        if candidate.host in tested:
            known_candidate = tested[candidate.host][0]
            seen = {r.port for r in known_candidate.results}
            candidate = dataclasses.replace(known_candidate, results=(
                *known_candidate.results,
                *(r for r in candidate.results if r.port not in seen)))
            found = tested[candidate.host][1]
        tested[candidate.host] = (candidate, found)
    candidates = [dataclasses.replace(c, addresses=tested[c.host][0].addresses,
                                      dns=tested[c.host][0].dns,
                                      dns_error=tested[c.host][0].dns_error,
                                      results=tested[c.host][0].results)
                  for c in candidates]
    srv_rank = {(r.target, r.port): index for index, r in enumerate(srv.records)}
    endpoints = rank_endpoints(
        [_endpoint(c, result, srv_rank) for c in candidates for result in c.results
         if result.state.is_smtp],
        [c.host for c in candidates])
    recommended = next((e for e in endpoints if e.recommendable), None)
    suggestion = dns_suggestion(recommended, candidates)
    for candidate in candidates:
        run.emit(candidate_step(candidate, tested[candidate.host][1], suggestion,
                                ascii_domain))
    run.emit(recommend_step(recommended, endpoints, candidates))

    report = Report("discover", {"query": query.strip(), "domain": ascii_domain,
                                 "address": address or None}, tuple(run.steps))
    return Discovery(report, query.strip(), ascii_domain, tuple(candidates),
                     tuple(endpoints), recommended)


async def _mx_lookups(run: _Run, domain: str, mx: MxResult, known: Known,
                      options: HttpsOptions, resolver: dns.asyncresolver.Resolver | None,
                      hosts_path: str | Path) -> list[Lookup]:
    """The online ISPDB for the first MX host's base domain, unless the shipped data
    already knows that host or the base domain is the mail domain itself."""
    if not mx.hosts or any(match_mx([host]) or ispdb.match_mx([host]) for host in mx.hosts):
        return []
    mx_domain = base_domain(mx.hosts[0])
    if mx_domain == domain or ispdb.match_domain(mx_domain) or known.presets:
        return []
    web_time = run.start + run.timeout * _AUTOCONFIG_SHARE - time.monotonic()
    return await lookup_mx_domain(mx_domain, timeout=max(web_time, _MIN_STAGE_TIME),
                                  options=options, resolver=resolver, hosts_path=hosts_path)


async def _resolve_and_probe(run: _Run, candidates: list[Candidate], ports: Sequence[int],
                             srv: SrvResult, resolver: dns.asyncresolver.Resolver | None,
                             hosts_path: str | Path
                             ) -> list[tuple[Candidate, AddressResult]]:
    """Resolve each candidate, then probe its ports; each with what its look-up said."""
    if not candidates:
        return []
    lifetime = max(min(run.timeout * _ADDRESS_SHARE, run.remaining()), _MIN_STAGE_TIME)
    lookups = await asyncio.gather(*(
        resolve_addresses(c.host, resolver=resolver, lifetime=lifetime, hosts_path=hosts_path)
        for c in candidates))
    resolved = [dataclasses.replace(c, addresses=tuple(found.addresses),
                                    dns=str(found.outcome), dns_error=found.error)
                for c, found in zip(candidates, lookups, strict=True)]
    probed = await _probe(run, resolved, ports, srv)
    return list(zip(probed, lookups, strict=True))


async def _probe(run: _Run, candidates: list[Candidate], ports: Sequence[int],
                 srv: SrvResult) -> list[Candidate]:
    """Probe each resolved candidate's ports at once; one connection per address+port."""
    wanted: dict[tuple[str, int], list[str]] = {}
    for candidate in candidates:
        if candidate.addresses:
            for port in dict.fromkeys((*ports, *candidate.suggested_ports)):
                wanted.setdefault((candidate.addresses[0], port), []).append(candidate.host)
    tls_ports = {465, *(r.port for r in srv.records if r.security is Security.TLS)}

    def forward(result: PortResult) -> None:
        if run.on_progress is not None:
            for host in wanted.get((result.host, result.port), ()):
                run.on_progress(dataclasses.replace(result, host=host))

    results = await probe_ports(list(wanted), timeout=max(run.remaining(), _MIN_STAGE_TIME),
                                on_result=forward, tls_ports=tls_ports)
    by_host: dict[str, list[PortResult]] = {}
    for result in results:
        for host in wanted[(result.host, result.port)]:
            by_host.setdefault(host, []).append(dataclasses.replace(result, host=host))
    return [dataclasses.replace(c, results=tuple(by_host.get(c.host, ()))) for c in candidates]


def _endpoint(candidate: Candidate, result: PortResult,
              srv_rank: dict[tuple[str, int], int]) -> Endpoint:
    return Endpoint(candidate.host, result.port, result.state, candidate.addresses[0],
                    candidate.source, candidate.provider, candidate.notes, result.auth,
                    result.banner, srv_rank.get((candidate.host, result.port)))
