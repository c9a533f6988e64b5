"""One discovery under one deadline: DNS, then every candidate's ports at once, then the
answer as soon as it is known."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from wizard.model.fields import ascii_name, check_port, check_timeout
from wizard.model.report import Report, Step
from wizard.smtp import ispdb
from wizard.smtp.autoconfig import Lookup, base_domain, lookup_domain, lookup_mx_domain
from wizard.smtp.discover.candidates import (
    Known,
    build_candidates,
    known_providers,
    parse_query,
)
from wizard.smtp.discover.results import Discovery
from wizard.smtp.discover.search import Search, State
from wizard.smtp.discover.steps import (
    autoconfig_step,
    candidate_step,
    dns_suggestion,
    mx_step,
    pending_autoconfig_step,
    pending_candidate_step,
    provider_step,
    recommend_step,
    srv_step,
)
from wizard.smtp.dns import MxResult, mx_records, srv_records
from wizard.smtp.https import HttpsOptions
from wizard.smtp.ports import PortResult
from wizard.smtp.providers import match_mx

if TYPE_CHECKING:
    import dns.asyncresolver

__all__ = ["DEFAULT_PORTS", "ProgressCallback", "discover"]

DEFAULT_PORTS = (465, 587, 25, 2525)
# Shares of the overall deadline: SRV and MX together, then each candidate's addresses;
# the probes get whatever is left (nearly all of it when DNS answers at once). The
# autoconfig look-ups run beside them and end within their own share.
_SRV_MX_SHARE = 0.3
_ADDRESS_SHARE = 0.25
_AUTOCONFIG_SHARE = 0.5
_MIN_STAGE_TIME = 0.05

T = TypeVar("T")

ProgressCallback = Callable[[Step | PortResult | Discovery], None]
"""Called with each `Step` as it is decided, each port's `PortResult` as it arrives, and,
once, the `Discovery` as it stands when the recommendation is known (what has not
answered yet is PENDING; what follows only refines the lower ranks)."""


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
        """Start `work` beside the run; `end_pending` ends it if the run stops early."""
        task = asyncio.ensure_future(work)
        self.tasks.append(task)
        return task

    async def end_pending(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

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
    wait_all: bool = True,
) -> Discovery:
    """Find and test the submission endpoints for an address or a mail domain.

    Raises SettingsError for input that is neither. Every network failure is data in
    the report. `on_progress` receives each `Step` as it is decided, each port's
    `PortResult` (host = the candidate's name) as it arrives, and the `Discovery` as soon
    as the recommendation is known. With `wait_all=False` that `Discovery` is also the
    answer: what had not answered by then is PENDING, its step says it was not waited
    for, and the look-ups and probes still running end with the call. `https` says where
    the autoconfig look-ups go (port, trusted CAs, online ISPDB); by default port 443, the
    system's CAs and Thunderbird's ISPDB.
    """
    address, domain = parse_query(query)
    ports = [check_port(port) for port in ports]
    run = _Run(check_timeout(timeout), on_progress)
    try:
        return await _discover(run, query, address, ascii_name(domain), ports, resolver,
                               hosts_path, https or HttpsOptions(), wait_all)
    finally:
        # Also when the caller is cancelled: no look-up or probe outlives the discovery.
        await run.end_pending()


async def _discover(run: _Run, query: str, address: str, ascii_domain: str,
                    ports: Sequence[int], resolver: dns.asyncresolver.Resolver | None,
                    hosts_path: str | Path, options: HttpsOptions,
                    wait_all: bool) -> Discovery:
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

    async def web() -> list[Lookup]:
        return [*await own_lookups, *await mx_lookups]

    search = Search(ports=ports, srv=srv, deadline=run.deadline,
                    lifetime=run.timeout * _ADDRESS_SHARE, resolver=resolver,
                    hosts_path=hosts_path, spawn=run.spawn,
                    on_port=run.on_progress)
    # Probing what is known already does not wait for the web; what the web adds is
    # probed as soon as it arrives, both under the one deadline.
    search.update(build_candidates(ascii_domain, address, srv, mx, known), final=False)
    web_lookups = run.spawn(web())
    web_lookups.add_done_callback(lambda _task: search.changed.set())
    target: dict[str, object] = {"query": query.strip(), "domain": ascii_domain,
                                 "address": address or None}
    shown: set[str] = set()
    answer: State | None = None
    while True:
        search.changed.clear()
        if web_lookups.done() and not search.final:
            lookups = web_lookups.result()
            run.emit(autoconfig_step(lookups))
            search.update(build_candidates(ascii_domain, address, srv, mx, known, lookups),
                          final=True)
        state = search.state()
        if answer is None and search.decided(state):
            answer = state
        suggestion = dns_suggestion(answer.best if answer else None, list(state.candidates))
        # Each candidate as it settles, in the order of the sources.
        for candidate in state.candidates:
            if candidate.host in shown:
                continue
            found = search.lookup(candidate.host)
            if found is None or not search.settled(candidate):
                break
            shown.add(candidate.host)
            run.emit(candidate_step(candidate, found, suggestion, ascii_domain))
        if answer is state:
            run.emit(recommend_step(state.best, list(state.endpoints),
                                    list(state.candidates)))
            rest = _not_waited_for(search, state, shown, suggestion, ascii_domain)
            if not wait_all:
                for step in rest:
                    run.emit(step)
                return _discovery(run.steps, target, state)
            if run.on_progress is not None:
                run.on_progress(_discovery([*run.steps, *rest], target, state))
        if search.done(state):
            return _discovery(run.steps, target, state)
        await search.changed.wait()


def _not_waited_for(search: Search, state: State, shown: set[str], suggestion: str,
                    domain: str) -> list[Step]:
    """The steps not given yet when the answer is known: the web look-ups if they still
    run, and each candidate not shown, with what it has said so far."""
    steps = [] if search.final else [pending_autoconfig_step()]
    for candidate in state.candidates:
        found = search.lookup(candidate.host)
        if candidate.host in shown:
            continue
        if found is not None and search.answered(candidate):
            steps.append(candidate_step(candidate, found, suggestion, domain))
        else:
            steps.append(pending_candidate_step(candidate, domain))
    return steps


def _discovery(steps: Sequence[Step], target: dict[str, object], state: State) -> Discovery:
    report = Report("discover", target, tuple(steps))
    return Discovery(report, str(target["query"]), str(target["domain"]), state.candidates,
                     state.endpoints, state.best)


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
