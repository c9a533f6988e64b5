"""One discovery under one deadline: DNS, then every candidate's ports at once, then ranking."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import dns.asyncresolver

from wizard.model.report import Report, Step
from wizard.model.settings import Security, ascii_name, check_port, check_timeout
from wizard.smtp.discover.candidates import build_candidates, parse_query
from wizard.smtp.discover.results import Candidate, Discovery, Endpoint, rank_endpoints
from wizard.smtp.discover.steps import (
    candidate_step,
    dns_suggestion,
    mx_step,
    provider_step,
    recommend_step,
    srv_step,
)
from wizard.smtp.dns import SrvResult, mx_records, resolve_addresses, srv_records
from wizard.smtp.ports import PortResult, probe_ports
from wizard.smtp.providers import match_domain

__all__ = ["DEFAULT_PORTS", "discover"]

DEFAULT_PORTS = (465, 587, 25, 2525)
# Shares of the overall deadline: SRV and MX together, then the candidates' addresses;
# the probes get whatever is left (nearly all of it when DNS answers at once).
_SRV_MX_SHARE = 0.3
_ADDRESS_SHARE = 0.25
_MIN_STAGE_TIME = 0.05

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
) -> Discovery:
    """Find and test the submission endpoints for an address or a mail domain.

    Raises SettingsError for input that is neither. Every network failure is data in
    the report. `on_progress` receives each `Step` as it is decided and each port's
    `PortResult` (host = the candidate's name) as it arrives.
    """
    address, domain = parse_query(query)
    ports = [check_port(port) for port in ports]
    run = _Run(check_timeout(timeout), on_progress)
    ascii_domain = ascii_name(domain)

    lifetime = run.timeout * _SRV_MX_SHARE
    srv, mx = await asyncio.gather(
        srv_records(ascii_domain, resolver=resolver, lifetime=lifetime),
        mx_records(ascii_domain, resolver=resolver, lifetime=lifetime))
    elapsed = time.monotonic() - run.start
    run.emit(srv_step(srv, elapsed))
    run.emit(mx_step(mx, elapsed))
    by_domain = match_domain(ascii_domain)
    run.emit(provider_step(by_domain, mx))
    candidates = build_candidates(ascii_domain, srv, mx, by_domain)

    lifetime = max(min(run.timeout * _ADDRESS_SHARE, run.remaining()), _MIN_STAGE_TIME)
    lookups = await asyncio.gather(*(
        resolve_addresses(c.host, resolver=resolver, lifetime=lifetime, hosts_path=hosts_path)
        for c in candidates))
    candidates = [dataclasses.replace(c, addresses=tuple(found.addresses),
                                      dns=str(found.outcome), dns_error=found.error)
                  for c, found in zip(candidates, lookups, strict=True)]

    candidates = await _probe(run, candidates, ports, srv)
    srv_rank = {(r.target, r.port): index for index, r in enumerate(srv.records)}
    endpoints = rank_endpoints(
        [_endpoint(c, result, srv_rank) for c in candidates for result in c.results
         if result.state.is_smtp],
        [c.host for c in candidates])
    recommended = next((e for e in endpoints if e.recommendable), None)
    suggestion = dns_suggestion(recommended, candidates)
    for candidate, found in zip(candidates, lookups, strict=True):
        run.emit(candidate_step(candidate, found, suggestion))
    run.emit(recommend_step(recommended, endpoints, candidates))

    report = Report("discover", {"query": query.strip(), "domain": ascii_domain,
                                 "address": address or None}, tuple(run.steps))
    return Discovery(report, query.strip(), ascii_domain, tuple(candidates),
                     tuple(endpoints), recommended)


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
