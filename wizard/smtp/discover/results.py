"""What a discovery finds: candidate hosts, the endpoints that speak SMTP, their ranking."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from wizard.model.report import Report
from wizard.model.settings import Security, Settings
from wizard.smtp.ports import SECURITY_OF_STATE, PortResult, PortState

__all__ = [
    "UNKNOWN_HOST",
    "Candidate",
    "Discovery",
    "Endpoint",
    "RankKey",
    "Source",
    "best_possible",
    "rank_endpoints",
    "rank_key",
]


class Source(StrEnum):
    """Why a host is a candidate, best first."""

    SRV = "srv"
    AUTOCONFIG = "autoconfig"
    """The domain's own autoconfig server or well-known URL."""
    PRESET = "preset"
    ISPDB = "ispdb"
    """Thunderbird's ISPDB: the shipped snapshot, or online for a domain it lacks."""
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
    """The provider's name, for a preset, ISPDB or autoconfig candidate."""
    provider_id: str = ""
    notes: tuple[str, ...] = ()
    """Translated, ready to show."""
    srv_ports: tuple[int, ...] = ()
    """Every port the SRV records give for this host."""
    addresses: tuple[str, ...] = ()
    dns: str = ""
    """The address look-up's outcome (a `wizard.smtp.dns.Outcome` value), or "pending"
    when the discovery returned before it ended."""
    dns_error: str = ""
    results: tuple[PortResult, ...] = ()
    """One per probed port, `host` being this candidate's name; PENDING for a port not
    answered when the discovery returned."""

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


@dataclass(frozen=True)
class Endpoint:
    """A host and port that speaks SMTP, and how."""

    host: str
    port: int
    state: PortState
    """One of the SMTP states: implicit TLS, STARTTLS or plain."""
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
        return SECURITY_OF_STATE[self.state]

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


@dataclass(frozen=True)
class Discovery:
    """One discovery's outcome: the report of its steps and what it found."""

    report: Report
    query: str
    """What was asked, trimmed: an address or a domain."""
    domain: str
    """The mail domain, ASCII (xn--) form."""
    candidates: tuple[Candidate, ...]
    endpoints: tuple[Endpoint, ...]
    """Every port that speaks SMTP, best first (see `rank_endpoints`)."""
    recommended: Endpoint | None
    """The best endpoint that may carry a password; None when there is none."""

    def to_dict(self) -> dict[str, object]:
        """The report's JSON form with the candidates, endpoints and recommendation."""
        return {
            **self.report.to_dict(),
            "candidates": [candidate.to_dict() for candidate in self.candidates],
            "endpoints": [endpoint.to_dict() for endpoint in self.endpoints],
            "recommended": self.recommended.to_dict() if self.recommended else None,
        }


def _tier(endpoint: Endpoint) -> int:
    if endpoint.state is PortState.PLAIN:
        return 4
    if endpoint.port == 25:
        return 3
    if (endpoint.port, endpoint.state) in ((465, PortState.IMPLICIT_TLS),
                                           (587, PortState.STARTTLS)):
        return 0
    return 1 if endpoint.srv_rank is not None else 2


RankKey = tuple[float, ...]
"""Where an endpoint ranks: smaller is better (see `rank_endpoints`)."""

UNKNOWN_HOST: RankKey = (0, math.inf, 0, 0, 0)
"""The best a host not named yet could rank (one the web look-ups may still add): on a
standard port, from any source but SRV, whose records are all known by then."""


def rank_key(endpoint: Endpoint, position: int) -> RankKey:
    """The sort key of `rank_endpoints`; `position` is the host's place among the
    candidates, best first."""
    srv = math.inf if endpoint.srv_rank is None else endpoint.srv_rank
    return (_tier(endpoint), srv, position,
            0 if endpoint.state is PortState.IMPLICIT_TLS else 1, endpoint.port)


def best_possible(host: str, port: int, srv_rank: int | None, position: int) -> RankKey:
    """The best rank a port not answered yet could reach, in whichever SMTP state that may
    carry a password it turns out to speak."""
    return min(rank_key(Endpoint(host, port, state, "", Source.GUESS, srv_rank=srv_rank),
                        position)
               for state in (PortState.IMPLICIT_TLS, PortState.STARTTLS))


def rank_endpoints(endpoints: Sequence[Endpoint],
                   candidate_order: Sequence[str] = ()) -> list[Endpoint]:
    """Best first: 465 implicit TLS / 587 STARTTLS, then other SRV-advertised ports, then
    other ports, then 25, then plain SMTP. Ties go by SRV order, then by the candidate
    order (`candidate_order`: host names, best first), then implicit TLS before STARTTLS.
    """
    position = {host: index for index, host in enumerate(candidate_order)}
    return sorted(endpoints, key=lambda endpoint: rank_key(
        endpoint, position.get(endpoint.host, len(position))))
