"""The live half of a discovery: each candidate resolved and probed as soon as a source
names it, and the moment the answer is known.

Results arrive one by one. After each, `Search` tells which candidates have answered (the
address look-up and every port) and whether the recommendation is decided: there is a best
endpoint, and nothing still running could rank above it (`results.best_possible` for a
port not answered yet, `results.UNKNOWN_HOST` while the web look-ups may still name new
hosts). Lower-ranked probes may go on; they cannot change the answer.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.smtp.discover.results import (
    UNKNOWN_HOST,
    Candidate,
    Endpoint,
    best_possible,
    rank_endpoints,
    rank_key,
)
from wizard.smtp.dns import AddressResult, SrvResult, resolve_addresses
from wizard.smtp.ports import PortResult, PortState, probe_ports

if TYPE_CHECKING:
    import dns.asyncresolver

__all__ = ["Search", "State"]

_MIN_STAGE_TIME = 0.05
"""What a look-up or probe started at (or after) the deadline still gets."""


@dataclass(frozen=True)
class State:
    """What is known at one moment: the candidates as far as they have answered (ports
    not answered are PENDING), the endpoints found, best first, and the best one that
    may carry a password."""

    candidates: tuple[Candidate, ...]
    endpoints: tuple[Endpoint, ...]
    best: Endpoint | None


class Search:
    """The address look-ups and port probes of one discovery, all under one deadline.

    `update()` gives the candidates as the sources known so far name them; what is new is
    started at once. `changed` is set whenever something answers.
    """

    def __init__(self, *, ports: Sequence[int], srv: SrvResult, deadline: float,
                 lifetime: float, resolver: dns.asyncresolver.Resolver | None,
                 hosts_path: str | Path,
                 spawn: Callable[[Coroutine[Any, Any, None]], object],
                 on_port: Callable[[PortResult], None] | None) -> None:
        self._ports = tuple(ports)
        self._srv_rank = {(r.target, r.port): index for index, r in enumerate(srv.records)}
        # Implicit TLS is tried first where TLS is expected: 465 and `_submissions` ports.
        self._tls_ports = {465, *(r.port for r in srv.records if r.service == "submissions")}
        self._deadline = deadline
        self._lifetime = lifetime
        self._resolver = resolver
        self._hosts_path = hosts_path
        self._spawn = spawn
        self._on_port = on_port
        self._candidates: list[Candidate] = []
        self._lookups: dict[str, AddressResult] = {}
        self._resolving: set[str] = set()
        self._results: dict[tuple[str, int], PortResult] = {}
        self._probing: set[tuple[str, int]] = set()
        self.final = False
        """The web look-ups have answered: no source will name another host."""
        self.changed = asyncio.Event()

    def update(self, candidates: Sequence[Candidate], *, final: bool) -> None:
        """The candidates, best first, as the sources so far name them; a host or port
        not seen before is looked up or probed at once."""
        self._candidates = list(candidates)
        self.final = final
        for candidate in self._candidates:
            found = self._lookups.get(candidate.host)
            if found is not None:
                self._probe_all(candidate, found)
            elif candidate.host not in self._resolving:
                self._resolving.add(candidate.host)
                self._spawn(self._resolve(candidate.host))

    def _wanted(self, candidate: Candidate) -> tuple[int, ...]:
        return tuple(dict.fromkeys((*self._ports, *candidate.suggested_ports)))

    def _left(self) -> float:
        return max(self._deadline - time.monotonic(), _MIN_STAGE_TIME)

    async def _resolve(self, host: str) -> None:
        found = await resolve_addresses(host, resolver=self._resolver,
                                        lifetime=min(self._lifetime, self._left()),
                                        hosts_path=self._hosts_path)
        self._lookups[host] = found
        for candidate in self._candidates:
            if candidate.host == host:
                self._probe_all(candidate, found)
        self.changed.set()

    def _probe_all(self, candidate: Candidate, found: AddressResult) -> None:
        """One connection per address and port, whichever candidates share them."""
        if not found.addresses:
            return
        for port in self._wanted(candidate):
            target = (found.addresses[0], port)
            if target not in self._probing:
                self._probing.add(target)
                self._spawn(self._probe(*target))

    async def _probe(self, address: str, port: int) -> None:
        [result] = await probe_ports([(address, port)], timeout=self._left(),
                                     tls_ports=self._tls_ports)
        self._results[(address, port)] = result
        if self._on_port is not None:
            for candidate in self._candidates:
                found = self._lookups.get(candidate.host)
                if found is not None and found.addresses[:1] == [address] \
                        and port in self._wanted(candidate):
                    self._on_port(dataclasses.replace(result, host=candidate.host))
        self.changed.set()

    def lookup(self, host: str) -> AddressResult | None:
        """What the address look-up of `host` said; None while it runs."""
        return self._lookups.get(host)

    def _known(self, candidate: Candidate) -> Candidate:
        found = self._lookups.get(candidate.host)
        if found is None:
            return dataclasses.replace(candidate, dns="pending", results=tuple(
                PortResult(candidate.host, port, PortState.PENDING)
                for port in self._wanted(candidate)))
        results: list[PortResult] = []
        if found.addresses:
            for port in self._wanted(candidate):
                seen = self._results.get((found.addresses[0], port))
                results.append(PortResult(candidate.host, port, PortState.PENDING)
                               if seen is None else dataclasses.replace(seen,
                                                                        host=candidate.host))
        return dataclasses.replace(candidate, addresses=tuple(found.addresses),
                                   dns=str(found.outcome), dns_error=found.error,
                                   results=tuple(results))

    def state(self) -> State:
        candidates = tuple(self._known(c) for c in self._candidates)
        endpoints = rank_endpoints(
            [self._endpoint(c, result) for c in candidates for result in c.results
             if result.state.is_smtp], [c.host for c in candidates])
        best = next((e for e in endpoints if e.recommendable), None)
        return State(candidates, tuple(endpoints), best)

    def _endpoint(self, candidate: Candidate, result: PortResult) -> Endpoint:
        return Endpoint(candidate.host, result.port, result.state, candidate.addresses[0],
                        candidate.source, candidate.provider, candidate.notes, result.auth,
                        result.banner, self._srv_rank.get((candidate.host, result.port)))

    @staticmethod
    def answered(candidate: Candidate) -> bool:
        """Its address look-up and every port it was probed on have answered."""
        return candidate.dns != "pending" and all(
            result.state is not PortState.PENDING for result in candidate.results)

    def settled(self, candidate: Candidate) -> bool:
        """Answered, and no later source can add a port to it."""
        return self.final and self.answered(candidate)

    def done(self, state: State) -> bool:
        return self.final and all(self.answered(c) for c in state.candidates)

    def decided(self, state: State) -> bool:
        """Whether `state.best` is the answer: nothing still running could rank above it
        (or, without a best endpoint, nothing is still running)."""
        if self.done(state):
            return True
        if state.best is None:
            return False
        order = [c.host for c in state.candidates]
        best = rank_key(state.best, order.index(state.best.host))
        could = [best_possible(c.host, result.port,
                               self._srv_rank.get((c.host, result.port)), position)
                 for position, c in enumerate(state.candidates) for result in c.results
                 if result.state is PortState.PENDING]
        if not self.final:
            could.append(UNKNOWN_HOST)
        return all(key > best for key in could)
