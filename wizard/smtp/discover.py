"""From an address or a mail domain to ranked, live-tested submission endpoints.

1. Candidates, best first: the domain's RFC 6186 SRV records (`_submissions` = implicit
   TLS before `_submission` = STARTTLS), a provider preset (by the address's domain or
   by an MX host), the MX hosts themselves, then the guesses `smtp.<domain>` and
   `mail.<domain>`. A host appears once, with its best source.
2. Every candidate is resolved, then probed on the standard ports plus its own SRV or
   preset port, all at once. The whole run, DNS included, ends within `timeout`.
3. The endpoints that speak SMTP are ranked: implicit TLS on 465 or STARTTLS on 587
   first, then other SRV-advertised ports, other ports, port 25 (throttled on EC2 and
   often blocked), and last plain SMTP without STARTTLS, which is never recommended.

`discover()` returns a `Report` whose `extra` holds JSON-ready dicts (`candidates`,
`endpoints`, `recommended`); `DiscoveryResult.from_report()` turns them back into typed
objects for the TUI, so both read one source.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import dns.asyncresolver

from wizard.model.diagnosis import Diagnosis, diagnose
from wizard.model.i18n import _
from wizard.model.report import Report, Status, Step
from wizard.model.settings import (
    Security,
    Settings,
    SettingsError,
    ascii_name,
    check_email,
    check_hostname,
    check_port,
    check_timeout,
    ip_literal,
)
from wizard.smtp.dns import (
    AddressResult,
    MxResult,
    Outcome,
    SrvResult,
    mx_records,
    resolve_addresses,
    srv_records,
)
from wizard.smtp.ports import PortResult, PortState, probe_ports
from wizard.smtp.providers import Provider, match_domain, match_mx

__all__ = [
    "DEFAULT_PORTS",
    "Candidate",
    "DiscoveryResult",
    "Endpoint",
    "Source",
    "discover",
    "rank_endpoints",
]

DEFAULT_PORTS = (465, 587, 25, 2525)
# Shares of the overall deadline: SRV and MX together, then the candidates' addresses;
# the probes get whatever is left (nearly all of it when DNS answers at once).
_SRV_MX_SHARE = 0.3
_ADDRESS_SHARE = 0.25
_MIN_STAGE_TIME = 0.05
_MX_CANDIDATES = 2
"""Unknown MX hosts tried as submission hosts: small providers often use one host."""
_GUESSES = ("smtp", "mail")

_SECURITY_OF_STATE = {
    PortState.IMPLICIT_TLS: Security.TLS,
    PortState.STARTTLS: Security.STARTTLS,
    PortState.PLAIN: Security.NONE,
}


class Source(StrEnum):
    """Why a host is a candidate, best first."""

    SRV = "srv"
    PRESET = "preset"
    MX = "mx"
    GUESS = "guess"


@dataclass(frozen=True)
class Candidate:
    """A host worth trying, what DNS said about it, and what its ports answered."""

    host: str
    """ASCII (xn--) form, lower case."""
    source: Source
    port: int | None = None
    """The port the source suggests (SRV record, preset), if any."""
    security: Security | None = None
    provider: str = ""
    """The preset's name, for a preset candidate."""
    provider_id: str = ""
    notes: tuple[str, ...] = ()
    """Translated, ready to show."""
    srv_ports: tuple[int, ...] = ()
    """Every port the SRV records give for this host."""
    addresses: tuple[str, ...] = ()
    dns: str = ""
    """The address look-up's outcome (wizard.probe.dns.Outcome value)."""
    dns_error: str = ""
    results: tuple[PortResult, ...] = ()
    """One per probed port, `host` being this candidate's name."""

    @property
    def suggested_ports(self) -> tuple[int, ...]:
        extra = (*self.srv_ports, *((self.port,) if self.port else ()))
        return tuple(dict.fromkeys(extra))

    def to_dict(self) -> dict[str, object]:
        return {
            "host": self.host, "source": str(self.source), "port": self.port,
            "security": str(self.security) if self.security else None,
            "provider": self.provider or None, "provider_id": self.provider_id or None,
            "notes": list(self.notes), "srv_ports": list(self.srv_ports),
            "addresses": list(self.addresses), "dns": self.dns, "dns_error": self.dns_error,
            "ports": [result.to_dict() for result in self.results],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Candidate:
        return cls(
            host=data["host"], source=Source(data["source"]), port=data["port"],
            security=Security(data["security"]) if data["security"] else None,
            provider=data["provider"] or "", provider_id=data["provider_id"] or "",
            notes=tuple(data["notes"]), srv_ports=tuple(data["srv_ports"]),
            addresses=tuple(data["addresses"]), dns=data["dns"], dns_error=data["dns_error"],
            results=tuple(_port_result(item) for item in data["ports"]),
        )


@dataclass(frozen=True)
class Endpoint:
    """A host and port that speaks SMTP, and how."""

    host: str
    port: int
    state: PortState
    address: str
    source: Source
    provider: str = ""
    notes: tuple[str, ...] = ()
    auth: tuple[str, ...] = ()
    banner: str = ""
    srv_rank: int | None = None
    """Position among the SRV records when one advertises this host and port."""

    @property
    def security(self) -> Security:
        return _SECURITY_OF_STATE[self.state]

    @property
    def recommendable(self) -> bool:
        """Plain SMTP without STARTTLS would send the password in clear: never offered."""
        return self.state is not PortState.PLAIN

    def to_settings(self, **fields: Any) -> Settings:
        """Settings for this endpoint; `fields` add the rest (username, sender, ...)."""
        return Settings(host=self.host, port=self.port, security=self.security, **fields)

    def to_dict(self) -> dict[str, object]:
        return {
            "host": self.host, "port": self.port, "security": str(self.security),
            "state": str(self.state), "address": self.address, "source": str(self.source),
            "provider": self.provider or None, "notes": list(self.notes),
            "auth": list(self.auth), "banner": self.banner, "srv_rank": self.srv_rank,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Endpoint:
        return cls(
            host=data["host"], port=data["port"], state=PortState(data["state"]),
            address=data["address"], source=Source(data["source"]),
            provider=data["provider"] or "", notes=tuple(data["notes"]),
            auth=tuple(data["auth"]), banner=data["banner"], srv_rank=data["srv_rank"],
        )


@dataclass(frozen=True)
class DiscoveryResult:
    """The typed view of a discovery report (what the TUI uses)."""

    query: str
    domain: str
    candidates: tuple[Candidate, ...]
    endpoints: tuple[Endpoint, ...]
    """Every port that speaks SMTP, best first (see `rank_endpoints`)."""
    recommended: Endpoint | None

    def extra(self) -> dict[str, object]:
        return {
            "candidates": [candidate.to_dict() for candidate in self.candidates],
            "endpoints": [endpoint.to_dict() for endpoint in self.endpoints],
            "recommended": self.recommended.to_dict() if self.recommended else None,
        }

    @classmethod
    def from_report(cls, report: Report) -> DiscoveryResult:
        extra: dict[str, Any] = report.extra
        recommended = extra["recommended"]
        return cls(
            query=str(report.target["query"]), domain=str(report.target["domain"]),
            candidates=tuple(Candidate.from_dict(item) for item in extra["candidates"]),
            endpoints=tuple(Endpoint.from_dict(item) for item in extra["endpoints"]),
            recommended=Endpoint.from_dict(recommended) if recommended else None,
        )


def _port_result(data: dict[str, Any]) -> PortResult:
    return PortResult(host=data["host"], port=data["port"], state=PortState(data["state"]),
                      banner=data["banner"], elapsed=data["elapsed"], detail=data["detail"],
                      auth=tuple(data["auth"]))


def _tier(endpoint: Endpoint) -> int:
    if endpoint.state is PortState.PLAIN:
        return 4
    if endpoint.port == 25:
        return 3
    if (endpoint.port, endpoint.state) in ((465, PortState.IMPLICIT_TLS),
                                           (587, PortState.STARTTLS)):
        return 0
    return 1 if endpoint.srv_rank is not None else 2


def rank_endpoints(endpoints: Sequence[Endpoint],
                   candidate_order: Sequence[str] = ()) -> list[Endpoint]:
    """Best first: 465 implicit TLS / 587 STARTTLS, then other SRV-advertised ports, then
    other ports, then 25, then plain SMTP. Ties go by SRV order, then by the candidate
    order (`candidate_order`: host names, best first), then implicit TLS before STARTTLS.
    """
    position = {host: index for index, host in enumerate(candidate_order)}

    def key(endpoint: Endpoint) -> tuple[float, ...]:
        srv = math.inf if endpoint.srv_rank is None else endpoint.srv_rank
        return (_tier(endpoint), srv, position.get(endpoint.host, len(position)),
                0 if endpoint.state is PortState.IMPLICIT_TLS else 1, endpoint.port)

    return sorted(endpoints, key=key)


def _parse_query(query: str) -> tuple[str, str]:
    """(address or "", domain) from an address or a domain; SettingsError if neither."""
    text = query.strip()
    address = check_email(text, "sender") if "@" in text else ""
    field = "sender" if address else "host"
    domain = check_hostname(address.rpartition("@")[2] if address else text, field)
    if ip_literal(domain) is None:
        return address, domain
    raise SettingsError(field, _("Give an e-mail address or a mail domain, such as "
                                 "example.org, not an IP address."))


class _Run:
    """One discovery: the deadline, the steps so far, and the progress callback."""

    def __init__(self, timeout: float,
                 on_progress: Callable[[Step | PortResult], None] | None) -> None:
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
    on_progress: Callable[[Step | PortResult], None] | None = None,
) -> Report:
    """Find and test the submission endpoints for an address or a mail domain.

    Raises SettingsError for input that is neither. Every network failure is data in
    the report. `on_progress` receives each `Step` as it is decided and each port's
    `PortResult` (host = the candidate's name) as it arrives.
    """
    address, domain = _parse_query(query)
    ports = [check_port(port) for port in ports]
    run = _Run(check_timeout(timeout), on_progress)
    ascii_domain = ascii_name(domain)

    lifetime = run.timeout * _SRV_MX_SHARE
    srv, mx = await asyncio.gather(
        srv_records(ascii_domain, resolver=resolver, lifetime=lifetime),
        mx_records(ascii_domain, resolver=resolver, lifetime=lifetime))
    elapsed = time.monotonic() - run.start
    run.emit(_srv_step(srv, elapsed))
    run.emit(_mx_step(mx, elapsed))
    by_domain = match_domain(ascii_domain)
    run.emit(_provider_step(by_domain, mx))
    candidates = _candidates(ascii_domain, srv, mx, by_domain)

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
    suggestion = _suggestion(recommended, candidates)
    for candidate, found in zip(candidates, lookups, strict=True):
        run.emit(_candidate_step(candidate, found, suggestion))
    run.emit(_recommend_step(recommended, endpoints, candidates))

    result = DiscoveryResult(query.strip(), ascii_domain, tuple(candidates), tuple(endpoints),
                             recommended)
    return Report("discover", {"query": query.strip(), "domain": ascii_domain,
                               "address": address or None},
                  tuple(run.steps), result.extra())


def _candidates(domain: str, srv: SrvResult, mx: MxResult,
                by_domain: Provider | None) -> list[Candidate]:
    found: dict[str, Candidate] = {}

    def add(candidate: Candidate) -> None:
        known = found.get(candidate.host)
        if known is None:
            found[candidate.host] = candidate
        elif candidate.srv_ports:
            # A second SRV record for the same host: keep the best source, add its port.
            found[candidate.host] = dataclasses.replace(
                known, srv_ports=tuple(dict.fromkeys((*known.srv_ports,
                                                      *candidate.srv_ports))))

    for record in srv.records:
        add(Candidate(record.target, Source.SRV, record.port, record.security,
                      srv_ports=(record.port,)))
    if by_domain is not None:
        add(_preset(by_domain))
    unknown_mx: list[str] = []
    for host in mx.hosts:
        provider = match_mx([host])
        if provider is not None:
            add(_preset(provider))
        elif host not in unknown_mx:
            unknown_mx.append(host)
    for host in unknown_mx[:_MX_CANDIDATES]:
        add(Candidate(host, Source.MX, notes=(_(
            "This is where the domain receives mail; it may accept submission too."),)))
    for prefix in _GUESSES:
        add(Candidate(f"{prefix}.{domain}", Source.GUESS))
    return list(found.values())


def _preset(provider: Provider) -> Candidate:
    notes = provider.shown_notes()
    if provider.username:
        notes.insert(0, _("User name: {user}").format(user=provider.username))
    elif provider.username_hint:
        notes.insert(0, _("User name: {hint}").format(hint=provider.shown_username_hint()))
    return Candidate(ascii_name(provider.host), Source.PRESET, provider.port,
                     provider.security, provider.name, provider.id, tuple(notes))


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


def _security_text(security: Security) -> str:
    return {
        Security.TLS: _("TLS from the first byte (ssl://)"),
        Security.STARTTLS: _("STARTTLS"),
        Security.NONE: _("no encryption"),
    }[security]


def _state_text(result: PortResult) -> str:
    text = {
        PortState.IMPLICIT_TLS: _("SMTP over TLS from the first byte"),
        PortState.STARTTLS: _("SMTP with STARTTLS"),
        PortState.PLAIN: _("SMTP without STARTTLS"),
        PortState.REFUSED: _("connection refused"),
        PortState.TIMEOUT: _("no answer (filtered, or the deadline passed)"),
        PortState.SILENT: _("connected, but no SMTP greeting and no TLS"),
        PortState.NOT_SMTP: _("not SMTP"),
        PortState.ERROR: _("error"),
    }[result.state]
    if result.auth:
        text += " (AUTH " + " ".join(result.auth).upper() + ")"
    if result.detail:
        text += f": {result.detail}"
    return text


def _srv_step(srv: SrvResult, elapsed: float) -> Step:
    details = tuple(
        f"_{r.service}._tcp.{srv.domain} → {r.target}:{r.port} "
        + _("(priority {priority}, weight {weight})").format(priority=r.priority,
                                                             weight=r.weight)
        for r in srv.records)
    details += tuple(_("_{service}._tcp.{domain} → “.”: not offered").format(
        service=service, domain=srv.domain) for service in srv.not_offered)
    if srv.records:
        summary = _("The domain names its submission servers in DNS (SRV): {hosts}.").format(
            hosts=", ".join(dict.fromkeys(f"{r.target}:{r.port}" for r in srv.records)))
        return Step("srv", Status.OK, summary, details, elapsed=elapsed)
    if srv.not_offered:
        return Step("srv", Status.OK, _("The domain states in DNS that it offers no "
                                        "submission service of its own."), details,
                    elapsed=elapsed)
    if srv.outcome in (Outcome.TIMEOUT, Outcome.ERROR):
        return Step("srv", Status.WARN, _("The SRV look-up failed: {error}").format(
            error=srv.error), diagnosis=_dns_diagnosis(
                srv.outcome, f"_submission._tcp.{srv.domain}", ""), elapsed=elapsed)
    return Step("srv", Status.OK, _("No SRV records for submission (most domains publish "
                                    "none)."), elapsed=elapsed)


def _mx_step(mx: MxResult, elapsed: float) -> Step:
    if mx.records:
        return Step("mx", Status.OK, _("Mail for {domain} goes to {hosts}.").format(
            domain=mx.domain, hosts=", ".join(mx.hosts)),
            tuple(f"{r.preference} {r.host}" for r in mx.records), elapsed=elapsed)
    if mx.null_mx:
        return Step("mx", Status.OK, _("{domain} accepts no mail (null MX); its sending "
                                       "service may still be elsewhere.").format(
                                           domain=mx.domain), elapsed=elapsed)
    if mx.outcome is Outcome.NXDOMAIN:
        return Step("mx", Status.FAIL, _("The domain {domain} does not exist.").format(
            domain=mx.domain), diagnosis=_dns_diagnosis(mx.outcome, mx.domain, ""),
            elapsed=elapsed)
    if mx.outcome in (Outcome.TIMEOUT, Outcome.ERROR):
        return Step("mx", Status.WARN, _("The MX look-up failed: {error}").format(
            error=mx.error), diagnosis=_dns_diagnosis(mx.outcome, mx.domain, ""),
            elapsed=elapsed)
    return Step("mx", Status.OK, _("{domain} has no MX record.").format(domain=mx.domain),
                elapsed=elapsed)


def _provider_step(by_domain: Provider | None, mx: MxResult) -> Step:
    matches: list[tuple[Provider, str]] = []
    if by_domain is not None:
        matches.append((by_domain, _("{domain} is one of its mail domains").format(
            domain=mx.domain)))
    for host in mx.hosts:
        provider = match_mx([host])
        if provider is not None and provider.id not in {p.id for p, _why in matches}:
            matches.append((provider, _("the MX host {host} belongs to it").format(host=host)))
    if not matches:
        return Step("provider", Status.SKIPPED, _("No known provider matches this domain."))
    summary = "; ".join(_("{provider}: {why}").format(provider=p.name, why=why)
                        for p, why in matches)
    details = tuple(f"{p.name}: {note}" for p, _why in matches for note in p.shown_notes())
    return Step("provider", Status.OK, _("Known provider — {matches}.").format(
        matches=summary), details)


def _dns_diagnosis(outcome: Outcome, host: str, suggestion: str) -> Diagnosis | None:
    code = {Outcome.NXDOMAIN: "dns-nxdomain", Outcome.NO_ADDRESS: "dns-no-address",
            Outcome.TIMEOUT: "dns-timeout"}.get(outcome)
    return diagnose(code, host=host, suggestion=suggestion) if code else None


def _suggestion(recommended: Endpoint | None, candidates: list[Candidate]) -> str:
    """The " such as host" tail for the DNS diagnoses: the best host that answered."""
    hosts = [recommended.host] if recommended else [
        c.host for c in candidates if c.source in (Source.SRV, Source.PRESET) and c.addresses]
    return _(", such as {hosts}").format(hosts=", ".join(hosts[:2])) if hosts else ""


def _candidate_step(candidate: Candidate, found: AddressResult, suggestion: str) -> Step:
    step_id = f"candidate:{candidate.host}"
    source = {Source.SRV: _("SRV record"), Source.PRESET: candidate.provider,
              Source.MX: _("MX host"), Source.GUESS: _("guess")}[candidate.source]
    label = f"{candidate.host} ({source})"
    if not candidate.addresses:
        guess = candidate.source is Source.GUESS
        if guess and found.outcome in (Outcome.NXDOMAIN, Outcome.NO_ADDRESS):
            return Step(step_id, Status.SKIPPED, _("{host}: no such host.").format(
                host=label), (found.error,), elapsed=found.elapsed)
        return Step(step_id, Status.WARN, _("{host}: no address ({error}).").format(
            host=label, error=found.error), candidate.notes,
            _dns_diagnosis(found.outcome, candidate.host, suggestion), elapsed=found.elapsed)
    via = _(" from the hosts file") if found.source == "hosts" else ""
    details = (_("address: {addresses}{via}").format(
        addresses=", ".join(candidate.addresses), via=via),
        *(f"{r.port}: {_state_text(r)}" for r in sorted(candidate.results,
                                                       key=lambda r: r.port)),
        *candidate.notes)
    elapsed = found.elapsed + max((r.elapsed for r in candidate.results), default=0.0)
    secure = sorted({r.port for r in candidate.results
                     if r.state in (PortState.IMPLICIT_TLS, PortState.STARTTLS)})
    if secure:
        return Step(step_id, Status.OK, _("{host}: SMTP on port {ports}.").format(
            host=label, ports=", ".join(map(str, secure))), details, elapsed=elapsed)
    if any(r.state is PortState.PLAIN for r in candidate.results):
        return Step(step_id, Status.WARN, _("{host}: only SMTP without STARTTLS.").format(
            host=label), details, diagnose("starttls-missing"), elapsed=elapsed)
    # A published or preset host that does not answer is news; a guess that does not is not.
    status = Status.WARN if candidate.source in (Source.SRV, Source.PRESET) else Status.SKIPPED
    return Step(step_id, status, _("{host}: no SMTP service on the ports tried.").format(
        host=label), details, elapsed=elapsed)


def _recommend_step(recommended: Endpoint | None, endpoints: list[Endpoint],
                    candidates: list[Candidate]) -> Step:
    if recommended is None:
        if endpoints:
            return Step("recommend", Status.FAIL, _(
                "Only SMTP without STARTTLS was found; the wizard will not send a password "
                "that way."), diagnosis=diagnose("starttls-missing"))
        tried = sum(len(c.results) for c in candidates)
        return Step("recommend", Status.FAIL, _(
            "No SMTP submission service answered ({n} host and port combinations tried)."
        ).format(n=tried), (_("Ask the mail provider for its SMTP host and port, then run "
                              "a check with them."),))
    summary = _("Use {host} port {port} with {security}.").format(
        host=recommended.host, port=recommended.port,
        security=_security_text(recommended.security))
    others = tuple(f"{e.host}:{e.port} {_security_text(e.security)}"
                   for e in endpoints if e is not recommended)
    if recommended.port == 25:
        return Step("recommend", Status.WARN, summary + " " + _(
            "Port 25 is often blocked or throttled for clients (on Amazon EC2, for one); "
            "prefer 587 or 465 where the provider offers them."), others)
    return Step("recommend", Status.OK, summary, others)
