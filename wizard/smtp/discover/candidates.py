"""The hosts worth trying for a mail domain, best source first, each host once."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from wizard.model.fields import SettingsError, ascii_name, check_email, check_hostname, ip_literal
from wizard.model.i18n import _
from wizard.smtp import ispdb
from wizard.smtp.autoconfig import Lookup, best
from wizard.smtp.clientconfig import ClientConfig
from wizard.smtp.discover.results import Candidate, Source
from wizard.smtp.dns import MxResult, SrvResult
from wizard.smtp.providers import Provider, match_domain, match_mx

__all__ = ["Known", "build_candidates", "known_providers", "parse_query"]

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


@dataclass(frozen=True)
class Known:
    """What the offline sources know about a domain, each with why it matched (translated):
    curated presets first; ISPDB entries only where no preset already covers them."""

    presets: tuple[tuple[Provider, str], ...] = ()
    ispdb: tuple[tuple[ClientConfig, str], ...] = ()


def known_providers(domain: str, mx: MxResult) -> Known:
    """Presets by `domain` and by MX host, then ISPDB entries by domain and by the MX
    host's parent domains; an ISPDB entry whose host a preset already gives is left out."""
    presets: list[tuple[Provider, str]] = []
    by_domain = match_domain(domain)
    if by_domain is not None:
        presets.append((by_domain, _("{domain} is one of its mail domains").format(
            domain=domain)))
    for host in mx.hosts:
        provider = match_mx([host])
        if provider is not None and provider.id not in {p.id for p, _why in presets}:
            presets.append((provider, _(
                "the MX host {host} belongs to it").format(host=host)))
    preset_hosts = {p.host for p, _why in presets}
    found: list[tuple[ClientConfig, str]] = []
    entry = ispdb.match_domain(domain) if by_domain is None else None
    if entry is not None:
        found.append((entry, _("{domain} is one of its mail domains").format(domain=domain)))
    for host in mx.hosts:
        match = ispdb.match_mx([host])
        if match is not None and match[0].id not in {c.id for c, _why in found}:
            found.append((match[0], _(
                "the MX host {host} is under {parent}").format(host=host, parent=match[1])))
    found = [(config, why) for config, why in found
             if not preset_hosts & {s.host_for(domain) for s in config.servers}]
    return Known(tuple(presets), tuple(found))


def build_candidates(domain: str, address: str, srv: SrvResult, mx: MxResult, known: Known,
                     lookups: Sequence[Lookup] = ()) -> list[Candidate]:
    """SRV targets, the domain's own autoconfig, the presets, the ISPDB (shipped, else
    online), unknown MX hosts, then the guesses; `domain` in its ASCII form. Nothing is
    resolved yet. The online answers count as Thunderbird uses them: the best one only."""
    found: dict[str, Candidate] = {}

    def add(candidate: Candidate) -> None:
        known_candidate = found.get(candidate.host)
        if known_candidate is None:
            found[candidate.host] = candidate
        elif candidate.srv_ports:
            # A second SRV record for the same host: keep the best source, add its port.
            found[candidate.host] = dataclasses.replace(
                known_candidate, srv_ports=tuple(dict.fromkeys((*known_candidate.srv_ports,
                                                                *candidate.srv_ports))))
        elif candidate.provider:
            # A preset or config for a host a better source named: keep its notes too.
            found[candidate.host] = dataclasses.replace(
                known_candidate, provider=known_candidate.provider or candidate.provider,
                provider_id=known_candidate.provider_id or candidate.provider_id,
                notes=tuple(dict.fromkeys((*known_candidate.notes, *candidate.notes))))

    for record in srv.records:
        add(Candidate(record.target, Source.SRV, record.port, record.security,
                      srv_ports=(record.port,)))
    own = best([lookup for lookup in lookups if lookup.kind in ("autoconfig", "well-known")])
    online = best([lookup for lookup in lookups if lookup.kind == "ispdb"]) or (
        best([lookup for lookup in lookups if lookup.kind == "ispdb-mx"]))
    if own is not None and own.config is not None:
        for candidate in _from_config(own.config, Source.AUTOCONFIG, domain, address):
            add(candidate)
    for provider, _why in known.presets:
        add(_preset(provider))
    configs = [config for config, _why in known.ispdb]
    if own is None and online is not None and online.config is not None:
        configs.append(online.config)
    for config in configs:
        for candidate in _from_config(config, Source.ISPDB, domain, address):
            add(candidate)
    unknown_mx: list[str] = []
    for host in mx.hosts:
        if match_mx([host]) is None and ispdb.match_mx([host]) is None \
                and host not in unknown_mx:
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


def _from_config(config: ClientConfig, source: Source, domain: str,
                 address: str) -> list[Candidate]:
    """One candidate per host the config names, with the first port and security given
    for it; the ISPDB's id is kept as "ispdb:<id>"."""
    notes = tuple(config.notes(address))
    provider_id = f"ispdb:{config.id}" if source is Source.ISPDB else ""
    by_host: dict[str, Candidate] = {}
    for server in config.servers:
        host = ascii_name(server.host_for(domain))
        by_host.setdefault(host, Candidate(host, source, server.port, server.security,
                                           config.name, provider_id, notes))
    return list(by_host.values())
