"""The hosts worth trying for a mail domain, best source first, each host once."""

from __future__ import annotations

import dataclasses

from wizard.model.i18n import _
from wizard.model.settings import (
    SettingsError,
    ascii_name,
    check_email,
    check_hostname,
    ip_literal,
)
from wizard.smtp.discover.results import Candidate, Source
from wizard.smtp.dns import MxResult, SrvResult
from wizard.smtp.providers import Provider, match_mx

__all__ = ["build_candidates", "parse_query"]

_MX_CANDIDATES = 2
"""Unknown MX hosts tried as submission hosts: small providers often use one host."""
_GUESSES = ("smtp", "mail")


def parse_query(query: str) -> tuple[str, str]:
    """(address or "", domain) from an address or a domain; SettingsError if neither."""
    text = query.strip()
    address = check_email(text, "sender") if "@" in text else ""
    field = "sender" if address else "host"
    domain = check_hostname(address.rpartition("@")[2] if address else text, field)
    if ip_literal(domain) is None:
        return address, domain
    raise SettingsError(field, _("Give an e-mail address or a mail domain, such as "
                                 "example.org, not an IP address."))


def build_candidates(domain: str, srv: SrvResult, mx: MxResult,
                     by_domain: Provider | None) -> list[Candidate]:
    """SRV targets, then the preset (by domain, then by MX host), unknown MX hosts, then
    the guesses; `domain` in its ASCII form. Nothing is resolved yet."""
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
